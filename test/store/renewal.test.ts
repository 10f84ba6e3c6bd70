// Ensures certificate renewal keeps one Mykey ID per person (JPKI.md §2.4, T11; DOMAIN.md §8.3) on SQLite and
// PostgreSQL: a record ingested before the new card's first login attaches it to the old person; one arriving after
// merges an empty duplicate person (retiring its Mykey ID) and refuses, flagged in the audit log, a duplicate with
// bindings; chains of renewals reach the first person; unknown and contradicting records change nobody; ingestion
// is idempotent; a record racing the new card's first login still ends with one Mykey ID; and with an OCSP
// checker the revoked old certificate can no longer log in while the new one does.
// How: software cards of the world's test CA logging in through the real use cases, records ingested through
// ingestRenewals, an OCSP responder built with createOcspResponse behind an injected fetch; no store mocks.
import assert from 'node:assert/strict';
import { sign, X509Certificate } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import * as pkijs from 'pkijs';
import { issueChallenge, loginWithCard } from '../../src/app/card-login.js';
import { readAudit } from '../../src/app/operator.js';
import { ingestRenewals, type RenewalOutcome, type RenewalRecord } from '../../src/app/renewal.js';
import { createRegistry, ingestAttestations } from '../../src/app/fixed-awards.js';
import { createSoftwareCard, signWebEidChallenge, type SoftwareCard } from '../../src/card/software-card.js';
import { createOcspChecker } from '../../src/identity/revocation.js';
import { createOcspResponse } from '../../src/identity/test-ca.js';
import { findSession } from '../../src/store/persons-repo.js';
import { fail, ok } from '../../src/domain/result.js';
import { enginesUnderTest, type OpenedStore } from '../helpers/engines.js';
import { addCampaign, addProvider, bindOk, createWorld, loginCard, testOrigin, type World } from '../helpers/world.js';
import { balanceOf, ledgerMismatches } from '../helpers/ledger.js';
import { newRegistryKeys } from '../helpers/registry.js';

const engines = await enginesUnderTest();

function refOf(card: SoftwareCard): { issuerNameDer: Uint8Array; serialHex: string } {
  const parsed = pkijs.Certificate.fromBER(card.certificateDer);
  return { issuerNameDer: new Uint8Array(parsed.issuer.valueBeforeDecode), serialHex: new X509Certificate(card.certificateDer).serialNumber.toLowerCase() };
}

function record(oldCard: SoftwareCard, newCard: SoftwareCard, reason: RenewalRecord['oldRevocationReason'] = 'superseded'): RenewalRecord {
  return { old: refOf(oldCard), new: refOf(newCard), oldRevocationReason: reason };
}

async function outcomesOf(world: World, records: RenewalRecord[]): Promise<RenewalOutcome[]> {
  return (await ingestRenewals(world.ctx, 'test', records)).results.map((r) => r.outcome);
}

async function loginCode(world: World, card: SoftwareCard): Promise<string> {
  const challenge = await issueChallenge(world.ctx, { context: { purpose: 'login' } });
  const login = await loginWithCard(world.ctx, { challengeId: challenge.challengeId, token: signWebEidChallenge(card, { origin: testOrigin, nonce: challenge.nonce }), sessionId: null, delivery: 'token' });
  return login.ok ? 'ok' : login.code;
}

