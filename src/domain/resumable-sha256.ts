/**
 * SHA-256 (FIPS 180-4) whose running state can be saved as text and resumed later, in another request or another
 * server process. An event file arrives in many requests, possibly on different API processes sharing one
 * PostgreSQL, and its declared sha256 is checked at the end; node:crypto's Hash cannot export its intermediate
 * state, so the state lives in the file's row between chunks. Checked against node:crypto in the tests.
 */
import assert from 'node:assert/strict';

const blockBytes = 64;

// The first 32 bits of the fractional parts of the cube roots of the first 64 primes (FIPS 180-4 §4.2.2).
const roundConstants = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
  0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

// The first 32 bits of the fractional parts of the square roots of the first 8 primes (FIPS 180-4 §5.3.3).
const initialWords = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

function rotr(x: number, n: number): number {
  return (x >>> n) | (x << (32 - n));
}

/**
 * A SHA-256 computation in progress. `save()` gives its state as text; `ResumableSha256.resume(text)` continues it.
 *
 * @example
 * const h = new ResumableSha256(); h.update(firstChunk);
 * const saved = h.save();                     // store it
 * const later = ResumableSha256.resume(saved); later.update(secondChunk);
 * later.digestHex() === createHash('sha256').update(firstChunk).update(secondChunk).digest('hex');
 */
export class ResumableSha256 {
  private readonly words = Uint32Array.from(initialWords);
  private readonly pending = new Uint8Array(blockBytes);
  private pendingBytes = 0;
  private totalBytes = 0;
  private readonly schedule = new Uint32Array(64);

  /** Continues a computation saved with `save()`; the text is the platform's own, so a bad one is a bug (asserts). */
  static resume(saved: string): ResumableSha256 {
    const state = JSON.parse(saved) as { words: number[]; pending: string; totalBytes: number };
    const pending = Buffer.from(state.pending, 'base64');
    assert.ok(state.words.length === 8 && pending.length < blockBytes && Number.isSafeInteger(state.totalBytes));
    assert.ok(state.totalBytes % blockBytes === pending.length, 'the pending bytes are the tail of the total');
    const hash = new ResumableSha256();
    hash.words.set(state.words);
    hash.pending.set(pending);
    hash.pendingBytes = pending.length;
    hash.totalBytes = state.totalBytes;
    return hash;
  }

  /** The state as JSON text: the eight words, the bytes of the incomplete block (base64) and the length so far. */
  save(): string {
    return JSON.stringify({ words: [...this.words], pending: Buffer.from(this.pending.subarray(0, this.pendingBytes)).toString('base64'), totalBytes: this.totalBytes });
  }

  update(bytes: Uint8Array): this {
    let offset = 0;
    this.totalBytes += bytes.length;
    if (this.pendingBytes > 0) {
      const taken = Math.min(blockBytes - this.pendingBytes, bytes.length);
      this.pending.set(bytes.subarray(0, taken), this.pendingBytes);
      this.pendingBytes += taken;
      offset = taken;
      if (this.pendingBytes < blockBytes) return this;
      this.compress(this.pending, 0);
      this.pendingBytes = 0;
    }
    for (; offset + blockBytes <= bytes.length; offset += blockBytes) this.compress(bytes, offset);
    this.pending.set(bytes.subarray(offset), 0);
    this.pendingBytes = bytes.length - offset;
    return this;
  }

  /** The digest of everything so far, as lowercase hex; the computation itself is left as it was. */
  digestHex(): string {
    const copy = ResumableSha256.resume(this.save());
    const bitLength = copy.totalBytes * 8;
    // 0x80, zeros up to 56 bytes mod 64, then the length: the message ends on a block boundary.
    const padding = new Uint8Array((copy.pendingBytes < 56 ? 56 : 120) - copy.pendingBytes + 8);
    padding[0] = 0x80;
    const view = new DataView(padding.buffer);
    // The length in bits as a 64-bit big-endian integer; totalBytes is a safe integer, so split it by hand.
    view.setUint32(padding.length - 8, Math.floor(bitLength / 2 ** 32));
    view.setUint32(padding.length - 4, bitLength >>> 0);
    copy.update(padding);
    assert.equal(copy.pendingBytes, 0);
    return Buffer.from(wordsToBytes(copy.words)).toString('hex');
  }

  private compress(block: Uint8Array, offset: number): void {
    const w = this.schedule;
    for (let i = 0; i < 16; i += 1) {
      const at = offset + i * 4;
      w[i] = ((block[at]! << 24) | (block[at + 1]! << 16) | (block[at + 2]! << 8) | block[at + 3]!) >>> 0;
    }
    for (let i = 16; i < 64; i += 1) {
      const w15 = w[i - 15]!;
      const w2 = w[i - 2]!;
      const s0 = rotr(w15, 7) ^ rotr(w15, 18) ^ (w15 >>> 3);
      const s1 = rotr(w2, 17) ^ rotr(w2, 19) ^ (w2 >>> 10);
      w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) >>> 0;
    }
    let [a, b, c, d, e, f, g, h] = this.words as unknown as [number, number, number, number, number, number, number, number];
    for (let i = 0; i < 64; i += 1) {
      const s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
      const choice = (e & f) ^ (~e & g);
      const t1 = (h + s1 + choice + roundConstants[i]! + w[i]!) >>> 0;
      const s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
      const majority = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (s0 + majority) >>> 0;
      h = g;
      g = f;
      f = e;
      e = (d + t1) >>> 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) >>> 0;
    }
    const words = this.words;
    words[0] = (words[0]! + a) >>> 0;
    words[1] = (words[1]! + b) >>> 0;
    words[2] = (words[2]! + c) >>> 0;
    words[3] = (words[3]! + d) >>> 0;
    words[4] = (words[4]! + e) >>> 0;
    words[5] = (words[5]! + f) >>> 0;
    words[6] = (words[6]! + g) >>> 0;
    words[7] = (words[7]! + h) >>> 0;
  }
}

function wordsToBytes(words: Uint32Array): Uint8Array {
  const bytes = new Uint8Array(words.length * 4);
  const view = new DataView(bytes.buffer);
  words.forEach((word, index) => view.setUint32(index * 4, word));
  return bytes;
}
