// Ensures, on both engines, that event ingest is exactly once and order-independent for random workloads: random
// payments, top-ups, refunds and cancels (of earlier events, random amounts, sometimes naming another account or
// a refund, sometimes over-refunding, sometimes arriving before their original and retried later), exact
// duplicates (also written with another offset), same-id conflicts and unknown accounts, shuffled into random
// orders and split into random batches.
// How: fast-check generates the workload; each run gets a fresh campaign and fresh accounts for three citizens
// inside one store per engine. A small reference model replays the same batches and predicts every answer
// (applied with its points, duplicate, or the rejection code); after the run the store must hold exactly the
// model's events, balances equal to min(cap, floor(rate × eligible total)) of the applied events, and ledger sums
// equal to the balances with every running total inside [0, cap]. A second property runs one clean workload (every
// event eventually valid) in two different orders and batchings on two campaigns and compares the totals.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ingestEvents, type EventOutcome, type ProviderEvent } from '../../src/app/ingest-events.js';
import { isReversal, type EventKind } from '../../src/domain/points.js';
import { enginesUnderTest } from '../helpers/engines.js';
import { accountIdOf, balanceOf, eventsOfAccounts, isoJst, isoUtc, ledgerMismatches, runningGrantTotals } from '../helpers/ledger.js';
import { addCampaign, addCitizens, addProvider, bindDirect, createWorld, type Citizen, type World } from '../helpers/world.js';

const personsPerRun = 3;
const capPoints = 5_000;
const runsModel = 40;
const runsOrder = 30;

/** Mynapoint rules: 25 % of the eligible total, floored, capped at 5,000 points. */
function entitlement(eligibleYen: number): number {
  return Math.min(capPoints, Math.floor((eligibleYen * 25) / 100));
}

/** An event of the workload, before it is given ids and accounts for one run. */
interface Spec {
  kind: EventKind;
  /** Index of the citizen whose account reports it; -1 is an account bound to nobody. */
  person: number;
  amountYen: number;
  minute: number;
  /** For refunds and cancels: the index of the spec it reverses. */
  original?: number;
}

/** One report of a spec: exact (maybe in JST), or a conflicting variant (another amount under the same id). */
interface Delivery {
  index: number;
  jst: boolean;
  conflict: boolean;
}

interface Step {
  kind: EventKind;
  person: number;
  amountYen: number;
  pick: number;
  minute: number;
}

const stepArb: fc.Arbitrary<Step> = fc.record({
  kind: fc.constantFrom<EventKind>('payment', 'payment', 'topup', 'refund', 'cancel'),
  person: fc.oneof({ arbitrary: fc.constant(-1), weight: 1 }, { arbitrary: fc.integer({ min: 0, max: personsPerRun - 1 }), weight: 9 }),
  amountYen: fc.integer({ min: 1, max: 12_000 }),
  pick: fc.nat(),
  minute: fc.nat(100_000),
});

/**
 * Turns steps into specs. Clean workloads reverse only the same citizen's earning events and never more than
 * remains of them, so every event is eventually applied whatever the order; messy ones may name any earlier event
 * (another account, a refund) and any amount.
 */
function toSpecs(steps: readonly Step[], clean: boolean): Spec[] {
  const specs: Spec[] = [];
  const remaining = new Map<number, number>();
  for (const step of steps) {
    const index = specs.length;
    const person = clean ? Math.max(0, step.person) : step.person;
    if (isReversal(step.kind)) {
      const candidates = clean
        ? specs.flatMap((s, j) => (!isReversal(s.kind) && s.person === person && (remaining.get(j) ?? 0) > 0 ? [j] : []))
        : specs.map((_, j) => j);
      if (candidates.length > 0) {
        const original = candidates[step.pick % candidates.length]!;
        const originalSpec = specs[original]!;
        if (clean) {
          const amountYen = 1 + ((step.amountYen - 1) % remaining.get(original)!);
          remaining.set(original, remaining.get(original)! - amountYen);
          specs.push({ kind: step.kind, person, amountYen, minute: step.minute, original });
        } else {
          const reporter = step.pick % 5 === 0 ? person : originalSpec.person;
          const amountYen = step.pick % 3 === 0 ? step.amountYen : 1 + ((step.amountYen - 1) % originalSpec.amountYen);
          specs.push({ kind: step.kind, person: reporter, amountYen, minute: step.minute, original });
        }
        continue;
      }
    }
    const kind = isReversal(step.kind) ? 'payment' : step.kind;
    specs.push({ kind, person, amountYen: step.amountYen, minute: step.minute });
    remaining.set(index, step.amountYen);
  }
  return specs;
}

