// Ensures a campaign budget is never overspent under concurrent load on PostgreSQL (DESIGN.md §4): eight ingest
// calls at once, each reporting payments of many people of a campaign whose budget is far below what they earn;
// the ledger, read in commit order, never passes the budget at any prefix; the total is exactly the budget, with
// one partial grant; every balance equals its ledger entries; and the campaign then refuses new applications.
// SQLite has one writer per process, so the test is skipped there and says why.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ingestEvents, type ProviderEvent } from '../../src/app/ingest-events.js';
import { enginesUnderTest } from '../helpers/engines.js';
import { isoUtc, ledgerMismatches } from '../helpers/ledger.js';
import { addCampaign, addCitizens, addProvider, bind, bindDirect, createWorld } from '../helpers/world.js';

const budgetPoints = 10_500;

for (const engine of await enginesUnderTest()) {
  const skip = engine.engine === 'postgres' ? engine.skip : 'PostgreSQL only: the embedded engine has one writer per process, so there is no concurrency to test';
  test(`a budget under eight concurrent ingest calls (${engine.engine})`, { skip }, async () => {
    const opened = await engine.open({ poolSize: 8, deadlockTimeoutMs: 50 });
    try {
      const { store } = opened;
      const world = await createWorld(store);
      const citizens = await addCitizens(world, 12);
      const provider = await addProvider(world);
      const campaignId = await addCampaign(world, { caps: { perPersonPoints: 5_000, budgetPoints } });
      for (const [i, citizen] of citizens.entries()) {
        await bindDirect(world, citizen.session.personId, { campaignId, providerId: provider.providerId, providerServiceId: provider.serviceId, accountRef: `budget-${i}` });
      }
      // Each call: one 4,000-yen payment (1,000 points) per person, 8 × 12 × 1,000 = 96,000 points of demand.
      const startMs = world.clock.nowMs() + 60_000;
      const batches: ProviderEvent[][] = Array.from({ length: 8 }, (_, call) =>
        citizens.map((_, i) => ({ eventId: `b${call}-${i}`, accountRef: `budget-${(i + call) % citizens.length}`, kind: 'payment' as const, amountYen: 4_000, occurredAt: isoUtc(startMs + call * 1_000 + i) })),
      );
      const settled = await Promise.allSettled(batches.map((batch) => ingestEvents(world.ctx, provider.providerId, batch)));
      assert.deepEqual(settled.flatMap((s) => (s.status === 'rejected' ? [String(s.reason)] : [])), [], 'no error escapes concurrent ingest');

      const entries = await store.db.selectFrom('ledger_entries').select('points').where('campaign_id', '=', campaignId).orderBy('provider_seq').execute();
      let running = 0;
      for (const entry of entries) {
        running += Number(entry.points);
        assert.ok(running <= budgetPoints, `the ledger passes the budget at ${running}`);
      }
      assert.equal(running, budgetPoints, 'the whole budget is granted');
      assert.deepEqual(entries.map((e) => Number(e.points)).filter((p) => p !== 1_000), [500], 'one partial grant, the last');
      const budget = await store.db.selectFrom('campaign_budgets').selectAll().where('campaign_id', '=', campaignId).executeTakeFirstOrThrow();
      assert.equal(Number(budget.points_granted), budgetPoints);
      assert.notEqual(budget.exhausted_at_ms, null);
      assert.deepEqual(await ledgerMismatches(store, campaignId), []);
      const [late] = await addCitizens(world, 13).then((all) => all.slice(12));
      const refused = await bind(world, late!, { campaignId, providerServiceId: provider.serviceId, accountRef: 'budget-late' });
      assert.ok(!refused.ok && refused.code === 'campaign_budget_exhausted');
    } finally {
      await opened.close();
    }
  });
}
