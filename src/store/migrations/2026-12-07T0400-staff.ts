/**
 * Staff sign-in (docs/staff.md): staff accounts with a role (and, for provider roles, the provider they work for),
 * their passkeys (WebAuthn public keys and sign counters), one-time enrolment links kept only as sha256, console
 * sessions kept only as sha256 with an absolute and an idle expiry, and single-use WebAuthn challenges bound to the
 * browser's pre-login cookie. Provider keys get an expiry, so a rotated key stays valid only for its overlap.
 * Frozen in time like every migration: Kysely<any>, no app types.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('staff_accounts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('provider_id', 'text', (c) => c.references('providers.id'))
    .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('disabled_at_ms', 'bigint')
    .execute();
  await db.schema.createIndex('staff_accounts_provider').on('staff_accounts').columns(['provider_id', 'created_at_ms']).execute();

  await db.schema
    .createTable('staff_passkeys')
    .addColumn('credential_id', 'text', (c) => c.primaryKey())
    .addColumn('staff_id', 'text', (c) => c.notNull().references('staff_accounts.id'))
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('sign_count', 'bigint', (c) => c.notNull())
    .addColumn('transports', 'text', (c) => c.notNull())
    .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at_ms', 'bigint')
    .execute();
  await db.schema.createIndex('staff_passkeys_staff').on('staff_passkeys').column('staff_id').execute();

  await db.schema
    .createTable('staff_enrolments')
    .addColumn('token_sha256', 'text', (c) => c.primaryKey())
    .addColumn('staff_id', 'text', (c) => c.notNull().references('staff_accounts.id'))
    .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
    .addColumn('expires_at_ms', 'bigint', (c) => c.notNull())
    .addColumn('used_at_ms', 'bigint')
    .execute();
  await db.schema.createIndex('staff_enrolments_staff').on('staff_enrolments').column('staff_id').execute();

  await db.schema
    .createTable('staff_sessions')
    .addColumn('token_sha256', 'text', (c) => c.primaryKey())
    .addColumn('staff_id', 'text', (c) => c.notNull().references('staff_accounts.id'))
    .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
    .addColumn('expires_at_ms', 'bigint', (c) => c.notNull())
    .addColumn('idle_expires_at_ms', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('staff_sessions_staff').on('staff_sessions').column('staff_id').execute();

  await db.schema
    .createTable('passkey_challenges')
    .addColumn('challenge', 'text', (c) => c.primaryKey())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('staff_id', 'text', (c) => c.references('staff_accounts.id'))
    .addColumn('preauth_sha256', 'text', (c) => c.notNull())
    .addColumn('expires_at_ms', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema.alterTable('provider_keys').addColumn('expires_at_ms', 'bigint').execute();
}
