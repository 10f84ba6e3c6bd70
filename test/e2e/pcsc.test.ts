// Ensures the card works through a real reader stack: pcscd with vsmartcard's virtual reader holds the project's
// APDU-level software JPKI card (connected over vpcd on loopback); the citizen's agent logs into a running
// platform through PC/SC (the `smartcard` binding), with the PIN counter behaving as on a card; and, as an
// independent check of the emulation, OpenSC's own JPKI driver reads the certificate (pkcs15-tool) and makes a
// signature (pkcs11-tool) that verifies with the certificate's key. Skipped, saying why, where pcscd, vpcd, OpenSC
// or the binding is missing (never under CI).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { verify, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CitizenAgent } from '../../src/card/agent.js';
import { readAuthCertificate } from '../../src/card/jpki-client.js';
import { openPcscTransport } from '../../src/card/pcsc-transport.js';
import { createSoftwareCard, type SoftwareCard } from '../../src/card/software-card.js';
import { SoftwareJpkiCard } from '../../src/card/software-jpki-card.js';
import { CardError, type CardTransport } from '../../src/card/transport.js';
import { connectVirtualCard, type VirtualCardConnection } from '../../src/card/vpcd.js';
import { parseServeConfig } from '../../src/cli/config.js';
import { startPlatform, type RunningPlatform } from '../../src/cli/platform.js';
import { loadTestCa } from '../../src/identity/test-ca.js';
import { openscModulePath, pcscdUnderTest } from '../helpers/pcscd.js';
import { runMykey } from '../helpers/run-cli.js';
import { spawn } from 'node:child_process';

const pcsc = await pcscdUnderTest();
const readerName = 'Virtual PCD 00 00';
const origin = 'http://localhost:3000';
// Asynchronous on purpose: the virtual card is served by this process, so a tool that talks to it must not block
// the event loop (a synchronous child would wait on a card that can no longer answer).
const run = promisify(execFile);

/** Opens the reader once pcscd has seen the card (vpcd reports it a moment after the connection). */
async function openWhenInserted(): Promise<CardTransport> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await openPcscTransport({ readerName });
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

