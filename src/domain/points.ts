/**
 * Point calculation (DESIGN.md §2.5–2.6), exact and order-independent.
 *
 * An earning event contributes `min(netYen × numerator, perEventPoints × denominator)` units of 1/denominator
 * point. A calendar period (a day or month of the campaign's time zone, or the whole campaign when there is no
 * period cap) earns `min(perPeriodPoints, round(Σ units / denominator))` points; a person is entitled to
 * `min(perPersonPoints, Σ period points)`; an event's grant is the entitlement minus what was already granted, and
 * never more than the budget left. Every quantity is a sum over the applied events, so totals depend only on the
 * set of events — never on their order or batching — while the budget is spent first come, first served; the last
 * grant before any cap or the budget is partial by construction. Without per-event and period caps this is
 * `min(cap, floor(rate × eligible total))`: rounding happens on totals, so there is no drift.
 */
import assert from 'node:assert/strict';
import { periodKeyOf, type Campaign, type EarningEventKind, type RoundingMode } from './campaign.js';
import { fail, ok, type Result } from './result.js';

export const eventKinds = ['payment', 'topup', 'refund', 'cancel'] as const;
export type EventKind = (typeof eventKinds)[number];
export type ReversalKind = 'refund' | 'cancel';

export function isReversal(kind: EventKind): kind is ReversalKind {
  return kind === 'refund' || kind === 'cancel';
}

/** Whole points from units of 1/denominator point, integer arithmetic only. */
export function roundUnits(mode: RoundingMode, units: number, denominator: number): number {
  assert.ok(Number.isSafeInteger(units) && units >= 0, 'units are a non-negative integer');
  const whole = Math.floor(units / denominator);
  const rest = units - whole * denominator;
  if (mode === 'floor' || rest === 0) return whole;
  if (mode === 'ceil') return whole + 1;
  return 2 * rest >= denominator ? whole + 1 : whole;
}

function rateOf(campaign: Campaign): { numerator: number; denominator: number } {
  assert.ok(campaign.rate !== undefined, 'spend-back campaigns have a rate');
  return campaign.rate;
}

/** Units an earning event with `netYen` left after reversals contributes: the per-event cap bounds it. */
export function contributionUnits(campaign: Campaign, netYen: number): number {
  const { numerator, denominator } = rateOf(campaign);
  const units = netYen * numerator;
  assert.ok(Number.isSafeInteger(units), 'yen × numerator is a safe integer');
  const capPoints = campaign.caps.perEventPoints;
  return capPoints === undefined ? units : Math.min(units, capPoints * denominator);
}

/** Points a period with these units earns: rounded, then bounded by the period cap. */
export function periodPoints(campaign: Campaign, units: number): number {
  const points = roundUnits(campaign.rounding, units, rateOf(campaign).denominator);
  return Math.min(points, campaign.caps.perPeriod?.points ?? points);
}

/** The period an instant counts in: its day or month, or '' (the whole campaign) without a period cap. */
export function periodKeyFor(campaign: Campaign, atMs: number): string {
  const perPeriod = campaign.caps.perPeriod;
  return perPeriod === undefined ? '' : periodKeyOf(atMs, campaign.timeZone, perPeriod.period);
}

/**
 * Points a spend-back campaign entitles a person to for an eligible total earned in one period, with no per-event
 * cap: the closed form of the rule, for tests and documentation.
 *
 * @example
 * entitlementPoints(mynapoint, 19_996) // 4_999 with 25/100 and a 5,000 cap
 */
export function entitlementPoints(campaign: Campaign, eligibleYen: number): number {
  assert.ok(Number.isSafeInteger(eligibleYen) && eligibleYen >= 0, 'eligibleYen is a non-negative integer');
  return Math.min(campaign.caps.perPersonPoints, periodPoints(campaign, eligibleYen * rateOf(campaign).numerator));
}

/** One person's running totals in one campaign. */
export interface Tally {
  /** Yen counted, net of reversals. */
  eligibleYen: number;
  /** Σ event contributions in units of 1/denominator point (spend-back). */
  units: number;
  /** Σ over periods of the period's points: what the person earned before the per-person cap. */
  earnedPoints: number;
  pointsGranted: number;
}

/** One period's running totals (for a campaign without a period cap, the whole campaign under key ''). */
export interface PeriodTally {
  key: string;
  units: number;
  points: number;
}

