import assert from 'node:assert/strict';
import { constants, createHash, createPrivateKey, generateKeyPair, privateEncrypt, X509Certificate } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { AuthToken } from '../identity/auth-token.js';
import { issueCardCertificate } from '../identity/test-ca.js';
import type { CardCertificateOptions, TestCa } from '../identity/test-ca.js';

/**
 * A software stand-in for the card's authentication key (EF 0017) and certificate (EF 000A). Its operations mirror
 * the card's, so that an APDU-level emulation can later replace the inside without changing callers.
 */
export interface SoftwareCard {
  certificateDer: Buffer;
  privateKey: KeyObject;
}

const dayMs = 86_400_000;
// A real authentication certificate runs to about the 5th birthday after issuance (JPKI.md §2.1).
const cardValidityDaysDefault = 5 * 365;
// RFC 8017 §9.2 note 1: DER of DigestInfo { sha256, NULL } up to the 32-byte hash (JPKI.md §1.3).
const sha256DigestInfoPrefix = Buffer.from('3031300d060960864801650304020105000420', 'hex');
const sha256Bytes = 32;
const appVersion = 'mykey-software-card/0.1';
const generateKeyPairAsync = promisify(generateKeyPair);

/**
 * Makes a card: a fresh RSA-2048 key and a certificate for it issued by the test CA, valid from `nowMs` for
 * `validityDays` (5 years by default). `certificate` overrides the certificate options (validity, serial, key
 * usage, test variants); the public key is always the card's own.
 *
 * @example
 * const card = await createSoftwareCard(ca, { nowMs, certificate: { serialHex: '0705d990' } });
 */
export async function createSoftwareCard(
  ca: TestCa,
  input: { nowMs: number; validityDays?: number; certificate?: Partial<Omit<CardCertificateOptions, 'publicKey'>> },
): Promise<SoftwareCard> {
  const { publicKey, privateKey } = await generateKeyPairAsync('rsa', { modulusLength: 2048, publicExponent: 65_537 });
  const certificatePem = await issueCardCertificate(ca, {
    notBeforeMs: input.nowMs,
    notAfterMs: input.nowMs + (input.validityDays ?? cardValidityDaysDefault) * dayMs,
    ...input.certificate,
    publicKey,
  });
  return { certificateDer: new X509Certificate(certificatePem).raw, privateKey };
}

/**
 * What COMPUTE DIGITAL SIGNATURE (`80 2A 00 80`) does: PKCS#1 v1.5 type-1 padding of the given bytes, then the
 * RSA private operation. Like the card, it signs whatever DigestInfo it is given; throws when the input is longer
 * than the key allows (the card answers `67 00`).
 *
 * @example
 * const signature = signDigestInfo(card, sha256DigestInfo(createHash('sha256').update(data).digest()));
 */
export function signDigestInfo(card: SoftwareCard, digestInfo: Buffer): Buffer {
  return privateEncrypt({ key: card.privateKey, padding: constants.RSA_PKCS1_PADDING }, digestInfo);
}

/**
 * The 51-byte DER DigestInfo the client sends to the card for a SHA-256 hash.
 *
 * @example
 * sha256DigestInfo(Buffer.alloc(32)).length; // 51
 */
export function sha256DigestInfo(hash32: Buffer): Buffer {
  assert.strictEqual(hash32.length, sha256Bytes, 'a SHA-256 hash is 32 bytes');
  return Buffer.concat([sha256DigestInfoPrefix, hash32]);
}

/**
 * Signs a login challenge the way the Web eID client drives a JPKI card: the card signs the DigestInfo of
 * SHA-256(SHA-256(origin) ‖ SHA-256(nonce)), which is an RS256 signature over SHA-256(origin) ‖ SHA-256(nonce).
 *
 * @example
 * const token = signWebEidChallenge(card, { origin: 'https://mykey.example', nonce });
 */
export function signWebEidChallenge(card: SoftwareCard, input: { origin: string; nonce: string }): AuthToken {
  const signedData = Buffer.concat([sha256(Buffer.from(input.origin, 'utf8')), sha256(Buffer.from(input.nonce, 'utf8'))]);
  const signature = signDigestInfo(card, sha256DigestInfo(sha256(signedData)));
  return {
    unverifiedCertificate: card.certificateDer.toString('base64'),
    algorithm: 'RS256',
    signature: signature.toString('base64'),
    format: 'web-eid:1.0',
    appVersion,
  };
}

/**
 * Writes the card as JSON `{ certificatePem, privateKeyPem }` with mode 0600. Never overwrites (rejects with an
 * `EEXIST` error): the file holds a private key.
 *
 * @example
 * await saveSoftwareCard('card.json', card);
 */
export async function saveSoftwareCard(path: string, card: SoftwareCard): Promise<void> {
  const file = {
    certificatePem: new X509Certificate(card.certificateDer).toString(),
    privateKeyPem: card.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
  await writeFile(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
}

/**
 * Reads a card written by saveSoftwareCard. Rejects with the file system error when the file is missing, and with
 * an Error when it is not such a card or its key does not belong to its certificate.
 *
 * @example
 * const card = await loadSoftwareCard('card.json');
 */
export async function loadSoftwareCard(path: string): Promise<SoftwareCard> {
  const file: unknown = JSON.parse(await readFile(path, 'utf8'));
  if (typeof file !== 'object' || file === null || !('certificatePem' in file) || !('privateKeyPem' in file)) {
    throw new Error(`${path} is not a software card (expected certificatePem and privateKeyPem)`);
  }
  const { certificatePem, privateKeyPem } = file;
  if (typeof certificatePem !== 'string' || typeof privateKeyPem !== 'string') {
    throw new Error(`${path} is not a software card (certificatePem and privateKeyPem must be strings)`);
  }
  const certificate = new X509Certificate(certificatePem);
  const privateKey = createPrivateKey(privateKeyPem);
  if (!certificate.checkPrivateKey(privateKey)) throw new Error(`${path}: the key does not belong to the certificate`);
  return { certificateDer: certificate.raw, privateKey };
}

function sha256(bytes: Buffer): Buffer {
  return createHash('sha256').update(bytes).digest();
}
