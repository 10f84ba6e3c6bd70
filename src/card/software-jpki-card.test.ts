// Ensures SoftwareJpkiCard answers APDUs like the JPKI AP that JPKI.md §1 and §9 describe: files and their
// access conditions, READ BINARY edge cases, PIN counters (decrement, block, reset on success, persistence across
// reset/power-off), COMPUTE DIGITAL SIGNATURE and the status words of malformed commands. How: one test CA and
// two software cards (auth and signature keys) generated in `before`; each test builds a fresh card and sends raw
// APDUs written in hex, asserting the status word and data.
import assert from 'node:assert/strict';
import { constants, createHash, publicDecrypt, sign, X509Certificate } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { sha256DigestInfo } from './apdu.js';
import { createSoftwareCard } from './software-card.js';
import type { SoftwareCard } from './software-card.js';
import { jpkiAtr, SoftwareJpkiCard } from './software-jpki-card.js';
import type { SoftwareJpkiCardOptions } from './software-jpki-card.js';
import { createTestCa } from '../identity/test-ca.js';
import type { TestCa } from '../identity/test-ca.js';

const nowMs = Date.UTC(2026, 0, 15, 9, 0, 0);
const selectAp = '00a4040c0ad392f000260100000001';
const selectAuthPin = '00a4020c020018';
const selectAuthKey = '00a4020c020017';
const selectAuthCertificate = '00a4020c02000a';
const verifyNoData = '00200080';
const verify1234 = '002000800431323334';
const verify9999 = '002000800439393939';
const signPassword = 'SIGNPASS77';

let ca: TestCa;
let authCard: SoftwareCard;
let signCard: SoftwareCard;
let caDer: Buffer;

before(async () => {
  ca = await createTestCa({ nowMs });
  caDer = new X509Certificate(ca.certificatePem).raw;
  [authCard, signCard] = await Promise.all([
    createSoftwareCard(ca, { nowMs }),
    createSoftwareCard(ca, { nowMs, certificate: { keyUsage: { digitalSignature: true, nonRepudiation: true }, personalAttributesSan: true } }),
  ]);
});

function newCard(options: Partial<SoftwareJpkiCardOptions> = {}): SoftwareJpkiCard {
  return new SoftwareJpkiCard({
    authCertificateDer: authCard.certificateDer,
    authPrivateKey: authCard.privateKey,
    authCaCertificateDer: caDer,
    signCertificateDer: signCard.certificateDer,
    signPrivateKey: signCard.privateKey,
    signCaCertificateDer: caDer,
    signPassword,
    ...options,
  });
}

/** Sends APDUs given in hex; returns the last response as { sw (hex), data }. */
function send(card: SoftwareJpkiCard, ...commandsHex: string[]): { sw: string; data: Buffer } {
  let response: Buffer = Buffer.alloc(0);
  for (const commandHex of commandsHex) response = card.process(Buffer.from(commandHex.replaceAll(' ', ''), 'hex'));
  assert.ok(response.length >= 2);
  return { sw: response.subarray(-2).toString('hex'), data: response.subarray(0, -2) };
}

function signApdu(p2: string, data: Buffer): string {
  return `802a00${p2}${data.length.toString(16).padStart(2, '0')}${data.toString('hex')}00`;
}

function digestInfoOf(text: string): Buffer {
  return sha256DigestInfo(createHash('sha256').update(text).digest());
}

function readAll(card: SoftwareJpkiCard, efHex: string): Buffer {
  assert.strictEqual(send(card, `00a4020c02${efHex}`).sw, '9000');
  const chunks: Buffer[] = [];
  for (let offset = 0; ; ) {
    const response = send(card, `00b0${offset.toString(16).padStart(4, '0')}00`);
    if (response.sw === '6b00') break;
    assert.strictEqual(response.sw, '9000');
    chunks.push(response.data);
    offset += response.data.length;
  }
  return Buffer.concat(chunks);
}

describe('answer to reset', () => {
  it('is the OpenSC ATR by default and the other model ATR when asked', () => {
    assert.strictEqual(newCard().atr().toString('hex'), '3be000ff8131fe4514');
    assert.strictEqual(newCard({ atr: 'alternate' }).atr().toString('hex'), '3bda13ff8131fb468012392f31c173c601c03b');
    assert.deepStrictEqual(newCard({ atr: 'alternate' }).atr(), jpkiAtr.alternate);
  });
  it('a card with the alternate ATR still answers the JPKI AP', () => {
    const card = newCard({ atr: 'alternate' });
    assert.strictEqual(send(card, selectAp).sw, '9000');
    assert.deepStrictEqual(readAll(card, '000a'), authCard.certificateDer);
  });
});