describe('the JPKI card through PC/SC', { skip: pcsc.skip }, () => {
  let dir: string;
  let platform: RunningPlatform;
  let authCard: SoftwareCard;
  let card: SoftwareJpkiCard;
  let inserted: VirtualCardConnection;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mykey-pcsc-'));
    const config = parseServeConfig(['--port', '0', '--data-dir', dir, '--origin', origin, '--demo', 'false', '--log-level', 'silent'], {});
    assert.ok(config.ok);
    platform = await startPlatform(config.value, { logger: false });
    const ca = await loadTestCa(join(dir, 'test-ca'));
    const nowMs = Date.now() - 3_600_000;
    authCard = await createSoftwareCard(ca, { nowMs });
    // An adult's card also carries the signature certificate (OpenSC's JPKI driver expects its PIN file).
    const signCard = await createSoftwareCard(ca, { nowMs, certificate: { keyUsage: { digitalSignature: true, nonRepudiation: true }, personalAttributesSan: true } });
    card = SoftwareJpkiCard.fromSoftwareCard(authCard, { pin: '1234', signCertificateDer: signCard.certificateDer, signPrivateKey: signCard.privateKey, signPassword: 'ABC123' });
    inserted = await connectVirtualCard(card);
  });

  after(async () => {
    await inserted?.close();
    await platform?.close();
    await pcsc.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the certificate and logs in to the same Mykey ID twice; a wrong PIN costs one try', async () => {
    const transport = await openWhenInserted();
    try {
      assert.deepEqual(await readAuthCertificate(transport), authCard.certificateDer);
      const agent = (pin: string) => new CitizenAgent(platform.url, origin, { transport, readPin: async () => Buffer.from(pin) });
      const first = await agent('1234').login();
      assert.equal(first.status, 200, JSON.stringify(first.body));
      assert.equal(first.body.personCreated, true);
      await assert.rejects(agent('9999').login(), (error: unknown) => error instanceof CardError && error.code === 'pin_wrong' && error.triesLeft === 2);
      assert.equal(card.pinTriesLeft, 2);
      const second = await agent('1234').login();
      assert.equal(second.status, 200);
      assert.equal(second.body.mykeyId, first.body.mykeyId);
      assert.equal(card.pinTriesLeft, 3, 'a right PIN resets the counter');
    } finally {
      await transport.close();
    }
  });

  it('OpenSC reads the certificate and makes a signature that verifies (independent check of the emulation)', async () => {
    const listed = (await run('pkcs15-tool', ['--reader', '0', '--list-certificates'])).stdout;
    assert.match(listed, /User Authentication Certificate/);
    const pem = (await run('pkcs15-tool', ['--reader', '0', '--read-certificate', '01'])).stdout;
    assert.deepEqual(Buffer.from(new X509Certificate(pem).raw), authCard.certificateDer);
    const data = Buffer.from('mykey: an independent signature through OpenSC');
    const dataPath = join(dir, 'data.bin');
    const signaturePath = join(dir, 'signature.bin');
    writeFileSync(dataPath, data);
    // The test card's PIN is test data; pkcs11-tool takes it as an argument.
    await run('pkcs11-tool', ['--module', openscModulePath, '--slot-index', '0', '--login', '--pin', '1234', '--sign', '--mechanism', 'SHA256-RSA-PKCS', '--id', '01', '-i', dataPath, '-o', signaturePath]);
    const publicKey = new X509Certificate(authCard.certificateDer).publicKey;
    assert.ok(verify('sha256', data, publicKey, readFileSync(signaturePath)));
  });

  it('from the command line: `mykey card insert` in one process, `mykey card login --reader` in another', async () => {
    const cardPath = join(dir, 'cli-card.json');
    assert.equal((await runMykey(['ca', 'issue-card', '--dir', join(dir, 'test-ca'), '--out', cardPath])).status, 0);
    // The second virtual reader (vpcd port 35964), so the card of the other tests stays where it is.
    const insert = spawn(process.execPath, ['dist/src/cli/main.js', 'card', 'insert', '--software', cardPath, '--port', '35964'], { stdio: ['ignore', 'ignore', 'pipe'] });
    try {
      await new Promise<void>((resolve, reject) => {
        insert.stderr.on('data', (chunk: Buffer) => chunk.toString().includes('virtual reader') && resolve());
        insert.once('exit', (status) => reject(new Error(`mykey card insert exited with ${status}`)));
      });
      const args = ['card', 'login', '--url', platform.url, '--origin', origin, '--reader', 'Virtual PCD 00 01'];
      let login = await runMykey(args, { input: '1234\n' });
      for (let attempt = 0; login.status === 3 && login.stderr.includes('card_absent') && attempt < 50; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100)); // pcscd notices the card a moment after vpcd does
        login = await runMykey(args, { input: '1234\n' });
      }
      assert.equal(login.status, 0, login.stderr);
      const again = await runMykey(args, { input: '1234\n' });
      assert.equal(again.status, 0, again.stderr);
      assert.equal(again.stdout, login.stdout, 'the same card reaches the same Mykey ID');
      const wrong = await runMykey(args, { input: '0000\n' });
      assert.equal(wrong.status, 3);
      assert.match(wrong.stderr, /pin_wrong \(2 tries left\)/);
    } finally {
      insert.kill('SIGTERM');
    }
  });

  it('a card taken out of the reader is card_absent', async () => {
    const transport = await openWhenInserted();
    await inserted.close();
    try {
      await assert.rejects(readAuthCertificate(transport), (error: unknown) => error instanceof CardError && error.code === 'card_absent');
    } finally {
      await transport.close().catch(() => undefined);
    }
    inserted = await connectVirtualCard(card);
  });
});
