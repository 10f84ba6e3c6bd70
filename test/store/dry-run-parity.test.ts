// Ensures a dry run gives the grants the platform gives for the same events: for files of several hundred
// generated lines (payments and top-ups inside and outside the earning window and before the binding, merchant
// regions in and out, refunds and cancels of earlier lines — partial, whole, too large, of another account, of a
// refund, of nothing —, exact repeats, repeats with another payload, a My Number for an account) under two
// campaigns (a municipal one with per-event, per-month and budget caps and clawback; a Mynapoint one with half-up
// rounding and no clawback), and for attestations under a fixed award whose budget runs out.
// How: on both engines, citizens bind through the real use cases and the file is ingested for real
// (`ingestEvents` in batches of random sizes, `ingestAttestations` with a signed batch); the same file, with binding
// lines carrying the bindings' real times, goes through the dry-run core and through `dryRunCampaign`. Each line's
// outcome (status, code, points, caps) must match ingest's answer, and the report's totals must match the store:
// ledger sums (granted, clawed back, by month of the event), each balance, and the budget row.
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { test } from 'node:test';
import { dryRunCampaign } from '../../src/app/dry-run.js';
import { createRegistry, ingestAttestations, type AttestationInput } from '../../src/app/fixed-awards.js';
import { ingestEvents, type EventOutcome, type ProviderEvent } from '../../src/app/ingest-events.js';
import { createCampaign } from '../../src/app/operator.js';
import { periodKeyOf, type Campaign, type CampaignDefinition } from '../../src/domain/campaign.js';
import { startDryRun, type DryRunLine, type DryRunOutcome, type DryRunReport } from '../../src/domain/dry-run.js';
import { municipalPresetRegion, municipalSpendBack, mynapoint2020Now, mynapoint2022HealthInsurance } from '../../src/domain/presets.js';
import { checkDryRunLine } from '../../src/http/dry-run-schema.js';
import type { Store } from '../../src/store/db.js';
import { enginesUnderTest } from '../helpers/engines.js';
import { addCitizens, addProvider, bindOk, createWorld, type Citizen, type World } from '../helpers/world.js';

const dayMs = 86_400_000;

/** A small seeded generator (mulberry32), so that a failing file can be generated again. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)]!;
}

/** Events of the kinds and mistakes a real file has, in file order. */
function generateEvents(rand: () => number, campaign: Campaign, refs: readonly string[], count: number): ProviderEvent[] {
  const events: ProviderEvent[] = [];
  const iso = (ms: number) => new Date(ms).toISOString();
  const spanMs = campaign.earningEndsAtMs - campaign.earningStartsAtMs + 4 * dayMs;
  // A payment on each side of a month boundary of the campaign's time zone (a month cap resets there).
  const firstMonthEndMs = Date.parse(`${periodKeyOf(campaign.earningStartsAtMs + 40 * dayMs, campaign.timeZone, 'month')}-01T00:00:00+09:00`);
  for (const [i, atMs] of [firstMonthEndMs - 1_000, firstMonthEndMs].entries()) {
    events.push({ eventId: `edge${i}`, accountRef: refs[0]!, kind: 'payment', amountYen: 9_000, occurredAt: iso(atMs), merchantRegion: municipalPresetRegion });
  }
  for (let i = 0; i < count; i += 1) {
    const r = rand();
    if (r < 0.08 && events.length > 0) {
      const repeat = pick(rand, events);
      events.push(rand() < 0.5 ? repeat : { ...repeat, amountYen: repeat.amountYen + 1 });
    } else if (r < 0.3 && events.length > 0) {
      const original = pick(rand, events);
      const amountYen = 1 + Math.floor(rand() * original.amountYen * (rand() < 0.2 ? 1.5 : 0.8));
      events.push({
        eventId: `r${i}`,
        accountRef: rand() < 0.9 ? original.accountRef : pick(rand, refs),
        kind: rand() < 0.7 ? 'refund' : 'cancel',
        amountYen,
        occurredAt: iso(Date.parse(original.occurredAt) + Math.floor(rand() * 20 * dayMs)),
        originalEventId: rand() < 0.05 ? `missing${i}` : original.eventId,
      });
    } else {
      const region = rand();
      events.push({
        eventId: `e${i}`,
        accountRef: rand() < 0.01 ? '1234-5678-9018' : pick(rand, refs),
        kind: rand() < 0.85 ? 'payment' : 'topup',
        amountYen: 1 + Math.floor(rand() * 15_000),
        occurredAt: iso(campaign.earningStartsAtMs - 2 * dayMs + Math.floor(rand() * spanMs)),
        ...(region < 0.8 ? { merchantRegion: municipalPresetRegion } : region < 0.9 ? { merchantRegion: '27100' } : {}),
      });
    }
  }
  return events;
}

