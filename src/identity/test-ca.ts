import assert from 'node:assert/strict';
import { createHash, createPrivateKey, KeyObject, randomBytes, randomInt, webcrypto, X509Certificate } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { revocationReasonCodes, type RevocationReason } from './revocation-reasons.js';

/**
 * A JPKI-like TEST certificate authority for development, tests and the demo. It mimics the shape of the J-LIS
 * user-authentication CA (names, extensions, RSA-2048, sha256WithRSAEncryption) but is marked `O=JPKI-TEST`, which
 * a production trust store refuses. Never real data: subjects are opaque random strings. It also builds what
 * revocation tests need: a root → issuing CA hierarchy, delegated OCSP responder certificates, CRLs with RFC 5280
 * reasons, and OCSP answers to a request (src/identity/test-ocsp-responder.ts serves them over loopback HTTP).
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
  return createCa({ ...input, subject: userAuthenticationCaName(input.organization ?? 'JPKI-TEST'), issuer: undefined });
}

/** The DN of a (test) user-authentication CA; `organization` JPKI-TEST marks the test hierarchy. */
function userAuthenticationCaName(organization: string): pkijs.RelativeDistinguishedNames {
  return distinguishedName([
    [oid.country, 'JP'],
    [oid.organization, organization],
    [oid.organizationalUnit, 'JPKI for user authentication'],
    [oid.organizationalUnit, 'Japan Agency for Local Authority Information Systems'],
  ]);
}

/**
 * A CA certificate: self-signed when `issuer` is undefined, otherwise an intermediate signed by `issuer` (with an
 * authorityKeyIdentifier). basicConstraints cA (critical), keyUsage keyCertSign+cRLSign (critical), SKI.
 */
