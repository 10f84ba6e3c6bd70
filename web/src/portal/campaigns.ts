/**
 * What the portal works out from a campaign's published rules: whether it takes applications now, which services
 * it accepts, and whether a binding may still be cancelled today (in the campaign's own time zone). The platform
 * decides all of these again; the page uses them only to offer what will work.
 */
import type { Campaign, CitizenBinding, ProviderService } from '../shared/types.js';

export function isApplicationOpen(campaign: Campaign, nowMs: number): boolean {
  const opened = Date.parse(campaign.applicationWindow.startsAt) <= nowMs && nowMs < Date.parse(campaign.applicationWindow.endsAt);
  return opened && (campaign.budget?.exhaustedAt ?? null) === null;
}

export function eligibleServices(campaign: Campaign, services: ProviderService[]): ProviderService[] {
  const eligible = campaign.eligibleProviderServices;
  return eligible === 'all' ? services : services.filter((service) => eligible.includes(service.id));
}

function dayIn(timeZone: string, ms: number): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(ms));
}

export function canCancelToday(campaign: Campaign, binding: CitizenBinding, nowMs: number): boolean {
  return campaign.sameDayCancel && binding.points === 0 && dayIn(campaign.timeZone, Date.parse(binding.boundAt)) === dayIn(campaign.timeZone, nowMs);
}

/** Points still to earn: the per-person cap (or the fixed award) less what was granted. */
export function pointsCapOf(campaign: Campaign): number {
  return campaign.award?.points ?? campaign.caps.perPersonPoints;
}