/** An outcome as the dry run and ingest can both say it: status, code, points and caps of this campaign. */
function ofIngest(outcome: EventOutcome, campaignId: string): unknown {
  if (outcome.status === 'rejected') return { status: 'rejected', code: outcome.code };
  if (outcome.status === 'duplicate') return { status: 'duplicate' };
  const points = outcome.grants.filter((g) => g.campaignId === campaignId).reduce((sum, g) => sum + g.points, 0);
  return { status: 'applied', points, cappedBy: outcome.cappedBy?.find((c) => c.campaignId === campaignId)?.reasons ?? [] };
}

function ofDryRun(outcome: DryRunOutcome): unknown {
  return outcome.status === 'rejected' ? { status: 'rejected', code: outcome.code } : outcome;
}

/** What the store says the campaign granted: ledger sums in all and by month of the event (or attestation). */
async function storeTotals(store: Store, campaignId: string, timeZone: string) {
  const rows = await store.db
    .selectFrom('ledger_entries as l')
    .leftJoin('events as e', (join) => join.onRef('e.provider_id', '=', 'l.provider_id').onRef('e.event_id', '=', 'l.event_id'))
    .select(['l.points', 'e.occurred_at_ms as occurredAtMs'])
    .where('l.campaign_id', '=', campaignId)
    .execute();
  let granted = 0;
  let clawedBack = 0;
  const byMonth = new Map<string, { pointsGranted: number; pointsClawedBack: number }>();
  for (const row of rows) {
    const points = Number(row.points);
    if (points > 0) granted += points;
    else clawedBack -= points;
    if (row.occurredAtMs === null) continue;
    const month = periodKeyOf(Number(row.occurredAtMs), timeZone, 'month');
    const cost = byMonth.get(month) ?? { pointsGranted: 0, pointsClawedBack: 0 };
    if (points > 0) cost.pointsGranted += points;
    else cost.pointsClawedBack -= points;
    byMonth.set(month, cost);
  }
  const budget = await store.db.selectFrom('campaign_budgets').select('points_granted').where('campaign_id', '=', campaignId).executeTakeFirst();
  return {
    granted,
    clawedBack,
    byMonth: [...byMonth.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([month, c]) => ({ month, ...c, pointsNet: c.pointsGranted - c.pointsClawedBack })),
    budgetUsedPoints: budget === undefined ? undefined : Number(budget.points_granted),
  };
}

async function balanceOf(store: Store, personId: string, campaignId: string): Promise<{ eligibleYen: number; pointsGranted: number }> {
  const row = await store.db
    .selectFrom('balances')
    .select(['eligible_yen', 'points_granted'])
    .where('person_id', '=', personId)
    .where('campaign_id', '=', campaignId)
    .executeTakeFirstOrThrow();
  return { eligibleYen: Number(row.eligible_yen), pointsGranted: Number(row.points_granted) };
}

interface Scenario {
  world: World;
  citizens: Citizen[];
  campaign: Campaign;
  /** Binds every citizen through a fresh account of a fresh provider; returns the accounts and the binding lines. */
  bindAll(): Promise<{ providerId: string; refs: string[]; bindingLines: DryRunLine[] }>;
}

