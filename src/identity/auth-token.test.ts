// Ensures verifyAuthToken accepts exactly a login by a JPKI user-authentication certificate and reaches every
// error code in its documented order. How: a test CA and software cards, generated once in `before`, sign real
// Web eID challenges; each case changes one thing (a token field, the certificate profile, the trust store or
// the clock) and asserts the code. Times are explicit `nowMs` values on whole seconds, as X.509 times are.
import { createHash, generateKeyPair, X509Certificate } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { before, describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { createSoftwareCard, signWebEidChallenge } from '../card/software-card.js';
import type { SoftwareCard } from '../card/software-card.js';
import { verifyAuthToken } from './auth-token.js';
import type { AuthToken, AuthTokenErrorCode, VerifiedCredential } from './auth-token.js';
import { createTestCa, issueCardCertificate } from './test-ca.js';
import type { TestCa } from './test-ca.js';
import { createTrustStore } from './trust-store.js';
import type { TrustStore } from './trust-store.js';
import type { Result } from '../domain/result.js';

const dayMs = 86_400_000;
const nowMs = Date.UTC(2026, 0, 15, 9, 0, 0);
const origin = 'https://mykey.example';
const nonce = Buffer.alloc(32, 7).toString('base64');
const generateKeyPairAsync = promisify(generateKeyPair);

interface Fixtures {
  ca: TestCa;
  trust: TrustStore;
  card: SoftwareCard;
  cards: Record<'signature' | 'personalSan' | 'noDigitalSignature' | 'ekuServerAuth' | 'ekuClientAuth', SoftwareCard>;
  expiredCa: TestCa;
  underExpiredCa: SoftwareCard;
  forgedCa: TestCa;
  underForgedCa: SoftwareCard;
  productionTrust: TrustStore;
  productionCard: SoftwareCard;
  underForgedProductionCa: SoftwareCard;
  underNonCa: SoftwareCard;
}

let fixtures: Fixtures;

before(async () => {
  const ca = await createTestCa({ nowMs: nowMs - 30 * dayMs });
  const cardOf = (certificate: Parameters<typeof createSoftwareCard>[1]['certificate']): Promise<SoftwareCard> =>
    createSoftwareCard(ca, { nowMs: nowMs - dayMs, certificate });
  const [card, signature, personalSan, noDigitalSignature, ekuServerAuth, ekuClientAuth] = await Promise.all([
    cardOf({ serialHex: '8a0b0c0d' }),
    cardOf({ keyUsage: { digitalSignature: true, nonRepudiation: true } }),
    cardOf({ personalAttributesSan: true }),
    cardOf({ keyUsage: { digitalSignature: false, nonRepudiation: false } }),
    cardOf({ extendedKeyUsageOids: ['1.3.6.1.5.5.7.3.1'] }),
    cardOf({ extendedKeyUsageOids: ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2'] }),
  ]);
  const [expiredCa, forgedCa, productionCa, forgedProductionCa] = await Promise.all([
    createTestCa({ nowMs: nowMs - 400 * dayMs, validityDays: 365 }),
    createTestCa({ nowMs: nowMs - 30 * dayMs }),
    createTestCa({ nowMs: nowMs - 30 * dayMs, organization: 'JPKI' }),
    createTestCa({ nowMs: nowMs - 30 * dayMs, organization: 'JPKI' }),
  ]);
  // A leaf certificate used as if it were a CA: right name and key for its child, but no basicConstraints cA.
  const cardAsCa = { certificatePem: pemOf(card), privateKeyPem: card.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
  const [underExpiredCa, underForgedCa, productionCard, underForgedProductionCa, underNonCa] = await Promise.all([
    createSoftwareCard(expiredCa, { nowMs: nowMs - 100 * dayMs }),
    createSoftwareCard(forgedCa, { nowMs: nowMs - dayMs }),
    createSoftwareCard(productionCa, { nowMs: nowMs - dayMs }),
    createSoftwareCard(forgedProductionCa, { nowMs: nowMs - dayMs }),
    createSoftwareCard(cardAsCa, { nowMs: nowMs - dayMs }),
  ]);
  fixtures = {
    ca,
    trust: unwrap(createTrustStore({ anchorsPem: [ca.certificatePem], production: false })),
    card,
    cards: { signature, personalSan, noDigitalSignature, ekuServerAuth, ekuClientAuth },
    expiredCa,
    underExpiredCa,
    forgedCa,
    underForgedCa,
    productionTrust: unwrap(createTrustStore({ anchorsPem: [productionCa.certificatePem], production: true })),
    productionCard,
    underForgedProductionCa,
    underNonCa,
  };
});

function unwrap<T>(result: Result<T, string>): T {
  if (!result.ok) throw new Error(`fixture failed: ${result.code}`);
  return result.value;
}

function pemOf(card: SoftwareCard): string {
  return new X509Certificate(card.certificateDer).toString();
}

function tokenOf(card: SoftwareCard, changes: Partial<Record<keyof AuthToken, unknown>> = {}): AuthToken {
  return { ...signWebEidChallenge(card, { origin, nonce }), ...changes } as AuthToken;
}

function verify(
  token: AuthToken,
  context: Partial<{ nonce: string; origin: string; trust: TrustStore; nowMs: number }> = {},
): Result<VerifiedCredential, AuthTokenErrorCode> {
  return verifyAuthToken({ token, nonce, origin, trust: fixtures.trust, nowMs, ...context });
}

function outcomeOf(result: Result<unknown, string>): string {
  return result.ok ? 'ok' : result.code;
}

function certificateWith(card: SoftwareCard, edit: (der: Buffer) => Buffer): string {
  return edit(card.certificateDer).toString('base64');
}

function notAfterMsOf(card: SoftwareCard): number {
  return pkijs.Certificate.fromBER(card.certificateDer).notAfter.value.getTime();
}

function notBeforeMsOf(card: SoftwareCard): number {
  return pkijs.Certificate.fromBER(card.certificateDer).notBefore.value.getTime();
}

async function tokenWithKey(publicKey: KeyObject): Promise<AuthToken> {
  const pem = await issueCardCertificate(fixtures.ca, { publicKey, notBeforeMs: nowMs - dayMs, notAfterMs: nowMs + 365 * dayMs });
  // The signature is a well-formed 256 bytes from another card: the purpose check must fail before it is used.
  return tokenOf(fixtures.card, { unverifiedCertificate: new X509Certificate(pem).raw.toString('base64') });
}

describe('a valid login', () => {
  it('returns the issuer Name, serial, certificate hash and expiry', (t: TestContext) => {
    const { card, ca } = fixtures;
    const result = verify(tokenOf(card));
    t.assert.strictEqual(outcomeOf(result), 'ok');
    if (!result.ok) return;
    const caSubjectDer = new Uint8Array(pkijs.Certificate.fromBER(new X509Certificate(ca.certificatePem).raw).subject.valueBeforeDecode);
    t.assert.deepStrictEqual(result.value, {
      issuerNameDer: caSubjectDer,
      serialHex: '8a0b0c0d', // DER holds 00 8a 0b 0c 0d; the sign byte is not part of the serial
      certificateSha256Hex: createHash('sha256').update(card.certificateDer).digest('hex'),
      notAfterMs: nowMs - dayMs + 5 * 365 * dayMs,
      issuerCertificateDer: new Uint8Array(new X509Certificate(ca.certificatePem).raw),
    });
  });

  it('accepts format web-eid:1 and web-eid:1.1, and a token without appVersion', (t: TestContext) => {
    for (const format of ['web-eid:1', 'web-eid:1.1']) t.assert.strictEqual(outcomeOf(verify(tokenOf(fixtures.card, { format }))), 'ok');
    const { appVersion: _ignored, ...withoutAppVersion } = tokenOf(fixtures.card);
    t.assert.strictEqual(outcomeOf(verify(withoutAppVersion)), 'ok');
  });

  it('accepts the first and the last millisecond of validity', (t: TestContext) => {
    const token = tokenOf(fixtures.card);
    t.assert.strictEqual(outcomeOf(verify(token, { nowMs: notBeforeMsOf(fixtures.card) })), 'ok');
    t.assert.strictEqual(outcomeOf(verify(token, { nowMs: notAfterMsOf(fixtures.card) })), 'ok');
  });

  it('accepts an extendedKeyUsage that includes clientAuth', (t: TestContext) => {
    t.assert.strictEqual(outcomeOf(verify(tokenOf(fixtures.cards.ekuClientAuth))), 'ok');
  });

  it('picks, among anchors with the same name, the one whose key signed the certificate', (t: TestContext) => {
    const anchorsPem = [fixtures.forgedCa.certificatePem, fixtures.ca.certificatePem];
    const both = unwrap(createTrustStore({ anchorsPem, production: false }));
    t.assert.strictEqual(outcomeOf(verify(tokenOf(fixtures.card), { trust: both })), 'ok');
  });

  it('accepts a production-hierarchy card with a production trust store', (t: TestContext) => {
    t.assert.strictEqual(outcomeOf(verify(tokenOf(fixtures.productionCard), { trust: fixtures.productionTrust })), 'ok');
  });
});

describe('token shape', () => {
  const cases: Array<{ name: string; changes: Partial<Record<keyof AuthToken, unknown>>; code: AuthTokenErrorCode }> = [
    { name: 'certificate missing', changes: { unverifiedCertificate: undefined }, code: 'auth_token_malformed' },
    { name: 'certificate not a string', changes: { unverifiedCertificate: 42 }, code: 'auth_token_malformed' },
    { name: 'certificate of 10,001 characters', changes: { unverifiedCertificate: 'A'.repeat(10_001) }, code: 'auth_token_malformed' },
    {
      name: 'certificate of 10,000 characters (size fine, content not)',
      changes: { unverifiedCertificate: 'A'.repeat(10_000) },
      code: 'certificate_malformed',
    },
    { name: 'empty signature', changes: { signature: '' }, code: 'auth_token_malformed' },
    { name: 'appVersion not a string', changes: { appVersion: 1 }, code: 'auth_token_malformed' },
    { name: 'format web-eid:2', changes: { format: 'web-eid:2' }, code: 'auth_token_malformed' },
    { name: 'format web-eid:10', changes: { format: 'web-eid:10' }, code: 'auth_token_malformed' },
    { name: 'format jwt', changes: { format: 'jwt' }, code: 'auth_token_malformed' },
    { name: 'bad format before bad algorithm', changes: { format: 'x', algorithm: 'ES256' }, code: 'auth_token_malformed' },
    { name: 'algorithm ES256', changes: { algorithm: 'ES256' }, code: 'algorithm_unsupported' },
    { name: 'algorithm rs256 (case matters)', changes: { algorithm: 'rs256' }, code: 'algorithm_unsupported' },
    { name: 'bad algorithm before bad signature', changes: { algorithm: 'PS256', signature: '!' }, code: 'algorithm_unsupported' },
    { name: 'signature not base64', changes: { signature: '!'.repeat(344) }, code: 'auth_token_malformed' },
    { name: 'signature base64url', changes: { signature: Buffer.alloc(256, 0xfb).toString('base64url') }, code: 'auth_token_malformed' },
    {
      name: 'signature with a line break',
      changes: { signature: `${Buffer.alloc(256).toString('base64')}\n` },
      code: 'auth_token_malformed',
    },
    { name: 'signature of 255 bytes', changes: { signature: Buffer.alloc(255, 1).toString('base64') }, code: 'auth_token_malformed' },
    { name: 'signature of 257 bytes', changes: { signature: Buffer.alloc(257, 1).toString('base64') }, code: 'auth_token_malformed' },
    {
      name: 'bad signature before bad certificate',
      changes: { signature: 'AA==', unverifiedCertificate: '#' },
      code: 'auth_token_malformed',
    },
  ];
  for (const { name, changes, code } of cases) {
    it(`${name} → ${code}`, (t: TestContext) => {
      t.assert.strictEqual(outcomeOf(verify(tokenOf(fixtures.card, changes))), code);
    });
  }

  it('a token that is not an object → auth_token_malformed', (t: TestContext) => {
    t.assert.strictEqual(outcomeOf(verify(null as unknown as AuthToken)), 'auth_token_malformed');
  });

  it('a signature in non-canonical base64 (non-zero pad bits) → auth_token_malformed', (t: TestContext) => {
    // 256 bytes end in one character carrying 2 data bits and 4 zero pad bits, then "=="; the next character of
    // the alphabet sets a pad bit and decodes to the same bytes.
    const canonical = tokenOf(fixtures.card).signature;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const sloppy = `${canonical.slice(0, -3)}${alphabet[alphabet.indexOf(canonical.at(-3) ?? 'A') + 1]}==`;
    t.assert.deepStrictEqual(Buffer.from(sloppy, 'base64'), Buffer.from(canonical, 'base64'));
    t.assert.strictEqual(outcomeOf(verify(tokenOf(fixtures.card, { signature: sloppy }))), 'auth_token_malformed');
  });
});

describe('certificate encoding', () => {
  const cases: Array<{ name: string; edit: (der: Buffer) => Buffer }> = [
    { name: 'a trailing byte after the outer SEQUENCE', edit: (der) => Buffer.concat([der, Buffer.of(0)]) },
    { name: 'a second certificate after the first', edit: (der) => Buffer.concat([der, der]) },
    { name: 'truncated', edit: (der) => der.subarray(0, der.length - 1) },
    // 30 82 LL LL → 30 83 00 LL LL: the same length, not in its shortest form (BER, not DER).
    { name: 'a non-minimal outer length', edit: (der) => Buffer.concat([Buffer.of(0x30, 0x83, 0x00), der.subarray(2)]) },
    { name: 'an indefinite outer length', edit: (der) => Buffer.concat([Buffer.of(0x30, 0x80), der.subarray(4), Buffer.of(0, 0)]) },
    { name: 'random bytes', edit: () => Buffer.alloc(600, 0x5a) },
    { name: 'a lone zero byte', edit: () => Buffer.of(0) },
  ];
  for (const { name, edit } of cases) {
    it(`${name} → certificate_malformed`, (t: TestContext) => {
      const token = tokenOf(fixtures.card, { unverifiedCertificate: certificateWith(fixtures.card, edit) });
      t.assert.strictEqual(outcomeOf(verify(token)), 'certificate_malformed');
    });
  }

  // Re-encoded from edited fields; the signature no longer matches, so any code but certificate_malformed would
  // mean the edit slipped through parsing.
  const reencoded: Array<{ name: string; edit: (certificate: pkijs.Certificate) => void }> = [
    {
      name: 'a duplicated keyUsage extension',
      edit: (certificate) => {
        const extensions = certificate.extensions ?? [];
        certificate.extensions = [...extensions, ...extensions.filter((extension) => extension.extnID === pkijs.id_KeyUsage)];
      },
    },
    {
      name: 'a negative serial',
      edit: (certificate) => {
        certificate.serialNumber = new asn1js.Integer({ valueHex: Uint8Array.of(0x80, 0x01) });
      },
    },
  ];
  for (const { name, edit } of reencoded) {
    it(`${name} → certificate_malformed`, (t: TestContext) => {
      const certificate = pkijs.Certificate.fromBER(fixtures.card.certificateDer);
      edit(certificate);
      const unverifiedCertificate = Buffer.from(certificate.toSchema(true).toBER()).toString('base64');
      t.assert.strictEqual(outcomeOf(verify(tokenOf(fixtures.card, { unverifiedCertificate }))), 'certificate_malformed');
    });
  }

  it('a certificate that is not base64 → certificate_malformed', (t: TestContext) => {
    t.assert.strictEqual(outcomeOf(verify(tokenOf(fixtures.card, { unverifiedCertificate: '#not-base64#' }))), 'certificate_malformed');
  });
});

describe('trust', () => {
  it('a root with exactly the trusted name but another key → certificate_untrusted', (t: TestContext) => {
    const trusted = new X509Certificate(fixtures.ca.certificatePem);
    const forged = new X509Certificate(fixtures.forgedCa.certificatePem);
    t.assert.strictEqual(forged.subject, trusted.subject);
    t.assert.strictEqual(outcomeOf(verify(tokenOf(fixtures.underForgedCa))), 'certificate_untrusted');
  });

  it('a forged production-looking root (O=JPKI) → certificate_untrusted in production', (t: TestContext) => {
    const result = verify(tokenOf(fixtures.underForgedProductionCa), { trust: fixtures.productionTrust });
    t.assert.strictEqual(outcomeOf(result), 'certificate_untrusted');
  });

  it('a test-hierarchy card → certificate_untrusted with a production store, even one holding its CA', (t: TestContext) => {
    t.assert.strictEqual(outcomeOf(verify(tokenOf(fixtures.card), { trust: fixtures.productionTrust })), 'certificate_untrusted');
    const handBuilt: TrustStore = { anchors: [new X509Certificate(fixtures.ca.certificatePem)], intermediates: [], production: true };
    t.assert.strictEqual(outcomeOf(verify(tokenOf(fixtures.card), { trust: handBuilt })), 'certificate_untrusted');
  });

  it('an issuer in the path that is not a CA → certificate_untrusted', (t: TestContext) => {
    const trust: TrustStore = {
      anchors: [new X509Certificate(fixtures.ca.certificatePem)],
      intermediates: [new X509Certificate(fixtures.card.certificateDer)],
      production: false,
    };
    t.assert.strictEqual(outcomeOf(verify(tokenOf(fixtures.underNonCa), { trust })), 'certificate_untrusted');
  });

  it('an empty trust store → certificate_untrusted', (t: TestContext) => {
    const trust: TrustStore = { anchors: [], intermediates: [], production: false };
    t.assert.strictEqual(outcomeOf(verify(tokenOf(fixtures.card), { trust })), 'certificate_untrusted');
  });
});

describe('validity', () => {
  it('one millisecond before notBefore → certificate_not_yet_valid', (t: TestContext) => {
    const result = verify(tokenOf(fixtures.card), { nowMs: notBeforeMsOf(fixtures.card) - 1 });
    t.assert.strictEqual(outcomeOf(result), 'certificate_not_yet_valid');
  });

  it('one millisecond after notAfter → certificate_expired', (t: TestContext) => {
    const result = verify(tokenOf(fixtures.card), { nowMs: notAfterMsOf(fixtures.card) + 1 });
    t.assert.strictEqual(outcomeOf(result), 'certificate_expired');
  });

  it('a valid leaf under an expired CA → certificate_expired', (t: TestContext) => {
    const trust = unwrap(createTrustStore({ anchorsPem: [fixtures.expiredCa.certificatePem], production: false }));
    const token = tokenOf(fixtures.underExpiredCa);
    t.assert.strictEqual(outcomeOf(verify(token, { trust, nowMs: nowMs - 60 * dayMs })), 'ok');
    t.assert.strictEqual(outcomeOf(verify(token, { trust })), 'certificate_expired');
  });

  it('an untrusted expired certificate → certificate_untrusted (trust is checked first)', (t: TestContext) => {
    const result = verify(tokenOf(fixtures.underForgedCa), { nowMs: notAfterMsOf(fixtures.underForgedCa) + 1 });
    t.assert.strictEqual(outcomeOf(result), 'certificate_untrusted');
  });
});

describe('purpose', () => {
  const cases: Array<{ name: string; card: keyof Fixtures['cards'] }> = [
    { name: 'a signature certificate (digitalSignature + nonRepudiation)', card: 'signature' },
    { name: 'a personal-attributes subjectAltName (1.2.392.200149.8.5.5.1)', card: 'personalSan' },
    { name: 'keyUsage without digitalSignature', card: 'noDigitalSignature' },
    { name: 'an extendedKeyUsage without clientAuth', card: 'ekuServerAuth' },
  ];
  for (const { name, card } of cases) {
    it(`${name} → certificate_wrong_purpose`, (t: TestContext) => {
      t.assert.strictEqual(outcomeOf(verify(tokenOf(fixtures.cards[card]))), 'certificate_wrong_purpose');
    });
  }

  it('a 1024-bit RSA key → certificate_wrong_purpose', async (t: TestContext) => {
    const { publicKey } = await generateKeyPairAsync('rsa', { modulusLength: 1024 });
    t.assert.strictEqual(outcomeOf(verify(await tokenWithKey(publicKey))), 'certificate_wrong_purpose');
  });

  it('a 2048-bit RSA key with exponent 3 → certificate_wrong_purpose', async (t: TestContext) => {
    const { publicKey } = await generateKeyPairAsync('rsa', { modulusLength: 2048, publicExponent: 3 });
    t.assert.strictEqual(outcomeOf(verify(await tokenWithKey(publicKey))), 'certificate_wrong_purpose');
  });

  it('an EC key → certificate_wrong_purpose', async (t: TestContext) => {
    const { publicKey } = await generateKeyPairAsync('ec', { namedCurve: 'P-256' });
    t.assert.strictEqual(outcomeOf(verify(await tokenWithKey(publicKey))), 'certificate_wrong_purpose');
  });
});

describe('signature', () => {
  it('another origin → signature_invalid', (t: TestContext) => {
    t.assert.strictEqual(outcomeOf(verify(tokenOf(fixtures.card), { origin: 'https://mykey.example.evil' })), 'signature_invalid');
  });

  it('another nonce → signature_invalid', (t: TestContext) => {
    const otherNonce = Buffer.alloc(32, 8).toString('base64');
    t.assert.strictEqual(outcomeOf(verify(tokenOf(fixtures.card), { nonce: otherNonce })), 'signature_invalid');
  });

  it('origin and nonce moved across the boundary → signature_invalid', (t: TestContext) => {
    const token = signWebEidChallenge(fixtures.card, { origin: `${origin}/x`, nonce: nonce.slice(1) });
    const result = verifyAuthToken({ token, origin: `${origin}/`, nonce: `x${nonce.slice(1)}`, trust: fixtures.trust, nowMs });
    t.assert.strictEqual(outcomeOf(result), 'signature_invalid');
  });

  it('a signature by another card over the right challenge → signature_invalid', (t: TestContext) => {
    const signature = tokenOf(fixtures.cards.ekuClientAuth).signature;
    t.assert.strictEqual(outcomeOf(verify(tokenOf(fixtures.card, { signature }))), 'signature_invalid');
  });
});