async function createCa(input: {
  nowMs: number;
  validityDays?: number;
  subject: pkijs.RelativeDistinguishedNames;
  issuer: TestCa | undefined;
}): Promise<TestCa> {
  const keys = await webcrypto.subtle.generateKey(
    { ...rsaSigning, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
    true,
    ['sign', 'verify'],
  );
  const issuerCertificate = input.issuer === undefined ? undefined : pkijs.Certificate.fromBER(new X509Certificate(input.issuer.certificatePem).raw);
  const publicKeyInfo = publicKeyInfoOf(KeyObject.from(keys.publicKey));
  const certificate = certificateSkeleton({
    serial: serialIntegerOf(undefined),
    issuer: issuerCertificate?.subject ?? input.subject,
    subject: input.subject,
    publicKeyInfo,
    notBeforeMs: input.nowMs,
    notAfterMs: input.nowMs + (input.validityDays ?? caValidityDaysDefault) * dayMs,
  });
  certificate.extensions = [
    extension(pkijs.id_BasicConstraints, true, new pkijs.BasicConstraints({ cA: true }).toSchema()),
    extension(pkijs.id_KeyUsage, true, keyUsageBitString([keyUsageBit.keyCertSign, keyUsageBit.cRLSign])),
    extension(pkijs.id_SubjectKeyIdentifier, false, new asn1js.OctetString({ valueHex: keyIdentifierOf(publicKeyInfo) })),
    ...(issuerCertificate === undefined ? [] : [extension(pkijs.id_AuthorityKeyIdentifier, false, authorityKeyIdentifierOf(issuerCertificate))]),
  ];
  await signCertificate(certificate, input.issuer === undefined ? keys.privateKey : await signingKeyOf(input.issuer.privateKeyPem));
  const privateKeyPem = KeyObject.from(keys.privateKey).export({ type: 'pkcs8', format: 'pem' });
  return { certificatePem: pemOf(certificate), privateKeyPem: privateKeyPem.toString() };
}

/** A root and the user-authentication CA it certifies, as J-LIS runs them (the root anchors, the CA issues cards). */
export interface TestHierarchy {
  root: TestCa;
  issuing: TestCa;
}

/**
 * Creates a TEST root (`C=JP, O=<organization>, OU=JPKI Root CA`) and under it an intermediate user-authentication
 * CA with the same DN as createTestCa's. Trust the root as the anchor and the issuing CA as an intermediate.
 *
 * @example
 * const { root, issuing } = await createTestHierarchy({ nowMs });
 * const trust = createTrustStore({ anchorsPem: [root.certificatePem], intermediatesPem: [issuing.certificatePem], production: false });
 */
export async function createTestHierarchy(input: { nowMs: number; validityDays?: number; organization?: string }): Promise<TestHierarchy> {
  const organization = input.organization ?? 'JPKI-TEST';
  const rootName = distinguishedName([
    [oid.country, 'JP'],
    [oid.organization, organization],
    [oid.organizationalUnit, 'JPKI Root CA'],
  ]);
  const root = await createCa({ nowMs: input.nowMs, validityDays: input.validityDays, subject: rootName, issuer: undefined });
  const issuing = await createCa({ nowMs: input.nowMs, validityDays: input.validityDays, subject: userAuthenticationCaName(organization), issuer: root });
  return { root, issuing };
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

export { revocationReasonCodes, revocationReasonOf, revocationReasons, type RevocationReason } from './revocation-reasons.js';

/** One revoked certificate of a test CA. */
export interface TestRevocation {
  /** Hex of the serial as verifyAuthToken reports it (lowercase, no sign byte). */
  serialHex: string;
  revokedAtMs: number;
  reason: RevocationReason;
}

const ocspSigningOid = '1.3.6.1.5.5.7.3.9';
const ocspBasicOid = '1.3.6.1.5.5.7.48.1.1';
const ocspNonceOid = '1.3.6.1.5.5.7.48.1.2';
const crlReasonOid = '2.5.29.21';
const crlNumberOid = '2.5.29.20';

/**
 * Issues an OCSP responder certificate under `ca` (delegated responder, RFC 6960 §4.2.2.2): subject
 * `C=JP, O=JPKI-TEST, CN=<cn>`, keyUsage digitalSignature, extendedKeyUsage OCSPSigning unless `ocspSigning` is
 * false (a certificate that must NOT be accepted as a responder). Returns PEM.
 *
 * @example
 * const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
 * const pem = await issueOcspResponderCertificate(ca, { publicKey, notBeforeMs, notAfterMs });
 */
export async function issueOcspResponderCertificate(
  ca: TestCa,
  options: { publicKey: KeyObject; notBeforeMs: number; notAfterMs: number; ocspSigning?: boolean; commonName?: string },
): Promise<string> {
  const caCertificate = pkijs.Certificate.fromBER(new X509Certificate(ca.certificatePem).raw);
  const certificate = certificateSkeleton({
    serial: serialIntegerOf(undefined),
    issuer: caCertificate.subject,
    subject: distinguishedName([
      [oid.country, 'JP'],
      [oid.organization, 'JPKI-TEST'],
      [oid.commonName, options.commonName ?? 'OCSP Responder'],
    ]),
    publicKeyInfo: publicKeyInfoOf(options.publicKey),
    notBeforeMs: options.notBeforeMs,
    notAfterMs: options.notAfterMs,
  });
  const purposes = options.ocspSigning === false ? ['1.3.6.1.5.5.7.3.2'] : [ocspSigningOid];
  certificate.extensions = [
    extension(pkijs.id_KeyUsage, true, keyUsageBitString([keyUsageBit.digitalSignature])),
    extension(pkijs.id_AuthorityKeyIdentifier, false, authorityKeyIdentifierOf(caCertificate)),
    extension(pkijs.id_ExtKeyUsage, false, new pkijs.ExtKeyUsage({ keyPurposes: purposes }).toSchema()),
  ];
  await signCertificate(certificate, await signingKeyOf(ca.privateKeyPem));
  return pemOf(certificate);
}

/**
 * Issues a v2 CRL signed by `ca`: one entry per revocation with its reasonCode entry extension, and a cRLNumber.
 * Returns DER.
 *
 * @example
 * const crlDer = await issueCrl(ca, { thisUpdateMs: nowMs, nextUpdateMs: nowMs + 86_400_000, revocations: [{ serialHex, revokedAtMs: nowMs, reason: 'superseded' }] });
 */
export async function issueCrl(
  ca: TestCa,
  input: { thisUpdateMs: number; nextUpdateMs: number; revocations: readonly TestRevocation[]; crlNumber?: number },
): Promise<Buffer> {
  const caCertificate = pkijs.Certificate.fromBER(new X509Certificate(ca.certificatePem).raw);
  const crl = new pkijs.CertificateRevocationList();
  crl.version = 1;
  crl.issuer = caCertificate.subject;
  crl.thisUpdate = timeOf(input.thisUpdateMs);
  crl.nextUpdate = timeOf(input.nextUpdateMs);
  if (input.revocations.length > 0) {
    crl.revokedCertificates = input.revocations.map(
      (revocation) =>
        new pkijs.RevokedCertificate({
          userCertificate: serialIntegerOf(revocation.serialHex),
          revocationDate: timeOf(revocation.revokedAtMs),
          crlEntryExtensions: new pkijs.Extensions({
            extensions: [extension(crlReasonOid, false, new asn1js.Enumerated({ value: revocationReasonCodes[revocation.reason] }))],
          }),
        }),
    );
  }
  crl.crlExtensions = new pkijs.Extensions({
    extensions: [
      extension(pkijs.id_AuthorityKeyIdentifier, false, authorityKeyIdentifierOf(caCertificate)),
      extension(crlNumberOid, false, new asn1js.Integer({ value: input.crlNumber ?? 1 })),
    ],
  });
  const algorithm = (): pkijs.AlgorithmIdentifier =>
    new pkijs.AlgorithmIdentifier({ algorithmId: sha256WithRsaEncryptionOid, algorithmParams: new asn1js.Null() });
  crl.signature = algorithm();
  crl.signatureAlgorithm = algorithm();
  // encodeTBS is protected in the typings but is what CertificateRevocationList.sign uses itself.
  crl.tbsView = new Uint8Array((crl as unknown as { encodeTBS(): asn1js.Sequence }).encodeTBS().toBER());
  const signature = await webcrypto.subtle.sign(rsaSigning, await signingKeyOf(ca.privateKeyPem), crl.tbsView);
  crl.signatureValue = new asn1js.BitString({ valueHex: signature });
  return Buffer.from(crl.toSchema(true).toBER(false));
}

/** What a test responder says about one serial. */
export type TestCertificateStatus = 'good' | 'unknown' | { revokedAtMs: number; reason: RevocationReason };

export interface OcspResponseOptions {
  /** DER of the OCSPRequest being answered. */
  requestDer: Uint8Array;
  /** Who signs: the CA itself (its certificate and key) or a delegated responder issued by issueOcspResponderCertificate. */
  signer: TestCa;
  statusOf(serialHex: string): TestCertificateStatus;
  thisUpdateMs: number;
  nextUpdateMs?: number;
  producedAtMs?: number;
  /** 'echo' (default) copies the request's nonce extension; 'omit' leaves it out; bytes send another nonce. */
  nonce?: 'echo' | 'omit' | Uint8Array;
  /** Adds the signer's certificate to `certs`: true by default for a delegated responder. */
  includeSignerCertificate?: boolean;
  /** ResponderID by name (default) or by key hash. */
  responderId?: 'byName' | 'byKey';
}

/**
 * Answers an OCSP request the way a responder does: one SingleResponse per CertID of the request, with the status
 * `statusOf` gives its serial, signed (sha256WithRSAEncryption) by `signer`. Returns the DER of a successful
 * OCSPResponse. `createOcspErrorResponse` gives the unsuccessful ones.
 *
 * @example
 * const der = await createOcspResponse({ requestDer, signer: ca, statusOf: () => 'good', thisUpdateMs: nowMs });
 */
export async function createOcspResponse(options: OcspResponseOptions): Promise<Buffer> {
  const request = pkijs.OCSPRequest.fromBER(options.requestDer);
  const signerCertificate = pkijs.Certificate.fromBER(new X509Certificate(options.signer.certificatePem).raw);
  const responses = request.tbsRequest.requestList.map((entry) => {
    const serial = entry.reqCert.serialNumber.valueBlock.valueHexView;
    const serialHex = Buffer.from(serial.length > 1 && serial[0] === 0 ? serial.subarray(1) : serial).toString('hex');
    return new pkijs.SingleResponse({
      certID: entry.reqCert,
      certStatus: certStatusOf(options.statusOf(serialHex)),
      thisUpdate: new Date(options.thisUpdateMs),
      ...(options.nextUpdateMs === undefined ? {} : { nextUpdate: new Date(options.nextUpdateMs) }),
    });
  });
  const requestNonce = request.tbsRequest.requestExtensions?.find((e) => e.extnID === ocspNonceOid);
  const nonce = options.nonce ?? 'echo';
  const nonceExtension =
    nonce === 'omit'
      ? undefined
      : nonce === 'echo'
        ? requestNonce
        : new pkijs.Extension({ extnID: ocspNonceOid, extnValue: new asn1js.OctetString({ valueHex: nonce }).toBER(false) });
  const responderId =
    options.responderId === 'byKey'
      ? new asn1js.OctetString({ valueHex: keyIdentifierOf(signerCertificate.subjectPublicKeyInfo) })
      : signerCertificate.subject;
  const data = new pkijs.ResponseData({
    responderID: responderId,
    producedAt: new Date(options.producedAtMs ?? options.thisUpdateMs),
    responses,
    ...(nonceExtension === undefined ? {} : { responseExtensions: [nonceExtension] }),
  });
  const basic = new pkijs.BasicOCSPResponse({ tbsResponseData: data });
  const isDelegated = !new X509Certificate(options.signer.certificatePem).ca;
  if (options.includeSignerCertificate ?? isDelegated) basic.certs = [signerCertificate];
  basic.signatureAlgorithm = new pkijs.AlgorithmIdentifier({ algorithmId: sha256WithRsaEncryptionOid, algorithmParams: new asn1js.Null() });
  data.tbsView = new Uint8Array(data.toSchema(true).toBER());
  const signature = await webcrypto.subtle.sign(rsaSigning, await signingKeyOf(options.signer.privateKeyPem), data.tbsView);
  basic.signature = new asn1js.BitString({ valueHex: signature });
  return ocspResponseDer(0, basic);
}

/** An unsuccessful OCSPResponse (RFC 6960 §4.2.1): 1 malformedRequest, 2 internalError, 3 tryLater, 5 sigRequired, 6 unauthorized. */
export function createOcspErrorResponse(status: 1 | 2 | 3 | 5 | 6): Buffer {
  return ocspResponseDer(status, undefined);
}

function ocspResponseDer(status: number, basic: pkijs.BasicOCSPResponse | undefined): Buffer {
  const response = new pkijs.OCSPResponse({ responseStatus: new asn1js.Enumerated({ value: status }) });
  if (basic !== undefined) {
    response.responseBytes = new pkijs.ResponseBytes({
      responseType: ocspBasicOid,
      response: new asn1js.OctetString({ valueHex: basic.toSchema().toBER(false) }),
    });
  }
  return Buffer.from(response.toSchema().toBER(false));
}

// CertStatus ::= CHOICE { good [0] IMPLICIT NULL, revoked [1] IMPLICIT RevokedInfo, unknown [2] IMPLICIT NULL }.
function certStatusOf(status: TestCertificateStatus): asn1js.BaseBlock {
  if (status === 'good') return new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 0 } });
  if (status === 'unknown') return new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 2 } });
  return new asn1js.Constructed({
    idBlock: { tagClass: 3, tagNumber: 1 },
    value: [
      new asn1js.GeneralizedTime({ valueDate: new Date(status.revokedAtMs) }),
      new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [new asn1js.Enumerated({ value: revocationReasonCodes[status.reason] })] }),
    ],
  });
}
