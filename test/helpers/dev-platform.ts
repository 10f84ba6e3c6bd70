/**
 * A development platform as a newcomer runs it (`npm start`: the demo campaigns and the demo provider), for the
 * browser tests: a fresh data dir, a free port, the origin http://localhost:<port> the browser uses (WebAuthn
 * allows plain http on localhost only), the operator token and the demo provider's key from the data dir, and
 * `mykey operator add-admin` run as the CLI a newcomer types.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseServeConfig } from '../../src/cli/config.js';
import { startPlatform, type RunningPlatform } from '../../src/cli/platform.js';
import { signedFetch } from '../../src/http/signed-fetch.js';
import { runMykey } from './run-cli.js';
import { freePort } from './serve-process.js';

export interface DevPlatform {
  platform: RunningPlatform;
  /** What the browser opens: http://localhost:<port>. */
  origin: string;
  dataDir: string;
  operatorToken: string;
  /** A request of the demo provider, signed with its key from the data dir (RFC 9421). */
  providerFetch(path: string, init?: { method?: 'GET' | 'POST' | 'PUT'; json?: unknown }): Promise<{ status: number; body: unknown }>;
  /** A call of the operator API with the operator token (a write with an Idempotency-Key of its own). */
  operatorFetch(path: string, init?: { method?: 'GET' | 'POST' | 'PUT' | 'DELETE'; json?: unknown }): Promise<{ status: number; body: unknown }>;
  /** `mykey operator add-admin --name NAME`: the one-time enrolment link it prints. */
  addAdmin(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function startDevPlatform(options: { extraArgs?: string[] } = {}): Promise<DevPlatform> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mykey-web-'));
  const port = await freePort();
  const origin = `http://localhost:${port}`;
  const args = ['--port', String(port), '--data-dir', dataDir, '--origin', origin, '--log-level', 'silent', ...(options.extraArgs ?? [])];
  const config = parseServeConfig(args, {});
  assert.ok(config.ok, config.ok ? '' : config.message);
  const platform = await startPlatform(config.value, { logger: false });
  const operatorToken = readFileSync(join(dataDir, 'operator-token'), 'utf8').trim();
  const demoKey = (): { keyId: string; secret: Buffer } => {
    const key = JSON.parse(readFileSync(join(dataDir, 'demo-provider-key.json'), 'utf8')) as { keyId: string; secret: string };
    return { keyId: key.keyId, secret: Buffer.from(key.secret, 'base64') };
  };
  return {
    platform,
    origin,
    dataDir,
    operatorToken,
    providerFetch: async (path, init = {}) => {
      const answer = await signedFetch({ url: `${platform.url}${path}`, method: init.method ?? 'GET', key: demoKey(), ...(init.json === undefined ? {} : { json: init.json }) });
      return { status: answer.status, body: answer.body };
    },
    operatorFetch: async (path, init = {}) => {
      const response = await fetch(`${platform.url}${path}`, {
        method: init.method ?? 'GET',
        headers: {
          authorization: `Bearer ${operatorToken}`,
          // Each call is a new action of its own (routes that are not idempotent ignore the key).
          ...(init.method === undefined || init.method === 'GET' ? {} : { 'idempotency-key': randomUUID() }),
          ...(init.json === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
      });
      const text = await response.text();
      return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
    },
    addAdmin: async (name) => {
      const run = await runMykey(['operator', 'add-admin', '--name', name, '--data-dir', dataDir, '--origin', origin]);
      assert.equal(run.status, 0, run.stderr);
      return run.stdout.trim();
    },
    close: async () => {
      await platform.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
