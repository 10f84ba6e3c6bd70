/**
 * Event ingest (DESIGN.md §2.4–2.5): a provider's batch of payments, top-ups, refunds and cancels, applied in one
 * transaction. Prefetch → lock → decide → write: the rows each event needs are read first, the balances it can
 * change are locked in one global order (so concurrent batches never deadlock), the pure core decides, and the
 * results are written. Each event is applied exactly once: its id is the primary key of the events table, and a
 * repeat with the same payload returns the original result.
 */
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { validateCampaign, type Campaign } from '../domain/campaign.js';
import type { ErrorCode } from '../domain/errors.js';
import { looksLikeMyNumber } from '../domain/my-number.js';
import { applyEffect, decideEvent, isReversal, type BindingEffect, type BindingStanding, type EventFacts, type EventKind } from '../domain/points.js';
import { fail, ok, type Failure, type Result } from '../domain/result.js';
import { listBindingsOfAccounts, lockBalances, updateBalance, type BalanceRow, type BindingRow } from '../store/bindings-repo.js';
import { findCampaign } from '../store/campaigns-repo.js';
import type { Tx } from '../store/db.js';
import {
  appendLedgerEntries,
  findEventCampaigns,
  findEvents,
  insertEvent,
  insertEventCampaigns,
  listGrantsOfEvents,
  setReversedYen,
  type EventRow,
  type GrantSummary,
  type LedgerEntry,
} from '../store/events-repo.js';
import type { AppContext } from './context.js';

/** An event as the provider reports it (already checked against the route schema). */
export interface ProviderEvent {
  eventId: string;
  accountRef: string;
  kind: EventKind;
  amountYen: number;
  occurredAt: string;
  originalEventId?: string;
}

export type EventRejectionCode = Extract<
  ErrorCode,
  | 'invalid_request'
  | 'national_id_number_refused'
  | 'idempotency_conflict'
  | 'original_event_required'
  | 'original_event_not_allowed'
  | 'account_unknown'
  | 'original_event_unknown'
  | 'original_event_mismatch'
  | 'refund_exceeds_original'
  | 'event_kind_not_eligible'
  | 'outside_earning_window'
>;

export type EventOutcome =
  | { eventId: string; status: 'applied' | 'duplicate'; grants: Array<Omit<GrantSummary, 'eventId'>> }
  | { eventId: string; status: 'rejected'; code: EventRejectionCode; message: string };

interface ParsedEvent {
  input: ProviderEvent;
  occurredAtMs: number;
  payloadSha256: string;
}

/** The payload hash compares events by meaning: the same instant written with another offset is the same event. */
function payloadSha256(event: ProviderEvent, occurredAtMs: number): string {
  const canonical = JSON.stringify([event.accountRef, event.kind, event.amountYen, occurredAtMs, event.originalEventId ?? null]);
  return createHash('sha256').update(canonical).digest('hex');
}

/** Checks that need no store: shape rules the schema cannot express. */
function parseEvent(event: ProviderEvent): Result<ParsedEvent, EventRejectionCode> {
  const occurredAtMs = Date.parse(event.occurredAt);
  if (!Number.isFinite(occurredAtMs)) return fail('invalid_request', 'occurredAt is not a valid instant', 'occurredAt');
  if (looksLikeMyNumber(event.accountRef)) return fail('national_id_number_refused', 'accountRef looks like a My Number', 'accountRef');
  if (isReversal(event.kind) && event.originalEventId === undefined) {
    return fail('original_event_required', `a ${event.kind} must name originalEventId`, 'originalEventId');
  }
  if (!isReversal(event.kind) && event.originalEventId !== undefined) {
    return fail('original_event_not_allowed', `a ${event.kind} must not name originalEventId`, 'originalEventId');
  }
  return ok({ input: event, occurredAtMs, payloadSha256: payloadSha256(event, occurredAtMs) });
}

/** The accounts, bindings and campaigns of the batch: read before the locks (they only decide which to take). */
interface Bound {
  accountIdByRef: Map<string, string>;
  bindingsByAccount: Map<string, BindingRow[]>;
  campaigns: Map<string, Campaign>;
}

