/**
 * Enrolment of a staff member's passkey through a one-time link: registration options for the link's account
 * (a discoverable credential with user verification, so that sign-in later asks no user name), then the browser's
 * answer verified against a challenge this browser asked for, the passkey stored, the link used up and a session
 * started — in one transaction, so a link enrols at most one passkey.
 */
import { generateRegistrationOptions, verifyRegistrationResponse, type PublicKeyCredentialCreationOptionsJSON, type RegistrationResponseJSON } from '@simplewebauthn/server';
import { isoBase64URL, isoUint8Array } from '@simplewebauthn/server/helpers';
import { passkeyChallengeTtlMs } from '../domain/limits.js';
import { fail, ok, type Result } from '../domain/result.js';
import { appendAudit } from '../store/audit-repo.js';
import { isUniqueViolation } from '../store/db.js';
import { findUsableEnrolment, insertPasskey, listPasskeyIds, useEnrolment } from '../store/staff-repo.js';
import { sessionTokenSha256 } from './card-login.js';
import type { AppContext } from './context.js';
import { auditRefusal, relyingPartyOf, storePasskeyChallenge, takePasskeyChallenge, verifyCeremony, type PasskeyChallengeErrorCode } from './passkey-ceremony.js';
import { staffAccountOf, startStaffSession, type StaffAccount, type StartedStaffSession } from './staff-sessions.js';

/** Algorithms offered to authenticators: ES256 (what passkeys use) and RS256 (Windows Hello's older keys). */
export const passkeyAlgorithmIds = [-7, -257];

async function usableEnrolment(ctx: AppContext, token: string): Promise<Result<StaffAccount, 'enrolment_invalid'>> {
  const row = await ctx.store.transaction((tx) => findUsableEnrolment(tx, sessionTokenSha256(token), ctx.clock.nowMs()));
  if (row === undefined) return fail('enrolment_invalid', 'this enrolment link is unknown, used, expired or replaced; ask your administrator for a new one', 'token');
  return ok(staffAccountOf(row));
}

/**
 * Registration options for the account of an enrolment link, bound to the browser that asks (`preauthSha256`: the
 * sha256 of its pre-login cookie). Codes: enrolment_invalid.
 */
export async function enrolmentOptions(
  ctx: AppContext,
  input: { token: string; preauthSha256: string },
): Promise<Result<{ account: StaffAccount; options: PublicKeyCredentialCreationOptionsJSON }, 'enrolment_invalid'>> {
  const account = await usableEnrolment(ctx, input.token);
  if (!account.ok) return account;
  const { rpID, rpName } = relyingPartyOf(ctx.origin);
  const existing = await ctx.store.transaction((tx) => listPasskeyIds(tx, account.value.staffId));
  const options = await generateRegistrationOptions({
    rpID,
    rpName,
    userID: isoUint8Array.fromUTF8String(account.value.staffId),
    userName: account.value.displayName,
    userDisplayName: account.value.displayName,
    timeout: passkeyChallengeTtlMs,
    attestationType: 'none',
    excludeCredentials: existing.map((id) => ({ id })),
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    supportedAlgorithmIDs: passkeyAlgorithmIds,
  });
  await storePasskeyChallenge(ctx, { challenge: options.challenge, purpose: 'registration', staffId: account.value.staffId, preauthSha256: input.preauthSha256 });
  return ok({ account: account.value, options });
}

export type EnrolmentErrorCode = 'enrolment_invalid' | PasskeyChallengeErrorCode;

/**
 * Completes an enrolment: the browser's registration answer for a challenge of this link's account, asked for by
 * this browser. Refusals of a known account are audited. Codes: enrolment_invalid, challenge_not_found (also a
 * challenge of another link), challenge_expired, challenge_purpose_mismatch, challenge_session_mismatch,
 * passkey_verification_failed.
 */
export async function completeEnrolment(
  ctx: AppContext,
  input: { token: string; preauthSha256: string | null; credential: RegistrationResponseJSON },
): Promise<Result<StartedStaffSession, EnrolmentErrorCode>> {
  const account = await usableEnrolment(ctx, input.token);
  if (!account.ok) return account;
  const staffId = account.value.staffId;
  const enrolled = await verifyEnrolment(ctx, account.value, input);
  if (!enrolled.ok) {
    await auditRefusal(ctx, { actor: `staff:${staffId}`, action: 'staff.enrolment.refused', subject: staffId, failure: enrolled, details: { credentialId: input.credential.id } });
  }
  return enrolled;
}

async function verifyEnrolment(
  ctx: AppContext,
  account: StaffAccount,
  input: { token: string; preauthSha256: string | null; credential: RegistrationResponseJSON },
): Promise<Result<StartedStaffSession, EnrolmentErrorCode>> {
  const challenge = await takePasskeyChallenge(ctx, { clientDataJSON: input.credential.response.clientDataJSON, purpose: 'registration', preauthSha256: input.preauthSha256 });
  if (!challenge.ok) return challenge;
  if (challenge.value.staffId !== account.staffId) return fail('challenge_not_found', 'the challenge was issued for another enrolment link', 'credential');
  const { rpID, origin } = relyingPartyOf(ctx.origin);
  const verified = await verifyCeremony(() =>
    verifyRegistrationResponse({
      response: input.credential,
      expectedChallenge: challenge.value.challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      requireUserVerification: true,
      supportedAlgorithmIDs: passkeyAlgorithmIds,
    }),
  );
  if (!verified.ok) return verified;
  const { credential } = verified.value.registrationInfo!;
  const nowMs = ctx.clock.nowMs();
  try {
    return await ctx.store.transaction(async (tx) => {
      if (!(await useEnrolment(tx, sessionTokenSha256(input.token), nowMs))) return fail('enrolment_invalid', 'this enrolment link was used meanwhile', 'token');
      await insertPasskey(tx, { credentialId: credential.id, staffId: account.staffId, publicKey: isoBase64URL.fromBuffer(credential.publicKey), signCount: credential.counter, transports: credential.transports ?? [], nowMs });
      const started = await startStaffSession(tx, account, nowMs);
      await appendAudit(tx, { atMs: nowMs, actor: `staff:${account.staffId}`, action: 'staff.enrolment.complete', subject: account.staffId, details: { credentialId: credential.id } });
      return ok(started);
    });
  } catch (error) {
    // The same authenticator enrolled twice (excludeCredentials asks it not to): its credential id is taken.
    if (isUniqueViolation(error)) return fail('passkey_verification_failed', 'this passkey is already registered', 'credential');
    throw error;
  }
}
