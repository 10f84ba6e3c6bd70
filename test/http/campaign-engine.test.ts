// Ensures the campaign-engine routes work end to end over HTTP: a preset extension published as a new version
// (history kept, the new window in force for later events), a fixed award granted through a registry's signed
// batch and shown in the provider's grant feed as source "award" without a Mykey ID, an operator correction found
// through the person's bindings, and a citizen's same-day cancel. Error answers are in error-codes.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { httpBind, httpLogin, injectJson, operatorInject, providerInject, startHttpWorld, type HttpCitizen, type HttpWorld } from '../helpers/http.js';
import { addRegistry, postAttestations } from '../helpers/registry.js';
import { addProvider, newCard } from '../helpers/world.js';

describe('campaign engine over HTTP', () => {
  let http: HttpWorld;
  let provider: Awaited<ReturnType<typeof addProvider>>;
  let citizen: HttpCitizen;
  const key = () => ({ keyId: provider.keyId, secret: provider.secret });

  before(async () => {
    // 2020-08-01: Mynapoint 2020 takes applications; its earning starts a month later.
    http = await startHttpWorld({ nowMs: Date.parse('2020-08-01T03:00:00Z') });
    provider = await addProvider(http);
    citizen = await httpLogin(http, await newCard(http));
  });
  after(() => http.close());

  it('publishes an extension as version 2 and keeps the history', async () => {
    assert.equal((await operatorInject(http.app, { method: 'POST', url: '/v1/operator/campaigns', json: { preset: 'mynapoint-2020' } })).statusCode, 201);
    const put = await operatorInject(http.app, { method: 'PUT', url: '/v1/operator/campaigns/mynapoint-2020', json: { preset: 'mynapoint-2020-extended' } });
    assert.equal(put.statusCode, 200, put.body);
    assert.equal(put.json().version, 2);
    assert.equal(put.json().earningWindow.endsAt, '2022-01-01T00:00:00+09:00');
    const history = await operatorInject(http.app, { method: 'GET', url: '/v1/operator/campaigns/mynapoint-2020/versions' });
    assert.deepEqual(history.json().data.map((v: { version: number }) => v.version), [1, 2]);
    assert.equal((await httpBind(http, citizen, { campaignId: 'mynapoint-2020', providerServiceId: provider.serviceId, accountRef: 'ACC-EXT' })).statusCode, 201);
    const events = await providerInject(http, key(), {
      method: 'POST',
      url: '/v1/provider/events',
      json: { events: [{ eventId: 'e-2021-06', accountRef: 'ACC-EXT', kind: 'payment', amountYen: 4_000, occurredAt: '2021-06-15T12:00:00+09:00' }] },
    });
    assert.deepEqual(events.json().results[0].grants.map((g: { points: number }) => g.points), [1_000], 'June 2021 counts under the extension');
  });

  it('grants a fixed award from a signed attestation, shown to the provider as an award', async () => {
    const created = await operatorInject(http.app, { method: 'POST', url: '/v1/operator/campaigns', json: { preset: 'mynapoint-2022-health-insurance' } });
    assert.equal(created.statusCode, 201, created.body);
    http.clock.advance(Date.parse('2022-07-01T03:00:00Z') - http.clock.nowMs());
    citizen = await httpLogin(http, citizen.card);
    const registry = await addRegistry(http.app, ['health_insurance_linked']);
    const recorded = await postAttestations(http.app, registry, [{ attestationId: 'hi-1', kind: 'health_insurance_linked', mykeyId: citizen.mykeyId, attestedAt: '2022-06-01T10:00:00+09:00' }]);
    assert.deepEqual(recorded.json().results, [{ attestationId: 'hi-1', status: 'recorded', awards: [] }], 'no binding yet: recorded, nothing granted');
    assert.equal((await httpBind(http, citizen, { campaignId: 'mynapoint-2022-health-insurance', providerServiceId: provider.serviceId, accountRef: 'ACC-HI' })).statusCode, 201);
    const feed = await providerInject(http, key(), { method: 'GET', url: '/v1/provider/grants?limit=100' });
    const award = feed.json().data.find((g: { source: string }) => g.source === 'award');
    const { accountRef, campaignId, source, points, eventId } = award;
    assert.deepEqual({ accountRef, campaignId, source, points, eventId }, { accountRef: 'ACC-HI', campaignId: 'mynapoint-2022-health-insurance', source: 'award', points: 7_500, eventId: undefined });
    assert.ok(!JSON.stringify(feed.json()).includes(citizen.mykeyId), 'the provider never sees a Mykey ID');
  });

  it('voids a wrong binding found through the person, and a citizen cancels on the day', async () => {
    const bindings = await operatorInject(http.app, { method: 'GET', url: `/v1/operator/persons/${citizen.mykeyId}/bindings` });
    const extension = bindings.json().data.find((b: { campaignId: string }) => b.campaignId === 'mynapoint-2020');
    assert.equal(extension.points, 1_000);
    const voided = await operatorInject(http.app, { method: 'POST', url: `/v1/operator/bindings/${extension.bindingId}/void`, json: { reason: 'shared terminal', action: 'clawback' } });
    assert.deepEqual(voided.json(), { bindingId: extension.bindingId, campaignId: 'mynapoint-2020', action: 'clawback', points: 1_000 });
    const after = await operatorInject(http.app, { method: 'GET', url: `/v1/operator/persons/${citizen.mykeyId}/bindings` });
    assert.equal(after.json().data.find((b: { bindingId: string }) => b.bindingId === extension.bindingId).voidReason, 'correction: shared terminal');

    await operatorInject(http.app, { method: 'POST', url: '/v1/operator/campaigns', json: { preset: 'mynapoint-2020-now', id: 'today' } });
    assert.equal((await httpBind(http, citizen, { campaignId: 'today', providerServiceId: provider.serviceId, accountRef: 'ACC-TODAY' })).statusCode, 201);
    const cancel = await injectJson(http.app, { method: 'DELETE', url: '/v1/citizen/bindings/today', token: citizen.sessionToken, idempotencyKey: 'cancel-1' });
    assert.equal(cancel.statusCode, 200, cancel.body);
    const me = await injectJson(http.app, { method: 'GET', url: '/v1/citizen/me', token: citizen.sessionToken });
    assert.ok(!me.json().bindings.some((b: { campaignId: string }) => b.campaignId === 'today'));
  });
});
