/**
 * Campaigns, versioned: a campaign id has one row per version and the newest version is the one in force.
 */
import type { CampaignDefinition } from '../domain/campaign.js';
import { sql } from 'kysely';
import type { Tx } from './db.js';

export interface CampaignVersionRow {
  definition: CampaignDefinition;
  version: number;
}

export async function insertCampaignVersion(tx: Tx, input: { definition: CampaignDefinition; version: number; nowMs: number }): Promise<void> {
  await tx.db
    .insertInto('campaigns')
    .values({ id: input.definition.id, version: input.version, definition: JSON.stringify(input.definition), created_at_ms: input.nowMs })
    .execute();
}

function toRow(row: { definition: string; version: number }): CampaignVersionRow {
  return { definition: JSON.parse(row.definition) as CampaignDefinition, version: row.version };
}

export async function findCampaign(tx: Tx, campaignId: string): Promise<CampaignVersionRow | undefined> {
  const row = await tx.db
    .selectFrom('campaigns')
    .select(['definition', 'version'])
    .where('id', '=', campaignId)
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row === undefined ? undefined : toRow(row);
}

/** The newest version of every campaign, by id. */
export async function listCampaigns(tx: Tx): Promise<CampaignVersionRow[]> {
  const rows = await tx.db
    .selectFrom('campaigns as c')
    .select(['c.definition', 'c.version'])
    .where(({ eb, selectFrom }) =>
      eb('c.version', '=', selectFrom('campaigns as n').select(({ fn }) => fn.max('n.version').as('v')).whereRef('n.id', '=', 'c.id')),
    )
    .orderBy('c.id')
    .execute();
  return rows.map(toRow);
}

/** All versions of a campaign, oldest first. */
export async function listCampaignVersions(tx: Tx, campaignId: string): Promise<Array<CampaignVersionRow & { createdAtMs: number }>> {
  const rows = await tx.db
    .selectFrom('campaigns')
    .select(['definition', 'version', 'created_at_ms as createdAtMs'])
    .where('id', '=', campaignId)
    .orderBy('version')
    .execute();
  return rows.map((row) => ({ ...toRow(row), createdAtMs: row.createdAtMs }));
}

export interface BudgetRow {
  campaignId: string;
  pointsGranted: number;
  exhaustedAtMs: number | null;
}

/** Net points the campaign has granted, from the ledger. */
export async function sumCampaignGrants(tx: Tx, campaignId: string): Promise<number> {
  const row = await tx.db
    .selectFrom('ledger_entries')
    .select(({ fn }) => fn.coalesce(fn.sum<number>('points'), sql<number>`0`).as('points'))
    .where('campaign_id', '=', campaignId)
    .executeTakeFirstOrThrow();
  return Number(row.points);
}

/** Starts tracking a budgeted campaign's grants (from the ledger, when a budget is added to a running campaign). */
export async function ensureBudgetRow(tx: Tx, campaignId: string): Promise<void> {
  const pointsGranted = await sumCampaignGrants(tx, campaignId);
  await tx.db
    .insertInto('campaign_budgets')
    .values({ campaign_id: campaignId, points_granted: pointsGranted, exhausted_at_ms: null })
    .onConflict((oc) => oc.column('campaign_id').doNothing())
    .execute();
}

/**
 * Reads the budget rows of these campaigns and, on PostgreSQL, locks them until commit (unless `forUpdate` is
 * false, for a check before the write). Callers take them after every balance lock, in campaign id order, so that
 * concurrent grants never overspend and never deadlock.
 */
export async function lockBudgets(tx: Tx, campaignIds: readonly string[], forUpdate = true): Promise<Map<string, BudgetRow>> {
  const budgets = new Map<string, BudgetRow>();
  for (const campaignId of [...new Set(campaignIds)].sort()) {
    let query = tx.db
      .selectFrom('campaign_budgets')
      .select(['campaign_id as campaignId', 'points_granted as pointsGranted', 'exhausted_at_ms as exhaustedAtMs'])
      .where('campaign_id', '=', campaignId);
    if (forUpdate && tx.engine === 'postgres') query = query.forUpdate();
    const row = await query.executeTakeFirst();
    if (row !== undefined) budgets.set(campaignId, row);
  }
  return budgets;
}

export async function updateBudget(tx: Tx, budget: BudgetRow): Promise<void> {
  await tx.db
    .updateTable('campaign_budgets')
    .set({ points_granted: budget.pointsGranted, exhausted_at_ms: budget.exhaustedAtMs })
    .where('campaign_id', '=', budget.campaignId)
    .execute();
}

/** Budget rows of every budgeted campaign, without locks (for listings). */
export async function listBudgets(tx: Tx): Promise<Map<string, BudgetRow>> {
  const rows = await tx.db.selectFrom('campaign_budgets').select(['campaign_id as campaignId', 'points_granted as pointsGranted', 'exhausted_at_ms as exhaustedAtMs']).execute();
  return new Map(rows.map((row) => [row.campaignId, row]));
}
