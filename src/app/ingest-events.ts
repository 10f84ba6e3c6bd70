/**
 * Event ingest (DESIGN.md §2.4–2.5): a provider's batch of payments, top-ups, refunds and cancels, applied in one
 * transaction. Prefetch → lock → decide → write: the rows each event needs are read first, the balances it can
 * change are locked in one global order (so concurrent batches never deadlock), the pure core decides, and the
 * results are written. Each event is applied exactly once: its id is the primary key of the events table, and a
 * repeat with the same payload returns the original result.
 */
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { validateCampaign, type Campaign, type EarningEventKind } from '../domain/campaign.js';
import type { ErrorCode } from '../domain/errors.js';
import { looksLikeMyNumber } from '../domain/my-number.js';
import { applyEffect, decideEvent, isReversal, type BindingStanding, type EventFacts, type EventKind } from '../domain/points.js';
import { fail, ok, type Result } from '../domain/result.js';
import { listBindingsOfAccounts, lockBalances, updateBalance, type BalanceRow, type BindingRow } from '../store/bindings-repo.js';
import { findCampaign } from '../store/campaigns-repo.js';
import type { Tx } from '../store/db.js';
import { appendLedgerEntries, findEvents, insertEvent, listGrantsOfEvents, setReversedYen, type EventRow, type GrantSummary, type LedgerEntry } from '../store/events-repo.js';
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
  | 'my_number_forbidden'
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
  if (looksLikeMyNumber(event.accountRef)) return fail('my_number_forbidden', 'accountRef looks like a My Number', 'accountRef');
  if (isReversal(event.kind) && event.originalEventId === undefined) {
    return fail('original_event_required', `a ${event.kind} must name originalEventId`, 'originalEventId');
  }
  if (!isReversal(event.kind) && event.originalEventId !== undefined) {
    return fail('original_event_not_allowed', `a ${event.kind} must not name originalEventId`, 'originalEventId');
  }
  return ok({ input: event, occurredAtMs, payloadSha256: payloadSha256(event, occurredAtMs) });
}

/** Everything the batch reads before it decides. */
interface Prefetched {
  stored: Map<string, EventRow>;
  accountIdByRef: Map<string, string>;
  bindingsByAccount: Map<string, BindingRow[]>;
  campaigns: Map<string, Campaign>;
}

