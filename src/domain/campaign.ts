/**
 * The campaign model (DESIGN.md §3): a campaign is data, validated once on input and immutable afterwards; a change
 * is a new version. Windows are half-open instants [startsAt, endsAt) written as ISO 8601 with an offset, so "until
 * 2021-03-31 JST" is `endsAt: 2021-04-01T00:00:00+09:00`; calendar periods (per-day and per-month caps) are days
 * and months of the campaign's IANA time zone.
 */
import { isKnownTimeZone, localDateOf, localMonthOf } from './calendar.js';
import { fail, ok, type Result } from './result.js';

export const earningEventKinds = ['payment', 'topup'] as const;
export type EarningEventKind = (typeof earningEventKinds)[number];

export const campaignKinds = ['spend_back', 'fixed_award'] as const;
export type CampaignKind = (typeof campaignKinds)[number];

/** How a rational number of points becomes whole points: toward zero, half up, or up. */
export const roundingModes = ['floor', 'half_up', 'ceil'] as const;
export type RoundingMode = (typeof roundingModes)[number];

export const calendarPeriods = ['day', 'month'] as const;
export type CalendarPeriod = (typeof calendarPeriods)[number];

export interface CampaignWindow {
  startsAt: string;
  endsAt: string;
}

export interface CampaignCaps {
  /** Points one person can receive over the whole campaign. */
  perPersonPoints: number;
  /** Points one event can earn (spend-back only), e.g. 1,000 per payment. */
  perEventPoints?: number;
  /** Points one person can earn per calendar day or month of the campaign's time zone (spend-back only). */
  perPeriod?: { period: CalendarPeriod; points: number };
  /** Points the campaign can grant in all; the last grant is partial, then the campaign closes for grants. */
  budgetPoints?: number;
}

/** A fixed award: `points` once per person when a registry attests `attestationKind` (DESIGN.md §2.6). */
export interface FixedAward {
  attestationKind: string;
  points: number;
}

/** A campaign's name per language of the faces. */
export interface CampaignNames {
  ja?: string;
  en?: string;
}

/** What an operator submits, and what the store keeps as JSON. */
export interface CampaignDefinition {
  id: string;
  /** The name wherever no name in the reader's language is given. */
  name: string;
  /** The name in each language the campaign speaks to people in (the portal shows the reader's, else `name`). */
  names?: CampaignNames;
  owner: string;
  kind: CampaignKind;
  /** The earning events a spend-back campaign counts; empty for a fixed award. */
  eligibleEventKinds: EarningEventKind[];
  /** Provider service ids the campaign accepts, or "all". */
  eligibleProviderServices: string[] | 'all';
  /** Merchant region codes (e.g. JIS X 0402 municipality codes) an event must carry to count; absent = anywhere. */
  eligibleMerchantRegions?: string[];
  applicationWindow: CampaignWindow;
  earningWindow: CampaignWindow;
  timeZone: string;
  /** Spend-back rate as a rational (25/100); absent for a fixed award. */
  rate?: { numerator: number; denominator: number };
  rounding: RoundingMode;
  caps: CampaignCaps;
  award?: FixedAward;
  refundPolicy: 'clawback' | 'none';
  /** Whether a legal representative's account may also carry the minors they represent (fixed awards only). */
  representatives: { minorsMayShareAccount: boolean };
  /** Whether a citizen may cancel a binding on the calendar day it was made (before any grant). */
  sameDayCancel: boolean;
}

/** A validated campaign with its windows parsed to epoch milliseconds. */
export interface Campaign extends CampaignDefinition {
  version: number;
  applicationStartsAtMs: number;
  applicationEndsAtMs: number;
  earningStartsAtMs: number;
  earningEndsAtMs: number;
}

const campaignIdPattern = /^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$/;
const attestationKindPattern = /^[a-z][a-z0-9_]{1,62}$/;
const regionCodePattern = /^[0-9A-Za-z-]{1,16}$/;
const isoWithOffsetPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;
/** Per-person points: ten million is far beyond any real campaign. */
export const personPointsLimit = 10_000_000;
/** A budget: ten trillion points, so sums of grants stay exact integers. */
export const budgetPointsLimit = 10_000_000_000_000;
/** Rates are percentages with up to two decimals or simpler: keeps yen × numerator far inside safe integers. */
export const rateDenominatorMax = 10_000;

