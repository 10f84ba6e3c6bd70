/**
 * An APDU-level emulation of the JPKI AP (公的個人認証AP) of a My Number Card, as JPKI.md §9 asks of a card
 * simulator: the same files, access conditions, PIN counters and status words as the open-source implementations
 * surveyed in JPKI.md §1 observe on real cards. It is synchronous and deterministic; transports (in-process, vpcd)
 * wrap it. Never real data: keys and certificates come from the test CA.
 */
import assert from 'node:assert/strict';
import { constants, privateEncrypt } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { ins, jpkiAid, jpkiEf, responseApdu, signatureInputBytesMax, sw, verifyFailed } from './apdu.js';
import type { SoftwareCard } from './software-card.js';

export const jpkiAtr = {
  /** The ATR in OpenSC's table. */
  default: Buffer.from('3be000ff8131fe4514', 'hex'),
  /** Another card model's ATR (OpenSC issue #3021): clients must select the AID, not match the ATR. */
  alternate: Buffer.from('3bda13ff8131fb468012392f31c173c601c03b', 'hex'),
} as const;

export type JpkiTokenLabel = 'JPKIAPICCTOKEN2' | 'JPKIAPGPSETOKEN' | 'JPKIAPIOSTOKEN';

export interface SoftwareJpkiCardOptions {
  authCertificateDer: Buffer;
  authPrivateKey: KeyObject;
  /** EF 000B; absent (6A 82) when not given. */
  authCaCertificateDer?: Buffer;
  /** The auth PIN: exactly 4 ASCII digits; `1234` by default. */
  pin?: string;
  /** The auth PIN's tries left at power-on (0–3, 3 by default; 0 = blocked). */
  pinTriesLeft?: number;
  atr?: 'default' | 'alternate';
  /** EF 0001 (readable only after the signature password); the signature AP part is absent when not given. */
  signCertificateDer?: Buffer;
  signPrivateKey?: KeyObject;
  /** EF 0002. */
  signCaCertificateDer?: Buffer;
  /** The signature password: 6–16 upper-case alphanumerics; `ABC123` by default. */
  signPassword?: string;
  /** EF 0006 label; `JPKIAPICCTOKEN2` (My Number Card) by default. */
  tokenLabel?: JpkiTokenLabel;
  /** What a blocked PIN answers: `69 84` (default) or `63 C0` — real cards are reported to do either. */
  blockedStatusWord?: 0x6984 | 0x63c0;
}

type PinName = 'auth' | 'sign';

type CardFile =
  | { kind: 'binary'; data: Buffer; readableAfter?: PinName }
  | { kind: 'key'; key: KeyObject; pin: PinName }
  | { kind: 'pin'; pin: PinName };

interface PinState {
  value: Buffer;
  triesLeft: number;
  triesMax: number;
  lengthMin: number;
  lengthMax: number;
}

interface Command {
  cla: number;
  ins: number;
  p1: number;
  p2: number;
  data: Buffer | undefined;
  /** 1–256; undefined when the command has no Le. */
  le: number | undefined;
}

const authPinPattern = /^[0-9]{4}$/;
const signPasswordPattern = /^[A-Z0-9]{6,16}$/;
const authPinTriesMax = 3;
const signPasswordTriesMax = 5;
const tokenInfoBytes = 160;
const tokenLabelBytes = 32;
// CK_TOKEN_INFO's text fields (label, manufacturerID, model, serialNumber) are 96 space-padded bytes.
const tokenInfoTextBytes = 96;
const readBinaryShortEfFlag = 0x80;
const signatureP2KeyFlag = 0x80;

/**
 * A JPKI card in software. `process` takes one command APDU and returns the response APDU, like the chip.
 * PIN counters survive `reset()` and `powerOff()`; selections and verified PINs do not.
 *
 * @example
 * const card = new SoftwareJpkiCard({ authCertificateDer, authPrivateKey, pin: '1234' });
 * card.process(Buffer.from('00a4040c0ad392f000260100000001', 'hex')); // 90 00
 */
export class SoftwareJpkiCard {
  private readonly files = new Map<number, CardFile>();
  private readonly pins: Record<PinName, PinState | undefined>;
  private readonly atrBytes: Buffer;
  private readonly blockedStatusWord: number;
  private apSelected = false;
  private currentEf: number | undefined;
  private readonly verified = new Set<PinName>();

