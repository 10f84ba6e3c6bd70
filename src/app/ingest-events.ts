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
import { bucketStartMsOf } from '../domain/dashboard.js';
import { canonicalPayload, checkEventShape, type EventRejectionCode, type ProviderEvent } from '../domain/provider-event.js';
import {
  assertWithinCaps,
  decideEvent,
  isReversal,
  periodKeyFor,
  type BindingEffect,
  type BindingStanding,
  type CapReason,
  type EventFacts,
  type EventKind,
  type PeriodTally,
} from '../domain/points.js';
import { fail, ok, type Failure, type Result } from '../domain/result.js';
import { listBindingsOfAccounts, lockBalances, readPeriodBalances, updateBalances, upsertPeriodBalances, type BalanceRow, type BindingRow } from '../store/bindings-repo.js';
import { findCampaign, lockBudgets, type BudgetRow } from '../store/campaigns-repo.js';
import { TransactionConflict, type Tx } from '../store/db.js';
import { addEventRejections } from '../store/event-rejections-repo.js';
import {
  appendLedgerEntries,
  findEventCampaigns,
  findEvents,
  insertEventCampaigns,
  insertEvents,
  listGrantsOfEvents,
  setReversedYen,
  type EventRow,
  type GrantSummary,
  type LedgerEntry,
} from '../store/events-repo.js';
import { budgetLeftOf, chargeBudget, writeBudgets } from './budgets.js';
import type { AppContext } from './context.js';

export type { ProviderEvent };

export type { EventRejectionCode };

/** Campaigns where a cap or the budget made an applied event's grant smaller than the event alone would earn. */
export type CappedBy = Array<{ campaignId: string; reasons: CapReason[] }>;

export type EventOutcome =
  | { eventId: string; status: 'applied'; grants: Array<Omit<GrantSummary, 'eventId'>>; cappedBy?: CappedBy }
  | { eventId: string; status: 'duplicate'; grants: Array<Omit<GrantSummary, 'eventId'>> }
  | { eventId: string; status: 'rejected'; code: EventRejectionCode; message: string };

interface ParsedEvent {
  input: ProviderEvent;
  occurredAtMs: number;
  payloadSha256: string;
}


/** Checks that need no store: shape rules the schema cannot express. */
function parseEvent(event: ProviderEvent): Result<ParsedEvent, EventRejectionCode> {
  const occurredAtMs = checkEventShape(event);
  if (!occurredAtMs.ok) return occurredAtMs;
  const payloadSha256 = createHash('sha256').update(canonicalPayload(event, occurredAtMs.value)).digest('hex');
  return ok({ input: event, occurredAtMs: occurredAtMs.value, payloadSha256 });
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
  /** Period balances of campaigns with a period cap, by periodKey(); absent = zero. */
  periods: Map<string, PeriodTally>;
  dirtyPeriodKeys: Set<string>;
  budgetsBefore: ReadonlyMap<string, BudgetRow>;
  budgets: Map<string, BudgetRow>;
  ledger: LedgerEntry[];
  /** The events this batch applies, and the campaigns each earning one counted in: written at the end. */
  newEvents: EventRow[];
  newEventCampaigns: Array<{ eventId: string; campaignId: string }>;
  /** Events stored before this batch that it repeats or reverses, and the campaigns they were counted in. */
  stored: Map<string, EventRow>;
  countedIn: Map<string, Set<string>>;
  /** Events applied by this batch, with their grants, so repeats and refunds later in the batch find them. */
  applied: Map<string, { row: EventRow; grants: GrantSummary[] }>;
  reversedYen: Map<string, number>;
}