describe('SELECT', () => {
  const cases: ReadonlyArray<[string, string[], string]> = [
    ['the JPKI AP, no FCI', [selectAp], '9000'],
    ['the JPKI AP with P2 00 (tolerated)', ['00a404000ad392f000260100000001'], '9000'],
    ['an unknown AID', ['00a4040c0ad392f000260100000002'], '6a82'],
    ['a DF with bad P2', ['00a404040ad392f000260100000001'], '6a86'],
    ['with P1 01', ['00a4010c020006'], '6a86'],
    ['an EF before any DF', [selectAuthCertificate], '6986'],
    ['an EF of the AP', [selectAp, selectAuthCertificate], '9000'],
    ['an EF by id with P2 00', [selectAp, '00a4020002000a'], '9000'],
    ['a missing EF', [selectAp, '00a4020c020099'], '6a82'],
    ['an EF with a 1-byte id', [selectAp, '00a4020c0100'], '6700'],
    ['a DF without data', ['00a4040c'], '6700'],
  ];
  for (const [name, commands, expected] of cases) {
    it(`${name} → ${expected}`, () => assert.strictEqual(send(newCard(), ...commands).sw, expected));
  }
  it('the signature EFs are missing (6A 82) on a card without a signature certificate', () => {
    const card = new SoftwareJpkiCard({ authCertificateDer: authCard.certificateDer, authPrivateKey: authCard.privateKey });
    for (const ef of ['0001', '0002', '001a', '001b', '000b']) assert.strictEqual(send(card, selectAp, `00a4020c02${ef}`).sw, '6a82', ef);
  });
});

