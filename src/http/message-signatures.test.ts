// Ensures provider request signatures (RFC 9421 hmac-sha256 over "@method" "@target-uri" "content-digest", body bound
// by RFC 9530 Content-Digest) are produced and checked as the RFCs say and as our error codes promise: the RFC test
// vectors reproduce exactly, what signRequest emits verifies, other signers' labels and parameter orders verify,
// the replay window is inclusive at ±windowS, and every way a request can be wrong returns its code, with the
// first failing check winning. Times are fixed values; nothing sleeps.
import { test, type TestContext } from 'node:test';
import { createHash } from 'node:crypto';
import { errorCodes } from '../domain/errors.js';
import type { Result } from '../domain/result.js';
import {
  contentDigest,
  hmacSha256,
  signatureBase,
  signatureWindowS,
  signRequest,
  verifyRequest,
  type SignatureErrorCode,
  type VerifiedSignature,
} from './message-signatures.js';

const nowS = 1_750_000_000;
const keyId = 'provider-a-2025';
const secret = Buffer.from('provider A shared secret, at least 32 bytes long', 'utf8');
const otherSecret = Buffer.from('provider B shared secret, at least 32 bytes long', 'utf8');
const url = 'https://api.mykey.example/v1/provider/events?dryRun=false';
const body = Buffer.from('{"events":[{"eventId":"e-1","amountYen":1200}]}');
const keys = new Map([[keyId, secret]]);
const lookupSecret = async (id: string): Promise<Uint8Array | undefined> => keys.get(id);

type VerifyInput = Parameters<typeof verifyRequest>[0];
type Headers = VerifyInput['headers'];

function signed(changes: Partial<Parameters<typeof signRequest>[0]> = {}): Record<string, string> {
  return signRequest({ method: 'POST', url, body, keyId, secret, createdS: nowS, ...changes });
}

function verify(headers: Headers, changes: Partial<VerifyInput> = {}): Promise<Result<VerifiedSignature, SignatureErrorCode>> {
  return verifyRequest({ method: 'POST', targetUri: url, headers, body, nowS, lookupSecret, ...changes });
}

function outcome(result: Result<VerifiedSignature, SignatureErrorCode>): 'ok' | SignatureErrorCode {
  return result.ok ? 'ok' : result.code;
}

/** Our covered components, as a signer computes them for `body` and `url`. */
const ourComponents: Array<[string, string]> = [
  ['@method', 'POST'],
  ['@target-uri', url],
  ['content-digest', contentDigest(body)],
];

/**
 * Headers a signer would send for an arbitrary covered set and parameter string, with a correct HMAC, so that a
 * refusal is due to what is covered or declared and not to the signature bytes.
 */
function handSigned(components: Array<[string, string]>, parameters: string, label = 'sig1'): Record<string, string> {
  const signatureParams = `(${components.map(([name]) => `"${name}"`).join(' ')})${parameters}`;
  const signature = hmacSha256(signatureBase(components, signatureParams), secret).toString('base64');
  return { 'content-digest': contentDigest(body), 'signature-input': `${label}=${signatureParams}`, signature: `${label}=:${signature}:` };
}

function without(headers: Record<string, string>, name: string): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([key]) => key !== name));
}

test('RFC 9421 Appendix B.2.5: the hmac-sha256 test vector reproduces', (t: TestContext) => {
  const rfcSecret = Buffer.from('uzvJfB4u3N0Jy4T7NZ75MDVcr8zSTInedJtkgcu46YW4XByzNJjxBdtjUkdJPBtbmHhIDi6pcl8jsasjlTMtDQ==', 'base64');
  const base = signatureBase(
    [
      ['date', 'Tue, 20 Apr 2021 02:07:55 GMT'],
      ['@authority', 'example.com'],
      ['content-type', 'application/json'],
    ],
    '("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret"',
  );
  t.assert.strictEqual(
    base,
    [
      '"date": Tue, 20 Apr 2021 02:07:55 GMT',
      '"@authority": example.com',
      '"content-type": application/json',
      '"@signature-params": ("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret"',
    ].join('\n'),
  );
  t.assert.strictEqual(hmacSha256(base, rfcSecret).toString('base64'), 'pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8=');
});

