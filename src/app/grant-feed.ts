/**
 * The provider's grant feed: a cursor over its own grants in commit order, and acknowledgements of the grants it
 * has credited to its users. The cursor is opaque to providers; it encodes the feed position.
 */
import { fail, ok, type Result } from '../domain/result.js';
import { findOwnGrantIds, insertGrantAcks, listFeedGrants, type FeedGrant } from '../store/events-repo.js';
import { findAckTimes } from '../store/settlement-repo.js';
import type { AppContext } from './context.js';

const cursorPrefix = 'g1:';

export function encodeCursor(seq: number): string {
  return Buffer.from(`${cursorPrefix}${seq}`).toString('base64url');
}

/** Codes: cursor_invalid when the text was not produced by `encodeCursor`. */
export function decodeCursor(cursor: string | undefined): Result<number, 'cursor_invalid'> {
  if (cursor === undefined || cursor === '') return ok(0);
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const seq = Number(text.slice(cursorPrefix.length));
  if (!text.startsWith(cursorPrefix) || !Number.isSafeInteger(seq) || seq < 0 || encodeCursor(seq) !== cursor) {
    return fail('cursor_invalid', 'the cursor was not produced by this feed', 'after');
  }
  return ok(seq);
}

/** A feed item: the grant with its feed position and, once acknowledged, when (what a settlement recomputation needs). */
export interface FeedItem extends FeedGrant {
  ackedAtMs: number | null;
}

export interface GrantPage {
  data: FeedItem[];
  hasMore: boolean;
  nextCursor: string;
}

export async function readGrantFeed(
  ctx: AppContext,
  providerId: string,
  input: { after: string | undefined; limit: number },
): Promise<Result<GrantPage, 'cursor_invalid'>> {
  const afterSeq = decodeCursor(input.after);
  if (!afterSeq.ok) return afterSeq;
  const { rows, ackTimes } = await ctx.store.transaction(async (tx) => {
    const listed = await listFeedGrants(tx, providerId, afterSeq.value, input.limit + 1);
    return { rows: listed, ackTimes: await findAckTimes(tx, listed.map((grant) => grant.grantId)) };
  });
  const page = rows.slice(0, input.limit);
  const lastSeq = page.at(-1)?.seq ?? afterSeq.value;
  // `acknowledged` is taken from the same read as `ackedAtMs`, so the two always agree.
  const data = page.map((grant) => {
    const ackedAtMs = ackTimes.get(grant.grantId) ?? null;
    return { ...grant, acknowledged: ackedAtMs !== null, ackedAtMs };
  });
  return ok({ data, hasMore: rows.length > input.limit, nextCursor: encodeCursor(lastSeq) });
}

/**
 * Acknowledges grants as credited. All or nothing: if any id is not one of this provider's grants, nothing is
 * written and `grant_unknown` names it. Acknowledging twice is harmless.
 */
export async function acknowledgeGrants(
  ctx: AppContext,
  providerId: string,
  grantIds: readonly string[],
): Promise<Result<{ acknowledged: number; alreadyAcknowledged: number }, 'grant_unknown'>> {
  const unique = [...new Set(grantIds)];
  return ctx.store.transaction(async (tx) => {
    const own = await findOwnGrantIds(tx, providerId, unique);
    const unknown = unique.find((id) => !own.has(id));
    if (unknown !== undefined) return fail('grant_unknown', `grant ${unknown} is not one of yours`, 'grantIds');
    const acknowledged = await insertGrantAcks(tx, providerId, unique, ctx.clock.nowMs());
    return ok({ acknowledged, alreadyAcknowledged: unique.length - acknowledged });
  });
}
