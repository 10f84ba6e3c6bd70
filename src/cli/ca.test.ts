// Ensures `mykey ca` creates a test CA (single or root → user-authentication CA) and issues software cards that
// log in against it, keeps an index, revokes with RFC 5280 reasons, writes CRLs, serves OCSP, renews cards with a
// renewal record POST /v1/operator/renewals accepts; refuses to overwrite (exit 2), reports a missing CA (exit 3),
// an unknown serial (4), a second revocation (5) and bad usage (exit 64), and keeps data on stdout and messages on
// stderr. How: caCommand runs in-process on captured streams in a temporary directory; the OCSP server runs on a
// loopback port until its AbortSignal fires; the record is checked against the route's own body schema.
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import * as asn1js from 'asn1js';
import Fastify from 'fastify';
import * as pkijs from 'pkijs';
import { Check } from 'typebox/value';
import type { TSchema } from 'typebox';
import type { AppContext } from '../app/context.js';
import { loadSoftwareCard, signWebEidChallenge } from '../card/software-card.js';
import { registerRenewalRoutes } from '../http/routes/renewals.js';
import { verifyAuthToken } from '../identity/auth-token.js';
import { createOcspChecker, httpRevocationFetch } from '../identity/revocation.js';
import { revocationReasonOf } from '../identity/revocation-reasons.js';
import { createTrustStore, isTestHierarchy } from '../identity/trust-store.js';
import { caCommand } from './ca.js';

interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
}

let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mykey-cli-ca-'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function collector(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

async function run(...argv: string[]): Promise<Run> {
  const stdout = collector();
  const stderr = collector();
  const exitCode = await caCommand(argv, { stdout: stdout.stream, stderr: stderr.stream });
  return { exitCode, stdout: stdout.text(), stderr: stderr.text() };
}

async function runOk(...argv: string[]): Promise<string> {
  const result = await run(...argv);
  if (result.exitCode !== 0) throw new Error(`mykey ca ${argv.join(' ')}: exit ${result.exitCode}: ${result.stderr}`);
  return result.stdout;
}

function certificateOf(pem: string): pkijs.Certificate {
  return pkijs.Certificate.fromBER(new X509Certificate(pem).raw);
}

// What a revocation check of the card needs: the issuer Name's DER, the serial and the issuing CA certificate.
async function revocationInputOf(cardPath: string, caDir: string) {
  const card = await loadSoftwareCard(cardPath);
  const caPem = await readFile(join(caDir, 'ca.pem'), 'utf8');
  return {
    issuerNameDer: new Uint8Array(pkijs.Certificate.fromBER(card.certificateDer).issuer.valueBeforeDecode),
    serialHex: new X509Certificate(card.certificateDer).serialNumber.toLowerCase(),
    issuerCertificateDer: new X509Certificate(caPem).raw,
    nowMs: Date.now(),
  };
}

describe('mykey ca init', () => {
  it('creates a test CA, prints the ca.pem path and keeps the key 0600', async (t: TestContext) => {
    const caDir = join(dir, 'init');
    const result = await run('init', '--dir', caDir);
    t.assert.deepStrictEqual({ exitCode: result.exitCode, stdout: result.stdout }, { exitCode: 0, stdout: `${join(caDir, 'ca.pem')}\n` });
    t.assert.strictEqual(result.stderr.split('\n').length, 2); // one line and its newline
    const certificate = new X509Certificate(await readFile(join(caDir, 'ca.pem'), 'utf8'));
    t.assert.deepStrictEqual({ ca: certificate.ca, test: isTestHierarchy(certificate) }, { ca: true, test: true });
    t.assert.strictEqual((await stat(join(caDir, 'ca.key.pem'))).mode & 0o777, 0o600);
  });

  it('refuses to overwrite an existing CA with exit 2 and one line on stderr', async (t: TestContext) => {
    const caDir = join(dir, 'init-twice');
    t.assert.strictEqual((await run('init', '--dir', caDir, '--json')).exitCode, 0);
    const keyBefore = await readFile(join(caDir, 'ca.key.pem'), 'utf8');
    const result = await run('init', '--dir', caDir);
    t.assert.deepStrictEqual(
      { exitCode: result.exitCode, stdout: result.stdout, lines: result.stderr.split('\n').length },
      { exitCode: 2, stdout: '', lines: 2 },
    );
    t.assert.strictEqual(await readFile(join(caDir, 'ca.key.pem'), 'utf8'), keyBefore);
  });
});

