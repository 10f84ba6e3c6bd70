// Ensures the privacy rules of DESIGN.md §4 and §8 hold over a whole HTTP flow: no session token, security code,
// provider secret, operator token, card signature, My Number, staff enrolment token, staff session cookie or CSRF
// token is ever logged, even at level trace; a provider never
// sees a Mykey ID or a person id (event results, grant feed, acknowledgements, the account-verification call); a
// My Number-looking account reference or security code is refused (`national_id_number_refused`) at binding and in events
// and is stored nowhere. How: the app is built with the server's redaction paths and a pino logger at 'trace' that
// writes into a captured stream; the flow (operator setup, card login, binding, events, grant feed, acknowledgement,
// logout, plus refused attempts) runs through `app.inject()`, then the captured logs, the provider-facing bodies and
// a dump of every table are searched for each secret.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { FastifyRequest, LightMyRequestResponse } from 'fastify';
import { signWebEidChallenge } from '../../src/card/software-card.js';
import { redactedLogPaths } from '../../src/http/app.js';
import type { SigningKey } from '../../src/http/signed-fetch.js';
import {
  bindChallenge,
  dumpStore,
  httpBind,
  injectJson,
  loginChallenge,
  loginInject,
  operatorInject,
  operatorToken,
  providerInject,
  startHttpWorld,
  type HttpCitizen,
  type HttpWorld,
} from '../helpers/http.js';
import { consoleInject, createStaff, enrol, signIn } from '../helpers/staff.js';
import { newCard, testOrigin } from '../helpers/world.js';

const myNumber = '1234-5678-9018';
const myNumberDigits = '123456789018';

