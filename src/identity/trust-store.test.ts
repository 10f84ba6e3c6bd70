// Ensures createTrustStore only accepts parseable CA certificates and that a production store refuses any test
// hierarchy (O=JPKI-TEST), and that isTestHierarchy recognises test CAs and the cards they issue. How: a test CA,
// a production-looking CA (O=JPKI) and a card of each, generated once in `before`, fed as PEM text.
import { X509Certificate } from 'node:crypto';
import { before, describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import { createSoftwareCard } from '../card/software-card.js';
import type { Result } from '../domain/result.js';
import { createTestCa } from './test-ca.js';
import type { TestCa } from './test-ca.js';
import { createTrustStore, isTestHierarchy } from './trust-store.js';
import type { TrustStore } from './trust-store.js';

const nowMs = Date.UTC(2026, 0, 15, 9, 0, 0);

interface Fixtures {
  testCa: TestCa;
  productionCa: TestCa;
  testCardPem: string;
  productionCardPem: string;
}

let fixtures: Fixtures;

before(async () => {
  const [testCa, productionCa] = await Promise.all([createTestCa({ nowMs }), createTestCa({ nowMs, organization: 'JPKI' })]);
  const [testCard, productionCard] = await Promise.all([
    createSoftwareCard(testCa, { nowMs }),
    createSoftwareCard(productionCa, { nowMs }),
  ]);
  fixtures = {
    testCa,
    productionCa,
    testCardPem: new X509Certificate(testCard.certificateDer).toString(),
    productionCardPem: new X509Certificate(productionCard.certificateDer).toString(),
  };
});

function outcomeOf(result: Result<TrustStore, string>): string {
  return result.ok ? 'ok' : result.code;
}

describe('createTrustStore', () => {
  it('reads every certificate of a PEM string, ignoring explanatory text', (t: TestContext) => {
    const { testCa, productionCa } = fixtures;
    const pem = `Test CA\n${testCa.certificatePem}\nproduction-looking CA\n${productionCa.certificatePem}`;
    const result = createTrustStore({ anchorsPem: [pem], production: false });
    t.assert.strictEqual(outcomeOf(result), 'ok');
    if (!result.ok) return;
    t.assert.deepStrictEqual(
      result.value.anchors.map((certificate) => certificate.fingerprint256),
      [testCa, productionCa].map((ca) => new X509Certificate(ca.certificatePem).fingerprint256),
    );
    t.assert.deepStrictEqual(result.value.intermediates, []);
    t.assert.strictEqual(result.value.production, false);
  });

  const invalid: Array<{ name: string; input: () => Parameters<typeof createTrustStore>[0] }> = [
    { name: 'no anchor', input: () => ({ anchorsPem: [], production: false }) },
    { name: 'a PEM string without a certificate', input: () => ({ anchorsPem: ['not a certificate'], production: false }) },
    {
      name: 'a certificate block with broken base64',
      input: () => ({ anchorsPem: ['-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n'], production: false }),
    },
    { name: 'a card (non-CA) certificate as anchor', input: () => ({ anchorsPem: [fixtures.testCardPem], production: false }) },
    {
      name: 'a card (non-CA) certificate as intermediate',
      input: () => ({ anchorsPem: [fixtures.testCa.certificatePem], intermediatesPem: [fixtures.testCardPem], production: false }),
    },
    // An unparseable anchor is a configuration error, reported before the production rule.
    { name: 'a broken anchor in production', input: () => ({ anchorsPem: ['', fixtures.testCa.certificatePem], production: true }) },
  ];
  for (const { name, input } of invalid) {
    it(`${name} → trust_anchor_invalid`, (t: TestContext) => {
      t.assert.strictEqual(outcomeOf(createTrustStore(input())), 'trust_anchor_invalid');
    });
  }

  it('a production store refuses a test anchor or intermediate → test_anchor_in_production', (t: TestContext) => {
    const { testCa, productionCa } = fixtures;
    const withTestAnchor = createTrustStore({ anchorsPem: [testCa.certificatePem], production: true });
    t.assert.strictEqual(outcomeOf(withTestAnchor), 'test_anchor_in_production');
    const withTestIntermediate = createTrustStore({
      anchorsPem: [productionCa.certificatePem],
      intermediatesPem: [testCa.certificatePem],
      production: true,
    });
    t.assert.strictEqual(outcomeOf(withTestIntermediate), 'test_anchor_in_production');
  });

  it('a production store accepts a production-hierarchy anchor; a development store accepts a test one', (t: TestContext) => {
    const { testCa, productionCa } = fixtures;
    t.assert.strictEqual(outcomeOf(createTrustStore({ anchorsPem: [productionCa.certificatePem], production: true })), 'ok');
    t.assert.strictEqual(outcomeOf(createTrustStore({ anchorsPem: [testCa.certificatePem], production: false })), 'ok');
  });
});

describe('isTestHierarchy', () => {
  it('is true for a test CA and the cards it issued (by issuer), false for the production hierarchy', (t: TestContext) => {
    const { testCa, productionCa, testCardPem, productionCardPem } = fixtures;
    const verdicts = [testCa.certificatePem, testCardPem, productionCa.certificatePem, productionCardPem].map((pem) =>
      isTestHierarchy(new X509Certificate(pem)),
    );
    t.assert.deepStrictEqual(verdicts, [true, true, false, false]);
  });
});
