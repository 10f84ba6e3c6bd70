// Ensures the software card signs like a JPKI card (raw PKCS#1 v1.5 type-1 over a SHA-256 DigestInfo, which is
// exactly RS256), that its Web eID tokens pass verifyAuthToken, that its certificate has the JPKI authentication
// profile, and that it survives a save/load round trip without ever overwriting a file. How: one test CA and
// card generated in `before`; signatures compared with node:crypto's own RS256 and decoded with the public key.
import { constants, createHash, publicDecrypt, sign, X509Certificate } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { verifyAuthToken } from '../identity/auth-token.js';
import { createTestCa } from '../identity/test-ca.js';
import type { TestCa } from '../identity/test-ca.js';
import { createTrustStore } from '../identity/trust-store.js';
import type { TrustStore } from '../identity/trust-store.js';
import {
  createSoftwareCard,
  loadSoftwareCard,
  saveSoftwareCard,
  sha256DigestInfo,
  signDigestInfo,
  signWebEidChallenge,
} from './software-card.js';
import type { SoftwareCard } from './software-card.js';

const dayMs = 86_400_000;
const nowMs = Date.UTC(2026, 0, 15, 9, 0, 0);
const origin = 'https://mykey.example';
const nonce = Buffer.alloc(32, 3).toString('base64');

let ca: TestCa;
let trust: TrustStore;
let card: SoftwareCard;
let dir: string;

