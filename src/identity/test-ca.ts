import assert from 'node:assert/strict';
import { createHash, createPrivateKey, KeyObject, randomBytes, randomInt, webcrypto, X509Certificate } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

/**
 * A JPKI-like TEST certificate authority for development, tests and the demo. It mimics the shape of the J-LIS
 * user-authentication CA (names, extensions, RSA-2048, sha256WithRSAEncryption) but is marked `O=JPKI-TEST`, which
 * a production trust store refuses. Never real data: subjects are opaque random strings.
 */
export interface TestCa {
  certificatePem: string;
  privateKeyPem: string;
}

export interface CardCertificateOptions {
  publicKey: KeyObject;
  notBeforeMs: number;
  notAfterMs: number;
  /** Hex (whole bytes) of a positive serial; random (16 bytes) by default. */
  serialHex?: string;
  /** Opaque subject CN; a random 20-character alphanumeric string by default, like a real card's. */
  subjectCn?: string;
  /** Defaults to the authentication profile: digitalSignature only. */
  keyUsage?: { digitalSignature: boolean; nonRepudiation: boolean };
  /** Adds the signature certificate's personal-attribute subjectAltName (otherName 1.2.392.200149.8.5.5.1). */
  personalAttributesSan?: boolean;
  /** extendedKeyUsage key purposes; the extension is absent (as on real cards, as far as known) by default. */
  extendedKeyUsageOids?: readonly string[];
}

const dayMs = 86_400_000;
const caValidityDaysDefault = 10 * 365;
const oid = {
  country: '2.5.4.6',
  organization: '2.5.4.10',
  organizationalUnit: '2.5.4.11',
  commonName: '2.5.4.3',
  personalName: '1.2.392.200149.8.5.5.1',
} as const;
// RFC 5280 §4.2.1.3 bit positions.
const keyUsageBit = { digitalSignature: 0, nonRepudiation: 1, keyCertSign: 5, cRLSign: 6 } as const;
const rsaSigning = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;
const sha256WithRsaEncryptionOid = '1.2.840.113549.1.1.11';
const opaqueCnAlphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const opaqueCnLength = 20;

/**
 * Creates a self-signed TEST CA: subject `C=JP, O=<organization>, OU=JPKI for user authentication, OU=Japan
 * Agency for Local Authority Information Systems`, basicConstraints cA (critical), keyUsage keyCertSign+cRLSign
 * (critical), subjectKeyIdentifier. `organization` defaults to `JPKI-TEST`; tests pass `JPKI` to build a
 * production-looking CA (for example a forged root with the production name).
 *
 * @example
 * const ca = await createTestCa({ nowMs: Date.now() });
 */
