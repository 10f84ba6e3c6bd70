// Ensures every error code of src/domain/errors.ts can really be reached through the HTTP API with its documented
// status and the one error body `{statusCode, code, error, message, param?, requestId}` (requestId equal to the
// Request-Id header), and that docs/errors.md documents exactly these codes with these statuses. How: one table
// with a request per code, sent with `app.inject()` to the real app over an embedded store (per-event codes are
// reached inside a 200 batch answer, where providers see them); a final test checks that the table covers exactly
// the keys of `errorCodes`, so a new code without a test fails here.
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { STATUS_CODES } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { generateRegistrationOptions } from '@simplewebauthn/server';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createSoftwareCard, signWebEidChallenge, type SoftwareCard } from '../../src/card/software-card.js';
import { errorCodes, type ErrorCode } from '../../src/domain/errors.js';
import { challengeTtlMs, eventsPerBatchMax } from '../../src/domain/limits.js';
import { mynapoint2020, mynapoint2020Now } from '../../src/domain/presets.js';
import { fail, ok } from '../../src/domain/result.js';
import { buildApp } from '../../src/http/app.js';
import { reserveIdempotencyKey } from '../../src/store/idempotency-repo.js';
import type { SigningKey } from '../../src/http/signed-fetch.js';
import { createTestCa } from '../../src/identity/test-ca.js';
import {
  bindChallenge,
  embeddedEngine,
  httpBind,
  httpLogin,
  injectJson,
  loginChallenge,
  loginInject,
  operatorInject,
  operatorToken,
  providerInject,
  signProviderRequest,
  startHttpWorld,
  type HttpCitizen,
  type HttpWorld,
} from '../helpers/http.js';
import { addCampaign, addProvider, createWorld, newCard, testOrigin } from '../helpers/world.js';
import { addRegistry, newRegistryKeys, postAttestations, signedBatch, type TestRegistry } from '../helpers/registry.js';
import { addRepresentedOk, httpAddRepresented, representChallenge } from '../helpers/representatives.js';
import { TestAuthenticator } from '../helpers/passkey.js';
import { consoleInject, createStaff, enrol, signIn, staffConsole } from '../helpers/staff.js';

const errorBodyKeys = new Set(['statusCode', 'code', 'error', 'message', 'param', 'requestId']);

/** Checks an error answer: status of the code, the code, and the body shape with the Request-Id. */
function assertErrorAnswer(response: LightMyRequestResponse, code: ErrorCode): void {
  assert.equal(response.statusCode, errorCodes[code].status, response.body);
  assert.match(String(response.headers['content-type']), /^application\/json/);
  const body = response.json() as Record<string, unknown>;
  assert.equal(body.code, code, response.body);
  assert.equal(body.statusCode, response.statusCode);
  assert.equal(body.error, STATUS_CODES[response.statusCode]);
  assert.equal(typeof body.message, 'string');
  if ('param' in body) assert.equal(typeof body.param, 'string');
  for (const key of Object.keys(body)) assert.ok(errorBodyKeys.has(key), `unexpected field ${key}`);
  assert.equal(typeof body.requestId, 'string');
  assert.ok((body.requestId as string).length > 0);
  assert.equal(body.requestId, response.headers['request-id']);
}

/** Checks a per-item rejection inside a 200 batch answer (events by eventId, attestations by attestationId). */
function assertEventRejection(response: LightMyRequestResponse, itemId: string, code: ErrorCode): void {
  assert.equal(response.statusCode, 200, response.body);
  assert.equal(typeof response.headers['request-id'], 'string');
  const { results } = response.json() as { results: Array<Record<string, unknown>> };
  const outcome = results.find((r) => r.eventId === itemId || r.attestationId === itemId);
  assert.ok(outcome !== undefined, `no result for ${itemId}`);
  assert.equal(outcome.status, 'rejected');
  assert.equal(outcome.code, code, JSON.stringify(outcome));
  assert.equal(typeof outcome.message, 'string');
}

/** Checks a rejected line in an event file's report. */
function assertLineRejection(response: LightMyRequestResponse, line: number, code: ErrorCode): void {
  assert.equal(response.statusCode, 200, response.body);
  const { data } = response.json() as { data: Array<Record<string, unknown>> };
  const result = data.find((r) => r.line === line);
  assert.ok(result !== undefined, `no result for line ${line}`);
  assert.equal(result.status, 'rejected');
  assert.equal(result.code, code, JSON.stringify(result));
  assert.equal(typeof result.message, 'string');
}

/** How a case reached its code: an error answer, a rejected event of a batch answer, or a rejected line of a file. */
type Reached = { response: LightMyRequestResponse } | { batch: LightMyRequestResponse; eventId: string } | { report: LightMyRequestResponse; line: number };

