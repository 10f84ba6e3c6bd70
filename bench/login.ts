/**
 * Card logins (issue 10 §2): full verifications per second — the challenge consumed, the Web eID token parsed, the
 * chain to the trust anchor, validity and purpose checked, the RSA signature over origin and nonce verified, the
 * revocation status answered by the OCSP checker from its fresh cache, the person looked up (or created at a
 * card's first login) and a session written — against raw `crypto.verify` of the same signatures with the same
 * public keys, measured in the same processes. On the embedded engine in one process, on PostgreSQL in one and in
 * two processes at once (as `mykey serve --workers 2` shares one database). It measures and prints; it never
 * asserts a time.
 *
 * How: the parent makes a test CA and software cards (RSA-2048, as a real card) and saves them; each measuring
 * process starts the test OCSP responder on loopback, opens the store, logs every card in once (untimed: the
 * person is created and the checker's cache filled), issues the challenges and signs them with the cards (untimed:
 * a card's work), then, on the parent's signal, runs the logins with 8 in flight and the raw verifications one after
 * another. The rate of two processes is all their logins ÷ the slowest one's time.
 *
 * Usage: node dist/bench/login.js [--engine sqlite|postgres|all] [--logins N] [--cards N]
 * Table to stdout, progress to stderr. Exit codes: 0 measured, 1 a run went wrong, 64 bad usage.
 */
import { spawn } from 'node:child_process';
import { createPublicKey, randomBytes, verify, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { issueChallenge, loginWithCard } from '../src/app/card-login.js';
import { systemClock, type AppContext } from '../src/app/context.js';
import { derivePlatformKeys } from '../src/app/platform-keys.js';
import { createSoftwareCard, loadSoftwareCard, saveSoftwareCard, signWebEidChallenge, type SoftwareCard } from '../src/card/software-card.js';
import { webEidSignedData } from '../src/card/web-eid-challenge.js';
import type { AuthToken } from '../src/identity/auth-token.js';
import { createOcspChecker, httpRevocationFetch } from '../src/identity/revocation.js';
import { createTestCa, issueCardCertificate, loadTestCa, saveTestCa, testCaPaths, type TestCa } from '../src/identity/test-ca.js';
import { startTestOcspResponder } from '../src/identity/test-ocsp-responder.js';
import { createTrustStore } from '../src/identity/trust-store.js';
import { fail } from '../src/domain/result.js';
import { openStore, type Engine, type StoreLocation } from '../src/store/db.js';
import { BenchError, integer, postgresSlot, runBench, sqliteSlot, timed, UsageError, type StoreSlot } from './common.js';

const usage = `Usage: node dist/bench/login.js [options]

Measures full card-login verifications per second against raw crypto.verify of the same signatures: on SQLite
in one process, on PostgreSQL in one and in two processes at once.

Options:
  --engine sqlite|postgres|all   engines to measure (default all; PostgreSQL at DATABASE_URL_TEST or
                                 postgres://postgres@127.0.0.1:5432/postgres, skipped when unreachable)
  --logins N                     timed logins per process (default 2000)
  --cards N                      software cards per process (default 50; each logs in again and again)
  --help                         this text
`;

interface Options {
  engines: Engine[];
  logins: number;
  cards: number;
}

function parseOptions(argv: string[]): Options | 'help' {
  const { values } = parseArgs({ args: argv, options: { engine: { type: 'string', default: 'all' }, logins: { type: 'string', default: '2000' }, cards: { type: 'string', default: '50' }, help: { type: 'boolean', default: false } } });
  if (values.help === true) return 'help';
  const engines: Engine[] = values.engine === 'all' ? ['sqlite', 'postgres'] : values.engine === 'sqlite' || values.engine === 'postgres' ? [values.engine] : [];
  if (engines.length === 0) throw new UsageError(`--engine must be sqlite, postgres or all, not ${values.engine}`);
  const logins = Number(values.logins);
  const cards = Number(values.cards);
  if (!Number.isInteger(logins) || logins < 1) throw new UsageError('--logins must be a whole number of at least 1');
  if (!Number.isInteger(cards) || cards < 1 || cards > 1_000) throw new UsageError('--cards must be a whole number from 1 to 1000');
  return { engines, logins, cards };
}

const origin = 'https://mykey.bench';
/** Logins in flight in one process, as concurrent requests of a server would be. */
const inFlight = 8;

type LoginMode = 'repeat' | 'first';

/** What a measuring process is told (as JSON in its argument). */
interface ChildTask {
  /** repeat: the cards log in again and again; first: every login shows a certificate never seen (a new person). */
  mode: LoginMode;
  location: StoreLocation;
  caDir: string;
  cardPaths: string[];
  logins: number;
  platformSecretHex: string;
}

interface ChildResult {
  logins: number;
  loginMs: number;
  verifies: number;
  verifyMs: number;
}

// ---------------------------------------------------------------------------------------------------------------
// A measuring process

async function measure(task: ChildTask, waitForGo: () => Promise<void>): Promise<ChildResult> {
  const ca = await loadTestCa(task.caDir);
  const responder = await startTestOcspResponder({ ca, signer: ca, statusOf: () => 'good' });
  const store = await openStore(task.location);
  try {
    const trust = createTrustStore({ anchorsPem: [readFileSync(testCaPaths(task.caDir).certificatePath, 'utf8')], production: false });
    if (!trust.ok) throw new BenchError('the test CA is not a trust anchor');
    const ctx: AppContext = {
      store,
      clock: systemClock,
      keys: derivePlatformKeys(Buffer.from(task.platformSecretHex, 'hex')),
      trust: trust.value,
      origin,
      providerVerifier: { verify: async () => fail('provider_unavailable', 'no binding here') },
      revocation: createOcspChecker({ url: responder.url, fetch: httpRevocationFetch }),
    };
    const cards = await Promise.all(task.cardPaths.map((path) => loadSoftwareCard(path)));
    const login = async (card: SoftwareCard): Promise<{ token: AuthToken; challengeId: string; nonce: string }> => {
      const challenge = await issueChallenge(ctx, { context: { purpose: 'login' } });
      return { token: signWebEidChallenge(card, { origin, nonce: challenge.nonce }), challengeId: challenge.challengeId, nonce: challenge.nonce };
    };
    const complete = async (prepared: { token: AuthToken; challengeId: string }): Promise<void> => {
      const result = await loginWithCard(ctx, { challengeId: prepared.challengeId, token: prepared.token, sessionId: null, delivery: 'token' });
      if (!result.ok) throw new BenchError(`a login was refused: ${result.code}`);
    };
    // Each card once: its person is created and its good OCSP answer cached (fresh for 2 minutes).
    for (const card of cards) await complete(await login(card));
    const loginCards = task.mode === 'repeat' ? cards : await newCertificates(ca, cards, task.logins);
    const prepared: Array<{ token: AuthToken; challengeId: string; nonce: string; card: SoftwareCard }> = [];
    for (let index = 0; index < task.logins; index += 1) prepared.push({ ...(await login(loginCards[index % loginCards.length]!)), card: loginCards[index % loginCards.length]! });
    const publicKeys = loginCards.map((card) => new X509Certificate(card.certificateDer).publicKey);

    await waitForGo();
    let next = 0;
    const loginStartMs = performance.now();
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < prepared.length) await complete(prepared[next++]!);
      }),
    );
    const loginMs = performance.now() - loginStartMs;
    const verifyStartMs = performance.now();
    for (const [index, item] of prepared.entries()) {
      const valid = verify('sha256', webEidSignedData({ origin, nonce: item.nonce }), publicKeys[index % loginCards.length]!, Buffer.from(item.token.signature, 'base64'));
      if (!valid) throw new BenchError('a signature the platform accepted does not verify raw');
    }
    const verifyMs = performance.now() - verifyStartMs;
    return { logins: prepared.length, loginMs, verifies: prepared.length, verifyMs };
  } finally {
    await store.close();
    await responder.close();
  }
}

