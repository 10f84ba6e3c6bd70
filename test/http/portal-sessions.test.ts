// Ensures the portal's (cookie) sessions keep a shared terminal safe, through the real routes with app.inject():
// the session cookie is HttpOnly and its token never reaches the page; the session ends after five minutes
// without a request (each request moves the deadline on, never past the fifteen-minute lifetime), at logout, and
// with the binding it makes (the next person at the terminal finds no session); a bearer-token session of the
// CLI is unchanged by all this.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { signWebEidChallenge, type SoftwareCard } from '../../src/card/software-card.js';
import { browserSessionIdleMs, sessionTtlMs } from '../../src/domain/limits.js';
import { httpBind, httpLogin, injectJson, loginChallenge, loginInject, startHttpWorld, type HttpWorld } from '../helpers/http.js';
import { addCampaign, addProvider, newCard, testOrigin } from '../helpers/world.js';

interface PortalSession {
  cookie: string;
  csrfToken: string;
}

const codeOf = (response: LightMyRequestResponse): string | undefined => (response.json() as { code?: string }).code;

describe('portal sessions', () => {
  let http: HttpWorld;
  let campaignId: string;
  let serviceId: string;

  before(async () => {
    http = await startHttpWorld();
    ({ serviceId } = await addProvider(http));
    campaignId = await addCampaign(http);
  });
  after(() => http.close());

  async function portalLogin(card: SoftwareCard): Promise<PortalSession> {
    const challenge = await loginChallenge(http.app);
    const answer = await loginInject(http.app, challenge, signWebEidChallenge(card, { origin: testOrigin, nonce: challenge.nonce }), { session: 'cookie' });
    assert.equal(answer.statusCode, 200, answer.body);
    const body = answer.json() as { csrfToken: string; idleExpiresAt: string; expiresAt: string };
    assert.equal(Date.parse(body.idleExpiresAt), http.clock.nowMs() + browserSessionIdleMs);
    assert.ok(answer.cookies.every((cookie) => cookie.httpOnly === true), 'no cookie of the platform is readable by page scripts');
    assert.ok(!answer.cookies.some((cookie) => cookie.name.endsWith('mykey-preauth') && cookie.value !== ''), 'the pre-login cookie is dropped at login');
    return { cookie: answer.cookies.filter((c) => c.value !== '').map((c) => `${c.name}=${c.value}`).join('; '), csrfToken: body.csrfToken };
  }

  const me = (session: PortalSession) => http.app.inject({ method: 'GET', url: '/v1/citizen/me', headers: { cookie: session.cookie } });

  it('ends after five minutes without a request; every request moves the deadline on', async () => {
    const session = await portalLogin(await newCard(http));
    http.clock.advance(browserSessionIdleMs - 1_000);
    const first = await me(session);
    assert.equal(first.statusCode, 200, first.body);
    assert.equal(Date.parse((first.json() as { idleExpiresAt: string }).idleExpiresAt), http.clock.nowMs() + browserSessionIdleMs);
    http.clock.advance(browserSessionIdleMs - 1_000);
    assert.equal((await me(session)).statusCode, 200, 'still alive: the last request was under five minutes ago');
    http.clock.advance(browserSessionIdleMs);
    assert.equal(codeOf(await me(session)), 'session_expired');
  });

  it('never outlives the session lifetime, however busy', async () => {
    const session = await portalLogin(await newCard(http));
    for (let elapsedMs = 0; elapsedMs + 60_000 < sessionTtlMs; elapsedMs += 60_000) {
      http.clock.advance(60_000);
      assert.equal((await me(session)).statusCode, 200);
    }
    http.clock.advance(60_000);
    assert.equal(codeOf(await me(session)), 'session_expired');
  });

  it('ends with the binding it makes, so the next person at the terminal finds no session', async () => {
    const card = await newCard(http);
    const session = await portalLogin(card);
    const headers = { cookie: session.cookie, 'x-csrf-token': session.csrfToken };
    const details = { campaignId, providerServiceId: serviceId, accountRef: `ACC-PORTAL-${randomUUID()}` };
    const challenge = await injectJson(http.app, { method: 'POST', url: '/v1/citizen/bindings/challenge', headers, json: details });
    assert.equal(challenge.statusCode, 200, challenge.body);
    const { challengeId, nonce } = challenge.json() as { challengeId: string; nonce: string };
    const authToken = signWebEidChallenge(card, { origin: testOrigin, nonce });
    const bound = await injectJson(http.app, {
      method: 'POST',
      url: '/v1/citizen/bindings',
      headers,
      idempotencyKey: randomUUID(),
      json: { challengeId, authToken, binding: details, securityCode: `ok-${details.accountRef}` },
    });
    assert.equal(bound.statusCode, 201, bound.body);
    assert.equal((bound.json() as { sessionEnded: boolean }).sessionEnded, true);
    assert.ok(bound.cookies.some((c) => c.name.endsWith('mykey-session') && c.value === ''), 'the answer clears the session cookie');
    assert.equal(codeOf(await me(session)), 'session_expired');
  });

  it('leaves bearer sessions (the CLI, machines) as they were: no idle end, no end at binding', async () => {
    const citizen = await httpLogin(http, await newCard(http));
    http.clock.advance(browserSessionIdleMs + 60_000);
    const bound = await httpBind(http, citizen, { campaignId, providerServiceId: serviceId, accountRef: `ACC-CLI-${randomUUID()}` });
    assert.equal(bound.statusCode, 201, bound.body);
    assert.equal((bound.json() as { sessionEnded: boolean }).sessionEnded, false);
    assert.equal((await injectJson(http.app, { method: 'GET', url: '/v1/citizen/me', token: citizen.sessionToken })).statusCode, 200);
  });
});
