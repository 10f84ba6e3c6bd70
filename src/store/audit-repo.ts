/**
 * The operator audit log: append-only and hash-chained (each entry's hash covers the previous hash), so that a
 * removed or edited entry breaks the chain and `verifyAuditChain` finds it.
 */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { lockChain, type Tx } from './db.js';

const auditChainLockId = 0x6d796b65; // "myke"
export const genesisHash = '0'.repeat(64);

export interface AuditEntry {
  seq: number;
  atMs: number;
  actor: string;
  action: string;
  subject: string;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

function entryHash(entry: Omit<AuditEntry, 'hash'>): string {
  // Keep the field order fixed: the hash covers this exact serialisation.
  const canonical = JSON.stringify([entry.seq, entry.atMs, entry.actor, entry.action, entry.subject, entry.details, entry.prevHash]);
  return createHash('sha256').update(canonical).digest('hex');
}

/** Appends one entry at the end of the chain; call inside the transaction of the action it records. */
export async function appendAudit(
  tx: Tx,
  input: { atMs: number; actor: string; action: string; subject: string; details: Record<string, unknown> },
): Promise<AuditEntry> {
  await lockChain(tx, auditChainLockId);
  const last = await tx.db.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  const unhashed = { ...input, seq: (last?.seq ?? 0) + 1, prevHash: last?.hash ?? genesisHash };
  const entry = { ...unhashed, hash: entryHash(unhashed) };
  await tx.db
    .insertInto('audit_log')
    .values({
      seq: entry.seq,
      at_ms: entry.atMs,
      actor: entry.actor,
      action: entry.action,
      subject: entry.subject,
      details: JSON.stringify(entry.details),
      prev_hash: entry.prevHash,
      hash: entry.hash,
    })
    .execute();
  return entry;
}

/**
 * Entries after `afterSeq` in chain order; with `action`, only that action and the actions under it (`staff`
 * gives `staff.create`, `staff.sign_in.refused`, …).
 */
export async function listAudit(tx: Tx, afterSeq: number, limit: number, action?: string): Promise<AuditEntry[]> {
  let query = tx.db.selectFrom('audit_log').selectAll().where('seq', '>', afterSeq);
  if (action !== undefined) {
    // substr, not LIKE: action names hold underscores, which LIKE reads as wildcards.
    const under = `${action}.`;
    query = query.where((eb) => eb.or([eb('action', '=', action), eb(sql<string>`substr(action, 1, ${sql.lit(under.length)})`, '=', under)]));
  }
  const rows = await query.orderBy('seq').limit(limit).execute();
  return rows.map((row) => ({
    seq: row.seq,
    atMs: row.at_ms,
    actor: row.actor,
    action: row.action,
    subject: row.subject,
    details: JSON.parse(row.details) as Record<string, unknown>,
    prevHash: row.prev_hash,
    hash: row.hash,
  }));
}

/**
 * The first sequence number at which the chain is broken, or undefined when it is whole. `prevHash` is the hash
 * of the entry before the first one given (the chain's start by default), so a long chain is checked page by page.
 */
export function verifyAuditChain(entries: readonly AuditEntry[], prevHashBefore: string = genesisHash): number | undefined {
  let prevHash = prevHashBefore;
  for (const entry of entries) {
    if (entry.prevHash !== prevHash || entryHash(entry) !== entry.hash) return entry.seq;
    prevHash = entry.hash;
  }
  return undefined;
}
