// Ensures the launch-day admission control (src/http/plugins/admission.ts): beyond its concurrency and queue, the
// API answers 503 `overloaded` with Retry-After and does nothing with the request; health and metrics are still
// answered while it sheds; every write it acknowledged (2xx) exists; a request that waits in the queue too long is
// shed too. How: an app with a small gate over a test world whose provider verifier holds each binding until the
// test lets go, so the slots are known to be taken (read from GET /metrics, never from a timing); then a burst of
// bindings and logins prepared beforehand (challenges and card signatures through the ungated app) is sent at
// once, and the answers are checked against the store. No time is asserted.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { BindingDetails } from '../../src/domain/challenge-nonce.js';
import type { ProviderVerifier } from '../../src/app/context.js';
import { signWebEidChallenge } from '../../src/card/software-card.js';
import { buildApp } from '../../src/http/app.js';
import type { AdmissionOptions } from '../../src/http/plugins/admission.js';
import { bindChallenge, httpLogin, injectJson, loginChallenge, loginInject, operatorToken, startHttpWorld, type HttpCitizen, type HttpWorld } from '../helpers/http.js';
import { addCampaign, addProvider, pooledCard, testOrigin } from '../helpers/world.js';

/** A verifier that answers like the world's, but only once the test releases it; says how many are waiting. */
function heldVerifier(inner: ProviderVerifier): ProviderVerifier & { release(): void; waiting: number } {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const held = {
    waiting: 0,
    release,
    async verify(input: Parameters<ProviderVerifier['verify']>[0]) {
      held.waiting += 1;
      await released;
      return inner.verify(input);
    },
  };
  return held;
}

async function metricsOf(app: FastifyInstance): Promise<Record<string, number>> {
  const response = await app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(response.statusCode, 200);
  return Object.fromEntries(
    response.body
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((line) => {
        const [name, value] = line.split(' ');
        return [name!, Number(value)];
      }),
  );
}