describe('READ BINARY', () => {
  it('reads the auth certificate, the auth CA and the token information', () => {
    const card = newCard();
    send(card, selectAp);
    assert.deepStrictEqual(readAll(card, '000a'), authCard.certificateDer);
    assert.deepStrictEqual(readAll(card, '000b'), caDer);
    assert.deepStrictEqual(readAll(card, '0002'), caDer);
    const tokenInfo = readAll(card, '0006');
    assert.strictEqual(tokenInfo.length, 160);
    assert.strictEqual(tokenInfo.subarray(0, 32).toString('ascii'), 'JPKIAPICCTOKEN2'.padEnd(32, ' '));
    assert.strictEqual(readAll(card, '0008').toString('hex'), '8f8f00');
  });
  it('labels a smartphone token and marks a missing signature certificate in EF 0008', () => {
    const card = new SoftwareJpkiCard({ authCertificateDer: authCard.certificateDer, authPrivateKey: authCard.privateKey, tokenLabel: 'JPKIAPGPSETOKEN' });
    send(card, selectAp);
    assert.strictEqual(readAll(card, '0006').subarray(0, 32).toString('ascii'), 'JPKIAPGPSETOKEN'.padEnd(32, ' '));
    assert.strictEqual(readAll(card, '0008').toString('hex'), '008f00');
  });
  it('starts with the DER header 30 82 LL LL', () => {
    const response = send(newCard(), selectAp, selectAuthCertificate, '00b0000004');
    assert.strictEqual(response.sw, '9000');
    assert.strictEqual(response.data.readUInt16BE(2) + 4, authCard.certificateDer.length);
    assert.deepStrictEqual(response.data, authCard.certificateDer.subarray(0, 4));
  });
  const size = (): number => authCard.certificateDer.length;
  const at = (offset: number, leHex: string): string => `00b0${offset.toString(16).padStart(4, '0')}${leHex}`;
  it('Le 00 reads 256 bytes', () => {
    const response = send(newCard(), selectAp, selectAuthCertificate, at(0, '00'));
    assert.deepStrictEqual(response.data, authCard.certificateDer.subarray(0, 256));
  });
  it('a 15-bit offset (P1 non-zero) reads from there', () => {
    const response = send(newCard(), selectAp, selectAuthCertificate, at(0x100, '10'));
    assert.deepStrictEqual(response.data, authCard.certificateDer.subarray(0x100, 0x110));
  });
  it('a read across the end of the file is short', () => {
    const response = send(newCard(), selectAp, selectAuthCertificate, at(size() - 3, '00'));
    assert.strictEqual(response.sw, '9000');
    assert.deepStrictEqual(response.data, authCard.certificateDer.subarray(size() - 3));
  });
  it('the last byte is readable, the offset just past it gives 6B 00, as does a far one', () => {
    assert.strictEqual(send(newCard(), selectAp, selectAuthCertificate, at(size() - 1, '01')).data.length, 1);
    assert.strictEqual(send(newCard(), selectAp, selectAuthCertificate, at(size(), '01')).sw, '6b00');
    assert.strictEqual(send(newCard(), selectAp, selectAuthCertificate, at(0x7fff, '01')).sw, '6b00');
  });
  it('the short EF id form (P1 = 80 | 0A) reads the auth certificate without a SELECT', () => {
    const response = send(newCard(), selectAp, '00b08a0004');
    assert.deepStrictEqual(response.data, authCard.certificateDer.subarray(0, 4));
  });
  const errors: ReadonlyArray<[string, string[], string]> = [
    ['before any DF', ['00b0000004'], '6986'],
    ['with no EF selected', [selectAp, '00b0000004'], '6986'],
    ['without Le', [selectAp, selectAuthCertificate, '00b00000'], '6700'],
    ['with data', [selectAp, selectAuthCertificate, '00b000000100'], '6700'],
    ['on a key EF', [selectAp, selectAuthKey, '00b0000004'], '6986'],
    ['on a PIN EF', [selectAp, selectAuthPin, '00b0000004'], '6986'],
    ['a missing short EF id', [selectAp, '00b0990004'], '6a82'],
    ['the signature certificate without the signature password', [selectAp, '00a4020c020001', '00b0000004'], '6982'],
    ['the signature certificate with only the auth PIN', [selectAp, selectAuthPin, verify1234, '00a4020c020001', '00b0000004'], '6982'],
  ];
  for (const [name, commands, expected] of errors) {
    it(`${name} → ${expected}`, () => assert.strictEqual(send(newCard(), ...commands).sw, expected));
  }
  it('the signature certificate is readable after the signature password, until the AP is re-selected', () => {
    const card = newCard();
    const password = Buffer.from(signPassword, 'ascii').toString('hex');
    assert.strictEqual(send(card, selectAp, '00a4020c02001b', `00200080${(password.length / 2).toString(16).padStart(2, '0')}${password}`).sw, '9000');
    assert.deepStrictEqual(readAll(card, '0001'), signCard.certificateDer);
    assert.strictEqual(send(card, selectAp, '00a4020c020001', '00b0000004').sw, '6982');
  });
});

