/**
 * Server-side revocation checkers for card certificates (JPKI.md §2.3, §3.4, threats T6 and T12): OCSP and CRL,
 * both implementing the RevocationChecker seam of src/app/context.ts. Both fail closed: anything short of a
 * valid, fresh, authorised answer that the certificate is good is `revocation_unavailable` (or
 * `certificate_revoked` when the answer says so). Transport is an injected function, so tests need no network.
 */
import { createHash, randomBytes, verify as verifySignature, X509Certificate } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import type { RevocationChecker } from '../app/context.js';
import { fail, ok, type Result } from '../domain/result.js';
import { revocationReasonOf } from './revocation-reasons.js';

/** One HTTP exchange; the checkers never touch the network themselves. */
export type RevocationFetch = (request: {
  url: string;
  method: 'GET' | 'POST';
  body?: Uint8Array;
  contentType?: string;
  timeoutMs: number;
}) => Promise<{ status: number; body: Uint8Array }>;

/**
 * The production transport: global fetch with a timeout and a size limit on the answer.
 *
 * @example
 * const checker = createOcspChecker({ url: 'https://ocsp.example/', fetch: httpRevocationFetch });
 */
export const httpRevocationFetch: RevocationFetch = async (request) => {
  const response = await fetch(request.url, {
    method: request.method,
    ...(request.body === undefined ? {} : { body: request.body }),
    headers: request.contentType === undefined ? {} : { 'content-type': request.contentType },
    signal: AbortSignal.timeout(request.timeoutMs),
    redirect: 'error',
  });
  return { status: response.status, body: new Uint8Array(await response.arrayBuffer()) };
};

type RevocationResult = Result<void, 'certificate_revoked' | 'revocation_unavailable'>;
type CheckInput = Parameters<RevocationChecker['check']>[0];

/** WEJ defaults (JPKI.md §3.4): an answer older than 2 minutes is stale; more than 15 minutes ahead is skewed. */
export const ocspFreshnessMsDefault = 2 * 60_000;
export const revocationClockSkewMsMax = 15 * 60_000;
const ocspTimeoutMsDefault = 5_000;
const ocspResponseBytesMax = 64 * 1024;
const ocspCacheEntriesMax = 10_000;
const nonceBytes = 32;
const sha1Oid = '1.3.14.3.2.26';
const ocspBasicOid = '1.3.6.1.5.5.7.48.1.1';
const ocspNonceOid = '1.3.6.1.5.5.7.48.1.2';
const ocspSigningOid = '1.3.6.1.5.5.7.3.9';
const crlReasonOid = '2.5.29.21';
// The RSA signature algorithms a J-LIS-like CA or responder uses; anything else is refused.
const rsaSignatureHashes: Record<string, string> = {
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
};

function unavailable(message: string): RevocationResult {
  return fail('revocation_unavailable', message);
}

/** The issuer as OCSP and CRLs need it: parsed once per check from the DER the token verification confirmed. */
interface Issuer {
  x509: X509Certificate;
  parsed: pkijs.Certificate;
  nameDer: Buffer;
}

function issuerOf(input: CheckInput): Issuer | undefined {
  if (input.issuerCertificateDer === undefined) return undefined;
  const x509 = new X509Certificate(input.issuerCertificateDer);
  const parsed = pkijs.Certificate.fromBER(x509.raw);
  const nameDer = Buffer.from(parsed.subject.valueBeforeDecode);
  // The caller's issuer name and certificate must agree: a mismatch is a bug, never a reason to accept.
  if (!nameDer.equals(Buffer.from(input.issuerNameDer))) return undefined;
  return { x509, parsed, nameDer };
}

// DER INTEGER of a positive serial given as magnitude hex.
function serialIntegerOf(serialHex: string): asn1js.Integer {
  const magnitude = Buffer.from(serialHex.length % 2 === 0 ? serialHex : `0${serialHex}`, 'hex');
  return new asn1js.Integer({ valueHex: (magnitude[0] ?? 0) >= 0x80 ? Buffer.concat([Buffer.of(0), magnitude]) : magnitude });
}

function magnitudeHexOf(integer: asn1js.Integer): string {
  const bytes = integer.valueBlock.valueHexView;
  return Buffer.from(bytes.length > 1 && bytes[0] === 0 ? bytes.subarray(1) : bytes).toString('hex');
}

