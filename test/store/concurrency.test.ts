// Ensures the ingest invariants hold under real concurrency on PostgreSQL (DESIGN.md §4): the cap is never exceeded,
// not even for a moment; every event is applied exactly once; the same id with two payloads on two accounts is
// applied once and refused once; ledger sums equal balances; no deadlock error escapes; and the grant feed shows
// the same grants through every server process.
// How: (a) eight concurrent ingestEvents calls on one store with eight pooled connections, reporting overlapping,
// shuffled event sets (duplicates across batches, refunds racing their originals, cross-account conflicts) for a
// few people, over several rounds; then a final sequential pass applies what was refused for a missing original.
// (b) two `mykey serve` processes on one fresh database: campaign, provider and key through the operator API,
// citizens logged in and bound with software cards through both processes, concurrent signed event batches at
// both, then the same checks through the store and the grant feed. The answers are checked against the set of
// events, the tables against the answers; "never exceeded" is checked on every prefix of the ledger in feed order.
// SQLite has one writer per process, so these tests are skipped there and say why.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { encodeCursor } from '../../src/app/grant-feed.js';
import { ingestEvents, type EventOutcome, type ProviderEvent } from '../../src/app/ingest-events.js';
import { CitizenAgent, OperatorClient } from '../../src/card/agent.js';
import { createSoftwareCard } from '../../src/card/software-card.js';
import { isReversal } from '../../src/domain/points.js';
import type { SigningKey } from '../../src/http/signed-fetch.js';
import { saveTestCa, testCaPaths } from '../../src/identity/test-ca.js';
import { ProviderClient, startDemoProviderServer, type DemoAccount } from '../../src/provider-sim/demo-provider.js';
import type { Store } from '../../src/store/db.js';
import { enginesUnderTest } from '../helpers/engines.js';
import { accountIdOf, balanceOf, eventsOfAccounts, isoUtc, ledgerMismatches, runningGrantTotals } from '../helpers/ledger.js';
import { freePort } from '../helpers/serve-process.js';
import { addCampaign, addCitizens, addProvider, bindDirect, createWorld, testCa } from '../helpers/world.js';

const capPoints = 5_000;
const entitlement = (eligibleYen: number): number => Math.min(capPoints, Math.floor((eligibleYen * 25) / 100));

/** A small seeded generator, so that a failing workload can be replayed from the seed in the message. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

interface Workload {
  events: ProviderEvent[];
  /** Pairs of refunds of one original that together exceed it: whichever comes first wins, the other never applies. */
  contested: Array<[string, string]>;
}

/**
 * Per account: payments and top-ups (24,000 yen or more: past the cap), refunds and cancels of some of them (at most
 * 1,000 yen each, so everyone ends at the cap), two refunds of one 3,000-yen payment that cannot both apply, and ids
 * reported on two accounts with two payloads.
 */
