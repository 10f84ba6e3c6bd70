import { X509Certificate } from 'node:crypto';
import { access } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { createSoftwareCard, saveSoftwareCard } from '../card/software-card.js';
import { fail, ok } from '../domain/result.js';
import type { Result } from '../domain/result.js';
import { createTestCa, loadTestCa, saveTestCa, testCaPaths } from '../identity/test-ca.js';

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

interface CommonArgs {
  dir: string;
  validityDays: number | undefined;
  json: boolean;
}
type CaArgs = (CommonArgs & { subcommand: 'init' }) | (CommonArgs & { subcommand: 'issue-card'; out: string });

/** One exit code per failure mode, so scripts can branch on them (listed in the usage text too). */
const exitCode = { ok: 0, unexpected: 1, wouldOverwrite: 2, caMissing: 3, usage: 64 } as const;
const validityDaysMax = 36_500;

const usage = `Usage:
  mykey ca init --dir DIR [--days N] [--json]
      Create a TEST certificate authority (O=JPKI-TEST, never trusted in production) in DIR:
      ca.pem (the trust anchor to configure) and ca.key.pem (mode 0600). Prints the ca.pem path.
  mykey ca issue-card --dir DIR --out FILE [--days N] [--json]
      Issue a software card (RSA-2048 key and authentication certificate) from the test CA in DIR
      and write it to FILE (JSON, mode 0600). Prints the certificate serial (hex).

Options:
  --days N   validity in days (CA: 3650, card: 1825 by default)
  --json     print the result as JSON
  --help     show this help

Exit codes: 0 done, 1 unexpected error, 2 would overwrite an existing file, 3 no test CA in DIR, 64 usage error.
`;

/**
 * `mykey ca …`: manage the development test CA. `argv` holds the arguments after `ca`. Data (paths, serial) go
 * to stdout, messages to stderr; returns the exit code.
 *
 * @example
 * process.exitCode = await caCommand(['init', '--dir', '.mykey/ca'], process);
 */
export async function caCommand(argv: string[], io: Io): Promise<number> {
  if (argv.includes('--help')) {
    io.stdout.write(usage);
    return exitCode.ok;
  }
  const args = parseCaArgs(argv);
  if (!args.ok) {
    io.stderr.write(`mykey ca: ${args.message}\n\n${usage}`);
    return exitCode.usage;
  }
  try {
    return args.value.subcommand === 'init' ? await init(args.value, io) : await issueCard(args.value, io);
  } catch (error) {
    io.stderr.write(`mykey ca: ${error instanceof Error ? error.message : String(error)}\n`);
    return exitCode.unexpected;
  }
}

function parseCaArgs(argv: string[]): Result<CaArgs, 'usage'> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { dir: { type: 'string' }, out: { type: 'string' }, days: { type: 'string' }, json: { type: 'boolean' } },
    });
  } catch (error) {
    return fail('usage', error instanceof Error ? error.message : String(error));
  }
  const { positionals, values } = parsed;
  const subcommand = positionals[0];
  if (positionals.length !== 1 || (subcommand !== 'init' && subcommand !== 'issue-card')) {
    return fail('usage', 'expected exactly one subcommand: init or issue-card');
  }
  if (values.dir === undefined) return fail('usage', '--dir is required', 'dir');
  if (values.days !== undefined && !isValidityDays(values.days)) {
    return fail('usage', `--days must be a whole number from 1 to ${validityDaysMax}`, 'days');
  }
  const validityDays = values.days === undefined ? undefined : Number(values.days);
  const common = { dir: values.dir, validityDays, json: values.json === true };
  if (subcommand === 'init') {
    return values.out === undefined ? ok({ ...common, subcommand }) : fail('usage', '--out only applies to issue-card', 'out');
  }
  return values.out === undefined ? fail('usage', '--out is required', 'out') : ok({ ...common, subcommand, out: values.out });
}

function isValidityDays(text: string): boolean {
  return /^[0-9]{1,5}$/.test(text) && Number(text) >= 1 && Number(text) <= validityDaysMax;
}

async function init(args: CaArgs & { subcommand: 'init' }, io: Io): Promise<number> {
  const paths = testCaPaths(args.dir);
  // Checked before the (slow) key generation; saveTestCa refuses to overwrite on its own as well.
  if ((await exists(paths.certificatePath)) || (await exists(paths.privateKeyPath))) {
    io.stderr.write(`mykey ca: a test CA already exists in ${args.dir}; refusing to overwrite it\n`);
    return exitCode.wouldOverwrite;
  }
  const ca = await createTestCa({ nowMs: Date.now(), validityDays: args.validityDays });
  await saveTestCa(args.dir, ca);
  const notAfter = new Date(new X509Certificate(ca.certificatePem).validTo).toISOString();
  io.stderr.write(`created a TEST certificate authority (O=JPKI-TEST) in ${args.dir}, valid until ${notAfter}\n`);
  io.stdout.write(args.json ? `${JSON.stringify({ ...paths, notAfter })}\n` : `${paths.certificatePath}\n`);
  return exitCode.ok;
}

async function issueCard(args: CaArgs & { subcommand: 'issue-card' }, io: Io): Promise<number> {
  const out = args.out;
  if (!(await exists(testCaPaths(args.dir).certificatePath))) {
    io.stderr.write(`mykey ca: no test CA in ${args.dir}; run \`mykey ca init --dir ${args.dir}\` first\n`);
    return exitCode.caMissing;
  }
  if (await exists(out)) {
    io.stderr.write(`mykey ca: ${out} already exists; refusing to overwrite it\n`);
    return exitCode.wouldOverwrite;
  }
  const card = await createSoftwareCard(await loadTestCa(args.dir), { nowMs: Date.now(), validityDays: args.validityDays });
  await saveSoftwareCard(out, card);
  const certificate = new X509Certificate(card.certificateDer);
  // OpenSSL prints the serial as whole bytes without the DER sign byte: the same spelling as VerifiedCredential.
  const serialHex = certificate.serialNumber.toLowerCase();
  const notAfter = new Date(certificate.validTo).toISOString();
  io.stderr.write(`issued a software card (serial ${serialHex}, valid until ${notAfter}) to ${out}\n`);
  io.stdout.write(args.json ? `${JSON.stringify({ cardPath: out, serialHex, notAfter })}\n` : `${serialHex}\n`);
  return exitCode.ok;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
