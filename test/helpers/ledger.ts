/**
 * Read-only probes of the store for invariant tests: row counts, ledger sums against balances, the grant history
 * of one balance in commit order. They read the tables directly (no repository code), so that a test checks the
 * repositories and use cases against the data rather than against themselves.
 */
import { sql } from 'kysely';
import type { Store } from '../../src/store/db.js';
import type { ProviderEvent } from '../../src/app/ingest-events.js';

export interface RowCounts {
  events: number;
  ledgerEntries: number;
  balances: number;
  accounts: number;
  grantAcks: number;
}

async function countOf(store: Store, table: 'events' | 'ledger_entries' | 'balances' | 'accounts' | 'grant_acks'): Promise<number> {
  const row = await store.db.selectFrom(table).select(({ fn }) => fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function rowCounts(store: Store): Promise<RowCounts> {
  return {
    events: await countOf(store, 'events'),
    ledgerEntries: await countOf(store, 'ledger_entries'),
    balances: await countOf(store, 'balances'),
    accounts: await countOf(store, 'accounts'),
    grantAcks: await countOf(store, 'grant_acks'),
  };
}

export interface BalanceFacts {
  personId: string;
  campaignId: string;
  eligibleYen: number;
  pointsGranted: number;
  /** Sum of the ledger entries of this person and campaign. */
  ledgerPoints: number;
  /** Sum of eligible_delta_yen of those entries (0-point events write no entry, so this may trail eligibleYen). */
  ledgerEntries: number;
}

/** Every balance with the sum of its ledger entries; also ledger sums that have no balance (personId '?'). */
export async function balancesWithLedger(store: Store, campaignId?: string): Promise<BalanceFacts[]> {
  let balances = store.db
    .selectFrom('balances')
    .select(['person_id as personId', 'campaign_id as campaignId', 'eligible_yen as eligibleYen', 'points_granted as pointsGranted']);
  if (campaignId !== undefined) balances = balances.where('campaign_id', '=', campaignId);
  let sums = store.db
    .selectFrom('ledger_entries')
    .select(({ fn }) => ['person_id as personId', 'campaign_id as campaignId', fn.sum<number>('points').as('points'), fn.countAll<number>().as('entries')])
    .groupBy(['person_id', 'campaign_id']);
  if (campaignId !== undefined) sums = sums.where('campaign_id', '=', campaignId);
  const sumByKey = new Map((await sums.execute()).map((s) => [`${s.personId}|${s.campaignId}`, { points: Number(s.points), entries: Number(s.entries) }]));
  const facts = (await balances.execute()).map((b) => {
    const key = `${b.personId}|${b.campaignId}`;
    const sum = sumByKey.get(key);
    sumByKey.delete(key);
    return { ...b, eligibleYen: Number(b.eligibleYen), pointsGranted: Number(b.pointsGranted), ledgerPoints: sum?.points ?? 0, ledgerEntries: sum?.entries ?? 0 };
  });
  for (const [key, sum] of sumByKey) {
    const [personId, campaign] = key.split('|');
    facts.push({ personId: `?${personId}`, campaignId: campaign!, eligibleYen: 0, pointsGranted: 0, ledgerPoints: sum.points, ledgerEntries: sum.entries });
  }
  return facts;
}

/** The balances whose points differ from the sum of their ledger entries (empty when the invariant holds). */
export async function ledgerMismatches(store: Store, campaignId?: string): Promise<BalanceFacts[]> {
  return (await balancesWithLedger(store, campaignId)).filter((b) => b.pointsGranted !== b.ledgerPoints);
}

export async function balanceOf(store: Store, personId: string, campaignId: string): Promise<{ eligibleYen: number; pointsGranted: number } | undefined> {
  const row = await store.db
    .selectFrom('balances')
    .select(['eligible_yen as eligibleYen', 'points_granted as pointsGranted'])
    .where('person_id', '=', personId)
    .where('campaign_id', '=', campaignId)
    .executeTakeFirst();
  return row === undefined ? undefined : { eligibleYen: Number(row.eligibleYen), pointsGranted: Number(row.pointsGranted) };
}

/**
 * The running total of one balance's grants in feed order (commit order under the feed-head lock): every prefix is
 * what the person held at some commit, so the cap must hold for each of them, not only for the final sum.
 */
export async function runningGrantTotals(store: Store, personId: string, campaignId: string): Promise<number[]> {
  const rows = await store.db
    .selectFrom('ledger_entries')
    .select(['points', 'provider_id as providerId', 'provider_seq as seq'])
    .where('person_id', '=', personId)
    .where('campaign_id', '=', campaignId)
    .orderBy('provider_id')
    .orderBy('provider_seq')
    .execute();
  let total = 0;
  return rows.map((row) => (total += Number(row.points)));
}

/** How many events are stored for these account ids (a run's own accounts inside a shared store). */
export async function eventsOfAccounts(store: Store, accountIds: readonly string[]): Promise<number> {
  if (accountIds.length === 0) return 0;
  const row = await store.db
    .selectFrom('events')
    .select(({ fn }) => fn.countAll<number>().as('n'))
    .where('account_id', 'in', accountIds)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function accountIdOf(store: Store, providerId: string, accountRef: string): Promise<string> {
  const row = await store.db
    .selectFrom('accounts')
    .select('id')
    .where('provider_id', '=', providerId)
    .where('account_ref', '=', accountRef)
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Runs raw SQL for tests that must tamper with rows behind the repositories' back. */
export async function execRaw(store: Store, statement: ReturnType<typeof sql>): Promise<void> {
  await statement.execute(store.db);
}

/** The instant `ms` written with a +09:00 offset (JST), the way a Japanese provider might send it. */
export function isoJst(ms: number): string {
  return new Date(ms + 9 * 3_600_000).toISOString().replace('Z', '+09:00');
}

export function isoUtc(ms: number): string {
  return new Date(ms).toISOString();
}

/** Event builders: short to write, with the fields a provider sends. */
export function payment(eventId: string, accountRef: string, amountYen: number, occurredAtMs: number): ProviderEvent {
  return { eventId, accountRef, kind: 'payment', amountYen, occurredAt: isoUtc(occurredAtMs) };
}

export function topup(eventId: string, accountRef: string, amountYen: number, occurredAtMs: number): ProviderEvent {
  return { eventId, accountRef, kind: 'topup', amountYen, occurredAt: isoUtc(occurredAtMs) };
}

export function refund(eventId: string, accountRef: string, amountYen: number, occurredAtMs: number, originalEventId: string): ProviderEvent {
  return { eventId, accountRef, kind: 'refund', amountYen, occurredAt: isoUtc(occurredAtMs), originalEventId };
}
