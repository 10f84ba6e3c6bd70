// Ensures `mykey settle verify` recomputes a real statement from the real grant feed and says so (exit 0), and
// detects a tampered statement and a tampered ledger (exit 1, naming the fields that differ), on both engines; that
// `mykey settle feed` saves a feed that verifies offline; and the exit codes of usage errors (64) and of a statement
// it cannot read (2). How: `mykey serve` runs as a child process with the demo on; a citizen logs in with a software
// card of its test CA and binds the demo account, the demo provider reports payments and a refund and acknowledges
// a grant over signed requests, the operator runs the month's statement, and the provider downloads it; then the CLI
// runs as another child process against the server or a saved feed. The tampered ledger is a saved feed edited by
// hand (the one place a test makes ledger lines itself).
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CitizenAgent } from '../../src/card/agent.js';
import { createSoftwareCard } from '../../src/card/software-card.js';
import { localMonthOf } from '../../src/domain/calendar.js';
import { signedFetch, type SigningKey } from '../../src/http/signed-fetch.js';
import type { StatementDocument } from '../../src/http/settlement-document.js';
import { loadTestCa } from '../../src/identity/test-ca.js';
import { ProviderClient } from '../../src/provider-sim/demo-provider.js';
import { enginesUnderTest, type OpenedStore } from '../helpers/engines.js';
import { runMykey } from '../helpers/run-cli.js';
import { freePort, startServeProcess, type ServeProcess } from '../helpers/serve-process.js';

interface Outcome {
  status: string;
  grants?: Array<{ grantId: string; points: number }>;
}

