/**
 * What enrolment and sign-in share of a WebAuthn ceremony: the relying party (the configured origin and its host
 * name), single-use challenges bound to the browser that asked for them (its pre-login cookie, JPKI.md T4 for
 * passkeys), and the audit of refused attempts.
 */
import { decodeClientDataJSON } from '@simplewebauthn/server/helpers';
import { passkeyChallengeTtlMs } from '../domain/limits.js';
import { fail, ok, type Failure, type Result } from '../domain/result.js';
import { appendAudit } from '../store/audit-repo.js';
import { consumePasskeyChallenge, insertPasskeyChallenge, type PasskeyChallengeRow, type PasskeyPurpose } from '../store/staff-repo.js';
import type { AppContext } from './context.js';

/** The relying party of the platform's passkeys: its id is the host name of the origin browsers see. */
export function relyingPartyOf(origin: string): { rpID: string; rpName: string; origin: string } {
  return { rpID: new URL(origin).hostname, rpName: 'Mykey Platform', origin };
}

/** Stores a challenge the options of a ceremony carry; returns when it expires. */
export async function storePasskeyChallenge(
  ctx: AppContext,
  input: { challenge: string; purpose: PasskeyPurpose; staffId: string | null; preauthSha256: string },
): Promise<number> {
  const nowMs = ctx.clock.nowMs();
  const expiresAtMs = nowMs + passkeyChallengeTtlMs;
  await ctx.store.transaction((tx) => insertPasskeyChallenge(tx, { ...input, expiresAtMs }, nowMs));
  return expiresAtMs;
}

export type PasskeyChallengeErrorCode = 'challenge_not_found' | 'challenge_expired' | 'challenge_purpose_mismatch' | 'challenge_session_mismatch' | 'passkey_verification_failed';

/**
 * The challenge a browser's answer signed (read from its clientDataJSON), used up whatever follows: a challenge is
 * never usable twice. Refused when unknown or used, expired, issued for the other ceremony, or issued to another
 * browser (`preauthSha256`: the sha256 of the pre-login cookie the answer came with, null without one).
 * Codes: challenge_not_found, challenge_expired, challenge_purpose_mismatch, challenge_session_mismatch,
 * passkey_verification_failed (clientDataJSON is not readable).
 */
export async function takePasskeyChallenge(
  ctx: AppContext,
  input: { clientDataJSON: string; purpose: PasskeyPurpose; preauthSha256: string | null },
): Promise<Result<PasskeyChallengeRow, PasskeyChallengeErrorCode>> {
  let signed: string;
  try {
    signed = decodeClientDataJSON(input.clientDataJSON).challenge;
  } catch {
    return fail('passkey_verification_failed', 'clientDataJSON is not base64url JSON', 'credential');
  }
  if (typeof signed !== 'string') return fail('passkey_verification_failed', 'clientDataJSON names no challenge', 'credential');
  const challenge = await ctx.store.transaction((tx) => consumePasskeyChallenge(tx, signed));
  if (challenge === undefined) return fail('challenge_not_found', 'no such challenge, or it was already used; ask for new options', 'credential');
  if (challenge.expiresAtMs <= ctx.clock.nowMs()) return fail('challenge_expired', 'the challenge has expired; ask for new options', 'credential');
  if (challenge.purpose !== input.purpose) return fail('challenge_purpose_mismatch', `the challenge was issued for a ${challenge.purpose}`, 'credential');
  if (challenge.preauthSha256 !== input.preauthSha256) {
    return fail('challenge_session_mismatch', 'the challenge was issued to another browser; ask for new options in this one', 'credential');
  }
  return ok(challenge);
}

/** Runs a WebAuthn verification of @simplewebauthn/server, whose refusals are thrown errors or `verified: false`. */
export async function verifyCeremony<T extends { verified: boolean }>(verify: () => Promise<T>): Promise<Result<T, 'passkey_verification_failed'>> {
  try {
    const verified = await verify();
    return verified.verified ? ok(verified) : fail('passkey_verification_failed', 'the passkey’s signature does not verify', 'credential');
  } catch (error) {
    return fail('passkey_verification_failed', error instanceof Error ? error.message : 'the passkey’s answer does not verify', 'credential');
  }
}

/** Records a refused enrolment or sign-in: the code and the reason, never a credential's bytes. */
export async function auditRefusal(ctx: AppContext, input: { actor: string; action: string; subject: string; failure: Failure<string>; details?: Record<string, unknown> }): Promise<void> {
  const { failure } = input;
  await ctx.store.transaction((tx) =>
    appendAudit(tx, { atMs: ctx.clock.nowMs(), actor: input.actor, action: input.action, subject: input.subject, details: { ...input.details, code: failure.code, reason: failure.message } }),
  );
}