function workload(input: { prefix: string; refs: readonly string[]; startMs: number; random: () => number }): Workload {
  const { prefix, refs, startMs, random } = input;
  const events: ProviderEvent[] = [];
  const contested: Array<[string, string]> = [];
  refs.forEach((ref, person) => {
    const payments: ProviderEvent[] = [];
    for (let i = 0; i < 12; i += 1) {
      payments.push({ eventId: `${prefix}-p${person}-${i}`, accountRef: ref, kind: i % 3 === 0 ? 'topup' : 'payment', amountYen: 2_000 + Math.floor(random() * 3_000), occurredAt: isoUtc(startMs + i * 1_000) });
    }
    events.push(...payments);
    for (let i = 0; i < 4; i += 1) {
      const original = payments[i * 3 + 1]!;
      events.push({ eventId: `${prefix}-r${person}-${i}`, accountRef: ref, kind: i % 2 === 0 ? 'refund' : 'cancel', amountYen: 1 + Math.floor(random() * 1_000), occurredAt: isoUtc(startMs + 60_000 + i), originalEventId: original.eventId });
    }
    const contestedId = `${prefix}-c${person}`;
    events.push({ eventId: contestedId, accountRef: ref, kind: 'payment', amountYen: 3_000, occurredAt: isoUtc(startMs + 30_000) });
    for (const [suffix, kind] of [['a', 'refund'], ['b', 'cancel']] as const) {
      events.push({ eventId: `${contestedId}-${suffix}`, accountRef: ref, kind, amountYen: 2_000, occurredAt: isoUtc(startMs + 90_000), originalEventId: contestedId });
    }
    contested.push([`${contestedId}-a`, `${contestedId}-b`]);
  });
  // Two ids per pair of neighbouring accounts, around the ring: batches that lock disjoint balances then wait on
  // each other's uncommitted event rows, in either order, which is how a deadlock can arise (and must be retried).
  for (let i = 0; i < 2 * refs.length && refs.length >= 2; i += 1) {
    const eventId = `${prefix}-x${i}`;
    const pair = Math.floor(i / 2);
    events.push({ eventId, accountRef: refs[pair % refs.length]!, kind: 'payment', amountYen: 2_000, occurredAt: isoUtc(startMs + 5_000) });
    events.push({ eventId, accountRef: refs[(pair + 1) % refs.length]!, kind: 'payment', amountYen: 3_000, occurredAt: isoUtc(startMs + 5_000) });
  }
  return { events, contested };
}

/**
 * Random overlapping subsets of the events, each shuffled. Half of the batches cover every account (they queue on
 * each other's balance locks), half only one or two accounts (they run beside each other), and every event lands
 * in at least one batch.
 */
function overlappingBatches(events: readonly ProviderEvent[], count: number, random: () => number): ProviderEvent[][] {
  const refs = [...new Set(events.map((e) => e.accountRef))];
  const batches = Array.from({ length: count }, (_, i) => {
    const chosen = i % 2 === 0 ? new Set(refs) : new Set(shuffle(refs, random).slice(0, 1 + Math.floor(random() * 2)));
    return events.filter((e) => chosen.has(e.accountRef) && random() < 0.6);
  });
  // Make sure every event is reported at least once concurrently.
  events.forEach((event, i) => {
    if (!batches.some((b) => b.includes(event))) batches[i % count]!.push(event);
  });
  return batches.map((b) => shuffle(b, random));
}

/**
 * Three phases of concurrent batches: the cross-account conflicts alone; some earning events, so that in the last
 * phase refunds race each other over originals already stored (as well as their originals and the rest).
 */
function concurrentPhases(events: readonly ProviderEvent[], random: () => number): ProviderEvent[][][] {
  return [
    conflictStorm(events, random),
    overlappingBatches(events.filter((e) => !isReversal(e.kind) && random() < 0.7), 8, random),
    overlappingBatches(events, 8, random),
  ];
}

/**
 * The cross-account conflicts alone: per account, two shuffled batches of the ids it shares with its neighbours.
 * Batches of different accounts lock disjoint balances and run side by side, so they meet on each other's
 * uncommitted event rows: one of them finds the id taken (the raced path), or both wait on each other and
 * PostgreSQL breaks the deadlock, and the loser must be retried, not surfaced.
 */
function conflictStorm(events: readonly ProviderEvent[], random: () => number): ProviderEvent[][] {
  const shared = events.filter((e) => /-x\d+$/.test(e.eventId));
  const refs = [...new Set(shared.map((e) => e.accountRef))];
  return [0, 1].flatMap(() => refs.map((ref) => shuffle(shared.filter((e) => e.accountRef === ref), random)));
}

/** Earning events first, then reversals: a sequential pass in this order leaves nothing refused for a missing original. */
function canonicalOrder(events: readonly ProviderEvent[]): ProviderEvent[] {
  return [...events.filter((e) => !isReversal(e.kind)), ...events.filter((e) => isReversal(e.kind))];
}

