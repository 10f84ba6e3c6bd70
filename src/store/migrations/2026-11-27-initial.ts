/**
 * The first schema. Frozen in time: it takes Kysely<any> and never imports the app's types (KY8), so later code
 * changes cannot change what this migration did. Both engines run it; every type used here means the same in
 * PostgreSQL and SQLite (text, bigint, integer).
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('persons')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('mykey_id', 'text', (c) => c.notNull().unique())
    .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('credentials')
    .addColumn('credential_hash', 'text', (c) => c.primaryKey())
    .addColumn('person_id', 'text', (c) => c.notNull().references('persons.id'))
    .addColumn('not_after_ms', 'bigint', (c) => c.notNull())
    .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
    .addColumn('last_login_at_ms', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('credentials_person').on('credentials').column('person_id').execute();

  await db.schema
    .createTable('providers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('verify_url', 'text', (c) => c.notNull())
    .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('provider_services')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('provider_id', 'text', (c) => c.notNull().references('providers.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('provider_keys')
    .addColumn('key_id', 'text', (c) => c.primaryKey())
    .addColumn('provider_id', 'text', (c) => c.notNull().references('providers.id'))
    .addColumn('secret_sealed', 'text', (c) => c.notNull())
    .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at_ms', 'bigint')
    .execute();
  await db.schema
    .createTable('provider_feed_heads')
    .addColumn('provider_id', 'text', (c) => c.primaryKey().references('providers.id'))
    .addColumn('last_seq', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('accounts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('provider_id', 'text', (c) => c.notNull().references('providers.id'))
    .addColumn('provider_service_id', 'text', (c) => c.notNull().references('provider_services.id'))
    .addColumn('account_ref', 'text', (c) => c.notNull())
    .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('accounts_provider_ref', ['provider_id', 'account_ref'])
    .execute();

  await db.schema
    .createTable('campaigns')
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('definition', 'text', (c) => c.notNull())
    .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('campaigns_pk', ['id', 'version'])
    .execute();

  await db.schema
    .createTable('bindings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('person_id', 'text', (c) => c.notNull().references('persons.id'))
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('provider_service_id', 'text', (c) => c.notNull().references('provider_services.id'))
    .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('bindings_person_campaign', ['person_id', 'campaign_id'])
    .addUniqueConstraint('bindings_campaign_account', ['campaign_id', 'account_id'])
    .execute();
  await db.schema.createIndex('bindings_account').on('bindings').column('account_id').execute();

  await db.schema
    .createTable('events')
    .addColumn('provider_id', 'text', (c) => c.notNull().references('providers.id'))
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('payload_sha256', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('amount_yen', 'bigint', (c) => c.notNull())
    .addColumn('occurred_at_ms', 'bigint', (c) => c.notNull())
    .addColumn('original_event_id', 'text')
    .addColumn('reversed_yen', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('applied_at_ms', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('events_pk', ['provider_id', 'event_id'])
    .execute();

  await db.schema
    .createTable('balances')
    .addColumn('person_id', 'text', (c) => c.notNull().references('persons.id'))
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('eligible_yen', 'bigint', (c) => c.notNull())
    .addColumn('points_granted', 'bigint', (c) => c.notNull())
    .addColumn('updated_at_ms', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('balances_pk', ['person_id', 'campaign_id'])
    .execute();

  await db.schema
    .createTable('ledger_entries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('provider_id', 'text', (c) => c.notNull().references('providers.id'))
    .addColumn('provider_seq', 'bigint', (c) => c.notNull())
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('person_id', 'text', (c) => c.notNull().references('persons.id'))
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('points', 'bigint', (c) => c.notNull())
    .addColumn('eligible_delta_yen', 'bigint', (c) => c.notNull())
    .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('ledger_provider_seq', ['provider_id', 'provider_seq'])
    .execute();
  await db.schema.createIndex('ledger_person_campaign').on('ledger_entries').columns(['person_id', 'campaign_id']).execute();
  await db.schema.createIndex('ledger_event').on('ledger_entries').columns(['provider_id', 'event_id']).execute();

  await db.schema
    .createTable('grant_acks')
    .addColumn('ledger_entry_id', 'text', (c) => c.primaryKey().references('ledger_entries.id'))
    .addColumn('provider_id', 'text', (c) => c.notNull().references('providers.id'))
    .addColumn('acked_at_ms', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('challenges')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('nonce', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('session_id', 'text')
    .addColumn('binding_sha256', 'text')
    .addColumn('expires_at_ms', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('challenges_expiry').on('challenges').column('expires_at_ms').execute();

  await db.schema
    .createTable('sessions')
    .addColumn('token_sha256', 'text', (c) => c.primaryKey())
    .addColumn('person_id', 'text', (c) => c.notNull().references('persons.id'))
    .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
    .addColumn('expires_at_ms', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('idempotency_records')
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('request_sha256', 'text', (c) => c.notNull())
    .addColumn('status_code', 'integer', (c) => c.notNull())
    .addColumn('response_body', 'text', (c) => c.notNull())
    .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_records_pk', ['scope', 'key'])
    .execute();

  await db.schema
    .createTable('signature_nonces')
    .addColumn('signature_sha256', 'text', (c) => c.primaryKey())
    .addColumn('expires_at_ms', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('signature_nonces_expiry').on('signature_nonces').column('expires_at_ms').execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('seq', 'bigint', (c) => c.primaryKey())
    .addColumn('at_ms', 'bigint', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();
}