test('RFC 9530 Appendix B: Content-Digest of {"hello": "world"} and a line feed; and of an empty body', (t: TestContext) => {
  t.assert.strictEqual(contentDigest(Buffer.from('{"hello": "world"}\n')), 'sha-256=:RK/0qy18MlBSVnWgjwz6lZEWjP/lF5HF9bvEF8FabDg=:');
  // sha256 of nothing, as `printf '' | openssl dgst -sha256 -binary | base64` prints it.
  t.assert.strictEqual(contentDigest(new Uint8Array()), 'sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:');
});

test('signRequest emits our profile: label sig1, the covered set, created, a random nonce, keyid and alg', (t: TestContext) => {
  const withBody = signRequest({ method: 'POST', url, body, keyId, secret, createdS: nowS, nonce: 'n1' });
  t.assert.deepStrictEqual(Object.keys(withBody).sort(), ['content-digest', 'signature', 'signature-input']);
  t.assert.strictEqual(withBody['content-digest'], contentDigest(body));
  t.assert.strictEqual(
    withBody['signature-input'],
    `sig1=("@method" "@target-uri" "content-digest");created=${nowS};nonce="n1";keyid="${keyId}";alg="hmac-sha256"`,
  );
  t.assert.match(withBody['signature'] ?? '', /^sig1=:[A-Za-z0-9+/]{43}=:$/);
  const withoutBody = signRequest({ method: 'GET', url, keyId, secret, createdS: nowS, nonce: 'n2' });
  t.assert.deepStrictEqual(Object.keys(withoutBody).sort(), ['signature', 'signature-input']);
  t.assert.strictEqual(withoutBody['signature-input'], `sig1=("@method" "@target-uri");created=${nowS};nonce="n2";keyid="${keyId}";alg="hmac-sha256"`);
  // Two identical requests in the same second still get different signatures, so neither looks like a replay.
  const again = signRequest({ method: 'GET', url, keyId, secret, createdS: nowS });
  t.assert.notStrictEqual(again['signature'], signRequest({ method: 'GET', url, keyId, secret, createdS: nowS })['signature']);
});

test('what signRequest emits verifies, with and without a body', async (t: TestContext) => {
  const headers = signed();
  const signatureBytes = Buffer.from((headers['signature'] ?? '').slice('sig1=:'.length, -1), 'base64');
  t.assert.deepStrictEqual(await verify(headers), {
    ok: true,
    value: { keyId, createdS: nowS, signatureSha256Hex: createHash('sha256').update(signatureBytes).digest('hex') },
  });
  const getHeaders = signRequest({ method: 'GET', url, keyId, secret, createdS: nowS });
  t.assert.strictEqual(outcome(await verify(getHeaders, { method: 'GET', body: undefined })), 'ok');
  t.assert.strictEqual(outcome(await verify(getHeaders, { method: 'GET', body: new Uint8Array() })), 'ok');
});

test('header names match in any case, and repeated field lines are joined as one dictionary', async (t: TestContext) => {
  const headers = signed();
  const titleCase = {
    'Content-Digest': headers['content-digest'],
    'Signature-Input': headers['signature-input'],
    SIGNATURE: headers['signature'],
  };
  t.assert.strictEqual(outcome(await verify(titleCase)), 'ok');
  const twoLines = { ...headers, signature: ['proxy=:AAAA:', headers['signature'] ?? ''] };
  t.assert.strictEqual(outcome(await verify(twoLines)), 'ok');
});

