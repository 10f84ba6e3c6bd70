/**
 * Mykey IDs: 8 characters, 7 random ones from an unambiguous 31-letter alphabet and a check character.
 * The alphabet has no 0/O, 1/I/L, so an ID read aloud or typed at a counter survives; its size is prime, so a
 * weighted sum modulo 31 catches every single wrong character and every swap of two neighbours.
 * IDs are random, never derived from the certificate, so nobody can recompute one from a serial number.
 */
import { randomInt } from 'node:crypto';
import { fail, ok, type Result } from './result.js';

export const mykeyIdAlphabet = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const mykeyIdLength = 8;
const payloadLength = mykeyIdLength - 1;

declare const mykeyIdBrand: unique symbol;
/** A Mykey ID whose check character has been verified. */
export type MykeyId = string & { readonly [mykeyIdBrand]: true };

function checkCharacter(payload: string): string {
  let sum = 0;
  for (let index = 0; index < payload.length; index += 1) {
    sum += (index + 1) * mykeyIdAlphabet.indexOf(payload[index]!);
  }
  return mykeyIdAlphabet[sum % mykeyIdAlphabet.length]!;
}

/**
 * A new random Mykey ID. `randomIndex` is injectable so tests can be deterministic.
 *
 * @example
 * generateMykeyId() // e.g. '7K3M9QXP'
 */
export function generateMykeyId(randomIndex: (size: number) => number = randomInt): MykeyId {
  let payload = '';
  for (let index = 0; index < payloadLength; index += 1) payload += mykeyIdAlphabet[randomIndex(mykeyIdAlphabet.length)];
  return (payload + checkCharacter(payload)) as MykeyId;
}

/**
 * Parses user input (case-insensitive, hyphens and spaces ignored) into a Mykey ID.
 * Returns `invalid_request` when the length, alphabet or check character is wrong.
 */
export function parseMykeyId(input: string): Result<MykeyId, 'invalid_request'> {
  const normalised = input.toUpperCase().replace(/[\s-]/g, '');
  if (normalised.length !== mykeyIdLength || [...normalised].some((c) => !mykeyIdAlphabet.includes(c))) {
    return fail('invalid_request', `a Mykey ID is ${mykeyIdLength} characters of ${mykeyIdAlphabet}`, 'mykeyId');
  }
  if (checkCharacter(normalised.slice(0, payloadLength)) !== normalised[payloadLength]) {
    return fail('invalid_request', 'the check character of the Mykey ID is wrong (a typo?)', 'mykeyId');
  }
  return ok(normalised as MykeyId);
}
