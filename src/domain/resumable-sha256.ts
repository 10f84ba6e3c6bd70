/**
 * SHA-256 whose running state can be saved as text and resumed later, in another request or another server
 * process. An event file arrives in many requests, possibly on different API processes sharing one PostgreSQL, and
 * its declared sha256 is checked at the end; node:crypto's Hash cannot export its intermediate state, so the state
 * lives in the file's row between chunks. hash-wasm's hashers can save and load theirs; this is a thin wrapper.
 */
import { createSHA256, type IHasher } from 'hash-wasm';

/**
 * A SHA-256 computation in progress. `save()` gives its state as text; `ResumableSha256.resume(text)` continues it.
 *
 * @example
 * const h = (await ResumableSha256.start()).update(firstChunk);
 * const saved = h.save();                              // store it
 * const later = (await ResumableSha256.resume(saved)).update(secondChunk);
 * later.digestHex() === createHash('sha256').update(firstChunk).update(secondChunk).digest('hex');
 */
export class ResumableSha256 {
  private constructor(private readonly hasher: IHasher) {}

  static async start(): Promise<ResumableSha256> {
    const hasher = await createSHA256();
    hasher.init();
    return new ResumableSha256(hasher);
  }

  static async resume(state: string): Promise<ResumableSha256> {
    const hasher = await createSHA256();
    hasher.load(Buffer.from(state, 'base64'));
    return new ResumableSha256(hasher);
  }

  update(bytes: Uint8Array): this {
    this.hasher.update(bytes);
    return this;
  }

  save(): string {
    return Buffer.from(this.hasher.save()).toString('base64');
  }

  /** The digest of the bytes so far; the computation can go on afterwards. */
  digestHex(): string {
    const state = this.hasher.save();
    const hex = this.hasher.digest('hex');
    this.hasher.load(state);
    return hex;
  }
}