describe('mykey ca issue-card', () => {
  let caDir: string;

  before(async () => {
    caDir = join(dir, 'issuing');
    const init = await run('init', '--dir', caDir);
    if (init.exitCode !== 0) throw new Error(init.stderr);
  });

  it('writes a card that logs in against the CA and prints its serial', async (t: TestContext) => {
    const out = join(dir, 'card.json');
    const result = await run('issue-card', '--dir', caDir, '--out', out, '--days', '30');
    t.assert.strictEqual(result.exitCode, 0);
    t.assert.strictEqual((await stat(out)).mode & 0o777, 0o600);
    const card = await loadSoftwareCard(out);
    const trust = createTrustStore({ anchorsPem: [await readFile(join(caDir, 'ca.pem'), 'utf8')], production: false });
    if (!trust.ok) throw new Error(trust.code);
    const origin = 'https://mykey.example';
    const nonce = Buffer.alloc(32, 1).toString('base64');
    const token = signWebEidChallenge(card, { origin, nonce });
    const login = verifyAuthToken({ token, origin, nonce, trust: trust.value, nowMs: Date.now() });
    t.assert.strictEqual(result.stdout, `${login.ok ? login.value.serialHex : login.code}\n`);
  });

  it('--json prints the card path, serial and expiry as JSON', async (t: TestContext) => {
    const out = join(dir, 'card-json.json');
    const result = await run('issue-card', '--dir', caDir, '--out', out, '--json');
    const printed: unknown = JSON.parse(result.stdout);
    const certificate = new X509Certificate((await loadSoftwareCard(out)).certificateDer);
    t.assert.deepStrictEqual(printed, {
      cardPath: out,
      serialHex: certificate.serialNumber.toLowerCase(),
      notAfter: new Date(certificate.validTo).toISOString(),
    });
  });

  it('refuses to overwrite the output file with exit 2', async (t: TestContext) => {
    const out = join(dir, 'existing.json');
    await writeFile(out, 'keep me');
    const result = await run('issue-card', '--dir', caDir, '--out', out);
    t.assert.deepStrictEqual({ exitCode: result.exitCode, stdout: result.stdout }, { exitCode: 2, stdout: '' });
    t.assert.strictEqual(await readFile(out, 'utf8'), 'keep me');
  });

  it('exits 3 without a CA in the directory', async (t: TestContext) => {
    const result = await run('issue-card', '--dir', join(dir, 'nowhere'), '--out', join(dir, 'orphan.json'));
    t.assert.deepStrictEqual({ exitCode: result.exitCode, stdout: result.stdout }, { exitCode: 3, stdout: '' });
  });

});

describe('mykey ca init --hierarchy', () => {
  it('creates a root and a user-authentication CA under it, prints root.pem, and its cards log in', async (t: TestContext) => {
    const caDir = join(dir, 'hierarchy');
    t.assert.strictEqual(await runOk('init', '--dir', caDir, '--hierarchy'), `${join(caDir, 'root.pem')}\n`);
    const rootPem = await readFile(join(caDir, 'root.pem'), 'utf8');
    const issuingPem = await readFile(join(caDir, 'ca.pem'), 'utf8');
    const root = new X509Certificate(rootPem);
    const issuing = new X509Certificate(issuingPem);
    t.assert.deepStrictEqual(
      { rootCa: root.ca, rootTest: isTestHierarchy(root), selfSigned: root.verify(root.publicKey), issuingCa: issuing.ca, underRoot: issuing.verify(root.publicKey) },
      { rootCa: true, rootTest: true, selfSigned: true, issuingCa: true, underRoot: true },
    );
    t.assert.strictEqual(issuing.issuer, root.subject);
    t.assert.strictEqual((await stat(join(caDir, 'root.key.pem'))).mode & 0o777, 0o600);
    const out = join(dir, 'hierarchy-card.json');
    await runOk('issue-card', '--dir', caDir, '--out', out);
    const card = await loadSoftwareCard(out);
    t.assert.ok(new X509Certificate(card.certificateDer).verify(issuing.publicKey));
    const trust = createTrustStore({ anchorsPem: [rootPem], intermediatesPem: [issuingPem], production: false });
    if (!trust.ok) throw new Error(trust.code);
    const origin = 'https://mykey.example';
    const nonce = Buffer.alloc(32, 2).toString('base64');
    const login = verifyAuthToken({ token: signWebEidChallenge(card, { origin, nonce }), origin, nonce, trust: trust.value, nowMs: Date.now() });
    t.assert.strictEqual(login.ok, true);
  });

  it('refuses to overwrite an existing hierarchy with exit 2', async (t: TestContext) => {
    const caDir = join(dir, 'hierarchy-twice');
    await runOk('init', '--dir', caDir, '--hierarchy', '--json');
    const rootBefore = await readFile(join(caDir, 'root.key.pem'), 'utf8');
    const result = await run('init', '--dir', caDir, '--hierarchy');
    t.assert.deepStrictEqual({ exitCode: result.exitCode, stdout: result.stdout }, { exitCode: 2, stdout: '' });
    t.assert.strictEqual(await readFile(join(caDir, 'root.key.pem'), 'utf8'), rootBefore);
  });
});

