// Ensures staff sign in with passkeys exactly as docs/staff.md says, through the real routes (`app.inject()`) with
// real WebAuthn bytes from a software authenticator (test/helpers/passkey.ts): an enrolment link enrols one passkey
// and starts a session; sign-in asks no user name; and every refusal of the brief holds — a cloned authenticator
// (counter regression), a replayed or expired challenge, a challenge completed from another browser, a wrong origin
// or relying party id, a used, expired or replaced enrolment link, an unknown passkey, a disabled account. Sessions
// end at sign-out, when the account is disabled, after 30 minutes idle and 8 hours after sign-in (the test clock,
// never a sleep); a write without the session's CSRF token is refused; the audit log records sign-ins and refusals.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generateRegistrationOptions } from '@simplewebauthn/server';
import type { LightMyRequestResponse } from 'fastify';
import { passkeyChallengeTtlMs, staffEnrolmentTtlMs, staffSessionIdleMs, staffSessionTtlMs } from '../../src/domain/limits.js';
import { operatorInject, startHttpWorld, type HttpWorld } from '../helpers/http.js';
import { TestAuthenticator } from '../helpers/passkey.js';
import { consoleInject, createStaff, enrol, enrolmentOptions, signIn, signInOptions, staffConsole, TestBrowser } from '../helpers/staff.js';
import { testOrigin } from '../helpers/world.js';

const codeOf = (response: LightMyRequestResponse): string | undefined => (response.json() as { code?: string }).code;