for (const engine of engines) {
  describe(`certificate renewal (${engine.engine})`, { skip: engine.skip }, () => {
    let opened: OpenedStore;
    let world: World;
    const newCard = async () => createSoftwareCard(world.ca, { nowMs: world.clock.nowMs() - 86_400_000 });

    before(async () => {
      opened = await engine.open();
      world = await createWorld(opened.store);
    });
    after(async () => opened.close());

    it('renewal before the new card logs in: same Mykey ID; the same record again is a no-op', async () => {
      const [oldCard, renewed] = await Promise.all([newCard(), newCard()]);
      const first = await loginCard(world, oldCard);
      const ingested = await ingestRenewals(world.ctx, 'test', [record(oldCard, renewed)]);
      assert.deepEqual(ingested.results, [{ index: 0, outcome: 'pending', mykeyId: first.mykeyId }]);
      const second = await loginCard(world, renewed);
      assert.equal(second.mykeyId, first.mykeyId);
      assert.equal(second.session.personId, first.session.personId);
      assert.deepEqual(await outcomesOf(world, [record(oldCard, renewed)]), ['already_recorded']);
      assert.equal((await loginCard(world, renewed)).mykeyId, first.mykeyId);
    });

    it('renewal after the new card made an empty second person: merged, its Mykey ID retired and its session ended', async () => {
      const [oldCard, renewed] = await Promise.all([newCard(), newCard()]);
      const first = await loginCard(world, oldCard);
      const duplicate = await loginCard(world, renewed);
      assert.notEqual(duplicate.mykeyId, first.mykeyId);
      const ingested = await ingestRenewals(world.ctx, 'test', [record(oldCard, renewed)]);
      assert.deepEqual(ingested.results, [{ index: 0, outcome: 'merged', mykeyId: first.mykeyId, retiredMykeyId: duplicate.mykeyId }]);
      assert.equal((await loginCard(world, renewed)).mykeyId, first.mykeyId);
      assert.equal(await world.ctx.store.transaction((tx) => findSession(tx, duplicate.session.tokenSha256)), undefined);
      const audit = await readAudit(world.ctx, { afterSeq: 0, limit: 100 });
      assert.ok(audit.data.some((entry) => entry.action === 'person.merged' && entry.details.retiredMykeyId === duplicate.mykeyId));
    });

    it('a merged duplicate brings its attestations: the fixed award it makes due is granted to the person', async () => {
      const [oldCard, renewed] = await Promise.all([newCard(), newCard()]);
      const first = await loginCard(world, oldCard);
      const { serviceId } = await addProvider(world);
      const kind = `renewal_award_${first.mykeyId.toLowerCase()}`;
      const campaignId = await addCampaign(world, { kind: 'fixed_award', eligibleEventKinds: [], rate: undefined, caps: { perPersonPoints: 7_500 }, award: { attestationKind: kind, points: 7_500 } });
      await bindOk(world, first, { campaignId, providerServiceId: serviceId, accountRef: `acct-${first.mykeyId}` });
      // The registry saw the Mykey ID of the duplicate the renewed card made before the renewal record arrived.
      const duplicate = await loginCard(world, renewed);
      const keys = newRegistryKeys();
      const registryId = `reg-${first.mykeyId.toLowerCase()}`;
      assert.ok((await createRegistry(world.ctx, 'test', { id: registryId, name: 'registry', publicKeyPem: keys.publicKeyPem, attestationKinds: [kind] })).ok);
      const attestations = [{ attestationId: 'a-1', kind, mykeyId: duplicate.mykeyId, attestedAt: new Date(world.clock.nowMs()).toISOString() }];
      const payload = JSON.stringify(attestations);
      const recorded = await ingestAttestations(world.ctx, 'test', { registryId, payload, signature: sign(null, Buffer.from(payload), keys.privateKey).toString('base64url') }, () => attestations);
      assert.ok(recorded.ok && recorded.value[0]!.status === 'recorded');
      assert.deepEqual(await outcomesOf(world, [record(oldCard, renewed)]), ['merged']);
      assert.equal((await balanceOf(world.ctx.store, first.session.personId, campaignId))?.pointsGranted, 7_500);
      assert.deepEqual(await ledgerMismatches(world.ctx.store, campaignId), []);
    });

    it('renewal after the new card made a second person with bindings: refused and flagged, never silent', async () => {
      const [oldCard, renewed] = await Promise.all([newCard(), newCard()]);
      const first = await loginCard(world, oldCard);
      const duplicate = await loginCard(world, renewed);
      const campaignId = await addCampaign(world);
      const { serviceId } = await addProvider(world);
      await bindOk(world, duplicate, { campaignId, providerServiceId: serviceId, accountRef: `acct-${duplicate.mykeyId}` });
      const ingested = await ingestRenewals(world.ctx, 'test', [record(oldCard, renewed)]);
      assert.deepEqual(ingested.results, [{ index: 0, outcome: 'conflict', mykeyId: duplicate.mykeyId }]);
      assert.equal((await loginCard(world, renewed)).mykeyId, duplicate.mykeyId);
      assert.equal((await loginCard(world, oldCard)).mykeyId, first.mykeyId);
      const audit = await readAudit(world.ctx, { afterSeq: 0, limit: 100 });
      assert.ok(audit.data.some((e) => e.action === 'renewal.conflict' && e.details.oldMykeyId === first.mykeyId && e.details.newMykeyId === duplicate.mykeyId));
      assert.deepEqual(await outcomesOf(world, [record(oldCard, renewed)]), ['already_recorded']);
    });

    it('with a renewal lookup, a renewed card reaches its person at its first login, before any feed record', async () => {
      const [oldCard, renewed, stranger] = await Promise.all([newCard(), newCard(), newCard()]);
      const first = await loginCard(world, oldCard);
      const asked: string[] = [];
      world.ctx.renewalLookup = {
        predecessorOf: async ({ serialHex }) => {
          asked.push(serialHex);
          return ok(serialHex === refOf(renewed).serialHex ? { old: refOf(oldCard), oldRevocationReason: 'superseded' as const } : undefined);
        },
      };
      try {
        const second = await loginCard(world, renewed);
        assert.equal(second.mykeyId, first.mykeyId, 'the late-feed duplicate of DOMAIN.md §8.3 cannot arise');
        assert.notEqual((await loginCard(world, stranger)).mykeyId, first.mykeyId, 'a certificate without a predecessor is a new person');
        const askedBefore = asked.length;
        await loginCard(world, renewed);
        assert.equal(asked.length, askedBefore, 'a known certificate is not looked up again');
        // The feed record arriving later is already known.
        assert.deepEqual(await outcomesOf(world, [record(oldCard, renewed)]), ['already_recorded']);
      } finally {
        delete world.ctx.renewalLookup;
      }
    });

    it('with a renewal lookup that cannot answer, a first login fails closed and creates nobody', async () => {
      const card = await newCard();
      const personsBefore = await world.ctx.store.db.selectFrom('persons').select(({ fn }) => fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      world.ctx.renewalLookup = { predecessorOf: async () => fail('renewal_lookup_unavailable', 'down') };
      try {
        assert.equal(await loginCode(world, card), 'renewal_lookup_unavailable');
      } finally {
        delete world.ctx.renewalLookup;
      }
      const personsAfter = await world.ctx.store.db.selectFrom('persons').select(({ fn }) => fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      assert.equal(Number(personsAfter.n), Number(personsBefore.n));
    });

    it('follows chains of renewals back to the first certificate', async () => {
      const [a, b, c] = await Promise.all([newCard(), newCard(), newCard()]);
      const first = await loginCard(world, a);
      assert.deepEqual(await outcomesOf(world, [record(a, b), record(b, c, 'keyCompromise')]), ['pending', 'pending']);
      assert.equal((await loginCard(world, c)).mykeyId, first.mykeyId);
      assert.equal((await loginCard(world, b)).mykeyId, first.mykeyId);
    });

    it('records about unknown certificates link nobody; contradicting records are refused', async () => {
      const [x, y, z, w] = await Promise.all([newCard(), newCard(), newCard(), newCard()]);
      assert.deepEqual(await outcomesOf(world, [record(x, y)]), ['old_unknown']);
      const login = await loginCard(world, y);
      const other = await loginCard(world, w);
      assert.notEqual(login.mykeyId, other.mykeyId);
      assert.deepEqual(await outcomesOf(world, [record(x, z), record(w, y), record(z, z), record(x, y)]), ['contradicts', 'contradicts', 'contradicts', 'already_recorded']);
      assert.equal((await loginCard(world, y)).mykeyId, login.mykeyId);
    });

    it('a record and the first login of its new card racing each other still end with one Mykey ID', async () => {
      for (let round = 0; round < 3; round += 1) {
        const [oldCard, renewed] = await Promise.all([newCard(), newCard()]);
        const first = await loginCard(world, oldCard);
        const [ingested, login] = await Promise.all([ingestRenewals(world.ctx, 'test', [record(oldCard, renewed)]), loginCard(world, renewed)]);
        assert.ok(['pending', 'merged'].includes(ingested.results[0]!.outcome), ingested.results[0]!.outcome);
        assert.ok(login.mykeyId === first.mykeyId || ingested.results[0]!.retiredMykeyId === login.mykeyId);
        assert.equal((await loginCard(world, renewed)).mykeyId, first.mykeyId);
      }
    });

    it('with an OCSP checker, the revoked old certificate cannot log in and the renewed one reaches the same Mykey ID', async () => {
      const [oldCard, renewed] = await Promise.all([newCard(), newCard()]);
      const first = await loginCard(world, oldCard);
      const revokedSerial = refOf(oldCard).serialHex;
      world.ctx.revocation = createOcspChecker({
        url: 'http://ocsp.test/',
        fetch: async (request) => ({
          status: 200,
          body: await createOcspResponse({
            requestDer: request.body!,
            signer: world.ca,
            statusOf: (serialHex) => (serialHex === revokedSerial ? { revokedAtMs: world.clock.nowMs() - 1_000, reason: 'superseded' } : 'good'),
            thisUpdateMs: world.clock.nowMs(),
          }),
        }),
      });
      try {
        await ingestRenewals(world.ctx, 'test', [record(oldCard, renewed)]);
        assert.equal(await loginCode(world, oldCard), 'certificate_revoked');
        assert.equal((await loginCard(world, renewed)).mykeyId, first.mykeyId);
      } finally {
        world.ctx.revocation = undefined;
      }
    });
  });
}
