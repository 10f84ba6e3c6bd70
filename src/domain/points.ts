/**
 * Point calculation for spend-back campaigns (DESIGN.md §2.5). The entitlement after any event is
 * `min(pointsPerPersonMax, floor(rate × eligibleYen))`, and an event's grant is the entitlement minus what was
 * already granted. Totals therefore depend only on the set of applied events, never on their order or batching,
 * and the last grant before the cap is partial by construction.
 */
import assert from 'node:assert/strict';
import type { Campaign, EarningEventKind } from './campaign.js';
import { fail, ok, type Result } from './result.js';

export const eventKinds = ['payment', 'topup', 'refund', 'cancel'] as const;
export type EventKind = (typeof eventKinds)[number];
export type ReversalKind = 'refund' | 'cancel';

export function isReversal(kind: EventKind): kind is ReversalKind {
  return kind === 'refund' || kind === 'cancel';
}

/**
 * Points a person is entitled to for an eligible total. Rounding is toward zero (floor on non-negative totals),
 * spelled out as integer arithmetic so no float ever touches money.
 *
 * @example
 * entitlementPoints(campaign, 19_996) // 4_999 with 25/100 and a 5,000 cap
 */
export function entitlementPoints(campaign: Campaign, eligibleYen: number): number {
  assert.ok(Number.isSafeInteger(eligibleYen) && eligibleYen >= 0, 'eligibleYen is a non-negative integer');
  const product = eligibleYen * campaign.rate.numerator;
  assert.ok(Number.isSafeInteger(product), 'rate × eligibleYen fits in a safe integer');
  return Math.min(campaign.pointsPerPersonMax, Math.floor(product / campaign.rate.denominator));
}

/** One person's standing in one campaign, through one binding. */
export interface BindingStanding {
  bindingId: string;
  campaign: Campaign;
  /** Events before the binding was made do not count (points are for spending after applying). */
  boundAtMs: number;
  eligibleYen: number;
  pointsGranted: number;
}

/** The facts of an earning event that decide whether a campaign counts it. */
export interface EarningFacts {
  kind: EarningEventKind;
  occurredAtMs: number;
}

export type CountVerdict = 'counts' | 'kind_not_eligible' | 'outside_window';

/** Whether the campaign counts an earning event made through this binding. */
export function countVerdict(standing: BindingStanding, facts: EarningFacts): CountVerdict {
  const { campaign } = standing;
  if (!campaign.eligibleEventKinds.includes(facts.kind)) return 'kind_not_eligible';
  const startsAtMs = Math.max(campaign.earningStartsAtMs, standing.boundAtMs);
  if (facts.occurredAtMs < startsAtMs || facts.occurredAtMs >= campaign.earningEndsAtMs) return 'outside_window';
  return 'counts';
}

/** What an applied event does to one binding: a change of the eligible total and a grant (negative = clawback). */
export interface BindingEffect {
  bindingId: string;
  campaignId: string;
  eligibleDeltaYen: number;
  points: number;
}

/**
 * A provider event after parsing. A reversal carries the campaigns its original was counted in when it was
 * applied: that record, not a re-evaluation against today's bindings, says what a refund takes back.
 */
export type EventFacts =
  | { kind: EarningEventKind; amountYen: number; occurredAtMs: number }
  | { kind: ReversalKind; amountYen: number; occurredAtMs: number; originalCountedIn: ReadonlySet<string> };

function effectOf(standing: BindingStanding, eligibleDeltaYen: number): BindingEffect {
  const eligibleYen = standing.eligibleYen + eligibleDeltaYen;
  assert.ok(eligibleYen >= 0, 'reversals never exceed what was counted');
  const entitled = entitlementPoints(standing.campaign, eligibleYen);
  const owed = entitled - standing.pointsGranted;
  const points = standing.campaign.refundPolicy === 'clawback' ? owed : Math.max(0, owed);
  return { bindingId: standing.bindingId, campaignId: standing.campaign.id, eligibleDeltaYen, points };
}

/**
 * Decides what one event does to every binding of its account. An earning event that no campaign counts is
 * rejected (`outside_earning_window` when some campaign takes its kind, else `event_kind_not_eligible`);
 * a reversal is applied to the campaigns that counted its original, and to none if none did.
 * The effects list the campaigns an applied earning event counts in: store them for its reversals.
 *
 * @example
 * decideEvent({ kind: 'payment', amountYen: 4_000, occurredAtMs }, [standing]) // ok: [{ points: 1_000, … }]
 */
export function decideEvent(
  event: EventFacts,
  standings: readonly BindingStanding[],
): Result<BindingEffect[], 'outside_earning_window' | 'event_kind_not_eligible'> {
  assert.ok(Number.isSafeInteger(event.amountYen) && event.amountYen > 0, 'amountYen is a positive integer');
  if (event.kind === 'refund' || event.kind === 'cancel') {
    const countedIn = event.originalCountedIn;
    return ok(standings.filter((standing) => countedIn.has(standing.campaign.id)).map((standing) => effectOf(standing, -event.amountYen)));
  }
  const facts: EarningFacts = { kind: event.kind, occurredAtMs: event.occurredAtMs };
  const verdicts = standings.map((standing) => countVerdict(standing, facts));
  const counting = standings.filter((_, index) => verdicts[index] === 'counts');
  if (counting.length > 0) return ok(counting.map((standing) => effectOf(standing, event.amountYen)));
  if (verdicts.includes('outside_window')) {
    return fail('outside_earning_window', 'no campaign bound to this account counts an event at that time');
  }
  return fail('event_kind_not_eligible', `no campaign bound to this account counts ${event.kind} events`);
}

/** The standing after an effect: the pair assertion that keeps balances and the ledger in step. */
export function applyEffect(standing: BindingStanding, effect: BindingEffect): BindingStanding {
  assert.equal(standing.bindingId, effect.bindingId);
  const next = {
    ...standing,
    eligibleYen: standing.eligibleYen + effect.eligibleDeltaYen,
    pointsGranted: standing.pointsGranted + effect.points,
  };
  assert.ok(next.pointsGranted >= 0 && next.pointsGranted <= standing.campaign.pointsPerPersonMax, 'grants stay within the cap');
  return next;
}
