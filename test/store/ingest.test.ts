// Ensures the event use cases on both engines: applied events with their grants, exact duplicates (also the same
// instant written with another offset) returning the original grants, the same id with another payload refused as
// idempotency_conflict, every per-event rejection code with nothing written, refunds within and across batches,
// the 4,999 / 5,000 / 5,001 cap boundary, clawbacks after the cap, one account in two campaigns, and the grant
// feed (cursors, acknowledgements, provider isolation).
// How: one fresh store per engine; every subtest makes its own provider, campaign and bindings through the real
// use cases (test/helpers/world.ts), calls ingestEvents / readGrantFeed / acknowledgeGrants, and checks the
// answers and the tables (row counts, balances, ledger sums) read directly from the store.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { acknowledgeGrants, encodeCursor, readGrantFeed } from '../../src/app/grant-feed.js';
import { ingestEvents, type EventOutcome, type ProviderEvent } from '../../src/app/ingest-events.js';
import type { CampaignDefinition } from '../../src/domain/campaign.js';
import { enginesUnderTest } from '../helpers/engines.js';
import { balanceOf, isoJst, isoUtc, ledgerMismatches, payment, refund, rowCounts, topup } from '../helpers/ledger.js';
import { addCampaign, addCitizens, addProvider, bindOk, createWorld, type Citizen, type World } from '../helpers/world.js';

const minuteMs = 60_000;