async function prefetchBound(tx: Tx, providerId: string, events: readonly ParsedEvent[]): Promise<Bound> {
  const refs = [...new Set(events.map((e) => e.input.accountRef))];
  const accounts =
    refs.length === 0
      ? []
      : await tx.db.selectFrom('accounts').select(['id', 'account_ref']).where('provider_id', '=', providerId).where('account_ref', 'in', refs).execute();
  const accountIdByRef = new Map(accounts.map((a) => [a.account_ref, a.id]));
  const bindings = await listBindingsOfAccounts(tx, [...accountIdByRef.values()]);
  const bindingsByAccount = new Map<string, BindingRow[]>();
  for (const binding of bindings) bindingsByAccount.set(binding.accountId, [...(bindingsByAccount.get(binding.accountId) ?? []), binding]);
  const campaigns = new Map<string, Campaign>();
  for (const campaignId of new Set(bindings.map((b) => b.campaignId))) {
    const row = await findCampaign(tx, campaignId);
    assert.ok(row !== undefined, 'a binding names an existing campaign');
    const campaign = validateCampaign(row.definition, row.version);
    assert.ok(campaign.ok, 'stored campaigns validate');
    campaigns.set(campaignId, campaign.value);
  }
  return { accountIdByRef, bindingsByAccount, campaigns };
}

function balanceKey(personId: string, campaignId: string): string {
  return `${personId}\u0000${campaignId}`;
}

/** Plain code-unit order: the same in every process whatever its locale, which the lock order needs. */
function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function lockBatchBalances(tx: Tx, bound: Bound): Promise<Map<string, BalanceRow>> {
  const keys = [...bound.bindingsByAccount.values()]
    .flat()
    .map((b) => ({ personId: b.personId, campaignId: b.campaignId }))
    .sort((a, b) => compareKeys(balanceKey(a.personId, a.campaignId), balanceKey(b.personId, b.campaignId)));
  const rows = await lockBalances(tx, keys);
  return new Map(rows.map((row) => [balanceKey(row.personId, row.campaignId), row]));
}

/** The mutable state of one batch: what is stored, what this batch applied so far, and what to write. */
interface BatchState {
  bound: Bound;
  balances: Map<string, BalanceRow>;
  dirtyBalanceKeys: Set<string>;
  ledger: LedgerEntry[];
  /** Events stored before this batch that it repeats or reverses, and the campaigns they were counted in. */
  stored: Map<string, EventRow>;
  countedIn: Map<string, Set<string>>;
  /** Events applied by this batch, with their grants, so repeats and refunds later in the batch find them. */
  applied: Map<string, { row: EventRow; grants: GrantSummary[] }>;
  reversedYen: Map<string, number>;
}

/**
 * Reads the stored events the batch repeats or reverses, and where they were counted. Read under the balance
 * locks: any other batch touching these events needs the same locks, so what is read here stays true until commit.
 */
async function readStored(tx: Tx, providerId: string, events: readonly ParsedEvent[]): Promise<Pick<BatchState, 'stored' | 'countedIn'>> {
  const ids = [...new Set(events.flatMap((e) => [e.input.eventId, ...(e.input.originalEventId === undefined ? [] : [e.input.originalEventId])]))];
  const stored = await findEvents(tx, providerId, ids);
  return { stored, countedIn: await findEventCampaigns(tx, providerId, [...stored.keys()]) };
}

function findOriginal(state: BatchState, eventId: string): EventRow | undefined {
  return state.applied.get(eventId)?.row ?? state.stored.get(eventId);
}

/** The reversal rules: the original exists, is an earning event of the same account, and is not over-refunded. */
function checkReversal(state: BatchState, event: ParsedEvent, accountId: string): Result<EventRow | undefined, EventRejectionCode> {
  const originalId = event.input.originalEventId;
  if (originalId === undefined) return ok(undefined);
  const original = findOriginal(state, originalId);
  if (original === undefined) return fail('original_event_unknown', 'the original event was never applied', 'originalEventId');
  if (original.accountId !== accountId || isReversal(original.kind as EventKind)) {
    return fail('original_event_mismatch', 'the original event belongs to another account or is itself a reversal', 'originalEventId');
  }
  const reversedYen = state.reversedYen.get(originalId) ?? original.reversedYen;
  if (reversedYen + event.input.amountYen > original.amountYen) {
    return fail('refund_exceeds_original', `only ${original.amountYen - reversedYen} yen of the original remain`, 'amountYen');
  }
  return ok(original);
}

