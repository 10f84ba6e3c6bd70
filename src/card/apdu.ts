/**
 * Pure helpers for ISO 7816-4 APDUs as the JPKI applet speaks them (JPKI.md §1.1–1.2): building short command
 * APDUs, splitting responses, and the identifiers and status words both the client and the simulator use.
 */
import assert from 'node:assert/strict';
import { sha256DigestInfo } from './software-card.js';

export { sha256DigestInfo };

/** Status words (SW1 SW2 as one number). */
export const sw = {
  ok: 0x9000,
  /** `63 Cx`: x tries left (use `verifyFailed(x)`). */
  verifyFailedBase: 0x63c0,
  securityStatusNotSatisfied: 0x6982,
  authenticationMethodBlocked: 0x6983,
  referenceDataNotUsable: 0x6984,
  commandNotAllowedNoEf: 0x6986,
  fileNotFound: 0x6a82,
  incorrectP1P2: 0x6a86,
  wrongP1P2OffsetBeyondEof: 0x6b00,
  wrongLength: 0x6700,
  insNotSupported: 0x6d00,
  claNotSupported: 0x6e00,
} as const;

/** `63 Cx` for x tries left (0–15). */
export function verifyFailed(triesLeft: number): number {
  assert.ok(Number.isInteger(triesLeft) && triesLeft >= 0 && triesLeft <= 15, 'tries left fit in one nibble');
  return sw.verifyFailedBase | triesLeft;
}

/** The tries left in a `63 Cx` status word, or undefined for any other status word. */
export function triesLeftOf(statusWord: number): number | undefined {
  return (statusWord & 0xfff0) === sw.verifyFailedBase ? statusWord & 0x0f : undefined;
}

/** JPKI AP (公的個人認証AP) DF name. */
export const jpkiAid = Buffer.from('d392f000260100000001', 'hex');

/** Elementary file identifiers of the JPKI AP (JPKI.md §1.1). */
export const jpkiEf = {
  signCertificate: 0x0001,
  signCaCertificate: 0x0002,
  tokenInfo: 0x0006,
  certificateAvailability: 0x0008,
  authCertificate: 0x000a,
  authCaCertificate: 0x000b,
  authKey: 0x0017,
  authPin: 0x0018,
  signKey: 0x001a,
  signPassword: 0x001b,
} as const;

export const ins = {
  select: 0xa4,
  readBinary: 0xb0,
  verify: 0x20,
  computeDigitalSignature: 0x2a,
  getResponse: 0xc0,
} as const;

/** The 19-byte DER prefix of a SHA-256 DigestInfo (RFC 8017 §9.2 note 1), taken from sha256DigestInfo. */
export const sha256DigestInfoPrefix: Buffer = sha256DigestInfo(Buffer.alloc(32)).subarray(0, 19);

const shortDataBytesMax = 255;
const shortLeMax = 256;
/** The most a card signs with RSA-2048: PKCS#1 v1.5 type-1 padding takes 11 of the 256 bytes. */
export const signatureInputBytesMax = 245;

/**
 * Builds a short command APDU `CLA INS P1 P2 [Lc data] [Le]`. `le` is 1–256 (256 is encoded `00`); omit it for
 * no response data. Data of 1–255 bytes; asserts on anything else (a bug of the caller).
 *
 * @example
 * commandApdu({ cla: 0x00, ins: 0xb0, p1: 0x00, p2: 0x00, le: 4 }); // 00 B0 00 00 04
 */