describe('staff passkeys', () => {
  let http: HttpWorld;

  before(async () => {
    http = await startHttpWorld();
  });
  after(() => http.close());

  async function auditActions(subject: string): Promise<Array<{ actor: string; action: string; details: Record<string, unknown> }>> {
    const page = await operatorInject(http.app, { method: 'GET', url: '/v1/operator/audit?limit=100&after=0' });
    const all = (page.json() as { data: Array<{ actor: string; action: string; subject: string; details: Record<string, unknown> }> }).data;
    return all.filter((entry) => entry.subject === subject);
  }

  it('enrols a passkey through the link, then signs in with it and no user name', async () => {
    const created = await createStaff(http, { role: 'operator_support', displayName: 'Sato Hanako' });
    assert.match(created.link, /^https:\/\/mykey\.test\/operator\/enrol#[A-Za-z0-9_-]{43}$/);
    const browser = new TestBrowser();
    const options = await enrolmentOptions(http, browser, created.token);
    assert.equal(options.rp.id, 'mykey.test');
    assert.deepEqual(options.authenticatorSelection, { residentKey: 'required', requireResidentKey: true, userVerification: 'required' });
    assert.ok(browser.has('mykey-preauth'), 'the options bind the ceremony to this browser');
    const { response } = await enrol(http, created.token, { browser });
    assert.equal(response.statusCode, 200, response.body);
    const me = response.json() as { id: string; role: string; displayName: string; csrfToken: string; expiresAt: string; idleExpiresAt: string };
    assert.equal(me.id, created.staffId);
    assert.equal(me.role, 'operator_support');
    assert.equal(Date.parse(me.expiresAt), http.clock.nowMs() + staffSessionTtlMs);
    assert.equal(Date.parse(me.idleExpiresAt), http.clock.nowMs() + staffSessionIdleMs);
    const staffCookie = response.cookies.find((cookie) => cookie.name.endsWith('mykey-staff'));
    assert.equal(staffCookie?.httpOnly, true);
    assert.equal(staffCookie?.sameSite, 'Strict');
    assert.ok(!browser.has('mykey-preauth'), 'the pre-login cookie is dropped once signed in');
    assert.equal((await browser.send(http, { method: 'GET', url: '/v1/staff/me' })).statusCode, 200);
    assert.equal(codeOf(await browser.send(http, { method: 'POST', url: '/v1/staff/enrolments/options', json: { token: created.token } })), 'enrolment_invalid', 'a link enrols once');

    const authenticator = (await enrol(http, (await createStaff(http, { role: 'operator_admin' })).token)).authenticator;
    const first = await signIn(http, authenticator);
    assert.equal(first.response.statusCode, 200, first.response.body);
    const second = await signIn(http, authenticator);
    assert.equal(second.response.statusCode, 200, second.response.body);
    const signedIn = (first.response.json() as { id: string }).id;
    const actions = await auditActions(signedIn);
    assert.deepEqual(actions.map((entry) => entry.action), ['staff.create', 'staff.enrolment.complete', 'staff.sign_in', 'staff.sign_in']);
    assert.deepEqual(actions.map((entry) => entry.details.signCount).slice(2), [1, 2], 'the counter grows with each sign-in');
    assert.ok(actions.slice(1).every((entry) => entry.actor === `staff:${signedIn}`));
  });

  it('refuses a cloned authenticator whose counter did not grow, and audits it', async () => {
    const { token, staffId } = await createStaff(http, { role: 'operator_admin' });
    const { authenticator } = await enrol(http, token);
    const clone = authenticator.clone();
    assert.equal((await signIn(http, authenticator)).response.statusCode, 200);
    assert.equal((await signIn(http, authenticator)).response.statusCode, 200);
    const cloned = await signIn(http, clone);
    assert.equal(codeOf(cloned.response), 'passkey_verification_failed', cloned.response.body);
    const refused = (await auditActions(staffId)).filter((entry) => entry.action === 'staff.sign_in.refused');
    assert.equal(refused.length, 1);
    assert.equal(refused[0]!.details.code, 'passkey_verification_failed');
    assert.match(String(refused[0]!.details.reason), /counter/);
  });

  it('refuses a replayed, an expired and another browser’s challenge', async () => {
    const { authenticator } = await enrol(http, (await createStaff(http, { role: 'operator_admin' })).token);
    const browser = new TestBrowser();
    const credential = authenticator.authenticate(testOrigin, await signInOptions(http, browser));
    assert.equal((await browser.send(http, { method: 'POST', url: '/v1/staff/sign-in', json: { credential } })).statusCode, 200);
    assert.equal(codeOf(await new TestBrowser().send(http, { method: 'POST', url: '/v1/staff/sign-in', json: { credential } })), 'challenge_not_found', 'a challenge is used once');

    const late = new TestBrowser();
    const stale = authenticator.authenticate(testOrigin, await signInOptions(http, late));
    http.clock.advance(passkeyChallengeTtlMs + 1_000);
    assert.equal(codeOf(await late.send(http, { method: 'POST', url: '/v1/staff/sign-in', json: { credential: stale } })), 'challenge_expired');

    const asked = new TestBrowser();
    const elsewhere = authenticator.authenticate(testOrigin, await signInOptions(http, asked));
    const other = new TestBrowser();
    await signInOptions(http, other);
    assert.equal(codeOf(await other.send(http, { method: 'POST', url: '/v1/staff/sign-in', json: { credential: elsewhere } })), 'challenge_session_mismatch');
    assert.equal(codeOf(await asked.send(http, { method: 'POST', url: '/v1/staff/sign-in', json: { credential: elsewhere } })), 'challenge_not_found', 'the refused attempt used the challenge up');
  });

  it('refuses a registration challenge at sign-in, and an enrolment from another browser', async () => {
    const { token } = await createStaff(http, { role: 'operator_admin' });
    const browser = new TestBrowser();
    const authenticator = new TestAuthenticator();
    const registration = authenticator.register(testOrigin, await enrolmentOptions(http, browser, token));
    const misused = authenticator.authenticate(testOrigin, { ...(await signInOptions(http, new TestBrowser())), challenge: JSON.parse(Buffer.from(registration.response.clientDataJSON, 'base64url').toString()).challenge });
    assert.equal(codeOf(await browser.send(http, { method: 'POST', url: '/v1/staff/sign-in', json: { credential: misused } })), 'challenge_purpose_mismatch');

    const again = new TestBrowser();
    const fresh = authenticator.register(testOrigin, await enrolmentOptions(http, again, token));
    assert.equal(codeOf(await new TestBrowser().send(http, { method: 'POST', url: '/v1/staff/enrolments', json: { token, credential: fresh } })), 'challenge_session_mismatch');
  });

  it('refuses an answer made for another origin', async () => {
    const { token } = await createStaff(http, { role: 'operator_admin' });
    const refused = await enrol(http, token, { origin: 'https://phish.mykey.test' });
    assert.equal(codeOf(refused.response), 'passkey_verification_failed', refused.response.body);
    const { authenticator } = await enrol(http, token);
    const wrongOrigin = await signIn(http, authenticator, { origin: 'https://phish.mykey.test' });
    assert.equal(codeOf(wrongOrigin.response), 'passkey_verification_failed');
  });

  it('refuses a passkey of another relying party id', async () => {
    // A console served at console.mykey.test: its relying party is console.mykey.test, not the parent domain.
    const console = await startHttpWorld();
    try {
      console.ctx.origin = 'https://console.mykey.test';
      const { token } = await createStaff(console, { role: 'operator_admin' });
      const browser = new TestBrowser();
      const options = await enrolmentOptions(console, browser, token);
      assert.equal(options.rp.id, 'console.mykey.test');
      const credential = new TestAuthenticator().register('https://console.mykey.test', { ...options, rp: { ...options.rp, id: 'mykey.test' } });
      const refused = await browser.send(console, { method: 'POST', url: '/v1/staff/enrolments', json: { token, credential } });
      assert.equal(codeOf(refused), 'passkey_verification_failed', refused.body);
      assert.match((refused.json() as { message: string }).message, /RP ID/);
    } finally {
      await console.close();
    }
  });

  it('refuses used, expired and replaced enrolment links', async () => {
    const used = await createStaff(http, { role: 'operator_admin' });
    assert.equal((await enrol(http, used.token)).response.statusCode, 200);
    const again = await enrol(http, used.token).catch((error: unknown) => error);
    assert.ok(again instanceof Error, 'no options are given for a used link');
    assert.equal(codeOf(await new TestBrowser().send(http, { method: 'POST', url: '/v1/staff/enrolments/options', json: { token: used.token } })), 'enrolment_invalid');

    // A link that expires between its options and its completion.
    const expiring = await createStaff(http, { role: 'operator_admin' });
    const browser = new TestBrowser();
    const credential = new TestAuthenticator().register(testOrigin, await enrolmentOptions(http, browser, expiring.token));
    http.clock.advance(staffEnrolmentTtlMs);
    assert.equal(codeOf(await browser.send(http, { method: 'POST', url: '/v1/staff/enrolments', json: { token: expiring.token, credential } })), 'enrolment_invalid');

    const replaced = await createStaff(http, { role: 'operator_admin' });
    const newer = await operatorInject(http.app, { method: 'POST', url: `/v1/operator/staff/${replaced.staffId}/enrolment` });
    assert.equal(newer.statusCode, 201, newer.body);
    assert.equal(codeOf(await new TestBrowser().send(http, { method: 'POST', url: '/v1/staff/enrolments/options', json: { token: replaced.token } })), 'enrolment_invalid');
    const newToken = new URL((newer.json() as { link: string }).link).hash.slice(1);
    assert.equal((await enrol(http, newToken)).response.statusCode, 200);
    assert.equal(codeOf(await new TestBrowser().send(http, { method: 'POST', url: '/v1/staff/enrolments/options', json: { token: 'A'.repeat(43) } })), 'enrolment_invalid');
  });

  it('refuses a passkey the platform never enrolled', async () => {
    const stranger = new TestAuthenticator();
    stranger.register(testOrigin, await generateRegistrationOptions({ rpID: 'mykey.test', rpName: 'elsewhere', userName: 'x', userID: new Uint8Array([1, 2, 3]), authenticatorSelection: { residentKey: 'required', userVerification: 'required' } }));
    assert.equal(codeOf((await signIn(http, stranger)).response), 'passkey_unknown');
  });

  it('ends sessions at sign-out and when the account is disabled; a disabled account cannot sign in', async () => {
    const session = await staffConsole(http, { role: 'operator_admin' });
    const second = await signIn(http, session.authenticator);
    assert.equal(second.response.statusCode, 200);
    const signedOut = await consoleInject(http, session, { method: 'POST', url: '/v1/staff/sign-out' });
    assert.equal(signedOut.statusCode, 204, signedOut.body);
    assert.equal(codeOf(await session.browser.send(http, { method: 'GET', url: '/v1/staff/me' })), 'staff_session_required', 'the answer cleared the cookie');
    assert.equal((await second.browser.send(http, { method: 'GET', url: '/v1/staff/me' })).statusCode, 200, 'another session of the account lives on');

    const disabled = await operatorInject(http.app, { method: 'DELETE', url: `/v1/operator/staff/${session.staffId}` });
    assert.equal(disabled.statusCode, 200, disabled.body);
    assert.notEqual((disabled.json() as { disabledAt: string | null }).disabledAt, null);
    assert.equal(codeOf(await second.browser.send(http, { method: 'GET', url: '/v1/staff/me' })), 'staff_session_expired');
    assert.equal(codeOf((await signIn(http, session.authenticator)).response), 'staff_account_disabled');
    assert.equal(codeOf(await operatorInject(http.app, { method: 'POST', url: `/v1/operator/staff/${session.staffId}/enrolment` })), 'staff_account_disabled');
  });

  it('ends a session after 30 minutes without a request, and 8 hours after sign-in however busy', async () => {
    const idle = await staffConsole(http, { role: 'operator_admin' });
    http.clock.advance(staffSessionIdleMs - 1_000);
    assert.equal((await idle.browser.send(http, { method: 'GET', url: '/v1/staff/me' })).statusCode, 200);
    http.clock.advance(staffSessionIdleMs - 1_000);
    assert.equal((await idle.browser.send(http, { method: 'GET', url: '/v1/staff/me' })).statusCode, 200, 'each request moves the idle deadline on');
    http.clock.advance(staffSessionIdleMs);
    assert.equal(codeOf(await idle.browser.send(http, { method: 'GET', url: '/v1/staff/me' })), 'staff_session_expired');

    const busy = await staffConsole(http, { role: 'operator_admin' });
    for (let elapsedMs = 0; elapsedMs + staffSessionIdleMs < staffSessionTtlMs; elapsedMs += staffSessionIdleMs - 60_000) {
      http.clock.advance(staffSessionIdleMs - 60_000);
      const me = await busy.browser.send(http, { method: 'GET', url: '/v1/staff/me' });
      assert.equal(me.statusCode, 200, me.body);
      assert.ok(Date.parse((me.json() as { idleExpiresAt: string }).idleExpiresAt) <= Date.parse((me.json() as { expiresAt: string }).expiresAt));
    }
    http.clock.advance(staffSessionIdleMs - 60_000);
    assert.equal(codeOf(await busy.browser.send(http, { method: 'GET', url: '/v1/staff/me' })), 'staff_session_expired');
  });

  it('refuses a write with the session cookie but without its CSRF token, or with another session’s', async () => {
    const admin = await staffConsole(http, { role: 'operator_admin' });
    const other = await staffConsole(http, { role: 'operator_admin' });
    const create = { method: 'POST' as const, url: '/v1/operator/staff', json: { displayName: 'Someone', role: 'operator_support' } };
    assert.equal(codeOf(await consoleInject(http, admin, { ...create, csrf: false })), 'csrf_token_invalid');
    assert.equal(codeOf(await consoleInject(http, admin, { ...create, csrf: false, headers: { 'x-csrf-token': other.csrfToken } })), 'csrf_token_invalid');
    assert.equal(codeOf(await consoleInject(http, admin, { method: 'POST', url: '/v1/staff/sign-out', csrf: false })), 'csrf_token_invalid');
    const made = await consoleInject(http, admin, create);
    assert.equal(made.statusCode, 201, made.body);
    assert.equal((made.json() as { staff: { createdBy: string } }).staff.createdBy, `staff:${admin.staffId}`);
    assert.equal((await admin.browser.send(http, { method: 'GET', url: '/v1/operator/staff' })).statusCode, 200, 'reads need no CSRF token');
  });
});
