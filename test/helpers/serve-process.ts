/**
 * `mykey serve` as a child process on a free loopback port, for tests where the process itself matters (a
 * `kill -9`, a restart on the same data). It runs the compiled CLI with the demo on and logging off, and resolves
 * once the server says it is listening, with the demo's seeded campaign, provider and key already in place.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const mainJs = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const startTimeoutMs = 60_000;

/** A TCP port that was free a moment ago (the kernel's choice for port 0). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

export interface ServeProcess {
  child: ChildProcess;
  /** http://127.0.0.1:<port>: where to send requests (and the base of the demo provider's verify URL). */
  baseUrl: string;
  /** http://localhost:<port>: the origin card logins are bound to (the server's default). */
  origin: string;
  /** Sends SIGKILL (a crash: no shutdown code runs) and waits for the process to be gone. */
  kill9(): Promise<void>;
  /** Stops the server cleanly (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Starts `node dist/src/cli/main.js serve` on `dataDir` and `port`, against PostgreSQL when `databaseUrl` is
 * given (else the embedded store in the data dir). Rejects with the server's stderr if it exits before listening.
 */
export async function startServeProcess(input: { dataDir: string; port: number; databaseUrl?: string }): Promise<ServeProcess> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'development',
    MYKEY_MODE: 'development',
    MYKEY_DEMO: 'true',
    MYKEY_DATA_DIR: input.dataDir,
    MYKEY_SECRET: '',
    MYKEY_OPERATOR_TOKEN: '',
    MYKEY_ORIGIN: '',
    MYKEY_TRUST_ANCHORS: '',
    LOG_LEVEL: 'silent',
    HOST: '127.0.0.1',
    PORT: String(input.port),
    DATABASE_URL: input.databaseUrl ?? '',
  };
  const child = spawn(process.execPath, [mainJs, 'serve'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mykey serve did not start within ${startTimeoutMs} ms:\n${stderr}`));
    }, startTimeoutMs);
    child.stderr!.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
      if (stderr.includes(' listening on ')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`mykey serve exited (${code ?? signal}) before listening:\n${stderr}`));
    });
  });
  child.stderr!.resume();
  return {
    child,
    baseUrl: `http://127.0.0.1:${input.port}`,
    origin: `http://localhost:${input.port}`,
    kill9: async () => {
      child.kill('SIGKILL');
      await exited(child);
    },
    stop: async () => {
      child.kill('SIGTERM');
      await exited(child);
    },
  };
}
