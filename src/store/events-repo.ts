/**
 * Provider events and the append-only grant ledger. An event row exists only for an applied event; its primary
 * key (provider, event id) makes a second application impossible, even from two server processes at once.
 */
import type { Tx } from './db.js';
import { statementChunks } from './statement-chunks.js';

export interface EventRow {
  eventId: string;
  payloadSha256: string;
  kind: string;
  accountId: string;
  amountYen: number;
  occurredAtMs: number;
  originalEventId: string | null;
  merchantRegion: string | null;
  reversedYen: number;
}

export async function findEvents(tx: Tx, providerId: string, eventIds: readonly string[]): Promise<Map<string, EventRow>> {
  if (eventIds.length === 0) return new Map();
  const rows = await tx.db
    .selectFrom('events')
    .select([
      'event_id as eventId',
      'payload_sha256 as payloadSha256',
      'kind',
      'account_id as accountId',
      'amount_yen as amountYen',
      'occurred_at_ms as occurredAtMs',
      'original_event_id as originalEventId',
      'merchant_region as merchantRegion',
      'reversed_yen as reversedYen',
    ])
    .where('provider_id', '=', providerId)
    .where('event_id', 'in', eventIds)
    .execute();
  return new Map(rows.map((row) => [row.eventId, row]));
}

/**
 * Inserts the events, a thousand a statement, and answers the ids it inserted: an id missing from the answer was
 * applied first by a concurrent transaction (PostgreSQL waits for it to commit before it says so).
 */
export async function insertEvents(tx: Tx, providerId: string, events: readonly EventRow[], nowMs: number): Promise<Set<string>> {
  const inserted = new Set<string>();
  for (const chunk of statementChunks(events)) {
    const rows = await tx.db
      .insertInto('events')
      .values(
        chunk.map((event) => ({
          provider_id: providerId,
          event_id: event.eventId,
          payload_sha256: event.payloadSha256,
          kind: event.kind,
          account_id: event.accountId,
          amount_yen: event.amountYen,
          occurred_at_ms: event.occurredAtMs,
          original_event_id: event.originalEventId,
          merchant_region: event.merchantRegion,
          reversed_yen: 0,
          applied_at_ms: nowMs,
        })),
      )
      .onConflict((oc) => oc.columns(['provider_id', 'event_id']).doNothing())
      .returning('event_id')
      .execute();
    for (const row of rows) inserted.add(row.event_id);
  }
  return inserted;
}

export async function setReversedYen(tx: Tx, providerId: string, eventId: string, reversedYen: number): Promise<void> {
  await tx.db
    .updateTable('events')
    .set({ reversed_yen: reversedYen })
    .where('provider_id', '=', providerId)
    .where('event_id', '=', eventId)
    .execute();
}

/** What a ledger entry comes from: a provider event, a fixed award (an attestation), or an operator correction. */
export const ledgerSources = ['event', 'award', 'correction'] as const;
export type LedgerSource = (typeof ledgerSources)[number];

export interface LedgerEntry {
  id: string;
  source: LedgerSource;
  /** The provider event id, `registry/attestation` for an award, the binding id for a correction. */
  campaignId: string;
  personId: string;
  accountId: string;
  eventId: string;
  points: number;
  eligibleDeltaYen: number;
}

/**
 * Appends grants to the ledger at the next positions of the provider's feed. The feed-head row is locked until
 * commit, so positions become visible in order and a reader's cursor never skips a grant committed later.
 * Callers take this lock last, after every balance lock.
 */
export async function appendLedgerEntries(tx: Tx, providerId: string, entries: readonly LedgerEntry[], nowMs: number): Promise<void> {
  if (entries.length === 0) return;
  const head = await tx.db
    .updateTable('provider_feed_heads')
    .set((eb) => ({ last_seq: eb('last_seq', '+', entries.length) }))
    .where('provider_id', '=', providerId)
    .returning('last_seq')
    .executeTakeFirstOrThrow();
  const firstSeq = head.last_seq - entries.length + 1;
  const numbered = entries.map((entry, index) => ({ entry, seq: firstSeq + index }));
  for (const chunk of statementChunks(numbered)) {
    await tx.db
      .insertInto('ledger_entries')
      .values(
        chunk.map(({ entry, seq }) => ({
          id: entry.id,
          provider_id: providerId,
          provider_seq: seq,
          campaign_id: entry.campaignId,
          person_id: entry.personId,
          account_id: entry.accountId,
          event_id: entry.eventId,
          source: entry.source,
          points: entry.points,
          eligible_delta_yen: entry.eligibleDeltaYen,
          created_at_ms: nowMs,
        })),
      )
      .execute();
  }
}

export interface GrantSummary {
  grantId: string;
  eventId: string;
  campaignId: string;
  points: number;
}

export async function listGrantsOfEvents(tx: Tx, providerId: string, eventIds: readonly string[]): Promise<GrantSummary[]> {
  if (eventIds.length === 0) return [];
  return tx.db
    .selectFrom('ledger_entries')
    .select(['id as grantId', 'event_id as eventId', 'campaign_id as campaignId', 'points'])
    .where('provider_id', '=', providerId)
    .where('source', '=', 'event')
    .where('event_id', 'in', eventIds)
    .orderBy('provider_seq')
    .execute();
}