function sha1(bytes: Uint8Array): Buffer {
  return createHash('sha1').update(bytes).digest();
}

function publicKeyBitsOf(certificate: pkijs.Certificate): Uint8Array {
  return certificate.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView;
}

/** Verifies `signature` over `tbs` with `signer`'s key, for an allowed RSA algorithm only. */
function signatureVerifies(algorithmOid: string, tbs: Uint8Array, signature: Uint8Array, signer: X509Certificate): boolean {
  const hash = rsaSignatureHashes[algorithmOid];
  if (hash === undefined) return false;
  try {
    return verifySignature(hash, tbs, signer.publicKey, signature);
  } catch {
    return false;
  }
}

function extendedKeyUsagesOf(certificate: pkijs.Certificate): string[] {
  const extension = certificate.extensions?.find((e) => e.extnID === pkijs.id_ExtKeyUsage);
  if (extension === undefined) return [];
  const decoded = asn1js.fromBER(extension.extnValue.valueBlock.valueHexView);
  return new pkijs.ExtKeyUsage({ schema: decoded.result }).keyPurposes;
}

export interface OcspCheckerOptions {
  /** The responder (the platform operator's, or J-LIS's for a registered verifier). */
  url: string;
  fetch: RevocationFetch;
  /** How old a response's thisUpdate may be; also the longest a good answer is cached. Default 2 minutes. */
  freshnessMs?: number;
  timeoutMs?: number;
}

interface CachedGood {
  untilMs: number;
}

/**
 * An OCSP checker (RFC 6960): one CertID (SHA-1) of the leaf under its issuer and a 32-byte nonce, POSTed to the
 * responder. The answer is accepted only when it is successful and basic, signed by the issuing CA itself or by a
 * responder certificate the issuing CA issued with extendedKeyUsage OCSPSigning (valid now), carries the same
 * nonce and exactly one SingleResponse for the same CertID, has thisUpdate at most `freshnessMs` old and at most
 * 15 minutes ahead, and no nextUpdate in the past. `good` passes; `revoked` and `unknown` are
 * `certificate_revoked`; everything else is `revocation_unavailable`. Good answers are cached per issuer and
 * serial for at most the freshness window; nothing else is cached.
 *
 * @example
 * const revocation = createOcspChecker({ url: config.ocspUrl, fetch: httpRevocationFetch });
 */
export function createOcspChecker(options: OcspCheckerOptions): RevocationChecker {
  const freshnessMs = options.freshnessMs ?? ocspFreshnessMsDefault;
  const timeoutMs = options.timeoutMs ?? ocspTimeoutMsDefault;
  const cache = new Map<string, CachedGood>();
  return {
    async check(input) {
      const key = `${Buffer.from(input.issuerNameDer).toString('hex')}:${input.serialHex.toLowerCase()}`;
      const cached = cache.get(key);
      if (cached !== undefined && input.nowMs <= cached.untilMs) return ok(undefined);
      cache.delete(key);
      let issuer: Issuer | undefined;
      try {
        issuer = issuerOf(input);
      } catch {
        issuer = undefined;
      }
      if (issuer === undefined) return unavailable('the issuing CA certificate is needed for OCSP and was not given');
      const certId = new pkijs.CertID({
        hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: sha1Oid, algorithmParams: new asn1js.Null() }),
        issuerNameHash: new asn1js.OctetString({ valueHex: sha1(issuer.nameDer) }),
        issuerKeyHash: new asn1js.OctetString({ valueHex: sha1(publicKeyBitsOf(issuer.parsed)) }),
        serialNumber: serialIntegerOf(input.serialHex),
      });
      const nonceExtension = new pkijs.Extension({
        extnID: ocspNonceOid,
        extnValue: new asn1js.OctetString({ valueHex: randomBytes(nonceBytes) }).toBER(false),
      });
      const request = new pkijs.OCSPRequest({
        tbsRequest: new pkijs.TBSRequest({ requestList: [new pkijs.Request({ reqCert: certId })], requestExtensions: [nonceExtension] }),
      });
      let body: Uint8Array;
      try {
        const response = await options.fetch({
          url: options.url,
          method: 'POST',
          body: new Uint8Array(request.toSchema(true).toBER(false)),
          contentType: 'application/ocsp-request',
          timeoutMs,
        });
        if (response.status !== 200) return unavailable(`the OCSP responder answered HTTP ${response.status}`);
        if (response.body.length > ocspResponseBytesMax) return unavailable('the OCSP response is too large');
        body = response.body;
      } catch (error) {
        return unavailable(`the OCSP responder could not be reached: ${error instanceof Error ? error.message : String(error)}`);
      }
      let verdict: { result: RevocationResult; goodUntilMs?: number };
      try {
        verdict = judgeOcspResponse(body, { certId, nonceExtension, issuer, nowMs: input.nowMs, freshnessMs });
      } catch {
        verdict = { result: unavailable('the OCSP response cannot be parsed') };
      }
      if (verdict.goodUntilMs !== undefined) {
        if (cache.size >= ocspCacheEntriesMax) cache.delete(cache.keys().next().value as string);
        cache.set(key, { untilMs: verdict.goodUntilMs });
      }
      return verdict.result;
    },
  };
}

