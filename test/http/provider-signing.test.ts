// Ensures a provider using the platform's own signing client (signedFetch / ProviderClient) can send the same
// request twice within one second — polling an empty grant feed, or retrying a batch whose answer was lost — and
// have both served, while a captured request replayed byte for byte is still refused. How: the real app listens on
// a loopback port (the client signs the URL it really calls), and two requests are signed by signedFetch at the
// same `nowMs`, as two calls within one second are; the replay sends one signed request's exact headers twice.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signRequest } from '../../src/http/message-signatures.js';
import { signedFetch, type SigningKey } from '../../src/http/signed-fetch.js';
import { startHttpWorld, type HttpWorld } from '../helpers/http.js';
import { addProvider } from '../helpers/world.js';

describe('provider requests signed anew', () => {
  let http: HttpWorld;
  let key: SigningKey;
  let baseUrl: string;

  before(async () => {
    // The server checks `created` against its clock, and signedFetch signs at the time it is given: both real now.
    http = await startHttpWorld({ nowMs: Date.now() });
    const provider = await addProvider(http);
    key = { keyId: provider.keyId, secret: provider.secret };
    baseUrl = await http.app.listen({ host: '127.0.0.1', port: 0 });
  });

  after(async () => {
    await http.close();
  });

  it('two reads of the grant feed within one second are both served', async () => {
    const nowMs = http.clock.nowMs();
    for (let i = 0; i < 2; i += 1) {
      const page = await signedFetch({ url: `${baseUrl}/v1/provider/grants?limit=1000`, method: 'GET', key, nowMs });
      assert.equal(page.status, 200, `read ${i + 1}: ${JSON.stringify(page.body)}`);
    }
  });

  it('a batch retried within one second is answered, not refused as a replay', async () => {
    const nowMs = http.clock.nowMs();
    const json = { events: [{ eventId: 'ev-retried', accountRef: 'NOBODY', kind: 'payment', amountYen: 100, occurredAt: new Date(nowMs).toISOString() }] };
    for (let i = 0; i < 2; i += 1) {
      const answer = await signedFetch({ url: `${baseUrl}/v1/provider/events`, method: 'POST', key, json, nowMs });
      assert.equal(answer.status, 200, `try ${i + 1}: ${JSON.stringify(answer.body)}`);
    }
  });

  it('the same signed request sent twice is refused the second time', async () => {
    const url = `${baseUrl}/v1/provider/grants?limit=999`;
    const headers = signRequest({ method: 'GET', url, keyId: key.keyId, secret: key.secret, createdS: Math.floor(http.clock.nowMs() / 1000) });
    const first = await fetch(url, { headers });
    assert.equal(first.status, 200, await first.text());
    const replay = await fetch(url, { headers });
    assert.equal(replay.status, 401);
    assert.equal(((await replay.json()) as { code: string }).code, 'request_signature_replayed');
  });
});
