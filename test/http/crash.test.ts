// Ensures the invariant "an event acknowledged to the provider (HTTP 2xx) survives a kill -9 of the server"
// (DESIGN.md §4), on the embedded engine and on PostgreSQL, and that a batch is all or nothing across the crash.
// How: the real `mykey serve` runs as a child process with the demo on (its data dir holds the operator token, the
// test CA and the demo provider's key); a citizen logs in with a software card of that CA and binds DEMO-0001; the
// demo provider posts several signed batches at once and the server is killed with SIGKILL the moment the first
// 200 arrives. After a restart on the same data, the grant feed holds every grant of every acknowledged batch,
// re-sending an acknowledged batch answers `duplicate` with the same grants for each event, re-sending one that was
// cut off answers all `applied` or all `duplicate`, and the citizen's points equal the sum of the feed.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CitizenAgent } from '../../src/card/agent.js';
import { createSoftwareCard } from '../../src/card/software-card.js';
import { signedFetch, type SigningKey } from '../../src/http/signed-fetch.js';
import { loadTestCa } from '../../src/identity/test-ca.js';
import { ProviderClient, type FeedGrant, type ReportedEvent } from '../../src/provider-sim/demo-provider.js';
import { enginesUnderTest, type OpenedStore } from '../helpers/engines.js';
import { freePort, startServeProcess, type ServeProcess } from '../helpers/serve-process.js';

interface Outcome {
  eventId: string;
  status: 'applied' | 'duplicate' | 'rejected';
  grants?: Array<{ grantId: string; campaignId: string; points: number }>;
  code?: string;
}

const batchCount = 6;
const eventsPerBatch = 20;
const paymentYen = 100;
const campaignId = 'mynapoint-demo';

/** The whole grant feed, read in pages of `limit`. */
async function readFeed(baseUrl: string, key: SigningKey, limit: number): Promise<FeedGrant[]> {
  const grants: FeedGrant[] = [];
  let after: string | undefined;
  for (;;) {
    const query = after === undefined ? `?limit=${limit}` : `?limit=${limit}&after=${encodeURIComponent(after)}`;
    const page = await signedFetch({ url: `${baseUrl}/v1/provider/grants${query}`, method: 'GET', key });
    assert.equal(page.status, 200, JSON.stringify(page.body));
    const body = page.body as { data: FeedGrant[]; hasMore: boolean; nextCursor: string };
    grants.push(...body.data);
    if (!body.hasMore) return grants;
    after = body.nextCursor;
  }
}

function resultsOf(body: unknown): Outcome[] {
  return (body as { results: Outcome[] }).results;
}

