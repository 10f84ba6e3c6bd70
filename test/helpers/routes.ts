/**
 * The routes an app really serves, read from Fastify's own route table, so that tests over "every route" cannot
 * miss one that is added later.
 */
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';

/**
 * The method and path of every route in Fastify's route tree (`printRoutes({ commonPrefix: false })` prints one
 * segment per line, indented four characters a level), with `:param` written `{param}` as OpenAPI does.
 */
export function routesOfTree(tree: string): string[] {
  const routes: string[] = [];
  const pathAtDepth: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^((?:│ {3}| {4})*)(?:├── |└── )(\S+)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (match === null) {
      assert.equal(line.trim(), '', `unexpected route tree line ${JSON.stringify(line)}`);
      continue;
    }
    const depth = match[1]!.length / 4;
    const path = (depth === 0 ? '' : pathAtDepth[depth - 1]!) + match[2]!;
    pathAtDepth[depth] = path;
    for (const method of match[3]?.split(', ') ?? []) {
      if (method !== 'HEAD') routes.push(`${method} ${path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
    }
  }
  return routes;
}

/** Every route of the app as `METHOD /path/{param}`. */
export function servedRoutes(app: FastifyInstance): string[] {
  return routesOfTree(app.printRoutes({ commonPrefix: false }));
}
