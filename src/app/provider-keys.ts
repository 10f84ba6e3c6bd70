/**
 * A provider's signing keys as its console and its own signed requests manage them: the list (never a secret),
 * issuing, rotation with an overlap (the old key signs until the overlap ends, then is refused exactly like an
 * unknown key), and revocation (at once). The operator's key routes use the same issuing and revocation.
 */
import { randomBytes } from 'node:crypto';
import { fail, ok, type Result } from '../domain/result.js';
import { appendAudit } from '../store/audit-repo.js';
import type { Tx } from '../store/db.js';
import { expireProviderKey, insertProviderKey, listProviderKeys, type ProviderKeyRow } from '../store/providers-repo.js';
import type { AppContext } from './context.js';
import { seal } from './platform-keys.js';

export interface IssuedKey {
  keyId: string;
  /** base64; shown once, stored only sealed. */
  secret: string;
}

/** A new key of the provider inside the caller's transaction: a random secret, stored only sealed. */
export async function insertNewProviderKey(ctx: AppContext, tx: Tx, providerId: string, nowMs: number): Promise<IssuedKey> {
  const secret = randomBytes(32);
  const keyId = `${providerId}.${randomBytes(6).toString('hex')}`;
  await insertProviderKey(tx, { keyId, providerId, secretSealed: seal(ctx.keys, secret), nowMs });
  return { keyId, secret: secret.toString('base64') };
}

/** Every key of the provider, newest first, with when it was made, expires or was revoked. */
export async function listKeysOfProvider(ctx: AppContext, providerId: string): Promise<ProviderKeyRow[]> {
  return ctx.store.transaction((tx) => listProviderKeys(tx, providerId));
}

export interface RotatedKey {
  key: IssuedKey & { createdAtMs: number };
  /** The rotated key and the end of its overlap (never later than an end it already had). */
  previous: { keyId: string; expiresAtMs: number };
}

/**
 * Rotates a key that still signs: a new key now, and the old one signs for `overlapSeconds` more (0: not at all).
 * Codes: provider_not_found when the provider has no such key that still signs.
 */
export async function rotateProviderKey(
  ctx: AppContext,
  actor: string,
  input: { providerId: string; keyId: string; overlapSeconds: number },
): Promise<Result<RotatedKey, 'provider_not_found'>> {
  const nowMs = ctx.clock.nowMs();
  return ctx.store.transaction(async (tx) => {
    const old = await expireProviderKey(tx, { providerId: input.providerId, keyId: input.keyId, expiresAtMs: nowMs + input.overlapSeconds * 1_000, nowMs });
    if (old === undefined) return fail('provider_not_found', 'no key of this provider with that id still signs', 'keyId');
    const key = await insertNewProviderKey(ctx, tx, input.providerId, nowMs);
    const previous = { keyId: old.keyId, expiresAtMs: old.expiresAtMs! };
    await appendAudit(tx, { atMs: nowMs, actor, action: 'provider_key.rotate', subject: input.providerId, details: { keyId: key.keyId, previousKeyId: previous.keyId, previousExpiresAtMs: previous.expiresAtMs } });
    return ok({ key: { ...key, createdAtMs: nowMs }, previous });
  });
}
