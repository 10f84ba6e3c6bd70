/**
 * The campaign model (DESIGN.md §3): a campaign is data, validated once on input and immutable afterwards.
 * Windows are half-open instants [startsAt, endsAt) written as ISO 8601 with an offset, so "until 2021-03-31 JST"
 * is `endsAt: 2021-04-01T00:00:00+09:00`.
 */
import { fail, ok, type Result } from './result.js';

export const earningEventKinds = ['payment', 'topup'] as const;
export type EarningEventKind = (typeof earningEventKinds)[number];

export interface CampaignWindow {
  startsAt: string;
  endsAt: string;
}

/** What an operator submits, and what the store keeps as JSON. */
export interface CampaignDefinition {
  id: string;
  name: string;
  owner: string;
  kind: 'spend_back';
  eligibleEventKinds: EarningEventKind[];
  /** Provider service ids the campaign accepts, or "all". */
  eligibleProviderServices: string[] | 'all';
  applicationWindow: CampaignWindow;
  earningWindow: CampaignWindow;
  timeZone: string;
  rate: { numerator: number; denominator: number };
  rounding: 'floor';
  pointsPerPersonMax: number;
  refundPolicy: 'clawback' | 'none';
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
const isoWithOffsetPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;
const pointsPerPersonMaxLimit = 10_000_000;
const rateDenominatorMax = 1_000_000;

function parseInstantMs(text: string): number | undefined {
  if (!isoWithOffsetPattern.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}

function isKnownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return true;
  } catch {
    return false;
  }
}

function parseWindow(window: CampaignWindow, param: string): Result<[number, number], 'campaign_invalid'> {
  const startsAtMs = parseInstantMs(window.startsAt);
  const endsAtMs = parseInstantMs(window.endsAt);
  if (startsAtMs === undefined) return fail('campaign_invalid', 'startsAt must be ISO 8601 with an offset', `${param}.startsAt`);
  if (endsAtMs === undefined) return fail('campaign_invalid', 'endsAt must be ISO 8601 with an offset', `${param}.endsAt`);
  if (endsAtMs <= startsAtMs) return fail('campaign_invalid', 'the window must end after it starts', param);
  return ok([startsAtMs, endsAtMs]);
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
  if (!campaignIdPattern.test(definition.id)) {
    return fail('campaign_invalid', 'id must be 3–64 of a-z, 0-9 and inner hyphens', 'id');
  }
  if (definition.eligibleEventKinds.length === 0) {
    return fail('campaign_invalid', 'at least one event kind must be eligible', 'eligibleEventKinds');
  }
  if (new Set(definition.eligibleEventKinds).size !== definition.eligibleEventKinds.length) {
    return fail('campaign_invalid', 'event kinds must not repeat', 'eligibleEventKinds');
  }
  if (Array.isArray(definition.eligibleProviderServices) && definition.eligibleProviderServices.length === 0) {
    return fail('campaign_invalid', 'list at least one provider service, or "all"', 'eligibleProviderServices');
  }
  const { numerator, denominator } = definition.rate;
  if (!Number.isSafeInteger(numerator) || numerator <= 0 || !Number.isSafeInteger(denominator) || denominator <= 0 || denominator > rateDenominatorMax) {
    return fail('campaign_invalid', 'rate must be a positive rational with a denominator ≤ 1,000,000', 'rate');
  }
  if (numerator > denominator) return fail('campaign_invalid', 'rate must not exceed 1', 'rate');
  if (!Number.isSafeInteger(definition.pointsPerPersonMax) || definition.pointsPerPersonMax <= 0 || definition.pointsPerPersonMax > pointsPerPersonMaxLimit) {
    return fail('campaign_invalid', 'pointsPerPersonMax must be a positive integer ≤ 10,000,000', 'pointsPerPersonMax');
  }
  if (!isKnownTimeZone(definition.timeZone)) return fail('campaign_invalid', 'unknown IANA time zone', 'timeZone');
  const application = parseWindow(definition.applicationWindow, 'applicationWindow');
  if (!application.ok) return application;
  const earning = parseWindow(definition.earningWindow, 'earningWindow');
  if (!earning.ok) return earning;
  if (application.value[0] > earning.value[1]) {
    return fail('campaign_invalid', 'applications must open before earning ends', 'applicationWindow');
  }
  return ok({
    ...definition,
    version,
    applicationStartsAtMs: application.value[0],
    applicationEndsAtMs: application.value[1],
    earningStartsAtMs: earning.value[0],
    earningEndsAtMs: earning.value[1],
  });
}

/** Whether `atMs` falls in the half-open application window. */
export function isApplicationOpen(campaign: Campaign, atMs: number): boolean {
  return campaign.applicationStartsAtMs <= atMs && atMs < campaign.applicationEndsAtMs;
}

/** Whether the campaign accepts bindings of this provider service. */
export function acceptsProviderService(campaign: Campaign, providerServiceId: string): boolean {
  return campaign.eligibleProviderServices === 'all' || campaign.eligibleProviderServices.includes(providerServiceId);
}