export const zeroTally: Tally = { eligibleYen: 0, units: 0, earnedPoints: 0, pointsGranted: 0 };

/** Why a grant was smaller than the event alone would earn. */
export type CapReason = 'event_cap' | 'period_cap' | 'person_cap' | 'budget';

/** One person's standing in one campaign through one binding, with the period the event at hand counts in. */
export interface BindingStanding {
  bindingId: string;
  campaign: Campaign;
  /** Events before the binding was made do not count (points are for spending after applying). */
  boundAtMs: number;
  tally: Tally;
  period: PeriodTally;
  /** Points the campaign's budget has left, or undefined without a budget. */
  budgetLeftPoints: number | undefined;
}

/** What an event or award does to one standing: new totals and a grant (negative = clawback). */
export interface BindingEffect {
  bindingId: string;
  campaignId: string;
  tally: Tally;
  period: PeriodTally;
  eligibleDeltaYen: number;
  points: number;
  cappedBy: CapReason[];
}

/** The grant that brings `pointsGranted` toward `entitledPoints`, within the budget and the refund policy. */
export function grantTowards(campaign: Campaign, entitledPoints: number, pointsGranted: number, budgetLeftPoints: number | undefined): number {
  const owed = entitledPoints - pointsGranted;
  if (owed >= 0) return Math.min(owed, Math.max(0, budgetLeftPoints ?? owed));
  return campaign.refundPolicy === 'clawback' ? owed : 0;
}

/** The effect of changing a spend-back standing by `yenDelta` yen and `unitsDelta` units in its period. */
export function spendBackEffect(standing: BindingStanding, yenDelta: number, unitsDelta: number): BindingEffect {
  const { campaign, tally, period } = standing;
  const periodUnits = period.units + unitsDelta;
  assert.ok(periodUnits >= 0, 'reversals never exceed what was counted');
  const nextPeriodPoints = periodPoints(campaign, periodUnits);
  const earnedPoints = tally.earnedPoints + nextPeriodPoints - period.points;
  const entitled = Math.min(campaign.caps.perPersonPoints, earnedPoints);
  const points = grantTowards(campaign, entitled, tally.pointsGranted, standing.budgetLeftPoints);
  const cappedBy: CapReason[] = [];
  if (unitsDelta > 0) {
    const { numerator, denominator } = rateOf(campaign);
    if (roundUnits(campaign.rounding, unitsDelta, denominator) < roundUnits(campaign.rounding, yenDelta * numerator, denominator)) cappedBy.push('event_cap');
    if (nextPeriodPoints < roundUnits(campaign.rounding, periodUnits, denominator)) cappedBy.push('period_cap');
    if (earnedPoints > campaign.caps.perPersonPoints && earnedPoints > tally.earnedPoints) cappedBy.push('person_cap');
    if (points < entitled - tally.pointsGranted) cappedBy.push('budget');
  }
  return {
    bindingId: standing.bindingId,
    campaignId: campaign.id,
    tally: {
      eligibleYen: tally.eligibleYen + yenDelta,
      units: tally.units + unitsDelta,
      earnedPoints,
      pointsGranted: tally.pointsGranted + points,
    },
    period: { key: period.key, units: periodUnits, points: nextPeriodPoints },
    eligibleDeltaYen: yenDelta,
    points,
    cappedBy,
  };
}

/** The effect of a fixed award on a standing: the award once, within the budget; nothing when already granted. */
export function awardEffect(standing: BindingStanding): BindingEffect {
  const { campaign, tally } = standing;
  assert.ok(campaign.award !== undefined, 'fixed-award campaigns have an award');
  const points = grantTowards(campaign, campaign.award.points, tally.pointsGranted, standing.budgetLeftPoints);
  return {
    bindingId: standing.bindingId,
    campaignId: campaign.id,
    tally: { ...tally, earnedPoints: campaign.award.points, pointsGranted: tally.pointsGranted + points },
    period: standing.period,
    eligibleDeltaYen: 0,
    points,
    cappedBy: points < campaign.award.points - tally.pointsGranted ? ['budget'] : [],
  };
}

/** The facts of an earning event that decide whether a campaign counts it. */
export interface EarningFacts {
  kind: EarningEventKind;
  occurredAtMs: number;
  merchantRegion?: string;
}

