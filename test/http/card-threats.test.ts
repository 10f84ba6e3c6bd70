// Ensures the server-side threats of JPKI.md §5 are refused through the real login route, one test per threat:
// T1 replay of a token that already logged in, and a retry after a failed login (the challenge is gone either
// way); T2 challenges are 32 random bytes, never repeated; T3 a token signed for another origin (phishing relay);
// T4 a challenge obtained in one browser (its pre-login cookie) completed in another, or without the cookie
// (login CSRF), and a portal session's write without its CSRF token; T5 expired and not-yet-valid certificates; T9 the signature certificate presented instead of the
// authentication certificate; T13 oversized and non-JSON tokens. How: `app.inject()` on the embedded engine;
// the certificate details (key size, key usage, trailing DER bytes, a root with the right name) are covered
// table-wise in src/identity/auth-token.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSoftwareCard, signWebEidChallenge, type SoftwareCard } from '../../src/card/software-card.js';
import { authTokenCharsMax } from '../../src/domain/limits.js';
import type { AuthToken } from '../../src/identity/auth-token.js';
import { loginChallenge, loginInject, startHttpWorld, type HttpWorld, type LoginChallenge } from '../helpers/http.js';
import { newCard, testOrigin } from '../helpers/world.js';

const dayMs = 86_400_000;