interface Ordering {
  keys: number[];
  batchSizes: number[];
}

const orderingArb: fc.Arbitrary<Ordering> = fc.record({
  keys: fc.array(fc.nat(1_000), { minLength: 32, maxLength: 32 }),
  batchSizes: fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 8 }),
});

const extraArb = fc.array(fc.record({ pick: fc.nat(), jst: fc.boolean() }), { maxLength: 6 });

/** Each spec once, plus extra exact reports and (messy only) conflicting variants; then ordered by the keys. */
function deliveriesOf(specs: readonly Spec[], jsts: readonly boolean[], extras: ReadonlyArray<{ pick: number; jst: boolean }>, conflicts: readonly number[], ordering: Ordering): Delivery[] {
  const all: Delivery[] = [
    ...specs.map((_, index) => ({ index, jst: jsts[index % jsts.length] ?? false, conflict: false })),
    ...extras.map((e) => ({ index: e.pick % specs.length, jst: e.jst, conflict: false })),
    ...conflicts.map((pick) => ({ index: pick % specs.length, jst: false, conflict: true })),
  ];
  return all
    .map((delivery, position) => ({ delivery, key: ordering.keys[position % ordering.keys.length]! * 100 + position }))
    .sort((a, b) => a.key - b.key)
    .map((entry) => entry.delivery);
}

function batchesOf<T>(items: readonly T[], sizes: readonly number[]): T[][] {
  const batches: T[][] = [];
  for (let start = 0, i = 0; start < items.length; i += 1) {
    const size = sizes[i % sizes.length]!;
    batches.push(items.slice(start, start + size));
    start += size;
  }
  return batches;
}

type Expected = { status: 'applied'; points: number } | { status: 'duplicate' } | { status: 'rejected'; code: string };

interface StoredEvent {
  payload: string;
  kind: EventKind;
  accountRef: string;
  amountYen: number;
  reversedYen: number;
}

/**
 * The reference model: the rules of DESIGN.md §2.4–2.5 for one campaign whose window covers every event, written
 * as plainly as possible. A repeated id is compared with what is stored; when its earlier occurrence was rejected
 * (nothing was stored), it is decided afresh, in the same batch as in a later one.
 */
class Model {
  readonly stored = new Map<string, StoredEvent>();
  readonly eligibleYen: number[];

  constructor(private readonly refs: readonly string[]) {
    this.eligibleYen = refs.map(() => 0);
  }

  batch(events: readonly ProviderEvent[]): Expected[] {
    const storedAtStart = new Set(this.stored.keys());
    const decisions = new Map<string, Expected>();
    return events.map((event) => {
      const payload = JSON.stringify([event.accountRef, event.kind, event.amountYen, Date.parse(event.occurredAt), event.originalEventId ?? null]);
      // A rejected event wrote nothing, so a later occurrence of its id (even in the same batch) is decided afresh.
      const first = decisions.get(event.eventId);
      if (storedAtStart.has(event.eventId) || (first !== undefined && first.status !== 'rejected')) {
        return this.stored.get(event.eventId)!.payload === payload ? { status: 'duplicate' } : { status: 'rejected', code: 'idempotency_conflict' };
      }
      const decision = this.decide(event, payload);
      decisions.set(event.eventId, decision);
      return decision;
    });
  }

