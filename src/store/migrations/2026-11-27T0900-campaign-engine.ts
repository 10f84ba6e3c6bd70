/**
 * The campaign engine (issue #4): caps per period and budgets, fixed awards from registries' attestations,
 * representatives, and corrections. Frozen in time like every migration: Kysely<any>, no app types.
 *
 * - campaigns: definitions move `pointsPerPersonMax` into `caps` and gain the representative and cancel rules.
 * - balances: `units` (Σ contributions in 1/denominator point) and `earned_points` (before the per-person cap);
 *   `period_balances` the same per calendar day or month; `campaign_budgets` what a budgeted campaign granted.
 * - bindings are rebuilt: a voided binding stays (the ledger names it) but frees the person to bind again, and
 *   `account_holders` says whose account an account is in a campaign (one adult per account).
 * - ledger entries say their source: a provider event, a fixed award or an operator correction.
 */
import { sql, type Kysely } from 'kysely';

/** Upgrades the stored definitions, and fills the new balance columns from each campaign's rate (no period caps yet). */
async function upgradeCampaigns(db: Kysely<any>): Promise<void> {
  const rows: Array<{ id: string; version: number; definition: string }> = await db.selectFrom('campaigns').select(['id', 'version', 'definition']).execute();
  for (const row of rows) {
    const { pointsPerPersonMax, ...definition } = JSON.parse(row.definition);
    if (pointsPerPersonMax === undefined) continue;
    const upgraded = { ...definition, caps: { perPersonPoints: pointsPerPersonMax }, representatives: { minorsMayShareAccount: false }, sameDayCancel: false };
    await db.updateTable('campaigns').set({ definition: JSON.stringify(upgraded) }).where('id', '=', row.id).where('version', '=', row.version).execute();
    const { numerator, denominator } = definition.rate;
    await sql`UPDATE balances SET units = eligible_yen * ${numerator}, earned_points = (eligible_yen * ${numerator}) / ${denominator} WHERE campaign_id = ${row.id}`.execute(db);
  }
}

async function rebuildBindings(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('bindings_next')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('person_id', 'text', (c) => c.notNull().references('persons.id'))
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('provider_service_id', 'text', (c) => c.notNull().references('provider_services.id'))
    .addColumn('holder_person_id', 'text', (c) => c.notNull().references('persons.id'))
    .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
    .addColumn('voided_at_ms', 'bigint')
    .addColumn('void_reason', 'text')
    .execute();
  await sql`INSERT INTO bindings_next (id, person_id, campaign_id, account_id, provider_service_id, holder_person_id, created_at_ms)
    SELECT id, person_id, campaign_id, account_id, provider_service_id, person_id, created_at_ms FROM bindings`.execute(db);
  await db.schema.dropTable('bindings').execute();
  await db.schema.alterTable('bindings_next').renameTo('bindings').execute();
  await db.schema.createIndex('bindings_account').on('bindings').column('account_id').execute();
  await db.schema.createIndex('bindings_campaign_created').on('bindings').columns(['campaign_id', 'created_at_ms']).execute();
  await db.schema
    .createIndex('bindings_active_person_campaign')
    .on('bindings')
    .columns(['person_id', 'campaign_id'])
    .unique()
    .where(sql.ref('voided_at_ms'), 'is', null)
    .execute();

  await db.schema
    .createTable('account_holders')
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('holder_person_id', 'text', (c) => c.notNull().references('persons.id'))
    .addPrimaryKeyConstraint('account_holders_pk', ['campaign_id', 'account_id'])
    .execute();
  await sql`INSERT INTO account_holders (campaign_id, account_id, holder_person_id) SELECT campaign_id, account_id, person_id FROM bindings`.execute(db);
}

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('balances').addColumn('units', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('balances').addColumn('earned_points', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
  await upgradeCampaigns(db);

  await db.schema
    .createTable('period_balances')
    .addColumn('person_id', 'text', (c) => c.notNull().references('persons.id'))
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('period_key', 'text', (c) => c.notNull())
    .addColumn('units', 'bigint', (c) => c.notNull())
    .addColumn('points', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('period_balances_pk', ['person_id', 'campaign_id', 'period_key'])
    .execute();

  await db.schema
    .createTable('campaign_budgets')
    .addColumn('campaign_id', 'text', (c) => c.primaryKey())
    .addColumn('points_granted', 'bigint', (c) => c.notNull())
    .addColumn('exhausted_at_ms', 'bigint')
    .execute();

  await db.schema.alterTable('ledger_entries').addColumn('source', 'text', (c) => c.notNull().defaultTo('event')).execute();
  await db.schema.alterTable('events').addColumn('merchant_region', 'text').execute();

  await rebuildBindings(db);

  await db.schema
    .createTable('registries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('public_key_pem', 'text', (c) => c.notNull())
    .addColumn('attestation_kinds', 'text', (c) => c.notNull())
    .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('attestations')
    .addColumn('registry_id', 'text', (c) => c.notNull().references('registries.id'))
    .addColumn('attestation_id', 'text', (c) => c.notNull())
    .addColumn('payload_sha256', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('person_id', 'text', (c) => c.notNull().references('persons.id'))
    .addColumn('attested_at_ms', 'bigint', (c) => c.notNull())
    .addColumn('received_at_ms', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('attestations_pk', ['registry_id', 'attestation_id'])
    .execute();
  await db.schema.createIndex('attestations_person_kind').on('attestations').columns(['person_id', 'kind']).execute();

  await db.schema
    .createTable('representations')
    .addColumn('representative_person_id', 'text', (c) => c.notNull().references('persons.id'))
    .addColumn('represented_person_id', 'text', (c) => c.notNull().references('persons.id'))
    .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('representations_pk', ['representative_person_id', 'represented_person_id'])
    .execute();
  await db.schema.createIndex('representations_represented').on('representations').column('represented_person_id').execute();
}
