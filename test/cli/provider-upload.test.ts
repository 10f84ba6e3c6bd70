// Ensures `mykey provider upload` and `mykey provider report` against a real server, on both engines: an NDJSON
// file larger than a chunk and than an ingest batch, with a few bad lines, is uploaded with progress lines on
// stderr, exits 1 (some rejected) and the report lists exactly the bad lines; an all-good CSV file exits 0; a wrong
// secret exits 2; and an upload whose server is killed (`kill -9`) mid-way and restarted finishes by itself,
// resuming from the server's offset, with every event applied exactly once (the citizen's eligible total is the
// sum of the file's amounts).
// How: `mykey serve` runs as a child process with the demo on (its data dir holds the demo provider's key); citizens
// log in with software cards of its test CA and bind demo accounts; the CLI runs as another child process.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CitizenAgent } from '../../src/card/agent.js';
import { createSoftwareCard } from '../../src/card/software-card.js';
import { eventsPerBatchMax } from '../../src/domain/limits.js';
import { loadTestCa } from '../../src/identity/test-ca.js';
import { enginesUnderTest, type OpenedStore } from '../helpers/engines.js';
import { runMykey } from '../helpers/run-cli.js';
import { freePort, startServeProcess, type ServeProcess } from '../helpers/serve-process.js';

const campaignId = 'mynapoint-demo';

interface Summary {
  fileId: string;
  state: string;
  linesRead: number;
  linesApplied: number;
  linesDuplicate: number;
  linesRejected: number;
}

