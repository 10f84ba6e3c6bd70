/**
 * A development platform and the citizen's card agent, as a newcomer runs them, for the browser tests: the
 * platform of dev-platform.ts (told where the agent listens), software cards from its test CA, and `mykey card
 * agent` as a real child process (the CLI a citizen starts), which a test can stop and start again with another
 * card.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createSoftwareCard, saveSoftwareCard } from '../../src/card/software-card.js';
import type { RunningPlatform } from '../../src/cli/platform.js';
import { loadTestCa } from '../../src/identity/test-ca.js';
import { startDevPlatform } from './dev-platform.js';
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
  const agentPort = await freePort();
  const agentUrl = `http://127.0.0.1:${agentPort}`;
  const dev = await startDevPlatform({ extraArgs: ['--card-agent-url', agentUrl] });
  const { origin, dataDir } = dev;
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
    platform: dev.platform,
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
    report: (event) => dev.providerFetch('/v1/provider/events', { method: 'POST', json: { events: [event] } }),
    close: async () => {
      await stopAgent();
      await dev.close();
    },
  };
}