function standingsOf(state: BatchState, accountId: string): BindingStanding[] {
  return (state.bound.bindingsByAccount.get(accountId) ?? []).map((binding) => {
    const balance = state.balances.get(balanceKey(binding.personId, binding.campaignId));
    assert.ok(balance !== undefined, 'every binding has a balance');
    const campaign = state.bound.campaigns.get(binding.campaignId);
    assert.ok(campaign !== undefined);
    return { bindingId: binding.bindingId, campaign, boundAtMs: binding.createdAtMs, eligibleYen: balance.eligibleYen, pointsGranted: balance.pointsGranted };
  });
}

function eventFacts(state: BatchState, event: ParsedEvent, original: EventRow | undefined): EventFacts {
  const { kind, amountYen } = event.input;
  if (kind === 'refund' || kind === 'cancel') {
    assert.ok(original !== undefined);
    const originalCountedIn = state.countedIn.get(original.eventId) ?? new Set<string>();
    return { kind, amountYen, occurredAtMs: event.occurredAtMs, originalCountedIn };
  }
  return { kind, amountYen, occurredAtMs: event.occurredAtMs };
}

type Decision = { kind: 'rejected'; failure: Failure<EventRejectionCode> } | { kind: 'applied'; grants: GrantSummary[] } | { kind: 'repeat' };

/** Applies the effects to the batch's balances and returns the grants (ledger entries for non-zero points). */
function recordEffects(state: BatchState, row: EventRow, standings: readonly BindingStanding[], effects: readonly BindingEffect[]): GrantSummary[] {
  const bindings = state.bound.bindingsByAccount.get(row.accountId) ?? [];
  const grants: GrantSummary[] = [];
  for (const effect of effects) {
    const standing = standings.find((s) => s.bindingId === effect.bindingId);
    const binding = bindings.find((b) => b.bindingId === effect.bindingId);
    assert.ok(standing !== undefined && binding !== undefined);
    const next = applyEffect(standing, effect);
    const key = balanceKey(binding.personId, binding.campaignId);
    state.balances.set(key, { personId: binding.personId, campaignId: binding.campaignId, eligibleYen: next.eligibleYen, pointsGranted: next.pointsGranted });
    state.dirtyBalanceKeys.add(key);
    if (effect.points === 0) continue;
    const entry = { id: randomUUID(), campaignId: effect.campaignId, personId: binding.personId, accountId: row.accountId, eventId: row.eventId, points: effect.points, eligibleDeltaYen: effect.eligibleDeltaYen };
    state.ledger.push(entry);
    grants.push({ grantId: entry.id, eventId: row.eventId, campaignId: entry.campaignId, points: entry.points });
  }
  return grants;
}

/** Decides one event that is new to the store and to this batch, and records what to write. */
async function applyOne(tx: Tx, providerId: string, state: BatchState, event: ParsedEvent, nowMs: number): Promise<Decision> {
  const accountId = state.bound.accountIdByRef.get(event.input.accountRef);
  if (accountId === undefined || (state.bound.bindingsByAccount.get(accountId) ?? []).length === 0) {
    return { kind: 'rejected', failure: fail('account_unknown', 'no binding carries this account reference', 'accountRef') };
  }
  const original = checkReversal(state, event, accountId);
  if (!original.ok) return { kind: 'rejected', failure: original };
  const standings = standingsOf(state, accountId);
  const effects = decideEvent(eventFacts(state, event, original.value), standings);
  if (!effects.ok) return { kind: 'rejected', failure: effects };

  const row: EventRow = {
    eventId: event.input.eventId,
    payloadSha256: event.payloadSha256,
    kind: event.input.kind,
    accountId,
    amountYen: event.input.amountYen,
    occurredAtMs: event.occurredAtMs,
    originalEventId: event.input.originalEventId ?? null,
    reversedYen: 0,
  };
  // The balances are locked, so only a batch that committed before our locks can hold this id: a repeat.
  if (!(await insertEvent(tx, providerId, row, nowMs))) return { kind: 'repeat' };
  if (original.value === undefined) {
    const campaignIds = effects.value.map((e) => e.campaignId);
    await insertEventCampaigns(tx, providerId, row.eventId, campaignIds);
    state.countedIn.set(row.eventId, new Set(campaignIds));
  } else {
    const reversedYen = (state.reversedYen.get(original.value.eventId) ?? original.value.reversedYen) + row.amountYen;
    state.reversedYen.set(original.value.eventId, reversedYen);
  }
  const grants = recordEffects(state, row, standings, effects.value);
  state.applied.set(row.eventId, { row, grants });
  return { kind: 'applied', grants };
}