/** Lets the event loop turn until `ready` holds (requests reach their hooks asynchronously); never sleeps. */
async function until(ready: () => Promise<boolean>): Promise<void> {
  for (let turn = 0; turn < 10_000; turn += 1) {
    if (await ready()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.fail('the gate never reached the expected state');
}

function assertOverloaded(response: LightMyRequestResponse, retryAfter: string): void {
  assert.equal(response.statusCode, 503, response.body);
  assert.equal(response.json().code, 'overloaded');
  assert.equal(response.headers['retry-after'], retryAfter);
}

describe('admission control', () => {
  let http: HttpWorld;
  let campaignId: string;
  let serviceId: string;
  const gated: FastifyInstance[] = [];

  before(async () => {
    http = await startHttpWorld();
    campaignId = await addCampaign(http);
    serviceId = (await addProvider(http)).serviceId;
  });
  after(async () => {
    for (const app of gated) await app.close();
    await http.close();
  });

  async function gatedApp(admission: AdmissionOptions): Promise<FastifyInstance> {
    const app = await buildApp(http.ctx, { operatorToken, logger: false, rateLimitPerMinute: 100_000, admission });
    gated.push(app);
    return app;
  }

  /** A logged-in citizen (pooled card `index`) with a bind challenge and its card signature, made through the ungated app. */
  async function preparedBinding(index: number): Promise<{ citizen: HttpCitizen; details: BindingDetails; send(app: FastifyInstance): Promise<LightMyRequestResponse> }> {
    const citizen = await httpLogin(http, await pooledCard(http, index));
    const details = { campaignId, providerServiceId: serviceId, accountRef: `ADM-${index}` };
    const challenge = await bindChallenge(http, citizen, details);
    const authToken = signWebEidChallenge(citizen.card, { origin: testOrigin, nonce: challenge.nonce });
    const json = { challengeId: challenge.challengeId, authToken, binding: details, securityCode: `ok-${details.accountRef}` };
    return {
      citizen,
      details,
      send: (app) => injectJson(app, { method: 'POST', url: '/v1/citizen/bindings', token: citizen.sessionToken, idempotencyKey: `adm-${index}`, json }),
    };
  }

  async function boundAccountRefs(): Promise<string[]> {
    const rows = await http.ctx.store.db
      .selectFrom('bindings')
      .innerJoin('accounts', 'accounts.id', 'bindings.account_id')
      .select('accounts.account_ref')
      .where('bindings.campaign_id', '=', campaignId)
      .execute();
    return rows.map((row) => row.account_ref).sort();
  }

  it('sheds a burst beyond its slots and queue with 503 overloaded, keeps every acknowledged write, and stays healthy', async () => {
    const app = await gatedApp({ concurrencyMax: 2, queueMax: 2, queueWaitMsMax: 60_000 });
    const bindings: Array<Awaited<ReturnType<typeof preparedBinding>>> = [];
    for (let i = 0; i < 8; i += 1) bindings.push(await preparedBinding(i));
    const logins = [];
    for (let i = 8; i < 12; i += 1) {
      const challenge = await loginChallenge(http.app);
      logins.push({ challenge, authToken: signWebEidChallenge(await pooledCard(http, i), { origin: testOrigin, nonce: challenge.nonce }) });
    }
    const inner = http.ctx.providerVerifier;
    const verifier = heldVerifier(inner);
    http.ctx.providerVerifier = verifier;
    try {
      const bindingAnswers = bindings.map((b) => b.send(app));
      // Two bindings hold the slots (inside the provider call), two wait in the queue, the other four are shed.
      await until(async () => verifier.waiting === 2 && (await metricsOf(app))['mykey_admission_queued'] === 2);
      const loginAnswers = await Promise.all(logins.map(({ challenge, authToken }) => loginInject(app, challenge, authToken)));
      for (const answer of loginAnswers) assertOverloaded(answer, '60');
      assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200, 'health is never shed');
      const during = await metricsOf(app);
      assert.equal(during['mykey_admission_in_flight'], 2);
      assert.equal(during['mykey_admission_shed_total{reason="queue_full"}'], 4 + logins.length);
      verifier.release();
      const answers = await Promise.all(bindingAnswers);
      const acknowledged = answers.flatMap((answer, i) => (answer.statusCode === 201 ? [bindings[i]!.details.accountRef] : []));
      const shed = answers.filter((answer) => answer.statusCode === 503);
      for (const answer of shed) assertOverloaded(answer, '60');
      assert.equal(acknowledged.length, 4, 'the two admitted and the two queued bindings are made');
      assert.equal(shed.length, 4);
      assert.deepEqual(await boundAccountRefs(), acknowledged.sort(), 'exactly the acknowledged bindings exist');
      const settled = await metricsOf(app);
      assert.equal(settled['mykey_admission_in_flight'], 0, 'every slot was given back');
      assert.equal(settled['mykey_admission_queued'], 0);
    } finally {
      http.ctx.providerVerifier = inner;
      verifier.release();
    }
    // A shed login did nothing: its challenge was not consumed, so the same login goes through once there is room.
    for (const { challenge, authToken } of logins) assert.equal((await loginInject(app, challenge, authToken)).statusCode, 200);
    // A shed binding did nothing either: every binding sent again with its Idempotency-Key is made (or replayed).
    for (const binding of bindings) assert.equal((await binding.send(app)).statusCode, 201);
    assert.equal((await boundAccountRefs()).length, bindings.length);
  });

  it('sheds a request that waited in the queue longer than its wait', async () => {
    const app = await gatedApp({ concurrencyMax: 1, queueMax: 1, queueWaitMsMax: 20 });
    const [holding, waiting] = [await preparedBinding(20), await preparedBinding(21)];
    const inner = http.ctx.providerVerifier;
    const verifier = heldVerifier(inner);
    http.ctx.providerVerifier = verifier;
    try {
      const held = holding.send(app);
      await until(async () => verifier.waiting === 1);
      assertOverloaded(await waiting.send(app), '1');
      const counters = await metricsOf(app);
      assert.equal(counters['mykey_admission_shed_total{reason="queue_timeout"}'], 1);
      verifier.release();
      assert.equal((await held).statusCode, 201);
    } finally {
      http.ctx.providerVerifier = inner;
      verifier.release();
    }
    assert.ok(!(await boundAccountRefs()).includes(waiting.details.accountRef), 'the shed binding wrote nothing');
  });
});
