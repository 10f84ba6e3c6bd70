// Ensures a refused request writes nothing, for every audience: bad provider signatures, batches whose events are
// all rejected (unknown account, conflicting repeat, over-refund, …), a schema-invalid batch, an all-or-nothing
// acknowledgement with one unknown grant, failed card logins of a new card, bindings refused at each step
// (provider refusal, provider outage, wrong card, rules, My Number, reused idempotency key), and refused operator
// writes. How: through `app.inject()` on the real app, on both engines, the row count of every table of
// src/store/schema.ts is taken before and after each refused request and must not change — except
// `signature_nonces` and `challenges`, where remembering a used signature or consuming a challenge is the point,
// and `event_rejection_counts`, where counting a rejected event for the operator dashboard is.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { createSoftwareCard, signWebEidChallenge, type SoftwareCard } from '../../src/card/software-card.js';
import type { ErrorCode } from '../../src/domain/errors.js';
import { mynapoint2020Now } from '../../src/domain/presets.js';
import { fail } from '../../src/domain/result.js';
import type { SigningKey } from '../../src/http/signed-fetch.js';
import { createTestCa } from '../../src/identity/test-ca.js';
import { enginesUnderTest } from '../helpers/engines.js';
import {
  countRows,
  httpBind,
  httpLogin,
  injectJson,
  loginChallenge,
  loginInject,
  operatorInject,
  operatorToken,
  providerInject,
  startHttpWorld,
  storeTables,
  tablesInStore,
  type HttpCitizen,
  type HttpWorld,
} from '../helpers/http.js';
import { addCampaign, addProvider, testCa, testOrigin } from '../helpers/world.js';

const countedTables = storeTables.filter((t) => t !== 'signature_nonces' && t !== 'challenges' && t !== 'event_rejection_counts');
const nowMs = Date.parse('2026-11-27T03:00:00Z');
const dayMs = 86_400_000;

/** What a refused request must answer: an error code, or (a 200 batch) the code of each event in order. */
type Expected = { code: ErrorCode } | { eventCodes: ErrorCode[] };

function assertRefused(response: LightMyRequestResponse, expected: Expected): void {
  if ('code' in expected) {
    assert.equal((response.json() as { code?: string }).code, expected.code, response.body);
    assert.ok(response.statusCode >= 400, response.body);
    return;
  }
  assert.equal(response.statusCode, 200, response.body);
  const { results } = response.json() as { results: Array<{ status: string; code?: string }> };
  assert.deepEqual(
    results.map((r) => [r.status, r.code]),
    expected.eventCodes.map((code) => ['rejected', code]),
  );
}

let cards: { a: SoftwareCard; b: SoftwareCard; c: SoftwareCard; fresh: SoftwareCard; untrusted: SoftwareCard };

before(async () => {
  const ca = await testCa();
  const otherCa = await createTestCa({ nowMs: nowMs - 365 * dayMs, validityDays: 3_650 });
  const [a, b, c, fresh, untrusted] = await Promise.all([
    createSoftwareCard(ca, { nowMs: nowMs - dayMs }),
    createSoftwareCard(ca, { nowMs: nowMs - dayMs }),
    createSoftwareCard(ca, { nowMs: nowMs - dayMs }),
    createSoftwareCard(ca, { nowMs: nowMs - dayMs }),
    createSoftwareCard(otherCa, { nowMs: nowMs - dayMs }),
  ]);
  cards = { a, b, c, fresh, untrusted };
});

