/**
 * Runs the migrations in name order (ISO date, and a time when one day has several). Kysely's migrator takes a
 * lock, so several server processes starting at once on one PostgreSQL database migrate it exactly once.
 */
import { Migrator, type Kysely, type Migration } from 'kysely';
import * as campaignEngine from './migrations/2026-11-27T0900-campaign-engine.js';
import * as browserSessions from './migrations/2026-12-07T0300-browser-sessions.js';
import * as certificateRenewals from './migrations/2026-11-27T0700-certificate-renewals.js';
import * as eventCampaigns from './migrations/2026-11-27T0610-event-campaigns.js';
import * as eventFiles from './migrations/2026-11-27T0910-event-files.js';
import * as eventRejectionCounts from './migrations/2026-12-08T0100-event-rejection-counts.js';
import * as initial from './migrations/2026-11-27-initial.js';
import * as settlement from './migrations/2026-11-27T0920-settlement.js';
import * as staff from './migrations/2026-12-07T0400-staff.js';

const migrations: Record<string, Migration> = {
  '2026-11-27-initial': initial,
  '2026-11-27T0610-event-campaigns': eventCampaigns,
  '2026-11-27T0700-certificate-renewals': certificateRenewals,
  '2026-11-27T0900-campaign-engine': campaignEngine,
  '2026-11-27T0910-event-files': eventFiles,
  '2026-11-27T0920-settlement': settlement,
  '2026-12-07T0300-browser-sessions': browserSessions,
  '2026-12-07T0400-staff': staff,
  '2026-12-08T0100-event-rejection-counts': eventRejectionCounts,
};

export async function migrateToLatest(db: Kysely<any>): Promise<void> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error } = await migrator.migrateToLatest();
  if (error !== undefined) throw error;
}