for (const engine of await enginesUnderTest()) {
  describe(`an acknowledged event survives kill -9 (${engine.engine})`, { skip: engine.skip, timeout: 120_000 }, () => {
    let dataDir: string | undefined;
    let opened: OpenedStore | undefined;
    let server: ServeProcess | undefined;

    after(async () => {
      await server?.stop();
      if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
      await opened?.close();
    });

    it('keeps every grant of every acknowledged batch, and applies each batch whole or not at all', async (t) => {
      dataDir = await mkdtemp(join(tmpdir(), 'mykey-crash-'));
      let databaseUrl: string | undefined;
      if (engine.engine === 'postgres') {
        // A fresh database; the server migrates it (again: migrations are idempotent) and uses it as its store.
        opened = await engine.open();
        databaseUrl = opened.databaseUrl;
      }
      const port = await freePort();
      const start = () => startServeProcess({ dataDir: dataDir!, port, ...(databaseUrl === undefined ? {} : { databaseUrl }) });
      server = await start();

      const stored = JSON.parse(await readFile(join(dataDir, 'demo-provider-key.json'), 'utf8')) as { keyId: string; secret: string };
      const key: SigningKey = { keyId: stored.keyId, secret: Buffer.from(stored.secret, 'base64') };
      const ca = await loadTestCa(join(dataDir, 'test-ca'));
      const card = await createSoftwareCard(ca, { nowMs: Date.now() - 60_000 });
      const agent = new CitizenAgent(server.baseUrl, server.origin, card);
      const login = await agent.login();
      assert.equal(login.status, 200, JSON.stringify(login.body));
      const bound = await agent.bind({ campaignId, providerServiceId: 'demo-pay-wallet', accountRef: 'DEMO-0001', securityCode: '1234' });
      assert.equal(bound.status, 201, JSON.stringify(bound.body));

      // Payments after the binding (it counts events from the moment it was made).
      const occurredAt = new Date(Date.now() + 1_000).toISOString();
      const batches: ReportedEvent[][] = Array.from({ length: batchCount }, (_, b) =>
        Array.from({ length: eventsPerBatch }, (_, e) => ({ eventId: `crash-${b}-${e}`, accountRef: 'DEMO-0001', kind: 'payment' as const, amountYen: paymentYen, occurredAt })),
      );
      const provider = new ProviderClient(server.baseUrl, key);
      const acknowledged = new Map<number, Outcome[]>();
      let killed: Promise<void> | undefined;
      const running = server;
      await Promise.allSettled(
        batches.map(async (batch, b) => {
          const answer = await provider.reportEvents(batch);
          if (answer.status !== 200) return;
          acknowledged.set(b, resultsOf(answer.body));
          killed ??= running.kill9();
        }),
      );
      await killed;
      assert.ok(acknowledged.size >= 1, 'at least one batch was acknowledged before the kill');
      t.diagnostic(`${acknowledged.size} of ${batchCount} batches acknowledged before the kill`);
      assert.equal(running.child.signalCode, 'SIGKILL');

      server = await start();
      const { grants } = await provider.readGrants();
      const feedIds = new Set(grants.map((g) => g.grantId));
      for (const [b, results] of acknowledged) {
        assert.deepEqual(
          results.map((r) => [r.eventId, r.status]),
          batches[b]!.map((e) => [e.eventId, 'applied']),
        );
        for (const result of results) {
          assert.equal(result.grants?.length, 1, `${result.eventId} made one grant`);
          for (const grant of result.grants!) assert.ok(feedIds.has(grant.grantId), `grant of acknowledged ${result.eventId} survived`);
        }
        const again = await provider.reportEvents(batches[b]!);
        assert.equal(again.status, 200);
        assert.deepEqual(
          resultsOf(again.body).map((r) => [r.eventId, r.status, r.grants]),
          results.map((r) => [r.eventId, 'duplicate', r.grants]),
        );
      }

      // A batch cut off by the kill was committed whole or not at all.
      let committedUnacknowledged = 0;
      for (const [b, batch] of batches.entries()) {
        if (acknowledged.has(b)) continue;
        const resent = await provider.reportEvents(batch);
        assert.equal(resent.status, 200);
        const statuses = new Set(resultsOf(resent.body).map((r) => r.status));
        assert.equal(statuses.size, 1, `batch ${b} was half applied: ${[...statuses].join(', ')}`);
        assert.ok(statuses.has('applied') || statuses.has('duplicate'));
        if (statuses.has('duplicate')) committedUnacknowledged += 1;
      }
      t.diagnostic(`${committedUnacknowledged} batches were committed but not acknowledged before the kill`);

      // Every event is applied once now: the balance is the sum of the feed. (Read with another page size than
      // ProviderClient's: the same request signed again within the same second is refused as a replay.)
      const feed = (await readFeed(server.baseUrl, key, 500)).filter((g) => g.campaignId === campaignId && g.accountRef === 'DEMO-0001');
      const citizen = new CitizenAgent(server.baseUrl, server.origin, card);
      assert.equal((await citizen.login()).status, 200);
      const me = await citizen.me();
      assert.equal(me.status, 200);
      const binding = (me.body as { bindings: Array<{ campaignId: string; eligibleYen: number; points: number }> }).bindings.find((x) => x.campaignId === campaignId);
      assert.equal(binding?.eligibleYen, batchCount * eventsPerBatch * paymentYen);
      assert.equal(binding?.points, feed.reduce((sum, g) => sum + g.points, 0));
      assert.equal(feed.length, batchCount * eventsPerBatch);
    });
  });
}
