/**
 * Settlement (docs/settlement.md): the statements the operator runs per provider and month, kept as revisions, and
 * the reconciliation reports of what providers say they credited. Indexes let a statement read one provider's month
 * of the ledger and a dashboard group one campaign's ledger and bindings by time without scanning other rows.
 * Frozen in time like every migration: Kysely<any>, no app types.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('settlement_statements')
    .addColumn('provider_id', 'text', (c) => c.notNull().references('providers.id'))
    .addColumn('month', 'text', (c) => c.notNull())
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('as_of_ms', 'bigint', (c) => c.notNull())
    .addColumn('subsidy_yen', 'bigint', (c) => c.notNull())
    .addColumn('statement', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('settlement_statements_pk', ['provider_id', 'month', 'revision'])
    .execute();

  await db.schema
    .createTable('settlement_reconciliations')
    .addColumn('provider_id', 'text', (c) => c.notNull().references('providers.id'))
    .addColumn('month', 'text', (c) => c.notNull())
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('report', 'text', (c) => c.notNull())
    .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('settlement_reconciliations_pk', ['provider_id', 'month', 'revision'])
    .execute();

  await db.schema.createIndex('ledger_provider_created').on('ledger_entries').columns(['provider_id', 'created_at_ms']).execute();
  await db.schema.createIndex('ledger_campaign_created').on('ledger_entries').columns(['campaign_id', 'created_at_ms', 'points']).execute();
  // The campaign-engine migration (T0900) makes the same index when it rebuilds bindings; either may come first.
  await db.schema.createIndex('bindings_campaign_created').ifNotExists().on('bindings').columns(['campaign_id', 'created_at_ms']).execute();
}
