/**
 * Card login (DESIGN.md §2.1, JPKI.md §8): single-use challenges, token verification, and the person found by
 * the keyed hash of the certificate — or created, with a new Mykey ID, at the first login.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { challengeNonce, nonceRandomBytes, type ChallengePurpose, type NonceContext } from '../domain/challenge-nonce.js';
import { browserSessionIdleMs, challengeTtlMs, sessionTtlMs } from '../domain/limits.js';
import { generateMykeyId } from '../domain/mykey-id.js';
import { fail, ok, type Result } from '../domain/result.js';
import { verifyAuthToken, type AuthToken, type AuthTokenErrorCode } from '../identity/auth-token.js';
import { isUniqueViolation, type Tx } from '../store/db.js';
import { lockRenewals } from '../store/renewals-repo.js';
import {
  consumeChallenge,
  deleteExpiredChallenges,
  deleteExpiredSessions,
  findPersonByCredential,
  insertChallenge,
  insertCredential,
  insertPerson,
  insertSession,
  touchCredential,
  type ChallengeRow,
  type PersonRow,
  type SessionDelivery,
} from '../store/persons-repo.js';
import type { AppContext } from './context.js';
import { credentialHash } from './platform-keys.js';
import { ingestRenewals, linkRenewedCredential } from './renewal.js';

export interface IssuedChallenge {
  challengeId: string;
  nonce: string;
  expiresAtMs: number;
}

/**
 * Issues a single-use challenge. A bind challenge carries the sha256 of the binding details inside its nonce, and
 * a represent challenge the Mykey ID of the representative, so the card's signature covers them and the agent
 * checks them before the PIN (the format: src/domain/challenge-nonce.ts).
 */
export async function issueChallenge(ctx: AppContext, input: { context: NonceContext; sessionId?: string }): Promise<IssuedChallenge> {
  const nowMs = ctx.clock.nowMs();
  const nonce = challengeNonce(randomBytes(nonceRandomBytes), input.context);
  const challenge: ChallengeRow = {
    id: randomUUID(),
    nonce,
    purpose: input.context.purpose,
    sessionId: input.sessionId ?? null,
    bindingSha256: input.context.purpose === 'bind' ? input.context.bindingSha256 : null,
    expiresAtMs: nowMs + challengeTtlMs,
  };
  await ctx.store.transaction(async (tx) => {
    await deleteExpiredChallenges(tx, nowMs);
    await insertChallenge(tx, challenge);
  });
  return { challengeId: challenge.id, nonce, expiresAtMs: challenge.expiresAtMs };
}

export type CardProofErrorCode =
  | 'challenge_not_found'
  | 'challenge_expired'
  | 'challenge_purpose_mismatch'
  | 'challenge_session_mismatch'
  | AuthTokenErrorCode
  | 'certificate_revoked'
  | 'revocation_unavailable';

export interface CardProof {
  challenge: ChallengeRow;
  credentialHash: string;
  /** The certificate's issuer and serial, for the renewal lookup of a first login (never stored). */
  certificate: { issuerNameDer: Uint8Array; serialHex: string };
  notAfterMs: number;
}

/**
 * Consumes the challenge (it is gone even if what follows fails: a nonce is never usable twice) and verifies the
 * token against it: chain, validity, purpose, signature over origin and nonce, then revocation. A login challenge
 * issued to a browser session (`sessionId`, the sha256 of its pre-login cookie) is completed only by that session
 * (`loginSessionId`), so a challenge obtained in one browser cannot log another in (JPKI.md T4).
 */
export async function proveCard(
  ctx: AppContext,
  input: { challengeId: string; purpose: ChallengePurpose; token: AuthToken; loginSessionId?: string | null },
): Promise<Result<CardProof, CardProofErrorCode>> {
  const nowMs = ctx.clock.nowMs();
  const challenge = await ctx.store.transaction((tx) => consumeChallenge(tx, input.challengeId));
  if (challenge === undefined) return fail('challenge_not_found', 'no such challenge, or it was already used', 'challengeId');
  if (challenge.expiresAtMs <= nowMs) return fail('challenge_expired', 'the challenge has expired; ask for a new one', 'challengeId');
  if (challenge.purpose !== input.purpose) {
    return fail('challenge_purpose_mismatch', `the challenge was issued for ${challenge.purpose}`, 'challengeId');
  }
  if (input.purpose === 'login' && challenge.sessionId !== null && challenge.sessionId !== input.loginSessionId) {
    return fail('challenge_session_mismatch', 'the challenge was issued to another browser session; ask for a new one here', 'challengeId');
  }
  const verified = verifyAuthToken({ token: input.token, nonce: challenge.nonce, origin: ctx.origin, trust: ctx.trust, nowMs });
  if (!verified.ok) return verified;
  if (ctx.revocation !== undefined) {
    const { issuerNameDer, serialHex, issuerCertificateDer } = verified.value;
    const status = await ctx.revocation.check({ issuerNameDer, serialHex, issuerCertificateDer, nowMs });
    if (!status.ok) return status;
  }
  const { issuerNameDer, serialHex, notAfterMs } = verified.value;
  return ok({ challenge, credentialHash: credentialHash(ctx.keys, verified.value), certificate: { issuerNameDer, serialHex }, notAfterMs });
}

/**
 * At the first login of a certificate, asks the renewal lookup (when configured) whether it renews an earlier one
 * and records the link, so that `findOrCreatePerson` attaches it to that person instead of creating a second
 * Mykey ID. Codes: renewal_lookup_unavailable (fail closed: no person is created without an answer).
 */