function judgeOcspResponse(
  der: Uint8Array,
  context: { certId: pkijs.CertID; nonceExtension: pkijs.Extension; issuer: Issuer; nowMs: number; freshnessMs: number },
): { result: RevocationResult; goodUntilMs?: number } {
  const response = pkijs.OCSPResponse.fromBER(der);
  const status = response.responseStatus.valueBlock.valueDec;
  if (status !== 0) return { result: unavailable(`the OCSP responder answered status ${status}`) };
  if (response.responseBytes?.responseType !== ocspBasicOid) return { result: unavailable('the OCSP response is not a basic response') };
  const basic = pkijs.BasicOCSPResponse.fromBER(response.responseBytes.response.valueBlock.valueHexView);
  const data = basic.tbsResponseData;

  const signer = authorisedSigner(basic, context.issuer, context.nowMs);
  if (signer === undefined) return { result: unavailable('the OCSP response is not signed by the issuing CA or a responder it authorised') };
  if (!signatureVerifies(basic.signatureAlgorithm.algorithmId, data.tbsView, basic.signature.valueBlock.valueHexView, signer)) {
    return { result: unavailable('the OCSP response signature does not verify') };
  }

  const nonce = data.responseExtensions?.find((e) => e.extnID === ocspNonceOid);
  const sentNonce = context.nonceExtension.extnValue.valueBlock.valueHexView;
  if (nonce === undefined || !Buffer.from(nonce.extnValue.valueBlock.valueHexView).equals(Buffer.from(sentNonce))) {
    return { result: unavailable('the OCSP response does not carry our nonce') };
  }
  if (data.responses.length !== 1) return { result: unavailable('the OCSP response must hold exactly one answer') };
  const single = data.responses[0]!;
  if (!sameCertId(single.certID, context.certId)) return { result: unavailable('the OCSP answer is about another certificate') };

  const thisUpdateMs = single.thisUpdate.getTime();
  const nextUpdateMs = single.nextUpdate?.getTime();
  if (context.nowMs - thisUpdateMs > context.freshnessMs) return { result: unavailable('the OCSP answer is stale (thisUpdate too old)') };
  if (thisUpdateMs - context.nowMs > revocationClockSkewMsMax) return { result: unavailable('the OCSP answer is dated too far in the future') };
  if (nextUpdateMs !== undefined && (nextUpdateMs < context.nowMs || nextUpdateMs < thisUpdateMs)) {
    return { result: unavailable('the OCSP answer is past its nextUpdate') };
  }

  const certStatus = single.certStatus as asn1js.BaseBlock;
  const tag = certStatus.idBlock.tagClass === 3 ? certStatus.idBlock.tagNumber : -1;
  if (tag === 0) {
    const goodUntilMs = Math.min(context.nowMs + context.freshnessMs, thisUpdateMs + context.freshnessMs, nextUpdateMs ?? Infinity);
    return { result: ok(undefined), goodUntilMs };
  }
  if (tag === 1) return { result: fail('certificate_revoked', `revoked (${revokedReasonOf(certStatus) ?? 'no reason given'})`) };
  if (tag === 2) return { result: fail('certificate_revoked', 'the responder does not know the certificate (unknown counts as revoked)') };
  return { result: unavailable('the OCSP answer has no valid status') };
}

