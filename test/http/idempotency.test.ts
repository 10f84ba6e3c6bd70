// Ensures the Idempotency-Key contract of the writes (STYLE.md): a replay with the same key and request returns the
// original response with `Idempotency-Hit: true` and writes nothing; the same key with another request is refused
// (409 idempotency_key_reused); a missing key is refused (idempotency_key_missing); keys belong to one caller and one
// route (the operator's key and a citizen's, or two citizens', never collide); a refused request is not remembered;
// and concurrent retries of one request write once. How: `app.inject()` on the real app, on both engines, with the
// row count of every table compared around each replay.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { signWebEidChallenge, type SoftwareCard } from '../../src/card/software-card.js';
import { idempotencyKeyCharsMax } from '../../src/domain/limits.js';
import { mynapoint2020Now } from '../../src/domain/presets.js';
import { enginesUnderTest } from '../helpers/engines.js';
import {
  bindChallenge,
  countRows,
  httpBind,
  httpLogin,
  injectJson,
  operatorInject,
  operatorToken,
  startHttpWorld,
  storeTables,
  type HttpCitizen,
  type HttpWorld,
} from '../helpers/http.js';
import { addCampaign, addProvider, newCard, testOrigin } from '../helpers/world.js';

const countedTables = storeTables.filter((t) => t !== 'signature_nonces');

function codeOf(response: LightMyRequestResponse): string | undefined {
  return (response.json() as { code?: string }).code;
}