describe('mykey ca revoke, crl, ocsp, renew', () => {
  let caDir: string;

  before(async () => {
    caDir = join(dir, 'revoking');
    await runOk('init', '--dir', caDir, '--hierarchy');
  });

  it('issue → revoke → crl lists the serial with its reason, signed by the issuing CA', async (t: TestContext) => {
    const kept = (await runOk('issue-card', '--dir', caDir, '--out', join(dir, 'kept.json'))).trim();
    const lost = (await runOk('issue-card', '--dir', caDir, '--out', join(dir, 'lost.json'))).trim();
    const revoked: unknown = JSON.parse(await runOk('revoke', '--dir', caDir, '--serial', lost.toUpperCase(), '--reason', 'keyCompromise', '--json'));
    t.assert.deepStrictEqual({ ...(revoked as object), revokedAt: undefined }, { serialHex: lost, reason: 'keyCompromise', revokedAt: undefined });
    const index = JSON.parse(await readFile(join(caDir, 'index.json'), 'utf8')) as { certificates: Array<Record<string, unknown>> };
    const statuses = Object.fromEntries(index.certificates.map((entry) => [entry['serialHex'], [entry['status'], entry['reason']]]));
    t.assert.deepStrictEqual({ kept: statuses[kept], lost: statuses[lost] }, { kept: ['good', undefined], lost: ['revoked', 'keyCompromise'] });
    t.assert.match(String(index.certificates[0]?.['subjectCn']), /^[0-9A-Z]{20}$/);

    const crlPath = join(dir, 'test.crl');
    t.assert.strictEqual(await runOk('crl', '--dir', caDir, '--out', crlPath, '--next-update-hours', '2'), `${crlPath}\n`);
    const crl = pkijs.CertificateRevocationList.fromBER(await readFile(crlPath));
    const entries = (crl.revokedCertificates ?? []).map((entry) => {
      const reasonExtension = entry.crlEntryExtensions?.extensions.find((e) => e.extnID === '2.5.29.21');
      const reasonCode = (asn1js.fromBER(reasonExtension?.extnValue.valueBlock.valueHexView ?? new Uint8Array()).result as asn1js.Enumerated).valueBlock.valueDec;
      return { serialHex: Buffer.from(entry.userCertificate.valueBlock.valueHexView).toString('hex'), reason: revocationReasonOf(reasonCode) };
    });
    t.assert.deepStrictEqual(entries, [{ serialHex: lost, reason: 'keyCompromise' }]);
    const issuing = certificateOf(await readFile(join(caDir, 'ca.pem'), 'utf8'));
    t.assert.strictEqual(await crl.verify({ issuerCertificate: issuing }), true);
    const nextUpdateMs = crl.nextUpdate?.value.getTime() ?? 0;
    t.assert.ok(Math.abs(nextUpdateMs - crl.thisUpdate.value.getTime() - 2 * 3_600_000) <= 1_000);

    const again = await run('crl', '--dir', caDir, '--out', crlPath);
    t.assert.deepStrictEqual({ exitCode: again.exitCode, stdout: again.stdout }, { exitCode: 2, stdout: '' });
    const twice = await run('revoke', '--dir', caDir, '--serial', lost, '--reason', 'superseded');
    t.assert.deepStrictEqual({ exitCode: twice.exitCode, stdout: twice.stdout }, { exitCode: 5, stdout: '' });
  });

  it('exits 4 for a serial the CA never issued', async (t: TestContext) => {
    const result = await run('revoke', '--dir', caDir, '--serial', '0badc0de', '--reason', 'unspecified');
    t.assert.deepStrictEqual({ exitCode: result.exitCode, stdout: result.stdout }, { exitCode: 4, stdout: '' });
  });

  it('exits 3 for revoke, crl, ocsp and renew without a CA', async (t: TestContext) => {
    const nowhere = join(dir, 'nowhere');
    const codes = [
      (await run('revoke', '--dir', nowhere, '--serial', '01', '--reason', 'unspecified')).exitCode,
      (await run('crl', '--dir', nowhere, '--out', join(dir, 'nowhere.crl'))).exitCode,
      (await run('ocsp', '--dir', nowhere)).exitCode,
      (await run('renew', '--dir', nowhere, '--card', join(dir, 'x.json'), '--out', join(dir, 'y.json'))).exitCode,
    ];
    t.assert.deepStrictEqual(codes, [3, 3, 3, 3]);
  });

  it('ocsp serves good, then revoked after `revoke`, and the CRL, until its signal', async (t: TestContext) => {
    const cardPath = join(dir, 'ocsp-card.json');
    const serialHex = (await runOk('issue-card', '--dir', caDir, '--out', cardPath)).trim();
    let stdoutText = '';
    let announced: () => void = () => undefined;
    const urlPrinted = new Promise<void>((resolve) => (announced = resolve));
    const stdout = new Writable({
      write(chunk: Buffer | string, _encoding, done) {
        stdoutText += chunk.toString();
        if (stdoutText.includes('\n')) announced();
        done();
      },
    });
    const controller = new AbortController();
    const serving = caCommand(['ocsp', '--dir', caDir], { stdout, stderr: collector().stream, signal: controller.signal });
    await Promise.race([urlPrinted, serving]);
    try {
      const url = stdoutText.trim();
      t.assert.match(url, /^http:\/\/127\.0\.0\.1:[0-9]+\/$/);
      const input = await revocationInputOf(cardPath, caDir);
      // A checker caches good answers, so each question gets a fresh one.
      const before = await createOcspChecker({ url, fetch: httpRevocationFetch }).check(input);
      t.assert.deepStrictEqual(before.ok ? 'good' : before.code, 'good');
      await runOk('revoke', '--dir', caDir, '--serial', serialHex, '--reason', 'cessationOfOperation');
      const after = await createOcspChecker({ url, fetch: httpRevocationFetch }).check({ ...input, nowMs: Date.now() });
      t.assert.deepStrictEqual(after.ok ? 'good' : after.code, 'certificate_revoked');
      const crlResponse = await fetch(`${url}crl`);
      const crl = pkijs.CertificateRevocationList.fromBER(new Uint8Array(await crlResponse.arrayBuffer()));
      const listed = (crl.revokedCertificates ?? []).map((entry) => Buffer.from(entry.userCertificate.valueBlock.valueHexView).toString('hex'));
      t.assert.ok(listed.includes(serialHex));
    } finally {
      controller.abort();
    }
    t.assert.strictEqual(await serving, 0);
  });

  it('renew writes a new card (new serial, opaque CN), revokes the old as superseded and prints the route body', async (t: TestContext) => {
    const oldPath = join(dir, 'renew-old.json');
    const newPath = join(dir, 'renew-new.json');
    const oldSerialHex = (await runOk('issue-card', '--dir', caDir, '--out', oldPath)).trim();
    const printed: unknown = JSON.parse(await runOk('renew', '--dir', caDir, '--card', oldPath, '--out', newPath));

    t.assert.strictEqual((await stat(newPath)).mode & 0o777, 0o600);
    const oldCertificate = new X509Certificate((await loadSoftwareCard(oldPath)).certificateDer);
    const newCertificate = new X509Certificate((await loadSoftwareCard(newPath)).certificateDer);
    const newSerialHex = newCertificate.serialNumber.toLowerCase();
    t.assert.notStrictEqual(newSerialHex, oldSerialHex);
    t.assert.notStrictEqual(newCertificate.publicKey.export({ type: 'spki', format: 'der' }).toString('hex'), oldCertificate.publicKey.export({ type: 'spki', format: 'der' }).toString('hex'));
    t.assert.match(newCertificate.subject, /^C=JP\nCN=[0-9A-Z]{20}$/);
    t.assert.strictEqual(newCertificate.issuer, oldCertificate.issuer);

    const index = JSON.parse(await readFile(join(caDir, 'index.json'), 'utf8')) as { certificates: Array<Record<string, unknown>> };
    const entryOf = (serial: string) => index.certificates.find((entry) => entry['serialHex'] === serial);
    t.assert.deepStrictEqual([entryOf(oldSerialHex)?.['status'], entryOf(oldSerialHex)?.['reason'], entryOf(newSerialHex)?.['status']], ['revoked', 'superseded', 'good']);

    const issuerNameDer = Buffer.from(certificateOf(oldCertificate.toString()).issuer.valueBeforeDecode).toString('base64');
    t.assert.deepStrictEqual(printed, {
      records: [{ old: { issuerNameDer, serialHex: oldSerialHex }, new: { issuerNameDer, serialHex: newSerialHex }, oldRevocationReason: 'superseded' }],
    });
    // The route's own body schema, captured as it registers: the record is what an operator can post as is.
    const app = Fastify();
    let bodySchema: TSchema | undefined;
    app.addHook('onRoute', (route) => {
      if (route.url === '/v1/operator/renewals') bodySchema = route.schema?.body as TSchema | undefined;
    });
    registerRenewalRoutes(app, {} as AppContext, 'operator-token');
    await app.ready();
    await app.close();
    if (bodySchema === undefined) throw new Error('no body schema on POST /v1/operator/renewals');
    t.assert.strictEqual(Check(bodySchema, printed), true);

    const again = await run('renew', '--dir', caDir, '--card', oldPath, '--out', join(dir, 'renew-again.json'));
    t.assert.deepStrictEqual({ exitCode: again.exitCode, stdout: again.stdout }, { exitCode: 5, stdout: '' });
  });

  it('renew --record writes the record to the file, prints the new serial, and refuses to overwrite', async (t: TestContext) => {
    const oldPath = join(dir, 'renew-record-old.json');
    const recordPath = join(dir, 'renewal-record.json');
    await runOk('issue-card', '--dir', caDir, '--out', oldPath);
    await writeFile(recordPath, 'keep me');
    const refused = await run('renew', '--dir', caDir, '--card', oldPath, '--out', join(dir, 'renew-record-new.json'), '--record', recordPath);
    t.assert.deepStrictEqual({ exitCode: refused.exitCode, stdout: refused.stdout }, { exitCode: 2, stdout: '' });
    t.assert.strictEqual(await readFile(recordPath, 'utf8'), 'keep me');
    await rm(recordPath);
    const newPath = join(dir, 'renew-record-new.json');
    const stdout = await runOk('renew', '--dir', caDir, '--card', oldPath, '--out', newPath, '--record', recordPath);
    const record = JSON.parse(await readFile(recordPath, 'utf8')) as { records: Array<{ new: { serialHex: string } }> };
    const newSerialHex = new X509Certificate((await loadSoftwareCard(newPath)).certificateDer).serialNumber.toLowerCase();
    t.assert.deepStrictEqual([stdout, record.records[0]?.new.serialHex], [`${newSerialHex}\n`, newSerialHex]);
  });

  it('renew exits 4 for a card the CA never recorded', async (t: TestContext) => {
    const otherCa = join(dir, 'other-ca');
    await runOk('init', '--dir', otherCa);
    const stranger = join(dir, 'stranger.json');
    await runOk('issue-card', '--dir', otherCa, '--out', stranger);
    const result = await run('renew', '--dir', caDir, '--card', stranger, '--out', join(dir, 'stranger-new.json'));
    t.assert.deepStrictEqual({ exitCode: result.exitCode, stdout: result.stdout }, { exitCode: 4, stdout: '' });
  });
});

