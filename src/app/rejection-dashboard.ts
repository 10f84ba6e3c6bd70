/**
 * The rejection codes of the operator dashboard: how many provider events were rejected, with which code, per
 * calendar day of the settlement time zone (the platform's own days, as statements use), counted when the
 * rejections were answered (src/store/event-rejections-repo.ts).
 */
import { codeSeries, dashboardBucketMs, type CodeSeries } from '../domain/dashboard.js';
import { rejectionBuckets } from '../store/event-rejections-repo.js';
import type { AppContext } from './context.js';
import { settlementTimeZoneOf } from './settlement.js';

export interface RejectionDashboard extends CodeSeries {
  timeZone: string;
  /** Every rejection counted. */
  rejected: number;
}

/**
 * Rejections per code and day, and each code's total.
 *
 * @example
 * const dashboard = await rejectionDashboard(ctx);
 * dashboard.codes[0]; // { code: 'account_unknown', count: 12 }
 */
export async function rejectionDashboard(ctx: AppContext): Promise<RejectionDashboard> {
  const timeZone = settlementTimeZoneOf(ctx);
  const series = codeSeries(await ctx.store.transaction((tx) => rejectionBuckets(tx, dashboardBucketMs)), timeZone);
  return { timeZone, rejected: series.codes.reduce((sum, code) => sum + code.count, 0), ...series };
}