function periodKey(personId: string, campaignId: string, key: string): string {
  return `${balanceKey(personId, campaignId)}\u0000${key}`;
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

/**
 * Reads the period balances the batch can touch: for each event and each period-capped campaign of its account,
 * the period of the event (or of its original, for a reversal). Read under the balance locks.
 */
async function readPeriods(tx: Tx, bound: Bound, stored: ReadonlyMap<string, EventRow>, events: readonly ParsedEvent[]): Promise<Map<string, PeriodTally>> {
  const occurredAtMsById = new Map(events.map((e) => [e.input.eventId, e.occurredAtMs]));
  const wanted = new Map<string, { personId: string; campaignId: string; key: string }>();
  for (const event of events) {
    const originalId = event.input.originalEventId;
    const atMs = originalId === undefined ? event.occurredAtMs : (stored.get(originalId)?.occurredAtMs ?? occurredAtMsById.get(originalId));
    const accountId = bound.accountIdByRef.get(event.input.accountRef);
    if (atMs === undefined || accountId === undefined) continue;
    for (const binding of bound.bindingsByAccount.get(accountId) ?? []) {
      const campaign = bound.campaigns.get(binding.campaignId)!;
      if (campaign.caps.perPeriod === undefined) continue;
      const key = periodKeyFor(campaign, atMs);
      wanted.set(periodKey(binding.personId, campaign.id, key), { personId: binding.personId, campaignId: campaign.id, key });
    }
  }
  const rows = await readPeriodBalances(tx, [...wanted.values()]);
  return new Map(rows.map((row) => [periodKey(row.personId, row.campaignId, row.key), { key: row.key, units: row.units, points: row.points }]));
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
  if (reversedYenOf(state, original) + event.input.amountYen > original.amountYen) {
    return fail('refund_exceeds_original', `only ${original.amountYen - reversedYenOf(state, original)} yen of the original remain`, 'amountYen');
  }
  return ok(original);
}

function reversedYenOf(state: BatchState, original: EventRow): number {
  return state.reversedYen.get(original.eventId) ?? original.reversedYen;
}

/** The standings of the account's spend-back bindings, each in the period an event at `atMs` counts in. */
function standingsOf(state: BatchState, accountId: string, atMs: number): BindingStanding[] {
  return (state.bound.bindingsByAccount.get(accountId) ?? []).flatMap((binding) => {
    const campaign = state.bound.campaigns.get(binding.campaignId);
    assert.ok(campaign !== undefined);
    if (campaign.kind !== 'spend_back') return [];
    const balance = state.balances.get(balanceKey(binding.personId, binding.campaignId));
    assert.ok(balance !== undefined, 'every binding has a balance');
    const { personId: _p, campaignId: _c, ...tally } = balance;
    const key = periodKeyFor(campaign, atMs);
    const period = key === '' ? { key, units: tally.units, points: tally.earnedPoints } : (state.periods.get(periodKey(binding.personId, campaign.id, key)) ?? { key, units: 0, points: 0 });
    return [{ bindingId: binding.bindingId, campaign, boundAtMs: binding.createdAtMs, tally, period, budgetLeftPoints: budgetLeftOf(campaign, state.budgets) }];
  });
}

function eventFacts(state: BatchState, event: ParsedEvent, original: EventRow | undefined): EventFacts {
  const { kind, amountYen, merchantRegion } = event.input;
  if (kind === 'refund' || kind === 'cancel') {
    assert.ok(original !== undefined);
    const originalCountedIn = state.countedIn.get(original.eventId) ?? new Set<string>();
    return { kind, amountYen, occurredAtMs: event.occurredAtMs, originalNetYen: original.amountYen - reversedYenOf(state, original), originalCountedIn };
  }
  return { kind, amountYen, occurredAtMs: event.occurredAtMs, ...(merchantRegion === undefined ? {} : { merchantRegion }) };
}

type Decision =
  | { kind: 'rejected'; failure: Failure<EventRejectionCode> }
  | { kind: 'applied'; grants: GrantSummary[]; cappedBy: CappedBy }
  | { kind: 'repeat' };

/** Applies the effects to the batch's balances, periods and budgets, and returns the grants (ledger entries for non-zero points). */
function recordEffects(state: BatchState, row: EventRow, effects: readonly BindingEffect[], nowMs: number): GrantSummary[] {
  const bindings = state.bound.bindingsByAccount.get(row.accountId) ?? [];
  const grants: GrantSummary[] = [];
  for (const effect of effects) {
    const binding = bindings.find((b) => b.bindingId === effect.bindingId);
    const campaign = state.bound.campaigns.get(effect.campaignId);
    assert.ok(binding !== undefined && campaign !== undefined);
    assertWithinCaps(campaign, effect.tally);
    const key = balanceKey(binding.personId, binding.campaignId);
    state.balances.set(key, { personId: binding.personId, campaignId: binding.campaignId, ...effect.tally });
    state.dirtyBalanceKeys.add(key);
    if (effect.period.key !== '') {
      const pKey = periodKey(binding.personId, binding.campaignId, effect.period.key);
      state.periods.set(pKey, effect.period);
      state.dirtyPeriodKeys.add(pKey);
    }
    chargeBudget(campaign, state.budgets, effect.points, nowMs);
    if (effect.points === 0) continue;
    const entry: LedgerEntry = {
      id: randomUUID(),
      source: 'event',
      campaignId: effect.campaignId,
      personId: binding.personId,
      accountId: row.accountId,
      eventId: row.eventId,
      points: effect.points,
      eligibleDeltaYen: effect.eligibleDeltaYen,
    };
    state.ledger.push(entry);
    grants.push({ grantId: entry.id, eventId: row.eventId, campaignId: entry.campaignId, points: entry.points });
  }
  return grants;
}

/** Decides one event that is new to the store and to this batch, and records what to write. */
function applyOne(state: BatchState, event: ParsedEvent, nowMs: number): Decision {
  const accountId = state.bound.accountIdByRef.get(event.input.accountRef);
  if (accountId === undefined || (state.bound.bindingsByAccount.get(accountId) ?? []).length === 0) {
    return { kind: 'rejected', failure: fail('account_unknown', 'no binding carries this account reference', 'accountRef') };
  }
  const original = checkReversal(state, event, accountId);
  if (!original.ok) return { kind: 'rejected', failure: original };
  const standings = standingsOf(state, accountId, original.value?.occurredAtMs ?? event.occurredAtMs);
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
    merchantRegion: event.input.merchantRegion ?? null,
    reversedYen: 0,
  };
  state.newEvents.push(row);
  if (original.value === undefined) {
    const campaignIds = effects.value.map((e) => e.campaignId);
    state.newEventCampaigns.push(...campaignIds.map((campaignId) => ({ eventId: row.eventId, campaignId })));
    state.countedIn.set(row.eventId, new Set(campaignIds));
  } else {
    state.reversedYen.set(original.value.eventId, reversedYenOf(state, original.value) + row.amountYen);
  }
  const grants = recordEffects(state, row, effects.value, nowMs);
  state.applied.set(row.eventId, { row, grants });
  const cappedBy = effects.value.filter((e) => e.cappedBy.length > 0).map((e) => ({ campaignId: e.campaignId, reasons: e.cappedBy }));
  return { kind: 'applied', grants, cappedBy };
}