async function recordPredecessor(ctx: AppContext, proof: CardProof): Promise<Result<void, 'renewal_lookup_unavailable'>> {
  if (ctx.renewalLookup === undefined) return ok(undefined);
  const known = await ctx.store.transaction((tx) => findPersonByCredential(tx, proof.credentialHash));
  if (known !== undefined) return ok(undefined);
  const link = await ctx.renewalLookup.predecessorOf({ ...proof.certificate, nowMs: ctx.clock.nowMs() });
  if (!link.ok) return link;
  if (link.value !== undefined) {
    await ingestRenewals(ctx, 'system:renewal-lookup', [{ old: link.value.old, new: proof.certificate, oldRevocationReason: link.value.oldRevocationReason }]);
  }
  return ok(undefined);
}

const mykeyIdAttemptsMax = 5;

/** What a caller writes in the transaction that found the person (a login's session), so both commit at once. */
type WithPerson = (tx: Tx, person: PersonRow) => Promise<void>;

/**
 * The person of a credential: at its first login, the person its renewal record links it to, or else a new person
 * with a fresh Mykey ID; `andThen` writes in the same transaction.
 */
async function findOrCreatePerson(ctx: AppContext, proof: CardProof, andThen: WithPerson): Promise<PersonRow & { created: boolean }> {
  for (let attempt = 1; ; attempt += 1) {
    const nowMs = ctx.clock.nowMs();
    try {
      return await ctx.store.transaction(async (tx) => {
        const person = await findOrInsertPerson(tx, proof, nowMs);
        await andThen(tx, person);
        return person;
      });
    } catch (error) {
      // A Mykey ID collision, or the same card logging in twice at once: run again, and find the winner's row.
      if (!isUniqueViolation(error) || attempt >= mykeyIdAttemptsMax) throw error;
    }
  }
}

/** The credential's person, linked through a renewal record or new, in the caller's transaction. */
async function findOrInsertPerson(tx: Tx, proof: CardProof, nowMs: number): Promise<PersonRow & { created: boolean }> {
  const existing = await findPersonByCredential(tx, proof.credentialHash);
  if (existing !== undefined) {
    await touchCredential(tx, proof.credentialHash, nowMs);
    return { ...existing, created: false };
  }
  // First login of this certificate: a renewal record may link it to a person (JPKI.md §2.4). The lock makes
  // this and renewal ingestion see each other, so neither misses the other and leaves two Mykey IDs.
  await lockRenewals(tx);
  const raced = await findPersonByCredential(tx, proof.credentialHash);
  if (raced !== undefined) {
    await touchCredential(tx, proof.credentialHash, nowMs);
    return { ...raced, created: false };
  }
  const renewed = await linkRenewedCredential(tx, proof.credentialHash, nowMs);
  if (renewed !== undefined) {
    await insertCredential(tx, { credentialHash: proof.credentialHash, personId: renewed.personId, notAfterMs: proof.notAfterMs, nowMs });
    return { ...renewed, created: false };
  }
  const person = { personId: randomUUID(), mykeyId: generateMykeyId() };
  await insertPerson(tx, { ...person, nowMs });
  await insertCredential(tx, { credentialHash: proof.credentialHash, personId: person.personId, notAfterMs: proof.notAfterMs, nowMs });
  return { ...person, created: true };
}

/**
 * The person of a proven card, as a login finds it: asks the renewal lookup at the certificate's first login,
 * then finds the person or creates one with a new Mykey ID, and runs `andThen` in that transaction. Codes:
 * renewal_lookup_unavailable.
 */
export async function personOfCard(
  ctx: AppContext,
  proof: CardProof,
  andThen: WithPerson = async () => undefined,
): Promise<Result<PersonRow & { created: boolean }, 'renewal_lookup_unavailable'>> {
  const predecessor = await recordPredecessor(ctx, proof);
  if (!predecessor.ok) return predecessor;
  return ok(await findOrCreatePerson(ctx, proof, andThen));
}

export interface LoginResult {
  mykeyId: string;
  personCreated: boolean;
  sessionToken: string;
  expiresAtMs: number;
  delivery: SessionDelivery;
  /** Cookie sessions: when the session ends without a request. */
  idleExpiresAtMs: number | null;
}

export function sessionTokenSha256(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Logs in with the card: the same card always reaches the same Mykey ID, and a renewed card its predecessor's.
 * `sessionId` is the sha256 of the pre-login cookie the request carried (null without one); `delivery` says how
 * the new session's token travels: a cookie session also ends after `browserSessionIdleMs` without a request.
 * Codes: those of `proveCard`, renewal_lookup_unavailable.
 */
export async function loginWithCard(
  ctx: AppContext,
  input: { challengeId: string; token: AuthToken; sessionId: string | null; delivery: SessionDelivery },
): Promise<Result<LoginResult, CardProofErrorCode | 'renewal_lookup_unavailable'>> {
  const proof = await proveCard(ctx, { challengeId: input.challengeId, token: input.token, purpose: 'login', loginSessionId: input.sessionId });
  if (!proof.ok) return proof;
  const sessionToken = randomBytes(32).toString('base64url');
  const nowMs = ctx.clock.nowMs();
  const expiresAtMs = nowMs + sessionTtlMs;
  const idleExpiresAtMs = input.delivery === 'cookie' ? nowMs + browserSessionIdleMs : null;
  // The session is written in the transaction that finds (or creates) the person: one commit.
  const found = await personOfCard(ctx, proof.value, async (tx, person) => {
    await deleteExpiredSessions(tx, nowMs);
    await insertSession(tx, { tokenSha256: sessionTokenSha256(sessionToken), personId: person.personId, nowMs, expiresAtMs, delivery: input.delivery, idleExpiresAtMs });
  });
  if (!found.ok) return found;
  const person = found.value;
  return ok({ mykeyId: person.mykeyId, personCreated: person.created, sessionToken, expiresAtMs, delivery: input.delivery, idleExpiresAtMs });
}
