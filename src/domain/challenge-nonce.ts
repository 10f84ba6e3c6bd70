/**
 * The card-login challenge nonce (JPKI.md §8 A) and what it carries, in one place for both ends: the platform
 * builds it (src/app/card-login.ts) and checks a binding against it (src/app/bind-account.ts); the card agent
 * reads it back before the PIN (src/domain/card-agent.ts), so that what it shows the person is what the card signs
 * (JPKI.md T3: the card is a signing oracle for whatever reaches it).
 *
 * A nonce is 32 random bytes in base64 (44 characters), followed for a binding by `.bind.<sha256 hex of the
 * binding details>` and for adding a represented person by `.represent.<the representative's Mykey ID>`. The
 * random part comes from the caller (the shell), so everything here is deterministic.
 */
import { createHash } from 'node:crypto';
import { mykeyIdAlphabet, mykeyIdLength } from './mykey-id.js';

export type ChallengePurpose = 'login' | 'bind' | 'represent';

export const challengePurposes: readonly ChallengePurpose[] = ['login', 'bind', 'represent'];

/** What a binding's card signature covers (DESIGN.md §2.3). */
export interface BindingDetails {
  campaignId: string;
  providerServiceId: string;
  accountRef: string;
  /** The Mykey ID of the represented person the binding is for; absent when citizens bind for themselves. */
  onBehalfOf?: string;
}

/** What a nonce carries besides its randomness, by purpose. */
export type NonceContext =
  | { purpose: 'login' }
  | { purpose: 'bind'; bindingSha256: string }
  | { purpose: 'represent'; representativeMykeyId: string };

/** The random part: 32 bytes (JPKI.md T2, ≥ 256 bits), in base64 with its one `=` of padding. */
export const nonceRandomBytes = 32;
const randomPattern = /^[A-Za-z0-9+/]{43}=$/;
const sha256HexPattern = /^[0-9a-f]{64}$/;
const mykeyIdPattern = new RegExp(`^[${mykeyIdAlphabet}]{${mykeyIdLength}}$`);

/**
 * The digest of the binding details that a bind nonce carries: campaign, provider service, account, and the
 * person bound for when it is not the signer, so a challenge for one represented person cannot bind another.
 *
 * @example
 * bindingSha256({ campaignId: 'mynapoint-2020', providerServiceId: 'paypay', accountRef: 'ACC-1' }); // 64 hex digits
 */
export function bindingSha256(details: BindingDetails): string {
  const signed = [details.campaignId, details.providerServiceId, details.accountRef, ...(details.onBehalfOf === undefined ? [] : [details.onBehalfOf])];
  return createHash('sha256').update(JSON.stringify(signed)).digest('hex');
}

/**
 * The nonce for a context, from 32 random bytes the caller drew.
 *
 * @example
 * challengeNonce(randomBytes(32), { purpose: 'bind', bindingSha256: bindingSha256(details) }); // '…=.bind.3f…'
 */
export function challengeNonce(random: Uint8Array, context: NonceContext): string {
  if (random.length !== nonceRandomBytes) throw new RangeError(`a nonce takes ${nonceRandomBytes} random bytes`);
  const base = Buffer.from(random).toString('base64');
  switch (context.purpose) {
    case 'login':
      return base;
    case 'bind':
      if (!sha256HexPattern.test(context.bindingSha256)) throw new RangeError('a binding digest is 64 lower-case hex digits');
      return `${base}.bind.${context.bindingSha256}`;
    case 'represent':
      if (!mykeyIdPattern.test(context.representativeMykeyId)) throw new RangeError('a representative is named by a Mykey ID');
      return `${base}.represent.${context.representativeMykeyId}`;
  }
}

/**
 * What a nonce carries, or undefined when it is not one the platform builds (pure, strict: no other shape passes).
 *
 * @example
 * parseChallengeNonce(nonce)?.purpose; // 'login' | 'bind' | 'represent'
 */
export function parseChallengeNonce(nonce: string): NonceContext | undefined {
  const [random, purpose, carried, ...rest] = nonce.split('.');
  if (random === undefined || !randomPattern.test(random) || rest.length > 0) return undefined;
  if (purpose === undefined) return { purpose: 'login' };
  if (purpose === 'bind' && carried !== undefined && sha256HexPattern.test(carried)) return { purpose, bindingSha256: carried };
  if (purpose === 'represent' && carried !== undefined && mykeyIdPattern.test(carried)) return { purpose, representativeMykeyId: carried };
  return undefined;
}