test('other signers verify: another label, reordered and extra parameters, extra covered headers', async (t: TestContext) => {
  const components: Array<[string, string]> = [...ourComponents, ['content-type', 'application/json']];
  const parameters = `;keyid="${keyId}";nonce="n-8f3a";created=${nowS};tag="payments";expires=${nowS + 60}`;
  const theirs: Record<string, string> = { ...handSigned(components, parameters, 'provider'), 'content-type': 'application/json' };
  t.assert.strictEqual(await verify(theirs).then((r) => r.ok && r.value.keyId), keyId);

  // Parameters we do not know enter the signature base re-serialized (RFC 9421 §2.3), so whitespace the signer
  // added around inner-list items and members does not matter, and every structured-field type survives.
  const unknownParameters = `${parameters};x-ratio=0.25;x-mode=fast;x-flag;x-off=?0;x-blob=:AQID:;x-count=-7`;
  const spaced: Record<string, string> = { ...handSigned(components, unknownParameters, 'provider'), 'content-type': 'application/json' };
  spaced['signature-input'] = `  ${spaced['signature-input']?.replace('(', '(  ').replace(')', '  )')} ,\tother=?1`;
  t.assert.strictEqual(outcome(await verify(spaced)), 'ok');

  // With several signatures, the first is used when none is labelled sig1 ...
  const bogus = 'proxy=("@method" "@target-uri" "content-digest");created=1;keyid="proxy-key"';
  t.assert.strictEqual(outcome(await verify({ ...theirs, 'signature-input': `${theirs['signature-input']}, ${bogus}` })), 'ok');
  // ... and sig1 is preferred wherever it stands.
  const ours = signed();
  const both = { ...ours, 'signature-input': `${bogus}, ${ours['signature-input']}`, signature: `proxy=:AAAA:, ${ours['signature']}` };
  t.assert.strictEqual(outcome(await verify(both)), 'ok');
});

test('the replay window is inclusive at ±windowS, in both directions', async (t: TestContext) => {
  const cases: Array<{ createdS: number; windowS?: number; expected: 'ok' | SignatureErrorCode }> = [
    { createdS: nowS - signatureWindowS, expected: 'ok' },
    { createdS: nowS - signatureWindowS - 1, expected: 'request_signature_expired' },
    { createdS: nowS + signatureWindowS, expected: 'ok' },
    { createdS: nowS + signatureWindowS + 1, expected: 'request_signature_expired' },
    { createdS: nowS - 60, windowS: 60, expected: 'ok' },
    { createdS: nowS - 61, windowS: 60, expected: 'request_signature_expired' },
    { createdS: nowS + 61, windowS: 60, expected: 'request_signature_expired' },
  ];
  for (const { createdS, windowS, expected } of cases) {
    const changes = windowS === undefined ? {} : { windowS };
    t.assert.strictEqual(outcome(await verify(signed({ createdS }), changes)), expected, `created ${createdS - nowS} s, window ${windowS}`);
  }
});

const createdAndKey = `;created=${nowS};keyid="${keyId}"`;
const tamperedBody = Buffer.from(body.toString().replace('1200', '9200'));