for (const engine of await enginesUnderTest()) {
  describe(`mykey settle against mykey serve (${engine.engine})`, { skip: engine.skip, timeout: 180_000 }, () => {
    let dataDir: string | undefined;
    let opened: OpenedStore | undefined;
    let server: ServeProcess | undefined;

    after(async () => {
      await server?.stop();
      if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
      await opened?.close();
    });

    it('verifies a real statement and detects a tampered statement and a tampered ledger', async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'mykey-settle-'));
      if (engine.engine === 'postgres') opened = await engine.open();
      server = await startServeProcess({ dataDir, port: await freePort(), ...(opened?.databaseUrl === undefined ? {} : { databaseUrl: opened.databaseUrl }) });
      const keyPath = join(dataDir, 'demo-provider-key.json');
      const stored = JSON.parse(await readFile(keyPath, 'utf8')) as { keyId: string; secret: string };
      const key: SigningKey = { keyId: stored.keyId, secret: Buffer.from(stored.secret, 'base64') };
      const operatorToken = (await readFile(join(dataDir, 'operator-token'), 'utf8')).trim();

      const card = await createSoftwareCard(await loadTestCa(join(dataDir, 'test-ca')), { nowMs: Date.now() - 60_000 });
      const citizen = new CitizenAgent(server.baseUrl, server.origin, card);
      assert.equal((await citizen.login()).status, 200);
      const bound = await citizen.bind({ campaignId: 'mynapoint-demo', providerServiceId: 'demo-pay-wallet', accountRef: 'DEMO-0001', securityCode: '1234' });
      assert.equal(bound.status, 201, JSON.stringify(bound.body));
      const provider = new ProviderClient(server.baseUrl, key);
      const occurredAt = new Date(Date.now() + 1_000).toISOString();
      const payments = ['p1', 'p2', 'p3'].map((eventId, i) => ({ eventId, accountRef: 'DEMO-0001', kind: 'payment' as const, amountYen: 1_000 * (i + 1), occurredAt }));
      const reported = await provider.reportEvents([...payments, { eventId: 'r1', accountRef: 'DEMO-0001', kind: 'refund', amountYen: 400, occurredAt, originalEventId: 'p3' }]);
      assert.equal(reported.status, 200, JSON.stringify(reported.body));
      const results = (reported.body as { results: Outcome[] }).results;
      assert.deepEqual(results.map((r) => r.grants?.map((g) => g.points)), [[250], [500], [750], [-100]]);
      assert.equal((await provider.acknowledge([results[0]!.grants![0]!.grantId])).status, 200);

      const month = localMonthOf(Date.now(), 'Asia/Tokyo');
      const run = await fetch(`${server.baseUrl}/v1/operator/settlements`, {
        method: 'POST',
        headers: { authorization: `Bearer ${operatorToken}`, 'content-type': 'application/json', 'idempotency-key': 'settle-cli-test' },
        body: JSON.stringify({ providerId: 'demo-pay', month }),
      });
      assert.equal(run.status, 201, await run.text());
      const download = await signedFetch({ url: `${server.baseUrl}/v1/provider/settlements/${month}`, method: 'GET', key });
      assert.equal(download.status, 200, JSON.stringify(download.body));
      const statement = download.body as StatementDocument;
      assert.deepEqual([statement.feed.entries, statement.total.netPoints], [4, 1_400]);
      const statementPath = join(dataDir, 'statement.json');
      await writeFile(statementPath, JSON.stringify(statement));
      const online = ['--url', server.baseUrl, '--secret-file', keyPath];

      const verified = await runMykey(['settle', 'verify', statementPath, ...online, '--provider', 'demo-pay']);
      assert.equal(verified.status, 0, verified.stderr + verified.stdout);
      assert.match(verified.stdout, /^match: the statement of demo-pay /);

      // A tampered statement: one more grant point claimed.
      const tamperedPath = join(dataDir, 'tampered.json');
      await writeFile(tamperedPath, JSON.stringify({ ...statement, total: { ...statement.total, grantsPoints: statement.total.grantsPoints + 100 } }));
      const tampered = await runMykey(['settle', 'verify', tamperedPath, ...online, '--json']);
      assert.equal(tampered.status, 1, tampered.stderr);
      const report = JSON.parse(tampered.stdout) as { match: boolean; differences: Array<{ field: string; stated: number; recomputed: number }> };
      assert.deepEqual(report.differences, [{ field: 'total.grantsPoints', stated: 1_600, recomputed: 1_500 }]);
      const otherProvider = await runMykey(['settle', 'verify', statementPath, ...online, '--provider', 'someone-else']);
      assert.equal(otherProvider.status, 1);
      assert.match(otherProvider.stdout, /providerId: statement "demo-pay", recomputed "someone-else"/);

      // The saved feed verifies offline; the same feed with one line's points changed (a tampered ledger) does not.
      const feed = await runMykey(['settle', 'feed', ...online]);
      assert.equal(feed.status, 0, feed.stderr);
      const feedLines = feed.stdout.trimEnd().split('\n');
      assert.equal(feedLines.length, 4);
      const feedPath = join(dataDir, 'feed.ndjson');
      await writeFile(feedPath, feed.stdout);
      const offline = await runMykey(['settle', 'verify', statementPath, '--feed', feedPath]);
      assert.equal(offline.status, 0, offline.stderr + offline.stdout);
      const edited = feedLines.map((line, index) => (index === 1 ? JSON.stringify({ ...(JSON.parse(line) as object), points: 499 }) : line));
      await writeFile(feedPath, `${edited.join('\n')}\n`);
      const ledgerTampered = await runMykey(['settle', 'verify', statementPath, '--feed', feedPath]);
      assert.equal(ledgerTampered.status, 1, ledgerTampered.stderr);
      assert.match(ledgerTampered.stdout, /^MISMATCH/);
      assert.match(ledgerTampered.stdout, /total\.grantsPoints: statement 1500, recomputed 1499/);
      assert.match(ledgerTampered.stdout, /feed\.linesSha256: /);

      // Usage errors and a statement that cannot be read.
      assert.equal((await runMykey(['settle', 'verify', statementPath])).status, 64);
      assert.equal((await runMykey(['settle', 'verify', statementPath, '--feed', feedPath, ...online])).status, 64);
      await writeFile(tamperedPath, JSON.stringify({ format: 'something-else' }));
      const unreadable = await runMykey(['settle', 'verify', tamperedPath, '--feed', feedPath]);
      assert.equal(unreadable.status, 2);
      assert.match(unreadable.stderr, /not a mykey-settlement-statement\/1 document/);
    });
  });
}
