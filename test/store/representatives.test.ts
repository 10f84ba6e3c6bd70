// Ensures legal representatives work as DOMAIN.md §4.6 and DESIGN.md §2.3 say, on SQLite and PostgreSQL: a
// representative adds a minor with the minor's own card (verified like a login: revocation, renewal lookup), binds
// for the minor, and the minor's points show under the representative and under the minor's own login; a campaign
// that lets minors share their representative's account carries the representative and two minors on one account,
// each awarded once, and no other adult can take that account; elsewhere the representative's account cannot carry
// the minor; the refusals have their codes and write nothing; a bind challenge for one minor cannot bind another;
// a represented person's binding can be cancelled on the day by the representative; a late renewal record never
// merges away a represented duplicate; and on PostgreSQL, two adults racing for one account: exactly one wins.
// How: the real app over each engine, driven with app.inject(); software JPKI cards; provider events and registry
// attestations signed as their senders sign them; no store shortcuts.
import assert from 'node:assert/strict';
import { randomUUID, X509Certificate } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import * as pkijs from 'pkijs';
import { bindingSha256, type BindingDetails } from '../../src/domain/challenge-nonce.js';
import { readAudit } from '../../src/app/operator.js';
import { ingestRenewals } from '../../src/app/renewal.js';
import type { SoftwareCard } from '../../src/card/software-card.js';
import { mynapoint2022HealthInsurance } from '../../src/domain/presets.js';
import { fail, ok } from '../../src/domain/result.js';
import type { CampaignDefinition } from '../../src/domain/campaign.js';
import type { SigningKey } from '../../src/http/signed-fetch.js';
import { enginesUnderTest } from '../helpers/engines.js';
import { countRows, httpBind, httpLogin, providerInject, startHttpWorld, type HttpCitizen, type HttpWorld } from '../helpers/http.js';
import { addRegistry, postAttestations, type TestRegistry } from '../helpers/registry.js';
import { addRepresentedOk, httpAddRepresented, httpCancel, ownBindings, representChallenge, representedBy } from '../helpers/representatives.js';
import { addCampaign, addProvider, newCard, pooledCard } from '../helpers/world.js';

const engines = await enginesUnderTest();

/** The phase-2 health-insurance award (7,500 once), open now, sharing representatives' accounts or not. */
function familyAward(minorsMayShareAccount: boolean): Partial<CampaignDefinition> {
  const { id: _id, applicationWindow: _application, earningWindow: _earning, ...award } = mynapoint2022HealthInsurance();
  return { ...award, rate: undefined, representatives: { minorsMayShareAccount } };
}

function codeOf(response: LightMyRequestResponse): string {
  return response.statusCode < 300 ? String(response.statusCode) : (response.json() as { code: string }).code;
}

function certificateRef(card: SoftwareCard): { issuerNameDer: Uint8Array; serialHex: string } {
  const parsed = pkijs.Certificate.fromBER(card.certificateDer);
  return { issuerNameDer: new Uint8Array(parsed.issuer.valueBeforeDecode), serialHex: new X509Certificate(card.certificateDer).serialNumber.toLowerCase() };
}

