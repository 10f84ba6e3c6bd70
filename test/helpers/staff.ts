/**
 * HTTP helpers for staff of the consoles: a browser (its cookie jar), accounts created through the operator API,
 * enrolment and sign-in through the real routes with a software authenticator (test/helpers/passkey.ts), and
 * requests made with the console's session cookie and CSRF token.
 */
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import type { StaffRole } from '../../src/domain/staff-roles.js';
import { operatorInject, type HttpWorld } from './http.js';
import { TestAuthenticator } from './passkey.js';
import { testOrigin } from './world.js';

/** A browser's cookies: what the answers set (a cleared cookie is dropped), sent back with every request. */
export class TestBrowser {
  private readonly cookies = new Map<string, string>();

  absorb(response: LightMyRequestResponse): LightMyRequestResponse {
    for (const cookie of response.cookies) {
      if (cookie.value === '') this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
    return response;
  }

  has(baseName: string): boolean {
    return [...this.cookies.keys()].some((name) => name.endsWith(baseName));
  }

  headers(): Record<string, string> {
    return this.cookies.size === 0 ? {} : { cookie: [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ') };
  }

  /** A JSON request from this browser; its answer's cookies are kept. */
  async send(http: HttpWorld, input: { method: 'GET' | 'POST' | 'PUT' | 'DELETE'; url: string; json?: unknown; headers?: Record<string, string> }): Promise<LightMyRequestResponse> {
    const headers: Record<string, string> = { ...this.headers(), ...input.headers, ...(input.json === undefined ? {} : { 'content-type': 'application/json' }) };
    return this.absorb(await http.app.inject({ method: input.method, url: input.url, headers, ...(input.json === undefined ? {} : { payload: JSON.stringify(input.json) }) }));
  }
}

export interface CreatedStaff {
  staffId: string;
  /** The one-time token: the fragment of the enrolment link. */
  token: string;
  link: string;
}

/** Creates an account through the operator API (bearer token) and returns its enrolment link's token. */
export async function createStaff(http: HttpWorld, input: { role: StaffRole; providerId?: string; displayName?: string }): Promise<CreatedStaff> {
  const response = await operatorInject(http.app, { method: 'POST', url: '/v1/operator/staff', json: { displayName: input.displayName ?? `Staff ${input.role}`, role: input.role, ...(input.providerId === undefined ? {} : { providerId: input.providerId }) } });
  assert.equal(response.statusCode, 201, response.body);
  const { staff, enrolment } = response.json() as { staff: { id: string }; enrolment: { link: string } };
  const token = new URL(enrolment.link).hash.slice(1);
  return { staffId: staff.id, token, link: enrolment.link };
}

/** A signed-in console: its browser, authenticator and the session's CSRF token. */
export interface StaffConsole {
  staffId: string;
  browser: TestBrowser;
  authenticator: TestAuthenticator;
  csrfToken: string;
}

/** The registration options of an enrolment link, asked for by `browser`. */
export async function enrolmentOptions(http: HttpWorld, browser: TestBrowser, token: string) {
  const response = await browser.send(http, { method: 'POST', url: '/v1/staff/enrolments/options', json: { token } });
  assert.equal(response.statusCode, 200, response.body);
  return (response.json() as { options: Parameters<TestAuthenticator['register']>[1] }).options;
}

/** The authentication options of a sign-in, asked for by `browser`. */
export async function signInOptions(http: HttpWorld, browser: TestBrowser) {
  const response = await browser.send(http, { method: 'POST', url: '/v1/staff/sign-in/options' });
  assert.equal(response.statusCode, 200, response.body);
  return (response.json() as { options: Parameters<TestAuthenticator['authenticate']>[1] }).options;
}

/** Enrols a new passkey through an enrolment link (options, the authenticator's answer at `origin`, completion). */
export async function enrol(
  http: HttpWorld,
  token: string,
  options: { authenticator?: TestAuthenticator; browser?: TestBrowser; origin?: string } = {},
): Promise<{ response: LightMyRequestResponse; authenticator: TestAuthenticator; browser: TestBrowser }> {
  const authenticator = options.authenticator ?? new TestAuthenticator();
  const browser = options.browser ?? new TestBrowser();
  const credential = authenticator.register(options.origin ?? testOrigin, await enrolmentOptions(http, browser, token));
  const response = await browser.send(http, { method: 'POST', url: '/v1/staff/enrolments', json: { token, credential } });
  return { response, authenticator, browser };
}

/** Signs in with an authenticator's passkey through the routes. */
export async function signIn(http: HttpWorld, authenticator: TestAuthenticator, options: { browser?: TestBrowser; origin?: string } = {}): Promise<{ response: LightMyRequestResponse; browser: TestBrowser }> {
  const browser = options.browser ?? new TestBrowser();
  const credential = authenticator.authenticate(options.origin ?? testOrigin, await signInOptions(http, browser));
  return { response: await browser.send(http, { method: 'POST', url: '/v1/staff/sign-in', json: { credential } }), browser };
}

/** An account of `role` created, enrolled and signed in (the enrolment's own session). */
export async function staffConsole(http: HttpWorld, input: { role: StaffRole; providerId?: string }): Promise<StaffConsole> {
  const created = await createStaff(http, input);
  const { response, authenticator, browser } = await enrol(http, created.token);
  assert.equal(response.statusCode, 200, response.body);
  return { staffId: created.staffId, browser, authenticator, csrfToken: (response.json() as { csrfToken: string }).csrfToken };
}

/** A request of a signed-in console: its cookies and, unless `csrf` is false, its CSRF token. */
export function consoleInject(
  http: HttpWorld,
  console: StaffConsole,
  input: { method: 'GET' | 'POST' | 'PUT' | 'DELETE'; url: string; json?: unknown; headers?: Record<string, string>; csrf?: boolean },
): Promise<LightMyRequestResponse> {
  const csrf: Record<string, string> = input.csrf === false ? {} : { 'x-csrf-token': console.csrfToken };
  return console.browser.send(http, { ...input, headers: { ...csrf, ...input.headers } });
}