  constructor(options: SoftwareJpkiCardOptions) {
    const pin = options.pin ?? '1234';
    assert.match(pin, authPinPattern, 'the auth PIN is 4 ASCII digits');
    const pinTriesLeft = options.pinTriesLeft ?? authPinTriesMax;
    assert.ok(Number.isInteger(pinTriesLeft) && pinTriesLeft >= 0 && pinTriesLeft <= authPinTriesMax, 'auth PIN tries left are 0–3');
    assert.ok((options.signCertificateDer === undefined) === (options.signPrivateKey === undefined), 'sign certificate and key come together');
    this.atrBytes = Buffer.from(jpkiAtr[options.atr ?? 'default']);
    this.blockedStatusWord = options.blockedStatusWord ?? sw.referenceDataNotUsable;
    const hasSign = options.signCertificateDer !== undefined;
    this.pins = {
      auth: { value: Buffer.from(pin, 'ascii'), triesLeft: pinTriesLeft, triesMax: authPinTriesMax, lengthMin: 4, lengthMax: 4 },
      sign: undefined,
    };
    this.files.set(jpkiEf.tokenInfo, { kind: 'binary', data: tokenInfoOf(options.tokenLabel ?? 'JPKIAPICCTOKEN2') });
    // First byte: signature certificate, second: auth certificate (JPKI.md §1.1, observed meaning UNCONFIRMED).
    this.files.set(jpkiEf.certificateAvailability, { kind: 'binary', data: Buffer.from([hasSign ? 0x8f : 0x00, 0x8f, 0x00]) });
    this.files.set(jpkiEf.authCertificate, { kind: 'binary', data: Buffer.from(options.authCertificateDer) });
    if (options.authCaCertificateDer !== undefined) {
      this.files.set(jpkiEf.authCaCertificate, { kind: 'binary', data: Buffer.from(options.authCaCertificateDer) });
    }
    this.files.set(jpkiEf.authKey, { kind: 'key', key: options.authPrivateKey, pin: 'auth' });
    this.files.set(jpkiEf.authPin, { kind: 'pin', pin: 'auth' });
    if (options.signCertificateDer !== undefined && options.signPrivateKey !== undefined) {
      const signPassword = options.signPassword ?? 'ABC123';
      assert.match(signPassword, signPasswordPattern, 'the signature password is 6–16 upper-case alphanumerics');
      this.pins.sign = {
        value: Buffer.from(signPassword, 'ascii'),
        triesLeft: signPasswordTriesMax,
        triesMax: signPasswordTriesMax,
        lengthMin: 6,
        lengthMax: 16,
      };
      this.files.set(jpkiEf.signCertificate, { kind: 'binary', data: Buffer.from(options.signCertificateDer), readableAfter: 'sign' });
      if (options.signCaCertificateDer !== undefined) {
        this.files.set(jpkiEf.signCaCertificate, { kind: 'binary', data: Buffer.from(options.signCaCertificateDer) });
      }
      this.files.set(jpkiEf.signKey, { kind: 'key', key: options.signPrivateKey, pin: 'sign' });
      this.files.set(jpkiEf.signPassword, { kind: 'pin', pin: 'sign' });
    }
  }

  /**
   * A JPKI card holding a software card's key and certificate as its authentication key (EF 0017) and
   * certificate (EF 000A).
   *
   * @example
   * const jpkiCard = SoftwareJpkiCard.fromSoftwareCard(await createSoftwareCard(ca, { nowMs }), { pin: '4321' });
   */
  static fromSoftwareCard(
    card: SoftwareCard,
    options: Omit<SoftwareJpkiCardOptions, 'authCertificateDer' | 'authPrivateKey'> = {},
  ): SoftwareJpkiCard {
    return new SoftwareJpkiCard({ ...options, authCertificateDer: card.certificateDer, authPrivateKey: card.privateKey });
  }

  /** The answer to reset. */
  atr(): Buffer {
    return Buffer.from(this.atrBytes);
  }

  /** The auth PIN's tries left (0 = blocked), for tests. */
  get pinTriesLeft(): number {
    const auth = this.pins.auth;
    assert.ok(auth !== undefined);
    return auth.triesLeft;
  }