function parseInstantMs(text: string): number | undefined {
  if (!isoWithOffsetPattern.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}

type Invalid = Result<never, 'campaign_invalid'>;
const invalid = (message: string, param: string): Invalid => fail('campaign_invalid', message, param);

function parseWindow(window: CampaignWindow, param: string): Result<[number, number], 'campaign_invalid'> {
  const startsAtMs = parseInstantMs(window.startsAt);
  const endsAtMs = parseInstantMs(window.endsAt);
  if (startsAtMs === undefined) return invalid('startsAt must be ISO 8601 with an offset', `${param}.startsAt`);
  if (endsAtMs === undefined) return invalid('endsAt must be ISO 8601 with an offset', `${param}.endsAt`);
  if (endsAtMs <= startsAtMs) return invalid('the window must end after it starts', param);
  return ok([startsAtMs, endsAtMs]);
}

function isPositiveAtMost(value: number | undefined, max: number): boolean {
  return value !== undefined && Number.isSafeInteger(value) && value > 0 && value <= max;
}

function checkCaps(definition: CampaignDefinition): Invalid | undefined {
  const { caps } = definition;
  if (!isPositiveAtMost(caps.perPersonPoints, personPointsLimit)) {
    return invalid(`caps.perPersonPoints must be a positive integer ≤ ${personPointsLimit}`, 'caps.perPersonPoints');
  }
  if (caps.perEventPoints !== undefined && !isPositiveAtMost(caps.perEventPoints, caps.perPersonPoints)) {
    return invalid('caps.perEventPoints must be a positive integer ≤ caps.perPersonPoints', 'caps.perEventPoints');
  }
  if (caps.perPeriod !== undefined && !isPositiveAtMost(caps.perPeriod.points, caps.perPersonPoints)) {
    return invalid('caps.perPeriod.points must be a positive integer ≤ caps.perPersonPoints', 'caps.perPeriod');
  }
  if (caps.budgetPoints !== undefined && !isPositiveAtMost(caps.budgetPoints, budgetPointsLimit)) {
    return invalid(`caps.budgetPoints must be a positive integer ≤ ${budgetPointsLimit}`, 'caps.budgetPoints');
  }
  return undefined;
}

function checkSpendBack(definition: CampaignDefinition): Invalid | undefined {
  if (definition.eligibleEventKinds.length === 0) return invalid('at least one event kind must be eligible', 'eligibleEventKinds');
  if (new Set(definition.eligibleEventKinds).size !== definition.eligibleEventKinds.length) {
    return invalid('event kinds must not repeat', 'eligibleEventKinds');
  }
  const rate = definition.rate;
  if (rate === undefined) return invalid('a spend-back campaign needs a rate', 'rate');
  if (!isPositiveAtMost(rate.numerator, rateDenominatorMax) || !isPositiveAtMost(rate.denominator, rateDenominatorMax)) {
    return invalid(`rate must be a positive rational with a denominator ≤ ${rateDenominatorMax}`, 'rate');
  }
  if (rate.numerator > rate.denominator) return invalid('rate must not exceed 1', 'rate');
  if (definition.award !== undefined) return invalid('a spend-back campaign has no fixed award', 'award');
  if (definition.representatives.minorsMayShareAccount) {
    // A payment on a shared account could not be attributed to one person's spending.
    return invalid('only fixed-award campaigns may let a representative account carry minors', 'representatives');
  }
  const regions = definition.eligibleMerchantRegions;
  if (regions !== undefined) {
    if (regions.length === 0 || !regions.every((code) => regionCodePattern.test(code)) || new Set(regions).size !== regions.length) {
      return invalid('merchant regions: 1–16 of 0-9, A-Z, a-z and hyphens each, none repeated, at least one', 'eligibleMerchantRegions');
    }
  }
  return undefined;
}

function checkFixedAward(definition: CampaignDefinition): Invalid | undefined {
  if (definition.eligibleEventKinds.length > 0) return invalid('a fixed award counts no events', 'eligibleEventKinds');
  if (definition.rate !== undefined) return invalid('a fixed award has no rate', 'rate');
  if (definition.eligibleMerchantRegions !== undefined) return invalid('a fixed award counts no merchants', 'eligibleMerchantRegions');
  if (definition.caps.perEventPoints !== undefined || definition.caps.perPeriod !== undefined) {
    return invalid('a fixed award has no per-event or per-period cap', 'caps');
  }
  const award = definition.award;
  if (award === undefined) return invalid('a fixed-award campaign needs an award', 'award');
  if (!attestationKindPattern.test(award.attestationKind)) {
    return invalid('award.attestationKind: 2–63 of a-z, 0-9 and _, starting with a letter', 'award.attestationKind');
  }
  if (!isPositiveAtMost(award.points, definition.caps.perPersonPoints)) {
    return invalid('award.points must be a positive integer ≤ caps.perPersonPoints', 'award.points');
  }
  return undefined;
}

/**
 * Checks the rules of the campaign model that a JSON schema cannot express.
 * Returns `campaign_invalid` with the offending `param`.
 *
 * @example
 * const r = validateCampaign(mynapoint2020(), 1);
 * if (r.ok) r.value.earningStartsAtMs; // 1598886000000
 */
export function validateCampaign(definition: CampaignDefinition, version: number): Result<Campaign, 'campaign_invalid'> {
  if (!campaignIdPattern.test(definition.id)) return invalid('id must be 3–64 of a-z, 0-9 and inner hyphens', 'id');
  if (Array.isArray(definition.eligibleProviderServices) && definition.eligibleProviderServices.length === 0) {
    return invalid('list at least one provider service, or "all"', 'eligibleProviderServices');
  }
  const broken = checkCaps(definition) ?? (definition.kind === 'spend_back' ? checkSpendBack(definition) : checkFixedAward(definition));
  if (broken !== undefined) return broken;
  if (!isKnownTimeZone(definition.timeZone)) return invalid('unknown IANA time zone', 'timeZone');
  const application = parseWindow(definition.applicationWindow, 'applicationWindow');
  if (!application.ok) return application;
  const earning = parseWindow(definition.earningWindow, 'earningWindow');
  if (!earning.ok) return earning;
  if (application.value[0] > earning.value[1]) return invalid('applications must open before earning ends', 'applicationWindow');
  return ok({
    ...definition,
    version,
    applicationStartsAtMs: application.value[0],
    applicationEndsAtMs: application.value[1],
    earningStartsAtMs: earning.value[0],
    earningEndsAtMs: earning.value[1],
  });
}

/**
 * Checks a new version against the one in force. What decides how much an event contributed stays — the kind, the
 * rate, the rounding, the per-event cap and the calendar period of the period cap — because a refund of an earlier
 * event takes back exactly its contribution, computed by these rules; a campaign that needs other ones is a new
 * campaign. Amounts people may already hold never fall — the per-person and per-period caps, the award — so a
 * version never takes back what was granted under the one before; and a budget never falls below what was
 * granted. Windows, eligibility, a larger budget, and the refund, cancel and representative rules may change.
 */
export function validateNewVersion(
  current: Campaign,
  next: CampaignDefinition,
  grantedPoints: number,
): Result<Campaign, 'campaign_invalid'> {
  if (next.id !== current.id) return invalid('a new version keeps the campaign id', 'id');
  if (next.kind !== current.kind) return invalid('a new version keeps the kind', 'kind');
  const sameRate = current.rate?.numerator === next.rate?.numerator && current.rate?.denominator === next.rate?.denominator;
  if (!sameRate) return invalid('a new version keeps the rate: refunds of earlier events take back what that rate counted', 'rate');
  if (next.caps.perEventPoints !== current.caps.perEventPoints) {
    return invalid('a new version keeps the per-event cap: refunds of earlier events take back what it counted', 'caps.perEventPoints');
  }
  if (next.rounding !== current.rounding) return invalid('a new version keeps the rounding', 'rounding');
  if (next.caps.perPeriod?.period !== current.caps.perPeriod?.period) {
    return invalid('a new version keeps the calendar period of the period cap (its amount may rise)', 'caps.perPeriod');
  }
  if (next.caps.perPersonPoints < current.caps.perPersonPoints) return invalid('a new version never lowers the per-person cap', 'caps.perPersonPoints');
  if ((next.caps.perPeriod?.points ?? 0) < (current.caps.perPeriod?.points ?? 0)) return invalid('a new version never lowers the period cap', 'caps.perPeriod');
  if ((next.award?.points ?? 0) < (current.award?.points ?? 0)) return invalid('a new version never lowers the award', 'award.points');
  if (next.caps.budgetPoints !== undefined && next.caps.budgetPoints < grantedPoints) {
    return invalid(`the budget cannot fall below the ${grantedPoints} points already granted`, 'caps.budgetPoints');
  }
  return validateCampaign(next, current.version + 1);
}

/** Whether `atMs` falls in the half-open application window. */
export function isApplicationOpen(campaign: Campaign, atMs: number): boolean {
  return campaign.applicationStartsAtMs <= atMs && atMs < campaign.applicationEndsAtMs;
}

/** Whether the campaign accepts bindings of this provider service. */
export function acceptsProviderService(campaign: Campaign, providerServiceId: string): boolean {
  return campaign.eligibleProviderServices === 'all' || campaign.eligibleProviderServices.includes(providerServiceId);
}

/** The key of the calendar period an instant falls in: `2020-09-15` for days, `2020-09` for months. */
export function periodKeyOf(atMs: number, timeZone: string, period: CalendarPeriod): string {
  return period === 'day' ? localDateOf(atMs, timeZone) : localMonthOf(atMs, timeZone);
}