async function scenario(world: World, citizens: Citizen[], definition: CampaignDefinition): Promise<Scenario> {
  const created = await createCampaign(world.ctx, 'test', { definition });
  assert.ok(created.ok, created.ok ? '' : created.message);
  return {
    world,
    citizens,
    campaign: created.value,
    async bindAll() {
      const provider = await addProvider(world);
      const refs: string[] = [];
      const bindingLines: DryRunLine[] = [];
      for (const [i, citizen] of citizens.entries()) {
        const accountRef = `${definition.id}-A${i}`;
        await bindOk(world, citizen, { campaignId: definition.id, providerServiceId: provider.serviceId, accountRef });
        const binding = await world.ctx.store.db
          .selectFrom('bindings')
          .select('created_at_ms')
          .where('person_id', '=', citizen.session.personId)
          .where('campaign_id', '=', definition.id)
          .executeTakeFirstOrThrow();
        refs.push(accountRef);
        bindingLines.push({ accountRef, boundAt: new Date(Number(binding.created_at_ms)).toISOString() });
        world.clock.advance(60_000);
      }
      return { providerId: provider.providerId, refs, bindingLines };
    },
  };
}

/** Feeds the lines to the dry-run core, each through the schema check as the API and CLI do; returns the outcomes. */
function dryRunLines(campaign: Campaign, lines: readonly DryRunLine[]): { outcomes: DryRunOutcome[]; report: DryRunReport; run: ReturnType<typeof startDryRun> } {
  const run = startDryRun(campaign);
  const outcomes = lines.map((line) => {
    const checked = checkDryRunLine(JSON.parse(JSON.stringify(line)));
    assert.ok(checked.ok, checked.ok ? '' : checked.message);
    return run.apply(checked.value);
  });
  return { outcomes, report: run.report(), run };
}