/** `count` cards never seen: the cards' keys under new certificates (a new serial each), as new cardholders. */
async function newCertificates(ca: TestCa, cards: readonly SoftwareCard[], count: number): Promise<SoftwareCard[]> {
  const nowMs = Date.now() - 3_600_000;
  return Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const { privateKey } = cards[index % cards.length]!;
      const pem = await issueCardCertificate(ca, { publicKey: createPublicKey(privateKey), notBeforeMs: nowMs, notAfterMs: nowMs + 365 * 86_400_000 });
      return { certificateDer: new X509Certificate(pem).raw, privateKey };
    }),
  );
}

/** Child mode: measure, say "ready" on stdout, wait for a line on stdin, then print the result as JSON. */
async function runChild(taskJson: string): Promise<number> {
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  const result = await measure(JSON.parse(taskJson) as ChildTask, async () => {
    process.stdout.write('ready\n');
    await lines.next();
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.stdin.destroy();
  return 0;
}

// ---------------------------------------------------------------------------------------------------------------
// The parent: processes started together

interface Child {
  ready: Promise<void>;
  result: Promise<ChildResult>;
  go(): void;
}

function startChild(task: ChildTask): Child {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', JSON.stringify(task)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const output = createInterface({ input: child.stdout! });
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const result = new Promise<ChildResult>((resolve, reject) => {
    output.on('line', (line) => {
      if (line === 'ready') markReady();
      else resolve(JSON.parse(line) as ChildResult);
    });
    child.once('exit', (code) => (code === 0 ? undefined : reject(new BenchError(`a measuring process exited with ${code}`))));
  });
  return { ready, result, go: () => child.stdin!.write('go\n') };
}

interface Round {
  mode: LoginMode;
  processes: number;
  logins: number;
  loginMs: number;
  verifies: number;
  verifyMs: number;
}

async function round(mode: LoginMode, slot: StoreSlot, caDir: string, cardPaths: string[][], logins: number, platformSecretHex: string): Promise<Round> {
  const children = cardPaths.map((paths) => startChild({ mode, location: slot.location, caDir, cardPaths: paths, logins, platformSecretHex }));
  await Promise.all(children.map((child) => child.ready));
  for (const child of children) child.go();
  const results = await Promise.all(children.map((child) => child.result));
  return {
    mode,
    processes: children.length,
    logins: results.reduce((sum, r) => sum + r.logins, 0),
    loginMs: Math.max(...results.map((r) => r.loginMs)),
    verifies: results.reduce((sum, r) => sum + r.verifies, 0),
    // The raw verifications ran in each process after its logins, so their time overlaps less: the slowest counts too.
    verifyMs: Math.max(...results.map((r) => r.verifyMs)),
  };
}

function rowsOf(engine: Engine, r: Round): { lines: string[]; ratio: number } {
  const loginRate = r.logins / (r.loginMs / 1000);
  const verifyRate = r.verifies / (r.verifyMs / 1000);
  const label = `${engine}, ${r.processes} process${r.processes === 1 ? '' : 'es'}, ${r.mode === 'repeat' ? 'again' : 'first'}`;
  return {
    lines: [
      `${`${label}: login (full)`.padEnd(52)}${integer.format(loginRate).padStart(10)}`,
      `${`${label}: crypto.verify (raw)`.padEnd(52)}${integer.format(verifyRate).padStart(10)}`,
      `${`${label}: ratio login/raw`.padEnd(52)}${(loginRate / verifyRate).toFixed(3).padStart(10)}`,
    ],
    ratio: loginRate / verifyRate,
  };
}

interface Setup {
  caDir: string;
  /** Each process's own cards (two processes never share a person). */
  halves: string[][];
  platformSecretHex: string;
}

async function prepare(dir: string, options: Options): Promise<Setup> {
  const caDir = join(dir, 'ca');
  const ca = await createTestCa({ nowMs: Date.now() - 86_400_000 });
  await saveTestCa(caDir, ca);
  const cardPaths = await timed(`${2 * options.cards} software cards made`, async () =>
    Promise.all(
      Array.from({ length: 2 * options.cards }, async (_, index) => {
        const path = join(dir, `card-${index}.json`);
        await saveSoftwareCard(path, await createSoftwareCard(ca, { nowMs: Date.now() - 3_600_000 }));
        return path;
      }),
    ),
  );
  return { caDir, halves: [cardPaths.slice(0, options.cards), cardPaths.slice(options.cards)], platformSecretHex: randomBytes(32).toString('hex') };
}

async function measureEngine(engine: Engine, options: Options, dir: string, setup: Setup): Promise<{ table: string; ratios: string[] }> {
  const table = [
    `${engine}: timed logins per process: ${integer.format(options.logins)} again (${options.cards} cards, each logging in again and again) and ${integer.format(Math.ceil(options.logins / 4))} first (a certificate never seen each, a new person); ${inFlight} in flight`,
    `${''.padEnd(52)}${'per s'.padStart(10)}`,
  ];
  const ratios: string[] = [];
  for (const processes of engine === 'sqlite' ? [1] : [1, 2]) {
    for (const mode of ['repeat', 'first'] as const) {
      const slot = engine === 'sqlite' ? sqliteSlot(dir, `login-${processes}-${mode}`) : await postgresSlot(`login${processes}${mode}`);
      try {
        // The schema is made once, before the processes race to migrate it.
        await (await openStore(slot.location)).close();
        // A new certificate per first login is made before the clock starts; a quarter as many keep the setup short.
        const logins = mode === 'repeat' ? options.logins : Math.ceil(options.logins / 4);
        const measured = await timed(`${engine}: ${processes} process(es), ${mode} logins measured`, () => round(mode, slot, setup.caDir, setup.halves.slice(0, processes), logins, setup.platformSecretHex));
        const { lines, ratio } = rowsOf(engine, measured);
        table.push(...lines);
        ratios.push(`ratio ${engine} login/raw (${processes} process${processes === 1 ? '' : 'es'}, ${mode === 'repeat' ? 'again' : 'first'}) = ${ratio.toFixed(3)}`);
      } finally {
        await slot.dispose();
      }
    }
  }
  return { table: table.join('\n'), ratios };
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === '--child') return runChild(argv[1]!);
  const dir = mkdtempSync(join(tmpdir(), 'mykey-bench-login-'));
  let setup: Promise<Setup> | undefined;
  try {
    return await runBench(
      { name: 'login', title: 'card logins', usage, parse: parseOptions, measure: async (engine, options) => measureEngine(engine, options, dir, await (setup ??= prepare(dir, options))) },
      argv,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main(process.argv.slice(2));
