// Ensures the HTTP renewal lookup reads a link (200), no link (404), and fails closed on everything else
// (a transport error, another status, a body that is not a valid link), through an injected fetch.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHttpRenewalLookup } from './renewal-lookup.js';
import type { RevocationFetch } from './revocation.js';

const issuerNameDer = Buffer.from('3011310f300d060355040a0c064a504b492d54', 'hex');
const input = { issuerNameDer, serialHex: '0a1b', nowMs: 0 };

function lookupAnswering(answer: { status: number; json?: unknown } | Error) {
  const seen: string[] = [];
  const fetch: RevocationFetch = async (request) => {
    seen.push(request.url);
    if (answer instanceof Error) throw answer;
    return { status: answer.status, body: Buffer.from(answer.json === undefined ? '' : JSON.stringify(answer.json)) };
  };
  return { lookup: createHttpRenewalLookup({ url: 'http://127.0.0.1:9/renewal', fetch }), seen };
}

test('a 200 with a link gives the predecessor; the query names issuer and serial', async () => {
  const { lookup, seen } = lookupAnswering({ status: 200, json: { old: { issuerNameDer: issuerNameDer.toString('base64'), serialHex: '0A1A' }, oldRevocationReason: 'superseded' } });
  const result = await lookup.predecessorOf(input);
  assert.ok(result.ok);
  assert.deepEqual(result.value?.old.serialHex, '0a1a');
  assert.deepEqual(Buffer.from(result.value!.old.issuerNameDer), issuerNameDer);
  assert.equal(result.value?.oldRevocationReason, 'superseded');
  assert.equal(seen[0], `http://127.0.0.1:9/renewal?issuer=${issuerNameDer.toString('base64url')}&serial=0a1b`);
});

test('a 404 means no predecessor', async () => {
  const { lookup } = lookupAnswering({ status: 404 });
  assert.deepEqual(await lookup.predecessorOf(input), { ok: true, value: undefined });
});

test('anything else fails closed with renewal_lookup_unavailable', async () => {
  const answers: Array<{ status: number; json?: unknown } | Error> = [
    new Error('connection refused'),
    { status: 500 },
    { status: 200, json: { old: { serialHex: 'zz' }, oldRevocationReason: 'superseded' } },
    { status: 200, json: { old: { issuerNameDer: 'AA==', serialHex: '01' }, oldRevocationReason: 'lost' } },
  ];
  for (const answer of answers) {
    const result = await lookupAnswering(answer).lookup.predecessorOf(input);
    assert.ok(!result.ok);
    assert.equal(result.code, 'renewal_lookup_unavailable');
  }
});
