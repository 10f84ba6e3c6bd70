/**
 * The renewal feed (証明書新旧紐付け, JPKI.md §2.4): which certificate replaced which, kept only as the keyed
 * credential hashes of both. An old certificate is replaced at most once and a new one replaces at most one, so
 * both columns are unique. Frozen in time like every migration: Kysely<any>, no app types.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('certificate_renewals')
    .addColumn('old_credential_hash', 'text', (c) => c.primaryKey())
    .addColumn('new_credential_hash', 'text', (c) => c.notNull().unique())
    .addColumn('old_revocation_reason', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('received_at_ms', 'bigint', (c) => c.notNull())
    .addColumn('updated_at_ms', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('certificate_renewals_status').on('certificate_renewals').column('status').execute();
}
