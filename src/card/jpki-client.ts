/**
 * The card client's side of a JPKI login (JPKI.md §1.2, §8 B) over any CardTransport: read the authentication
 * certificate, check the PIN's tries left, VERIFY the PIN, sign a DigestInfo with the auth key, and log out.
 * It never retries a PIN, never spends a try on a malformed PIN, and wipes the PIN buffer it is given.
 */
import assert from 'node:assert/strict';
import { verify as verifySignature, X509Certificate } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { AuthToken } from '../identity/auth-token.js';
import {
  computeDigitalSignature,
  getResponse,
  jpkiEf,
  parseResponse,
  readBinary,
  selectEf,
  selectJpkiAp,
  signatureInputBytesMax,
  sw,
  swHex,
  triesLeftOf,
  verifyPin,
} from './apdu.js';
import type { ResponseApdu } from './apdu.js';
import { CardError } from './transport.js';
import type { CardTransport } from './transport.js';
import { webEidAuthToken, webEidDigestInfo, webEidSignedData } from './web-eid-challenge.js';

const appVersion = 'mykey-jpki-client/0.1';
const certificateHeaderBytes = 4;
// A real authentication certificate is about 1,300 bytes; READ BINARY offsets are 15 bits anyway.
const certificateBytesMax = 0x7fff;
const readChunkBytesMax = 256;
// Bounds on the generic 61xx / 6Cxx handling, so a misbehaving card cannot keep the client looping.
const getResponseRoundsMax = 64;
const resendRoundsMax = 2;

/**
 * Sends one command and returns the whole response, handling two ISO 7816-4 conventions generically: `61 xx`
 * (more data: GET RESPONSE `00 C0 00 00 xx` until done) and `6C xx` (wrong Le: resend with Le = xx).
 * Rejects with the transport's CardError (card_absent, reader_absent, timeout) or card_error on a runaway card.
 *
 * @example
 * const { data, sw } = await transmitApdu(transport, readBinary(0, 4));
 */
export async function transmitApdu(transport: CardTransport, command: Buffer): Promise<ResponseApdu> {
  let current = command;
  let response = parseResponse(await transport.transmit(current));
  for (let resend = 0; response.sw >> 8 === 0x6c; resend += 1) {
    if (resend === resendRoundsMax) throw new CardError('card_error', `the card keeps answering ${swHex(response.sw)}`);
    current = withLe(current, response.sw & 0xff || 256);
    response = parseResponse(await transport.transmit(current));
  }
  const chunks = [response.data];
  for (let round = 0; response.sw >> 8 === 0x61; round += 1) {
    if (round === getResponseRoundsMax) throw new CardError('card_error', 'the card keeps answering 61xx');
    response = parseResponse(await transport.transmit(getResponse(response.sw & 0xff || 256)));
    chunks.push(response.data);
  }
  return { data: Buffer.concat(chunks), sw: response.sw };
}

/**
 * Reads the authentication certificate (EF 000A) as DER: SELECT the JPKI AP, SELECT 000A, READ BINARY the
 * 4-byte header `30 82 LL LL`, then chunks of at most 256 bytes until LLLL + 4 bytes are read.
 * Rejects with CardError not_a_jpki_card (the AP is not on the card), card_error (an unexpected answer, a
 * truncated or oversized certificate) or the transport's codes.
 *
 * @example
 * const certificateDer = await readAuthCertificate(transport);
 */
export async function readAuthCertificate(transport: CardTransport): Promise<Buffer> {
  await selectAp(transport);
  await expectOk(transport, selectEf(jpkiEf.authCertificate), 'SELECT EF 000A');
  const header = await expectOk(transport, readBinary(0, certificateHeaderBytes), 'READ BINARY header');
  if (header.length !== certificateHeaderBytes || header[0] !== 0x30 || header[1] !== 0x82) {
    throw new CardError('card_error', 'EF 000A does not start with a DER SEQUENCE of two length bytes');
  }
  const totalBytes = header.readUInt16BE(2) + certificateHeaderBytes;
  if (totalBytes > certificateBytesMax) throw new CardError('card_error', `EF 000A declares ${totalBytes} bytes`);
  const chunks = [header];
  let offset = certificateHeaderBytes;
  while (offset < totalBytes) {
    const le = Math.min(readChunkBytesMax, totalBytes - offset);
    const chunk = await expectOk(transport, readBinary(offset, le), 'READ BINARY');
    if (chunk.length === 0 || chunk.length > le) throw new CardError('card_error', `READ BINARY at ${offset} returned ${chunk.length} bytes`);
    chunks.push(chunk);
    offset += chunk.length;
  }
  const certificateDer = Buffer.concat(chunks);
  if (certificateDer.length !== totalBytes) throw new CardError('card_error', 'EF 000A is shorter than its header says');
  return certificateDer;
}

