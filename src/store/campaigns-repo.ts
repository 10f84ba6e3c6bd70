/**
 * Campaigns, versioned: a campaign id has one row per version and the newest version is the one in force.
 */
import type { CampaignDefinition } from '../domain/campaign.js';
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