let counter = 0;
function uid(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}-${randomUUID().slice(0, 6)}`;
}

function grantsOf(outcome: EventOutcome | undefined): Array<{ campaignId: string; points: number }> {
  assert.ok(outcome !== undefined);
  if (outcome.status !== 'applied') assert.fail(`expected applied: ${JSON.stringify(outcome)}`);
  return outcome.grants.map(({ campaignId, points }) => ({ campaignId, points }));
}

function codeOf(outcome: EventOutcome | undefined): string {
  assert.ok(outcome !== undefined);
  if (outcome.status !== 'rejected') assert.fail(`expected rejected: ${JSON.stringify(outcome)}`);
  return outcome.code;
}

for (const engine of await enginesUnderTest()) {
  test(`event ingest on ${engine.engine}`, { skip: engine.skip }, async (t) => {
    const opened = await engine.open();
    const { store } = opened;
    t.after(() => opened.close());
    const world: World = await createWorld(store);
    const citizens: Citizen[] = await addCitizens(world, 4);
    const at = (minutes: number): number => world.clock.nowMs() + minutes * minuteMs;

    /** A fresh provider and campaign with `count` citizens bound, each through a fresh account. */
    async function scenario(input: { count?: number; campaign?: Partial<CampaignDefinition> } = {}) {
      const provider = await addProvider(world);
      const campaignId = await addCampaign(world, input.campaign);
      const bound = citizens.slice(0, input.count ?? 1);
      const refs: string[] = [];
      for (const citizen of bound) {
        const accountRef = uid('ACCT');
        await bindOk(world, citizen, { campaignId, providerServiceId: provider.serviceId, accountRef });
        refs.push(accountRef);
      }
      const ingest = (events: ProviderEvent[]) => ingestEvents(world.ctx, provider.providerId, events);
      const balance = (index = 0) => balanceOf(store, bound[index]!.session.personId, campaignId);
      return { provider, campaignId, refs, persons: bound.map((c) => c.session.personId), ingest, balance };
    }

    await t.test('payments and top-ups are applied with their grants, floor-rounded', async () => {
      const s = await scenario();
      const [ref] = s.refs as [string];
      const out = await s.ingest([payment('p1', ref, 4_000, at(1)), topup('t1', ref, 2_001, at(2)), payment('p2', ref, 2, at(3)), payment('p3', ref, 1, at(4))]);
      assert.deepEqual(out.map((o) => o.eventId), ['p1', 't1', 'p2', 'p3']);
      assert.deepEqual(grantsOf(out[0]), [{ campaignId: s.campaignId, points: 1_000 }]);
      assert.deepEqual(grantsOf(out[1]), [{ campaignId: s.campaignId, points: 500 }], 'floor(6,001 × 25 / 100) = 1,500');
      assert.deepEqual(grantsOf(out[2]), [], 'floor(6,003 × 25 / 100) = 1,500: applied, but no grant entry');
      assert.deepEqual(grantsOf(out[3]), [{ campaignId: s.campaignId, points: 1 }], 'rounding is on the total, not per event');
      assert.deepEqual(await s.balance(), { eligibleYen: 6_004, pointsGranted: 1_501 });
      assert.deepEqual(await ledgerMismatches(store, s.campaignId), []);
      const feed = await readGrantFeed(world.ctx, s.provider.providerId, { after: undefined, limit: 10 });
      assert.ok(feed.ok);
      assert.deepEqual(
        feed.value.data.map((g) => [g.eventId, g.accountRef, g.points, g.acknowledged]),
        [
          ['p1', ref, 1_000, false],
          ['t1', ref, 500, false],
          ['p3', ref, 1, false],
        ],
      );
      assert.ok(feed.value.data.every((g) => !('personId' in g) && !('mykeyId' in g)), 'a provider never sees a person or Mykey ID');
    });

    await t.test('an exact duplicate returns the original grants and writes nothing, whatever the offset', async () => {
      const s = await scenario();
      const [ref] = s.refs as [string];
      const original = payment('dup-1', ref, 4_000, Date.parse('2026-11-27T04:00:00Z'));
      const first = await s.ingest([original]);
      const firstGrants = first[0]!.status === 'applied' ? first[0]!.grants : assert.fail('not applied');
      const counts = await rowCounts(store);

      const again = await s.ingest([original]);
      assert.deepEqual(again, [{ eventId: 'dup-1', status: 'duplicate', grants: firstGrants }]);
      const jst = await s.ingest([{ ...original, occurredAt: '2026-11-27T13:00:00+09:00' }]);
      assert.deepEqual(jst, [{ eventId: 'dup-1', status: 'duplicate', grants: firstGrants }], 'the same instant with +09:00');
      const millis = await s.ingest([{ ...original, occurredAt: '2026-11-27T04:00:00.000Z' }]);
      assert.equal(millis[0]!.status, 'duplicate');
      assert.deepEqual(await rowCounts(store), counts);
      assert.deepEqual(await s.balance(), { eligibleYen: 4_000, pointsGranted: 1_000 });

      // Twice in one batch: applied once, then a duplicate with the same grants.
      const twice = await s.ingest([payment('dup-2', ref, 400, at(5)), payment('dup-2', ref, 400, at(5))]);
      assert.equal(twice[0]!.status, 'applied');
      assert.deepEqual(twice[1], { eventId: 'dup-2', status: 'duplicate', grants: twice[0]!.status === 'applied' ? twice[0]!.grants : [] });
      assert.deepEqual(await s.balance(), { eligibleYen: 4_400, pointsGranted: 1_100 });
      const counts2 = await rowCounts(store);
      assert.equal(counts2.events, counts.events + 1);
      assert.equal(counts2.ledgerEntries, counts.ledgerEntries + 1);

      // A zero-point event repeats as a duplicate with no grants.
      const small = payment('dup-3', ref, 1, at(6));
      assert.deepEqual(grantsOf((await s.ingest([small]))[0]), []);
      assert.deepEqual(await s.ingest([small]), [{ eventId: 'dup-3', status: 'duplicate', grants: [] }]);
    });

    await t.test('the same id with another payload is an idempotency_conflict and changes nothing', async () => {
      const s = await scenario({ count: 2 });
      const [ref, ref2] = s.refs as [string, string];
      const original = payment('cf-1', ref, 4_000, at(10));
      await s.ingest([original]);
      const counts = await rowCounts(store);
      const variants: ProviderEvent[] = [
        { ...original, amountYen: 4_001 },
        { ...original, accountRef: ref2 },
        { ...original, kind: 'topup' },
        { ...original, occurredAt: isoUtc(at(10) + 1) },
        { ...original, kind: 'refund', originalEventId: 'cf-0' },
      ];
      for (const variant of variants) {
        assert.equal(codeOf((await s.ingest([variant]))[0]), 'idempotency_conflict', JSON.stringify(variant));
      }
      assert.deepEqual(await rowCounts(store), counts);
      assert.deepEqual(await s.balance(0), { eligibleYen: 4_000, pointsGranted: 1_000 });
      assert.deepEqual(await s.balance(1), { eligibleYen: 0, pointsGranted: 0 });

      // In one batch: the first version is applied, the second is the conflict.
      const out = await s.ingest([payment('cf-2', ref, 400, at(11)), payment('cf-2', ref, 800, at(11))]);
      assert.deepEqual(grantsOf(out[0]), [{ campaignId: s.campaignId, points: 100 }]);
      assert.equal(codeOf(out[1]), 'idempotency_conflict');
      assert.deepEqual(await s.balance(0), { eligibleYen: 4_400, pointsGranted: 1_100 });
      assert.deepEqual(await ledgerMismatches(store, s.campaignId), []);
    });

    await t.test('every per-event rejection code is reached, and a rejected event writes nothing', async () => {
      const s = await scenario({ count: 2 });
      const [ref, ref2] = s.refs as [string, string];
      const elsewhere = await scenario();
      await elsewhere.ingest([payment('only-elsewhere', elsewhere.refs[0]!, 1_000, at(1))]);
      const setup = await s.ingest([payment('orig', ref, 4_000, at(1)), refund('rf', ref, 1_000, at(2), 'orig'), payment('orig2', ref2, 4_000, at(1))]);
      assert.deepEqual(setup.map((o) => o.status), ['applied', 'applied', 'applied']);

      const cases: Array<[string, ProviderEvent]> = [
        ['invalid_request', { ...payment('bad-time', ref, 100, at(3)), occurredAt: 'yesterday' }],
        ['national_id_number_refused', payment('mn-1', '123456789018', 100, at(3))],
        ['national_id_number_refused', payment('mn-2', '1234-5678-9018', 100, at(3))],
        ['national_id_number_refused', payment('mn-3', '1234 5678 9018', 100, at(3))],
        ['original_event_required', { eventId: 'no-orig-1', accountRef: ref, kind: 'refund', amountYen: 100, occurredAt: isoUtc(at(3)) }],
        ['original_event_required', { eventId: 'no-orig-2', accountRef: ref, kind: 'cancel', amountYen: 100, occurredAt: isoUtc(at(3)) }],
        ['original_event_not_allowed', { ...payment('extra-orig-1', ref, 100, at(3)), originalEventId: 'orig' }],
        ['original_event_not_allowed', { ...topup('extra-orig-2', ref, 100, at(3)), originalEventId: 'orig' }],
        ['account_unknown', payment('acct-1', 'NEVER-BOUND', 100, at(3))],
        ['account_unknown', payment('acct-2', elsewhere.refs[0]!, 100, at(3))],
        ['original_event_unknown', refund('ou-1', ref, 100, at(3), 'never-reported')],
        ['original_event_unknown', refund('ou-2', ref, 100, at(3), 'only-elsewhere')],
        ['original_event_mismatch', refund('om-1', ref, 100, at(3), 'orig2')],
        ['original_event_mismatch', refund('om-2', ref, 100, at(3), 'rf')],
        ['original_event_mismatch', { ...refund('om-3', ref, 100, at(3), 'rf'), kind: 'cancel' }],
        ['refund_exceeds_original', refund('rx-1', ref, 3_001, at(3), 'orig')],
        ['refund_exceeds_original', { ...refund('rx-2', ref, 3_001, at(3), 'orig'), kind: 'cancel' }],
      ];
      const counts = await rowCounts(store);
      const balances = [await s.balance(0), await s.balance(1)];
      for (const [code, event] of cases) {
        assert.equal(codeOf((await s.ingest([event]))[0]), code, JSON.stringify(event));
        assert.deepEqual(await rowCounts(store), counts, `${code} wrote nothing`);
      }
      // All together in one batch: still nothing written, every answer in input order.
      const together = await s.ingest(cases.map(([, event]) => event));
      assert.deepEqual(together.map(codeOf), cases.map(([code]) => code));
      assert.deepEqual(await rowCounts(store), counts);
      assert.deepEqual([await s.balance(0), await s.balance(1)], balances);
      const orig = await store.db.selectFrom('events').select('reversed_yen').where('event_id', '=', 'orig').where('provider_id', '=', s.provider.providerId).executeTakeFirstOrThrow();
      assert.equal(Number(orig.reversed_yen), 1_000);
      const leaked = await store.db.selectFrom('accounts').select('id').where('account_ref', 'like', '%5678%').execute();
      assert.deepEqual(leaked, [], 'no My Number lands in the accounts table');

      // A rejected event is not remembered: the same id is applied once it is valid.
      assert.deepEqual(grantsOf((await s.ingest([refund('rx-1', ref, 3_000, at(3), 'orig')]))[0]), [{ campaignId: s.campaignId, points: -750 }]);
      assert.deepEqual(await s.balance(0), { eligibleYen: 0, pointsGranted: 0 });
      // Mixed with valid events, only the valid ones are written.
      const mixed = await s.ingest([payment('ok-1', ref2, 400, at(4)), refund('ou-3', ref2, 100, at(4), 'nope'), payment('ok-2', ref2, 800, at(4))]);
      assert.deepEqual(mixed.map((o) => o.status), ['applied', 'rejected', 'applied']);
      const after = await rowCounts(store);
      assert.equal(after.events, counts.events + 3);
      assert.equal(after.ledgerEntries, counts.ledgerEntries + 3);
      assert.deepEqual(await ledgerMismatches(store), []);
    });

    await t.test('event_kind_not_eligible, and outside_earning_window takes precedence when some campaign takes the kind', async () => {
      const provider = await addProvider(world);
      const paymentsOnly = await addCampaign(world, { eligibleEventKinds: ['payment'] });
      const later = await addCampaign(world, { earningWindow: { startsAt: '2027-06-01T00:00:00+09:00', endsAt: '2027-07-01T00:00:00+09:00' } });
      const ref = uid('ACCT');
      const ref2 = uid('ACCT');
      await bindOk(world, citizens[0]!, { campaignId: paymentsOnly, providerServiceId: provider.serviceId, accountRef: ref });
      await bindOk(world, citizens[1]!, { campaignId: paymentsOnly, providerServiceId: provider.serviceId, accountRef: ref2 });
      await bindOk(world, citizens[1]!, { campaignId: later, providerServiceId: provider.serviceId, accountRef: ref2 });
      const counts = await rowCounts(store);
      const out = await ingestEvents(world.ctx, provider.providerId, [topup('k1', ref, 1_000, at(1)), topup('k2', ref2, 1_000, at(1))]);
      assert.deepEqual(out.map(codeOf), ['event_kind_not_eligible', 'outside_earning_window']);
      assert.deepEqual(await rowCounts(store), counts);
      const paid = await ingestEvents(world.ctx, provider.providerId, [payment('k3', ref2, 1_000, at(1))]);
      assert.deepEqual(grantsOf(paid[0]), [{ campaignId: paymentsOnly, points: 250 }], 'only the campaign whose window is open counts it');
    });

    await t.test('outside_earning_window at the JST edges of the window and before the binding', async () => {
      const s = await scenario({
        campaign: { earningWindow: { startsAt: '2026-12-01T00:00:00+09:00', endsAt: '2027-01-01T00:00:00+09:00' } },
      });
      const [ref] = s.refs as [string];
      const event = (eventId: string, occurredAt: string): ProviderEvent => ({ eventId, accountRef: ref, kind: 'payment', amountYen: 400, occurredAt });
      const counts = await rowCounts(store);
      const outside = await s.ingest([
        event('w-1', '2026-11-30T23:59:59.999+09:00'),
        event('w-2', '2026-11-30T14:59:59.999Z'),
        event('w-3', '2027-01-01T00:00:00+09:00'),
        event('w-4', '2026-12-31T15:00:00Z'),
      ]);
      assert.deepEqual(outside.map(codeOf), ['outside_earning_window', 'outside_earning_window', 'outside_earning_window', 'outside_earning_window']);
      assert.deepEqual(await rowCounts(store), counts);
      const inside = await s.ingest([
        event('w-5', '2026-12-01T00:00:00+09:00'),
        event('w-6', '2026-11-30T15:00:00Z'),
        event('w-7', '2026-12-31T23:59:59.999+09:00'),
        event('w-8', '2026-12-31T14:59:59.999Z'),
      ]);
      assert.deepEqual(inside.map(grantsOf), Array.from({ length: 4 }, () => [{ campaignId: s.campaignId, points: 100 }]));
      // A refund follows its original, even when the refund itself happens after the window.
      assert.deepEqual(grantsOf((await s.ingest([refund('w-9', ref, 400, Date.parse('2027-01-05T00:00:00+09:00'), 'w-5')]))[0]), [
        { campaignId: s.campaignId, points: -100 },
      ]);

      // Before the binding: the window is open, but the account was bound a minute after the event.
      const provider = await addProvider(world);
      const campaignId = await addCampaign(world);
      const boundAtMs = world.clock.nowMs();
      const lateRef = uid('ACCT');
      await bindOk(world, citizens[1]!, { campaignId, providerServiceId: provider.serviceId, accountRef: lateRef });
      const edge = await ingestEvents(world.ctx, provider.providerId, [payment('b-1', lateRef, 400, boundAtMs - 1), payment('b-2', lateRef, 400, boundAtMs)]);
      assert.equal(codeOf(edge[0]), 'outside_earning_window');
      assert.deepEqual(grantsOf(edge[1]), [{ campaignId, points: 100 }]);
      assert.deepEqual(await ledgerMismatches(store), []);
    });

    await t.test('refunds: later in the same batch as the original, before it (rejected, then retried), and over two batches', async () => {
      const s = await scenario();
      const [ref] = s.refs as [string];
      const same = await s.ingest([payment('r-p1', ref, 4_000, at(1)), refund('r-r1', ref, 1_000, at(2), 'r-p1')]);
      assert.deepEqual(same.map(grantsOf), [[{ campaignId: s.campaignId, points: 1_000 }], [{ campaignId: s.campaignId, points: -250 }]]);

      const early = await s.ingest([refund('r-r2', ref, 2_000, at(3), 'r-p2'), payment('r-p2', ref, 4_000, at(3))]);
      assert.equal(codeOf(early[0]), 'original_event_unknown');
      assert.deepEqual(grantsOf(early[1]), [{ campaignId: s.campaignId, points: 1_000 }]);
      assert.deepEqual(grantsOf((await s.ingest([refund('r-r2', ref, 2_000, at(3), 'r-p2')]))[0]), [{ campaignId: s.campaignId, points: -500 }]);

      // Two refunds of r-p2 in one batch, the second one yen too many; then over two batches.
      const oneBatch = await s.ingest([refund('r-r3', ref, 1_000, at(4), 'r-p2'), refund('r-r4', ref, 1_001, at(4), 'r-p2')]);
      assert.deepEqual(grantsOf(oneBatch[0]), [{ campaignId: s.campaignId, points: -250 }]);
      assert.equal(codeOf(oneBatch[1]), 'refund_exceeds_original');
      assert.equal(codeOf((await s.ingest([refund('r-r5', ref, 1_001, at(5), 'r-p2')]))[0]), 'refund_exceeds_original');
      assert.deepEqual(grantsOf((await s.ingest([{ ...refund('r-r5', ref, 1_000, at(5), 'r-p2'), kind: 'cancel' }]))[0]), [{ campaignId: s.campaignId, points: -250 }]);
      assert.equal(codeOf((await s.ingest([refund('r-r6', ref, 1, at(6), 'r-p2')]))[0]), 'refund_exceeds_original');
      assert.deepEqual(await s.balance(), { eligibleYen: 3_000, pointsGranted: 750 });
      assert.deepEqual(await ledgerMismatches(store, s.campaignId), []);
    });

    await t.test('the cap: 4,999 / 5,000 / 5,001 points, partial last grant, and refunds after the cap', async () => {
      const s = await scenario({ count: 4 });
      const [a, b, c, d] = s.refs as [string, string, string, string];
      const campaign = s.campaignId;
      // a: 4,999, then exactly 5,000, then an event that would make 5,001 grants nothing.
      assert.deepEqual(grantsOf((await s.ingest([payment('cap-a1', a, 19_996, at(1))]))[0]), [{ campaignId: campaign, points: 4_999 }]);
      assert.deepEqual(grantsOf((await s.ingest([payment('cap-a2', a, 4, at(2))]))[0]), [{ campaignId: campaign, points: 1 }]);
      assert.deepEqual(grantsOf((await s.ingest([payment('cap-a3', a, 4, at(3))]))[0]), []);
      assert.deepEqual(await s.balance(0), { eligibleYen: 20_004, pointsGranted: 5_000 });
      // b: 4,999, then an event worth 2 points gets the 1 point left.
      const b1 = await s.ingest([payment('cap-b1', b, 19_996, at(1)), payment('cap-b2', b, 8, at(2))]);
      assert.deepEqual(b1.map(grantsOf), [[{ campaignId: campaign, points: 4_999 }], [{ campaignId: campaign, points: 1 }]]);
      // c: one event of exactly 20,000 and one of 20,004 (5,001 uncapped) for d.
      assert.deepEqual(grantsOf((await s.ingest([payment('cap-c1', c, 20_000, at(1))]))[0]), [{ campaignId: campaign, points: 5_000 }]);
      assert.deepEqual(grantsOf((await s.ingest([payment('cap-d1', d, 20_004, at(1))]))[0]), [{ campaignId: campaign, points: 5_000 }]);

      // Refunds after the cap claw back only what falls below it.
      const r = await s.ingest([refund('cap-d2', d, 4, at(2), 'cap-d1'), refund('cap-d3', d, 1, at(3), 'cap-d1'), refund('cap-d4', d, 3_999, at(4), 'cap-d1')]);
      assert.deepEqual(r.map(grantsOf), [[], [{ campaignId: campaign, points: -1 }], [{ campaignId: campaign, points: -999 }]]);
      assert.deepEqual(await s.balance(3), { eligibleYen: 16_000, pointsGranted: 4_000 });
      // And a payment after the clawback earns up to the cap again.
      assert.deepEqual(grantsOf((await s.ingest([payment('cap-d5', d, 30_000, at(5))]))[0]), [{ campaignId: campaign, points: 1_000 }]);
      for (let i = 0; i < 4; i += 1) assert.ok((await s.balance(i))!.pointsGranted <= 5_000);
      assert.deepEqual(await ledgerMismatches(store, campaign), []);
    });

    await t.test('refundPolicy none: a refund lowers the eligible total but claws nothing back', async () => {
      const s = await scenario({ campaign: { refundPolicy: 'none' } });
      const [ref] = s.refs as [string];
      const out = await s.ingest([payment('n-1', ref, 4_000, at(1)), refund('n-2', ref, 4_000, at(2), 'n-1'), payment('n-3', ref, 8_000, at(3))]);
      assert.deepEqual(out.map(grantsOf), [[{ campaignId: s.campaignId, points: 1_000 }], [], [{ campaignId: s.campaignId, points: 1_000 }]]);
      assert.deepEqual(await s.balance(), { eligibleYen: 8_000, pointsGranted: 2_000 });
    });

    await t.test('an account bound in two campaigns gets grants in both (one person or two)', async () => {
      const provider = await addProvider(world);
      const c1 = await addCampaign(world);
      const c2 = await addCampaign(world, { caps: { perPersonPoints: 600 } });
      const c3 = await addCampaign(world);
      const shared = uid('ACCT');
      await bindOk(world, citizens[0]!, { campaignId: c1, providerServiceId: provider.serviceId, accountRef: shared });
      await bindOk(world, citizens[0]!, { campaignId: c2, providerServiceId: provider.serviceId, accountRef: shared });
      await bindOk(world, citizens[1]!, { campaignId: c3, providerServiceId: provider.serviceId, accountRef: shared });
      const out = await ingestEvents(world.ctx, provider.providerId, [payment('two-1', shared, 4_000, at(1)), refund('two-2', shared, 2_000, at(2), 'two-1')]);
      const sorted = (grants: Array<{ campaignId: string; points: number }>) => [...grants].sort((x, y) => x.campaignId.localeCompare(y.campaignId));
      assert.deepEqual(sorted(grantsOf(out[0])), sorted([{ campaignId: c1, points: 1_000 }, { campaignId: c2, points: 600 }, { campaignId: c3, points: 1_000 }]));
      assert.deepEqual(sorted(grantsOf(out[1])), sorted([{ campaignId: c1, points: -500 }, { campaignId: c2, points: -100 }, { campaignId: c3, points: -500 }]));
      assert.deepEqual(await balanceOf(store, citizens[0]!.session.personId, c1), { eligibleYen: 2_000, pointsGranted: 500 });
      assert.deepEqual(await balanceOf(store, citizens[0]!.session.personId, c2), { eligibleYen: 2_000, pointsGranted: 500 });
      assert.deepEqual(await balanceOf(store, citizens[1]!.session.personId, c3), { eligibleYen: 2_000, pointsGranted: 500 });
      // A duplicate answers every grant of the event.
      const again = await ingestEvents(world.ctx, provider.providerId, [payment('two-1', shared, 4_000, at(1))]);
      assert.equal(again[0]!.status, 'duplicate');
      assert.deepEqual(again[0]!.status === 'duplicate' ? again[0]!.grants : [], out[0]!.status === 'applied' ? out[0]!.grants : []);
      assert.deepEqual(await ledgerMismatches(store), []);
    });

    await t.test('a refund reverses only the campaigns that counted its original, even when a binding came later', async () => {
      // The original is reported ahead of its time (provider clock skew, or a pre-dated event) and counted in c1.
      // The account is bound in c2 afterwards, at an instant before the original's occurredAt. c2 never counted
      // the original, so its refund must not lower c2's eligible total or claw back c2's points.
      const provider = await addProvider(world);
      const c1 = await addCampaign(world);
      const c2 = await addCampaign(world);
      const ref = uid('ACCT');
      await bindOk(world, citizens[0]!, { campaignId: c1, providerServiceId: provider.serviceId, accountRef: ref });
      const first = await ingestEvents(world.ctx, provider.providerId, [payment('late-1', ref, 4_000, at(10))]);
      assert.deepEqual(grantsOf(first[0]), [{ campaignId: c1, points: 1_000 }]);
      await bindOk(world, citizens[0]!, { campaignId: c2, providerServiceId: provider.serviceId, accountRef: ref });
      const second = await ingestEvents(world.ctx, provider.providerId, [payment('late-2', ref, 8_000, at(20))]);
      assert.deepEqual(
        grantsOf(second[0]).sort((x, y) => x.campaignId.localeCompare(y.campaignId)),
        [{ campaignId: c1, points: 2_000 }, { campaignId: c2, points: 2_000 }].sort((x, y) => x.campaignId.localeCompare(y.campaignId)),
      );
      const reversal = await ingestEvents(world.ctx, provider.providerId, [refund('late-3', ref, 4_000, at(30), 'late-1')]);
      assert.deepEqual(grantsOf(reversal[0]), [{ campaignId: c1, points: -1_000 }]);
      assert.deepEqual(await balanceOf(store, citizens[0]!.session.personId, c2), { eligibleYen: 8_000, pointsGranted: 2_000 });
    });

    await t.test('the refund of an original counted before a later binding is applied, not an internal error', async () => {
      // The same situation with nothing counted yet in the later campaign: reversing the original there would take
      // its eligible total below zero, which the core asserts against, so the refund could never be applied.
      const provider = await addProvider(world);
      const c1 = await addCampaign(world);
      const c2 = await addCampaign(world);
      const ref = uid('ACCT');
      await bindOk(world, citizens[1]!, { campaignId: c1, providerServiceId: provider.serviceId, accountRef: ref });
      assert.equal((await ingestEvents(world.ctx, provider.providerId, [payment('late-4', ref, 4_000, at(10))]))[0]!.status, 'applied');
      await bindOk(world, citizens[1]!, { campaignId: c2, providerServiceId: provider.serviceId, accountRef: ref });
      const counts = await rowCounts(store);
      const reversal = await ingestEvents(world.ctx, provider.providerId, [refund('late-5', ref, 4_000, at(30), 'late-4')]).catch((error: unknown) => error);
      assert.ok(Array.isArray(reversal), `ingestEvents threw: ${String(reversal)}`);
      assert.deepEqual(grantsOf(reversal[0]), [{ campaignId: c1, points: -1_000 }]);
      assert.equal((await rowCounts(store)).events, counts.events + 1);
    });

    await t.test('the grant feed: pages by cursor, resumes after new grants, refuses a foreign cursor', async () => {
      const s = await scenario({ count: 2 });
      const [a, b] = s.refs as [string, string];
      await s.ingest([payment('f-1', a, 400, at(1)), payment('f-2', b, 800, at(1)), payment('f-3', a, 1, at(1)), refund('f-4', a, 200, at(2), 'f-1'), topup('f-5', b, 4_000, at(2))]);
      const pages: Array<{ ids: string[]; hasMore: boolean }> = [];
      let after: string | undefined;
      for (let i = 0; i < 5; i += 1) {
        const page = await readGrantFeed(world.ctx, s.provider.providerId, { after, limit: 2 });
        assert.ok(page.ok);
        pages.push({ ids: page.value.data.map((g) => g.eventId ?? g.source), hasMore: page.value.hasMore });
        after = page.value.nextCursor;
        if (!page.value.hasMore) break;
      }
      assert.deepEqual(pages, [
        { ids: ['f-1', 'f-2'], hasMore: true },
        { ids: ['f-4', 'f-5'], hasMore: false },
      ]);
      const empty = await readGrantFeed(world.ctx, s.provider.providerId, { after, limit: 2 });
      assert.ok(empty.ok);
      assert.deepEqual([empty.value.data, empty.value.hasMore, empty.value.nextCursor], [[], false, after], 'an empty page keeps the cursor');
      await s.ingest([payment('f-6', b, 400, at(3))]);
      const resumed = await readGrantFeed(world.ctx, s.provider.providerId, { after, limit: 2 });
      assert.ok(resumed.ok);
      assert.deepEqual(resumed.value.data.map((g) => [g.eventId, g.accountRef, g.points]), [['f-6', b, 100]]);

      for (const bad of ['garbage', encodeCursor(1) + 'x', Buffer.from('g1:-1').toString('base64url'), Buffer.from('g1:1.5').toString('base64url'), Buffer.from('g2:1').toString('base64url'), Buffer.from('g1:').toString('base64url') + 'A']) {
        const page = await readGrantFeed(world.ctx, s.provider.providerId, { after: bad, limit: 2 });
        assert.equal(page.ok ? 'ok' : page.code, 'cursor_invalid', bad);
      }
    });

    await t.test('acknowledgeGrants: idempotent, all or nothing, and only for the provider’s own grants', async () => {
      const s = await scenario();
      const other = await scenario();
      await s.ingest([payment('ack-1', s.refs[0]!, 400, at(1)), payment('ack-2', s.refs[0]!, 800, at(1)), payment('ack-3', s.refs[0]!, 1_200, at(1))]);
      await other.ingest([payment('ack-1', other.refs[0]!, 400, at(1))]);
      const feed = await readGrantFeed(world.ctx, s.provider.providerId, { after: undefined, limit: 10 });
      const otherFeed = await readGrantFeed(world.ctx, other.provider.providerId, { after: undefined, limit: 10 });
      assert.ok(feed.ok && otherFeed.ok);
      const [g1, g2, g3] = feed.value.data.map((g) => g.grantId) as [string, string, string];
      const foreign = otherFeed.value.data[0]!.grantId;

      assert.deepEqual(await acknowledgeGrants(world.ctx, s.provider.providerId, [g1, g1]), { ok: true, value: { acknowledged: 1, alreadyAcknowledged: 0 } });
      assert.deepEqual(await acknowledgeGrants(world.ctx, s.provider.providerId, [g1, g2]), { ok: true, value: { acknowledged: 1, alreadyAcknowledged: 1 } });
      const counts = await rowCounts(store);
      for (const ids of [[g3, randomUUID()], [g3, foreign], [foreign]]) {
        const result = await acknowledgeGrants(world.ctx, s.provider.providerId, ids);
        assert.equal(result.ok ? 'ok' : result.code, 'grant_unknown');
        assert.deepEqual(await rowCounts(store), counts, 'nothing is acknowledged when one id is unknown');
      }
      const after = await readGrantFeed(world.ctx, s.provider.providerId, { after: undefined, limit: 10 });
      assert.ok(after.ok);
      assert.deepEqual(after.value.data.map((g) => g.acknowledged), [true, true, false]);
      const otherAfter = await readGrantFeed(world.ctx, other.provider.providerId, { after: undefined, limit: 10 });
      assert.ok(otherAfter.ok);
      assert.deepEqual(otherAfter.value.data.map((g) => g.acknowledged), [false]);
    });

    await t.test('a provider never sees another provider’s grants, accounts or events', async () => {
      const campaignId = await addCampaign(world);
      const pa = await addProvider(world);
      const pb = await addProvider(world);
      const sameRef = uid('SAME');
      await bindOk(world, citizens[0]!, { campaignId, providerServiceId: pa.serviceId, accountRef: sameRef });
      await bindOk(world, citizens[1]!, { campaignId, providerServiceId: pb.serviceId, accountRef: sameRef });
      const onlyA = uid('ONLYA');
      await bindOk(world, citizens[2]!, { campaignId, providerServiceId: pa.serviceId, accountRef: onlyA });

      const a = await ingestEvents(world.ctx, pa.providerId, [payment('iso-1', sameRef, 4_000, at(1)), payment('iso-2', onlyA, 400, at(1))]);
      const b = await ingestEvents(world.ctx, pb.providerId, [
        payment('iso-1', sameRef, 800, at(1)),
        payment('iso-3', onlyA, 400, at(1)),
        refund('iso-4', sameRef, 100, at(2), 'iso-2'),
      ]);
      assert.deepEqual(a.map((o) => o.status), ['applied', 'applied']);
      assert.deepEqual(grantsOf(b[0]), [{ campaignId, points: 200 }], 'the same event id at another provider is another event');
      assert.equal(codeOf(b[1]), 'account_unknown');
      assert.equal(codeOf(b[2]), 'original_event_unknown');
      assert.deepEqual(await balanceOf(store, citizens[0]!.session.personId, campaignId), { eligibleYen: 4_000, pointsGranted: 1_000 });
      assert.deepEqual(await balanceOf(store, citizens[1]!.session.personId, campaignId), { eligibleYen: 800, pointsGranted: 200 });

      const feedA = await readGrantFeed(world.ctx, pa.providerId, { after: undefined, limit: 100 });
      const feedB = await readGrantFeed(world.ctx, pb.providerId, { after: undefined, limit: 100 });
      assert.ok(feedA.ok && feedB.ok);
      assert.deepEqual(feedA.value.data.map((g) => [g.eventId, g.accountRef, g.points]), [
        ['iso-1', sameRef, 1_000],
        ['iso-2', onlyA, 100],
      ]);
      assert.deepEqual(feedB.value.data.map((g) => [g.eventId, g.accountRef, g.points]), [['iso-1', sameRef, 200]]);
      const idsA = new Set(feedA.value.data.map((g) => g.grantId));
      assert.ok(feedB.value.data.every((g) => !idsA.has(g.grantId)));
      // A cursor is a position, not a capability: B reading "after 0" with A's cursor sees only B's grants.
      const withA = await readGrantFeed(world.ctx, pb.providerId, { after: encodeCursor(0), limit: 100 });
      assert.ok(withA.ok);
      assert.deepEqual(withA.value.data.map((g) => g.grantId), feedB.value.data.map((g) => g.grantId));
      // A duplicate answer never carries the other provider's grants for the same id.
      const dupB = await ingestEvents(world.ctx, pb.providerId, [payment('iso-1', sameRef, 800, at(1))]);
      assert.deepEqual(dupB[0]!.status === 'duplicate' ? dupB[0]!.grants.map((g) => g.points) : 'not a duplicate', [200]);
    });

    await t.test('the offset of occurredAt does not matter to the window: JST and UTC of one instant agree', async () => {
      const s = await scenario();
      const [ref] = s.refs as [string];
      const instant = at(30);
      const out = await s.ingest([{ ...payment('o-1', ref, 400, instant), occurredAt: isoJst(instant) }, { ...payment('o-1', ref, 400, instant) }]);
      assert.deepEqual(out.map((o) => o.status), ['applied', 'duplicate']);
    });
  });
}
