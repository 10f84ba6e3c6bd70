// Ensures the challenge nonce is one format for the platform and the agent: what challengeNonce builds for each
// purpose parses back to the same context; anything else (short, padded differently, an unknown purpose, a digest
// of the wrong length or case, an extra part) parses to nothing; and the binding digest changes with every field.
// How: table tests over the pure functions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bindingSha256, challengeNonce, parseChallengeNonce, type NonceContext } from './challenge-nonce.js';

const random = new Uint8Array(32).fill(7);
const base = Buffer.from(random).toString('base64');
const digest = bindingSha256({ campaignId: 'c', providerServiceId: 's', accountRef: 'a' });

test('every context round-trips through the nonce', () => {
  const contexts: NonceContext[] = [{ purpose: 'login' }, { purpose: 'bind', bindingSha256: digest }, { purpose: 'represent', representativeMykeyId: 'Y8V638QF' }];
  for (const context of contexts) assert.deepStrictEqual(parseChallengeNonce(challengeNonce(random, context)), context);
  assert.strictEqual(challengeNonce(random, { purpose: 'login' }), base);
  assert.strictEqual(challengeNonce(random, { purpose: 'bind', bindingSha256: digest }), `${base}.bind.${digest}`);
});

test('anything else is not a nonce of the platform', () => {
  for (const nonce of ['', base.slice(1), `${base.slice(0, -1)}A`, `${base}.login`, `${base}.bind`, `${base}.bind.${digest.toUpperCase()}`, `${base}.bind.${digest.slice(1)}`, `${base}.bind.${digest}.x`, `${base}.represent.Y8V638Q`, `${base}.represent.Y8V638QI`, `${base}.sign.${digest}`]) {
    assert.strictEqual(parseChallengeNonce(nonce), undefined, nonce);
  }
});

test('a nonce is built only from 32 random bytes and a well-formed context', () => {
  assert.throws(() => challengeNonce(new Uint8Array(31), { purpose: 'login' }), RangeError);
  assert.throws(() => challengeNonce(random, { purpose: 'bind', bindingSha256: 'x' }), RangeError);
  assert.throws(() => challengeNonce(random, { purpose: 'represent', representativeMykeyId: 'nope' }), RangeError);
});

test('the binding digest covers every field, and the represented person', () => {
  const details = { campaignId: 'c', providerServiceId: 's', accountRef: 'a' };
  const digests = new Set([digest, bindingSha256({ ...details, campaignId: 'c2' }), bindingSha256({ ...details, providerServiceId: 's2' }), bindingSha256({ ...details, accountRef: 'a2' }), bindingSha256({ ...details, onBehalfOf: 'Y8V638QF' })]);
  assert.strictEqual(digests.size, 5);
  // Fields are delimited: moving characters from one field to the next changes the digest.
  assert.notStrictEqual(bindingSha256({ campaignId: 'ab', providerServiceId: 'c', accountRef: 'a' }), bindingSha256({ campaignId: 'a', providerServiceId: 'bc', accountRef: 'a' }));
});
