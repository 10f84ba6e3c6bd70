/**
 * Campaign dry runs: what a campaign would have granted for a file of past provider events, computed by the same
 * rules as event ingest (`decideEvent`, `awardEffect`) and the same checks in the same order, without a store.
 *
 * The file is applied in its order, as ingest would apply it if a provider sent the lines in that order in any
 * batching: the budget is first come, first served by line. Assumptions, because a file of events names accounts,
 * not people:
 * - each distinct `accountRef` is one person with one binding to the campaign (the platform allows one account per
 *   person per campaign and one person per account), so every account is known (no `account_unknown`);
 * - an account is bound at the earliest instant a binding can count — the start of the earning window, or the
 *   opening of applications if that is later — unless a binding line (`{accountRef, boundAt}`) before its first
 *   event says otherwise;
 * - a fixed award (attestation line `{accountRef, attestationKind, attestedAt}`) is granted when both the binding
 *   and the attestation exist, so its cost falls in the month of the later of the two;
 * - the cost of a grant falls in the month (campaign time zone) of the line's own instant: a refund in October
 *   claws back in October.
 *
 * Memory: per account a tally (and, for a period-capped campaign, one small tally per period it earned in); per
 * applied event its id and five numbers (a digest of its payload, its amount, the yen reversed, its time, its
 * account), because any later line may refund or repeat it, exactly as the platform's events table allows. Lines,
 * outcomes and grants are not kept: the report is a set of running sums.
 */
import assert from 'node:assert/strict';
import { hash } from 'node:crypto';
import { localDateOf } from './calendar.js';
import { periodKeyOf, type Campaign, type EarningEventKind } from './campaign.js';
import type { ErrorCode } from './errors.js';
import { looksLikeMyNumber } from './my-number.js';
import { canonicalPayload, checkEventShape, type EventRejectionCode, type ProviderEvent } from './provider-event.js';
import {
  assertWithinCaps,
  awardEffect,
  decideEvent,
  periodKeyFor,
  zeroTally,
  type BindingEffect,
  type BindingStanding,
  type CapReason,
  type EventFacts,
  type PeriodTally,
  type ReversalKind,
  type Tally,
} from './points.js';

/** A provider event line, as the event batch API takes it (already checked against its schema). */
export type DryRunEvent = ProviderEvent;

/** When an account was bound, when the default (see the module comment) does not hold. */
export interface DryRunBinding {
  accountRef: string;
  boundAt: string;
}

/** A registry's attestation for the account's person (fixed-award campaigns). */
export interface DryRunAttestation {
  accountRef: string;
  attestationKind: string;
  attestedAt: string;
}

export type DryRunLine = DryRunEvent | DryRunBinding | DryRunAttestation;

/**
 * Why a line did not count: the platform's own codes, so a dry run reads like an ingest report (every account is
 * bound here, so never account_unknown), plus the binding lines' own.
 */
export type DryRunRejection = Exclude<EventRejectionCode, 'account_unknown'> | Extract<ErrorCode, 'binding_already_exists' | 'campaign_application_closed'>;

/**
 * What one line did: `applied` (an event counted, a reversal applied, or an attestation recorded) with its grant
 * (negative = clawback) and the caps that limited it; `duplicate` (an event id applied before with the same
 * payload: nothing more); `bound`; or `rejected`.
 */
export type DryRunOutcome =
  | { status: 'applied'; points: number; cappedBy: CapReason[] }
  | { status: 'duplicate' }
  | { status: 'bound' }
  | { status: 'rejected'; code: DryRunRejection; message: string };

export interface DryRunReport {
  campaign: { id: string; version: number; kind: Campaign['kind']; timeZone: string };
  lines: {
    /** Lines read, blank lines excepted; the sum of every other count here. */
    read: number;
    eventsCounted: number;
    reversalsApplied: number;
    duplicates: number;
    bindings: number;
    attestationsRecorded: number;
    /** By code, with the number of the first line rejected for it. */
    rejected: Record<string, { lines: number; firstLineNo: number }>;
  };
  persons: { seen: number; granted: number; atPersonCap: number };
  points: { granted: number; clawedBack: number; net: number; eligibleYen: number };
  /** Grants made smaller than the line alone would earn, by the cap that limited them (one grant may count under several). */
  grantsLimitedBy: Record<CapReason, number>;
  /** For a campaign with a budget: points used and left, and the instant and day (campaign time zone) it ran out. */
  budget: { budgetPoints: number; usedPoints: number; leftPoints: number; exhaustedAt: string | null; exhaustedOn: string | null } | null;
  /** Cost by calendar month of the campaign time zone, oldest first. */
  byMonth: Array<{ month: string; pointsGranted: number; pointsClawedBack: number; pointsNet: number }>;
}

