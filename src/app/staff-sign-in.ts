/**
 * Staff sign-in with a passkey: authentication options that name no account (the passkey is discoverable, so the
 * browser offers the staff member's own), then the answer verified — the challenge this browser asked for, the
 * passkey known and its account enabled, origin, relying party, user verification, signature, and a sign counter
 * that grew when the authenticator keeps one (a counter that did not grow betrays a cloned authenticator). Every
 * sign-in and every refusal is in the audit log.
 */
import {
  generateAuthenticationOptions,
  verifyAuthenticationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransportFuture,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { isoBase64URL, isoUint8Array } from '@simplewebauthn/server/helpers';
import { passkeyChallengeTtlMs } from '../domain/limits.js';
import { fail, ok, type Result } from '../domain/result.js';
import { appendAudit } from '../store/audit-repo.js';
import { findPasskey, findStaffAccount, recordPasskeyUse, type PasskeyRow } from '../store/staff-repo.js';
import type { AppContext } from './context.js';
import { auditRefusal, relyingPartyOf, storePasskeyChallenge, takePasskeyChallenge, verifyCeremony, type PasskeyChallengeErrorCode } from './passkey-ceremony.js';
import { staffAccountOf, startStaffSession, type StaffAccount, type StartedStaffSession } from './staff-sessions.js';

/** Authentication options for a discoverable passkey, bound to the browser that asks (its pre-login cookie's sha256). */
export async function signInOptions(ctx: AppContext, input: { preauthSha256: string }): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const options = await generateAuthenticationOptions({ rpID: relyingPartyOf(ctx.origin).rpID, userVerification: 'required', timeout: passkeyChallengeTtlMs });
  await storePasskeyChallenge(ctx, { challenge: options.challenge, purpose: 'authentication', staffId: null, preauthSha256: input.preauthSha256 });
  return options;
}

export type SignInErrorCode = PasskeyChallengeErrorCode | 'passkey_unknown' | 'staff_account_disabled';

/**
 * Signs in with a passkey's answer and starts a session. Codes: challenge_not_found, challenge_expired,
 * challenge_purpose_mismatch, challenge_session_mismatch, passkey_unknown, staff_account_disabled,
 * passkey_verification_failed.
 */
export async function signInWithPasskey(
  ctx: AppContext,
  input: { preauthSha256: string | null; credential: AuthenticationResponseJSON },
): Promise<Result<StartedStaffSession, SignInErrorCode>> {
  const found = await ctx.store.transaction(async (tx) => {
    const passkey = await findPasskey(tx, input.credential.id);
    const row = passkey === undefined ? undefined : await findStaffAccount(tx, passkey.staffId);
    return passkey === undefined || row === undefined ? undefined : { passkey, account: staffAccountOf(row) };
  });
  const signedIn = await verifySignIn(ctx, input, found);
  if (!signedIn.ok) {
    // A refusal names the account when the passkey is one of ours; otherwise nobody can be named.
    const staffId = found?.account.staffId;
    const actor = staffId === undefined ? 'anonymous' : `staff:${staffId}`;
    await auditRefusal(ctx, { actor, action: 'staff.sign_in.refused', subject: staffId ?? 'unknown', failure: signedIn, details: { credentialId: input.credential.id } });
  }
  return signedIn;
}

/** The checks of a sign-in, in the order of their codes' precedence: the challenge first, then the passkey. */
async function verifySignIn(
  ctx: AppContext,
  input: { preauthSha256: string | null; credential: AuthenticationResponseJSON },
  found: { passkey: PasskeyRow; account: StaffAccount } | undefined,
): Promise<Result<StartedStaffSession, SignInErrorCode>> {
  const challenge = await takePasskeyChallenge(ctx, { clientDataJSON: input.credential.response.clientDataJSON, purpose: 'authentication', preauthSha256: input.preauthSha256 });
  if (!challenge.ok) return challenge;
  if (found === undefined) return fail('passkey_unknown', 'this passkey is not registered here; ask your administrator for an enrolment link', 'credential');
  const { passkey, account } = found;
  if (account.disabledAtMs !== null) return fail('staff_account_disabled', 'this staff account is disabled', 'credential');
  // A discoverable passkey names its account (the user handle set at enrolment); it must be the passkey's own.
  const userHandle = input.credential.response.userHandle;
  if (userHandle !== undefined && userHandle !== isoBase64URL.fromBuffer(isoUint8Array.fromUTF8String(account.staffId))) {
    return fail('passkey_verification_failed', 'the passkey names another account', 'credential');
  }
  const { rpID, origin } = relyingPartyOf(ctx.origin);
  const verified = await verifyCeremony(() =>
    verifyAuthenticationResponse({
      response: input.credential,
      expectedChallenge: challenge.value.challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      requireUserVerification: true,
      credential: {
        id: passkey.credentialId,
        publicKey: isoBase64URL.toBuffer(passkey.publicKey),
        counter: passkey.signCount,
        transports: passkey.transports as AuthenticatorTransportFuture[],
      },
    }),
  );
  if (!verified.ok) return verified;
  const nowMs = ctx.clock.nowMs();
  const signCount = verified.value.authenticationInfo.newCounter;
  return ctx.store.transaction(async (tx) => {
    if (!(await recordPasskeyUse(tx, { credentialId: passkey.credentialId, previousSignCount: passkey.signCount, signCount, nowMs }))) {
      return fail('passkey_verification_failed', 'another sign-in with this passkey counted meanwhile (a cloned authenticator?)', 'credential');
    }
    const started = await startStaffSession(tx, account, nowMs);
    await appendAudit(tx, { atMs: nowMs, actor: `staff:${account.staffId}`, action: 'staff.sign_in', subject: account.staffId, details: { credentialId: passkey.credentialId, signCount } });
    return ok(started);
  });
}