describe('privacy over a whole flow', () => {
  let http: HttpWorld;
  const logLines: string[] = [];
  /** Everything that must never be logged, by what it is. */
  const secrets = new Map<string, string>();
  /** Every body a provider received. */
  const providerFacing: Array<{ what: string; body: string }> = [];
  const citizens: HttpCitizen[] = [];
  const requestIds: string[] = [];
  let key: SigningKey;
  const refusals: Record<string, LightMyRequestResponse> = {};

  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(...chunk.toString('utf8').split('\n').filter((line) => line !== ''));
      done();
    },
  });

  function remember(what: string, value: string): void {
    assert.ok(value.length >= 4, `${what} is long enough to search for`);
    secrets.set(what, value);
  }

  async function asProvider(what: string, input: Parameters<typeof providerInject>[2]): Promise<LightMyRequestResponse> {
    const response = await providerInject(http, key, input);
    providerFacing.push({ what, body: response.body });
    requestIds.push(String(response.headers['request-id']));
    return response;
  }

  before(async () => {
    http = await startHttpWorld({
      logger: {
        level: 'trace',
        stream,
        redact: redactedLogPaths,
        // Requests logged with their headers, as pino's standard serializer does: what the redaction of
        // req.headers.* is for, should a deployment log them.
        serializers: { req: (request: FastifyRequest) => ({ method: request.method, url: request.url, headers: request.headers }) },
      },
    });
    remember('operator token', operatorToken);

    // Operator: provider, key (the secret is shown once, in this response), campaign.
    const provider = await operatorInject(http.app, {
      method: 'POST',
      url: '/v1/operator/providers',
      json: { id: 'privacy-pay', name: 'Privacy Pay', verifyUrl: 'https://privacy-pay.test/verify', services: [{ id: 'privacy-pay-wallet', name: 'Wallet' }] },
    });
    assert.equal(provider.statusCode, 201, provider.body);
    const issued = await operatorInject(http.app, { method: 'POST', url: '/v1/operator/providers/privacy-pay/keys' });
    assert.equal(issued.statusCode, 201, issued.body);
    const { keyId, secret } = issued.json() as { keyId: string; secret: string };
    key = { keyId, secret: Buffer.from(secret, 'base64') };
    remember('provider secret (base64)', secret);
    remember('provider secret (hex)', Buffer.from(secret, 'base64').toString('hex'));
    const campaign = await operatorInject(http.app, { method: 'POST', url: '/v1/operator/campaigns', json: { preset: 'mynapoint-2020-now', id: 'privacy-campaign' } });
    assert.equal(campaign.statusCode, 201, campaign.body);

    // Citizens: card login over HTTP, keeping the token's signature and the session token.
    for (const [i, card] of (await Promise.all([newCard(http), newCard(http)])).entries()) {
      const challenge = await loginChallenge(http.app);
      const authToken = signWebEidChallenge(card, { origin: testOrigin, nonce: challenge.nonce });
      remember(`auth token signature ${i}`, authToken.signature);
      const login = await loginInject(http.app, challenge, authToken);
      assert.equal(login.statusCode, 200, login.body);
      const { sessionToken, mykeyId } = login.json() as { sessionToken: string; mykeyId: string };
      remember(`session token ${i}`, sessionToken);
      citizens.push({ card, sessionToken, mykeyId });
    }

    // Bindings: accepted, refused by the provider, and refused for a My Number.
    const details = (accountRef: string) => ({ campaignId: 'privacy-campaign', providerServiceId: 'privacy-pay-wallet', accountRef });
    for (const [i, citizen] of citizens.entries()) {
      const accountRef = `PRIV-ACC-${i}`;
      remember(`security code ${i}`, `ok-${accountRef}`);
      const refused = await httpBind(http, citizen, details(accountRef), { securityCode: `wrong-code-${i}-7531` });
      assert.equal((refused.json() as { code: string }).code, 'account_verification_failed');
      remember(`wrong security code ${i}`, `wrong-code-${i}-7531`);
      const bound = await httpBind(http, citizen, details(accountRef));
      assert.equal(bound.statusCode, 201, bound.body);
    }
    refusals.bindChallengeMyNumber = await injectJson(http.app, {
      method: 'POST',
      url: '/v1/citizen/bindings/challenge',
      token: citizens[0]!.sessionToken,
      json: details(myNumber),
    });
    // The challenge route refuses a My Number, so this binding names one only in the body it posts.
    for (const [name, field] of [
      ['bindMyNumberAccount', 'accountRef'],
      ['bindMyNumberSecurityCode', 'securityCode'],
    ] as const) {
      const challenge = await bindChallenge(http, citizens[0]!, details('PRIV-OTHER'));
      refusals[name] = await injectJson(http.app, {
        method: 'POST',
        url: '/v1/citizen/bindings',
        token: citizens[0]!.sessionToken,
        idempotencyKey: randomUUID(),
        json: {
          challengeId: challenge.challengeId,
          authToken: signWebEidChallenge(citizens[0]!.card, { origin: testOrigin, nonce: challenge.nonce }),
          binding: details(field === 'accountRef' ? myNumberDigits : 'PRIV-OTHER'),
          securityCode: field === 'securityCode' ? myNumber : 'ok-PRIV-OTHER',
        },
      });
    }

    // Provider: events (one naming a My Number), the grant feed, acknowledgements.
    const occurredAt = new Date(http.clock.nowMs()).toISOString();
    const batch = await asProvider('event results', {
      method: 'POST',
      url: '/v1/provider/events',
      json: {
        events: [
          { eventId: 'ev-1', accountRef: 'PRIV-ACC-0', kind: 'payment', amountYen: 4_000, occurredAt },
          { eventId: 'ev-2', accountRef: 'PRIV-ACC-1', kind: 'topup', amountYen: 8_000, occurredAt },
          { eventId: 'ev-3', accountRef: 'PRIV-ACC-0', kind: 'refund', amountYen: 1_000, occurredAt, originalEventId: 'ev-1' },
          { eventId: 'ev-my-number', accountRef: myNumber, kind: 'payment', amountYen: 1_000, occurredAt },
        ],
      },
    });
    assert.equal(batch.statusCode, 200, batch.body);
    refusals.eventMyNumber = batch;
    await asProvider('event results (repeated)', {
      method: 'POST',
      url: '/v1/provider/events',
      json: { events: [{ eventId: 'ev-1', accountRef: 'PRIV-ACC-0', kind: 'payment', amountYen: 4_000, occurredAt }] },
    });
    const feed = await asProvider('grant feed', { method: 'GET', url: '/v1/provider/grants?limit=1000' });
    assert.equal(feed.statusCode, 200, feed.body);
    const grantIds = (feed.json() as { data: Array<{ grantId: string }> }).data.map((g) => g.grantId);
    assert.equal(grantIds.length, 3);
    const ack = await asProvider('acknowledgement', { method: 'POST', url: '/v1/provider/grants/ack', json: { grantIds } });
    assert.equal(ack.statusCode, 200, ack.body);
    await asProvider('grant feed after acknowledgement', { method: 'GET', url: '/v1/provider/grants?limit=1000' });
    await asProvider('a refused provider request', { method: 'POST', url: '/v1/provider/grants/ack', json: { grantIds: ['unknown'] } });

    // Staff: an enrolment link, a passkey enrolment and sign-in (session cookies, CSRF tokens), a provider admin's
    // new and rotated keys through the console, and sign-out.
    const created = await createStaff(http, { role: 'provider_admin', providerId: 'privacy-pay' });
    remember('enrolment token', created.token);
    const enrolled = await enrol(http, created.token);
    assert.equal(enrolled.response.statusCode, 200, enrolled.response.body);
    const admin = { staffId: created.staffId, browser: enrolled.browser, authenticator: enrolled.authenticator, csrfToken: (enrolled.response.json() as { csrfToken: string }).csrfToken };
    remember('staff CSRF token', admin.csrfToken);
    for (const cookie of enrolled.response.cookies) if (cookie.value !== '') remember(`staff cookie ${cookie.name}`, cookie.value);
    const signedIn = await signIn(http, enrolled.authenticator);
    assert.equal(signedIn.response.statusCode, 200, signedIn.response.body);
    for (const cookie of signedIn.response.cookies) if (cookie.value !== '') remember(`signed-in cookie ${cookie.name}`, cookie.value);
    const consoleKey = await consoleInject(http, admin, { method: 'POST', url: '/v1/provider/keys' });
    assert.equal(consoleKey.statusCode, 201, consoleKey.body);
    remember('console key secret', (consoleKey.json() as { secret: string }).secret);
    const rotatedKey = await consoleInject(http, admin, { method: 'POST', url: `/v1/provider/keys/${(consoleKey.json() as { keyId: string }).keyId}/rotate`, json: {} });
    assert.equal(rotatedKey.statusCode, 201, rotatedKey.body);
    remember('rotated key secret', (rotatedKey.json() as { secret: string }).secret);
    assert.equal((await consoleInject(http, admin, { method: 'POST', url: '/v1/staff/sign-out' })).statusCode, 204);

    // The citizens' own view, and logout (then the ended session is refused).
    for (const citizen of citizens) {
      const me = await injectJson(http.app, { method: 'GET', url: '/v1/citizen/me', token: citizen.sessionToken });
      assert.equal(me.statusCode, 200, me.body);
      assert.equal((await injectJson(http.app, { method: 'POST', url: '/v1/citizen/logout', token: citizen.sessionToken })).statusCode, 204);
      const ended = await injectJson(http.app, { method: 'GET', url: '/v1/citizen/me', token: citizen.sessionToken });
      assert.equal((ended.json() as { code: string }).code, 'session_expired');
    }
  });

  after(async () => {
    await http.close();
  });

  it('logs the flow at level trace, under the request ids, with the secret headers redacted', () => {
    assert.equal(http.app.log.level, 'trace');
    const entries = logLines.map((line) => JSON.parse(line) as { level: number; reqId?: string; msg?: string; req?: { headers?: Record<string, string> } });
    const headerEntries = entries.filter((e) => e.req?.headers !== undefined);
    assert.ok(headerEntries.length >= requestIds.length, 'requests are logged with their headers');
    for (const name of ['authorization', 'signature', 'idempotency-key', 'cookie', 'x-csrf-token']) {
      assert.ok(headerEntries.some((e) => e.req?.headers?.[name] === '[Redacted]'), `${name} is redacted`);
    }
    const loggedIds = new Set(entries.map((e) => e.reqId));
    for (const id of requestIds) assert.ok(loggedIds.has(id), `request ${id} is logged`);
  });

  it('logs no session token, security code, provider secret, operator token, card signature or My Number', () => {
    const logs = logLines.join('\n');
    for (const [what, value] of secrets) assert.ok(!logs.includes(value), `the logs hold the ${what}`);
    assert.ok(!logs.includes(myNumberDigits), 'the logs hold a My Number');
    assert.ok(!logs.includes(myNumber), 'the logs hold a My Number');
  });

  it('shows a provider no Mykey ID and no person id', async () => {
    const personIds = (await http.opened.store.db.selectFrom('persons').select('id').execute()).map((p) => p.id);
    assert.equal(personIds.length, citizens.length);
    const identities = [...citizens.map((c) => c.mykeyId), ...personIds];
    assert.ok(providerFacing.length >= 6);
    for (const { what, body } of providerFacing) {
      for (const identity of identities) assert.ok(!body.includes(identity), `the ${what} name a person (${identity})`);
    }
    assert.ok(http.verifier.seen.length >= 4, 'the provider was asked to verify accounts');
    const verificationCalls = JSON.stringify(http.verifier.seen);
    for (const identity of identities) assert.ok(!verificationCalls.includes(identity), 'the account verification call names a person');
  });

  it('refuses a My Number-looking account reference or security code at binding and in events', () => {
    for (const [name, param] of [
      ['bindChallengeMyNumber', 'accountRef'],
      ['bindMyNumberAccount', 'accountRef'],
      ['bindMyNumberSecurityCode', 'securityCode'],
    ] as const) {
      const response = refusals[name]!;
      assert.equal(response.statusCode, 400, `${name}: ${response.body}`);
      const body = response.json() as { code: string; param?: string };
      assert.equal(body.code, 'national_id_number_refused', name);
      assert.equal(body.param, param, name);
    }
    const { results } = refusals.eventMyNumber!.json() as { results: Array<{ eventId: string; status: string; code?: string }> };
    assert.deepEqual(
      results.map((r) => [r.eventId, r.status, r.code]),
      [
        ['ev-1', 'applied', undefined],
        ['ev-2', 'applied', undefined],
        ['ev-3', 'applied', undefined],
        ['ev-my-number', 'rejected', 'national_id_number_refused'],
      ],
    );
  });

  it('stores no My Number, session token or security code', async () => {
    const dump = await dumpStore(http.opened.store);
    assert.ok(!dump.includes(myNumberDigits) && !dump.includes(myNumber), 'a My Number is stored');
    for (const [what, value] of secrets) {
      if (what.startsWith('session token') || what.includes('security code') || what.startsWith('provider secret') || what.includes('key secret') || what === 'enrolment token' || what.includes('cookie')) {
        assert.ok(!dump.includes(value), `the store holds the ${what}`);
      }
    }
  });
});