interface AccountState {
  accountRef: string;
  boundAtMs: number;
  tally: Tally;
  /** Period tallies of a period-capped campaign, by period key (made at the first, as most campaigns have none). */
  periods: Map<string, PeriodTally> | undefined;
}

/** What a dry run keeps of an applied event: enough to answer its repeats and to apply its reversals. */
interface AppliedEvent {
  /** Its position in {@link AppliedEvents}. */
  index: number;
  account: AccountState;
  payloadDigest: number;
  reversal: boolean;
  amountYen: number;
  reversedYen: number;
  occurredAtMs: number;
}

const numbersPerEvent = 4;

/**
 * The applied events by id, in columns that double as they fill: about 40 bytes an event besides its id, where an
 * object each would take several times that — a file of millions of events is the case this is for.
 */
class AppliedEvents {
  private readonly indexById = new Map<string, number>();
  private readonly accounts: AccountState[] = [];
  /** amountYen, reversedYen, occurredAtMs and payloadDigest of each event, one after the other. */
  private numbers = new Float64Array(numbersPerEvent * 1_024);
  private reversals = new Uint8Array(1_024);

  get(eventId: string): AppliedEvent | undefined {
    const index = this.indexById.get(eventId);
    if (index === undefined) return undefined;
    const at = index * numbersPerEvent;
    return {
      index,
      account: this.accounts[index]!,
      amountYen: this.numbers[at]!,
      reversedYen: this.numbers[at + 1]!,
      occurredAtMs: this.numbers[at + 2]!,
      payloadDigest: this.numbers[at + 3]!,
      reversal: this.reversals[index] === 1,
    };
  }

  add(eventId: string, event: Omit<AppliedEvent, 'index' | 'reversedYen'>): void {
    const index = this.accounts.length;
    if (index === this.reversals.length) {
      const numbers = new Float64Array(this.numbers.length * 2);
      numbers.set(this.numbers);
      this.numbers = numbers;
      const reversals = new Uint8Array(this.reversals.length * 2);
      reversals.set(this.reversals);
      this.reversals = reversals;
    }
    this.indexById.set(eventId, index);
    this.accounts.push(event.account);
    this.numbers.set([event.amountYen, 0, event.occurredAtMs, event.payloadDigest], index * numbersPerEvent);
    this.reversals[index] = event.reversal ? 1 : 0;
  }

  addReversedYen(event: AppliedEvent, amountYen: number): void {
    this.numbers[event.index * numbersPerEvent + 1] = event.reversedYen + amountYen;
  }
}

/** A dry run in progress: feed it lines in file order, read the report at any point. */
export interface DryRun {
  /**
   * Applies one line checked against its schema. `lineNo` is the line's number in the file (default: one more than
   * the lines fed so far). Rejection codes: see {@link DryRunRejection}.
   */
  apply(line: DryRunLine, lineNo?: number): DryRunOutcome;
  /** Counts a line that failed its schema check (not JSON, or not one of the three line shapes). */
  reject(code: 'invalid_request', message: string, lineNo?: number): DryRunOutcome;
  /**
   * Lets a new version of the campaign govern the lines fed from now on, as publishing it would on the platform:
   * standings, budget use and grants made stand. The caller checks it with `validateNewVersion`.
   */
  publishVersion(next: Campaign): void;
  /** The running totals of one account, or undefined for an account no line has named. */
  tallyOf(accountRef: string): Tally | undefined;
  report(): DryRunReport;
}

/**
 * A 48-bit digest (an exact integer in a double) of what makes two events with one id the same event for the
 * platform: the same fields, with the instant compared as an instant (another offset is the same event). Two
 * different payloads under one id pass for the same with a chance of 2⁻⁴⁸.
 */
