/**
 * Browser sessions: a session says how its token travels (`token`: a bearer token for machines and the CLI;
 * `cookie`: an HttpOnly cookie of the portal), and a cookie session also ends after a while without a request
 * (shared terminals, DOMAIN.md §8.4). Frozen in time like every migration: Kysely<any>, no app types.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sessions').addColumn('delivery', 'text', (c) => c.notNull().defaultTo('token')).execute();
  await db.schema.alterTable('sessions').addColumn('idle_expires_at_ms', 'bigint').execute();
}
