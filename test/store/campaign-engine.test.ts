// Ensures the campaign engine on both engines, through the real use cases: the municipal preset's per-payment and
// per-month caps (at a JST month boundary) and region code; a refund after the cap was reached and one after the
// earning window closed; a budget that ends with a partial grant, closes the campaign for applications, takes
// clawbacks back and reopens with a larger version; fixed awards granted once whatever the order of bindings and
// attestations (a property test); operator corrections that claw back or move a wrong binding's points, with the
// audit trail; and the citizen's same-day cancel. After each, every balance equals the sum of its ledger entries.
// How: one fresh store per engine; provider, campaigns and citizens through test/helpers/world.ts; events through
// ingestEvents; attestations through ingestAttestations with an Ed25519 registry key; tables read directly.
import assert from 'node:assert/strict';
import { randomUUID, sign } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { cancelBinding, correctBinding } from '../../src/app/corrections.js';
import { createRegistry, ingestAttestations, type AttestationInput } from '../../src/app/fixed-awards.js';
import { ingestEvents, type EventOutcome, type ProviderEvent } from '../../src/app/ingest-events.js';
import { publishCampaignVersion } from '../../src/app/operator.js';
import { municipalPresetRegion, municipalSpendBack, mynapoint2022HealthInsurance, mynapoint2022PublicFundsAccount } from '../../src/domain/presets.js';
import { listAudit } from '../../src/store/audit-repo.js';
import { enginesUnderTest } from '../helpers/engines.js';
import { balanceOf, isoUtc, ledgerMismatches, payment, refund } from '../helpers/ledger.js';
import { newRegistryKeys } from '../helpers/registry.js';
import { addCampaign, addCitizens, addProvider, bind, bindOk, createWorld, type Citizen, type World } from '../helpers/world.js';

const dayMs = 86_400_000;
let counter = 0;
const uid = (prefix: string): string => `${prefix}-${(counter += 1)}-${randomUUID().slice(0, 6)}`;

function pointsOf(outcome: EventOutcome | undefined): number {
  assert.ok(outcome !== undefined && outcome.status === 'applied', JSON.stringify(outcome));
  return outcome.grants.reduce((sum, g) => sum + g.points, 0);
}

function capsOf(outcome: EventOutcome | undefined): string[] {
  assert.ok(outcome !== undefined && outcome.status === 'applied', JSON.stringify(outcome));
  return (outcome.cappedBy ?? []).flatMap((c) => c.reasons);
}

async function budgetRow(world: World, campaignId: string) {
  return world.ctx.store.db.selectFrom('campaign_budgets').selectAll().where('campaign_id', '=', campaignId).executeTakeFirst();
}