for (const engine of await enginesUnderTest()) {
  describe(`idempotent writes (${engine.engine})`, { skip: engine.skip }, () => {
    let http: HttpWorld;
    let serviceId: string;
    let campaignId: string;
    let cards: SoftwareCard[];
    const citizens: HttpCitizen[] = [];

    const definition = (id: string) => ({ ...mynapoint2020Now(http.clock.nowMs()), id });
    const createCampaign = (idempotencyKey: string | undefined, body: unknown) =>
      injectJson(http.app, { method: 'POST', url: '/v1/operator/campaigns', token: operatorToken, json: body, ...(idempotencyKey === undefined ? {} : { idempotencyKey }) });
    const details = (accountRef: string) => ({ campaignId, providerServiceId: serviceId, accountRef });

    before(async () => {
      http = await startHttpWorld({ engine });
      ({ serviceId } = await addProvider(http));
      campaignId = await addCampaign(http);
      cards = await Promise.all([newCard(http), newCard(http), newCard(http)]);
      for (const card of cards) citizens.push(await httpLogin(http, card));
    });

    after(async () => {
      await http?.close();
    });

    it('an operator replay returns the original response, marked as a hit, and writes nothing', async () => {
      const key = randomUUID();
      const first = await createCampaign(key, { definition: definition('replayed-campaign') });
      assert.equal(first.statusCode, 201, first.body);
      assert.equal(first.headers['idempotency-hit'], undefined);
      const counts = await countRows(http.opened.store, countedTables);
      for (let i = 0; i < 2; i += 1) {
        const replay = await createCampaign(key, { definition: definition('replayed-campaign') });
        assert.equal(replay.statusCode, 201);
        assert.equal(replay.headers['idempotency-hit'], 'true');
        assert.match(String(replay.headers['content-type']), /^application\/json/);
        assert.deepEqual(replay.json(), first.json());
        assert.notEqual(replay.headers['request-id'], first.headers['request-id']);
      }
      assert.deepEqual(await countRows(http.opened.store, countedTables), counts);
    });

    it('a citizen replay of a binding returns the original binding without running it again', async () => {
      const [citizen] = citizens;
      const challenge = await bindChallenge(http, citizen!, details('ACC-REPLAY'));
      const request = {
        method: 'POST' as const,
        url: '/v1/citizen/bindings',
        token: citizen!.sessionToken,
        idempotencyKey: randomUUID(),
        json: { challengeId: challenge.challengeId, authToken: signWebEidChallenge(citizen!.card, { origin: testOrigin, nonce: challenge.nonce }), binding: details('ACC-REPLAY'), securityCode: 'ok-ACC-REPLAY' },
      };
      const first = await injectJson(http.app, request);
      assert.equal(first.statusCode, 201, first.body);
      const verifications = http.verifier.seen.length;
      const counts = await countRows(http.opened.store, countedTables);
      // The challenge was consumed by the first request: only the stored response can answer the replay.
      const replay = await injectJson(http.app, request);
      assert.equal(replay.statusCode, 201, replay.body);
      assert.equal(replay.headers['idempotency-hit'], 'true');
      assert.deepEqual(replay.json(), first.json());
      assert.equal(http.verifier.seen.length, verifications, 'the provider is not asked again');
      assert.deepEqual(await countRows(http.opened.store, countedTables), counts);
    });

    it('the same key with another request is refused with idempotency_key_reused', async () => {
      const key = randomUUID();
      assert.equal((await createCampaign(key, { definition: definition('first-of-key') })).statusCode, 201);
      const counts = await countRows(http.opened.store, countedTables);
      for (const body of [{ definition: definition('second-of-key') }, { preset: 'mynapoint-2020-now', id: 'first-of-key' }]) {
        const reused = await createCampaign(key, body);
        assert.equal(reused.statusCode, 409);
        assert.equal(codeOf(reused), 'idempotency_key_reused');
        assert.equal((reused.json() as { param?: string }).param, 'Idempotency-Key');
        assert.equal(reused.headers['idempotency-hit'], undefined);
      }
      assert.deepEqual(await countRows(http.opened.store, countedTables), counts);
    });

    it('a write without a key is refused with idempotency_key_missing; an over-long key is invalid', async () => {
      const counts = await countRows(http.opened.store, countedTables);
      for (const key of [undefined, '']) {
        const missing = await createCampaign(key, { definition: definition('keyless') });
        assert.equal(missing.statusCode, 400);
        assert.equal(codeOf(missing), 'idempotency_key_missing');
      }
      const bindingWithoutKey = await injectJson(http.app, {
        method: 'POST',
        url: '/v1/citizen/bindings',
        token: citizens[1]!.sessionToken,
        json: { challengeId: randomUUID(), authToken: signWebEidChallenge(cards[1]!, { origin: testOrigin, nonce: 'n' }), binding: details('ACC-NOKEY'), securityCode: 'ok-ACC-NOKEY' },
      });
      assert.equal(bindingWithoutKey.statusCode, 400);
      assert.equal(codeOf(bindingWithoutKey), 'idempotency_key_missing');
      const longest = await createCampaign('k'.repeat(idempotencyKeyCharsMax), { definition: definition('longest-key') });
      assert.equal(longest.statusCode, 201, longest.body);
      const tooLong = await createCampaign('k'.repeat(idempotencyKeyCharsMax + 1), { definition: definition('too-long-key') });
      assert.equal(tooLong.statusCode, 400);
      assert.equal(codeOf(tooLong), 'invalid_request');
      assert.equal((tooLong.json() as { param?: string }).param, 'Idempotency-Key');
      const after = await countRows(http.opened.store, countedTables);
      assert.equal(after.campaigns, counts.campaigns! + 1, 'only the campaign with the longest allowed key');
    });

    it('keys belong to one caller: the operator, and each citizen, have their own', async () => {
      const key = randomUUID();
      const operatorWrite = await createCampaign(key, { definition: definition('shared-key-campaign') });
      assert.equal(operatorWrite.statusCode, 201, operatorWrite.body);
      // The same key on another operator route is another write.
      const provider = await operatorInject(http.app, {
        method: 'POST',
        url: '/v1/operator/providers',
        idempotencyKey: key,
        json: { id: 'shared-key-provider', name: 'Shared', verifyUrl: 'https://shared.test/verify', services: [{ id: 'shared-key-service', name: 's' }] },
      });
      assert.equal(provider.statusCode, 201, provider.body);
      assert.equal(provider.headers['idempotency-hit'], undefined);
      // Two citizens bind with the operator's key, each their own account: two writes, no hit, no reuse.
      const bound: LightMyRequestResponse[] = [];
      for (const [i, citizen] of citizens.slice(1).entries()) {
        const answer = await httpBind(http, citizen, details(`ACC-SHARED-${i}`), { idempotencyKey: key });
        assert.equal(answer.statusCode, 201, answer.body);
        assert.equal(answer.headers['idempotency-hit'], undefined);
        bound.push(answer);
      }
      assert.deepEqual(
        bound.map((b) => (b.json() as { accountRef: string }).accountRef),
        ['ACC-SHARED-0', 'ACC-SHARED-1'],
      );
      // The operator's replay still returns the operator's response.
      const replay = await createCampaign(key, { definition: definition('shared-key-campaign') });
      assert.equal(replay.headers['idempotency-hit'], 'true');
      assert.deepEqual(replay.json(), operatorWrite.json());
    });

    it('a refused request is not remembered: the key stays free for a corrected request', async () => {
      const key = randomUUID();
      const invalid = { definition: { ...definition('corrected-campaign'), timeZone: 'Mars/Olympus_Mons' } };
      for (let i = 0; i < 2; i += 1) {
        const refused = await createCampaign(key, invalid);
        assert.equal(refused.statusCode, 400);
        assert.equal(codeOf(refused), 'campaign_invalid');
        assert.equal(refused.headers['idempotency-hit'], undefined);
      }
      const corrected = await createCampaign(key, { definition: definition('corrected-campaign') });
      assert.equal(corrected.statusCode, 201, corrected.body);
      assert.equal(corrected.headers['idempotency-hit'], undefined);
    });

    it('concurrent retries of one request write once and never fail with internal', async () => {
      const key = randomUUID();
      const counts = await countRows(http.opened.store, countedTables);
      const answers = await Promise.all(Array.from({ length: 6 }, () => createCampaign(key, { definition: definition('raced-campaign') })));
      const created = answers.filter((a) => a.statusCode === 201);
      assert.ok(created.length >= 1, answers.map((a) => a.body).join('\n'));
      for (const answer of created) assert.deepEqual(answer.json(), created[0]!.json());
      // A retry that overlapped the first is told the key is in use (retry later), never an internal error.
      for (const answer of answers.filter((a) => a.statusCode !== 201)) assert.equal(codeOf(answer), 'idempotency_key_in_use', answer.body);
      const after = await countRows(http.opened.store, countedTables);
      assert.equal(after.campaigns, counts.campaigns! + 1);
      assert.equal(after.audit_log, counts.audit_log! + 1);
      assert.equal(after.idempotency_records, counts.idempotency_records! + 1);
      const replay = await createCampaign(key, { definition: definition('raced-campaign') });
      assert.equal(replay.statusCode, 201);
      assert.equal(replay.headers['idempotency-hit'], 'true');
    });

    it('concurrent requests with one key and different bodies: one is written, the others get idempotency_key_reused', async () => {
      const key = randomUUID();
      const counts = await countRows(http.opened.store, countedTables);
      const answers = await Promise.all(Array.from({ length: 4 }, (_, i) => createCampaign(key, { definition: definition(`raced-other-${i}`) })));
      assert.deepEqual(
        answers.map((a) => a.statusCode).sort(),
        [201, 409, 409, 409],
        answers.map((a) => a.body).join('\n'),
      );
      for (const answer of answers.filter((a) => a.statusCode === 409)) assert.equal(codeOf(answer), 'idempotency_key_reused');
      const after = await countRows(http.opened.store, countedTables);
      assert.equal(after.campaigns, counts.campaigns! + 1, 'one key, one write');
    });
  });
}