export async function createTestCa(input: { nowMs: number; validityDays?: number; organization?: string }): Promise<TestCa> {
  const keys = await webcrypto.subtle.generateKey(
    { ...rsaSigning, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
    true,
    ['sign', 'verify'],
  );
  const name = distinguishedName([
    [oid.country, 'JP'],
    [oid.organization, input.organization ?? 'JPKI-TEST'],
    [oid.organizationalUnit, 'JPKI for user authentication'],
    [oid.organizationalUnit, 'Japan Agency for Local Authority Information Systems'],
  ]);
  const publicKeyInfo = publicKeyInfoOf(KeyObject.from(keys.publicKey));
  const certificate = certificateSkeleton({
    serial: serialIntegerOf(undefined),
    issuer: name,
    subject: name,
    publicKeyInfo,
    notBeforeMs: input.nowMs,
    notAfterMs: input.nowMs + (input.validityDays ?? caValidityDaysDefault) * dayMs,
  });
  certificate.extensions = [
    extension(pkijs.id_BasicConstraints, true, new pkijs.BasicConstraints({ cA: true }).toSchema()),
    extension(pkijs.id_KeyUsage, true, keyUsageBitString([keyUsageBit.keyCertSign, keyUsageBit.cRLSign])),
    extension(pkijs.id_SubjectKeyIdentifier, false, new asn1js.OctetString({ valueHex: keyIdentifierOf(publicKeyInfo) })),
  ];
  await signCertificate(certificate, keys.privateKey);
  const privateKeyPem = KeyObject.from(keys.privateKey).export({ type: 'pkcs8', format: 'pem' });
  return { certificatePem: pemOf(certificate), privateKeyPem: privateKeyPem.toString() };
}

/**
 * Issues a card authentication certificate: subject `C=JP, CN=<opaque>`, keyUsage (critical), authorityKeyIdentifier,
 * issuerAltName DirName `C=JP, O=公的個人認証サービス`, and the optional test variants of the options. Returns PEM.
 *
 * @example
 * const pem = await issueCardCertificate(ca, { publicKey, notBeforeMs: nowMs, notAfterMs: nowMs + 365 * 86_400_000 });
 */
export async function issueCardCertificate(ca: TestCa, options: CardCertificateOptions): Promise<string> {
  const caCertificate = pkijs.Certificate.fromBER(new X509Certificate(ca.certificatePem).raw);
  const keyUsage = options.keyUsage ?? { digitalSignature: true, nonRepudiation: false };
  const certificate = certificateSkeleton({
    serial: serialIntegerOf(options.serialHex),
    issuer: caCertificate.subject,
    subject: distinguishedName([
      [oid.country, 'JP'],
      [oid.commonName, options.subjectCn ?? opaqueCn()],
    ]),
    publicKeyInfo: publicKeyInfoOf(options.publicKey),
    notBeforeMs: options.notBeforeMs,
    notAfterMs: options.notAfterMs,
  });
  certificate.extensions = [
    extension(pkijs.id_KeyUsage, true, keyUsageBitString(keyUsageBitsOf(keyUsage))),
    extension(pkijs.id_AuthorityKeyIdentifier, false, authorityKeyIdentifierOf(caCertificate)),
    extension(pkijs.id_IssuerAltName, false, jpkiIssuerAltName()),
    ...testVariantExtensions(options),
  ];
  await signCertificate(certificate, await signingKeyOf(ca.privateKeyPem));
  return pemOf(certificate);
}

/**
 * Where a test CA lives in its directory.
 *
 * @example
 * testCaPaths('.mykey/ca').certificatePath; // '.mykey/ca/ca.pem'
 */
export function testCaPaths(dir: string): { certificatePath: string; privateKeyPath: string } {
  return { certificatePath: join(dir, 'ca.pem'), privateKeyPath: join(dir, 'ca.key.pem') };
}

/**
 * Writes `dir/ca.pem` (0644) and `dir/ca.key.pem` (0600), creating `dir` (0700) if needed. Never overwrites (rejects with
 * an `EEXIST` error): a replaced CA key would orphan every card it issued.
 *
 * @example
 * await saveTestCa('.mykey/ca', ca);
 */
export async function saveTestCa(dir: string, ca: TestCa): Promise<void> {
  const paths = testCaPaths(dir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(paths.privateKeyPath, ca.privateKeyPem, { mode: 0o600, flag: 'wx' });
  await writeFile(paths.certificatePath, ca.certificatePem, { mode: 0o644, flag: 'wx' });
}

/**
 * Reads a test CA written by saveTestCa. Rejects with the file system error (e.g. `ENOENT`) when a file is
 * missing, and with an Error when the key does not belong to the certificate.
 *
 * @example
 * const ca = await loadTestCa('.mykey/ca');
 */
export async function loadTestCa(dir: string): Promise<TestCa> {
  const paths = testCaPaths(dir);
  const certificatePem = await readFile(paths.certificatePath, 'utf8');
  const privateKeyPem = await readFile(paths.privateKeyPath, 'utf8');
  if (!new X509Certificate(certificatePem).checkPrivateKey(createPrivateKey(privateKeyPem))) {
    throw new Error(`${paths.privateKeyPath} is not the key of ${paths.certificatePath}`);
  }
  return { certificatePem, privateKeyPem };
}

function certificateSkeleton(input: {
  serial: asn1js.Integer;
  issuer: pkijs.RelativeDistinguishedNames;
  subject: pkijs.RelativeDistinguishedNames;
  publicKeyInfo: pkijs.PublicKeyInfo;
  notBeforeMs: number;
  notAfterMs: number;
}): pkijs.Certificate {
  assert.ok(input.notBeforeMs <= input.notAfterMs, 'notBeforeMs must not be after notAfterMs');
  const certificate = new pkijs.Certificate();
  certificate.version = 2; // v3, needed for extensions
  certificate.serialNumber = input.serial;
  certificate.issuer = input.issuer;
  certificate.subject = input.subject;
  certificate.subjectPublicKeyInfo = input.publicKeyInfo;
  certificate.notBefore = timeOf(input.notBeforeMs);
  certificate.notAfter = timeOf(input.notAfterMs);
  return certificate;
}

/**
 * A Name with one attribute per RDN. Built through DER and re-parsed because pkijs encodes a Name it assembled
 * itself as a single multi-valued RDN, which is not what CAs (or J-LIS) emit.
 */
function distinguishedName(attributes: ReadonlyArray<readonly [string, string]>): pkijs.RelativeDistinguishedNames {
  const sequence = new asn1js.Sequence({
    value: attributes.map(
      ([type, value]) => new asn1js.Set({ value: [new pkijs.AttributeTypeAndValue({ type, value: directoryString(value) }).toSchema()] }),
    ),
  });
  return pkijs.RelativeDistinguishedNames.fromBER(sequence.toBER());
}

// PrintableString where the characters allow it (as in the J-LIS DNs), UTF8String otherwise (公的個人認証サービス).
function directoryString(value: string): asn1js.PrintableString | asn1js.Utf8String {
  return /^[A-Za-z0-9 '()+,\-./:=?]*$/.test(value) ? new asn1js.PrintableString({ value }) : new asn1js.Utf8String({ value });
}

// RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime otherwise.
function timeOf(ms: number): pkijs.Time {
  const year = new Date(ms).getUTCFullYear();
  const type = year >= 1950 && year < 2050 ? pkijs.TimeType.UTCTime : pkijs.TimeType.GeneralizedTime;
  return new pkijs.Time({ type, value: new Date(ms) });
}

function serialIntegerOf(serialHex: string | undefined): asn1js.Integer {
  const magnitude = serialHex === undefined ? randomSerialBytes() : Buffer.from(serialHex, 'hex');
  assert.ok(serialHex === undefined || /^([0-9a-fA-F]{2})+$/.test(serialHex), 'serialHex must be whole bytes of hex');
  const firstNonZero = magnitude.findIndex((byte) => byte !== 0);
  assert.ok(firstNonZero >= 0, 'a certificate serial must be positive');
  const minimal = magnitude.subarray(firstNonZero);
  // DER INTEGER is two's complement: a leading 00 keeps a high first bit from reading as negative.
  const encoded = (minimal[0] ?? 0) >= 0x80 ? Buffer.concat([Buffer.of(0), minimal]) : minimal;
  return new asn1js.Integer({ valueHex: encoded });
}

// 16 random bytes, first byte 0x40–0x7f: positive, fixed length, 126 bits of entropy (CA/B BR ask for ≥ 64).
function randomSerialBytes(): Buffer {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x3f) | 0x40;
  return bytes;
}

function opaqueCn(): string {
  return Array.from({ length: opaqueCnLength }, () => opaqueCnAlphabet[randomInt(opaqueCnAlphabet.length)]).join('');
}

function publicKeyInfoOf(publicKey: KeyObject): pkijs.PublicKeyInfo {
  return pkijs.PublicKeyInfo.fromBER(publicKey.export({ type: 'spki', format: 'der' }));
}

// RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING contents.
function keyIdentifierOf(publicKeyInfo: pkijs.PublicKeyInfo): Buffer {
  return createHash('sha1').update(publicKeyInfo.subjectPublicKey.valueBlock.valueHexView).digest();
}

function authorityKeyIdentifierOf(caCertificate: pkijs.Certificate): asn1js.Sequence {
  const keyIdentifier = new asn1js.OctetString({ valueHex: keyIdentifierOf(caCertificate.subjectPublicKeyInfo) });
  return new pkijs.AuthorityKeyIdentifier({ keyIdentifier }).toSchema();
}

function keyUsageBitsOf(keyUsage: { digitalSignature: boolean; nonRepudiation: boolean }): number[] {
  return [
    ...(keyUsage.digitalSignature ? [keyUsageBit.digitalSignature] : []),
    ...(keyUsage.nonRepudiation ? [keyUsageBit.nonRepudiation] : []),
  ];
}

// DER drops trailing zero bits of a named-bit list, so unusedBits counts the zeros after the highest set bit.
function keyUsageBitString(bits: readonly number[]): asn1js.BitString {
  const highestBit = Math.max(-1, ...bits);
  const bytes = new Uint8Array(Math.ceil((highestBit + 1) / 8));
  for (const bit of bits) bytes[bit >> 3] = (bytes[bit >> 3] ?? 0) | (0x80 >> (bit & 7));
  return new asn1js.BitString({ valueHex: bytes, unusedBits: highestBit < 0 ? 0 : 7 - (highestBit & 7) });
}

function jpkiIssuerAltName(): asn1js.Sequence {
  const directoryName = distinguishedName([
    [oid.country, 'JP'],
    [oid.organization, '公的個人認証サービス'],
  ]);
  return new pkijs.AltName({ altNames: [new pkijs.GeneralName({ type: 4, value: directoryName })] }).toSchema();
}

// otherName [0] { type-id, [0] EXPLICIT value }, written by hand: pkijs GeneralName cannot encode an otherName it
// did not parse. The value is an obviously fake name.
function personalAttributesSan(): asn1js.Sequence {
  const otherName = new asn1js.Constructed({
    idBlock: { tagClass: 3, tagNumber: 0 },
    value: [
      new asn1js.ObjectIdentifier({ value: oid.personalName }),
      new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [new asn1js.Utf8String({ value: 'テスト 太郎' })] }),
    ],
  });
  return new asn1js.Sequence({ value: [otherName] });
}

