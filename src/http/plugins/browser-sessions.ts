/**
 * Sessions of people in a browser (the citizen portal, the staff consoles): the session token travels in an
 * HttpOnly, SameSite=Strict cookie that page scripts cannot read, and every write made with such a cookie carries
 * a CSRF token (`X-CSRF-Token`, @fastify/csrf: a secret in its own HttpOnly cookie, the token a salted HMAC over
 * it bound to the session, so a token of one session is worthless in another). Behind an https origin the
 * cookies are `Secure` and `__Host-` prefixed (no Domain, Path=/). Machines keep their bearer tokens and
 * signatures, which need no CSRF token: a browser never adds them by itself.
 */
import { randomBytes } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import Tokens from '@fastify/csrf';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sessionTokenSha256 } from '../../app/card-login.js';
import { ApiError } from '../errors.js';

/** The cookies of the platform, by purpose. */
export type CookiePurpose = 'preauth' | 'citizen' | 'staff' | 'csrf';

const cookieBaseNames: Record<CookiePurpose, string> = {
  preauth: 'mykey-preauth',
  citizen: 'mykey-session',
  staff: 'mykey-staff',
  csrf: 'mykey-csrf',
};

export interface BrowserSessionOptions {
  /** True behind an https origin: cookies are Secure and `__Host-` prefixed. */
  secure: boolean;
  /** Keys the CSRF tokens' HMAC (derived from the platform secret). */
  csrfKey: Buffer;
}

declare module 'fastify' {
  interface FastifyInstance {
    cookieNameOf(purpose: CookiePurpose): string;
    secureCookies: boolean;
    csrfTokens: Tokens.TokensUserinfo;
  }
}

/** The methods that change nothing, and so need no CSRF token. */
const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

export async function registerBrowserSessions(app: FastifyInstance, options: BrowserSessionOptions): Promise<void> {
  const prefix = options.secure ? '__Host-' : '';
  app.decorate('cookieNameOf', (purpose: CookiePurpose) => `${prefix}${cookieBaseNames[purpose]}`);
  app.decorate('secureCookies', options.secure);
  app.decorate('csrfTokens', Tokens({ hmacKey: options.csrfKey, userInfo: true }));
  await app.register(fastifyCookie);
}

/** The value of one of the platform's cookies on the request, if any. */
export function readCookie(request: FastifyRequest, purpose: CookiePurpose): string | undefined {
  const value = request.cookies[request.server.cookieNameOf(purpose)];
  return value === undefined || value === '' ? undefined : value;
}

/** Sets an HttpOnly, SameSite=Strict cookie for the whole site; without `maxAgeMs` it ends with the browser. */
export function setCookie(reply: FastifyReply, purpose: CookiePurpose, value: string, maxAgeMs?: number): void {
  reply.setCookie(reply.server.cookieNameOf(purpose), value, {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure: reply.server.secureCookies,
    ...(maxAgeMs === undefined ? {} : { maxAge: Math.floor(maxAgeMs / 1000) }),
  });
}

export function clearCookie(reply: FastifyReply, purpose: CookiePurpose): void {
  reply.clearCookie(reply.server.cookieNameOf(purpose), { path: '/', httpOnly: true, sameSite: 'strict', secure: reply.server.secureCookies });
}

/**
 * A CSRF token for the session a cookie authenticates (`userInfo` names it, e.g. `citizen:<token sha256>`); makes
 * the browser's CSRF secret (its own cookie) when the request has none.
 */
export function csrfTokenFor(request: FastifyRequest, reply: FastifyReply, userInfo: string): string {
  let secret = readCookie(request, 'csrf');
  if (secret === undefined) {
    secret = request.server.csrfTokens.secretSync();
    setCookie(reply, 'csrf', secret);
  }
  return request.server.csrfTokens.create(secret, userInfo);
}

/**
 * Called by an auth hook once a session cookie has authenticated the request: a write (anything but GET, HEAD,
 * OPTIONS) must carry that session's CSRF token in X-CSRF-Token. Throws ApiError csrf_token_invalid.
 */
export function requireCsrfForWrites(request: FastifyRequest, userInfo: string): void {
  if (safeMethods.has(request.method)) return;
  const secret = readCookie(request, 'csrf');
  const token = request.headers['x-csrf-token'];
  if (secret === undefined || typeof token !== 'string' || !request.server.csrfTokens.verify(secret, token, userInfo)) {
    throw new ApiError('csrf_token_invalid', 'send the session’s CSRF token in X-CSRF-Token (from the sign-in answer or GET …/me)');
  }
}

/**
 * The browser's pre-login session, which a login or passkey challenge is bound to: the sha256 of its pre-login cookie,
 * made here (and set on the reply) when the request has none.
 */
export function preauthSessionSha256(request: FastifyRequest, reply: FastifyReply): string {
  let preauth = readCookie(request, 'preauth');
  if (preauth === undefined) {
    preauth = randomBytes(32).toString('base64url');
    setCookie(reply, 'preauth', preauth);
  }
  return sessionTokenSha256(preauth);
}

/** The sha256 of the pre-login cookie a request carries, or null without one (it completes no challenge bound to one). */
export function presentedPreauthSha256(request: FastifyRequest): string | null {
  const preauth = readCookie(request, 'preauth');
  return preauth === undefined ? null : sessionTokenSha256(preauth);
}