for (const engine of await enginesUnderTest()) {
  describe(`mykey provider upload against mykey serve (${engine.engine})`, { skip: engine.skip, timeout: 240_000 }, () => {
    let dataDir: string;
    let opened: OpenedStore | undefined;
    let server: ServeProcess;
    let start: () => Promise<ServeProcess>;
    let keyArgs: string[];
    let agents: CitizenAgent[];

    before(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'mykey-upload-'));
      let databaseUrl: string | undefined;
      if (engine.engine === 'postgres') {
        opened = await engine.open();
        databaseUrl = opened.databaseUrl;
      }
      const port = await freePort();
      start = () => startServeProcess({ dataDir, port, ...(databaseUrl === undefined ? {} : { databaseUrl }) });
      server = await start();
      const stored = JSON.parse(await readFile(join(dataDir, 'demo-provider-key.json'), 'utf8')) as { keyId: string; secret: string };
      const secretFile = join(dataDir, 'provider-secret.txt');
      await writeFile(secretFile, `${stored.secret}\n`, { mode: 0o600 });
      keyArgs = ['--url', server.baseUrl, '--key-id', stored.keyId, '--secret-file', secretFile];
      const ca = await loadTestCa(join(dataDir, 'test-ca'));
      agents = [];
      for (const [accountRef, securityCode] of [
        ['DEMO-0001', '1234'],
        ['DEMO-0002', '2345'],
      ] as const) {
        const agent = new CitizenAgent(server.baseUrl, server.origin, await createSoftwareCard(ca, { nowMs: Date.now() - 60_000 }));
        assert.equal((await agent.login()).status, 200);
        const bound = await agent.bind({ campaignId, providerServiceId: 'demo-pay-wallet', accountRef, securityCode });
        assert.equal(bound.status, 201, JSON.stringify(bound.body));
        agents.push(agent);
      }
    });

    after(async () => {
      await server?.stop();
      await rm(dataDir, { recursive: true, force: true });
      await opened?.close();
    });

    /** Payments of 1 yen each on `accountRef`, after the bindings (a binding counts events from when it was made). */
    function paymentLines(prefix: string, accountRef: string, count: number): string[] {
      const occurredAt = new Date(Date.now() + 1_000).toISOString();
      return Array.from({ length: count }, (_, i) => JSON.stringify({ eventId: `${prefix}-${i}`, accountRef, kind: 'payment', amountYen: 1, occurredAt }));
    }

    async function eligibleYenOf(agent: CitizenAgent): Promise<number | undefined> {
      assert.equal((await agent.login()).status, 200);
      const me = await agent.me();
      return (me.body as { bindings: Array<{ campaignId: string; eligibleYen: number }> }).bindings.find((b) => b.campaignId === campaignId)?.eligibleYen;
    }

    it('uploads files, shows progress, reports the rejected lines, and exits by outcome', async () => {
      const lines = paymentLines('cli', 'DEMO-0001', eventsPerBatchMax + 500);
      lines.splice(10, 0, '{"eventId": "cli-broken"');
      lines.splice(700, 0, JSON.stringify({ eventId: 'cli-string', accountRef: 'DEMO-0001', kind: 'payment', amountYen: '1', occurredAt: new Date().toISOString() }));
      const path = join(dataDir, 'events.ndjson');
      await writeFile(path, `${lines.join('\n')}\n`);

      const run = await runMykey(['provider', 'upload', path, ...keyArgs, '--chunk-bytes', '20000', '--json']);
      assert.equal(run.status, 1, run.stderr);
      const summary = JSON.parse(run.stdout) as Summary;
      assert.deepEqual(
        [summary.state, summary.linesRead, summary.linesApplied, summary.linesDuplicate, summary.linesRejected],
        ['completed', lines.length, eventsPerBatchMax + 500, 0, 2],
      );
      assert.match(run.stderr, /\[#{10}\] 100%/, 'a progress line at 100 %');
      assert.ok(run.stderr.split('\n').filter((l) => l.startsWith('[')).length >= 5, 'progress lines as the upload goes');
      assert.match(run.stderr, new RegExp(`mykey provider report ${summary.fileId} .* --status rejected`));
      assert.equal(await eligibleYenOf(agents[0]!), eventsPerBatchMax + 500);

      const report = await runMykey(['provider', 'report', summary.fileId, ...keyArgs, '--status', 'rejected']);
      assert.equal(report.status, 0, report.stderr);
      const rejected = report.stdout.trim().split('\n').map((l) => JSON.parse(l) as { line: number; eventId?: string; status: string; code: string });
      assert.deepEqual(
        rejected.map((r) => [r.line, r.eventId, r.status, r.code]),
        [
          [11, undefined, 'rejected', 'file_line_invalid'],
          [701, 'cli-string', 'rejected', 'file_line_invalid'],
        ],
      );
      const out = join(dataDir, 'report.ndjson');
      assert.equal((await runMykey(['provider', 'report', summary.fileId, ...keyArgs, '--out', out])).status, 0);
      assert.equal((await readFile(out, 'utf8')).trim().split('\n').length, lines.length);

      const csv = join(dataDir, 'events.csv');
      const occurredAt = new Date(Date.now() + 1_000).toISOString();
      await writeFile(csv, `eventId,accountRef,kind,amountYen,occurredAt\r\ncsv-1,DEMO-0001,payment,100,${occurredAt}\r\ncsv-2,DEMO-0001,topup,200,${occurredAt}\r\n`);
      const good = await runMykey(['provider', 'upload', csv, ...keyArgs]);
      assert.equal(good.status, 0, good.stderr);
      assert.match(good.stdout, /completed: 3 lines, 2 applied, 0 duplicate, 0 rejected/);

      const badSecret = join(dataDir, 'wrong-secret.txt');
      await writeFile(badSecret, `${Buffer.alloc(32, 7).toString('base64')}\n`);
      const refused = await runMykey(['provider', 'upload', csv, ...keyArgs.slice(0, -1), badSecret]);
      assert.equal(refused.status, 2, refused.stderr);
      assert.match(refused.stderr, /refused: .*request_signature_invalid/);
    });

    it('finishes an upload whose server was killed and restarted mid-way, applying each event once', async () => {
      const lines = paymentLines('kill', 'DEMO-0002', 3 * eventsPerBatchMax);
      const path = join(dataDir, 'kill.ndjson');
      await writeFile(path, `${lines.join('\n')}\n`);
      const child = spawn(process.execPath, ['dist/src/cli/main.js', 'provider', 'upload', path, ...keyArgs, '--chunk-bytes', '8192', '--json'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      // Kill the server once the upload is a fifth of the way, then start it again on the same data and port.
      let restarted: Promise<void> | undefined;
      await new Promise<void>((resolve) => {
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString('utf8');
          if (restarted === undefined && /\] {1,2}[2-9]\d%/.test(stderr)) {
            restarted = (async () => {
              await server.kill9();
              server = await start();
            })();
            resolve();
          }
        });
        void exited.then(() => resolve());
      });
      assert.ok(restarted !== undefined, `the upload ended before the kill:\n${stderr}`);
      await restarted;
      const status = await exited;
      assert.equal(status, 0, stderr);
      assert.match(stderr, /attempt 1 failed/, 'the CLI saw the server go away and retried');
      const summary = JSON.parse(stdout) as Summary;
      assert.equal(summary.state, 'completed');
      assert.equal(summary.linesRead, lines.length);
      assert.equal(summary.linesApplied + summary.linesDuplicate, lines.length, 'a line cut off by the kill may come back duplicate');
      assert.equal(summary.linesRejected, 0);
      assert.equal(await eligibleYenOf(agents[1]!), lines.length, 'every event applied exactly once');
    });
  });
}