function payloadDigest(event: DryRunEvent, occurredAtMs: number): number {
  return hash('sha256', canonicalPayload(event, occurredAtMs), 'buffer').readUIntBE(0, 6);
}

/** The instant from which a default binding counts: the earning window's start, or the applications' if later. */
function defaultBoundAtMs(campaign: Campaign): number {
  return Math.max(campaign.earningStartsAtMs, campaign.applicationStartsAtMs);
}

function isEvent(line: DryRunLine): line is DryRunEvent {
  return 'eventId' in line;
}

function isBinding(line: DryRunLine): line is DryRunBinding {
  return 'boundAt' in line;
}

/**
 * Starts a dry run of a validated campaign.
 *
 * @example
 * const run = startDryRun(campaign);
 * run.apply({ eventId: 'e1', accountRef: 'A1', kind: 'payment', amountYen: 4_000, occurredAt: '2020-09-15T12:00:00+09:00' });
 * run.report().points.granted // 1_000 under Mynapoint 2020
 */
export function startDryRun(initial: Campaign): DryRun {
  let campaign = initial;
  let linesFed = 0;
  const accounts = new Map<string, AccountState>();
  const applied = new AppliedEvents();
  const counts = { eventsCounted: 0, reversalsApplied: 0, duplicates: 0, bindings: 0, attestationsRecorded: 0 };
  const rejected = new Map<DryRunRejection, { lines: number; firstLineNo: number }>();
  const totals = { granted: 0, clawedBack: 0, eligibleYen: 0 };
  const limitedBy: Record<CapReason, number> = { event_cap: 0, period_cap: 0, person_cap: 0, budget: 0 };
  const byMonth = new Map<string, { pointsGranted: number; pointsClawedBack: number }>();
  let exhaustedAtMs: number | undefined;

  const lineNumber = (lineNo: number | undefined): number => {
    linesFed += 1;
    return lineNo ?? linesFed;
  };

  function rejectLine(code: DryRunRejection, message: string, lineNo: number): DryRunOutcome {
    const seen = rejected.get(code);
    rejected.set(code, seen === undefined ? { lines: 1, firstLineNo: lineNo } : { ...seen, lines: seen.lines + 1 });
    return { status: 'rejected', code, message };
  }

  function accountOf(accountRef: string): AccountState {
    let account = accounts.get(accountRef);
    if (account === undefined) {
      account = { accountRef, boundAtMs: defaultBoundAtMs(campaign), tally: zeroTally, periods: undefined };
      accounts.set(accountRef, account);
    }
    return account;
  }

  function budgetLeftPoints(): number | undefined {
    const budgetPoints = campaign.caps.budgetPoints;
    return budgetPoints === undefined ? undefined : budgetPoints - (totals.granted - totals.clawedBack);
  }

  /** The account's standing with the period an instant counts in, as ingest builds it from the store. */
  function standingOf(account: AccountState, atMs: number): BindingStanding {
    const key = periodKeyFor(campaign, atMs);
    const period = key === '' ? { key, units: account.tally.units, points: account.tally.earnedPoints } : (account.periods?.get(key) ?? { key, units: 0, points: 0 });
    return { bindingId: account.accountRef, campaign, boundAtMs: account.boundAtMs, tally: account.tally, period, budgetLeftPoints: budgetLeftPoints() };
  }

  /** Records an effect: the account's totals, the budget, and the report's sums, at the instant the grant is made. */
  function record(account: AccountState, effect: BindingEffect, atMs: number): void {
    assertWithinCaps(campaign, effect.tally);
    account.tally = effect.tally;
    if (effect.period.key !== '') (account.periods ??= new Map()).set(effect.period.key, effect.period);
    totals.eligibleYen += effect.eligibleDeltaYen;
    for (const reason of effect.cappedBy) limitedBy[reason] += 1;
    if (effect.points === 0) return;
    const month = periodKeyOf(atMs, campaign.timeZone, 'month');
    const cost = byMonth.get(month) ?? { pointsGranted: 0, pointsClawedBack: 0 };
    if (effect.points > 0) {
      totals.granted += effect.points;
      cost.pointsGranted += effect.points;
    } else {
      totals.clawedBack -= effect.points;
      cost.pointsClawedBack -= effect.points;
    }
    byMonth.set(month, cost);
    const left = budgetLeftPoints();
    assert.ok(left === undefined || left >= 0, 'grants never exceed the budget');
    if (left === 0 && exhaustedAtMs === undefined) exhaustedAtMs = atMs;
  }

  function applyEvent(event: DryRunEvent, lineNo: number): DryRunOutcome {
    // The checks of ingest, in its order: the event alone, then a repeat, then the reversal, then the rules.
    const shape = checkEventShape(event);
    if (!shape.ok) return rejectLine(shape.code, shape.message, lineNo);
    const occurredAtMs = shape.value;
    const digest = payloadDigest(event, occurredAtMs);
    const repeat = applied.get(event.eventId);
    if (repeat !== undefined) {
      if (repeat.payloadDigest !== digest) return rejectLine('idempotency_conflict', 'this event id was applied with another payload', lineNo);
      counts.duplicates += 1;
      return { status: 'duplicate' };
    }
    const account = accountOf(event.accountRef);
    let original: AppliedEvent | undefined;
    if (event.originalEventId !== undefined) {
      original = applied.get(event.originalEventId);
      if (original === undefined) return rejectLine('original_event_unknown', 'the original event was never applied', lineNo);
      if (original.account !== account || original.reversal) {
        return rejectLine('original_event_mismatch', 'the original event belongs to another account or is itself a reversal', lineNo);
      }
      if (original.reversedYen + event.amountYen > original.amountYen) {
        return rejectLine('refund_exceeds_original', `only ${original.amountYen - original.reversedYen} yen of the original remain`, lineNo);
      }
    }
    const standings = campaign.kind === 'spend_back' ? [standingOf(account, original?.occurredAtMs ?? occurredAtMs)] : [];
    const facts: EventFacts =
      original === undefined
        ? { kind: event.kind as EarningEventKind, amountYen: event.amountYen, occurredAtMs, ...(event.merchantRegion === undefined ? {} : { merchantRegion: event.merchantRegion }) }
        : { kind: event.kind as ReversalKind, amountYen: event.amountYen, occurredAtMs, originalNetYen: original.amountYen - original.reversedYen, originalCountedIn: new Set([campaign.id]) };
    const decided = decideEvent(facts, standings);
    if (!decided.ok) return rejectLine(decided.code, decided.message, lineNo);
    applied.add(event.eventId, { account, payloadDigest: digest, reversal: original !== undefined, amountYen: event.amountYen, occurredAtMs });
    if (original === undefined) counts.eventsCounted += 1;
    else {
      applied.addReversedYen(original, event.amountYen);
      counts.reversalsApplied += 1;
    }
    let points = 0;
    const cappedBy: CapReason[] = [];
    for (const effect of decided.value) {
      record(account, effect, occurredAtMs);
      points += effect.points;
      cappedBy.push(...effect.cappedBy);
    }
    return { status: 'applied', points, cappedBy };
  }

  function applyBinding(binding: DryRunBinding, lineNo: number): DryRunOutcome {
    const boundAtMs = Date.parse(binding.boundAt);
    if (!Number.isFinite(boundAtMs)) return rejectLine('invalid_request', 'boundAt is not a valid instant', lineNo);
    if (looksLikeMyNumber(binding.accountRef)) return rejectLine('national_id_number_refused', 'accountRef looks like a My Number', lineNo);
    if (accounts.has(binding.accountRef)) {
      return rejectLine('binding_already_exists', 'the account was bound by an earlier line (a binding line, or by default at its first line)', lineNo);
    }
    if (boundAtMs < campaign.applicationStartsAtMs || boundAtMs >= campaign.applicationEndsAtMs) {
      return rejectLine('campaign_application_closed', 'boundAt is outside the application window', lineNo);
    }
    accounts.set(binding.accountRef, { accountRef: binding.accountRef, boundAtMs, tally: zeroTally, periods: undefined });
    counts.bindings += 1;
    return { status: 'bound' };
  }

  function applyAttestation(attestation: DryRunAttestation, lineNo: number): DryRunOutcome {
    const attestedAtMs = Date.parse(attestation.attestedAt);
    if (!Number.isFinite(attestedAtMs)) return rejectLine('invalid_request', 'attestedAt is not a valid instant', lineNo);
    if (looksLikeMyNumber(attestation.accountRef)) return rejectLine('national_id_number_refused', 'accountRef looks like a My Number', lineNo);
    const account = accountOf(attestation.accountRef);
    if (campaign.award?.attestationKind !== attestation.attestationKind) {
      return rejectLine('event_kind_not_eligible', 'the campaign awards nothing for this kind of attestation', lineNo);
    }
    if (attestedAtMs < campaign.earningStartsAtMs || attestedAtMs >= campaign.earningEndsAtMs) {
      return rejectLine('outside_earning_window', 'the attestation is outside the earning window', lineNo);
    }
    const effect = awardEffect({ ...standingOf(account, attestedAtMs), period: { key: '', units: 0, points: 0 } });
    record(account, effect, Math.max(attestedAtMs, account.boundAtMs));
    counts.attestationsRecorded += 1;
    return { status: 'applied', points: effect.points, cappedBy: effect.cappedBy };
  }

  return {
    apply(line, lineNo) {
      const no = lineNumber(lineNo);
      if (isEvent(line)) return applyEvent(line, no);
      if (isBinding(line)) return applyBinding(line, no);
      return applyAttestation(line, no);
    },
    reject(code, message, lineNo) {
      return rejectLine(code, message, lineNumber(lineNo));
    },
    publishVersion(next) {
      assert.ok(next.id === campaign.id && next.kind === campaign.kind && next.version > campaign.version, 'a new version of the same campaign');
      campaign = next;
      const left = budgetLeftPoints();
      // A larger budget reopens a campaign that had run out, as on the platform.
      if (left === undefined || left > 0) exhaustedAtMs = undefined;
    },
    tallyOf(accountRef) {
      return accounts.get(accountRef)?.tally;
    },
    report() {
      let granted = 0;
      let atPersonCap = 0;
      for (const account of accounts.values()) {
        if (account.tally.pointsGranted > 0) granted += 1;
        if (account.tally.pointsGranted === campaign.caps.perPersonPoints) atPersonCap += 1;
      }
      const budgetPoints = campaign.caps.budgetPoints;
      const usedPoints = totals.granted - totals.clawedBack;
      const rejectedLines = [...rejected.values()].reduce((sum, r) => sum + r.lines, 0);
      return {
        campaign: { id: campaign.id, version: campaign.version, kind: campaign.kind, timeZone: campaign.timeZone },
        lines: {
          read: counts.eventsCounted + counts.reversalsApplied + counts.duplicates + counts.bindings + counts.attestationsRecorded + rejectedLines,
          ...counts,
          rejected: Object.fromEntries([...rejected.entries()].sort(([a], [b]) => (a < b ? -1 : 1))),
        },
        persons: { seen: accounts.size, granted, atPersonCap },
        points: { granted: totals.granted, clawedBack: totals.clawedBack, net: usedPoints, eligibleYen: totals.eligibleYen },
        grantsLimitedBy: { ...limitedBy },
        budget:
          budgetPoints === undefined
            ? null
            : {
                budgetPoints,
                usedPoints,
                leftPoints: budgetPoints - usedPoints,
                exhaustedAt: exhaustedAtMs === undefined ? null : new Date(exhaustedAtMs).toISOString(),
                exhaustedOn: exhaustedAtMs === undefined ? null : localDateOf(exhaustedAtMs, campaign.timeZone),
              },
        byMonth: [...byMonth.entries()]
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([month, cost]) => ({ month, ...cost, pointsNet: cost.pointsGranted - cost.pointsClawedBack })),
      };
    },
  };
}

/**
 * The lines of a text, one at a time (LF or CRLF), without splitting it into an array first.
 *
 * @example
 * [...textLines('a\r\nb')] // ['a', 'b']
 */
export function* textLines(text: string): Generator<string> {
  let start = 0;
  while (start < text.length) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    yield text.slice(start, text[end - 1] === '\r' ? end - 1 : end);
    start = end + 1;
  }
}