function testVariantExtensions(options: CardCertificateOptions): pkijs.Extension[] {
  const extensions: pkijs.Extension[] = [];
  if (options.personalAttributesSan === true) extensions.push(extension(pkijs.id_SubjectAltName, false, personalAttributesSan()));
  if (options.extendedKeyUsageOids !== undefined) {
    const extendedKeyUsage = new pkijs.ExtKeyUsage({ keyPurposes: [...options.extendedKeyUsageOids] });
    extensions.push(extension(pkijs.id_ExtKeyUsage, false, extendedKeyUsage.toSchema()));
  }
  return extensions;
}

function extension(extnID: string, critical: boolean, value: { toBER(sizeOnly?: boolean): ArrayBuffer }): pkijs.Extension {
  return new pkijs.Extension({ extnID, critical, extnValue: value.toBER(false) });
}

function signingKeyOf(privateKeyPem: string): Promise<webcrypto.CryptoKey> {
  const pkcs8 = createPrivateKey(privateKeyPem).export({ type: 'pkcs8', format: 'der' });
  return webcrypto.subtle.importKey('pkcs8', pkcs8, rsaSigning, false, ['sign']);
}

/**
 * Signs with sha256WithRSAEncryption whose parameters are an explicit NULL, as J-LIS (and OpenSSL) encode it.
 * pkijs's own sign() omits the NULL, which RFC 4055 allows but which would make test certificates differ in
 * their bytes from real ones.
 */
async function signCertificate(certificate: pkijs.Certificate, privateKey: webcrypto.CryptoKey): Promise<void> {
  const algorithm = (): pkijs.AlgorithmIdentifier =>
    new pkijs.AlgorithmIdentifier({ algorithmId: sha256WithRsaEncryptionOid, algorithmParams: new asn1js.Null() });
  certificate.signature = algorithm();
  certificate.signatureAlgorithm = algorithm();
  certificate.tbsView = new Uint8Array(certificate.encodeTBS().toBER());
  const signature = await webcrypto.subtle.sign(rsaSigning, privateKey, certificate.tbsView);
  certificate.signatureValue = new asn1js.BitString({ valueHex: signature });
}

function pemOf(certificate: pkijs.Certificate): string {
  return new X509Certificate(Buffer.from(certificate.toSchema().toBER(false))).toString();
}