describe('VERIFY', () => {
  it('without data answers the tries left and spends none', () => {
    const card = newCard();
    assert.strictEqual(send(card, selectAp, selectAuthPin, verifyNoData).sw, '63c3');
    assert.strictEqual(send(card, verifyNoData).sw, '63c3');
    assert.strictEqual(card.pinTriesLeft, 3);
    assert.strictEqual(send(newCard({ pinTriesLeft: 1 }), selectAp, selectAuthPin, verifyNoData).sw, '63c1');
  });
  it('the signature password has 5 tries', () => {
    const card = newCard();
    assert.strictEqual(send(card, selectAp, '00a4020c02001b', verifyNoData).sw, '63c5');
    assert.strictEqual(send(card, `00200080063030303030${'30'}`).sw, '63c4');
    assert.strictEqual(card.signPasswordTriesLeft, 4);
  });
  it('a wrong PIN decrements (63 C2, C1, C0), then the PIN is blocked (69 84) even for the right PIN', () => {
    const card = newCard();
    send(card, selectAp, selectAuthPin);
    assert.strictEqual(send(card, verify9999).sw, '63c2');
    assert.strictEqual(send(card, verify9999).sw, '63c1');
    assert.strictEqual(send(card, verify9999).sw, '63c0');
    assert.strictEqual(card.pinTriesLeft, 0);
    assert.strictEqual(send(card, verify1234).sw, '6984');
    assert.strictEqual(send(card, verifyNoData).sw, '6984');
    assert.strictEqual(send(card, selectAuthKey, signApdu('80', digestInfoOf('x'))).sw, '6982');
  });
  it('a blocked PIN stays blocked across reset and power-off', () => {
    const card = newCard({ pinTriesLeft: 0 });
    card.reset();
    assert.strictEqual(send(card, selectAp, selectAuthPin, verify1234).sw, '6984');
    card.powerOff();
    assert.strictEqual(send(card, selectAp, selectAuthPin, verify1234).sw, '6984');
  });
  it('a blocked PIN can answer 63 C0 instead', () => {
    assert.strictEqual(send(newCard({ pinTriesLeft: 0, blockedStatusWord: 0x63c0 }), selectAp, selectAuthPin, verify1234).sw, '63c0');
  });
  it('a wrong count persists across reset and power-off, and the right PIN resets it', () => {
    const card = newCard();
    assert.strictEqual(send(card, selectAp, selectAuthPin, verify9999).sw, '63c2');
    card.reset();
    assert.strictEqual(send(card, selectAp, selectAuthPin, verify9999).sw, '63c1');
    card.powerOff();
    assert.strictEqual(send(card, selectAp, selectAuthPin, verifyNoData).sw, '63c1');
    assert.strictEqual(send(card, verify1234).sw, '9000');
    assert.strictEqual(card.pinTriesLeft, 3);
    assert.strictEqual(send(card, verify9999).sw, '63c2');
  });
  it('honours a PIN other than the default', () => {
    assert.strictEqual(send(newCard({ pin: '9999' }), selectAp, selectAuthPin, verify9999).sw, '9000');
  });
  const errors: ReadonlyArray<[string, string[], string]> = [
    ['before any DF', [verify1234], '6986'],
    ['with no EF selected', [selectAp, verify1234], '6986'],
    ['on a certificate EF', [selectAp, selectAuthCertificate, verify1234], '6986'],
    ['with P2 81', [selectAp, selectAuthPin, '002000810431323334'], '6a86'],
    ['with P1 01', [selectAp, selectAuthPin, '002001800431323334'], '6a86'],
    ['with 3 digits', [selectAp, selectAuthPin, '0020008003313233'], '6700'],
    ['with 5 digits', [selectAp, selectAuthPin, '00200080053132333435'], '6700'],
    ['with a Le', [selectAp, selectAuthPin, '00200080043132333400'], '6700'],
  ];
  for (const [name, commands, expected] of errors) {
    it(`${name} → ${expected}, no try spent`, () => {
      const card = newCard();
      assert.strictEqual(send(card, ...commands).sw, expected);
      assert.strictEqual(card.pinTriesLeft, 3);
    });
  }
});