/**
 * The auth PIN's tries left, without spending one (VERIFY without data → `63 Cx`); 0 when blocked (`69 84`,
 * `69 83` or `63 C0`). Leaves the AP selected with no PIN verified.
 * Rejects with CardError not_a_jpki_card, card_error or the transport's codes.
 *
 * @example
 * if ((await pinTriesLeft(transport)) === 1) warnLastTry();
 */
export async function pinTriesLeft(transport: CardTransport): Promise<number> {
  await selectAp(transport);
  return authPinTriesLeft(transport);
}

/**
 * Signs a DigestInfo (1–245 bytes; normally the 51-byte SHA-256 one) with the auth key: checks the tries left,
 * VERIFYs the PIN once, SELECTs key EF 0017 and sends `80 2A 00 80`. Afterwards it re-selects the AP (dropping
 * the verified state) and wipes `pin` with zeros, whatever happened.
 * `pin` must be exactly 4 ASCII digits: anything else throws a RangeError before the card is touched (no try is
 * spent). Rejects with CardError pin_wrong (with triesLeft), pin_blocked (before or by this attempt),
 * not_a_jpki_card, card_error, or the transport's card_absent / reader_absent / timeout.
 *
 * @example
 * const signature = await signWithAuthKey(transport, { pin: Buffer.from('1234'), digestInfo });
 */
export async function signWithAuthKey(transport: CardTransport, input: { pin: Uint8Array; digestInfo: Buffer }): Promise<Buffer> {
  try {
    if (!isWellFormedPin(input.pin)) throw new RangeError('the PIN must be exactly 4 ASCII digits');
    assert.ok(input.digestInfo.length >= 1 && input.digestInfo.length <= signatureInputBytesMax, 'a DigestInfo is 1–245 bytes');
    await selectAp(transport);
    try {
      const triesLeft = await authPinTriesLeft(transport);
      if (triesLeft === 0) throw new CardError('pin_blocked', 'the authentication PIN is blocked');
      await verifyAuthPin(transport, input.pin);
      await expectOk(transport, selectEf(jpkiEf.authKey), 'SELECT EF 0017');
      const signature = await expectOk(transport, computeDigitalSignature(input.digestInfo), 'COMPUTE DIGITAL SIGNATURE');
      if (signature.length === 0) throw new CardError('card_error', 'COMPUTE DIGITAL SIGNATURE returned no signature');
      return signature;
    } finally {
      await logOut(transport);
    }
  } finally {
    input.pin.fill(0);
  }
}

/**
 * Signs a Web eID challenge with a JPKI card: reads the auth certificate, signs the DigestInfo of
 * SHA-256(SHA-256(origin) ‖ SHA-256(nonce)), checks the signature against the certificate, and returns the same
 * token shape as the software card's signWebEidChallenge. Wipes `pin` whatever happens. Rejects like
 * readAuthCertificate and signWithAuthKey; card_error when the signature does not verify against the certificate.
 *
 * @example
 * const token = await signWebEidChallengeWithCard(transport, { pin, origin: 'https://mykey.example', nonce });
 */
