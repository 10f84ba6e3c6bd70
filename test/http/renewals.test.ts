// Ensures the operator renewal route POST /v1/operator/renewals: it needs the operator token and an
// Idempotency-Key, validates records by schema (base64 issuer, hex serial, RFC 5280 reason, at most
// renewalsPerBatchMax), answers one outcome per record, and through it a renewed card reaches the old Mykey ID.
// How: app.inject() against the real app over an embedded store, software cards logging in over HTTP.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import * as pkijs from 'pkijs';
import type { SoftwareCard } from '../../src/card/software-card.js';
import { renewalsPerBatchMax } from '../../src/domain/limits.js';
import { httpLogin, injectJson, operatorInject, startHttpWorld, type HttpWorld } from '../helpers/http.js';
import { newCard } from '../helpers/world.js';

function refOf(card: SoftwareCard) {
  const parsed = pkijs.Certificate.fromBER(card.certificateDer);
  return { issuerNameDer: Buffer.from(parsed.issuer.valueBeforeDecode).toString('base64'), serialHex: new X509Certificate(card.certificateDer).serialNumber };
}

describe('POST /v1/operator/renewals', () => {
  let http: HttpWorld;
  before(async () => {
    http = await startHttpWorld();
  });
  after(async () => http.close());

  it('links a renewed card to the old Mykey ID, one outcome per record, idempotent on replay', async () => {
    const [oldCard, renewed] = await Promise.all([newCard(http), newCard(http)]);
    const first = await httpLogin(http, oldCard);
    const json = { records: [{ old: refOf(oldCard), new: refOf(renewed), oldRevocationReason: 'superseded' }] };
    const response = await operatorInject(http.app, { method: 'POST', url: '/v1/operator/renewals', json, idempotencyKey: 'renewal-feed-1' });
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json(), { results: [{ index: 0, outcome: 'pending', mykeyId: first.mykeyId }] });
    const replay = await operatorInject(http.app, { method: 'POST', url: '/v1/operator/renewals', json, idempotencyKey: 'renewal-feed-1' });
    assert.equal(replay.headers['idempotency-hit'], 'true');
    assert.equal((await httpLogin(http, renewed)).mykeyId, first.mykeyId);
    const again = await operatorInject(http.app, { method: 'POST', url: '/v1/operator/renewals', json });
    assert.deepEqual(again.json(), { results: [{ index: 0, outcome: 'already_recorded', mykeyId: first.mykeyId }] });
  });

  it('refuses bad records and requests by code', async () => {
    const record = { old: { issuerNameDer: 'MAA=', serialHex: '01' }, new: { issuerNameDer: 'MAA=', serialHex: '02' }, oldRevocationReason: 'superseded' };
    const bad: unknown[] = [
      { records: [] },
      { records: [{ ...record, oldRevocationReason: 'moved' }] },
      { records: [{ ...record, old: { issuerNameDer: 'not base64!', serialHex: '01' } }] },
      { records: [{ ...record, new: { issuerNameDer: 'MAA=', serialHex: '123' } }] },
      { records: Array.from({ length: renewalsPerBatchMax + 1 }, () => record) },
    ];
    for (const json of bad) {
      const response = await operatorInject(http.app, { method: 'POST', url: '/v1/operator/renewals', json });
      assert.equal(response.json().code, 'invalid_request', response.body);
    }
    const noToken = await injectJson(http.app, { method: 'POST', url: '/v1/operator/renewals', json: { records: [record] }, idempotencyKey: 'k' });
    assert.equal(noToken.json().code, 'operator_token_invalid');
    const noKey = await injectJson(http.app, { method: 'POST', url: '/v1/operator/renewals', json: { records: [record] }, token: 'operator-token-of-the-http-tests-0123456789' });
    assert.equal(noKey.json().code, 'idempotency_key_missing');
  });
});