const payloadKey = (e: ProviderEvent): string => JSON.stringify([e.accountRef, e.kind, e.amountYen, Date.parse(e.occurredAt), e.originalEventId ?? null]);

/**
 * Checks the answers of every call against the workload: exactly one `applied` per id (one of each contested pair,
 * never both); every other report of the applied payload a duplicate (or a refusal for a missing original before
 * it was applied), every other payload an idempotency_conflict; the loser of a contested pair refused as
 * refund_exceeds_original; duplicates answer the grants of the application. Returns the applied payload per id.
 */
function checkAnswers(sent: ReadonlyArray<{ events: readonly ProviderEvent[]; outcomes: readonly EventOutcome[] }>, work: Workload): Map<string, ProviderEvent> {
  const applied = new Map<string, { event: ProviderEvent; grants: unknown }>();
  for (const { events, outcomes } of sent) {
    assert.equal(outcomes.length, events.length);
    outcomes.forEach((outcome, i) => {
      assert.equal(outcome.eventId, events[i]!.eventId);
      if (outcome.status === 'applied') {
        assert.ok(!applied.has(outcome.eventId), `${outcome.eventId} was applied twice`);
        applied.set(outcome.eventId, { event: events[i]!, grants: outcome.grants });
      }
    });
  }
  const losers = new Set<string>();
  for (const pair of work.contested) {
    const winners = pair.filter((id) => applied.has(id));
    assert.equal(winners.length, 1, `exactly one of ${pair.join(' / ')} is applied`);
    losers.add(pair.find((id) => !applied.has(id))!);
  }
  const expectedIds = new Set(work.events.map((e) => e.eventId).filter((id) => !losers.has(id)));
  assert.deepEqual([...applied.keys()].sort(), [...expectedIds].sort(), 'every id is applied once in the end');
  for (const { events, outcomes } of sent) {
    outcomes.forEach((outcome, i) => {
      if (losers.has(outcome.eventId)) {
        assert.ok(outcome.status === 'rejected' && ['refund_exceeds_original', 'original_event_unknown'].includes(outcome.code), JSON.stringify(outcome));
        return;
      }
      const winner = applied.get(outcome.eventId)!;
      const same = payloadKey(events[i]!) === payloadKey(winner.event);
      if (outcome.status === 'duplicate') {
        assert.ok(same, `${outcome.eventId}: a duplicate answer for another payload`);
        assert.deepEqual(outcome.grants, winner.grants, `${outcome.eventId}: a duplicate answers the original grants`);
      } else if (outcome.status === 'rejected') {
        const allowed = same ? ['original_event_unknown'] : ['idempotency_conflict', 'original_event_unknown'];
        assert.ok(allowed.includes(outcome.code), `${outcome.eventId}: ${outcome.code} (${same ? 'same' : 'other'} payload)`);
      } else {
        assert.ok(same);
      }
    });
  }
  return new Map([...applied].map(([id, { event }]) => [id, event]));
}

/** The store against the applied events: row counts, balances from the model, running totals, ledger sums. */
async function checkStore(store: Store, input: { providerId: string; campaignId: string; persons: ReadonlyArray<{ personId: string; accountRef: string }>; applied: ReadonlyMap<string, ProviderEvent> }): Promise<void> {
  const accountIds = await Promise.all(input.persons.map((p) => accountIdOf(store, input.providerId, p.accountRef)));
  assert.equal(await eventsOfAccounts(store, accountIds), input.applied.size, 'one event row per applied id');
  for (const person of input.persons) {
    const eligibleYen = [...input.applied.values()]
      .filter((e) => e.accountRef === person.accountRef)
      .reduce((sum, e) => sum + (isReversal(e.kind) ? -e.amountYen : e.amountYen), 0);
    assert.deepEqual(await balanceOf(store, person.personId, input.campaignId), { eligibleYen, pointsGranted: entitlement(eligibleYen) });
    const running = await runningGrantTotals(store, person.personId, input.campaignId);
    assert.ok(running.every((total) => total >= 0 && total <= capPoints), `the cap held at every commit: ${running.join(',')}`);
  }
  assert.deepEqual(await ledgerMismatches(store, input.campaignId), []);
  const overReversed = await store.db.selectFrom('events').select('event_id').where('account_id', 'in', accountIds).whereRef('reversed_yen', '>', 'amount_yen').execute();
  assert.deepEqual(overReversed, [], 'no event is reversed beyond its amount');
}