  /** The signature password's tries left, or undefined on a card without a signature certificate. */
  get signPasswordTriesLeft(): number | undefined {
    return this.pins.sign?.triesLeft;
  }

  /** Warm reset: selections and verified PINs are cleared; PIN counters stay. */
  reset(): void {
    this.clearVolatileState();
  }

  /** Power off: as reset; the next command is processed as after a fresh power-on. */
  powerOff(): void {
    this.clearVolatileState();
  }

  /**
   * Processes one command APDU and returns the response APDU (data ‖ SW1 SW2). Never throws on card input: every
   * malformed command gets a status word, as on the chip.
   */
  process(command: Buffer): Buffer {
    const parsed = parseCommand(command);
    if (parsed === undefined) return responseApdu(sw.wrongLength);
    if (parsed.cla !== 0x00 && parsed.cla !== 0x80) return responseApdu(sw.claNotSupported);
    switch (parsed.ins) {
      case ins.select:
        return parsed.cla === 0x00 ? this.select(parsed) : responseApdu(sw.claNotSupported);
      case ins.readBinary:
        return parsed.cla === 0x00 ? this.readBinary(parsed) : responseApdu(sw.claNotSupported);
      case ins.verify:
        return parsed.cla === 0x00 ? this.verify(parsed) : responseApdu(sw.claNotSupported);
      case ins.computeDigitalSignature:
        return parsed.cla === 0x80 ? this.computeDigitalSignature(parsed) : responseApdu(sw.claNotSupported);
      default:
        return responseApdu(sw.insNotSupported);
    }
  }

  private clearVolatileState(): void {
    this.apSelected = false;
    this.currentEf = undefined;
    this.verified.clear();
  }

  private select(command: Command): Buffer {
    // P2 0C = no FCI (what every client sends); 00 is tolerated and answered the same way.
    if (command.p2 !== 0x0c && command.p2 !== 0x00) return responseApdu(sw.incorrectP1P2);
    if (command.p1 === 0x04) {
      if (command.data === undefined) return responseApdu(sw.wrongLength);
      if (!command.data.equals(jpkiAid)) return responseApdu(sw.fileNotFound);
      // Re-selecting the AP is how clients log out (OpenSC jpki_logout): verified PINs are dropped.
      this.clearVolatileState();
      this.apSelected = true;
      return responseApdu(sw.ok);
    }
    if (command.p1 === 0x02) {
      if (command.data?.length !== 2) return responseApdu(sw.wrongLength);
      if (!this.apSelected) return responseApdu(sw.commandNotAllowedNoEf);
      const efId = command.data.readUInt16BE(0);
      if (!this.files.has(efId)) return responseApdu(sw.fileNotFound);
      this.currentEf = efId;
      return responseApdu(sw.ok);
    }
    return responseApdu(sw.incorrectP1P2);
  }

  private readBinary(command: Command): Buffer {
    if (command.data !== undefined || command.le === undefined) return responseApdu(sw.wrongLength);
    if (!this.apSelected) return responseApdu(sw.commandNotAllowedNoEf);
    let efId = this.currentEf;
    let offset: number;
    if ((command.p1 & readBinaryShortEfFlag) !== 0) {
      // Short EF id form: P1 = 80 | SFI (the low 5 bits of the EF id), P2 = 8-bit offset; the EF becomes current.
      if ((command.p1 & 0x60) !== 0) return responseApdu(sw.incorrectP1P2);
      efId = command.p1 & 0x1f;
      if (!this.files.has(efId)) return responseApdu(sw.fileNotFound);
      this.currentEf = efId;
      offset = command.p2;
    } else {
      offset = (command.p1 << 8) | command.p2;
    }
    if (efId === undefined) return responseApdu(sw.commandNotAllowedNoEf);
    const file = this.files.get(efId);
    assert.ok(file !== undefined, 'the current EF exists');
    if (file.kind !== 'binary') return responseApdu(sw.commandNotAllowedNoEf);
    if (file.readableAfter !== undefined && !this.verified.has(file.readableAfter)) return responseApdu(sw.securityStatusNotSatisfied);
    if (offset >= file.data.length) return responseApdu(sw.wrongP1P2OffsetBeyondEof);
    return responseApdu(sw.ok, Buffer.from(file.data.subarray(offset, offset + command.le)));
  }