export async function signWebEidChallengeWithCard(
  transport: CardTransport,
  input: { pin: Uint8Array; origin: string; nonce: string },
): Promise<AuthToken> {
  try {
    if (!isWellFormedPin(input.pin)) throw new RangeError('the PIN must be exactly 4 ASCII digits');
    const challenge = { origin: input.origin, nonce: input.nonce };
    const certificateDer = await readAuthCertificate(transport);
    let publicKey: KeyObject;
    try {
      publicKey = new X509Certificate(certificateDer).publicKey;
    } catch {
      throw new CardError('card_error', 'EF 000A is not an X.509 certificate');
    }
    const signature = await signWithAuthKey(transport, { pin: input.pin, digestInfo: webEidDigestInfo(challenge) });
    // JPKI.md §8 B.4: a card that signs with another key than its certificate's would only fail at the server.
    if (!verifySignature('sha256', webEidSignedData(challenge), publicKey, signature)) {
      throw new CardError('card_error', 'the card signature does not verify against its own certificate');
    }
    return webEidAuthToken({ certificateDer, signature, appVersion });
  } finally {
    input.pin.fill(0);
  }
}

/**
 * Whether a PIN is exactly 4 ASCII digits, checked on its bytes without making a string of it.
 *
 * @example
 * if (!isWellFormedPin(pin)) return refuse('request_malformed');
 */
export function isWellFormedPin(pin: Uint8Array): boolean {
  return pin.length === 4 && pin.every((byte) => byte >= 0x30 && byte <= 0x39);
}

async function selectAp(transport: CardTransport): Promise<void> {
  const response = await transmitApdu(transport, selectJpkiAp());
  if (response.sw === sw.fileNotFound) throw new CardError('not_a_jpki_card', 'the card has no JPKI AP');
  if (response.sw !== sw.ok) throw new CardError('card_error', `SELECT JPKI AP answered ${swHex(response.sw)}`);
}

async function authPinTriesLeft(transport: CardTransport): Promise<number> {
  await expectOk(transport, selectEf(jpkiEf.authPin), 'SELECT EF 0018');
  const response = await transmitApdu(transport, verifyPin());
  if (isBlocked(response.sw)) return 0;
  const triesLeft = triesLeftOf(response.sw);
  if (triesLeft === undefined) throw new CardError('card_error', `VERIFY without data answered ${swHex(response.sw)}`);
  return triesLeft;
}

async function verifyAuthPin(transport: CardTransport, pin: Uint8Array): Promise<void> {
  const command = verifyPin(pin);
  try {
    const response = await transmitApdu(transport, command);
    if (response.sw === sw.ok) return;
    if (isBlocked(response.sw)) throw new CardError('pin_blocked', 'the authentication PIN is blocked');
    const triesLeft = triesLeftOf(response.sw);
    if (triesLeft !== undefined) throw new CardError('pin_wrong', 'wrong authentication PIN', triesLeft);
    throw new CardError('card_error', `VERIFY answered ${swHex(response.sw)}`);
  } finally {
    command.fill(0);
  }
}

// Real cards are reported to answer a blocked PIN with 69 84 or 63 C0 (JPKI.md §1.4); 69 83 is ISO's own.
function isBlocked(statusWord: number): boolean {
  return statusWord === sw.referenceDataNotUsable || statusWord === sw.authenticationMethodBlocked || statusWord === sw.verifyFailedBase;
}

// Re-selecting the AP drops the verified PIN (OpenSC jpki_logout). Best effort: when the card is gone, its state
// went with it, and the error that got us here matters more than this one.
async function logOut(transport: CardTransport): Promise<void> {
  try {
    await transport.transmit(selectJpkiAp());
  } catch {
    // Nothing to drop on a card that is not there.
  }
}

async function expectOk(transport: CardTransport, command: Buffer, what: string): Promise<Buffer> {
  const response = await transmitApdu(transport, command);
  if (response.sw !== sw.ok) throw new CardError('card_error', `${what} answered ${swHex(response.sw)}`);
  return response.data;
}

/** The command with its Le replaced (or added), for a 6Cxx answer. */
function withLe(command: Buffer, le: number): Buffer {
  const leByte = Buffer.from([le & 0xff]);
  if (command.length === 4) return Buffer.concat([command, leByte]);
  if (command.length === 5) return Buffer.concat([command.subarray(0, 4), leByte]);
  const lc = command[4]!;
  if (command.length === 5 + lc) return Buffer.concat([command, leByte]);
  assert.strictEqual(command.length, 6 + lc, 'a short command APDU');
  return Buffer.concat([command.subarray(0, 5 + lc), leByte]);
}
