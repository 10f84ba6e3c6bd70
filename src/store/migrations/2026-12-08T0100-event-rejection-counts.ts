/**
 * Event rejections, counted (the operator dashboard's "rejection codes"): a rejected event writes nothing of its
 * own (a later event with the same id is decided afresh), so the count of rejections per provider, code and quarter
 * hour of UTC is kept here, written in the transaction that answers the rejection. Quarter hours, as the budget
 * dashboard groups bindings and grants, so the counts add up to calendar days of any time zone in use today.
 * Frozen in time like every migration: Kysely<any>, no app types.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('event_rejection_counts')
    .addColumn('provider_id', 'text', (c) => c.notNull().references('providers.id'))
    .addColumn('bucket_start_ms', 'bigint', (c) => c.notNull())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('rejected', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('event_rejection_counts_pk', ['provider_id', 'bucket_start_ms', 'code'])
    .execute();
  await db.schema.createIndex('event_rejection_counts_bucket').on('event_rejection_counts').columns(['bucket_start_ms', 'code']).execute();
}
