// Ensures the resumable SHA-256 (hash-wasm with its state saved as text) gives node:crypto's digest for any bytes cut into any chunks, with the state saved
// and resumed between every two chunks, including the padding edges (55, 56, 63, 64 and 65 bytes). How: the FIPS
// 180-4 examples, a table of lengths around the block edges, and fast-check over random bytes and random cuts.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { ResumableSha256 } from './resumable-sha256.js';

const nodeSha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

test('the FIPS 180-4 examples', async () => {
  assert.strictEqual((await ResumableSha256.start()).digestHex(), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.strictEqual((await ResumableSha256.start()).update(Buffer.from('abc')).digestHex(), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.strictEqual(
    (await ResumableSha256.start()).update(Buffer.from('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).digestHex(),
    '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
  );
});

test('lengths around the block and padding edges, byte by byte with a save and resume each time', async () => {
  for (const length of [1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1_000]) {
    const bytes = Buffer.alloc(length, length % 251);
    let hash = await ResumableSha256.start();
    for (const byte of bytes) hash = await ResumableSha256.resume(hash.update(Uint8Array.of(byte)).save());
    assert.strictEqual(hash.digestHex(), nodeSha256(bytes), `${length} bytes`);
  }
});

test('digestHex leaves the computation going on', async () => {
  const hash = (await ResumableSha256.start()).update(Buffer.from('first'));
  assert.strictEqual(hash.digestHex(), nodeSha256(Buffer.from('first')));
  assert.strictEqual(hash.update(Buffer.from(' and second')).digestHex(), nodeSha256(Buffer.from('first and second')));
});

test('any bytes in any chunks, resumed between chunks, give node:crypto’s digest', async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 1_000 }), fc.array(fc.nat({ max: 1_000 }), { maxLength: 8 }), async (bytes, cuts) => {
      const points = [...new Set([0, ...cuts.map((c) => Math.min(c, bytes.length)), bytes.length])].sort((a, b) => a - b);
      let saved = (await ResumableSha256.start()).save();
      for (let i = 1; i < points.length; i += 1) saved = (await ResumableSha256.resume(saved)).update(bytes.subarray(points[i - 1], points[i])).save();
      assert.strictEqual((await ResumableSha256.resume(saved)).digestHex(), nodeSha256(bytes));
    }),
  );
});