function revokedReasonOf(certStatus: asn1js.BaseBlock): string | undefined {
  if (!(certStatus instanceof asn1js.Constructed)) return undefined;
  const reason = certStatus.valueBlock.value[1];
  if (!(reason instanceof asn1js.Constructed)) return undefined;
  const value = reason.valueBlock.value[0];
  return value instanceof asn1js.Enumerated ? revocationReasonOf(value.valueBlock.valueDec) : undefined;
}

function sameCertId(a: pkijs.CertID, b: pkijs.CertID): boolean {
  const bytes = (id: pkijs.CertID): Buffer[] => [
    Buffer.from(id.issuerNameHash.valueBlock.valueHexView),
    Buffer.from(id.issuerKeyHash.valueBlock.valueHexView),
    Buffer.from(magnitudeHexOf(id.serialNumber), 'hex'),
  ];
  return a.hashAlgorithm.algorithmId === b.hashAlgorithm.algorithmId && bytes(a).every((part, index) => part.equals(bytes(b)[index]!));
}

/**
 * The certificate whose key must have signed the response (RFC 6960 §4.2.2.2): the issuing CA when the responder
 * ID names it (by name or key hash); otherwise a certificate in `certs` matching the responder ID that the issuing
 * CA itself signed, with extendedKeyUsage OCSPSigning, valid at `nowMs`. Any other responder is not authorised.
 */
function authorisedSigner(basic: pkijs.BasicOCSPResponse, issuer: Issuer, nowMs: number): X509Certificate | undefined {
  const responderId: unknown = basic.tbsResponseData.responderID;
  const matches = (certificate: pkijs.Certificate): boolean => {
    if (responderId instanceof pkijs.RelativeDistinguishedNames) {
      return Buffer.from(responderId.toSchema().toBER(false)).equals(Buffer.from(certificate.subject.toSchema().toBER(false)));
    }
    if (responderId instanceof asn1js.OctetString) {
      return Buffer.from(responderId.valueBlock.valueHexView).equals(sha1(publicKeyBitsOf(certificate)));
    }
    return false;
  };
  if (matches(issuer.parsed)) return issuer.x509;
  for (const certificate of basic.certs ?? []) {
    if (!matches(certificate)) continue;
    const x509 = new X509Certificate(Buffer.from(certificate.toSchema().toBER(false)));
    const issuedByCa = Buffer.from(certificate.issuer.valueBeforeDecode).equals(issuer.nameDer) && x509.verify(issuer.x509.publicKey);
    const validNow = nowMs >= certificate.notBefore.value.getTime() && nowMs <= certificate.notAfter.value.getTime();
    if (issuedByCa && validNow && !x509.ca && extendedKeyUsagesOf(certificate).includes(ocspSigningOid)) return x509;
  }
  return undefined;
}

export interface CrlSource {
  url: string;
}

export interface CrlCheckerOptions {
  sources: readonly CrlSource[];
  fetch: RevocationFetch;
  /** How long a fetched CRL is used before it is fetched again. Default 10 minutes. */
  refreshMs?: number;
  /** The oldest a CRL may be (since it was fetched) when fetching again fails. Default 26 hours (CRLs are daily). */
  cacheAgeMsMax?: number;
  timeoutMs?: number;
}

interface CachedCrl {
  fetchedAtMs: number;
  issuerNameDer: Buffer;
  thisUpdateMs: number;
  nextUpdateMs: number | undefined;
  tbs: Uint8Array;
  signatureAlgorithmOid: string;
  signature: Uint8Array;
  /** Revoked serials (magnitude hex) → reason name. */
  revoked: Map<string, string>;
  /** sha256 of issuer certificates whose key verified this CRL. */
  verifiedBy: Set<string>;
}

const crlRefreshMsDefault = 10 * 60_000;
const crlCacheAgeMsMaxDefault = 26 * 60 * 60_000;
const crlTimeoutMsDefault = 30_000;
const crlBytesMax = 256 * 1024 * 1024;