describe('COMPUTE DIGITAL SIGNATURE', () => {
  const digestInfo = (): Buffer => digestInfoOf('challenge');
  it('signs the given DigestInfo with raw PKCS#1 v1.5 type 1 after the PIN: exactly RS256', () => {
    const response = send(newCard(), selectAp, selectAuthPin, verify1234, selectAuthKey, signApdu('80', digestInfo()));
    assert.strictEqual(response.sw, '9000');
    assert.strictEqual(response.data.length, 256);
    assert.deepStrictEqual(response.data, sign('sha256', Buffer.from('challenge'), authCard.privateKey));
    const recovered = publicDecrypt({ key: new X509Certificate(authCard.certificateDer).publicKey, padding: constants.RSA_PKCS1_PADDING }, response.data);
    assert.deepStrictEqual(recovered, digestInfo());
  });
  it('the short-id form 80 2A 00 97 gives the same signature without selecting the key', () => {
    const viaSelect = send(newCard(), selectAp, selectAuthPin, verify1234, selectAuthKey, signApdu('80', digestInfo()));
    const viaP2 = send(newCard(), selectAp, selectAuthPin, verify1234, signApdu('97', digestInfo()));
    assert.strictEqual(viaP2.sw, '9000');
    assert.deepStrictEqual(viaP2.data, viaSelect.data);
  });
  it('signs anything up to 245 bytes and refuses 246 (67 00)', () => {
    assert.strictEqual(send(newCard(), selectAp, selectAuthPin, verify1234, signApdu('97', Buffer.alloc(245, 1))).sw, '9000');
    assert.strictEqual(send(newCard(), selectAp, selectAuthPin, verify1234, signApdu('97', Buffer.alloc(246, 1))).sw, '6700');
  });
  it('the signature key needs the signature password, not the auth PIN', () => {
    const card = newCard();
    assert.strictEqual(send(card, selectAp, selectAuthPin, verify1234, signApdu('9a', digestInfo())).sw, '6982');
    const password = Buffer.from(signPassword, 'ascii');
    const response = send(card, '00a4020c02001b', `00200080${password.length.toString(16).padStart(2, '0')}${password.toString('hex')}`, signApdu('9a', digestInfo()));
    assert.deepStrictEqual(response.data, sign('sha256', Buffer.from('challenge'), signCard.privateKey));
  });
  const refused: ReadonlyArray<[string, string[], string]> = [
    ['without the PIN', [selectAp, selectAuthKey, signApdu('80', digestInfoOf('x'))], '6982'],
    ['after a wrong PIN', [selectAp, selectAuthPin, verify9999, signApdu('97', digestInfoOf('x'))], '6982'],
    ['after re-selecting the AP', [selectAp, selectAuthPin, verify1234, selectAp, signApdu('97', digestInfoOf('x'))], '6982'],
    ['with P1 01', [selectAp, selectAuthPin, verify1234, '802a0197' + signApdu('97', digestInfoOf('x')).slice(8)], '6a86'],
    ['with P2 81', [selectAp, selectAuthPin, verify1234, signApdu('81', digestInfoOf('x'))], '6a86'],
    ['without data', [selectAp, selectAuthPin, verify1234, '802a009700'], '6700'],
    ['on a certificate EF', [selectAp, selectAuthPin, verify1234, selectAuthCertificate, signApdu('80', digestInfoOf('x'))], '6986'],
    ['before any DF', [signApdu('97', digestInfoOf('x'))], '6986'],
    ['with CLA 00', [selectAp, selectAuthPin, verify1234, '00' + signApdu('97', digestInfoOf('x')).slice(2)], '6e00'],
  ];
  for (const [name, commands, expected] of refused) {
    it(`${name} → ${expected}`, () => assert.strictEqual(send(newCard(), ...commands).sw, expected));
  }
  it('reset and power-off clear the verified PIN', () => {
    const card = newCard();
    send(card, selectAp, selectAuthPin, verify1234);
    card.reset();
    assert.strictEqual(send(card, selectAp, signApdu('97', digestInfoOf('x'))).sw, '6982');
    send(card, selectAuthPin, verify1234);
    card.powerOff();
    assert.strictEqual(send(card, signApdu('97', digestInfoOf('x'))).sw, '6986');
    assert.strictEqual(send(card, selectAp, signApdu('97', digestInfoOf('x'))).sw, '6982');
  });
});

describe('malformed commands', () => {
  const cases: ReadonlyArray<[string, string, string]> = [
    ['an unknown INS', '00ca000000', '6d00'],
    ['GET RESPONSE (not needed by this card)', '00c0000010', '6d00'],
    ['an unknown CLA', 'a0a4040c0ad392f000260100000001', '6e00'],
    ['CLA 80 with SELECT', '80a4040c0ad392f000260100000001', '6e00'],
    ['fewer than 4 bytes', '00a404', '6700'],
    ['Lc longer than the data', '00a4040c0bd392f000260100000001', '6700'],
    ['Lc two short of the data', '00a4040c08d392f000260100000001', '6700'],
    ['an extended-length Lc', '00a4040c00000ad392f000260100000001', '6700'],
  ];
  for (const [name, command, expected] of cases) {
    it(`${name} → ${expected}`, () => assert.strictEqual(send(newCard(), command).sw, expected));
  }
});

describe('fromSoftwareCard', () => {
  it('puts the software card key and certificate into EF 0017 / 000A', () => {
    const card = SoftwareJpkiCard.fromSoftwareCard(authCard, { pin: '4321' });
    send(card, selectAp);
    assert.deepStrictEqual(readAll(card, '000a'), authCard.certificateDer);
    const response = send(card, selectAuthPin, '002000800434333231', signApdu('97', digestInfoOf('y')));
    assert.deepStrictEqual(response.data, sign('sha256', Buffer.from('y'), authCard.privateKey));
    assert.strictEqual(send(card, '00a4020c020001').sw, '6a82');
  });
});