const failureCases: Array<{ name: string; headers: Headers; changes?: Partial<VerifyInput>; code: SignatureErrorCode }> = [
  { name: 'no signature headers', headers: {}, code: 'request_signature_missing' },
  { name: 'Signature-Input without Signature', headers: without(signed(), 'signature'), code: 'request_signature_missing' },
  { name: 'Signature without Signature-Input', headers: without(signed(), 'signature-input'), code: 'request_signature_missing' },
  { name: 'blank signature headers', headers: { ...signed(), signature: ' ', 'signature-input': '' }, code: 'request_signature_missing' },

  { name: 'Signature-Input is not a dictionary', headers: { ...signed(), 'signature-input': 'sig1=("@method" "@target-uri"' }, code: 'request_signature_malformed' },
  { name: 'Signature-Input ends in a comma', headers: { ...signed(), 'signature-input': `${signed()['signature-input']},` }, code: 'request_signature_malformed' },
  { name: 'Signature holds a string, not bytes', headers: { ...signed(), signature: 'sig1="c2lnbmF0dXJl"' }, code: 'request_signature_malformed' },
  { name: 'Signature has no member for the label', headers: { ...signed(), signature: 'sig2=:AAAA:' }, code: 'request_signature_malformed' },
  { name: 'Signature bytes are not base64', headers: { ...signed(), signature: 'sig1=:a%b:' }, code: 'request_signature_malformed' },
  { name: 'Signature-Input member is an item', headers: { ...signed(), 'signature-input': 'sig1="@method"' }, code: 'request_signature_malformed' },
  { name: 'no keyid', headers: handSigned(ourComponents, `;created=${nowS}`), code: 'request_signature_malformed' },
  { name: 'keyid is a token', headers: handSigned(ourComponents, `;created=${nowS};keyid=${keyId}`), code: 'request_signature_malformed' },
  { name: 'no created', headers: handSigned(ourComponents, `;keyid="${keyId}"`), code: 'request_signature_malformed' },
  { name: 'created is a decimal', headers: handSigned(ourComponents, `;created=${nowS}.5;keyid="${keyId}"`), code: 'request_signature_malformed' },
  { name: 'expires is a string', headers: handSigned(ourComponents, `${createdAndKey};expires="${nowS + 60}"`), code: 'request_signature_malformed' },
  { name: 'alg is another algorithm', headers: handSigned(ourComponents, `${createdAndKey};alg="rsa-pss-sha512"`), code: 'request_signature_malformed' },
  { name: 'alg is a token', headers: handSigned(ourComponents, `${createdAndKey};alg=hmac-sha256`), code: 'request_signature_malformed' },
  { name: '@method not covered', headers: handSigned([ourComponents[1]!, ourComponents[2]!], createdAndKey), code: 'request_signature_malformed' },
  { name: '@target-uri not covered', headers: handSigned([ourComponents[0]!, ourComponents[2]!], createdAndKey), code: 'request_signature_malformed' },
  { name: 'a body without content-digest covered', headers: signRequest({ method: 'POST', url, keyId, secret, createdS: nowS }), code: 'request_signature_malformed' },
  { name: 'content-digest covered, header absent', headers: without(signed(), 'content-digest'), code: 'request_signature_malformed' },
  { name: 'Content-Digest is not a dictionary', headers: { ...signed(), 'content-digest': 'sha-256=abc==' }, code: 'request_signature_malformed' },
  { name: 'Content-Digest has no sha-256', headers: { ...signed(), 'content-digest': 'sha-512=:AAAA:' }, code: 'request_signature_malformed' },
  { name: 'Content-Digest sha-256 is a token', headers: { ...signed(), 'content-digest': 'sha-256=abc' }, code: 'request_signature_malformed' },
  { name: 'a covered header is absent', headers: handSigned([...ourComponents, ['content-type', 'application/json']], createdAndKey), code: 'request_signature_malformed' },
  { name: 'a covered header is not ASCII', headers: { ...handSigned([...ourComponents, ['x-note', 'cafe']], createdAndKey), 'x-note': 'café' }, code: 'request_signature_malformed' },
  { name: 'an unsupported derived component', headers: { ...handSigned([...ourComponents, ['@authority', 'api.mykey.example']], createdAndKey) }, code: 'request_signature_malformed' },
  {
    name: 'a header name in upper case',
    headers: Object.fromEntries(
      Object.entries({ ...handSigned([...ourComponents, ['date', 'x']], createdAndKey), date: 'x' }).map(([name, value]) => [name, value.replace('"date"', '"Date"')]),
    ),
    code: 'request_signature_malformed',
  },
  {
    name: 'a component with parameters',
    headers: { ...signed(), 'signature-input': `sig1=("@method" "@target-uri" "content-digest";sf)${createdAndKey}` },
    code: 'request_signature_malformed',
  },
  { name: 'a component covered twice', headers: handSigned([...ourComponents, ourComponents[0]!], createdAndKey), code: 'request_signature_malformed' },

  { name: 'an unknown keyid', headers: signed({ keyId: 'provider-z-2025' }), code: 'provider_key_unknown' },

  { name: 'created too old', headers: signed({ createdS: nowS - 301 }), code: 'request_signature_expired' },
  { name: 'created too far ahead', headers: signed({ createdS: nowS + 301 }), code: 'request_signature_expired' },
  { name: 'past its own expires', headers: handSigned(ourComponents, `${createdAndKey};expires=${nowS - 1}`), code: 'request_signature_expired' },

  { name: 'body tampered, same length', headers: signed(), changes: { body: tamperedBody }, code: 'content_digest_mismatch' },
  { name: 'body truncated', headers: signed(), changes: { body: body.subarray(0, 10) }, code: 'content_digest_mismatch' },
  { name: 'body dropped', headers: signed(), changes: { body: undefined }, code: 'content_digest_mismatch' },
  { name: 'Content-Digest rewritten to match a tampered body', headers: { ...signed(), 'content-digest': contentDigest(tamperedBody) }, changes: { body: tamperedBody }, code: 'request_signature_invalid' },

  { name: 'signed with another secret', headers: signed({ secret: otherSecret }), code: 'request_signature_invalid' },
  { name: 'method tampered', headers: signed(), changes: { method: 'PUT' }, code: 'request_signature_invalid' },
  { name: 'URL tampered', headers: signed(), changes: { targetUri: url.replace('dryRun=false', 'dryRun=true') }, code: 'request_signature_invalid' },
  { name: 'created tampered inside the window', headers: { ...signed(), 'signature-input': (signed()['signature-input'] ?? '').replace(`created=${nowS}`, `created=${nowS - 1}`) }, code: 'request_signature_invalid' },
  { name: 'signature bytes flipped', headers: { ...signed(), signature: `sig1=:${Buffer.alloc(32, 7).toString('base64')}:` }, code: 'request_signature_invalid' },
  { name: 'signature truncated', headers: { ...signed(), signature: 'sig1=:AAAA:' }, code: 'request_signature_invalid' },
  {
    name: 'an extra covered header tampered',
    headers: { ...handSigned([...ourComponents, ['content-type', 'application/json']], createdAndKey), 'content-type': 'text/plain' },
    code: 'request_signature_invalid',
  },
];

