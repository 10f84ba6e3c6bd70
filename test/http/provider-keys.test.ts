// Ensures a provider manages its own signing keys as docs/provider-api.md says, from its console (a provider_admin
// session) and with its own signed requests: the list shows no secret; a new key's secret is shown once and signs;
// a rotation gives a new key while the old one signs until the overlap ends and is then refused exactly like an
// unknown key (provider_key_unknown); revocation refuses at once; every change is audited under its actor. How: the
// real routes through `app.inject()`, signed requests at the world's clock, which the test moves (never a sleep).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { keyRotationOverlapSecondsDefault, keyRotationOverlapSecondsMax } from '../../src/domain/limits.js';
import type { SigningKey } from '../../src/http/signed-fetch.js';
import { operatorInject, providerInject, startHttpWorld, type HttpWorld } from '../helpers/http.js';
import { consoleInject, staffConsole, type StaffConsole } from '../helpers/staff.js';
import { addProvider } from '../helpers/world.js';

const codeOf = (response: LightMyRequestResponse): string | undefined => (response.json() as { code?: string }).code;

interface NewKey {
  keyId: string;
  secret: string;
  createdAt: string;
}

describe('provider keys, self-service', () => {
  let http: HttpWorld;
  let providerId: string;
  let firstKey: SigningKey;
  let admin: StaffConsole;

  before(async () => {
    http = await startHttpWorld();
    const provider = await addProvider(http);
    providerId = provider.providerId;
    firstKey = { keyId: provider.keyId, secret: provider.secret };
    admin = await staffConsole(http, { role: 'provider_admin', providerId });
  });
  after(() => http.close());

  const signs = async (key: SigningKey): Promise<string | undefined> => {
    const response = await providerInject(http, key, { method: 'GET', url: '/v1/provider/grants' });
    return response.statusCode === 200 ? 'signs' : codeOf(response);
  };
  const keyOf = (created: NewKey): SigningKey => ({ keyId: created.keyId, secret: Buffer.from(created.secret, 'base64') });

  it('lists the keys without a secret, and shows a new key’s secret once', async () => {
    const created = await consoleInject(http, admin, { method: 'POST', url: '/v1/provider/keys' });
    assert.equal(created.statusCode, 201, created.body);
    const key = created.json() as NewKey;
    assert.equal(await signs(keyOf(key)), 'signs');
    const list = await consoleInject(http, admin, { method: 'GET', url: '/v1/provider/keys' });
    assert.equal(list.statusCode, 200);
    assert.ok(!list.body.includes(key.secret), 'the list shows no secret');
    const { data } = list.json() as { data: Array<{ keyId: string; expiresAt: string | null; revokedAt: string | null }> };
    assert.deepEqual(data.map((k) => k.keyId).sort(), [firstKey.keyId, key.keyId].sort());
    assert.ok(data.every((k) => k.expiresAt === null && k.revokedAt === null));
  });

  it('rotates with an overlap: the old key signs until it ends, then is refused like an unknown key', async () => {
    const overlapSeconds = 600;
    const rotated = await consoleInject(http, admin, { method: 'POST', url: `/v1/provider/keys/${firstKey.keyId}/rotate`, json: { overlapSeconds } });
    assert.equal(rotated.statusCode, 201, rotated.body);
    const answer = rotated.json() as NewKey & { previous: { keyId: string; expiresAt: string } };
    assert.equal(answer.previous.keyId, firstKey.keyId);
    assert.equal(Date.parse(answer.previous.expiresAt), http.clock.nowMs() + overlapSeconds * 1_000);
    assert.equal(await signs(keyOf(answer)), 'signs');
    assert.equal(await signs(firstKey), 'signs', 'still inside the overlap');
    // The signing helper moves the clock a second per request; land exactly on the end of the overlap.
    http.clock.ms = Date.parse(answer.previous.expiresAt) - 1_000;
    assert.equal(await signs(firstKey), 'provider_key_unknown', 'at the end of the overlap');
    assert.equal(await signs(keyOf(answer)), 'signs');
    assert.equal(codeOf(await consoleInject(http, admin, { method: 'POST', url: `/v1/provider/keys/${firstKey.keyId}/rotate`, json: {} })), 'provider_not_found', 'an expired key is not rotated');
    const listed = (await consoleInject(http, admin, { method: 'GET', url: '/v1/provider/keys' })).json() as { data: Array<{ keyId: string; expiresAt: string | null }> };
    assert.equal(listed.data.find((k) => k.keyId === firstKey.keyId)?.expiresAt, answer.previous.expiresAt);
    firstKey = keyOf(answer);
  });

  it('rotates by signed request too, one day by default; a second rotation never extends the overlap', async () => {
    const rotated = await providerInject(http, firstKey, { method: 'POST', url: `/v1/provider/keys/${firstKey.keyId}/rotate`, json: {} });
    assert.equal(rotated.statusCode, 201, rotated.body);
    const answer = rotated.json() as NewKey & { previous: { expiresAt: string } };
    assert.equal(Date.parse(answer.previous.expiresAt), http.clock.nowMs() + keyRotationOverlapSecondsDefault * 1_000);
    const again = await providerInject(http, firstKey, { method: 'POST', url: `/v1/provider/keys/${firstKey.keyId}/rotate`, json: { overlapSeconds: keyRotationOverlapSecondsMax } });
    assert.equal(again.statusCode, 201, again.body);
    assert.equal((again.json() as { previous: { expiresAt: string } }).previous.expiresAt, answer.previous.expiresAt);
    assert.equal(codeOf(await consoleInject(http, admin, { method: 'POST', url: `/v1/provider/keys/${firstKey.keyId}/rotate`, json: { overlapSeconds: keyRotationOverlapSecondsMax + 1 } })), 'invalid_request');
    firstKey = keyOf(again.json() as NewKey);
  });

  it('revokes at once, even a key inside its overlap', async () => {
    const rotated = (await consoleInject(http, admin, { method: 'POST', url: `/v1/provider/keys/${firstKey.keyId}/rotate`, json: { overlapSeconds: 600 } })).json() as NewKey;
    const revoked = await consoleInject(http, admin, { method: 'DELETE', url: `/v1/provider/keys/${firstKey.keyId}` });
    assert.equal(revoked.statusCode, 200, revoked.body);
    assert.equal(await signs(firstKey), 'provider_key_unknown');
    assert.equal(codeOf(await consoleInject(http, admin, { method: 'DELETE', url: `/v1/provider/keys/${firstKey.keyId}` })), 'provider_not_found');
    const newest = keyOf(rotated);
    assert.equal((await providerInject(http, newest, { method: 'DELETE', url: `/v1/provider/keys/${newest.keyId}` })).statusCode, 200, 'a signed request may revoke its own key');
    assert.equal(await signs(newest), 'provider_key_unknown');
  });

  it('audits every key change under its actor, and keeps the operator’s key routes', async () => {
    const operatorKey = await operatorInject(http.app, { method: 'POST', url: `/v1/operator/providers/${providerId}/keys` });
    assert.equal(operatorKey.statusCode, 201, operatorKey.body);
    const audit = (await operatorInject(http.app, { method: 'GET', url: '/v1/operator/audit?limit=100' })).json() as { data: Array<{ actor: string; action: string; subject: string; details: Record<string, unknown> }> };
    const changes = audit.data.filter((entry) => entry.action.startsWith('provider_key.') && entry.subject === providerId);
    assert.deepEqual(
      changes.map((entry) => [entry.action, entry.actor.split(':')[0]]),
      [
        ['provider_key.create', 'test'],
        ['provider_key.create', 'staff'],
        ['provider_key.rotate', 'staff'],
        ['provider_key.rotate', 'provider'],
        ['provider_key.rotate', 'provider'],
        ['provider_key.rotate', 'staff'],
        ['provider_key.revoke', 'staff'],
        ['provider_key.revoke', 'provider'],
        ['provider_key.create', 'operator'],
      ],
    );
    assert.ok(!JSON.stringify(audit).includes((operatorKey.json() as { secret: string }).secret), 'no secret in the audit');
  });
});