describe('every error code is reachable over HTTP', () => {
  let http: HttpWorld;
  let key: SigningKey;
  let providerId: string;
  let serviceId: string;
  let campaignId: string;
  let payOnlyCampaignId: string;
  let closedCampaignId: string;
  let otherServiceCampaignId: string;
  let regionCampaignId: string;
  let tinyBudgetCampaignId: string;
  let registry: TestRegistry;
  let citizenA: HttpCitizen;
  let citizenB: HttpCitizen;
  /** Represented by citizenA, logged in with their own card. */
  let minor: HttpCitizen;
  let badCards: { untrusted: SoftwareCard; notYetValid: SoftwareCard; expired: SoftwareCard; wrongPurpose: SoftwareCard };
  const dayMs = 86_400_000;

  const isoNow = (): string => new Date(http.clock.nowMs()).toISOString();
  async function eventFile(body: Record<string, unknown> = { fileName: 'events.ndjson', format: 'ndjson' }): Promise<string> {
    const response = await providerInject(http, key, { method: 'POST', url: '/v1/provider/event-files', json: body, headers: { 'idempotency-key': randomUUID() } });
    assert.equal(response.statusCode, 201, response.body);
    return (response.json() as { fileId: string }).fileId;
  }
  const fileContent = (fileId: string, offset: number, text: string) =>
    providerInject(http, key, { method: 'PUT', url: `/v1/provider/event-files/${fileId}/content?offset=${offset}`, body: Buffer.from(text), contentType: 'application/octet-stream' });
  const completeFile = (fileId: string) => providerInject(http, key, { method: 'POST', url: `/v1/provider/event-files/${fileId}/complete` });
  const events = (list: unknown[]): Promise<LightMyRequestResponse> => providerInject(http, key, { method: 'POST', url: '/v1/provider/events', json: { events: list } });
  const payment = (eventId: string, accountRef: string, amountYen = 1_000) => ({ eventId, accountRef, kind: 'payment', amountYen, occurredAt: isoNow() });
  const loginWith = (challenge: { challengeId: string; cookie?: string }, authToken: unknown) => loginInject(http.app, { cookie: '', ...challenge }, authToken);
  async function loginSigned(card: SoftwareCard, tamper: (token: Record<string, unknown>) => void = () => undefined, origin = testOrigin) {
    const challenge = await loginChallenge(http.app);
    const token = { ...signWebEidChallenge(card, { origin, nonce: challenge.nonce }) } as Record<string, unknown>;
    tamper(token);
    return loginWith(challenge, token);
  }
  const attestation = (attestationId: string) => ({ attestationId, kind: 'health_insurance_linked', mykeyId: citizenA.mykeyId, attestedAt: isoNow() });
  const details = (campaign: string, accountRef: string, providerServiceId = serviceId) => ({ campaignId: campaign, providerServiceId, accountRef });

  before(async () => {
    http = await startHttpWorld();
    const provider = await addProvider(http);
    ({ providerId, serviceId } = provider);
    key = { keyId: provider.keyId, secret: provider.secret };
    campaignId = await addCampaign(http);
    payOnlyCampaignId = await addCampaign(http, { eligibleEventKinds: ['payment'] });
    closedCampaignId = await addCampaign(http, { applicationWindow: mynapoint2020().applicationWindow, earningWindow: mynapoint2020().earningWindow });
    otherServiceCampaignId = await addCampaign(http, { eligibleProviderServices: ['some-other-service'] });
    const nowMs = http.clock.nowMs();
    const otherCa = await createTestCa({ nowMs: nowMs - 365 * dayMs, validityDays: 3_650 });
    const [cardA, cardB, minorCard, untrusted, notYetValid, expired, wrongPurpose] = await Promise.all([
      newCard(http),
      newCard(http),
      newCard(http),
      createSoftwareCard(otherCa, { nowMs: nowMs - dayMs }),
      createSoftwareCard(http.ca, { nowMs: nowMs + 10 * dayMs }),
      createSoftwareCard(http.ca, { nowMs: nowMs - 30 * dayMs, validityDays: 10 }),
      createSoftwareCard(http.ca, { nowMs: nowMs - dayMs, certificate: { keyUsage: { digitalSignature: true, nonRepudiation: true } } }),
    ]);
    badCards = { untrusted, notYetValid, expired, wrongPurpose };
    citizenA = await httpLogin(http, cardA);
    citizenB = await httpLogin(http, cardB);
    await addRepresentedOk(http, citizenA, minorCard);
    minor = await httpLogin(http, minorCard);
    assert.equal((await httpBind(http, citizenA, details(campaignId, 'ACC-A'))).statusCode, 201);
    assert.equal((await httpBind(http, citizenB, details(payOnlyCampaignId, 'ACC-B-PAY'))).statusCode, 201);
    const base = await events([payment('ev-base', 'ACC-A')]);
    assert.equal(base.statusCode, 200, base.body);
    assert.equal((base.json() as { results: Array<{ status: string }> }).results[0]!.status, 'applied');
    // A campaign of one region, and one whose 1-point budget the first grant spends.
    regionCampaignId = await addCampaign(http, { eligibleMerchantRegions: ['13101'] });
    assert.equal((await httpBind(http, citizenB, details(regionCampaignId, 'ACC-B-REGION'))).statusCode, 201);
    tinyBudgetCampaignId = await addCampaign(http, { caps: { perPersonPoints: 5_000, budgetPoints: 1 } });
    assert.equal((await httpBind(http, citizenA, details(tinyBudgetCampaignId, 'ACC-A-BUDGET'))).statusCode, 201);
    assert.equal((await events([payment('ev-budget', 'ACC-A-BUDGET')])).statusCode, 200);
    registry = await addRegistry(http.app, ['health_insurance_linked'], 'reg-health');
  });

  after(async () => {
    await http.close();
  });

  // In the order of src/domain/errors.ts. Each case returns what it got; the loop below checks it against its key.
  const cases: Record<ErrorCode, () => Promise<Reached>> = {
    // Request shape and transport.
    malformed_json: async () => ({
      response: await http.app.inject({ method: 'POST', url: '/v1/citizen/login', headers: { 'content-type': 'application/json' }, payload: '{"challengeId": ' }),
    }),
    body_too_large: async () => ({
      response: await injectJson(http.app, { method: 'POST', url: '/v1/citizen/login', json: { padding: 'x'.repeat(70_000) } }),
    }),
    unsupported_media_type: async () => ({
      response: await http.app.inject({ method: 'POST', url: '/v1/citizen/login', headers: { 'content-type': 'text/plain' }, payload: 'challengeId=1' }),
    }),
    invalid_request: async () => ({ response: await injectJson(http.app, { method: 'POST', url: '/v1/citizen/login', json: {} }) }),
    national_id_number_refused: async () => ({
      response: await injectJson(http.app, { method: 'POST', url: '/v1/citizen/bindings/challenge', token: citizenA.sessionToken, json: details(campaignId, '1234-5678-9018') }),
    }),
    not_found: async () => ({ response: await http.app.inject({ method: 'GET', url: '/v1/no-such-route' }) }),
    rate_limited: async () => {
      // A second app over the same context, with its own rate-limit counter of 2 requests a minute.
      const limited = await buildApp(http.ctx, { operatorToken, logger: false, rateLimitPerMinute: 2 });
      try {
        for (let i = 0; i < 2; i += 1) assert.equal((await limited.inject({ method: 'GET', url: '/v1/campaigns' })).statusCode, 200);
        const response = await limited.inject({ method: 'GET', url: '/v1/campaigns' });
        assert.ok(response.headers['retry-after'] !== undefined, 'a 429 says when to retry');
        return { response };
      } finally {
        await limited.close();
      }
    },
    overloaded: async () => {
      // A second app over the same context with one slot and no queue; a login holds the slot in its revocation check.
      const gated = await buildApp(http.ctx, { operatorToken, logger: false, rateLimitPerMinute: 100_000, admission: { concurrencyMax: 1, queueMax: 0, queueWaitMsMax: 1_000 } });
      let release!: () => void;
      let entered!: () => void;
      const inRevocation = new Promise<void>((resolve) => (entered = resolve));
      http.ctx.revocation = { check: () => new Promise((resolve) => ((release = () => resolve(ok(undefined))), entered())) };
      try {
        const challenge = await loginChallenge(http.app);
        const holding = loginInject(gated, challenge, signWebEidChallenge(citizenA.card, { origin: testOrigin, nonce: challenge.nonce }));
        await inRevocation;
        const response = await gated.inject({ method: 'GET', url: '/v1/campaigns' });
        assert.equal(response.headers['retry-after'], '1', 'a 503 overloaded says when to retry');
        release();
        assert.equal((await holding).statusCode, 200);
        return { response };
      } finally {
        http.ctx.revocation = undefined;
        await gated.close();
      }
    },
    idempotency_key_missing: async () => ({
      response: await injectJson(http.app, { method: 'POST', url: '/v1/operator/campaigns', token: operatorToken, json: { preset: 'mynapoint-2020-now', id: 'no-key' } }),
    }),
    idempotency_key_reused: async () => {
      const idempotencyKey = randomUUID();
      const first = await operatorInject(http.app, { method: 'POST', url: '/v1/operator/campaigns', idempotencyKey, json: { preset: 'mynapoint-2020-now', id: 'reuse-one' } });
      assert.equal(first.statusCode, 201, first.body);
      return { response: await operatorInject(http.app, { method: 'POST', url: '/v1/operator/campaigns', idempotencyKey, json: { preset: 'mynapoint-2020-now', id: 'reuse-two' } }) };
    },
    idempotency_key_in_use: async () => {
      // The first request with this key is still running: its reservation is in the store, not yet completed.
      const idempotencyKey = randomUUID();
      const json = { preset: 'mynapoint-2020-now', id: 'in-use-one' };
      const requestSha256 = createHash('sha256').update('POST /v1/operator/campaigns\n').update(JSON.stringify(json)).digest('hex');
      const ref = { scope: 'operator /v1/operator/campaigns', key: idempotencyKey, requestSha256, nowMs: http.clock.nowMs() };
      assert.ok(await http.ctx.store.transaction((tx) => reserveIdempotencyKey(tx, ref)));
      return { response: await operatorInject(http.app, { method: 'POST', url: '/v1/operator/campaigns', idempotencyKey, json }) };
    },
    internal: async () => {
      // An app whose store is closed under it: every route that reads the store fails unexpectedly.
      const opened = await (await embeddedEngine()).open();
      const world = await createWorld(opened.store);
      const broken: FastifyInstance = await buildApp(world.ctx, { operatorToken, logger: false, rateLimitPerMinute: 1_000 });
      try {
        await opened.store.close();
        return { response: await broken.inject({ method: 'GET', url: '/healthz' }) };
      } finally {
        await broken.close();
        await opened.close().catch(() => undefined);
      }
    },

    // Operator and citizen sessions.
    operator_token_invalid: async () => ({
      response: await injectJson(http.app, { method: 'GET', url: '/v1/operator/campaigns', token: 'not-the-operator-token-0123456789abcdef' }),
    }),
    session_required: async () => ({ response: await http.app.inject({ method: 'GET', url: '/v1/citizen/me' }) }),
    session_expired: async () => ({ response: await injectJson(http.app, { method: 'GET', url: '/v1/citizen/me', token: randomBytes(32).toString('base64url') }) }),
    csrf_token_invalid: async () => {
      // A portal (cookie) session: its write without the X-CSRF-Token header.
      const challenge = await loginChallenge(http.app);
      const login = await loginInject(http.app, challenge, signWebEidChallenge(citizenA.card, { origin: testOrigin, nonce: challenge.nonce }), { session: 'cookie' });
      assert.equal(login.statusCode, 200, login.body);
      const cookie = login.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
      return { response: await injectJson(http.app, { method: 'POST', url: '/v1/citizen/bindings/challenge', headers: { cookie }, json: details(campaignId, 'ACC-A-CSRF') }) };
    },

    // Staff sign-in and sessions.
    staff_session_required: async () => ({ response: await http.app.inject({ method: 'GET', url: '/v1/staff/me' }) }),
    staff_session_expired: async () => ({ response: await http.app.inject({ method: 'GET', url: '/v1/staff/me', headers: { cookie: `${http.app.cookieNameOf('staff')}=${randomBytes(32).toString('base64url')}` } }) }),
    staff_role_forbidden: async () => {
      const support = await staffConsole(http, { role: 'operator_support' });
      return { response: await consoleInject(http, support, { method: 'POST', url: '/v1/operator/campaigns', headers: { 'idempotency-key': randomUUID() }, json: { preset: 'mynapoint-2020-now', id: 'support-may-not' } }) };
    },
    enrolment_invalid: async () => ({ response: await injectJson(http.app, { method: 'POST', url: '/v1/staff/enrolments/options', json: { token: randomBytes(32).toString('base64url') } }) }),
    passkey_unknown: async () => {
      // An authenticator with a passkey for this relying party that the platform never enrolled.
      const stranger = new TestAuthenticator();
      stranger.register(testOrigin, await generateRegistrationOptions({ rpID: 'mykey.test', rpName: 'elsewhere', userName: 'x', userID: new Uint8Array([7]), authenticatorSelection: { residentKey: 'required', userVerification: 'required' } }));
      return { response: (await signIn(http, stranger)).response };
    },
    staff_account_disabled: async () => {
      const disabled = await staffConsole(http, { role: 'operator_admin' });
      assert.equal((await operatorInject(http.app, { method: 'DELETE', url: `/v1/operator/staff/${disabled.staffId}` })).statusCode, 200);
      return { response: (await signIn(http, disabled.authenticator)).response };
    },
    passkey_verification_failed: async () => ({ response: (await enrol(http, (await createStaff(http, { role: 'operator_admin' })).token, { origin: 'https://phish.mykey.test' })).response }),
    staff_not_found: async () => ({ response: await operatorInject(http.app, { method: 'DELETE', url: `/v1/operator/staff/${randomUUID()}` }) }),

    // Provider request signatures.
    request_signature_missing: async () => ({ response: await http.app.inject({ method: 'GET', url: '/v1/provider/grants' }) }),
    request_signature_malformed: async () => ({
      response: await providerInject(http, key, { method: 'GET', url: '/v1/provider/grants', headers: { signature: 'sig1=42' } }),
    }),
    provider_key_unknown: async () => ({
      response: await providerInject(http, { keyId: 'no-such-key', secret: key.secret }, { method: 'GET', url: '/v1/provider/grants' }),
    }),
    request_signature_expired: async () => ({
      response: await providerInject(http, key, { method: 'GET', url: '/v1/provider/grants', createdS: Math.floor(http.clock.nowMs() / 1000) - 3_600 }),
    }),
    content_digest_mismatch: async () => {
      const signed = signProviderRequest(http, key, { method: 'POST', url: '/v1/provider/events', json: { events: [payment('ev-digest', 'ACC-A')] } });
      const other = JSON.stringify({ events: [payment('ev-digest', 'ACC-A', 9_999)] });
      return { response: await http.app.inject({ method: 'POST', url: '/v1/provider/events', headers: signed.headers, payload: other }) };
    },
    request_signature_invalid: async () => ({
      response: await providerInject(http, { keyId: key.keyId, secret: randomBytes(32) }, { method: 'GET', url: '/v1/provider/grants' }),
    }),
    request_signature_replayed: async () => {
      const signed = signProviderRequest(http, key, { method: 'GET', url: '/v1/provider/grants' });
      const first = await http.app.inject({ method: 'GET', url: '/v1/provider/grants', headers: signed.headers });
      assert.equal(first.statusCode, 200, first.body);
      return { response: await http.app.inject({ method: 'GET', url: '/v1/provider/grants', headers: signed.headers }) };
    },

    // Card login.
    auth_token_malformed: async () => ({ response: await loginSigned(citizenA.card, (token) => (token.signature = 'AAAA')) }),
    algorithm_unsupported: async () => ({ response: await loginSigned(citizenA.card, (token) => (token.algorithm = 'ES256')) }),
    challenge_not_found: async () => {
      const token = signWebEidChallenge(citizenA.card, { origin: testOrigin, nonce: 'a nonce the platform never issued' });
      return { response: await loginWith({ challengeId: randomUUID() }, token) };
    },
    challenge_expired: async () => {
      const challenge = await loginChallenge(http.app);
      // Five minutes and a second: well inside the citizens' 15-minute sessions, which later cases still use.
      http.clock.advance(challengeTtlMs + 1_000);
      return { response: await loginWith(challenge, signWebEidChallenge(citizenA.card, { origin: testOrigin, nonce: challenge.nonce })) };
    },
    challenge_session_mismatch: async () => {
      // A challenge fetched by another browser (its pre-login cookie), completed by this one (another cookie).
      const elsewhere = await loginChallenge(http.app);
      const here = await loginChallenge(http.app);
      return { response: await loginWith({ challengeId: elsewhere.challengeId, cookie: here.cookie }, signWebEidChallenge(citizenA.card, { origin: testOrigin, nonce: elsewhere.nonce })) };
    },
    challenge_purpose_mismatch: async () => {
      const challenge = await bindChallenge(http, citizenA, details(payOnlyCampaignId, 'ACC-A-2'));
      return { response: await loginWith(challenge, signWebEidChallenge(citizenA.card, { origin: testOrigin, nonce: challenge.nonce })) };
    },
    certificate_malformed: async () => ({ response: await loginSigned(citizenA.card, (token) => (token.unverifiedCertificate = 'MIIB')) }),
    certificate_untrusted: async () => ({ response: await loginSigned(badCards.untrusted) }),
    certificate_not_yet_valid: async () => ({ response: await loginSigned(badCards.notYetValid) }),
    certificate_expired: async () => ({ response: await loginSigned(badCards.expired) }),
    certificate_wrong_purpose: async () => ({ response: await loginSigned(badCards.wrongPurpose) }),
    certificate_revoked: async () => {
      http.ctx.revocation = { check: async () => fail('certificate_revoked', 'revoked by the fake checker') };
      try {
        return { response: await loginSigned(citizenA.card) };
      } finally {
        http.ctx.revocation = undefined;
      }
    },
    revocation_unavailable: async () => {
      http.ctx.revocation = { check: async () => fail('revocation_unavailable', 'the fake OCSP responder is down') };
      try {
        return { response: await loginSigned(citizenA.card) };
      } finally {
        http.ctx.revocation = undefined;
      }
    },
    renewal_lookup_unavailable: async () => {
      // Only a first login asks the lookup, so a card the store has never seen.
      http.ctx.renewalLookup = { predecessorOf: async () => fail('renewal_lookup_unavailable', 'the fake lookup is down') };
      try {
        return { response: await loginSigned(await newCard(http)) };
      } finally {
        delete http.ctx.renewalLookup;
      }
    },
    signature_invalid: async () => ({ response: await loginSigned(citizenA.card, () => undefined, 'https://phishing.example') }),

    // Campaigns and providers (operator API).
    preset_unknown: async () => ({ response: await operatorInject(http.app, { method: 'POST', url: '/v1/operator/campaigns', json: { preset: 'no-such-preset' } }) }),
    campaign_invalid: async () => ({
      response: await operatorInject(http.app, {
        method: 'POST',
        url: '/v1/operator/campaigns',
        json: { definition: { ...mynapoint2020Now(http.clock.nowMs()), id: 'bad-time-zone', timeZone: 'Mars/Olympus_Mons' } },
      }),
    }),
    campaign_exists: async () => ({
      response: await operatorInject(http.app, { method: 'POST', url: '/v1/operator/campaigns', json: { preset: 'mynapoint-2020-now', id: campaignId } }),
    }),
    campaign_not_found: async () => ({ response: await httpBind(http, citizenB, details('no-such-campaign', 'ACC-B')) }),
    provider_exists: async () => ({
      response: await operatorInject(http.app, {
        method: 'POST',
        url: '/v1/operator/providers',
        json: { id: providerId, name: 'again', verifyUrl: 'https://provider.test/verify', services: [{ id: 'brand-new-service', name: 'new' }] },
      }),
    }),
    provider_not_found: async () => ({ response: await operatorInject(http.app, { method: 'POST', url: '/v1/operator/providers/no-such-provider/keys' }) }),
    provider_service_exists: async () => ({
      response: await operatorInject(http.app, {
        method: 'POST',
        url: '/v1/operator/providers',
        json: { id: 'brand-new-provider', name: 'new', verifyUrl: 'https://provider.test/verify', services: [{ id: serviceId, name: 'taken' }] },
      }),
    }),

    // Binding.
    binding_challenge_mismatch: async () => ({
      response: await httpBind(http, citizenB, details(campaignId, 'ACC-B'), { binding: details(campaignId, 'ACC-B-OTHER') }),
    }),
    card_person_mismatch: async () => ({ response: await httpBind(http, citizenB, details(campaignId, 'ACC-B'), { signingCard: citizenA.card }) }),
    campaign_application_closed: async () => ({ response: await httpBind(http, citizenB, details(closedCampaignId, 'ACC-B')) }),
    provider_service_not_found: async () => ({ response: await httpBind(http, citizenB, details(campaignId, 'ACC-B', 'no-such-service')) }),
    provider_service_not_eligible: async () => ({ response: await httpBind(http, citizenB, details(otherServiceCampaignId, 'ACC-B')) }),
    binding_already_exists: async () => ({ response: await httpBind(http, citizenA, details(campaignId, 'ACC-A-2')) }),
    campaign_budget_exhausted: async () => ({ response: await httpBind(http, citizenB, details(tinyBudgetCampaignId, 'ACC-B-BUDGET')) }),
    account_already_bound: async () => ({ response: await httpBind(http, citizenB, details(campaignId, 'ACC-A')) }),
    provider_unavailable: async () => {
      http.verifier.unavailable = true;
      try {
        return { response: await httpBind(http, citizenB, details(campaignId, 'ACC-B')) };
      } finally {
        http.verifier.unavailable = false;
      }
    },
    account_verification_failed: async () => ({ response: await httpBind(http, citizenB, details(campaignId, 'ACC-B'), { securityCode: 'wrong-code' }) }),

    // Legal representatives.
    representation_challenge_mismatch: async () => ({
      response: await httpAddRepresented(http, citizenB, minor.card, { challenge: await representChallenge(http, citizenA) }),
    }),
    representative_is_represented: async () => ({ response: await httpAddRepresented(http, minor, citizenB.card) }),
    representation_of_self: async () => ({ response: await httpAddRepresented(http, citizenB, citizenB.card) }),
    represented_is_representative: async () => ({ response: await httpAddRepresented(http, citizenB, citizenA.card) }),
    representation_not_found: async () => ({ response: await httpBind(http, citizenB, { ...details(campaignId, 'ACC-B'), onBehalfOf: minor.mykeyId }) }),

    // Provider events.
    batch_too_large: async () => ({
      response: await events(Array.from({ length: eventsPerBatchMax + 1 }, (_, i) => payment(`ev-big-${i}`, 'ACC-A', 1))),
    }),
    idempotency_conflict: async () => ({ batch: await events([payment('ev-base', 'ACC-A', 2_000)]), eventId: 'ev-base' }),
    original_event_required: async () => ({
      batch: await events([{ eventId: 'ev-refund-bare', accountRef: 'ACC-A', kind: 'refund', amountYen: 100, occurredAt: isoNow() }]),
      eventId: 'ev-refund-bare',
    }),
    original_event_not_allowed: async () => ({
      batch: await events([{ ...payment('ev-pay-with-original', 'ACC-A'), originalEventId: 'ev-base' }]),
      eventId: 'ev-pay-with-original',
    }),
    account_unknown: async () => ({ batch: await events([payment('ev-nobody', 'NOBODY')]), eventId: 'ev-nobody' }),
    original_event_unknown: async () => ({
      batch: await events([{ eventId: 'ev-refund-ghost', accountRef: 'ACC-A', kind: 'refund', amountYen: 100, occurredAt: isoNow(), originalEventId: 'ev-never' }]),
      eventId: 'ev-refund-ghost',
    }),
    original_event_mismatch: async () => ({
      batch: await events([
        { eventId: 'ev-refund-1', accountRef: 'ACC-A', kind: 'refund', amountYen: 100, occurredAt: isoNow(), originalEventId: 'ev-base' },
        { eventId: 'ev-refund-of-refund', accountRef: 'ACC-A', kind: 'refund', amountYen: 10, occurredAt: isoNow(), originalEventId: 'ev-refund-1' },
      ]),
      eventId: 'ev-refund-of-refund',
    }),
    refund_exceeds_original: async () => ({
      batch: await events([{ eventId: 'ev-refund-big', accountRef: 'ACC-A', kind: 'refund', amountYen: 5_000, occurredAt: isoNow(), originalEventId: 'ev-base' }]),
      eventId: 'ev-refund-big',
    }),
    event_kind_not_eligible: async () => ({
      batch: await events([{ ...payment('ev-topup', 'ACC-B-PAY'), kind: 'topup' }]),
      eventId: 'ev-topup',
    }),
    outside_earning_window: async () => ({
      batch: await events([{ ...payment('ev-2021', 'ACC-A'), occurredAt: '2021-01-01T12:00:00+09:00' }]),
      eventId: 'ev-2021',
    }),
    merchant_region_not_eligible: async () => ({ batch: await events([payment('ev-elsewhere', 'ACC-B-REGION')]), eventId: 'ev-elsewhere' }),

    // Event files.
    event_file_not_found: async () => ({ response: await providerInject(http, key, { method: 'GET', url: `/v1/provider/event-files/${randomUUID()}` }) }),
    event_file_closed: async () => {
      const fileId = await eventFile();
      assert.equal((await completeFile(fileId)).statusCode, 200);
      return { response: await fileContent(fileId, 0, '\n') };
    },
    upload_offset_mismatch: async () => {
      const response = await fileContent(await eventFile(), 10, '\n');
      assert.equal(response.headers['upload-offset'], '0', 'the answer says where to resume');
      return { response };
    },
    upload_size_mismatch: async () => ({ response: await fileContent(await eventFile({ fileName: 'a.ndjson', format: 'ndjson', sizeBytes: 1 }), 0, '\n\n') }),
    upload_digest_mismatch: async () => {
      const sha256 = createHash('sha256').update('another file').digest('hex');
      return { response: await completeFile(await eventFile({ fileName: 'a.ndjson', format: 'ndjson', sha256 })) };
    },
    csv_header_invalid: async () => ({ response: await fileContent(await eventFile({ fileName: 'a.csv', format: 'csv' }), 0, 'eventId,accountRef,colour\n') }),
    file_line_invalid: async () => {
      const fileId = await eventFile();
      assert.equal((await fileContent(fileId, 0, `${JSON.stringify(payment('ev-file-ok', 'ACC-A'))}\n{"eventId": \n`)).statusCode, 200);
      return { report: await providerInject(http, key, { method: 'GET', url: `/v1/provider/event-files/${fileId}/report` }), line: 2 };
    },

    // Grant feed.
    cursor_invalid: async () => ({ response: await providerInject(http, key, { method: 'GET', url: '/v1/provider/grants?after=not-a-cursor' }) }),
    grant_unknown: async () => ({
      response: await providerInject(http, key, { method: 'POST', url: '/v1/provider/grants/ack', json: { grantIds: ['no-such-grant'] } }),
    }),

    // Fixed awards.
    registry_exists: async () => ({
      response: await operatorInject(http.app, { method: 'POST', url: '/v1/operator/registries', json: { id: registry.id, name: 'again', publicKeyPem: registry.publicKeyPem, attestationKinds: ['x_y'] } }),
    }),
    registry_key_invalid: async () => ({
      response: await operatorInject(http.app, {
        method: 'POST',
        url: '/v1/operator/registries',
        json: { id: 'reg-bad-key', name: 'bad', publicKeyPem: `-----BEGIN PUBLIC KEY-----\n${'A'.repeat(64)}\n-----END PUBLIC KEY-----\n`, attestationKinds: ['x_y'] },
      }),
    }),
    registry_not_found: async () => ({
      response: await operatorInject(http.app, { method: 'POST', url: '/v1/operator/attestations', json: { ...signedBatch(registry, [attestation('a-0')]), registryId: 'no-such-registry' } }),
    }),
    attestation_signature_invalid: async () => {
      const impostor = { ...registry, ...newRegistryKeys() };
      return { response: await operatorInject(http.app, { method: 'POST', url: '/v1/operator/attestations', json: signedBatch(impostor, [attestation('a-1')]) }) };
    },
    attestation_payload_invalid: async () => ({
      response: await operatorInject(http.app, { method: 'POST', url: '/v1/operator/attestations', json: signedBatch(registry, [{ attestationId: 'a-2', kind: 'health_insurance_linked' }]) }),
    }),
    attestation_kind_not_allowed: async () => ({
      batch: await postAttestations(http.app, registry, [{ ...attestation('a-3'), kind: 'public_funds_account_registered' }]),
      eventId: 'a-3',
    }),
    person_unknown: async () => ({ response: await operatorInject(http.app, { method: 'GET', url: '/v1/operator/persons/AAAAAAAA/bindings' }) }),

    // Corrections and cancels.
    binding_not_found: async () => ({
      response: await operatorInject(http.app, { method: 'POST', url: `/v1/operator/bindings/${randomUUID()}/void`, json: { reason: 'no such binding', action: 'clawback' } }),
    }),
    binding_cancel_not_allowed: async () => ({
      response: await injectJson(http.app, { method: 'DELETE', url: `/v1/citizen/bindings/${campaignId}`, token: citizenA.sessionToken, idempotencyKey: randomUUID() }),
    }),
    // Settlement and reconciliation.
    settlement_as_of_too_recent: async () => ({
      response: await operatorInject(http.app, { method: 'POST', url: '/v1/operator/settlements', json: { providerId, month: '2026-11', asOf: isoNow() } }),
    }),
    settlement_period_not_started: async () => ({
      response: await operatorInject(http.app, { method: 'POST', url: '/v1/operator/settlements', json: { providerId, month: '2099-01' } }),
    }),
    settlement_not_found: async () => ({ response: await providerInject(http, key, { method: 'GET', url: '/v1/provider/settlements/2026-10' }) }),
    reconciliation_not_found: async () => ({ response: await providerInject(http, key, { method: 'GET', url: '/v1/provider/settlements/2026-10/reconciliation' }) }),
  };

  for (const [code, run] of Object.entries(cases) as Array<[ErrorCode, () => Promise<Reached>]>) {
    it(`${code} (${errorCodes[code].status})`, async () => {
      const reached = await run();
      if ('response' in reached) assertErrorAnswer(reached.response, code);
      else if ('batch' in reached) assertEventRejection(reached.batch, reached.eventId, code);
      else assertLineRejection(reached.report, reached.line, code);
    });
  }

  it('unsupported_media_type also for other non-JSON bodies, on every audience', async () => {
    for (const url of ['/v1/citizen/login', '/v1/provider/events', '/v1/operator/campaigns']) {
      for (const contentType of ['application/x-www-form-urlencoded', 'application/xml']) {
        const response = await http.app.inject({ method: 'POST', url, headers: { 'content-type': contentType }, payload: 'a=1' });
        assertErrorAnswer(response, 'unsupported_media_type');
      }
    }
  });

  it('the table covers exactly the codes of errorCodes', () => {
    assert.deepEqual(Object.keys(cases).sort(), Object.keys(errorCodes).sort());
  });
});

describe('docs/errors.md', () => {
  it('documents every code, with its status, and no code that does not exist', async () => {
    const text = await readFile(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
    const documented = new Map<string, number>();
    for (const match of text.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \|/gm)) {
      assert.ok(!documented.has(match[1]!), `${match[1]} is documented twice`);
      documented.set(match[1]!, Number(match[2]));
    }
    assert.deepEqual([...documented.keys()].sort(), Object.keys(errorCodes).sort());
    for (const [code, status] of documented) assert.equal(status, errorCodes[code as ErrorCode].status, `status of ${code}`);
  });

  it('describes the error body and the Request-Id header', async () => {
    const text = await readFile(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
    for (const field of errorBodyKeys) assert.match(text, new RegExp(`\\| \`${field}\` \\|`));
    assert.match(text, /Request-Id/);
  });
});