test('every way a request can be wrong returns its code', async (t: TestContext) => {
  for (const { name, headers, changes, code } of failureCases) {
    await t.test(name, async (t: TestContext) => {
      t.assert.strictEqual(outcome(await verify(headers, changes)), code);
    });
  }
});

test('the first failing check wins', async (t: TestContext) => {
  const cases: Array<{ name: string; headers: Headers; changes?: Partial<VerifyInput>; code: SignatureErrorCode }> = [
    { name: 'missing before malformed', headers: { signature: 'not a dictionary' }, code: 'request_signature_missing' },
    { name: 'malformed before unknown key', headers: handSigned(ourComponents, ';keyid="provider-z-2025"'), code: 'request_signature_malformed' },
    { name: 'unknown key before expired', headers: signed({ keyId: 'provider-z-2025', createdS: nowS - 3_600 }), code: 'provider_key_unknown' },
    { name: 'expired before digest mismatch', headers: signed({ createdS: nowS - 3_600 }), changes: { body: tamperedBody }, code: 'request_signature_expired' },
    { name: 'digest mismatch before invalid', headers: signed({ secret: otherSecret }), changes: { body: tamperedBody }, code: 'content_digest_mismatch' },
  ];
  for (const { name, headers, changes, code } of cases) {
    t.assert.strictEqual(outcome(await verify(headers, changes)), code, name);
  }
});

test('every SignatureErrorCode is a platform error code and is reached above', (t: TestContext) => {
  // A Record forces this list to name every member of the union, so a new code cannot go untested.
  const codes: Record<SignatureErrorCode, true> = {
    request_signature_missing: true,
    request_signature_malformed: true,
    provider_key_unknown: true,
    request_signature_expired: true,
    content_digest_mismatch: true,
    request_signature_invalid: true,
  };
  for (const code of Object.keys(codes)) t.assert.ok(code in errorCodes, code);
  t.assert.deepStrictEqual([...new Set(failureCases.map((c) => c.code))].sort(), Object.keys(codes).sort());
});