/** Writes what the batch decided, a handful of multi-row statements whatever its size. */
async function writeBatch(tx: Tx, providerId: string, state: BatchState, nowMs: number): Promise<void> {
  const inserted = await insertEvents(tx, providerId, state.newEvents, nowMs);
  // Another transaction applied one of the new ids meanwhile: only the same id under another account can be (the
  // same account's balance lock would have made this batch wait, then read it). Decided again, the batch finds it.
  if (inserted.size !== state.newEvents.length) throw new TransactionConflict('an event id of the batch was applied by a concurrent batch');
  await insertEventCampaigns(tx, providerId, state.newEventCampaigns);
  for (const [eventId, reversedYen] of state.reversedYen) await setReversedYen(tx, providerId, eventId, reversedYen);
  await updateBalances(tx, [...state.dirtyBalanceKeys].map((key) => state.balances.get(key)!), nowMs);
  await upsertPeriodBalances(
    tx,
    [...state.dirtyPeriodKeys].map((key) => {
      const [personId, campaignId] = key.split('\u0000') as [string, string];
      return { personId, campaignId, ...state.periods.get(key)! };
    }),
  );
  await writeBudgets(tx, state.budgetsBefore, state.budgets);
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

/** Locks what the batch can change — balances, then budgets — and reads what it needs under those locks. */
async function openBatch(tx: Tx, providerId: string, valid: readonly ParsedEvent[]): Promise<BatchState> {
  const bound = await prefetchBound(tx, providerId, valid);
  const balances = await lockBatchBalances(tx, bound);
  const budgetedIds = [...bound.campaigns.values()].filter((c) => c.kind === 'spend_back' && c.caps.budgetPoints !== undefined).map((c) => c.id);
  const budgets = await lockBudgets(tx, budgetedIds);
  const { stored, countedIn } = await readStored(tx, providerId, valid);
  const periods = await readPeriods(tx, bound, stored, valid);
  return {
    bound,
    balances,
    dirtyBalanceKeys: new Set(),
    periods,
    dirtyPeriodKeys: new Set(),
    budgetsBefore: new Map(budgets),
    budgets,
    ledger: [],
    newEvents: [],
    newEventCampaigns: [],
    stored,
    countedIn,
    applied: new Map(),
    reversedYen: new Map(),
  };
}

export interface IngestOptions {
  /**
   * Whether the rejections are counted for the operator dashboard in this transaction. Event files count their
   * rejected lines themselves, in the transaction that records the lines, so that a line read again after an
   * interruption is not counted twice.
   */
  countRejections: boolean;
}

/**
 * Applies a batch of provider events and answers per event, in input order: `applied` with the grants it made
 * (and the caps that limited them), `duplicate` with the original grants, or `rejected` with a code (nothing of a
 * rejected event is written but its count, so a later occurrence of the same id, in this batch or another, is
 * decided afresh).
 */
export async function ingestEvents(
  ctx: AppContext,
  providerId: string,
  events: readonly ProviderEvent[],
  options: IngestOptions = { countRejections: true },
): Promise<EventOutcome[]> {
  const parsed = events.map(parseEvent);
  const valid = parsed.flatMap((p) => (p.ok ? [p.value] : []));
  return ctx.store.transaction(async (tx) => {
    const nowMs = ctx.clock.nowMs();
    const state = await openBatch(tx, providerId, valid);
    const decisions: Array<Decision | undefined> = [];
    for (const [index, p] of parsed.entries()) {
      if (!p.ok) continue;
      const { eventId } = p.value.input;
      const repeat = state.stored.has(eventId) || state.applied.has(eventId);
      decisions[index] = repeat ? { kind: 'repeat' } : applyOne(state, p.value, nowMs);
    }
    await writeBatch(tx, providerId, state, nowMs);
    // Repeats of events stored before this batch (or by a batch that committed while we waited for our locks).
    const repeatIds = [...new Set(parsed.flatMap((p, i) => (p.ok && decisions[i]?.kind === 'repeat' && !state.applied.has(p.value.input.eventId) ? [p.value.input.eventId] : [])))];
    const storedNow = await findEvents(tx, providerId, repeatIds);
    const storedGrants = await listGrantsOfEvents(tx, providerId, repeatIds);
    const outcomes = parsed.map((p, index): EventOutcome => {
      const eventId = events[index]!.eventId;
      if (!p.ok) return { eventId, status: 'rejected', code: p.code, message: p.message };
      const decision = decisions[index];
      assert.ok(decision !== undefined);
      if (decision.kind === 'applied') {
        const grants = withoutEventId(decision.grants);
        return decision.cappedBy.length === 0 ? { eventId, status: 'applied', grants } : { eventId, status: 'applied', grants, cappedBy: decision.cappedBy };
      }
      if (decision.kind === 'rejected') return { eventId, status: 'rejected', code: decision.failure.code, message: decision.failure.message };
      const inBatch = state.applied.get(eventId);
      if (inBatch !== undefined) return repeatOutcome(p.value, inBatch.row, inBatch.grants);
      const stored = storedNow.get(eventId);
      assert.ok(stored !== undefined, 'a repeated event is stored');
      return repeatOutcome(p.value, stored, storedGrants.filter((g) => g.eventId === eventId));
    });
    if (options.countRejections) {
      // After the ledger append (the feed-head lock): the counter rows are the last locks the batch takes.
      const codes = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.code] : []));
      if (codes.length > 0) await addEventRejections(tx, { providerId, bucketStartMs: bucketStartMsOf(nowMs), codes });
    }
    return outcomes;
  });
}