async function writeBatch(tx: Tx, providerId: string, state: BatchState, nowMs: number): Promise<void> {
  for (const [eventId, reversedYen] of state.reversedYen) await setReversedYen(tx, providerId, eventId, reversedYen);
  for (const key of state.dirtyBalanceKeys) {
    const balance = state.balances.get(key);
    assert.ok(balance !== undefined);
    await updateBalance(tx, balance, nowMs);
  }
  // Last, because it takes the provider's feed-head lock (see appendLedgerEntries).
  await appendLedgerEntries(tx, providerId, state.ledger, nowMs);
}

function withoutEventId(grants: readonly GrantSummary[]): Array<Omit<GrantSummary, 'eventId'>> {
  return grants.map(({ eventId: _eventId, ...grant }) => grant);
}

/** The answer for an event applied before: the original result if the payload matches, else a conflict. */
function repeatOutcome(event: ParsedEvent, stored: EventRow, grants: readonly GrantSummary[]): EventOutcome {
  if (stored.payloadSha256 !== event.payloadSha256) {
    return { eventId: event.input.eventId, status: 'rejected', code: 'idempotency_conflict', message: 'this event id was applied with another payload' };
  }
  return { eventId: event.input.eventId, status: 'duplicate', grants: withoutEventId(grants) };
}

/**
 * Applies a batch of provider events and answers per event, in input order: `applied` with the grants it made,
 * `duplicate` with the original grants, or `rejected` with a code (nothing is written for a rejected event, so
 * a later occurrence of the same id, in this batch or another, is decided afresh).
 */
export async function ingestEvents(ctx: AppContext, providerId: string, events: readonly ProviderEvent[]): Promise<EventOutcome[]> {
  const parsed = events.map(parseEvent);
  const valid = parsed.flatMap((p) => (p.ok ? [p.value] : []));
  return ctx.store.transaction(async (tx) => {
    const nowMs = ctx.clock.nowMs();
    const bound = await prefetchBound(tx, providerId, valid);
    const balances = await lockBatchBalances(tx, bound);
    const state: BatchState = { bound, balances, dirtyBalanceKeys: new Set(), ledger: [], applied: new Map(), reversedYen: new Map(), ...(await readStored(tx, providerId, valid)) };
    const decisions: Array<Decision | undefined> = [];
    for (const [index, p] of parsed.entries()) {
      if (!p.ok) continue;
      const { eventId } = p.value.input;
      const repeat = state.stored.has(eventId) || state.applied.has(eventId);
      decisions[index] = repeat ? { kind: 'repeat' } : await applyOne(tx, providerId, state, p.value, nowMs);
    }
    await writeBatch(tx, providerId, state, nowMs);
    // Repeats of events stored before this batch (or by a batch that committed while we waited for our locks).
    const repeatIds = [...new Set(parsed.flatMap((p, i) => (p.ok && decisions[i]?.kind === 'repeat' && !state.applied.has(p.value.input.eventId) ? [p.value.input.eventId] : [])))];
    const storedNow = await findEvents(tx, providerId, repeatIds);
    const storedGrants = await listGrantsOfEvents(tx, providerId, repeatIds);
    return parsed.map((p, index): EventOutcome => {
      const eventId = events[index]!.eventId;
      if (!p.ok) return { eventId, status: 'rejected', code: p.code, message: p.message };
      const decision = decisions[index];
      assert.ok(decision !== undefined);
      if (decision.kind === 'applied') return { eventId, status: 'applied', grants: withoutEventId(decision.grants) };
      if (decision.kind === 'rejected') return { eventId, status: 'rejected', code: decision.failure.code, message: decision.failure.message };
      const inBatch = state.applied.get(eventId);
      if (inBatch !== undefined) return repeatOutcome(p.value, inBatch.row, inBatch.grants);
      const stored = storedNow.get(eventId);
      assert.ok(stored !== undefined, 'a repeated event is stored');
      return repeatOutcome(p.value, stored, storedGrants.filter((g) => g.eventId === eventId));
    });
  });
}