export function commandApdu(input: { cla: number; ins: number; p1: number; p2: number; data?: Uint8Array; le?: number }): Buffer {
  for (const byte of [input.cla, input.ins, input.p1, input.p2]) assert.ok(Number.isInteger(byte) && byte >= 0 && byte <= 0xff, 'header bytes');
  const parts: Uint8Array[] = [Buffer.from([input.cla, input.ins, input.p1, input.p2])];
  if (input.data !== undefined) {
    assert.ok(input.data.length >= 1 && input.data.length <= shortDataBytesMax, 'short APDU data is 1–255 bytes');
    parts.push(Buffer.from([input.data.length]), input.data);
  }
  if (input.le !== undefined) {
    assert.ok(Number.isInteger(input.le) && input.le >= 1 && input.le <= shortLeMax, 'short APDU Le is 1–256');
    parts.push(Buffer.from([input.le & 0xff]));
  }
  return Buffer.concat(parts);
}

/** SELECT FILE of the JPKI AP by DF name, no FCI (`00 A4 04 0C 0A <AID>`). */
export function selectJpkiAp(): Buffer {
  return commandApdu({ cla: 0x00, ins: ins.select, p1: 0x04, p2: 0x0c, data: jpkiAid });
}

/** SELECT FILE of an EF by its 2-byte identifier, no FCI (`00 A4 02 0C 02 <id>`). */
export function selectEf(efId: number): Buffer {
  assert.ok(Number.isInteger(efId) && efId >= 0 && efId <= 0xffff, 'EF ids are 2 bytes');
  return commandApdu({ cla: 0x00, ins: ins.select, p1: 0x02, p2: 0x0c, data: Buffer.from([efId >> 8, efId & 0xff]) });
}

/** READ BINARY of the selected EF at a 15-bit offset (`00 B0 P1 P2 Le`), `le` 1–256. */
export function readBinary(offset: number, le: number): Buffer {
  assert.ok(Number.isInteger(offset) && offset >= 0 && offset <= 0x7fff, 'READ BINARY offsets are 15 bits');
  return commandApdu({ cla: 0x00, ins: ins.readBinary, p1: offset >> 8, p2: offset & 0xff, le });
}

/** VERIFY of the PIN whose EF is selected (`00 20 00 80 [Lc pin]`); without `pin` it asks for the tries left. */
export function verifyPin(pin?: Uint8Array): Buffer {
  return commandApdu({ cla: 0x00, ins: ins.verify, p1: 0x00, p2: 0x80, ...(pin === undefined ? {} : { data: pin }) });
}

/** COMPUTE DIGITAL SIGNATURE with the selected key (`80 2A 00 80 Lc <DigestInfo> 00`). */
export function computeDigitalSignature(digestInfo: Buffer): Buffer {
  return commandApdu({ cla: 0x80, ins: ins.computeDigitalSignature, p1: 0x00, p2: 0x80, data: digestInfo, le: shortLeMax });
}

/** GET RESPONSE for the `xx` of a `61 xx` (`00 C0 00 00 xx`, 00 = 256). */
export function getResponse(le: number): Buffer {
  return commandApdu({ cla: 0x00, ins: ins.getResponse, p1: 0x00, p2: 0x00, le });
}

/** A response APDU split into its data and status word. */
export interface ResponseApdu {
  data: Buffer;
  sw: number;
}

/**
 * Splits a response APDU `data ‖ SW1 SW2`. Asserts it has at least the two status bytes: a transport that returns
 * less is broken.
 *
 * @example
 * parseResponse(Buffer.from('9000', 'hex')); // { data: <empty>, sw: 0x9000 }
 */
export function parseResponse(response: Buffer): ResponseApdu {
  assert.ok(response.length >= 2, 'a response APDU ends with SW1 SW2');
  return { data: response.subarray(0, response.length - 2), sw: response.readUInt16BE(response.length - 2) };
}

/** Builds a response APDU `data ‖ SW1 SW2`. */
export function responseApdu(statusWord: number, data: Buffer = Buffer.alloc(0)): Buffer {
  const trailer = Buffer.alloc(2);
  trailer.writeUInt16BE(statusWord);
  return Buffer.concat([data, trailer]);
}

/** `9000` as hex text, for messages and test names. */
export function swHex(statusWord: number): string {
  return statusWord.toString(16).padStart(4, '0').toUpperCase();
}