for (const engine of await enginesUnderTest()) {
  test(`a dry run grants what ingest grants, on ${engine.engine}`, { skip: engine.skip }, async (t) => {
    const opened = await engine.open();
    t.after(() => opened.close());
    const world = await createWorld(opened.store);
    const citizens = await addCitizens(world, 5);
    const nowMs = world.clock.nowMs();

    const spendBack: Array<{ name: string; definition: CampaignDefinition; seed: number }> = [
      {
        name: 'municipal, with a budget that runs out',
        definition: { ...municipalSpendBack(nowMs), id: 'parity-municipal', caps: { perPersonPoints: 9_000, perEventPoints: 1_000, perPeriod: { period: 'month', points: 3_000 }, budgetPoints: 25_000 } },
        seed: 20_201,
      },
      {
        name: 'Mynapoint rules, half-up rounding, no clawback',
        definition: { ...mynapoint2020Now(nowMs), id: 'parity-mynapoint', rounding: 'half_up', refundPolicy: 'none' },
        seed: 20_202,
      },
    ];
    for (const c of spendBack) {
      await t.test(c.name, async () => {
        const s = await scenario(world, citizens, c.definition);
        const { providerId, refs, bindingLines } = await s.bindAll();
        const rand = seeded(c.seed);
        const events = generateEvents(rand, s.campaign, refs, 500);
        const ingested: EventOutcome[] = [];
        for (let from = 0; from < events.length; ) {
          const size = 1 + Math.floor(rand() * 60);
          ingested.push(...(await ingestEvents(world.ctx, providerId, events.slice(from, from + size))));
          from += size;
        }
        const dry = dryRunLines(s.campaign, [...bindingLines, ...events]);
        const eventOutcomes = dry.outcomes.slice(bindingLines.length);
        for (const [i, outcome] of ingested.entries()) {
          assert.deepEqual(ofDryRun(eventOutcomes[i]!), ofIngest(outcome, s.campaign.id), `line ${i}: ${JSON.stringify(events[i])}`);
        }
        const statuses = new Set<string>(ingested.map((o) => (o.status === 'rejected' ? o.code : o.status)));
        for (const expected of ['applied', 'duplicate', 'idempotency_conflict', 'outside_earning_window', 'original_event_unknown', 'original_event_mismatch', 'refund_exceeds_original', 'national_id_number_refused']) {
          assert.ok(statuses.has(expected), `the file exercises ${expected}`);
        }

        const stored = await storeTotals(opened.store, s.campaign.id, s.campaign.timeZone);
        assert.equal(dry.report.points.granted, stored.granted);
        assert.equal(dry.report.points.clawedBack, stored.clawedBack);
        assert.deepEqual(dry.report.byMonth, stored.byMonth);
        assert.equal(dry.report.budget?.usedPoints, stored.budgetUsedPoints);
        for (const [i, citizen] of citizens.entries()) {
          const tally = dry.run.tallyOf(refs[i]!)!;
          assert.deepEqual({ eligibleYen: tally.eligibleYen, pointsGranted: tally.pointsGranted }, await balanceOf(opened.store, citizen.session.personId, s.campaign.id), refs[i]);
        }
        if (c.definition.caps.budgetPoints !== undefined) assert.equal(dry.report.budget?.leftPoints, 0, 'the budget runs out in this file');
        const file = [...bindingLines, ...events].map((line) => JSON.stringify(line));
        const viaShell = await dryRunCampaign({ definition: c.definition }, file, checkDryRunLine, nowMs);
        assert.ok(viaShell.ok);
        assert.deepEqual(viaShell.value, dry.report, 'the NDJSON path reports what the core does');
      });
    }

    await t.test('fixed award with a budget: attestations', async () => {
      const definition: CampaignDefinition = {
        ...mynapoint2022HealthInsurance(),
        id: 'parity-award',
        applicationWindow: { startsAt: new Date(nowMs - dayMs).toISOString(), endsAt: new Date(nowMs + 200 * dayMs).toISOString() },
        earningWindow: { startsAt: new Date(nowMs - 100 * dayMs).toISOString(), endsAt: new Date(nowMs + 100 * dayMs).toISOString() },
        caps: { perPersonPoints: 7_500, budgetPoints: 20_000 },
      };
      const s = await scenario(world, citizens, definition);
      const { refs, bindingLines } = await s.bindAll();
      const keys = generateKeyPairSync('ed25519');
      const registry = await createRegistry(world.ctx, 'test', {
        id: 'parity-registry',
        name: 'parity',
        publicKeyPem: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        attestationKinds: ['health_insurance_linked'],
      });
      assert.ok(registry.ok);
      const at = (days: number) => new Date(nowMs + days * dayMs).toISOString();
      // Person 0 twice; 1 before the window; 2, 3 and 4 in it, where the budget gives 7,500, 5,000 and nothing.
      const plan: Array<[number, string]> = [[0, at(-50)], [0, at(-10)], [1, at(-101)], [2, at(5)], [3, at(99)], [4, at(30)], [1, at(100)]];
      const attestations: AttestationInput[] = plan.map(([person, attestedAt], i) => ({ attestationId: `a${i}`, kind: 'health_insurance_linked', mykeyId: citizens[person]!.mykeyId, attestedAt }));
      const payload = JSON.stringify(attestations);
      const ingested = await ingestAttestations(
        world.ctx,
        'test',
        { registryId: 'parity-registry', payload, signature: sign(null, Buffer.from(payload), keys.privateKey).toString('base64url') },
        (text) => JSON.parse(text) as AttestationInput[],
      );
      assert.ok(ingested.ok);
      const lines: DryRunLine[] = plan.map(([person, attestedAt]) => ({ accountRef: refs[person]!, attestationKind: 'health_insurance_linked', attestedAt }));
      const dry = dryRunLines(s.campaign, [...bindingLines, ...lines]);
      const awarded = ingested.value.map((o) => (o.status === 'rejected' ? NaN : o.awards.reduce((sum, a) => sum + a.points, 0)));
      const dryAwarded = dry.outcomes.slice(bindingLines.length).map((o) => (o.status === 'applied' ? o.points : 0));
      assert.deepEqual(dryAwarded, awarded);
      assert.deepEqual(awarded, [7_500, 0, 0, 7_500, 5_000, 0, 0]);
      const stored = await storeTotals(opened.store, s.campaign.id, s.campaign.timeZone);
      assert.equal(dry.report.points.granted, stored.granted);
      assert.equal(dry.report.budget?.usedPoints, stored.budgetUsedPoints);
      assert.deepEqual(dry.report.persons, { seen: 5, granted: 3, atPersonCap: 2 });
    });
  });
}
