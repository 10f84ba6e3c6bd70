import { X509Certificate } from 'node:crypto';
import * as pkijs from 'pkijs';
import { fail, ok } from '../domain/result.js';
import type { Result } from '../domain/result.js';

/**
 * The certificates a card certificate may chain to: anchors end a path, intermediates may sit between the leaf and
 * an anchor. `production` records how the store was built, so that verification can refuse test leaves too.
 */
export interface TrustStore {
  readonly anchors: readonly X509Certificate[];
  readonly intermediates: readonly X509Certificate[];
  readonly production: boolean;
}

export type TrustStoreErrorCode = 'trust_anchor_invalid' | 'test_anchor_in_production';

const organizationOid = '2.5.4.10';
/** The organisation that marks our own test hierarchy (and J-LIS's test cards), never a production one. */
const testOrganizationMarker = 'JPKI-TEST';
const pemCertificatePattern = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * Builds the trust store from PEM text (each string may hold several certificates; text outside the
 * BEGIN/END blocks is ignored, as RFC 7468 allows explanatory text). Every certificate must be a CA
 * (basicConstraints cA, and keyCertSign when keyUsage is present).
 *
 * Returns `trust_anchor_invalid` (no anchor, a PEM string without a certificate, an unparseable or non-CA
 * certificate) or `test_anchor_in_production` (an `O=JPKI-TEST` certificate in a production store).
 *
 * @example
 * const store = createTrustStore({ anchorsPem: [readFileSync('jlis-auth-ca.pem', 'utf8')], production: true });
 * if (!store.ok) throw new Error(store.code); // refuse to start
 */
export function createTrustStore(input: {
  anchorsPem: readonly string[];
  intermediatesPem?: readonly string[];
  production: boolean;
}): Result<TrustStore, TrustStoreErrorCode> {
  const anchors = parseCaCertificates(input.anchorsPem, 'anchorsPem');
  if (!anchors.ok) return anchors;
  if (anchors.value.length === 0) return fail('trust_anchor_invalid', 'at least one trust anchor is needed', 'anchorsPem');
  const intermediates = parseCaCertificates(input.intermediatesPem ?? [], 'intermediatesPem');
  if (!intermediates.ok) return intermediates;
  if (input.production) {
    const test = [...anchors.value, ...intermediates.value].find(isTestHierarchy);
    if (test !== undefined) {
      return fail('test_anchor_in_production', `test certificate in a production trust store: ${oneLine(test.subject)}`);
    }
  }
  return ok(
    Object.freeze({
      anchors: Object.freeze(anchors.value),
      intermediates: Object.freeze(intermediates.value),
      production: input.production,
    }),
  );
}

/**
 * True when the certificate belongs to a test hierarchy: an organisation (O) of its subject or issuer contains
 * `JPKI-TEST`. "Contains" rather than "equals" so that a variant spelling of a test CA cannot pass as production.
 *
 * @example
 * isTestHierarchy(new X509Certificate(testCa.certificatePem)); // true
 */
export function isTestHierarchy(cert: X509Certificate): boolean {
  const parsed = pkijs.Certificate.fromBER(cert.raw);
  return [parsed.subject, parsed.issuer].some((name) =>
    name.typesAndValues.some(
      (attribute) => attribute.type === organizationOid && stringValueOf(attribute).includes(testOrganizationMarker),
    ),
  );
}

function stringValueOf(attribute: pkijs.AttributeTypeAndValue): string {
  const value: unknown = attribute.value.valueBlock.value;
  return typeof value === 'string' ? value.toUpperCase() : '';
}

function parseCaCertificates(pems: readonly string[], param: string): Result<X509Certificate[], 'trust_anchor_invalid'> {
  const certificates: X509Certificate[] = [];
  for (const pem of pems) {
    const blocks = pem.match(pemCertificatePattern) ?? [];
    if (blocks.length === 0) return fail('trust_anchor_invalid', 'a PEM string holds no certificate', param);
    for (const block of blocks) {
      const certificate = parseCertificatePem(block);
      if (certificate === undefined) return fail('trust_anchor_invalid', 'a certificate cannot be parsed', param);
      // X509Certificate.ca is OpenSSL's X509_check_ca() === 1: basicConstraints cA=TRUE, and keyCertSign if
      // keyUsage is present. A non-CA "anchor" is a configuration mistake worth refusing at start-up.
      if (!certificate.ca) return fail('trust_anchor_invalid', `not a CA certificate: ${oneLine(certificate.subject)}`, param);
      certificates.push(certificate);
    }
  }
  return ok(certificates);
}

// X509Certificate prints names one attribute per line.
function oneLine(name: string): string {
  return name.replaceAll('\n', ', ');
}

function parseCertificatePem(block: string): X509Certificate | undefined {
  try {
    const certificate = new X509Certificate(block);
    // pkijs must read it too: verification reads names and validity through pkijs.
    pkijs.Certificate.fromBER(certificate.raw);
    return certificate;
  } catch {
    return undefined;
  }
}
