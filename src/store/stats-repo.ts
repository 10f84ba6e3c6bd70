/**
 * Operator statistics per campaign: persons bound, points granted (net of clawbacks), events applied.
 */
import type { Tx } from './db.js';

export interface CampaignStats {
  campaignId: string;
  personsBound: number;
  pointsGranted: number;
  eligibleYen: number;
}

export async function campaignStats(tx: Tx): Promise<CampaignStats[]> {
  const rows = await tx.db
    .selectFrom('balances')
    .select(({ fn }) => ['campaign_id as campaignId', fn.sum<number>('points_granted').as('pointsGranted'), fn.sum<number>('eligible_yen').as('eligibleYen')])
    .groupBy('campaign_id')
    .orderBy('campaign_id')
    .execute();
  // A voided binding keeps its (emptied) balance: persons bound are the active bindings.
  const bound = await tx.db
    .selectFrom('bindings')
    .select(({ fn }) => ['campaign_id as campaignId', fn.countAll<number>().as('persons')])
    .where('voided_at_ms', 'is', null)
    .groupBy('campaign_id')
    .execute();
  const personsByCampaign = new Map(bound.map((row) => [row.campaignId, Number(row.persons)]));
  // Aggregates come back as strings or bigints depending on the engine; they are counts and sums of integers.
  return rows.map((row) => ({
    campaignId: row.campaignId,
    personsBound: personsByCampaign.get(row.campaignId) ?? 0,
    pointsGranted: Number(row.pointsGranted),
    eligibleYen: Number(row.eligibleYen),
  }));
}

export async function eventsApplied(tx: Tx): Promise<number> {
  const row = await tx.db.selectFrom('events').select(({ fn }) => fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
  return Number(row.count);
}