for (const engine of await enginesUnderTest()) {
  test(`campaign engine on ${engine.engine}`, { skip: engine.skip }, async (t) => {
    const opened = await engine.open();
    const { store } = opened;
    t.after(() => opened.close());
    const world = await createWorld(store);
    const citizens: Citizen[] = await addCitizens(world, 6);
    const provider = await addProvider(world);
    const ingest = (events: ProviderEvent[]) => ingestEvents(world.ctx, provider.providerId, events);
    const nowMs = world.clock.nowMs();

    async function boundCampaign(overrides: Parameters<typeof addCampaign>[1], people: Citizen[]): Promise<{ campaignId: string; refs: string[] }> {
      const campaignId = await addCampaign(world, overrides);
      const refs: string[] = [];
      for (const citizen of people) {
        const accountRef = uid('ACCT');
        await bindOk(world, citizen, { campaignId, providerServiceId: provider.serviceId, accountRef });
        refs.push(accountRef);
      }
      return { campaignId, refs };
    }

    await t.test('municipal: 1,000 per payment, 3,000 per JST month, only at merchants of the region', async () => {
      const { id: _id, ...municipal } = municipalSpendBack(nowMs);
      const { campaignId, refs } = await boundCampaign(municipal, [citizens[0]!]);
      const ref = refs[0]!;
      const local = (eventId: string, amountYen: number, atMs: number): ProviderEvent => ({ ...payment(eventId, ref, amountYen, atMs), merchantRegion: municipalPresetRegion });
      const lastSecondOfNovemberMs = Date.parse('2026-11-30T23:59:59+09:00');
      const out = await ingest([
        local('m-1', 3_333, lastSecondOfNovemberMs - 60_000), // 999
        local('m-2', 10_000, lastSecondOfNovemberMs - 50_000), // 3,000 alone: capped at 1,000 per payment
        local('m-3', 10_000, lastSecondOfNovemberMs - 40_000), // November at 2,999
        local('m-4', 10_000, lastSecondOfNovemberMs), // the month stops at 3,000: 1 point
        local('m-5', 10_000, lastSecondOfNovemberMs + 1_000), // December: a fresh month
        { ...payment('m-6', ref, 10_000, lastSecondOfNovemberMs + 2_000), merchantRegion: '27100' },
        payment('m-7', ref, 10_000, lastSecondOfNovemberMs + 3_000),
      ]);
      assert.deepEqual(out.slice(0, 5).map(pointsOf), [999, 1_000, 1_000, 1, 1_000]);
      assert.deepEqual(capsOf(out[1]), ['event_cap']);
      assert.deepEqual(capsOf(out[3]), ['event_cap', 'period_cap']);
      assert.deepEqual([out[5]!.status, out[6]!.status], ['rejected', 'rejected']);
      assert.deepEqual(await balanceOf(store, citizens[0]!.session.personId, campaignId), { eligibleYen: 43_333, pointsGranted: 4_000 });
      // A refund of November's capped payment leaves November at its cap: nothing is clawed back.
      const back = await ingest([refund('m-8', ref, 5_000, lastSecondOfNovemberMs + 10 * dayMs, 'm-2')]);
      assert.equal(pointsOf(back[0]), 0);
      assert.deepEqual(await ledgerMismatches(store, campaignId), []);
    });

    await t.test('a refund after the cap was reached claws back only below it; one after the window closed still reverses', async () => {
      const { campaignId, refs } = await boundCampaign({}, [citizens[1]!]);
      const ref = refs[0]!;
      const campaignEndMs = nowMs + 365 * dayMs; // mynapoint2020Now: a year from today's midnight JST
      const out = await ingest([payment('r-1', ref, 16_000, nowMs + 1_000), payment('r-2', ref, 8_000, nowMs + 2_000)]);
      assert.deepEqual(out.map(pointsOf), [4_000, 1_000]);
      const afterCap = await ingest([refund('r-3', ref, 3_000, nowMs + 3_000, 'r-2')]);
      assert.equal(pointsOf(afterCap[0]), 0, '24,000 → 21,000 yen is still above the 20,000 that reach the cap');
      const afterWindow = await ingest([refund('r-4', ref, 5_000, campaignEndMs + 30 * dayMs, 'r-1')]);
      assert.equal(pointsOf(afterWindow[0]), -1_000, '16,000 yen → 11,000 + 5,000 = 16,000 eligible: 4,000 points');
      assert.deepEqual(await balanceOf(store, citizens[1]!.session.personId, campaignId), { eligibleYen: 16_000, pointsGranted: 4_000 });
      assert.deepEqual(await ledgerMismatches(store, campaignId), []);
    });

    await t.test('budget: a partial last grant, closed for applications, clawbacks return, a larger version reopens', async () => {
      const { campaignId, refs } = await boundCampaign({ caps: { perPersonPoints: 5_000, budgetPoints: 1_500 } }, [citizens[2]!, citizens[3]!]);
      const out = await ingest([payment('b-1', refs[0]!, 4_000, nowMs + 1_000), payment('b-2', refs[1]!, 4_000, nowMs + 2_000), payment('b-3', refs[1]!, 4_000, nowMs + 3_000)]);
      assert.deepEqual(out.map(pointsOf), [1_000, 500, 0]);
      assert.deepEqual([capsOf(out[1]), capsOf(out[2])], [['budget'], ['budget']]);
      assert.equal(Number((await budgetRow(world, campaignId))?.points_granted), 1_500);
      assert.ok((await budgetRow(world, campaignId))?.exhausted_at_ms !== null);
      const late = await bind(world, citizens[4]!, { campaignId, providerServiceId: provider.serviceId, accountRef: uid('ACCT') });
      assert.ok(!late.ok && late.code === 'campaign_budget_exhausted');
      // A clawback returns points to the budget; the next grant may use them.
      const back = await ingest([refund('b-4', refs[0]!, 4_000, nowMs + 4_000, 'b-1'), payment('b-5', refs[1]!, 400, nowMs + 5_000)]);
      assert.deepEqual(back.map(pointsOf), [-1_000, 1_000], 'person 2 is owed 2,100 − 500: the 1,000 returned to the budget is all it gets');
      // A version may not budget below what was granted; a larger one reopens the campaign.
      const below = await publishCampaignVersion(world.ctx, 'test', campaignId, { definition: { ...(await definitionOf(world, campaignId)), caps: { perPersonPoints: 5_000, budgetPoints: 1_000 } } });
      assert.ok(!below.ok && below.code === 'campaign_invalid' && below.param === 'caps.budgetPoints');
      const larger = await publishCampaignVersion(world.ctx, 'test', campaignId, { definition: { ...(await definitionOf(world, campaignId)), caps: { perPersonPoints: 5_000, budgetPoints: 100_000 } } });
      assert.ok(larger.ok && larger.value.version === 2);
      assert.equal((await budgetRow(world, campaignId))?.exhausted_at_ms, null);
      await bindOk(world, citizens[4]!, { campaignId, providerServiceId: provider.serviceId, accountRef: uid('ACCT') });
      const more = await ingest([payment('b-6', refs[1]!, 4_000, nowMs + 6_000)]);
      assert.equal(pointsOf(more[0]), 1_600, 'what was owed when the budget ran out is granted with the next event: 3,100 − 1,500');
      assert.deepEqual(await ledgerMismatches(store, campaignId), []);
    });

    await t.test('corrections: void with clawback, or move to the rightful person; the person may bind again', async () => {
      const [wrong, rightful] = [citizens[4]!, citizens[5]!];
      const { campaignId, refs } = await boundCampaign({}, [wrong]);
      const ref = refs[0]!;
      await ingest([payment('c-1', ref, 8_000, nowMs + 1_000)]);
      const binding = await store.db.selectFrom('bindings').select('id').where('person_id', '=', wrong.session.personId).where('campaign_id', '=', campaignId).executeTakeFirstOrThrow();
      const moved = await correctBinding(world.ctx, 'operator:test', { bindingId: binding.id, reason: 'counter staff typed the next customer’s ID', action: 'move', toMykeyId: rightful.mykeyId });
      assert.ok(moved.ok, moved.ok ? '' : moved.code);
      assert.equal(moved.value.points, 2_000);
      assert.deepEqual(await balanceOf(store, wrong.session.personId, campaignId), { eligibleYen: 0, pointsGranted: 0 });
      assert.deepEqual(await balanceOf(store, rightful.session.personId, campaignId), { eligibleYen: 8_000, pointsGranted: 2_000 });
      // The account now earns for the rightful person, refunds included.
      const after = await ingest([payment('c-2', ref, 4_000, nowMs + 2_000), refund('c-3', ref, 8_000, nowMs + 3_000, 'c-1')]);
      assert.deepEqual(after.map(pointsOf), [1_000, -2_000]);
      // The wrong person binds their own account.
      await bindOk(world, wrong, { campaignId, providerServiceId: provider.serviceId, accountRef: uid('ACCT') });
      // Clawback: the moved binding is voided and its points taken back from the account.
      const again = await correctBinding(world.ctx, 'operator:test', { bindingId: moved.value.newBindingId!, reason: 'fraud', action: 'clawback' });
      assert.ok(again.ok);
      assert.equal(again.value.points, 1_000);
      assert.equal(codeOf((await ingest([payment('c-4', ref, 1_000, nowMs + 4_000)]))[0]), 'account_unknown');
      const repeated = await correctBinding(world.ctx, 'operator:test', { bindingId: binding.id, reason: 'again', action: 'clawback' });
      assert.ok(!repeated.ok && repeated.code === 'binding_not_found');
      const audit = await store.transaction((tx) => listAudit(tx, 0, 10_000));
      assert.deepEqual(
        audit.filter((a) => a.action.startsWith('binding.void')).map((a) => [a.action, a.details.points]),
        [['binding.void.move', 2_000], ['binding.void.clawback', 1_000]],
      );
      const sources = await store.db.selectFrom('ledger_entries').select(['source', 'points']).where('campaign_id', '=', campaignId).where('source', '=', 'correction').orderBy('provider_seq').execute();
      assert.deepEqual(sources.map((s) => Number(s.points)), [-2_000, 2_000, -1_000]);
      assert.deepEqual(await ledgerMismatches(store, campaignId), []);
    });

    await t.test('same-day cancel: allowed on the day before any grant, refused after a grant or the next day', async () => {
      const { campaignId } = await boundCampaign({}, [citizens[0]!]);
      const cancelled = await cancelBinding(world.ctx, citizens[0]!.session, { campaignId });
      assert.ok(cancelled.ok);
      const { refs } = { refs: [uid('ACCT')] };
      await bindOk(world, citizens[0]!, { campaignId, providerServiceId: provider.serviceId, accountRef: refs[0]! });
      await ingest([payment('d-1', refs[0]!, 1_000, nowMs + 1_000)]);
      const granted = await cancelBinding(world.ctx, citizens[0]!.session, { campaignId });
      assert.ok(!granted.ok && granted.code === 'binding_cancel_not_allowed');
      const next = await boundCampaign({}, [citizens[1]!]);
      world.clock.advance(dayMs);
      const tomorrow = await cancelBinding(world.ctx, citizens[1]!.session, { campaignId: next.campaignId });
      assert.ok(!tomorrow.ok && tomorrow.code === 'binding_cancel_not_allowed');
      const final = await boundCampaign({ sameDayCancel: false }, [citizens[2]!]);
      const refused = await cancelBinding(world.ctx, citizens[2]!.session, { campaignId: final.campaignId });
      assert.ok(!refused.ok && refused.code === 'binding_cancel_not_allowed');
      world.clock.advance(-dayMs);
    });

    await t.test('property: fixed awards are granted once, whatever the order of bindings and attestations', async () => {
      // Attestations are about a person, not a campaign: each run attests kinds of its own, so runs that reuse a
      // citizen do not see each other's attestations.
      const keys = newRegistryKeys();
      let registryId = '';
      const attest = async (attestations: AttestationInput[]) => {
        const payload = JSON.stringify(attestations);
        const r = await ingestAttestations(world.ctx, 'operator:test', { registryId, payload, signature: sign(null, Buffer.from(payload), keys.privateKey).toString('base64url') }, () => attestations);
        assert.ok(r.ok);
        return r.value;
      };
      let kinds = { insurance: '', account: '' };
      const insuranceNow = (c: Citizen) => ({ kind: kinds.insurance, mykeyId: c.mykeyId, attestedAt: isoUtc(nowMs - dayMs) });
      const steps = ['bind-insurance', 'bind-account', 'attest-insurance', 'attest-insurance-again', 'attest-account'] as const;
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.shuffledSubarray([...steps], { minLength: 1 }), async (order) => {
          run += 1;
          const citizen = citizens[run % citizens.length]!;
          kinds = { insurance: `health_insurance_linked_${run}`, account: `public_funds_account_registered_${run}` };
          registryId = uid('reg');
          const created = await createRegistry(world.ctx, 'operator:test', { id: registryId, name: 'registries', publicKeyPem: keys.publicKeyPem, attestationKinds: [kinds.insurance, kinds.account] });
          assert.ok(created.ok);
          // The phase-2 rules with windows that are open today.
          const open = (earningStartsAt: string) => ({
            applicationWindow: { startsAt: '2026-11-01T00:00:00+09:00', endsAt: '2027-11-01T00:00:00+09:00' },
            earningWindow: { startsAt: earningStartsAt, endsAt: '2027-11-01T00:00:00+09:00' },
          });
          const insurance = await addCampaign(world, { ...mynapoint2022HealthInsurance(), rate: undefined, ...open('2021-10-20T00:00:00+09:00'), id: uid('ins'), award: { attestationKind: kinds.insurance, points: 7_500 } });
          const account = await addCampaign(world, { ...mynapoint2022PublicFundsAccount(), rate: undefined, ...open('2022-03-28T00:00:00+09:00'), id: uid('acc'), award: { attestationKind: kinds.account, points: 7_500 } });
          const [insuranceId, accountId] = [uid('att'), uid('att')];
          for (const op of order) {
            if (op === 'bind-insurance') await bindOk(world, citizen, { campaignId: insurance, providerServiceId: provider.serviceId, accountRef: uid('ACCT') });
            if (op === 'bind-account') await bindOk(world, citizen, { campaignId: account, providerServiceId: provider.serviceId, accountRef: uid('ACCT') });
            if (op === 'attest-insurance') await attest([{ attestationId: insuranceId, ...insuranceNow(citizen) }]);
            if (op === 'attest-insurance-again') await attest([{ attestationId: `${insuranceId}-2`, ...insuranceNow(citizen) }]);
            if (op === 'attest-account') await attest([{ attestationId: accountId, kind: kinds.account, mykeyId: citizen.mykeyId, attestedAt: isoUtc(nowMs) }]);
          }
          const expectInsurance = order.includes('bind-insurance') && (order.includes('attest-insurance') || order.includes('attest-insurance-again')) ? 7_500 : 0;
          const expectAccount = order.includes('bind-account') && order.includes('attest-account') ? 7_500 : 0;
          const got = async (campaignId: string) => (await balanceOf(store, citizen.session.personId, campaignId))?.pointsGranted ?? 0;
          assert.deepEqual([await got(insurance), await got(account)], [expectInsurance, expectAccount], order.join(' → '));
          const entries = await store.db.selectFrom('ledger_entries').select('points').where('person_id', '=', citizen.session.personId).where('campaign_id', 'in', [insurance, account]).execute();
          assert.equal(entries.length, (expectInsurance > 0 ? 1 : 0) + (expectAccount > 0 ? 1 : 0), 'each award is one ledger entry');
          // A repeated batch changes nothing.
          const repeat = await attest([{ attestationId: insuranceId, ...insuranceNow(citizen) }]);
          assert.ok(repeat[0]!.status === (order.includes('attest-insurance') ? 'duplicate' : 'recorded'));
          assert.equal(await got(insurance), order.includes('bind-insurance') ? 7_500 : 0);
        }),
        { numRuns: engine.engine === 'postgres' ? 12 : 20 },
      );
      assert.deepEqual(await ledgerMismatches(store), []);
    });
  });
}

function codeOf(outcome: EventOutcome | undefined): string {
  assert.ok(outcome !== undefined && outcome.status === 'rejected', JSON.stringify(outcome));
  return outcome.code;
}

async function definitionOf(world: World, campaignId: string) {
  const row = await world.ctx.store.db.selectFrom('campaigns').select('definition').where('id', '=', campaignId).orderBy('version', 'desc').executeTakeFirstOrThrow();
  return JSON.parse(row.definition);
}
