// Ensures GET /openapi.json is an OpenAPI 3 document that lists every route of the app (so the document generated
// from the route schemas cannot silently miss one), each with a JSON response schema for its success and the one
// error body for its errors, each POST with a request body schema (except those that take no body), path
// parameters declared, and the authentication of each audience (staff console sessions beside the machines' own
// credentials). How: the routes the app really serves are read from Fastify's own route table (`printRoutes`) and
// compared with the document fetched through `app.inject()`.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHttpWorld, type HttpWorld } from '../helpers/http.js';
import { servedRoutes } from '../helpers/routes.js';

interface Operation {
  summary?: string;
  tags?: string[];
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ in: string; name: string; required?: boolean; schema?: unknown }>;
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Record<string, unknown> }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: Record<string, unknown> }> }>;
}

interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components?: { securitySchemes?: Record<string, unknown> };
}

/** Routes served only for tooling and monitoring, not part of the API the document describes. */
const undocumentedRoutes = new Set(['GET /openapi.json', 'GET /metrics']);
/** POST routes that take no body (their input is the path, the session or nothing). */
const postsWithoutBody = new Set([
  'POST /v1/citizen/login/challenge',
  'POST /v1/citizen/logout',
  'POST /v1/citizen/represented/challenge',
  'POST /v1/operator/providers/{providerId}/keys',
  'POST /v1/provider/event-files/{fileId}/complete',
  'POST /v1/staff/sign-in/options',
  'POST /v1/staff/sign-out',
  'POST /v1/operator/staff/{staffId}/enrolment',
  'POST /v1/provider/staff/{staffId}/enrolment',
  'POST /v1/provider/keys',
]);
/** Routes anyone may call: the public lists, the portal's configuration, health, and the two steps of a card login, a staff enrolment and sign-in. */
const anonymousRoutes = new Set([
  'GET /v1/campaigns',
  'GET /v1/provider-services',
  'GET /v1/portal/config',
  'GET /healthz',
  'POST /v1/citizen/login/challenge',
  'POST /v1/citizen/login',
  'POST /v1/staff/enrolments/options',
  'POST /v1/staff/enrolments',
  'POST /v1/staff/sign-in/options',
  'POST /v1/staff/sign-in',
]);
/** Provider routes only machines call (signed requests); the console never does. */
const machineOnlyRoutes = new Set(['POST /v1/provider/events']);

function isSchema(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && ('type' in value || '$ref' in value || 'anyOf' in value || 'oneOf' in value);
}

describe('GET /openapi.json', () => {
  let http: HttpWorld;
  let document: OpenApiDocument;
  let operations: Array<{ route: string; operation: Operation }>;

  before(async () => {
    http = await startHttpWorld();
    const response = await http.app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^application\/json/);
    document = response.json();
    operations = Object.entries(document.paths).flatMap(([path, byMethod]) =>
      Object.entries(byMethod).map(([method, operation]) => ({ route: `${method.toUpperCase()} ${path}`, operation })),
    );
  });

  after(async () => {
    await http.close();
  });

  it('is an OpenAPI 3 document', () => {
    assert.match(document.openapi, /^3\.\d+\.\d+$/);
    assert.equal(typeof document.info.title, 'string');
    assert.equal(typeof document.info.version, 'string');
  });

  it('lists every route the app serves, and only those', () => {
    const served = servedRoutes(http.app).filter((route) => !undocumentedRoutes.has(route));
    assert.ok(served.length >= 18, `found only ${served.length} routes; did the route tree format change?`);
    assert.deepEqual(operations.map((o) => o.route).sort(), served.sort());
  });

  it('gives every route a summary, a tag and a JSON schema for each response', () => {
    for (const { route, operation } of operations) {
      assert.ok((operation.summary ?? '').length > 0, `${route} has no summary`);
      assert.ok((operation.tags ?? []).length > 0, `${route} has no tag`);
      const responses = Object.entries(operation.responses ?? {});
      assert.ok(
        responses.some(([status]) => /^2\d\d$/.test(status)),
        `${route} documents no success`,
      );
      for (const [status, response] of responses) {
        if (status === '204') {
          assert.equal(response.content, undefined, `${route} ${status} has no content`);
          continue;
        }
        const schema = response.content?.['application/json']?.schema;
        assert.ok(isSchema(schema), `${route} ${status} has no JSON schema`);
        if (/^[45]\d\d$/.test(status)) {
          assert.deepEqual(schema.required, ['statusCode', 'code', 'error', 'message', 'requestId'], `${route} ${status} is the error body`);
        }
      }
    }
  });

  it('gives every POST a JSON request body schema, except those that take no body', () => {
    const posts = operations.filter((o) => o.route.startsWith('POST '));
    assert.ok(posts.length > postsWithoutBody.size);
    for (const { route, operation } of posts) {
      if (postsWithoutBody.has(route)) {
        assert.equal(operation.requestBody, undefined, `${route} takes no body`);
        continue;
      }
      assert.ok(isSchema(operation.requestBody?.content?.['application/json']?.schema), `${route} has no request body schema`);
      assert.equal(operation.requestBody?.required, true, `${route} body is required`);
    }
    for (const route of postsWithoutBody) assert.ok(operations.some((o) => o.route === route), `${route} is still served`);
  });

  it('declares every path parameter', () => {
    for (const { route, operation } of operations) {
      for (const [, name] of route.matchAll(/\{([^}]+)\}/g)) {
        const parameter = operation.parameters?.find((p) => p.in === 'path' && p.name === name);
        assert.ok(parameter !== undefined, `${route} does not declare ${name}`);
        assert.equal(parameter.required, true);
        assert.ok(isSchema(parameter.schema), `${route} ${name} has no schema`);
      }
    }
  });

  it('says how each audience authenticates, with schemes the document defines', () => {
    const schemes = document.components?.securitySchemes ?? {};
    // Operator and provider routes take their machine credential or a staff console session (either one).
    const expected = (route: string): string[] => {
      if (anonymousRoutes.has(route)) return [];
      if (route.includes(' /v1/citizen/')) return ['citizenSession'];
      if (machineOnlyRoutes.has(route)) return ['httpMessageSignature'];
      if (route.includes(' /v1/provider/')) return ['httpMessageSignature', 'staffSession'];
      if (route.includes(' /v1/operator/')) return ['operatorToken', 'staffSession'];
      if (route.includes(' /v1/staff/')) return ['staffSession'];
      assert.fail(`${route} belongs to no audience`);
    };
    for (const { route, operation } of operations) {
      const declared = (operation.security ?? []).flatMap((requirement) => Object.keys(requirement));
      assert.deepEqual(declared, expected(route), route);
      for (const scheme of declared) assert.ok(scheme in schemes, `${scheme} is defined`);
    }
  });
});
