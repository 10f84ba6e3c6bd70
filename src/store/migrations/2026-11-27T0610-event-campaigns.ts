/**
 * Which campaigns each applied earning event was counted in. A refund or cancel reverses exactly these, so a
 * binding made after the original (or a campaign that never counted it) is never clawed back by mistake.
 * Frozen in time like every migration: Kysely<any>, no app types.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('event_campaigns')
    .addColumn('provider_id', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('event_campaigns_pk', ['provider_id', 'event_id', 'campaign_id'])
    .addForeignKeyConstraint('event_campaigns_event', ['provider_id', 'event_id'], 'events', ['provider_id', 'event_id'])
    .execute();
}
