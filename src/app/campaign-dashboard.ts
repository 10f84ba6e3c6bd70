/**
 * The budget dashboard of a campaign (DOMAIN.md §13.15): per day in the campaign's time zone, persons bound and net
 * points granted, with running totals, and what is left of the budget when the campaign has one.
 */
import { dailySeries, dashboardBucketMs, type DashboardDay } from '../domain/dashboard.js';
import { fail, ok, type Result } from '../domain/result.js';
import { findCampaign } from '../store/campaigns-repo.js';
import { bindingBuckets, pointBuckets } from '../store/dashboard-repo.js';
import type { AppContext } from './context.js';

export interface CampaignDashboard {
  campaignId: string;
  timeZone: string;
  personsBound: number;
  /** Net of clawbacks. */
  pointsGranted: number;
  budgetPoints: number | null;
  /** budgetPoints − pointsGranted, when the campaign has a budget. */
  budgetLeftPoints: number | null;
  days: DashboardDay[];
}

/**
 * `caps.budgetPoints` of a stored definition, read defensively: definitions stored before campaign budgets existed
 * have no `caps`, and a budget is only a whole number of points.
 */
function budgetPointsOf(definition: object): number | null {
  const caps: unknown = (definition as { caps?: unknown }).caps;
  const budget: unknown = typeof caps === 'object' && caps !== null ? (caps as { budgetPoints?: unknown }).budgetPoints : undefined;
  return typeof budget === 'number' && Number.isSafeInteger(budget) ? budget : null;
}

/**
 * The dashboard data of a campaign. Codes: campaign_not_found.
 *
 * @example
 * const dashboard = await campaignDashboard(ctx, 'mynapoint-demo');
 * if (dashboard.ok) dashboard.value.days.at(-1)?.pointsGrantedCumulative;
 */
export async function campaignDashboard(ctx: AppContext, campaignId: string): Promise<Result<CampaignDashboard, 'campaign_not_found'>> {
  return ctx.store.transaction(async (tx) => {
    const campaign = await findCampaign(tx, campaignId);
    if (campaign === undefined) return fail('campaign_not_found', 'no campaign with that id', 'campaignId');
    const { timeZone } = campaign.definition;
    const days = dailySeries({
      bindings: await bindingBuckets(tx, campaignId, dashboardBucketMs),
      points: await pointBuckets(tx, campaignId, dashboardBucketMs),
      timeZone,
    });
    const personsBound = days.at(-1)?.personsBoundCumulative ?? 0;
    const pointsGranted = days.at(-1)?.pointsGrantedCumulative ?? 0;
    const budgetPoints = budgetPointsOf(campaign.definition);
    return ok({ campaignId, timeZone, personsBound, pointsGranted, budgetPoints, budgetLeftPoints: budgetPoints === null ? null : budgetPoints - pointsGranted, days });
  });
}
