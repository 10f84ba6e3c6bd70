// Ensures the card agent serves only its portal and only under its own address, and never leaks the PIN: a
// foreign Origin and a rebinding Host are refused with typed errors; Chromium's Private Network Access preflight
// is answered; one request waits at a time (busy); its page's calls need the page's token; a cancel, a wrong PIN
// (with the tries left) and a signature each reach the waiting request; taking the software card out empties the
// status and putting it back gives a new insertion. How: the real agent on a free loopback port with a software
// card of a test CA, driven with fetch as the portal's page and the agent's page would.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { softwareCardSource, startCardAgent } from '../../src/card/agent-server.js';
import { createSoftwareCard } from '../../src/card/software-card.js';
import { SoftwareJpkiCard } from '../../src/card/software-jpki-card.js';
import { createTestCa } from '../../src/identity/test-ca.js';
import { freePort } from '../helpers/serve-process.js';

const portal = 'https://mykey.example.jp';
const nonce = 'bm9uY2Utb2YtdGhlLXBvcnRhbC0xMjM0NTY3ODkw';

describe('the card agent', () => {
  let agent: Awaited<ReturnType<typeof startCardAgent>>;
  let base: string;
  let pageToken: string;
  before(async () => {
    const ca = await createTestCa({ nowMs: Date.now() - 86_400_000, validityDays: 3_650 });
    const card = SoftwareJpkiCard.fromSoftwareCard(await createSoftwareCard(ca, { nowMs: Date.now() - 3_600_000 }), { pin: '1234' });
    const port = await freePort();
    agent = await startCardAgent({ portalOrigin: portal, source: softwareCardSource(card), port, version: 'test', approvalTimeoutMs: 5_000 });
    base = agent.url;
    const html = await (await fetch(`${base}/`)).text();
    pageToken = /name="mykey-agent-token" content="([^"]+)"/.exec(html)![1]!;
    assert.ok(pageToken.length >= 20 && pageToken !== '__AGENT_TOKEN__');
  });
  after(() => agent.close());

  const fromPortal = (path: string, init: RequestInit = {}) => fetch(`${base}${path}`, { ...init, headers: { origin: portal, 'content-type': 'application/json', ...init.headers } });
  const fromPage = (path: string, json: unknown) => fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-agent-token': pageToken }, body: JSON.stringify(json) });
  const pendingId = async (): Promise<string> => {
    for (;;) {
      const view = (await (await fetch(`${base}/agent/pending`, { headers: { 'x-agent-token': pageToken } })).json()) as { pending: { id: string; origin: string } | null };
      if (view.pending !== null) {
        assert.equal(view.pending.origin, portal, 'the page shows the origin of the request, from its Origin header');
        return view.pending.id;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  it('answers its portal with CORS for that origin only, and refuses another origin or a rebinding host', async () => {
    const ok = await fromPortal('/v1/status');
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('access-control-allow-origin'), portal);
    const status = (await ok.json()) as { state: string; card: { insertionId: string } | null };
    assert.equal(status.state, 'ready');
    const foreign = await fetch(`${base}/v1/status`, { headers: { origin: 'https://evil.example' } });
    assert.equal(foreign.status, 403);
    assert.equal(((await foreign.json()) as { code: string }).code, 'origin_refused');
    assert.equal(foreign.headers.get('access-control-allow-origin'), null);
    const noOrigin = await fetch(`${base}/v1/status`);
    assert.equal(((await noOrigin.json()) as { code: string }).code, 'origin_refused');
    // fetch cannot set Host; a DNS-rebinding page's request arrives with its own host name.
    const rebound = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const url = new URL(`${base}/v1/status`);
      const request = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, headers: { origin: portal, host: `evil.example:${url.port}` } }, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      });
      request.on('error', reject);
      request.end();
    });
    assert.equal(rebound.status, 403);
    assert.equal((JSON.parse(rebound.body) as { code: string }).code, 'host_refused');
  });

  it('answers the Private Network Access preflight', async () => {
    const preflight = await fromPortal('/v1/sign', { method: 'OPTIONS', headers: { 'access-control-request-method': 'POST', 'access-control-request-private-network': 'true' } });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-private-network'), 'true');
    assert.equal(preflight.headers.get('access-control-allow-origin'), portal);
  });

  it('refuses a malformed sign request, and the page calls without the page token', async () => {
    const bad = await fromPortal('/v1/sign', { method: 'POST', body: JSON.stringify({ purpose: 'steal', nonce }) });
    assert.equal(bad.status, 400);
    const noToken = await fetch(`${base}/agent/approve`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'x', pin: '1234' }) });
    assert.equal(((await noToken.json()) as { code: string }).code, 'origin_refused');
  });

  it('holds one request at a time; cancel, a wrong PIN with tries left and a signature reach it; the PIN never comes back', async () => {
    const cancelled = fromPortal('/v1/sign', { method: 'POST', body: JSON.stringify({ purpose: 'login', nonce }) });
    const id = await pendingId();
    const busy = await fromPortal('/v1/sign', { method: 'POST', body: JSON.stringify({ purpose: 'login', nonce }) });
    assert.equal(((await busy.json()) as { code: string }).code, 'busy');
    await fromPage('/agent/cancel', { id });
    assert.equal(((await (await cancelled).json()) as { code: string }).code, 'user_cancelled');

    const wrong = fromPortal('/v1/sign', { method: 'POST', body: JSON.stringify({ purpose: 'login', nonce }) });
    await fromPage('/agent/approve', { id: await pendingId(), pin: '0000' });
    const wrongAnswer = await (await wrong).text();
    assert.deepEqual(JSON.parse(wrongAnswer).code, 'pin_wrong');
    assert.equal(JSON.parse(wrongAnswer).triesLeft, 2);
    assert.doesNotMatch(wrongAnswer, /0000/);

    const signed = fromPortal('/v1/sign', { method: 'POST', body: JSON.stringify({ purpose: 'login', nonce }) });
    const approval = await (await fromPage('/agent/approve', { id: await pendingId(), pin: '1234' })).text();
    assert.doesNotMatch(approval, /1234/);
    const answer = (await (await signed).json()) as { authToken: { unverifiedCertificate: string; signature: string } };
    assert.equal(typeof answer.authToken.signature, 'string');
  });

  it('a software card taken out empties the status; put back, it is a new insertion', async () => {
    const first = ((await (await fromPortal('/v1/status')).json()) as { card: { insertionId: string } }).card.insertionId;
    await fromPage('/agent/card', { present: false });
    const out = (await (await fromPortal('/v1/status')).json()) as { state: string; card: unknown };
    assert.deepEqual([out.state, out.card], ['card_absent', null]);
    await fromPage('/agent/card', { present: true });
    const back = ((await (await fromPortal('/v1/status')).json()) as { card: { insertionId: string } }).card.insertionId;
    assert.notEqual(back, first);
  });
});