  private verify(command: Command): Buffer {
    if (command.p1 !== 0x00 || command.p2 !== 0x80) return responseApdu(sw.incorrectP1P2);
    if (command.le !== undefined) return responseApdu(sw.wrongLength);
    if (!this.apSelected || this.currentEf === undefined) return responseApdu(sw.commandNotAllowedNoEf);
    const file = this.files.get(this.currentEf);
    if (file?.kind !== 'pin') return responseApdu(sw.commandNotAllowedNoEf);
    const pin = this.pins[file.pin];
    assert.ok(pin !== undefined, 'a PIN EF has its PIN');
    if (pin.triesLeft === 0) return responseApdu(this.blockedStatusWord);
    // Without data: the retry counter, no attempt spent (JICSAP 6.4.9 (5)).
    if (command.data === undefined) return responseApdu(verifyFailed(pin.triesLeft));
    if (command.data.length < pin.lengthMin || command.data.length > pin.lengthMax) return responseApdu(sw.wrongLength);
    if (!command.data.equals(pin.value)) {
      pin.triesLeft -= 1;
      this.verified.delete(file.pin);
      return responseApdu(verifyFailed(pin.triesLeft));
    }
    pin.triesLeft = pin.triesMax;
    this.verified.add(file.pin);
    return responseApdu(sw.ok);
  }

  private computeDigitalSignature(command: Command): Buffer {
    // Only P1 00 (pad the supplied bytes as PKCS#1 v1.5) is emulated; the other observed schemes answer 6A 86.
    if (command.p1 !== 0x00) return responseApdu(sw.incorrectP1P2);
    let keyEf: number | undefined;
    if (command.p2 === signatureP2KeyFlag) keyEf = this.currentEf;
    else if (command.p2 === (signatureP2KeyFlag | jpkiEf.authKey) || command.p2 === (signatureP2KeyFlag | jpkiEf.signKey)) keyEf = command.p2 & 0x7f;
    else return responseApdu(sw.incorrectP1P2);
    if (command.data === undefined || command.data.length > signatureInputBytesMax) return responseApdu(sw.wrongLength);
    if (!this.apSelected) return responseApdu(sw.commandNotAllowedNoEf);
    if (keyEf === undefined) return responseApdu(sw.commandNotAllowedNoEf);
    const file = this.files.get(keyEf);
    if (file === undefined) return responseApdu(sw.fileNotFound);
    if (file.kind !== 'key') return responseApdu(sw.commandNotAllowedNoEf);
    if (!this.verified.has(file.pin)) return responseApdu(sw.securityStatusNotSatisfied);
    const signature = privateEncrypt({ key: file.key, padding: constants.RSA_PKCS1_PADDING }, command.data);
    return responseApdu(sw.ok, signature);
  }
}

/** Parses a short command APDU (cases 1–4); undefined when its length is inconsistent (the card answers 67 00). */
function parseCommand(command: Buffer): Command | undefined {
  if (command.length < 4) return undefined;
  const header = { cla: command[0]!, ins: command[1]!, p1: command[2]!, p2: command[3]! };
  if (command.length === 4) return { ...header, data: undefined, le: undefined };
  const first = command[4]!;
  if (command.length === 5) return { ...header, data: undefined, le: first === 0 ? 256 : first };
  // Lc = 00 would start an extended APDU, which this card does not take.
  if (first === 0) return undefined;
  if (command.length === 5 + first) return { ...header, data: Buffer.from(command.subarray(5)), le: undefined };
  if (command.length === 6 + first) {
    const le = command[5 + first]!;
    return { ...header, data: Buffer.from(command.subarray(5, 5 + first)), le: le === 0 ? 256 : le };
  }
  return undefined;
}

function tokenInfoOf(label: JpkiTokenLabel): Buffer {
  const tokenInfo = Buffer.alloc(tokenInfoBytes, 0);
  tokenInfo.fill(0x20, 0, tokenInfoTextBytes);
  assert.ok(label.length <= tokenLabelBytes);
  tokenInfo.write(label, 0, 'ascii');
  return tokenInfo;
}