/** Reads accounts, bindings and campaigns; the stored events are read later, once the balances are locked. */
async function prefetch(tx: Tx, providerId: string, events: readonly ParsedEvent[]): Promise<Omit<Prefetched, 'stored'>> {
  const refs = [...new Set(events.map((e) => e.input.accountRef))];
  const accounts =
    refs.length === 0
      ? []
      : await tx.db
          .selectFrom('accounts')
          .select(['id', 'account_ref'])
          .where('provider_id', '=', providerId)
          .where('account_ref', 'in', refs)
          .execute();
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

/**
 * The stored events the batch repeats or reverses. Read under the balance locks: any other batch touching these
 * events needs the same locks, so what is read here (refunded amounts included) stays true until commit.
 */
async function findStoredEvents(tx: Tx, providerId: string, events: readonly ParsedEvent[]): Promise<Map<string, EventRow>> {
  const eventIds = events.flatMap((e) => [e.input.eventId, ...(e.input.originalEventId === undefined ? [] : [e.input.originalEventId])]);
  return findEvents(tx, providerId, [...new Set(eventIds)]);
}

function balanceKey(personId: string, campaignId: string): string {
  return `${personId}\u0000${campaignId}`;
}

/** The mutable state of one batch: balances after the events decided so far, and what to write. */
interface BatchState {
  balances: Map<string, BalanceRow>;
  dirtyBalanceKeys: Set<string>;
  ledger: LedgerEntry[];
  /** Events applied in this batch, so that a refund later in the same batch finds its original. */
  applied: Map<string, EventRow>;
  reversedYen: Map<string, number>;
}

async function lockBatchBalances(tx: Tx, fetched: Omit<Prefetched, 'stored'>): Promise<Map<string, BalanceRow>> {
  const keys = [...fetched.bindingsByAccount.values()]
    .flat()
    .map((b) => ({ personId: b.personId, campaignId: b.campaignId }))
    .sort((a, b) => (a.personId === b.personId ? a.campaignId.localeCompare(b.campaignId) : a.personId.localeCompare(b.personId)));
  const rows = await lockBalances(tx, keys);
  return new Map(rows.map((row) => [balanceKey(row.personId, row.campaignId), row]));
}

function findOriginal(state: BatchState, fetched: Prefetched, eventId: string): EventRow | undefined {
  return state.applied.get(eventId) ?? fetched.stored.get(eventId);
}

function eventFacts(event: ParsedEvent, original: EventRow | undefined): EventFacts {
  const { kind, amountYen } = event.input;
  if (kind === 'refund' || kind === 'cancel') {
    assert.ok(original !== undefined);
    return { kind, amountYen, occurredAtMs: event.occurredAtMs, original: { kind: original.kind as EarningEventKind, occurredAtMs: original.occurredAtMs } };
  }
  return { kind, amountYen, occurredAtMs: event.occurredAtMs };
}

/** The reversal rules: the original exists, is an earning event of the same account, and is not over-refunded. */
function checkReversal(state: BatchState, fetched: Prefetched, event: ParsedEvent, accountId: string): Result<EventRow | undefined, EventRejectionCode> {
  const originalId = event.input.originalEventId;
  if (originalId === undefined) return ok(undefined);
  const original = findOriginal(state, fetched, originalId);
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

function standingsOf(state: BatchState, fetched: Prefetched, accountId: string): BindingStanding[] {
  return (fetched.bindingsByAccount.get(accountId) ?? []).map((binding) => {
    const balance = state.balances.get(balanceKey(binding.personId, binding.campaignId));
    assert.ok(balance !== undefined, 'every binding has a balance');
    const campaign = fetched.campaigns.get(binding.campaignId);
    assert.ok(campaign !== undefined);
    return { bindingId: binding.bindingId, campaign, boundAtMs: binding.createdAtMs, eligibleYen: balance.eligibleYen, pointsGranted: balance.pointsGranted };
  });
}

type Decision = { kind: 'rejected'; failure: Result<never, EventRejectionCode> & { ok: false } } | { kind: 'applied'; grants: GrantSummary[] } | { kind: 'raced' };

/** Decides one new event against the batch state and records what to write. */
async function applyOne(tx: Tx, providerId: string, state: BatchState, fetched: Prefetched, event: ParsedEvent, nowMs: number): Promise<Decision> {
  const accountId = fetched.accountIdByRef.get(event.input.accountRef);
  const bindings = accountId === undefined ? [] : fetched.bindingsByAccount.get(accountId) ?? [];
  if (accountId === undefined || bindings.length === 0) {
    return { kind: 'rejected', failure: fail('account_unknown', 'no binding carries this account reference', 'accountRef') };
  }
  const original = checkReversal(state, fetched, event, accountId);
  if (!original.ok) return { kind: 'rejected', failure: original };
  const standings = standingsOf(state, fetched, accountId);
  const effects = decideEvent(eventFacts(event, original.value), standings);
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
  // The balances are locked, so only a batch that committed before our locks can hold this id: a duplicate.
  if (!(await insertEvent(tx, providerId, row, nowMs))) return { kind: 'raced' };
  state.applied.set(row.eventId, row);
  if (original.value !== undefined) {
    const reversedYen = (state.reversedYen.get(original.value.eventId) ?? original.value.reversedYen) + row.amountYen;
    state.reversedYen.set(original.value.eventId, reversedYen);
  }
  const grants: GrantSummary[] = [];
  for (const effect of effects.value) {
    const standing = standings.find((s) => s.bindingId === effect.bindingId);
    const binding = bindings.find((b) => b.bindingId === effect.bindingId);
    assert.ok(standing !== undefined && binding !== undefined);
    const next = applyEffect(standing, effect);
    const key = balanceKey(binding.personId, binding.campaignId);
    state.balances.set(key, { personId: binding.personId, campaignId: binding.campaignId, eligibleYen: next.eligibleYen, pointsGranted: next.pointsGranted });
    state.dirtyBalanceKeys.add(key);
    if (effect.points === 0) continue;
    const entry = { id: randomUUID(), campaignId: effect.campaignId, personId: binding.personId, accountId, eventId: row.eventId, points: effect.points, eligibleDeltaYen: effect.eligibleDeltaYen };
    state.ledger.push(entry);
    grants.push({ grantId: entry.id, eventId: row.eventId, campaignId: entry.campaignId, points: entry.points });
  }
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

/** The answer for an event already stored: the original result if the payload matches, else a conflict. */
function repeatOutcome(event: ParsedEvent, stored: EventRow, grants: readonly GrantSummary[]): EventOutcome {
  if (stored.payloadSha256 !== event.payloadSha256) {
    return { eventId: event.input.eventId, status: 'rejected', code: 'idempotency_conflict', message: 'this event id was applied with another payload' };
  }
  return { eventId: event.input.eventId, status: 'duplicate', grants: withoutEventId(grants.filter((g) => g.eventId === stored.eventId)) };
}

/**
 * Applies a batch of provider events and answers per event, in input order: `applied` with the grants it made,
 * `duplicate` with the original grants, or `rejected` with a code (nothing is written for a rejected event).
 */
export async function ingestEvents(ctx: AppContext, providerId: string, events: readonly ProviderEvent[]): Promise<EventOutcome[]> {
  const parsed = events.map(parseEvent);
  const valid = parsed.flatMap((p) => (p.ok ? [p.value] : []));
  return ctx.store.transaction(async (tx) => {
    const nowMs = ctx.clock.nowMs();
    const bound = await prefetch(tx, providerId, valid);
    const balances = await lockBatchBalances(tx, bound);
    const fetched: Prefetched = { ...bound, stored: await findStoredEvents(tx, providerId, valid) };
    const state: BatchState = { balances, dirtyBalanceKeys: new Set(), ledger: [], applied: new Map(), reversedYen: new Map() };
    const decisions = new Map<string, Decision>();
    const repeats: ParsedEvent[] = [];
    for (const event of valid) {
      const { eventId } = event.input;
      if (fetched.stored.has(eventId) || state.applied.has(eventId) || decisions.has(eventId)) {
        repeats.push(event);
        continue;
      }
      const decision = await applyOne(tx, providerId, state, fetched, event, nowMs);
      decisions.set(eventId, decision);
      if (decision.kind === 'raced') repeats.push(event);
    }
    await writeBatch(tx, providerId, state, nowMs);
    const repeatIds = repeats.map((e) => e.input.eventId);
    const storedNow = await findEvents(tx, providerId, repeatIds);
    const storedGrants = await listGrantsOfEvents(tx, providerId, repeatIds.filter((id) => !state.applied.has(id)));
    const seen = new Set<string>();
    return parsed.map((p, index): EventOutcome => {
      const eventId = events[index]!.eventId;
      if (!p.ok) return { eventId, status: 'rejected', code: p.code, message: p.message };
      const first = !seen.has(eventId);
      seen.add(eventId);
      const decision = decisions.get(eventId);
      if (first && decision?.kind === 'applied') return { eventId, status: 'applied', grants: withoutEventId(decision.grants) };
      if (decision?.kind === 'rejected') return { eventId, status: 'rejected', code: decision.failure.code, message: decision.failure.message };
      const stored = state.applied.get(eventId) ?? storedNow.get(eventId);
      assert.ok(stored !== undefined, 'a repeated event is stored');
      const grants = decision?.kind === 'applied' ? decision.grants : storedGrants;
      return repeatOutcome(p.value, stored, grants);
    });
  });
}