export type CountVerdict = 'counts' | 'kind_not_eligible' | 'outside_window' | 'merchant_region_not_eligible';

/** Whether the campaign counts an earning event made through this binding. */
export function countVerdict(campaign: Campaign, boundAtMs: number, facts: EarningFacts): CountVerdict {
  if (campaign.kind !== 'spend_back' || !campaign.eligibleEventKinds.includes(facts.kind)) return 'kind_not_eligible';
  const startsAtMs = Math.max(campaign.earningStartsAtMs, boundAtMs);
  if (facts.occurredAtMs < startsAtMs || facts.occurredAtMs >= campaign.earningEndsAtMs) return 'outside_window';
  const regions = campaign.eligibleMerchantRegions;
  if (regions !== undefined && (facts.merchantRegion === undefined || !regions.includes(facts.merchantRegion))) {
    return 'merchant_region_not_eligible';
  }
  return 'counts';
}

/**
 * A provider event after parsing. A reversal carries, per campaign its original was counted in, the original's
 * net yen before this reversal: that record, not a re-evaluation against today's bindings, says what it takes back.
 */
export type EventFacts =
  | { kind: EarningEventKind; amountYen: number; occurredAtMs: number; merchantRegion?: string }
  | { kind: ReversalKind; amountYen: number; occurredAtMs: number; originalNetYen: number; originalCountedIn: ReadonlySet<string> };

type EventRejection = 'outside_earning_window' | 'event_kind_not_eligible' | 'merchant_region_not_eligible';

const rejectionOf: Record<Exclude<CountVerdict, 'counts'>, [EventRejection, string]> = {
  outside_window: ['outside_earning_window', 'no campaign bound to this account counts an event at that time'],
  merchant_region_not_eligible: ['merchant_region_not_eligible', 'no campaign bound to this account counts an event at this merchant'],
  kind_not_eligible: ['event_kind_not_eligible', 'no campaign bound to this account counts this kind of event'],
};

/**
 * Decides what one event does to the standings of its account (each in the period the event counts in). An
 * earning event that no campaign counts is rejected with the most telling reason (window, then merchant region,
 * then kind); a reversal is applied to the campaigns that counted its original, and to none if none did.
 * The effects list the campaigns an applied earning event counts in: store them for its reversals.
 *
 * @example
 * decideEvent({ kind: 'payment', amountYen: 4_000, occurredAtMs }, [standing]) // ok: [{ points: 1_000, … }]
 */
export function decideEvent(event: EventFacts, standings: readonly BindingStanding[]): Result<BindingEffect[], EventRejection> {
  assert.ok(Number.isSafeInteger(event.amountYen) && event.amountYen > 0, 'amountYen is a positive integer');
  if ('originalCountedIn' in event) {
    const { originalNetYen, amountYen } = event;
    assert.ok(amountYen <= originalNetYen, 'a reversal never exceeds what is left of its original');
    return ok(
      standings
        .filter((standing) => event.originalCountedIn.has(standing.campaign.id))
        .map((standing) => {
          const unitsDelta = contributionUnits(standing.campaign, originalNetYen - amountYen) - contributionUnits(standing.campaign, originalNetYen);
          return spendBackEffect(standing, -amountYen, unitsDelta);
        }),
    );
  }
  const facts: EarningFacts = event;
  const verdicts = standings.map((standing) => countVerdict(standing.campaign, standing.boundAtMs, facts));
  const counting = standings.filter((_, index) => verdicts[index] === 'counts');
  if (counting.length > 0) {
    return ok(counting.map((standing) => spendBackEffect(standing, event.amountYen, contributionUnits(standing.campaign, event.amountYen))));
  }
  const reason = (['outside_window', 'merchant_region_not_eligible', 'kind_not_eligible'] as const).find((v) => verdicts.includes(v)) ?? 'kind_not_eligible';
  const [code, message] = rejectionOf[reason];
  return fail(code, message);
}

/** The pair assertion that keeps balances within every cap after an effect. */
export function assertWithinCaps(campaign: Campaign, tally: Tally): void {
  assert.ok(tally.pointsGranted >= 0 && tally.pointsGranted <= campaign.caps.perPersonPoints, 'grants stay within the per-person cap');
}