for (const engine of await enginesUnderTest()) {
  describe(`a refused request writes nothing (${engine.engine})`, { skip: engine.skip }, () => {
    let http: HttpWorld;
    let key: SigningKey;
    let serviceId: string;
    let providerId: string;
    let campaignId: string;
    let citizenA: HttpCitizen;
    let citizenB: HttpCitizen;
    /** Logged in, bound nowhere: the binding cases that must get past the binding rules. */
    let citizenC: HttpCitizen;
    let grantId: string;
    let operatorKey: string;
    let citizenBKey: string;

    const isoNow = (): string => new Date(http.clock.nowMs()).toISOString();
    const events = (list: unknown[]) => providerInject(http, key, { method: 'POST', url: '/v1/provider/events', json: { events: list } });
    const details = (accountRef: string) => ({ campaignId, providerServiceId: serviceId, accountRef });
    const definition = (id: string) => ({ ...mynapoint2020Now(http.clock.nowMs()), id });

    before(async () => {
      http = await startHttpWorld({ engine, nowMs });
      const provider = await addProvider(http);
      ({ providerId, serviceId } = provider);
      key = { keyId: provider.keyId, secret: provider.secret };
      campaignId = await addCampaign(http);
      citizenA = await httpLogin(http, cards.a);
      citizenB = await httpLogin(http, cards.b);
      citizenC = await httpLogin(http, cards.c);
      assert.equal((await httpBind(http, citizenA, details('ACC-A'))).statusCode, 201);
      const applied = await events([{ eventId: 'ev-1', accountRef: 'ACC-A', kind: 'payment', amountYen: 1_000, occurredAt: isoNow() }]);
      grantId = (applied.json() as { results: Array<{ grants: Array<{ grantId: string }> }> }).results[0]!.grants[0]!.grantId;
      // Successful writes whose keys the idempotency cases below reuse with another request.
      operatorKey = randomUUID();
      assert.equal((await operatorInject(http.app, { method: 'POST', url: '/v1/operator/campaigns', idempotencyKey: operatorKey, json: { definition: definition('keyed-campaign') } })).statusCode, 201);
      citizenBKey = randomUUID();
      assert.equal((await httpBind(http, citizenB, details('ACC-B'), { idempotencyKey: citizenBKey })).statusCode, 201);
    });

    after(async () => {
      await http?.close();
    });

    it('counts every table of the store', async () => {
      assert.deepEqual(await tablesInStore(http.opened.store), [...storeTables].sort());
    });

    const cases: Array<{ name: string; expected: Expected; run: () => Promise<LightMyRequestResponse> }> = [
      // Provider.
      {
        name: 'provider: a batch signed with a wrong secret',
        expected: { code: 'request_signature_invalid' },
        run: () =>
          providerInject(http, { keyId: key.keyId, secret: randomBytes(32) }, {
            method: 'POST',
            url: '/v1/provider/events',
            json: { events: [{ eventId: 'ev-forged', accountRef: 'ACC-A', kind: 'payment', amountYen: 1_000, occurredAt: isoNow() }] },
          }),
      },
      {
        name: 'provider: a batch signed in the past',
        expected: { code: 'request_signature_expired' },
        run: () =>
          providerInject(http, key, {
            method: 'POST',
            url: '/v1/provider/events',
            createdS: Math.floor(http.clock.nowMs() / 1000) - 3_600,
            json: { events: [{ eventId: 'ev-stale', accountRef: 'ACC-A', kind: 'payment', amountYen: 1_000, occurredAt: isoNow() }] },
          }),
      },
      {
        name: 'provider: a batch with one schema-invalid event is refused whole',
        expected: { code: 'invalid_request' },
        run: () =>
          events([
            { eventId: 'ev-fine', accountRef: 'ACC-A', kind: 'payment', amountYen: 1_000, occurredAt: isoNow() },
            { eventId: 'ev-negative', accountRef: 'ACC-A', kind: 'payment', amountYen: -5, occurredAt: isoNow() },
          ]),
      },
      {
        name: 'provider: a batch whose events are all rejected',
        expected: {
          eventCodes: ['account_unknown', 'idempotency_conflict', 'refund_exceeds_original', 'original_event_unknown', 'outside_earning_window', 'national_id_number_refused', 'original_event_required'],
        },
        run: () =>
          events([
            { eventId: 'ev-nobody', accountRef: 'NOBODY', kind: 'payment', amountYen: 1_000, occurredAt: isoNow() },
            { eventId: 'ev-1', accountRef: 'ACC-A', kind: 'payment', amountYen: 2_000, occurredAt: isoNow() },
            { eventId: 'ev-over-refund', accountRef: 'ACC-A', kind: 'refund', amountYen: 1_001, occurredAt: isoNow(), originalEventId: 'ev-1' },
            { eventId: 'ev-ghost-refund', accountRef: 'ACC-A', kind: 'refund', amountYen: 1, occurredAt: isoNow(), originalEventId: 'ev-never' },
            { eventId: 'ev-2021', accountRef: 'ACC-A', kind: 'payment', amountYen: 1_000, occurredAt: '2021-01-01T12:00:00+09:00' },
            { eventId: 'ev-my-number', accountRef: '1234-5678-9018', kind: 'payment', amountYen: 1_000, occurredAt: isoNow() },
            { eventId: 'ev-bare-refund', accountRef: 'ACC-A', kind: 'refund', amountYen: 1, occurredAt: isoNow() },
          ]),
      },
      {
        name: 'provider: acknowledging a known grant with an unknown one (all or nothing)',
        expected: { code: 'grant_unknown' },
        run: () => providerInject(http, key, { method: 'POST', url: '/v1/provider/grants/ack', json: { grantIds: [grantId, 'no-such-grant'] } }),
      },

      // Citizen.
      {
        name: 'citizen: a new card signing for another origin',
        expected: { code: 'signature_invalid' },
        run: async () => {
          const challenge = await loginChallenge(http.app);
          const authToken = signWebEidChallenge(cards.fresh, { origin: 'https://phishing.example', nonce: challenge.nonce });
          return loginInject(http.app, challenge, authToken);
        },
      },
      {
        name: 'citizen: a new card of an untrusted CA',
        expected: { code: 'certificate_untrusted' },
        run: async () => {
          const challenge = await loginChallenge(http.app);
          const authToken = signWebEidChallenge(cards.untrusted, { origin: testOrigin, nonce: challenge.nonce });
          return loginInject(http.app, challenge, authToken);
        },
      },
      {
        name: 'citizen: a new card whose revocation status is unavailable',
        expected: { code: 'revocation_unavailable' },
        run: async () => {
          http.ctx.revocation = { check: async () => fail('revocation_unavailable', 'the fake OCSP responder is down') };
          try {
            const challenge = await loginChallenge(http.app);
            const authToken = signWebEidChallenge(cards.fresh, { origin: testOrigin, nonce: challenge.nonce });
            return await loginInject(http.app, challenge, authToken);
          } finally {
            http.ctx.revocation = undefined;
          }
        },
      },
      {
        name: 'citizen: a binding of a new account the provider does not confirm',
        expected: { code: 'account_verification_failed' },
        run: () => httpBind(http, citizenC, details('ACC-NEW-2'), { securityCode: 'wrong' }),
      },
      {
        name: 'citizen: a binding while the provider is down',
        expected: { code: 'provider_unavailable' },
        run: async () => {
          http.verifier.unavailable = true;
          try {
            return await httpBind(http, citizenC, details('ACC-NEW-3'));
          } finally {
            http.verifier.unavailable = false;
          }
        },
      },
      {
        name: 'citizen: a binding signed by another person’s card',
        expected: { code: 'card_person_mismatch' },
        run: () => httpBind(http, citizenC, details('ACC-NEW-4'), { signingCard: cards.a }),
      },
      {
        name: 'citizen: a second binding in the same campaign',
        expected: { code: 'binding_already_exists' },
        run: () => httpBind(http, citizenA, details('ACC-NEW-5')),
      },
      {
        name: 'citizen: a binding naming a My Number as the account',
        expected: { code: 'national_id_number_refused' },
        run: () => injectJson(http.app, { method: 'POST', url: '/v1/citizen/bindings/challenge', token: citizenC.sessionToken, json: details('123456789018') }),
      },
      {
        name: 'citizen: a binding with a reused Idempotency-Key and another body',
        expected: { code: 'idempotency_key_reused' },
        run: () => httpBind(http, citizenB, details('ACC-NEW-6'), { idempotencyKey: citizenBKey }),
      },

      // Operator.
      {
        name: 'operator: an invalid campaign definition',
        expected: { code: 'campaign_invalid' },
        run: () => operatorInject(http.app, { method: 'POST', url: '/v1/operator/campaigns', json: { definition: { ...definition('bad-rate'), rate: { numerator: 3, denominator: 2 } } } }),
      },
      {
        name: 'operator: an existing campaign id',
        expected: { code: 'campaign_exists' },
        run: () => operatorInject(http.app, { method: 'POST', url: '/v1/operator/campaigns', json: { definition: definition(campaignId) } }),
      },
      {
        name: 'operator: a provider with an existing service id',
        expected: { code: 'provider_service_exists' },
        run: () =>
          operatorInject(http.app, {
            method: 'POST',
            url: '/v1/operator/providers',
            json: { id: 'new-provider', name: 'New', verifyUrl: 'https://new.test/verify', services: [{ id: 'new-service', name: 'n' }, { id: serviceId, name: 'taken' }] },
          }),
      },
      {
        name: 'operator: revoking a key the provider does not have',
        expected: { code: 'provider_not_found' },
        run: () => operatorInject(http.app, { method: 'DELETE', url: `/v1/operator/providers/${providerId}/keys/no-such-key` }),
      },
      {
        name: 'operator: a reused Idempotency-Key with another body',
        expected: { code: 'idempotency_key_reused' },
        run: () => operatorInject(http.app, { method: 'POST', url: '/v1/operator/campaigns', idempotencyKey: operatorKey, json: { definition: definition('other-campaign') } }),
      },
      {
        name: 'operator: a valid write with a wrong token',
        expected: { code: 'operator_token_invalid' },
        run: () =>
          injectJson(http.app, { method: 'POST', url: '/v1/operator/campaigns', token: `${operatorToken}-wrong`, idempotencyKey: randomUUID(), json: { definition: definition('sneaky') } }),
      },
    ];

    for (const { name, expected, run } of cases) {
      it(name, async () => {
        const before = await countRows(http.opened.store, countedTables);
        assertRefused(await run(), expected);
        assert.deepEqual(await countRows(http.opened.store, countedTables), before);
      });
    }
  });
}
