/**
 * Event files a provider uploads in chunks (NDJSON or CSV), and the result of each of their lines. A file row
 * holds where the reading stands between chunks: the bytes received, the line in progress (at most one line's
 * bytes), the CSV columns once the header is read, the running sha256 when the provider declared one, and the
 * counts. A line result is written in the same transaction that moves the file past the line, so each line has
 * exactly one result. Frozen in time like every migration: Kysely<any>, no app types.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('event_files')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('provider_id', 'text', (c) => c.notNull().references('providers.id'))
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('declared_size_bytes', 'bigint')
    .addColumn('declared_sha256', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('received_bytes', 'bigint', (c) => c.notNull())
    .addColumn('tail_base64', 'text', (c) => c.notNull())
    .addColumn('skipping_long_line', 'integer', (c) => c.notNull())
    .addColumn('next_line_no', 'bigint', (c) => c.notNull())
    .addColumn('csv_columns', 'text')
    .addColumn('sha256_state', 'text')
    .addColumn('lines_applied', 'bigint', (c) => c.notNull())
    .addColumn('lines_duplicate', 'bigint', (c) => c.notNull())
    .addColumn('lines_rejected', 'bigint', (c) => c.notNull())
    .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
    .addColumn('updated_at_ms', 'bigint', (c) => c.notNull())
    .addColumn('closed_at_ms', 'bigint')
    .execute();
  await db.schema.createIndex('event_files_provider').on('event_files').columns(['provider_id', 'created_at_ms']).execute();
  await db.schema
    .createTable('event_file_lines')
    .addColumn('file_id', 'text', (c) => c.notNull().references('event_files.id'))
    .addColumn('line_no', 'bigint', (c) => c.notNull())
    .addColumn('event_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('code', 'text')
    .addColumn('message', 'text')
    .addPrimaryKeyConstraint('event_file_lines_pk', ['file_id', 'line_no'])
    .execute();
  // The report filtered by status (usually the rejected lines of a large file) pages in line order.
  await db.schema.createIndex('event_file_lines_status').on('event_file_lines').columns(['file_id', 'status', 'line_no']).execute();
}