for (const engine of engines) {
  describe(`legal representatives (${engine.engine})`, { skip: engine.skip }, () => {
    let http: HttpWorld;
    let serviceId: string;
    let key: SigningKey;
    let registry: TestRegistry;
    let cardIndex = 0;
    const card = (): Promise<SoftwareCard> => pooledCard(http, cardIndex++);
    const login = async (): Promise<HttpCitizen> => httpLogin(http, await card());
    const details = (campaignId: string, accountRef: string, onBehalfOf?: string): BindingDetails => ({
      campaignId,
      providerServiceId: serviceId,
      accountRef,
      ...(onBehalfOf === undefined ? {} : { onBehalfOf }),
    });
    const bindCode = async (citizen: HttpCitizen, binding: BindingDetails): Promise<string> => codeOf(await httpBind(http, citizen, binding));
    const attest = async (mykeyIds: string[]) => {
      const attestedAt = new Date(http.clock.nowMs()).toISOString();
      const response = await postAttestations(
        http.app,
        registry,
        mykeyIds.map((mykeyId) => ({ attestationId: randomUUID(), kind: 'health_insurance_linked', mykeyId, attestedAt })),
      );
      assert.equal(response.statusCode, 200, response.body);
    };

    before(async () => {
      http = await startHttpWorld({ engine, nowMs: Date.parse('2026-11-27T03:00:00Z') });
      const provider = await addProvider(http);
      serviceId = provider.serviceId;
      key = { keyId: provider.keyId, secret: provider.secret };
      registry = await addRegistry(http.app, ['health_insurance_linked']);
    });
    after(async () => http.close());

    it('a representative adds a minor with the minor’s card and binds for them; the points show under both logins', async () => {
      const campaignId = await addCampaign(http);
      const parent = await login();
      const minorCard = await card();
      const challenge = await representChallenge(http, parent);
      assert.ok(challenge.nonce.endsWith(`.represent.${parent.mykeyId}`), 'the minor’s card signs the representative’s Mykey ID');
      const added = await httpAddRepresented(http, parent, minorCard, { challenge, relation: 'parental_authority' });
      assert.equal(added.statusCode, 201, added.body);
      const made = added.json() as { mykeyId: string; personCreated: boolean; representationCreated: boolean; representedSince: string };
      assert.equal(made.personCreated, true);
      assert.equal(made.representationCreated, true);
      assert.notEqual(made.mykeyId, parent.mykeyId);

      // The same minor again: the same answer, nothing new written.
      const rowsBefore = await countRows(http.ctx.store, ['persons', 'representations', 'audit_log']);
      const again = await httpAddRepresented(http, parent, minorCard);
      assert.equal(again.statusCode, 200, again.body);
      assert.deepEqual(again.json(), { ...made, personCreated: false, representationCreated: false });
      assert.deepEqual(await countRows(http.ctx.store, ['persons', 'representations', 'audit_log']), rowsBefore);

      const seen = http.verifier.seen.length;
      const bound = await httpBind(http, parent, details(campaignId, 'ACC-CHILD', made.mykeyId));
      assert.equal(bound.statusCode, 201, bound.body);
      assert.equal((bound.json() as { onBehalfOf?: string }).onBehalfOf, made.mykeyId);
      assert.deepEqual(http.verifier.seen.slice(seen), [{ campaignId, providerServiceId: serviceId, accountRef: 'ACC-CHILD', securityCode: 'ok-ACC-CHILD' }], 'the provider never sees a Mykey ID');

      const occurredAt = new Date(http.clock.nowMs()).toISOString();
      const events = await providerInject(http, key, { method: 'POST', url: '/v1/provider/events', json: { events: [{ eventId: randomUUID(), accountRef: 'ACC-CHILD', kind: 'payment', amountYen: 4_000, occurredAt }] } });
      assert.equal(events.statusCode, 200, events.body);

      const represented = await representedBy(http, parent);
      assert.deepEqual(
        represented.map((p) => ({ mykeyId: p.mykeyId, representedSince: p.representedSince, bindings: p.bindings.map((b) => [b.campaignId, b.accountRef, b.eligibleYen, b.points]) })),
        [{ mykeyId: made.mykeyId, representedSince: made.representedSince, bindings: [[campaignId, 'ACC-CHILD', 4_000, 1_000]] }],
      );
      assert.deepEqual(await ownBindings(http, parent), [], 'the binding is the minor’s, not the representative’s');
      const minor = await httpLogin(http, minorCard);
      assert.equal(minor.mykeyId, made.mykeyId);
      assert.deepEqual((await ownBindings(http, minor)).map((b) => [b.campaignId, b.accountRef, b.points]), [[campaignId, 'ACC-CHILD', 1_000]]);

      // The representative still binds their own account in the same campaign: one binding per person.
      assert.equal(await bindCode(parent, details(campaignId, 'ACC-PARENT')), '201');
      const audit = await readAudit(http.ctx, { afterSeq: 0, limit: 1_000 });
      const entries = audit.data.filter((entry) => entry.action === 'representation.add' && entry.details.representedMykeyId === made.mykeyId);
      assert.deepEqual(entries.map((entry) => [entry.subject, entry.details.declaredRelation]), [[parent.mykeyId, 'parental_authority']]);
    });

    it('a sharing fixed award: the representative’s account carries them and two minors, each awarded once; no other adult can take it', async () => {
      const campaignId = await addCampaign(http, familyAward(true));
      const parent = await login();
      const [minorA, minorB] = [await addRepresentedOk(http, parent, await card()), await addRepresentedOk(http, parent, await card())];
      await attest([minorA]); // before any binding: the binding grants
      for (const onBehalfOf of [undefined, minorA, minorB]) assert.equal(await bindCode(parent, details(campaignId, 'ACC-FAMILY', onBehalfOf)), '201');
      await attest([parent.mykeyId, minorB]); // after the bindings: the attestation grants
      await attest([minorA, minorB, parent.mykeyId]); // again, under new ids: awarded once all the same

      const represented = await representedBy(http, parent);
      assert.deepEqual(
        represented.map((p) => [p.mykeyId, p.bindings.map((b) => [b.campaignId, b.accountRef, b.points])]).sort(),
        [
          [minorA, [[campaignId, 'ACC-FAMILY', 7_500]]],
          [minorB, [[campaignId, 'ACC-FAMILY', 7_500]]],
        ].sort(),
      );
      assert.deepEqual((await ownBindings(http, parent)).filter((b) => b.campaignId === campaignId).map((b) => [b.accountRef, b.points]), [['ACC-FAMILY', 7_500]]);
      const awards = await http.ctx.store.db.selectFrom('ledger_entries').select(['person_id', 'points']).where('campaign_id', '=', campaignId).execute();
      assert.deepEqual(awards.map((a) => a.points), [7_500, 7_500, 7_500], 'one award entry per person');
      assert.equal(new Set(awards.map((a) => a.person_id)).size, 3);

      // Another adult: neither for themselves nor for a minor they represent.
      const other = await login();
      const otherMinor = await addRepresentedOk(http, other, await card());
      assert.equal(await bindCode(other, details(campaignId, 'ACC-FAMILY')), 'account_already_bound');
      assert.equal(await bindCode(other, details(campaignId, 'ACC-FAMILY', otherMinor)), 'account_already_bound');
      // A minor binding on their own card cannot take it either: the holder is the representative.
      const minorCard = await card();
      const ownMinor = await addRepresentedOk(http, parent, minorCard);
      assert.equal(await bindCode(await httpLogin(http, minorCard), details(campaignId, 'ACC-FAMILY')), 'account_already_bound');
      assert.equal(await bindCode(parent, details(campaignId, 'ACC-FAMILY', ownMinor)), '201', 'through the representative it can');
    });

    it('without sharing: one person per account, so the representative’s account cannot carry the minor', async () => {
      for (const campaignId of [await addCampaign(http), await addCampaign(http, familyAward(false))]) {
        const parent = await login();
        const [minorA, minorB] = [await addRepresentedOk(http, parent, await card()), await addRepresentedOk(http, parent, await card())];
        assert.equal(await bindCode(parent, details(campaignId, 'ACC-P')), '201');
        assert.equal(await bindCode(parent, details(campaignId, 'ACC-P', minorA)), 'account_already_bound');
        assert.equal(await bindCode(parent, details(campaignId, 'ACC-A', minorA)), '201');
        assert.equal(await bindCode(parent, details(campaignId, 'ACC-A', minorB)), 'account_already_bound', 'two minors on one account');
        assert.equal(await bindCode(parent, details(campaignId, 'ACC-B', minorB)), '201');
        assert.equal(await bindCode(parent, details(campaignId, 'ACC-B2', minorB)), 'binding_already_exists');
      }
    });

    it('refusals: own card, chains, another session’s challenge, someone not represented; each writes nothing', async () => {
      const campaignId = await addCampaign(http);
      const parent = await login();
      const minorCard = await card();
      const minorId = await addRepresentedOk(http, parent, minorCard);
      const minor = await httpLogin(http, minorCard);
      const stranger = await login();
      const fresh = await newCard(http);
      const tables = ['persons', 'credentials', 'representations', 'bindings', 'audit_log'] as const;
      const rowsBefore = await countRows(http.ctx.store, tables);
      assert.equal(codeOf(await httpAddRepresented(http, parent, parent.card)), 'representation_of_self');
      assert.equal(codeOf(await httpAddRepresented(http, minor, fresh)), 'representative_is_represented', 'and the fresh card made no person');
      assert.equal(codeOf(await httpAddRepresented(http, stranger, parent.card)), 'represented_is_representative');
      assert.equal(codeOf(await httpAddRepresented(http, stranger, fresh, { challenge: await representChallenge(http, parent) })), 'representation_challenge_mismatch');
      assert.equal(await bindCode(stranger, details(campaignId, 'ACC-S', minorId)), 'representation_not_found');
      assert.equal(await bindCode(parent, details(campaignId, 'ACC-S', stranger.mykeyId)), 'representation_not_found');
      assert.equal(codeOf(await httpCancel(http, stranger, campaignId, minorId)), 'representation_not_found');
      assert.deepEqual(await countRows(http.ctx.store, tables), rowsBefore);
    });

    it('the card is verified as at a login: a revoked card is refused, a renewed card reaches its person through the renewal lookup', async () => {
      const parent = await login();
      const [oldCard, renewedCard] = [await card(), await card()];
      const minor = await httpLogin(http, oldCard);
      const rowsBefore = await countRows(http.ctx.store, ['persons', 'representations']);
      http.ctx.revocation = { check: async () => fail('certificate_revoked', 'revoked by the fake checker') };
      try {
        assert.equal(codeOf(await httpAddRepresented(http, parent, renewedCard)), 'certificate_revoked');
      } finally {
        http.ctx.revocation = undefined;
      }
      assert.deepEqual(await countRows(http.ctx.store, ['persons', 'representations']), rowsBefore);
      http.ctx.renewalLookup = {
        predecessorOf: async (input) => ok(input.serialHex === certificateRef(renewedCard).serialHex ? { old: certificateRef(oldCard), oldRevocationReason: 'superseded' as const } : undefined),
      };
      try {
        const added = await httpAddRepresented(http, parent, renewedCard);
        assert.equal(added.statusCode, 201, added.body);
        assert.deepEqual([(added.json() as { mykeyId: string }).mykeyId, (added.json() as { personCreated: boolean }).personCreated], [minor.mykeyId, false]);
      } finally {
        delete http.ctx.renewalLookup;
      }
    });

    it('a renewal record after a renewed card was added again: a conflict for the operator, the representation kept', async () => {
      const parent = await login();
      const [oldCard, renewedCard] = [await card(), await card()];
      const minorId = await addRepresentedOk(http, parent, oldCard);
      const duplicateId = await addRepresentedOk(http, parent, renewedCard); // no renewal lookup: a second person
      assert.notEqual(duplicateId, minorId);
      const ingested = await ingestRenewals(http.ctx, 'test', [{ old: certificateRef(oldCard), new: certificateRef(renewedCard), oldRevocationReason: 'superseded' }]);
      assert.deepEqual(ingested.results, [{ index: 0, outcome: 'conflict', mykeyId: duplicateId }]);
      assert.deepEqual((await representedBy(http, parent)).map((p) => p.mykeyId).sort(), [minorId, duplicateId].sort());
    });

    it('a bind challenge for one minor cannot bind another: the card signs onBehalfOf', async () => {
      const campaignId = await addCampaign(http);
      const parent = await login();
      const [minorA, minorB] = [await addRepresentedOk(http, parent, await card()), await addRepresentedOk(http, parent, await card())];
      const forA = details(campaignId, 'ACC-X', minorA);
      const forB = details(campaignId, 'ACC-X', minorB);
      assert.notEqual(bindingSha256(forA), bindingSha256(forB));
      assert.notEqual(bindingSha256(forA), bindingSha256(details(campaignId, 'ACC-X')));
      const response = await httpBind(http, parent, forA, { binding: forB });
      assert.equal(codeOf(response), 'binding_challenge_mismatch');
      const own = await httpBind(http, parent, details(campaignId, 'ACC-X'), { binding: forA });
      assert.equal(codeOf(own), 'binding_challenge_mismatch', 'nor an own-binding challenge bind a minor');
      assert.deepEqual((await representedBy(http, parent)).map((p) => p.bindings.length), [0, 0]);
    });

    it('the representative cancels a represented person’s binding on the day; the account is free again', async () => {
      const campaignId = await addCampaign(http, { sameDayCancel: true });
      const parent = await login();
      const minorId = await addRepresentedOk(http, parent, await card());
      assert.equal(await bindCode(parent, details(campaignId, 'ACC-C', minorId)), '201');
      assert.equal(codeOf(await httpCancel(http, parent, campaignId)), 'binding_not_found', 'the representative’s own binding: none');
      assert.equal(codeOf(await httpCancel(http, parent, campaignId, minorId)), '200');
      assert.deepEqual((await representedBy(http, parent))[0]!.bindings, []);
      assert.equal(await bindCode(parent, details(campaignId, 'ACC-C')), '201', 'the account was released');
    });

    it('two adults racing for one account of a sharing campaign: exactly one wins', { skip: engine.engine === 'sqlite' ? 'SQLite runs one writer at a time' : false }, async () => {
      const parent = await login();
      const minorId = await addRepresentedOk(http, parent, await card());
      const other = await login();
      for (let round = 0; round < 8; round += 1) {
        // A campaign per round, so both adults may bind again. The parent binds for the minor (making the parent
        // the holder) or for themselves, alternately, and who starts first alternates too.
        const campaignId = await addCampaign(http, familyAward(true));
        const accountRef = 'ACC-RACE';
        const binds = [() => httpBind(http, parent, details(campaignId, accountRef, round % 2 === 0 ? minorId : undefined)), () => httpBind(http, other, details(campaignId, accountRef))];
        if (round % 4 >= 2) binds.reverse();
        const codes = (await Promise.all(binds.map((bind) => bind()))).map(codeOf).sort();
        assert.deepEqual(codes, ['201', 'account_already_bound'], `round ${round}`);
        const holders = await http.ctx.store.db
          .selectFrom('account_holders')
          .innerJoin('accounts', 'accounts.id', 'account_holders.account_id')
          .select('account_holders.holder_person_id')
          .where('account_holders.campaign_id', '=', campaignId)
          .where('accounts.account_ref', '=', accountRef)
          .execute();
        assert.equal(holders.length, 1, `round ${round}: one holder`);
        const bindings = await http.ctx.store.db
          .selectFrom('bindings')
          .innerJoin('accounts', 'accounts.id', 'bindings.account_id')
          .select('bindings.holder_person_id')
          .where('bindings.campaign_id', '=', campaignId)
          .where('accounts.account_ref', '=', accountRef)
          .execute();
        assert.deepEqual(bindings.map((b) => b.holder_person_id), [holders[0]!.holder_person_id], `round ${round}: one binding, of the holder`);
      }
    });
  });
}