/**
 * A CRL checker: fetches each configured CRL (refreshing after `refreshMs`; on a failed refresh the previous one
 * is kept up to `cacheAgeMsMax` after it was fetched), and for a leaf uses the CRL whose issuer is the leaf's
 * issuer and whose signature verifies with the issuing CA's key. thisUpdate more than 15 minutes ahead, a
 * nextUpdate in the past, no such CRL, or an unreachable source → `revocation_unavailable`; the serial listed →
 * `certificate_revoked`.
 *
 * @example
 * const revocation = createCrlChecker({ sources: [{ url: 'https://crl.example/auth.crl' }], fetch: httpRevocationFetch });
 */
export function createCrlChecker(options: CrlCheckerOptions): RevocationChecker {
  const refreshMs = options.refreshMs ?? crlRefreshMsDefault;
  const cacheAgeMsMax = options.cacheAgeMsMax ?? crlCacheAgeMsMaxDefault;
  const timeoutMs = options.timeoutMs ?? crlTimeoutMsDefault;
  const cache = new Map<string, CachedCrl>();

  async function crlOf(source: CrlSource, nowMs: number): Promise<CachedCrl | undefined> {
    const cached = cache.get(source.url);
    if (cached !== undefined && nowMs - cached.fetchedAtMs < refreshMs && nowMs >= cached.fetchedAtMs) return cached;
    try {
      const response = await options.fetch({ url: source.url, method: 'GET', timeoutMs });
      if (response.status !== 200 || response.body.length > crlBytesMax) throw new Error(`HTTP ${response.status}`);
      const fresh = parseCrl(response.body, nowMs);
      cache.set(source.url, fresh);
      return fresh;
    } catch {
      if (cached !== undefined && nowMs - cached.fetchedAtMs <= cacheAgeMsMax) return cached;
      cache.delete(source.url);
      return undefined;
    }
  }

  return {
    async check(input) {
      let issuer: Issuer | undefined;
      try {
        issuer = issuerOf(input);
      } catch {
        issuer = undefined;
      }
      if (issuer === undefined) return unavailable('the issuing CA certificate is needed to verify a CRL and was not given');
      const issuerSha256 = createHash('sha256').update(issuer.x509.raw).digest('hex');
      for (const source of options.sources) {
        const crl = await crlOf(source, input.nowMs);
        if (crl === undefined || !crl.issuerNameDer.equals(issuer.nameDer)) continue;
        if (!crl.verifiedBy.has(issuerSha256)) {
          if (!signatureVerifies(crl.signatureAlgorithmOid, crl.tbs, crl.signature, issuer.x509)) continue;
          crl.verifiedBy.add(issuerSha256);
        }
        if (crl.thisUpdateMs - input.nowMs > revocationClockSkewMsMax) return unavailable('the CRL is dated too far in the future');
        if (crl.nextUpdateMs === undefined || crl.nextUpdateMs < input.nowMs) return unavailable('the CRL is past its nextUpdate');
        const reason = crl.revoked.get(input.serialHex.toLowerCase());
        if (reason !== undefined) return fail('certificate_revoked', `listed on the CRL (${reason})`);
        return ok(undefined);
      }
      return unavailable('no current CRL signed by the issuing CA is available');
    },
  };
}

function parseCrl(der: Uint8Array, nowMs: number): CachedCrl {
  const crl = pkijs.CertificateRevocationList.fromBER(der);
  const revoked = new Map<string, string>();
  for (const entry of crl.revokedCertificates ?? []) {
    const reasonExtension = entry.crlEntryExtensions?.extensions.find((e) => e.extnID === crlReasonOid);
    let reason = 'unspecified';
    if (reasonExtension !== undefined) {
      const decoded = asn1js.fromBER(reasonExtension.extnValue.valueBlock.valueHexView).result;
      if (decoded instanceof asn1js.Enumerated) reason = revocationReasonOf(decoded.valueBlock.valueDec) ?? `reason ${decoded.valueBlock.valueDec}`;
    }
    revoked.set(magnitudeHexOf(entry.userCertificate), reason);
  }
  return {
    fetchedAtMs: nowMs,
    issuerNameDer: Buffer.from(crl.issuer.valueBeforeDecode),
    thisUpdateMs: crl.thisUpdate.value.getTime(),
    nextUpdateMs: crl.nextUpdate?.value.getTime(),
    tbs: crl.tbsView,
    signatureAlgorithmOid: crl.signatureAlgorithm.algorithmId,
    signature: crl.signatureValue.valueBlock.valueHexView,
    revoked,
    verifiedBy: new Set(),
  };
}