describe('card login threats (JPKI.md §5)', () => {
  let http: HttpWorld;
  let card: SoftwareCard;

  before(async () => {
    http = await startHttpWorld();
    card = await newCard(http);
  });
  after(() => http.close());

  const login = (challenge: LoginChallenge, authToken: unknown) => loginInject(http.app, challenge, authToken);
  const codeOf = (response: { json(): unknown }) => (response.json() as { code?: string }).code;

  it('T1: a token that logged in once cannot log in again', async () => {
    const challenge = await loginChallenge(http.app);
    const token = signWebEidChallenge(card, { origin: testOrigin, nonce: challenge.nonce });
    assert.equal((await login(challenge, token)).statusCode, 200);
    const replay = await login(challenge, token);
    assert.equal(replay.statusCode, 401);
    assert.equal(codeOf(replay), 'challenge_not_found');
  });

  it('T1: a failed login uses up its challenge; the right token cannot follow on it', async () => {
    const challenge = await loginChallenge(http.app);
    const wrong = signWebEidChallenge(card, { origin: testOrigin, nonce: `${challenge.nonce}x` });
    assert.equal(codeOf(await login(challenge, wrong)), 'signature_invalid');
    const right = signWebEidChallenge(card, { origin: testOrigin, nonce: challenge.nonce });
    assert.equal(codeOf(await login(challenge, right)), 'challenge_not_found');
  });

  it('T2: challenges carry 32 random bytes (44 base64 characters) and never repeat', async () => {
    const nonces = await Promise.all(Array.from({ length: 50 }, async () => (await loginChallenge(http.app)).nonce));
    for (const nonce of nonces) assert.equal(Buffer.from(nonce, 'base64').length, 32);
    assert.equal(new Set(nonces).size, nonces.length);
  });

  it('T3: a signature made for another origin (a phishing relay of our challenge) is refused', async () => {
    const challenge = await loginChallenge(http.app);
    const relayed = signWebEidChallenge(card, { origin: 'https://mykey-login.example', nonce: challenge.nonce });
    assert.equal(codeOf(await login(challenge, relayed)), 'signature_invalid');
  });

  it('T4: a challenge is completed only by the browser session that obtained it', async () => {
    const attackers = await loginChallenge(http.app);
    const victims = await loginChallenge(http.app);
    const token = signWebEidChallenge(card, { origin: testOrigin, nonce: attackers.nonce });
    // The victim's browser submits the attacker's challenge and token: its cookie is not the attacker's.
    assert.equal(codeOf(await login({ ...attackers, cookie: victims.cookie }, token)), 'challenge_session_mismatch');
    const again = await loginChallenge(http.app);
    assert.equal(codeOf(await login({ ...again, cookie: '' }, signWebEidChallenge(card, { origin: testOrigin, nonce: again.nonce }))), 'challenge_session_mismatch');
    // The challenge is used up by the refused attempt, as any other.
    assert.equal(codeOf(await login(again, signWebEidChallenge(card, { origin: testOrigin, nonce: again.nonce }))), 'challenge_not_found');
  });

  it('T4: a portal session lives in an HttpOnly SameSite cookie, and its writes need its own CSRF token', async () => {
    const challenge = await loginChallenge(http.app);
    const answer = await loginInject(http.app, challenge, signWebEidChallenge(card, { origin: testOrigin, nonce: challenge.nonce }), { session: 'cookie' });
    assert.equal(answer.statusCode, 200, answer.body);
    const body = answer.json() as { sessionToken?: string; csrfToken?: string };
    assert.equal(body.sessionToken, undefined, 'a portal login never hands the token to page scripts');
    const session = answer.cookies.find((c) => c.name === '__Host-mykey-session');
    assert.ok(session !== undefined && session.httpOnly === true && session.secure === true && session.sameSite === 'Strict' && session.path === '/', 'an https origin: a __Host- cookie, Secure, HttpOnly, SameSite=Strict');
    const cookie = answer.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const logout = (headers: Record<string, string>) => http.app.inject({ method: 'POST', url: '/v1/citizen/logout', headers: { cookie, ...headers } });
    assert.equal(codeOf(await logout({})), 'csrf_token_invalid');
    assert.equal(codeOf(await logout({ 'x-csrf-token': `${body.csrfToken}x` })), 'csrf_token_invalid');
    assert.equal((await http.app.inject({ method: 'GET', url: '/v1/citizen/me', headers: { cookie } })).statusCode, 200, 'reads need no token');
    // The cookie's token is refused as a bearer token: a session is used only the way it was made.
    const asBearer = await http.app.inject({ method: 'GET', url: '/v1/citizen/me', headers: { authorization: `Bearer ${session.value}` } });
    assert.equal(codeOf(asBearer), 'session_expired');
    assert.equal((await logout({ 'x-csrf-token': body.csrfToken! })).statusCode, 204);
    assert.equal(codeOf(await http.app.inject({ method: 'GET', url: '/v1/citizen/me', headers: { cookie } })), 'session_expired');
  });

  it('T5: expired and not-yet-valid certificates are refused', async () => {
    const nowMs = http.clock.nowMs();
    const expired = await createSoftwareCard(http.ca, { nowMs: nowMs - 30 * dayMs, validityDays: 10 });
    const future = await createSoftwareCard(http.ca, { nowMs: nowMs + 10 * dayMs });
    for (const [candidate, code] of [
      [expired, 'certificate_expired'],
      [future, 'certificate_not_yet_valid'],
    ] as const) {
      const challenge = await loginChallenge(http.app);
      assert.equal(codeOf(await login(challenge, signWebEidChallenge(candidate, { origin: testOrigin, nonce: challenge.nonce }))), code);
    }
  });

  it('T9: the signature certificate (nonRepudiation, personal attributes) cannot log in', async () => {
    const signatureCard = await createSoftwareCard(http.ca, {
      nowMs: http.clock.nowMs() - dayMs,
      certificate: { keyUsage: { digitalSignature: true, nonRepudiation: true }, personalAttributesSan: true },
    });
    const challenge = await loginChallenge(http.app);
    const token = signWebEidChallenge(signatureCard, { origin: testOrigin, nonce: challenge.nonce });
    assert.equal(codeOf(await login(challenge, token)), 'certificate_wrong_purpose');
  });

  it('T13: an oversized certificate field and a non-object token are refused before any crypto', async () => {
    const challenge = await loginChallenge(http.app);
    const token: AuthToken = { ...signWebEidChallenge(card, { origin: testOrigin, nonce: challenge.nonce }), unverifiedCertificate: 'A'.repeat(authTokenCharsMax + 4) };
    const oversized = await login(challenge, token);
    assert.equal(oversized.statusCode, 400);
    assert.equal(codeOf(oversized), 'invalid_request');
    const notAnObject = await login(challenge, 'token');
    assert.equal(codeOf(notAnObject), 'invalid_request');
  });
});