  private decide(event: ProviderEvent, payload: string): Expected {
    const person = this.refs.indexOf(event.accountRef);
    if (person < 0) return { status: 'rejected', code: 'account_unknown' };
    let deltaYen = event.amountYen;
    if (isReversal(event.kind)) {
      const original = this.stored.get(event.originalEventId!);
      if (original === undefined) return { status: 'rejected', code: 'original_event_unknown' };
      if (original.accountRef !== event.accountRef || isReversal(original.kind)) return { status: 'rejected', code: 'original_event_mismatch' };
      if (original.reversedYen + event.amountYen > original.amountYen) return { status: 'rejected', code: 'refund_exceeds_original' };
      original.reversedYen += event.amountYen;
      deltaYen = -event.amountYen;
    }
    const before = entitlement(this.eligibleYen[person]!);
    this.eligibleYen[person]! += deltaYen;
    this.stored.set(event.eventId, { payload, kind: event.kind, accountRef: event.accountRef, amountYen: event.amountYen, reversedYen: 0 });
    return { status: 'applied', points: entitlement(this.eligibleYen[person]!) - before };
  }
}

function summary(outcome: EventOutcome): Expected {
  if (outcome.status === 'rejected') return { status: 'rejected', code: outcome.code };
  if (outcome.status === 'duplicate') return { status: 'duplicate' };
  return { status: 'applied', points: outcome.grants.reduce((sum, g) => sum + g.points, 0) };
}

let runCounter = 0;