before(async () => {
  ca = await createTestCa({ nowMs });
  const store = createTrustStore({ anchorsPem: [ca.certificatePem], production: false });
  if (!store.ok) throw new Error(store.code);
  trust = store.value;
  card = await createSoftwareCard(ca, { nowMs, validityDays: 30, certificate: { serialHex: '0705D990', subjectCn: 'CARD0001' } });
  dir = await mkdtemp(join(tmpdir(), 'mykey-software-card-'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function sha256(bytes: Buffer): Buffer {
  return createHash('sha256').update(bytes).digest();
}

describe('signing', () => {
  it('sha256DigestInfo is the 19-byte DER prefix and the hash (51 bytes)', (t: TestContext) => {
    const hash = sha256(Buffer.from('x'));
    const digestInfo = sha256DigestInfo(hash);
    t.assert.strictEqual(digestInfo.toString('hex'), `3031300d060960864801650304020105000420${hash.toString('hex')}`);
    t.assert.strictEqual(digestInfo.length, 51);
  });

  it('signDigestInfo over a SHA-256 DigestInfo equals an RS256 signature of the data', (t: TestContext) => {
    const data = Buffer.from('the bytes a relying party checks');
    const cardSignature = signDigestInfo(card, sha256DigestInfo(sha256(data)));
    t.assert.strictEqual(cardSignature.length, 256);
    t.assert.deepStrictEqual(cardSignature, sign('sha256', data, card.privateKey));
  });

  it('signDigestInfo signs whatever it is given, with type-1 padding (the public key recovers the input)', (t: TestContext) => {
    const arbitrary = Buffer.from('not a DigestInfo at all');
    const signature = signDigestInfo(card, arbitrary);
    const publicKey = new X509Certificate(card.certificateDer).publicKey;
    t.assert.deepStrictEqual(publicDecrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, signature), arbitrary);
  });

  it('signWebEidChallenge makes a Web eID 1.0 token that verifies for that origin and nonce', (t: TestContext) => {
    const token = signWebEidChallenge(card, { origin, nonce });
    t.assert.deepStrictEqual(
      { format: token.format, algorithm: token.algorithm, appVersion: token.appVersion, certificate: token.unverifiedCertificate },
      {
        format: 'web-eid:1.0',
        algorithm: 'RS256',
        appVersion: 'mykey-software-card/0.1',
        certificate: card.certificateDer.toString('base64'),
      },
    );
    const result = verifyAuthToken({ token, origin, nonce, trust, nowMs });
    t.assert.strictEqual(result.ok ? result.value.serialHex : result.code, '0705d990');
  });
});

describe('the card certificate', () => {
  it('has the JPKI authentication profile', (t: TestContext) => {
    const certificate = pkijs.Certificate.fromBER(card.certificateDer);
    const extension = (id: string): pkijs.Extension | undefined => certificate.extensions?.find((e) => e.extnID === id);
    const keyUsage = asn1js.fromBER(extension(pkijs.id_KeyUsage)?.extnValue.valueBlock.valueHexView ?? new Uint8Array()).result;
    t.assert.deepStrictEqual(
      {
        subject: new X509Certificate(card.certificateDer).subject,
        notBeforeMs: certificate.notBefore.value.getTime(),
        notAfterMs: certificate.notAfter.value.getTime(),
        keyUsageCritical: extension(pkijs.id_KeyUsage)?.critical,
        keyUsageDerHex: Buffer.from(keyUsage.toBER()).toString('hex'), // digitalSignature only
        hasAuthorityKeyIdentifier: extension(pkijs.id_AuthorityKeyIdentifier) !== undefined,
        hasSubjectAltName: extension(pkijs.id_SubjectAltName) !== undefined,
      },
      {
        subject: 'C=JP\nCN=CARD0001',
        notBeforeMs: nowMs,
        notAfterMs: nowMs + 30 * dayMs,
        keyUsageCritical: true,
        keyUsageDerHex: '03020780',
        hasAuthorityKeyIdentifier: true,
        hasSubjectAltName: false,
      },
    );
  });

  it('carries the issuerAltName DirName C=JP, O=公的個人認証サービス', (t: TestContext) => {
    const certificate = pkijs.Certificate.fromBER(card.certificateDer);
    const issuerAltName = certificate.extensions?.find((e) => e.extnID === pkijs.id_IssuerAltName);
    const altName = pkijs.AltName.fromBER(issuerAltName?.extnValue.valueBlock.valueHexView ?? new Uint8Array());
    const directoryName = altName.altNames[0]?.value as pkijs.RelativeDistinguishedNames;
    t.assert.deepStrictEqual(
      directoryName.typesAndValues.map((attribute) => [attribute.type, attribute.value.valueBlock.value]),
      [
        ['2.5.4.6', 'JP'],
        ['2.5.4.10', '公的個人認証サービス'],
      ],
    );
  });

  it('gets an opaque random subject CN (20 alphanumerics) and a random positive serial by default', async (t: TestContext) => {
    const fresh = new X509Certificate((await createSoftwareCard(ca, { nowMs })).certificateDer);
    t.assert.match(fresh.subject, /^C=JP\nCN=[0-9A-Z]{20}$/);
    t.assert.match(fresh.serialNumber, /^[4-7][0-9A-F]{31}$/);
  });
});

describe('save and load', () => {
  it('round-trips the card in a 0600 JSON file', async (t: TestContext) => {
    const path = join(dir, 'card.json');
    await saveSoftwareCard(path, card);
    const loaded = await loadSoftwareCard(path);
    t.assert.deepStrictEqual(loaded.certificateDer, card.certificateDer);
    const digestInfo = sha256DigestInfo(sha256(Buffer.from('a')));
    t.assert.deepStrictEqual(signDigestInfo(loaded, digestInfo), signDigestInfo(card, digestInfo));
    t.assert.strictEqual((await stat(path)).mode & 0o777, 0o600);
  });

  it('never overwrites an existing file', async (t: TestContext) => {
    const path = join(dir, 'twice.json');
    await saveSoftwareCard(path, card);
    await t.assert.rejects(saveSoftwareCard(path, card), { code: 'EEXIST' });
  });

  it('refuses a file that is not a software card', async (t: TestContext) => {
    const other = await createSoftwareCard(ca, { nowMs });
    const path = join(dir, 'mismatched.json');
    await saveSoftwareCard(path, { certificateDer: card.certificateDer, privateKey: other.privateKey });
    await t.assert.rejects(loadSoftwareCard(path), Error);
  });
});