const postgresOnly = (engine: { engine: string; skip: string | false }): string | false =>
  engine.engine === 'postgres' ? engine.skip : 'PostgreSQL only: the embedded engine has one writer per process, so there is no concurrency to test';

for (const engine of await enginesUnderTest()) {
  test(`eight concurrent ingest calls on one store (${engine.engine})`, { skip: postgresOnly(engine) }, async () => {
    const opened = await engine.open({ poolSize: 8, deadlockTimeoutMs: 50 });
    try {
      const { store } = opened;
      const world = await createWorld(store);
      const citizens = await addCitizens(world, 4);
      const provider = await addProvider(world);
      for (let round = 0; round < 4; round += 1) {
        const seed = 0x5eed + round;
        const random = prng(seed);
        const campaignId = await addCampaign(world);
        const persons = citizens.map((c, i) => ({ personId: c.session.personId, accountRef: `cc${round}-acct${i}` }));
        for (const person of persons) await bindDirect(world, person.personId, { campaignId, providerId: provider.providerId, providerServiceId: provider.serviceId, accountRef: person.accountRef });
        const work = workload({ prefix: `cc${round}`, refs: persons.map((p) => p.accountRef), startMs: world.clock.nowMs() + 60_000, random });
        const { events } = work;
        const sent: Array<{ events: ProviderEvent[]; outcomes: EventOutcome[] }> = [];
        const phases = concurrentPhases(events, random);
        for (const batches of phases) {
          // allSettled, so that a failing call is reported after the others finished (not as noise after close).
          const settled = await Promise.allSettled(batches.map((batch) => ingestEvents(world.ctx, provider.providerId, batch)));
          const failures = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
          assert.deepEqual(failures, [], `round ${round}: no error escapes concurrent ingest`);
          settled.forEach((s, i) => sent.push({ events: batches[i]!, outcomes: s.status === 'fulfilled' ? s.value : [] }));
        }
        const final = canonicalOrder(events);
        sent.push({ events: final, outcomes: await ingestEvents(world.ctx, provider.providerId, final) });

        const applied = checkAnswers(sent, work);
        await checkStore(store, { providerId: provider.providerId, campaignId, persons, applied }).catch((error: unknown) => {
          throw new Error(`round ${round} (seed ${seed}): ${String(error)}`);
        });
        // Everyone passed the cap in this workload, so the cap, not the arithmetic, decided the end state.
        for (const person of persons) assert.equal((await balanceOf(store, person.personId, campaignId))?.pointsGranted, capPoints);
      }
    } finally {
      await opened.close();
    }
  });

  test(`two server processes on one database (${engine.engine})`, { skip: postgresOnly(engine) }, async (t) => {
    const opened = await engine.open({ poolSize: 4, deadlockTimeoutMs: 50 });
    const dir = mkdtempSync(join(tmpdir(), 'mykey-multi-'));
    const children: ChildProcess[] = [];
    let demoProvider: Awaited<ReturnType<typeof startDemoProviderServer>> | undefined;
    t.after(async () => {
      await Promise.all(children.map(stopChild));
      await demoProvider?.app.close();
      await opened.close();
      rmSync(dir, { recursive: true, force: true });
    });
    assert.ok(opened.databaseUrl !== undefined);

    const ca = await testCa();
    await saveTestCa(join(dir, 'ca'), ca);
    const origin = 'https://mykey.test';
    const operatorToken = randomBytes(24).toString('hex');
    const env = {
      ...process.env,
      DATABASE_URL: opened.databaseUrl,
      MYKEY_SECRET: randomBytes(32).toString('base64'),
      MYKEY_OPERATOR_TOKEN: operatorToken,
      MYKEY_TRUST_ANCHORS: testCaPaths(join(dir, 'ca')).certificatePath,
      MYKEY_DEMO: 'false',
      MYKEY_MODE: 'development',
      LOG_LEVEL: 'silent',
      MYKEY_ORIGIN: origin,
      MYKEY_RATE_LIMIT_PER_MINUTE: '1000000',
      MYKEY_DB_POOL_SIZE: '4',
    };
    const ports = [await freePort(), await freePort()];
    const bases = await Promise.all(
      ports.map(async (port, i) => {
        const child = spawn(process.execPath, [fileURLToPath(new URL('../../src/cli/main.js', import.meta.url)), 'serve', '--port', String(port)], {
          env: { ...env, MYKEY_DATA_DIR: join(dir, `data${i}`) },
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        children.push(child);
        await listening(child);
        const base = `http://127.0.0.1:${port}`;
        const health = await fetch(`${base}/healthz`);
        assert.equal(health.status, 200);
        return base;
      }),
    );
    const [base1, base2] = bases as [string, string];

    // The provider's verification endpoint, with accounts for four citizens.
    const accounts: DemoAccount[] = Array.from({ length: 4 }, (_, i) => ({ accountRef: `MP-${i}`, securityCode: `code-${i}` }));
    let providerKey: SigningKey | undefined;
    demoProvider = await startDemoProviderServer({ accounts, key: () => providerKey });

    const operator = new OperatorClient(base1, operatorToken);
    const campaignId = 'multi-process';
    assert.equal((await operator.post('/v1/operator/campaigns', { preset: 'mynapoint-2020-now', id: campaignId })).status, 201);
    const provider = { id: 'mp-pay', serviceId: 'mp-pay-wallet' };
    assert.equal(
      (await operator.post('/v1/operator/providers', { id: provider.id, name: 'MP Pay', verifyUrl: demoProvider.verifyUrl, services: [{ id: provider.serviceId, name: 'MP wallet' }] })).status,
      201,
    );
    const issued = await new OperatorClient(base2, operatorToken).post(`/v1/operator/providers/${provider.id}/keys`, {});
    assert.equal(issued.status, 201);
    providerKey = { keyId: issued.body.keyId, secret: Buffer.from(issued.body.secret, 'base64') };

    // Citizens log in and bind through either process (the session and challenge live in the shared database).
    const persons: Array<{ accountRef: string; agent: CitizenAgent }> = [];
    for (const [i, account] of accounts.entries()) {
      const card = await createSoftwareCard(ca, { nowMs: Date.now() - 86_400_000, validityDays: 3_650 });
      const agent = new CitizenAgent(bases[i % 2]!, origin, card);
      const login = await agent.login();
      assert.equal(login.status, 200, JSON.stringify(login.body));
      const bound = await agent.bind({ campaignId, providerServiceId: provider.serviceId, accountRef: account.accountRef, securityCode: account.securityCode });
      assert.equal(bound.status, 201, JSON.stringify(bound.body));
      persons.push({ accountRef: account.accountRef, agent });
    }
    // A second binding of a bound account through the other process is refused by the shared rules.
    const intruder = new CitizenAgent(base2, origin, await createSoftwareCard(ca, { nowMs: Date.now() - 86_400_000, validityDays: 3_650 }));
    assert.equal((await intruder.login()).status, 200);
    const refused = await intruder.bind({ campaignId, providerServiceId: provider.serviceId, accountRef: accounts[0]!.accountRef, securityCode: accounts[0]!.securityCode });
    assert.equal(refused.body?.code, 'account_already_bound');

    // Events after every binding, fired concurrently at both processes with overlapping ids.
    const random = prng(0xbeef);
    const work = workload({ prefix: 'mp', refs: accounts.map((a) => a.accountRef), startMs: Date.now() + 1_000, random });
    const { events } = work;
    const clients = [new ProviderClient(base1, providerKey), new ProviderClient(base2, providerKey)];
    const sent: Array<{ events: ProviderEvent[]; outcomes: EventOutcome[] }> = [];
    const phases = concurrentPhases(events, random);
    for (const batches of phases) {
      const answers = await Promise.all(batches.map((batch, i) => clients[i % 2]!.reportEvents(batch)));
      answers.forEach((answer, i) => {
        assert.equal(answer.status, 200, JSON.stringify(answer.body));
        sent.push({ events: batches[i]!, outcomes: (answer.body as { results: EventOutcome[] }).results });
      });
    }
    const final = canonicalOrder(events);
    const finalAnswer = await clients[1]!.reportEvents(final);
    assert.equal(finalAnswer.status, 200);
    sent.push({ events: final, outcomes: (finalAnswer.body as { results: EventOutcome[] }).results });
    const applied = checkAnswers(sent, work);

    // The store: the person behind each account is found through the binding.
    const { store } = opened;
    const personOf = async (accountRef: string): Promise<string> => {
      const row = await store.db
        .selectFrom('bindings')
        .innerJoin('accounts', 'accounts.id', 'bindings.account_id')
        .select('bindings.person_id')
        .where('accounts.account_ref', '=', accountRef)
        .where('bindings.campaign_id', '=', campaignId)
        .executeTakeFirstOrThrow();
      return row.person_id;
    };
    const storePersons = await Promise.all(accounts.map(async (a) => ({ personId: await personOf(a.accountRef), accountRef: a.accountRef })));
    await checkStore(store, { providerId: provider.id, campaignId, persons: storePersons, applied });

    // The grant feed, read through both processes, is the ledger; its sums per account are the balances.
    const feed1 = await clients[0]!.readGrants();
    const feed2 = await clients[1]!.readGrants();
    assert.deepEqual(feed1.grants, feed2.grants);
    const ledger = await store.db.selectFrom('ledger_entries').select(['id', 'points']).where('provider_id', '=', provider.id).orderBy('provider_seq').execute();
    assert.deepEqual(feed1.grants.map((g) => g.grantId), ledger.map((l) => l.id));
    for (const person of persons) {
      const fromFeed = feed1.grants.filter((g) => g.accountRef === person.accountRef).reduce((sum, g) => sum + g.points, 0);
      const me = await person.agent.me();
      assert.equal(me.status, 200);
      assert.equal(me.body.bindings[0].points, fromFeed);
      assert.equal(fromFeed, capPoints);
    }
    // Acknowledged through one process, seen acknowledged through the other.
    const acked = await clients[0]!.acknowledge(feed1.grants.map((g) => g.grantId));
    assert.deepEqual(acked.body, { acknowledged: feed1.grants.length, alreadyAcknowledged: 0 });
    // From the explicit start position: the same unsigned-nonce GET twice within a second would be a replay.
    const reread = await clients[1]!.readGrants(encodeCursor(0));
    assert.ok(reread.grants.length === feed1.grants.length && reread.grants.every((g) => g.acknowledged));
  });
}

/** Resolves when the child prints its listening line; rejects with its stderr if it exits first or takes too long. */
async function listening(child: ChildProcess): Promise<void> {
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    const guard = setTimeout(() => reject(new Error(`mykey serve did not start within 30 s: ${stderr}`)), 30_000);
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      stderr += chunk;
      if (stderr.includes('listening on')) {
        clearTimeout(guard);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(guard);
      reject(new Error(`mykey serve exited with ${code}: ${stderr}`));
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const guard = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(guard);
}
