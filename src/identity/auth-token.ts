import assert from 'node:assert/strict';
import { createHash, verify as verifySignature, X509Certificate, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { authTokenCharsMax } from '../domain/limits.js';
import { fail, ok } from '../domain/result.js';
import type { Result } from '../domain/result.js';
import { isTestHierarchy } from './trust-store.js';
import type { TrustStore } from './trust-store.js';

/** A Web eID 1.0 authentication token as the client sends it; nothing in it is trusted yet. */
export interface AuthToken {
  unverifiedCertificate: string;
  algorithm: string;
  signature: string;
  format: string;
  appVersion?: string;
}

export type AuthTokenErrorCode =
  | 'auth_token_malformed'
  | 'algorithm_unsupported'
  | 'certificate_malformed'
  | 'certificate_untrusted'
  | 'certificate_not_yet_valid'
  | 'certificate_expired'
  | 'certificate_wrong_purpose'
  | 'signature_invalid';

/** What a successful login proves about the card: enough to find (or enrol) the person, nothing personal. */
export interface VerifiedCredential {
  /** DER of the leaf's issuer Name (for the keyed credential hash issuer+serial). */
  issuerNameDer: Uint8Array;
  /** Lowercase hex, no leading 00 sign byte. */
  serialHex: string;
  /** SHA-256 of the leaf DER. */
  certificateSha256Hex: string;
  notAfterMs: number;
  /** DER of the CA certificate that issued the leaf (confirmed by signature): revocation checks need its name and key. */
  issuerCertificateDer: Uint8Array;
}

// Generous for a JPKI token (a real auth certificate is about 1,700 base64 characters, a signature 344), small
// enough to bound the work done on unauthenticated input. The certificate may use the whole token budget.
const tokenFieldCharsMax = {
  unverifiedCertificate: authTokenCharsMax,
  algorithm: 16,
  signature: 1_024,
  format: 32,
  appVersion: 256,
} as const;
const requiredTokenFields = ['unverifiedCertificate', 'algorithm', 'signature', 'format'] as const;
// Web eID accepts every `web-eid:1*`; we accept `web-eid:1` and its minor versions only, so `web-eid:10` is refused.
const tokenFormatPattern = /^web-eid:1(\.[0-9]{1,3})?$/;
const jpkiAlgorithm = 'RS256'; // the card only does RSA PKCS#1 v1.5 (JPKI.md §1.3)
const signatureBytes = 256; // RSA-2048
const rsaModulusBits = 2048;
const rsaPublicExponent = 65_537n;
const issuerLevelsMax = 4;
const clientAuthOid = '1.3.6.1.5.5.7.3.2';
// The four personal attributes (name, sex, birth date, address, …) only ever sit in the signature certificate.
const personalAttributeOidPrefix = '1.2.392.200149.8.5.5.';
const strictBase64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A certificate as both parsers see it: OpenSSL for keys and signatures, pkijs for names, times and extensions. */
interface PathCertificate {
  x509: X509Certificate;
  parsed: pkijs.Certificate;
}

interface LeafCertificate extends PathCertificate {
  der: Buffer;
  keyUsage: { critical: boolean; digitalSignature: boolean; nonRepudiation: boolean } | undefined;
  extendedKeyUsageOids: readonly string[] | undefined;
  otherNameOids: readonly string[];
}

/**
 * Verifies a Web eID 1.0 token made by a JPKI user-authentication certificate against the challenge the server
 * issued (`nonce`) and its own `origin`. Synchronous and deterministic: the time is `nowMs`, nothing is read.
 * Revocation is not checked here. Checks run in this order and the first failure wins:
 *
 * - `auth_token_malformed`: a field is not a string of sane size, `format` is not `web-eid:1[.n]`, or the
 *   signature is not strict base64 of exactly 256 bytes (`algorithm_unsupported` comes first: anything but RS256);
 * - `certificate_malformed`: not strict base64, not strict DER X.509 (trailing bytes, BER, bad extensions);
 * - `certificate_untrusted`: no path to an anchor (issuers found by name, confirmed by signature, ≤ 4 levels), a
 *   CA in the path without cA, or a test leaf with a production store;
 * - `certificate_not_yet_valid`, `certificate_expired`: for the leaf and every CA of the path;
 * - `certificate_wrong_purpose`: not RSA-2048/65537, keyUsage not critical digitalSignature, nonRepudiation or a
 *   personal-attribute subjectAltName (a signature certificate), an extendedKeyUsage without clientAuth;
 * - `signature_invalid`: the signature does not verify over SHA-256(origin) ‖ SHA-256(nonce).
 *
 * An empty `nonce` or `origin` is a bug of the caller (both come from server state) and throws.
 *
 * @example
 * const r = verifyAuthToken({ token, nonce: challenge.nonce, origin: 'https://mykey.example', trust, nowMs });
 * if (!r.ok) return r; // r.code is one of AuthTokenErrorCode
 * const { issuerNameDer, serialHex } = r.value;
 */
export function verifyAuthToken(input: {
  token: AuthToken;
  nonce: string;
  origin: string;
  trust: TrustStore;
  nowMs: number;
}): Result<VerifiedCredential, AuthTokenErrorCode> {
  assert.ok(input.nonce.length > 0 && input.origin.length > 0, 'nonce and origin come from server state and are never empty');
  const token = checkTokenFields(input.token);
  if (!token.ok) return token;
  const signature = decodeStrictBase64(token.value.signature);
  if (signature?.length !== signatureBytes) {
    return fail('auth_token_malformed', `the signature must be strict base64 of ${signatureBytes} bytes`, 'signature');
  }
  const leaf = parseLeafCertificate(token.value.unverifiedCertificate);
  if (!leaf.ok) return leaf;
  const path = buildTrustedPath(leaf.value, input.trust);
  if (!path.ok) return path;
  const validity = checkValidity(path.value, input.nowMs);
  if (!validity.ok) return validity;
  const authorities = checkAuthorities(path.value);
  if (!authorities.ok) return authorities;
  const purpose = checkAuthenticationPurpose(leaf.value);
  if (!purpose.ok) return purpose;
  if (!verifySignature('sha256', signedChallengeOf(input.origin, input.nonce), leaf.value.x509.publicKey, signature)) {
    return fail('signature_invalid', 'the signature does not verify over the expected origin and nonce (check both)', 'signature');
  }
  return ok(credentialOf(leaf.value, path.value[1]!));
}

// The token arrives as JSON, so its declared type is a hope: check every field at run time.
function checkTokenFields(token: AuthToken): Result<AuthToken, 'auth_token_malformed' | 'algorithm_unsupported'> {
  if (typeof token !== 'object' || token === null) return fail('auth_token_malformed', 'the token is not an object');
  for (const field of requiredTokenFields) {
    const value: unknown = token[field];
    if (typeof value !== 'string' || value.length === 0 || value.length > tokenFieldCharsMax[field]) {
      return fail('auth_token_malformed', `${field} must be a string of 1 to ${tokenFieldCharsMax[field]} characters`, field);
    }
  }
  const appVersion: unknown = token.appVersion;
  if (appVersion !== undefined && (typeof appVersion !== 'string' || appVersion.length > tokenFieldCharsMax.appVersion)) {
    const message = `appVersion must be a string of at most ${tokenFieldCharsMax.appVersion} characters`;
    return fail('auth_token_malformed', message, 'appVersion');
  }
  if (!tokenFormatPattern.test(token.format)) return fail('auth_token_malformed', 'format must be web-eid:1 or web-eid:1.x', 'format');
  if (token.algorithm !== jpkiAlgorithm) return fail('algorithm_unsupported', `algorithm must be ${jpkiAlgorithm}`, 'algorithm');
  return ok(token);
}

// Canonical base64 only: the pattern fixes the alphabet and padding, the round trip rejects non-zero pad bits,
// so one byte string has exactly one accepted spelling.
function decodeStrictBase64(text: string): Buffer | undefined {
  if (!strictBase64Pattern.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}

/**
 * Decoding a leaf (strict DER, then pkijs) costs thirty signature checks, and a card shows the same certificate at
 * its login and at each binding it signs minutes later: the decodings of the last certificates are kept by their
 * exact text (strict base64, so one text per DER). Only the decoding is kept: chain, validity, purpose, signature
 * and revocation are checked at every use.
 */
const decodedLeavesMax = 1_000;
const decodedLeaves = new Map<string, LeafCertificate>();

function parseLeafCertificate(base64: string): Result<LeafCertificate, 'certificate_malformed'> {
  const kept = decodedLeaves.get(base64);
  if (kept !== undefined) return ok(kept);
  const parsed = decodeLeafCertificate(base64);
  if (parsed.ok) {
    if (decodedLeaves.size >= decodedLeavesMax) decodedLeaves.delete(decodedLeaves.keys().next().value!);
    decodedLeaves.set(base64, parsed.value);
  }
  return parsed;
}

function decodeLeafCertificate(base64: string): Result<LeafCertificate, 'certificate_malformed'> {
  const der = decodeStrictBase64(base64);
  if (der === undefined) return fail('certificate_malformed', 'the certificate is not strict base64', 'unverifiedCertificate');
  try {
    const parsed = decodeStrictDer(der, (schema) => new pkijs.Certificate({ schema }));
    // RFC 5280 §4.1.2.2: serials are positive; a negative one would have no unambiguous serialHex.
    if (((parsed.serialNumber.valueBlock.valueHexView[0] ?? 0) & 0x80) !== 0) throw new Error('negative serial');
    return ok({ der, x509: new X509Certificate(der), parsed, ...readLeafExtensions(parsed) });
  } catch {
    return fail('certificate_malformed', 'the certificate is not strict DER X.509', 'unverifiedCertificate');
  }
}

/** Decodes one DER value that must fill `bytes` exactly; throws on anything else (BER, trailing bytes, schema). */
function decodeStrictDer<T>(bytes: Uint8Array, construct: (schema: asn1js.AsnType) => T): T {
  if (derElementEnd(bytes, 0, bytes.length) !== bytes.length) throw new Error('not strict DER');
  const decoded = asn1js.fromBER(bytes);
  if (decoded.offset === -1) throw new Error(decoded.result.error);
  return construct(decoded.result);
}

/**
 * Returns where the DER element starting at `start` ends, or -1 unless it is strict DER as far as structure goes:
 * low tag numbers, definite lengths in their shortest form, primitive universal strings, and constructed contents
 * tiled exactly by child elements. This is what makes "one certificate has one encoding" hold before parsing.
 */
function derElementEnd(bytes: Uint8Array, start: number, limit: number): number {
  const tag = bytes[start];
  const lengthByte = bytes[start + 1];
  if (tag === undefined || lengthByte === undefined || start + 2 > limit || (tag & 0x1f) === 0x1f) return -1;
  const constructed = (tag & 0x20) !== 0;
  // DER forbids constructed encodings of universal strings; only SEQUENCE (0x30) and SET (0x31) are constructed.
  if (constructed && (tag & 0xc0) === 0 && tag !== 0x30 && tag !== 0x31) return -1;
  let offset = start + 2;
  let length = lengthByte;
  if (lengthByte >= 0x80) {
    const lengthBytes = lengthByte & 0x7f;
    if (lengthBytes === 0 || lengthBytes > 3 || offset + lengthBytes > limit || bytes[offset] === 0) return -1;
    length = 0;
    for (const byte of bytes.subarray(offset, offset + lengthBytes)) length = length * 256 + byte;
    if (length < 0x80) return -1;
    offset += lengthBytes;
  }
  const end = offset + length;
  if (end > limit) return -1;
  for (let child = offset; constructed && child < end; ) {
    child = derElementEnd(bytes, child, end);
    if (child === -1) return -1;
  }
  return end;
}

/** Decodes the extensions the purpose checks rely on; throws on duplicates or undecodable values. */
function readLeafExtensions(
  parsed: pkijs.Certificate,
): Pick<LeafCertificate, 'keyUsage' | 'extendedKeyUsageOids' | 'otherNameOids'> {
  const extensions = parsed.extensions ?? [];
  // RFC 5280 §4.2: one instance per extension; two keyUsages could be read differently by different parsers.
  if (new Set(extensions.map((extension) => extension.extnID)).size !== extensions.length) throw new Error('duplicate extension');
  const find = (id: string): pkijs.Extension | undefined => extensions.find((extension) => extension.extnID === id);
  const keyUsage = find(pkijs.id_KeyUsage);
  const extendedKeyUsage = find(pkijs.id_ExtKeyUsage);
  const subjectAltName = find(pkijs.id_SubjectAltName);
  return {
    keyUsage: keyUsage === undefined ? undefined : keyUsageOf(keyUsage),
    extendedKeyUsageOids:
      extendedKeyUsage === undefined
        ? undefined
        : decodeStrictDer(valueOf(extendedKeyUsage), (schema) => new pkijs.ExtKeyUsage({ schema })).keyPurposes,
    otherNameOids:
      subjectAltName === undefined
        ? []
        : otherNameOidsOf(decodeStrictDer(valueOf(subjectAltName), (schema) => new pkijs.AltName({ schema }))),
  };
}

function valueOf(extension: pkijs.Extension): Uint8Array {
  return extension.extnValue.valueBlock.valueHexView;
}

function keyUsageOf(extension: pkijs.Extension): NonNullable<LeafCertificate['keyUsage']> {
  const bitString = decodeStrictDer(valueOf(extension), (schema) => schema);
  if (!(bitString instanceof asn1js.BitString)) throw new Error('keyUsage is not a BIT STRING');
  const firstByte = bitString.valueBlock.valueHexView[0] ?? 0;
  // Bit 0 is the most significant bit of the first byte (RFC 5280 §4.2.1.3).
  return { critical: extension.critical, digitalSignature: (firstByte & 0x80) !== 0, nonRepudiation: (firstByte & 0x40) !== 0 };
}

function otherNameOidsOf(altName: pkijs.AltName): string[] {
  return altName.altNames
    .filter((name) => name.type === 0)
    .map((name) => {
      // pkijs keeps an otherName as the raw [0] block: { type-id OBJECT IDENTIFIER, [0] value }.
      const typeId: unknown = (name.value as asn1js.Constructed).valueBlock.value[0];
      if (!(typeId instanceof asn1js.ObjectIdentifier)) throw new Error('otherName without type-id');
      return typeId.valueBlock.toString();
    });
}

/**
 * Walks from the leaf to an anchor: each issuer is looked up by subject name, and only accepted once its key
 * verifies the child's signature, so a CA that merely copies a trusted name (a forged production-looking root)
 * never matches.
 */
function buildTrustedPath(leaf: LeafCertificate, trust: TrustStore): Result<PathCertificate[], 'certificate_untrusted'> {
  if (trust.production && isTestHierarchy(leaf.x509)) {
    return fail('certificate_untrusted', 'a test-hierarchy certificate (O=JPKI-TEST) is never trusted in production');
  }
  const path: PathCertificate[] = [leaf];
  for (let child: PathCertificate = leaf; path.length <= issuerLevelsMax; ) {
    const issuer = findConfirmedIssuer(child, trust);
    if (issuer === undefined) return fail('certificate_untrusted', 'no trusted CA with the issuer name verifies the certificate');
    path.push(issuer);
    if (issuer.isAnchor) return ok(path);
    child = issuer;
  }
  return fail('certificate_untrusted', `no trust anchor within ${issuerLevelsMax} levels`);
}

/** A trust store's certificate as the path check reads it: parsed, its subject's DER and its key, once per certificate. */
interface IssuerCandidate {
  parsed: pkijs.Certificate;
  subjectDer: Uint8Array;
  publicKey: KeyObject;
}

// The trust store's certificates never change: parsing one (asn1js) and taking its key cost more than a login's
// signature check, so each is read once, for as long as the certificate object lives.
const issuerCandidates = new WeakMap<X509Certificate, IssuerCandidate>();

function issuerCandidateOf(x509: X509Certificate): IssuerCandidate {
  let candidate = issuerCandidates.get(x509);
  if (candidate === undefined) {
    const parsed = pkijs.Certificate.fromBER(x509.raw);
    candidate = { parsed, subjectDer: nameDerOf(parsed.subject), publicKey: x509.publicKey };
    issuerCandidates.set(x509, candidate);
  }
  return candidate;
}

function findConfirmedIssuer(child: PathCertificate, trust: TrustStore): (PathCertificate & { isAnchor: boolean }) | undefined {
  const issuerNameDer = nameDerOf(child.parsed.issuer);
  const candidates = [
    ...trust.anchors.map((x509) => ({ x509, isAnchor: true })),
    ...trust.intermediates.map((x509) => ({ x509, isAnchor: false })),
  ];
  for (const candidate of candidates) {
    const { parsed, subjectDer, publicKey } = issuerCandidateOf(candidate.x509);
    if (Buffer.compare(subjectDer, issuerNameDer) === 0 && child.x509.verify(publicKey)) return { ...candidate, parsed };
  }
  return undefined;
}

// RFC 5280 §4.1.2.5: a certificate is valid from notBefore to notAfter, both inclusive.
function checkValidity(
  path: readonly PathCertificate[],
  nowMs: number,
): Result<undefined, 'certificate_not_yet_valid' | 'certificate_expired'> {
  for (const [index, certificate] of path.entries()) {
    const role = index === 0 ? 'the certificate' : `CA certificate ${index} of the path`;
    if (nowMs < certificate.parsed.notBefore.value.getTime()) return fail('certificate_not_yet_valid', `${role} is not valid yet`);
    if (nowMs > certificate.parsed.notAfter.value.getTime()) return fail('certificate_expired', `${role} has expired`);
  }
  return ok(undefined);
}

// X509Certificate.ca is OpenSSL's X509_check_ca() === 1: basicConstraints cA=TRUE (and keyCertSign if keyUsage is
// present). A trust store built by hand may hold a non-CA certificate; it must not be able to issue.
function checkAuthorities(path: readonly PathCertificate[]): Result<undefined, 'certificate_untrusted'> {
  const index = path.findIndex((certificate, position) => position > 0 && !certificate.x509.ca);
  return index === -1 ? ok(undefined) : fail('certificate_untrusted', `certificate ${index} of the path is not a CA`);
}

function checkAuthenticationPurpose(leaf: LeafCertificate): Result<undefined, 'certificate_wrong_purpose'> {
  const key = leaf.x509.publicKey;
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType !== 'rsa' || details?.modulusLength !== rsaModulusBits || details.publicExponent !== rsaPublicExponent) {
    return fail('certificate_wrong_purpose', 'the key is not RSA-2048 with exponent 65537');
  }
  const keyUsage = leaf.keyUsage;
  if (keyUsage === undefined || !keyUsage.critical || !keyUsage.digitalSignature) {
    return fail('certificate_wrong_purpose', 'keyUsage must be present, critical and allow digitalSignature');
  }
  if (keyUsage.nonRepudiation || leaf.otherNameOids.some((id) => id.startsWith(personalAttributeOidPrefix))) {
    return fail('certificate_wrong_purpose', 'this is a signature certificate (署名用電子証明書), not the authentication one');
  }
  if (leaf.extendedKeyUsageOids !== undefined && !leaf.extendedKeyUsageOids.includes(clientAuthOid)) {
    return fail('certificate_wrong_purpose', 'extendedKeyUsage does not allow clientAuth');
  }
  return ok(undefined);
}

// Web eID: hashing each part first separates the fields (`a.b` + `c` never collides with `a` + `b.c`).
function signedChallengeOf(origin: string, nonce: string): Buffer {
  return Buffer.concat([sha256(Buffer.from(origin, 'utf8')), sha256(Buffer.from(nonce, 'utf8'))]);
}

function credentialOf(leaf: LeafCertificate, issuer: PathCertificate): VerifiedCredential {
  const serial = leaf.parsed.serialNumber.valueBlock.valueHexView;
  // DER adds one 00 byte before a magnitude whose high bit is set; it is sign, not serial.
  const magnitude = serial.length > 1 && serial[0] === 0 ? serial.subarray(1) : serial;
  return {
    issuerNameDer: nameDerOf(leaf.parsed.issuer),
    serialHex: Buffer.from(magnitude).toString('hex'),
    certificateSha256Hex: sha256(leaf.der).toString('hex'),
    notAfterMs: leaf.parsed.notAfter.value.getTime(),
    issuerCertificateDer: new Uint8Array(issuer.x509.raw),
  };
}

function nameDerOf(name: pkijs.RelativeDistinguishedNames): Uint8Array {
  return new Uint8Array(name.valueBeforeDecode);
}

function sha256(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}