for (const engine of await enginesUnderTest()) {
  test(`ingest properties on ${engine.engine}`, { skip: engine.skip }, async (t) => {
    const opened = await engine.open();
    const { store } = opened;
    t.after(() => opened.close());
    const world: World = await createWorld(store);
    const citizens: Citizen[] = await addCitizens(world, personsPerRun);
    const provider = await addProvider(world);
    const baseMs = world.clock.nowMs() + 60_000;

    /** Plays deliveries on a fresh campaign, checks every answer against the model, and the store afterwards. */
    async function play(specs: readonly Spec[], deliveries: readonly Delivery[], batchSizes: readonly number[]): Promise<{ balances: Array<{ eligibleYen: number; pointsGranted: number }>; applied: number }> {
      runCounter += 1;
      const tag = `r${runCounter}`;
      const campaignId = await addCampaign(world);
      const refs = citizens.map((_, i) => `${tag}-acct${i}`);
      // Bindings through the store shortcut: binding itself is tested in ingest.test.ts, and here it would be most of the time.
      for (const [i, citizen] of citizens.entries()) {
        await bindDirect(world, citizen.session.personId, { campaignId, providerId: provider.providerId, providerServiceId: provider.serviceId, accountRef: refs[i]! });
      }
      const eventOf = (delivery: Delivery): ProviderEvent => {
        const spec = specs[delivery.index]!;
        const ms = baseMs + spec.minute * 60_000;
        return {
          eventId: `${tag}-e${delivery.index}`,
          accountRef: spec.person < 0 ? `${tag}-unbound` : refs[spec.person]!,
          kind: spec.kind,
          amountYen: spec.amountYen + (delivery.conflict ? 1 : 0),
          occurredAt: delivery.jst ? isoJst(ms) : isoUtc(ms),
          ...(spec.original === undefined ? {} : { originalEventId: `${tag}-e${spec.original}` }),
        };
      };

      const model = new Model(refs);
      const grantsOfApplied = new Map<string, unknown>();
      const duplicates: Array<{ eventId: string; grants: unknown }> = [];
      const pointsByPerson = refs.map(() => 0);
      const send = async (events: ProviderEvent[]): Promise<EventOutcome[]> => {
        const outcomes = await ingestEvents(world.ctx, provider.providerId, events);
        assert.deepEqual(outcomes.map((o) => o.eventId), events.map((e) => e.eventId));
        assert.deepEqual(outcomes.map(summary), model.batch(events), `batch ${JSON.stringify(events)}`);
        for (const [i, outcome] of outcomes.entries()) {
          if (outcome.status === 'applied') {
            assert.ok(!grantsOfApplied.has(outcome.eventId), `${outcome.eventId} applied twice`);
            grantsOfApplied.set(outcome.eventId, outcome.grants);
            assert.ok(outcome.grants.every((g) => g.campaignId === campaignId) && outcome.grants.length <= 1);
            pointsByPerson[refs.indexOf(events[i]!.accountRef)]! += outcome.grants.reduce((sum, g) => sum + g.points, 0);
          }
          if (outcome.status === 'duplicate') duplicates.push({ eventId: outcome.eventId, grants: outcome.grants });
        }
        return outcomes;
      };

      const sent = deliveries.map(eventOf);
      const retry: ProviderEvent[] = [];
      for (const batch of batchesOf(sent, batchSizes)) {
        const outcomes = await send(batch);
        outcomes.forEach((o, i) => {
          if (o.status === 'rejected' && o.code === 'original_event_unknown') retry.push(batch[i]!);
        });
      }
      if (retry.length > 0) await send(retry);

      // A duplicate answers exactly the grants of the original application.
      for (const duplicate of duplicates) {
        assert.ok(grantsOfApplied.has(duplicate.eventId), `${duplicate.eventId} is a duplicate of an event never applied`);
        assert.deepEqual(duplicate.grants, grantsOfApplied.get(duplicate.eventId));
      }

      // The store holds exactly the applied events, once each.
      const accountIds = await Promise.all(refs.map((ref) => accountIdOf(store, provider.providerId, ref)));
      assert.equal(await eventsOfAccounts(store, accountIds), model.stored.size);
      assert.equal(grantsOfApplied.size, model.stored.size);

      const balances: Array<{ eligibleYen: number; pointsGranted: number }> = [];
      for (const [i, citizen] of citizens.entries()) {
        const balance = await balanceOf(store, citizen.session.personId, campaignId);
        assert.ok(balance !== undefined);
        assert.deepEqual(balance, { eligibleYen: model.eligibleYen[i]!, pointsGranted: entitlement(model.eligibleYen[i]!) });
        assert.ok(balance.pointsGranted <= capPoints);
        assert.equal(pointsByPerson[i], balance.pointsGranted, 'the grants answered add up to the balance');
        for (const total of await runningGrantTotals(store, citizen.session.personId, campaignId)) assert.ok(total >= 0 && total <= capPoints, `running total ${total}`);
        balances.push(balance);
      }
      assert.deepEqual(await ledgerMismatches(store, campaignId), []);
      return { balances, applied: model.stored.size };
    }

    await t.test('every answer matches the reference model, and the store holds its totals', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(stepArb, { minLength: 1, maxLength: 16 }),
          fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
          extraArb,
          fc.array(fc.nat(), { maxLength: 3 }),
          orderingArb,
          async (steps, jsts, extras, conflicts, ordering) => {
            const specs = toSpecs(steps, false);
            await play(specs, deliveriesOf(specs, jsts, extras, conflicts, ordering), ordering.batchSizes);
          },
        ),
        { numRuns: runsModel },
      );
    });

    await t.test('totals do not depend on the order or the batching of the same events', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(stepArb, { minLength: 1, maxLength: 16 }),
          fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
          extraArb,
          orderingArb,
          orderingArb,
          async (steps, jsts, extras, first, second) => {
            const specs = toSpecs(steps, true);
            const a = await play(specs, deliveriesOf(specs, jsts, extras, [], first), first.batchSizes);
            const b = await play(specs, deliveriesOf(specs, jsts, extras, [], second), second.batchSizes);
            assert.equal(a.applied, specs.length, 'every event of a clean workload is applied once retried');
            assert.equal(b.applied, specs.length);
            assert.deepEqual(a.balances, b.balances);
            const expected = citizens.map((_, person) => {
              const eligibleYen = specs.filter((s) => s.person === person).reduce((sum, s) => sum + (isReversal(s.kind) ? -s.amountYen : s.amountYen), 0);
              return { eligibleYen, pointsGranted: entitlement(eligibleYen) };
            });
            assert.deepEqual(a.balances, expected);
          },
        ),
        { numRuns: runsOrder },
      );
    });
  });
}
