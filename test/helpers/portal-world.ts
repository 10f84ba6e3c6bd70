/**
 * A development platform and the citizen's card agent, as a newcomer runs them, for the browser tests: the
 * platform through startPlatform (the demo campaigns and the demo provider, a fresh data dir, a free port, the
 * origin http://localhost:<port> the browser uses), software cards from its test CA, and `mykey card agent` as a
 * real child process (the CLI a citizen starts), which a test can stop and start again with another card.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSoftwareCard, saveSoftwareCard } from '../../src/card/software-card.js';
import { parseServeConfig } from '../../src/cli/config.js';
import { startPlatform, type RunningPlatform } from '../../src/cli/platform.js';
import { signedFetch } from '../../src/http/signed-fetch.js';
import { loadTestCa } from '../../src/identity/test-ca.js';
import { freePort } from './serve-process.js';

export interface PortalWorld {
  platform: RunningPlatform;
  /** What the browser opens: http://localhost:<port>. */
  origin: string;
  agentUrl: string;
  dataDir: string;
  /** A new software card of the platform's test CA, saved to a file (PIN 1234). */
  issueCard(name: string): Promise<string>;
  /** Starts `mykey card agent --software <cardPath>`, stopping the one running. */
  startAgent(cardPath: string): Promise<void>;
  stopAgent(): Promise<void>;
  /** The demo provider reports an event (signed with its key from the data dir). */
  report(event: Record<string, unknown>): Promise<{ status: number; body: unknown }>;
  close(): Promise<void>;
}

export async function startPortalWorld(): Promise<PortalWorld> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mykey-portal-'));
  const [port, agentPort] = [await freePort(), await freePort()];
  const origin = `http://localhost:${port}`;
  const agentUrl = `http://127.0.0.1:${agentPort}`;
  const config = parseServeConfig(['--port', String(port), '--data-dir', dataDir, '--origin', origin, '--card-agent-url', agentUrl, '--log-level', 'silent'], {});
  assert.ok(config.ok, config.ok ? '' : config.message);
  const platform = await startPlatform(config.value, { logger: false });
  let agent: ChildProcess | undefined;

  const stopAgent = async (): Promise<void> => {
    const running = agent;
    agent = undefined;
    if (running === undefined || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    await exited;
  };

  return {
    platform,
    origin,
    agentUrl,
    dataDir,
    issueCard: async (name) => {
      const path = join(dataDir, `${name}.card.json`);
      await saveSoftwareCard(path, await createSoftwareCard(await loadTestCa(join(dataDir, 'test-ca')), { nowMs: Date.now() - 3_600_000 }));
      return path;
    },
    startAgent: async (cardPath) => {
      await stopAgent();
      const child = spawn(process.execPath, ['dist/src/cli/main.js', 'card', 'agent', '--portal', origin, '--software', cardPath, '--port', String(agentPort)], { stdio: ['ignore', 'pipe', 'pipe'] });
      agent = child;
      let output = '';
      await new Promise<void>((resolve, reject) => {
        const onData = (chunk: Buffer): void => {
          output += chunk.toString('utf8');
          if (output.includes(`127.0.0.1:${agentPort}`)) resolve();
        };
        child.stdout!.on('data', onData);
        child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
        child.once('exit', (code) => reject(new Error(`the card agent exited (${code}): ${output}`)));
      });
    },
    stopAgent,
    report: async (event) => {
      const key = JSON.parse(readFileSync(join(dataDir, 'demo-provider-key.json'), 'utf8')) as { keyId: string; secret: string };
      const answer = await signedFetch({ url: `${platform.url}/v1/provider/events`, method: 'POST', key: { keyId: key.keyId, secret: Buffer.from(key.secret, 'base64') }, json: { events: [event] } });
      return { status: answer.status, body: answer.body };
    },
    close: async () => {
      await stopAgent();
      await platform.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