export interface FeedGrant {
  grantId: string;
  seq: number;
  accountRef: string;
  campaignId: string;
  source: LedgerSource;
  /** The provider's own event id, for grants of source `event` only. */
  eventId?: string;
  points: number;
  createdAtMs: number;
  acknowledged: boolean;
}

/** One page of the provider's grant feed after a position: only its own grants, never a person or Mykey ID. */
export async function listFeedGrants(tx: Tx, providerId: string, afterSeq: number, limit: number): Promise<FeedGrant[]> {
  const rows = await tx.db
    .selectFrom('ledger_entries as l')
    .innerJoin('accounts as a', 'a.id', 'l.account_id')
    .leftJoin('grant_acks as k', 'k.ledger_entry_id', 'l.id')
    .select([
      'l.id as grantId',
      'l.provider_seq as seq',
      'a.account_ref as accountRef',
      'l.campaign_id as campaignId',
      'l.source',
      'l.event_id as eventId',
      'l.points',
      'l.created_at_ms as createdAtMs',
      'k.acked_at_ms as ackedAtMs',
    ])
    .where('l.provider_id', '=', providerId)
    .where('l.provider_seq', '>', afterSeq)
    .orderBy('l.provider_seq')
    .limit(limit)
    .execute();
  // Only a provider's own event ids are shown: an award names a registry's attestation, a correction a binding.
  return rows.map(({ ackedAtMs, eventId, source, ...row }) => ({
    ...row,
    source: source as LedgerSource,
    ...(source === 'event' ? { eventId } : {}),
    acknowledged: ackedAtMs !== null,
  }));
}

/** Which of these grant ids belong to the provider. */
export async function findOwnGrantIds(tx: Tx, providerId: string, grantIds: readonly string[]): Promise<Set<string>> {
  if (grantIds.length === 0) return new Set();
  const rows = await tx.db
    .selectFrom('ledger_entries')
    .select('id')
    .where('provider_id', '=', providerId)
    .where('id', 'in', grantIds)
    .execute();
  return new Set(rows.map((row) => row.id));
}

/** Records acknowledgements; returns how many were new (a repeated ack is a no-op). */
export async function insertGrantAcks(tx: Tx, providerId: string, grantIds: readonly string[], nowMs: number): Promise<number> {
  if (grantIds.length === 0) return 0;
  const result = await tx.db
    .insertInto('grant_acks')
    .values(grantIds.map((id) => ({ ledger_entry_id: id, provider_id: providerId, acked_at_ms: nowMs })))
    .onConflict((oc) => oc.column('ledger_entry_id').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n);
}

/** Records the campaigns an applied earning event was counted in. */
export async function insertEventCampaigns(tx: Tx, providerId: string, rows: ReadonlyArray<{ eventId: string; campaignId: string }>): Promise<void> {
  for (const chunk of statementChunks(rows)) {
    await tx.db
      .insertInto('event_campaigns')
      .values(chunk.map((row) => ({ provider_id: providerId, event_id: row.eventId, campaign_id: row.campaignId })))
      .execute();
  }
}

/** The campaigns each of these events was counted in (events counted nowhere are absent). */
export async function findEventCampaigns(tx: Tx, providerId: string, eventIds: readonly string[]): Promise<Map<string, Set<string>>> {
  if (eventIds.length === 0) return new Map();
  const rows = await tx.db
    .selectFrom('event_campaigns')
    .select(['event_id as eventId', 'campaign_id as campaignId'])
    .where('provider_id', '=', providerId)
    .where('event_id', 'in', eventIds)
    .execute();
  const byEvent = new Map<string, Set<string>>();
  for (const row of rows) byEvent.set(row.eventId, (byEvent.get(row.eventId) ?? new Set()).add(row.campaignId));
  return byEvent;
}

/** A ledger entry as the citizen it belongs to sees it: when, how many points (negative: a clawback), and why. */
export interface PersonLedgerEntry {
  entryId: string;
  source: LedgerSource;
  points: number;
  eligibleDeltaYen: number;
  createdAtMs: number;
}

/**
 * A person's ledger in one campaign, newest first, before a position (`createdAtMs`, then `entryId`, descending):
 * a page of `limit` entries. Never the provider's event ids or account ids: a citizen sees only points and times.
 */
export async function listLedgerOfPerson(
  tx: Tx,
  input: { personId: string; campaignId: string; before?: { createdAtMs: number; entryId: string }; limit: number },
): Promise<PersonLedgerEntry[]> {
  let query = tx.db
    .selectFrom('ledger_entries')
    .select(['id as entryId', 'source', 'points', 'eligible_delta_yen as eligibleDeltaYen', 'created_at_ms as createdAtMs'])
    .where('person_id', '=', input.personId)
    .where('campaign_id', '=', input.campaignId);
  const before = input.before;
  if (before !== undefined) {
    query = query.where((eb) => eb.or([eb('created_at_ms', '<', before.createdAtMs), eb.and([eb('created_at_ms', '=', before.createdAtMs), eb('id', '<', before.entryId)])]));
  }
  const rows = await query.orderBy('created_at_ms', 'desc').orderBy('id', 'desc').limit(input.limit).execute();
  return rows.map((row) => ({ ...row, source: row.source as LedgerSource }));
}
