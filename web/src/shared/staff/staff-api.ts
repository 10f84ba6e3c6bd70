/**
 * The staff side of the API (docs/staff.md): who is signed in, passkey enrolment through a one-time link, passkey
 * sign-in and sign-out. The passkey ceremonies run in the browser through @simplewebauthn/browser; the platform
 * binds each challenge to this browser (the pre-login cookie), so a link opened in one browser cannot be finished
 * in another. The session is an HttpOnly cookie; its CSRF token comes with every answer here.
 */
import { startAuthentication, startRegistration, WebAuthnError } from '@simplewebauthn/browser';
import { api, setCsrfToken, type ApiResult } from '../api.js';

export type StaffSide = 'operator' | 'provider';

export type StaffRole = 'operator_admin' | 'operator_support' | 'operator_settlement' | 'provider_admin' | 'provider_staff';

export interface StaffMe {
  id: string;
  displayName: string;
  role: StaffRole;
  providerId?: string;
  csrfToken: string;
  expiresAt: string;
  idleExpiresAt: string;
}

export interface EnrolmentInvite {
  staff: { displayName: string; role: StaffRole; providerId?: string };
  options: Parameters<typeof startRegistration>[0]['optionsJSON'];
}

/** The side a role works on: an operator role never opens the provider console, nor the reverse. */
export function sideOf(role: StaffRole): StaffSide {
  return role.startsWith('operator_') ? 'operator' : 'provider';
}

/** The session's answer, remembered for the writes that follow (their CSRF token). */
function remember(answer: ApiResult<StaffMe>): ApiResult<StaffMe> {
  setCsrfToken(answer.ok ? answer.value.csrfToken : undefined);
  return answer;
}

export async function staffMe(): Promise<ApiResult<StaffMe>> {
  return remember(await api<StaffMe>('/v1/staff/me'));
}

export async function signOutStaff(): Promise<void> {
  await api('/v1/staff/sign-out', { method: 'POST' });
  setCsrfToken(undefined);
}

export function enrolmentInvite(token: string): Promise<ApiResult<EnrolmentInvite>> {
  return api<EnrolmentInvite>('/v1/staff/enrolments/options', { method: 'POST', json: { token } });
}

/**
 * The browser's own refusal of a ceremony (the person cancelled, no authenticator, a passkey already there) as
 * the page's typed failure `passkey_cancelled`; the platform's refusals keep their codes.
 */
function ceremonyFailure(error: unknown): ApiResult<never> {
  const name = error instanceof WebAuthnError ? error.code : error instanceof Error ? error.name : 'unknown';
  return { ok: false, failure: { status: 0, code: 'passkey_cancelled', message: String(name) } };
}

export async function enrolPasskey(token: string, invite: EnrolmentInvite): Promise<ApiResult<StaffMe>> {
  let credential: unknown;
  try {
    credential = await startRegistration({ optionsJSON: invite.options });
  } catch (error) {
    return ceremonyFailure(error);
  }
  return remember(await api<StaffMe>('/v1/staff/enrolments', { method: 'POST', json: { token, credential } }));
}

export async function signInWithPasskey(): Promise<ApiResult<StaffMe>> {
  const options = await api<{ options: Parameters<typeof startAuthentication>[0]['optionsJSON'] }>('/v1/staff/sign-in/options', { method: 'POST' });
  if (!options.ok) return options;
  let credential: unknown;
  try {
    credential = await startAuthentication({ optionsJSON: options.value.options });
  } catch (error) {
    return ceremonyFailure(error);
  }
  return remember(await api<StaffMe>('/v1/staff/sign-in', { method: 'POST', json: { credential } }));
}