describe('mykey ca usage', () => {
  const usageErrors: string[][] = [
    [],
    ['frobnicate', '--dir', 'x'],
    ['init'],
    ['init', '--dir', 'x', '--out', 'y'],
    ['issue-card', '--dir', 'x'],
    ['init', '--dir', 'x', '--days', '0'],
    ['init', '--dir', 'x', '--days', '1.5'],
    ['init', '--dir', 'x', '--unknown'],
    ['init', 'extra', '--dir', 'x'],
    ['issue-card', '--dir', 'x', '--out', 'y', '--hierarchy'],
    ['revoke', '--dir', 'x', '--serial', '01'],
    ['revoke', '--dir', 'x', '--serial', '01', '--reason', 'removeFromCRL'],
    ['revoke', '--dir', 'x', '--serial', '1', '--reason', 'superseded'],
    ['crl', '--dir', 'x'],
    ['crl', '--dir', 'x', '--out', 'y', '--next-update-hours', '0'],
    ['ocsp', '--dir', 'x', '--port', '70000'],
    ['renew', '--dir', 'x', '--card', 'old.json'],
    ['renew', '--dir', 'x', '--out', 'new.json'],
  ];
  for (const argv of usageErrors) {
    it(`exits 64 on \`mykey ca ${argv.join(' ')}\``, async (t: TestContext) => {
      const result = await run(...argv);
      t.assert.deepStrictEqual({ exitCode: result.exitCode, stdout: result.stdout }, { exitCode: 64, stdout: '' });
    });
  }

  it('--help prints the usage on stdout and exits 0', async (t: TestContext) => {
    const result = await run('--help');
    t.assert.strictEqual(result.exitCode, 0);
    t.assert.match(result.stdout, /^Usage:\n {2}mykey ca init/);
    for (const subcommand of ['issue-card', 'revoke', 'crl', 'ocsp', 'renew']) t.assert.ok(result.stdout.includes(`mykey ca ${subcommand} `), subcommand);
  });
});
