// Ensures every operator and provider route admits exactly the staff roles of the matrix in docs/staff.md, that the
// machines keep their full access, and that a provider's staff see only their own provider. How: the route list is
// read from the app itself (a route missing from the matrix, or a matrix row without a route, fails), and each
// route is called with a console session of each role (its CSRF token and an Idempotency-Key, `{}` as the body):
// the answer is `staff_role_forbidden` exactly where the matrix says "–" (roles are checked before the body). The
// operator token and a signed provider request are sent to every route of their side and never refused for
// authentication. Provider A's admin then meets provider B's grants, files, statements, keys and staff, and sees
// none of them.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { staffRoles, type StaffRole } from '../../src/domain/staff-roles.js';
import type { SigningKey } from '../../src/http/signed-fetch.js';
import { httpBind, httpLogin, operatorInject, providerInject, startHttpWorld, type HttpWorld } from '../helpers/http.js';
import { servedRoutes } from '../helpers/routes.js';
import { consoleInject, createStaff, staffConsole, type StaffConsole } from '../helpers/staff.js';
import { addCampaign, addProvider, newCard } from '../helpers/world.js';

const codeOf = (response: LightMyRequestResponse): string | undefined => (response.json() as { code?: string }).code;
type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** The role matrix of docs/staff.md: route → the roles it admits. */
async function documentedMatrix(): Promise<Map<string, Set<StaffRole>>> {
  const text = await readFile(new URL('../../../docs/staff.md', import.meta.url), 'utf8');
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.startsWith('| route | operator_admin'));
  assert.ok(start >= 0, 'docs/staff.md has the role matrix');
  const header = lines[start]!;
  const end = lines.findIndex((line, i) => i > start && !line.startsWith('|'));
  const table = lines.slice(start + 2, end).join('\n');
  const columns = header.split('|').slice(2, -1).map((cell) => cell.trim());
  assert.deepEqual([...columns].sort(), [...staffRoles].sort(), 'one column per role');
  const matrix = new Map<string, Set<StaffRole>>();
  for (const match of table.matchAll(/^\| `((?:GET|POST|PUT|DELETE) \/v1\/(?:operator|provider)\/[^`]*)` \|(.*)\|$/gm)) {
    const cells = match[2]!.split('|').map((cell) => cell.trim());
    assert.equal(cells.length, columns.length, match[1]);
    assert.ok(cells.every((cell) => cell === '✓' || cell === '–'), match[1]);
    assert.ok(!matrix.has(match[1]!), `${match[1]} is listed twice`);
    matrix.set(match[1]!, new Set(columns.filter((_, i) => cells[i] === '✓') as StaffRole[]));
  }
  return matrix;
}

/** A path of the route with each parameter filled in with a value no resource has. */
function concrete(route: string): { method: Method; url: string } {
  const [method, path] = route.split(' ') as [Method, string];
  return { method, url: path.replace(/\{[^}]+\}/g, (param) => (param === '{month}' ? '2026-10' : `no-such-${param.slice(1, -1).toLowerCase()}`)) };
}

describe('staff roles on every operator and provider route', () => {
  let http: HttpWorld;
  let matrix: Map<string, Set<StaffRole>>;
  let routes: string[];
  const consoles = new Map<StaffRole, StaffConsole>();
  let providerA: { providerId: string; key: SigningKey };
  let providerB: { providerId: string; serviceId: string; key: SigningKey };

  before(async () => {
    http = await startHttpWorld();
    matrix = await documentedMatrix();
    routes = servedRoutes(http.app).filter((route) => / \/v1\/(operator|provider)\//.test(route));
    const a = await addProvider(http, 'provider-a');
    const b = await addProvider(http, 'provider-b');
    providerA = { providerId: a.providerId, key: { keyId: a.keyId, secret: a.secret } };
    providerB = { providerId: b.providerId, serviceId: b.serviceId, key: { keyId: b.keyId, secret: b.secret } };
    for (const role of staffRoles) consoles.set(role, await staffConsole(http, { role, ...(role.startsWith('provider') ? { providerId: providerA.providerId } : {}) }));
  });
  after(() => http.close());

  it('lists every route of the app in the matrix, and no route the app does not serve', () => {
    assert.ok(routes.length >= 40, `found only ${routes.length} routes`);
    assert.deepEqual([...matrix.keys()].sort(), [...routes].sort());
  });

  it('admits each role exactly where the matrix says', async () => {
    for (const route of routes) {
      for (const role of staffRoles) {
        const { method, url } = concrete(route);
        const response = await consoleInject(http, consoles.get(role)!, {
          method,
          url,
          headers: { 'idempotency-key': randomUUID() },
          ...(method === 'POST' || method === 'PUT' ? { json: {} } : {}),
        });
        const admitted = matrix.get(route)!.has(role);
        assert.ok(!['staff_session_expired', 'staff_session_required', 'csrf_token_invalid'].includes(codeOf(response) ?? ''), `${role} ${route}: ${response.body}`);
        assert.equal(codeOf(response) === 'staff_role_forbidden', !admitted, `${role} ${route}: ${response.statusCode} ${response.body}`);
      }
    }
  });

  it('keeps the operator token’s and signed requests’ full access', async () => {
    const refusedAuthentication = new Set(['operator_token_invalid', 'staff_role_forbidden', 'staff_session_required', 'csrf_token_invalid', 'request_signature_missing', 'request_signature_invalid', 'provider_key_unknown']);
    for (const route of routes) {
      const { method, url } = concrete(route);
      const json = method === 'POST' || method === 'PUT' ? {} : undefined;
      const response = route.includes(' /v1/operator/')
        ? await operatorInject(http.app, { method, url, ...(json === undefined ? {} : { json }) })
        : await providerInject(http, providerA.key, { method, url, ...(json === undefined ? {} : { json }), headers: { 'idempotency-key': randomUUID() } });
      assert.ok(!refusedAuthentication.has(codeOf(response) ?? ''), `${route}: ${response.body}`);
    }
  });

  it('shows provider A’s staff none of provider B’s grants, files, statements, keys or staff', async () => {
    const admin = consoles.get('provider_admin')!;
    // Provider B: a bound account with a grant, an event file, a statement, a staff account.
    const campaignId = await addCampaign(http);
    const citizen = await httpLogin(http, await newCard(http));
    assert.equal((await httpBind(http, citizen, { campaignId, providerServiceId: providerB.serviceId, accountRef: 'B-ACC' })).statusCode, 201);
    const event = { eventId: 'b-ev-1', accountRef: 'B-ACC', kind: 'payment', amountYen: 4_000, occurredAt: new Date(http.clock.nowMs()).toISOString() };
    assert.equal((await providerInject(http, providerB.key, { method: 'POST', url: '/v1/provider/events', json: { events: [event] } })).statusCode, 200);
    const bFeed = (await providerInject(http, providerB.key, { method: 'GET', url: '/v1/provider/grants' })).json() as { data: Array<{ grantId: string }> };
    assert.equal(bFeed.data.length, 1);
    const file = await providerInject(http, providerB.key, { method: 'POST', url: '/v1/provider/event-files', json: { fileName: 'b.ndjson', format: 'ndjson' }, headers: { 'idempotency-key': randomUUID() } });
    const fileId = (file.json() as { fileId: string }).fileId;
    http.clock.advance(120_000);
    assert.equal((await operatorInject(http.app, { method: 'POST', url: '/v1/operator/settlements', json: { providerId: providerB.providerId, month: '2026-11' } })).statusCode, 201);
    const bStaff = await createStaff(http, { role: 'provider_staff', providerId: providerB.providerId });

    const grants = await consoleInject(http, admin, { method: 'GET', url: '/v1/provider/grants' });
    assert.equal(grants.statusCode, 200);
    assert.deepEqual((grants.json() as { data: unknown[] }).data, []);
    assert.equal(codeOf(await consoleInject(http, admin, { method: 'POST', url: '/v1/provider/grants/ack', json: { grantIds: [bFeed.data[0]!.grantId] } })), 'grant_unknown');
    assert.equal(codeOf(await consoleInject(http, admin, { method: 'GET', url: `/v1/provider/event-files/${fileId}` })), 'event_file_not_found');
    const files = (await consoleInject(http, admin, { method: 'GET', url: '/v1/provider/event-files' })).json() as { data: Array<{ fileId: string }> };
    assert.ok(files.data.every((listed) => listed.fileId !== fileId), 'B’s file is not among A’s');
    assert.equal(codeOf(await consoleInject(http, admin, { method: 'GET', url: '/v1/provider/settlements/2026-11' })), 'settlement_not_found');
    assert.deepEqual((await consoleInject(http, admin, { method: 'GET', url: '/v1/provider/settlements' })).json(), { data: [], hasMore: false, nextCursor: null });
    const keys = (await consoleInject(http, admin, { method: 'GET', url: '/v1/provider/keys' })).json() as { data: Array<{ keyId: string }> };
    assert.ok(keys.data.some((k) => k.keyId === providerA.key.keyId));
    assert.ok(keys.data.every((k) => k.keyId.startsWith(`${providerA.providerId}.`)), 'only A’s keys (the matrix test made some)');
    assert.equal(codeOf(await consoleInject(http, admin, { method: 'DELETE', url: `/v1/provider/keys/${providerB.key.keyId}` })), 'provider_not_found');
    assert.equal(codeOf(await consoleInject(http, admin, { method: 'POST', url: `/v1/provider/keys/${providerB.key.keyId}/rotate`, json: {} })), 'provider_not_found');
    assert.equal((await providerInject(http, providerB.key, { method: 'GET', url: '/v1/provider/grants' })).statusCode, 200, 'B’s key still signs');
    const staff = (await consoleInject(http, admin, { method: 'GET', url: '/v1/provider/staff' })).json() as { data: Array<{ id: string; providerId: string }> };
    assert.ok(staff.data.length >= 2 && staff.data.every((account) => account.providerId === providerA.providerId));
    assert.equal(codeOf(await consoleInject(http, admin, { method: 'DELETE', url: `/v1/provider/staff/${bStaff.staffId}` })), 'staff_not_found');
    assert.equal(codeOf(await consoleInject(http, admin, { method: 'POST', url: `/v1/provider/staff/${bStaff.staffId}/enrolment` })), 'staff_not_found');
    assert.equal(codeOf(await consoleInject(http, admin, { method: 'POST', url: '/v1/provider/staff', json: { displayName: 'x', role: 'provider_staff', providerId: providerB.providerId } })), 'invalid_request');
    assert.equal(codeOf(await consoleInject(http, admin, { method: 'POST', url: '/v1/provider/staff', json: { displayName: 'x', role: 'operator_admin' } })), 'invalid_request');
    const made = await consoleInject(http, admin, { method: 'POST', url: '/v1/provider/staff', json: { displayName: 'Clerk', role: 'provider_staff' } });
    assert.equal(made.statusCode, 201, made.body);
    assert.equal((made.json() as { staff: { providerId: string } }).staff.providerId, providerA.providerId);
    assert.match((made.json() as { enrolment: { link: string } }).enrolment.link, /^https:\/\/mykey\.test\/provider\/enrol#/);
  });
});
