import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { access, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as pkijs from 'pkijs';
import { createSoftwareCard, loadSoftwareCard, saveSoftwareCard } from '../card/software-card.js';
import { fail, ok } from '../domain/result.js';
import type { Result } from '../domain/result.js';
import {
  createTestCa,
  createTestHierarchy,
  issueCrl,
  loadTestCa,
  saveTestCa,
  testCaPaths,
  type RevocationReason,
  type TestCertificateStatus,
  type TestRevocation,
} from '../identity/test-ca.js';
import { startTestOcspResponder } from '../identity/test-ocsp-responder.js';

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Stops `mykey ca ocsp` (tests); without it, SIGINT or SIGTERM does. */
  signal?: AbortSignal;
}

interface CommonArgs {
  dir: string;
  validityDays: number | undefined;
  json: boolean;
}
type CaArgs =
  | (CommonArgs & { subcommand: 'init'; hierarchy: boolean })
  | (CommonArgs & { subcommand: 'issue-card'; out: string })
  | (CommonArgs & { subcommand: 'revoke'; serialHex: string; reason: CliRevocationReason })
  | (CommonArgs & { subcommand: 'crl'; out: string; nextUpdateHours: number })
  | (CommonArgs & { subcommand: 'ocsp'; port: number })
  | (CommonArgs & { subcommand: 'renew'; card: string; out: string; record: string | undefined });
type Subcommand = CaArgs['subcommand'];

/** One exit code per failure mode, so scripts can branch on them (listed in the usage text too). */
const exitCode = {
  ok: 0,
  unexpected: 1,
  wouldOverwrite: 2,
  caMissing: 3,
  unknownSerial: 4,
  alreadyRevoked: 5,
  cannotListen: 6,
  usage: 64,
} as const;
const validityDaysMax = 36_500;
const nextUpdateHoursDefault = 24;
const nextUpdateHoursMax = 8_760;
const hourMs = 3_600_000;

/** The reasons a CA operator may give by hand (RFC 5280 §5.3.1, the ones JPKI.md §2.3 lists). */
const cliRevocationReasons = [
  'unspecified',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
] as const satisfies readonly RevocationReason[];
type CliRevocationReason = (typeof cliRevocationReasons)[number];

// Which options each subcommand takes; --dir and --json are common to all.
const optionsOf: Record<Subcommand, { required: readonly string[]; optional: readonly string[] }> = {
  init: { required: [], optional: ['days', 'hierarchy'] },
  'issue-card': { required: ['out'], optional: ['days'] },
  revoke: { required: ['serial', 'reason'], optional: [] },
  crl: { required: ['out'], optional: ['next-update-hours'] },
  ocsp: { required: [], optional: ['port'] },
  renew: { required: ['card', 'out'], optional: ['days', 'record'] },
};

const usage = `Usage:
  mykey ca init --dir DIR [--hierarchy] [--days N] [--json]
      Create a TEST certificate authority (O=JPKI-TEST, never trusted in production) in DIR:
      ca.pem and ca.key.pem (mode 0600), the CA that issues cards. Prints the trust anchor to configure:
      ca.pem, or with --hierarchy root.pem, a TEST root (root.pem, root.key.pem) that certifies ca.pem
      as its user-authentication CA (for \`mykey serve\`: MYKEY_TRUST_ANCHORS=root.pem,
      MYKEY_TRUST_INTERMEDIATES=ca.pem).
  mykey ca issue-card --dir DIR --out FILE [--days N] [--json]
      Issue a software card (RSA-2048 key and authentication certificate) from the test CA in DIR
      and write it to FILE (JSON, mode 0600). Records it in DIR/index.json. Prints the certificate serial (hex).
  mykey ca revoke --dir DIR --serial HEX --reason REASON [--json]
      Mark a certificate of DIR/index.json revoked now. REASON: ${cliRevocationReasons.join(', ')}.
  mykey ca crl --dir DIR --out FILE [--next-update-hours N] [--json]
      Write a DER CRL of the revoked certificates, signed by the CA in DIR (nextUpdate: N hours, 24 by default).
  mykey ca ocsp --dir DIR [--port N] [--json]
      Serve OCSP (POST /) and the current CRL (GET /crl) on 127.0.0.1 from DIR/index.json until interrupted.
      Prints the OCSP URL. Certificates missing from the index are "unknown".
  mykey ca renew --dir DIR --card OLD.json --out NEW.json [--record FILE] [--days N] [--json]
      Renew a card: a new key and certificate (new serial) for the same person, written to NEW.json; the old
      serial is revoked as superseded. Prints the renewal record, the body POST /v1/operator/renewals takes
      ({"records":[…]}), or writes it to FILE and prints the new serial.

Options:
  --days N   validity in days (CA: 3650, card: 1825 by default)
  --json     print the result as JSON
  --help     show this help

Exit codes: 0 done, 1 unexpected error, 2 would overwrite an existing file, 3 no test CA in DIR,
  4 serial not in DIR/index.json, 5 certificate already revoked, 6 cannot listen on the port, 64 usage error.
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
    const value = args.value;
    switch (value.subcommand) {
      case 'init':
        return await init(value, io);
      case 'issue-card':
        return await issueCard(value, io);
      case 'revoke':
        return await revoke(value, io);
      case 'crl':
        return await crl(value, io);
      case 'ocsp':
        return await ocsp(value, io);
      case 'renew':
        return await renew(value, io);
    }
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
      options: {
        dir: { type: 'string' },
        out: { type: 'string' },
        days: { type: 'string' },
        json: { type: 'boolean' },
        hierarchy: { type: 'boolean' },
        serial: { type: 'string' },
        reason: { type: 'string' },
        'next-update-hours': { type: 'string' },
        port: { type: 'string' },
        card: { type: 'string' },
        record: { type: 'string' },
      },
    });
  } catch (error) {
    return fail('usage', error instanceof Error ? error.message : String(error));
  }
  const { positionals, values } = parsed;
  const subcommand = positionals[0];
  if (positionals.length !== 1 || subcommand === undefined || !Object.hasOwn(optionsOf, subcommand)) {
    return fail('usage', `expected exactly one subcommand: ${Object.keys(optionsOf).join(', ')}`);
  }
  const sub = subcommand as Subcommand;
  if (values.dir === undefined) return fail('usage', '--dir is required', 'dir');
  const given = Object.keys(values).filter((name) => name !== 'dir' && name !== 'json');
  for (const name of given) {
    if (!optionsOf[sub].required.includes(name) && !optionsOf[sub].optional.includes(name)) {
      return fail('usage', `--${name} does not apply to ${sub}`, name);
    }
  }
  for (const name of optionsOf[sub].required) {
    if (!given.includes(name)) return fail('usage', `--${name} is required`, name);
  }
  if (values.days !== undefined && !isWholeNumber(values.days, 1, validityDaysMax)) {
    return fail('usage', `--days must be a whole number from 1 to ${validityDaysMax}`, 'days');
  }
  const validityDays = values.days === undefined ? undefined : Number(values.days);
  const common = { dir: values.dir, validityDays, json: values.json === true };
  switch (sub) {
    case 'init':
      return ok({ ...common, subcommand: sub, hierarchy: values.hierarchy === true });
    case 'issue-card':
      return ok({ ...common, subcommand: sub, out: values.out ?? '' });
    case 'revoke': {
      const serial = values.serial ?? '';
      if (!/^([0-9a-fA-F]{2}){1,32}$/.test(serial)) return fail('usage', '--serial must be whole bytes of hex', 'serial');
      const reason = cliRevocationReasons.find((name) => name === values.reason);
      if (reason === undefined) return fail('usage', `--reason must be one of ${cliRevocationReasons.join(', ')}`, 'reason');
      return ok({ ...common, subcommand: sub, serialHex: normalisedSerialHex(serial), reason });
    }
    case 'crl': {
      const hours = values['next-update-hours'];
      if (hours !== undefined && !isWholeNumber(hours, 1, nextUpdateHoursMax)) {
        return fail('usage', `--next-update-hours must be a whole number from 1 to ${nextUpdateHoursMax}`, 'next-update-hours');
      }
      return ok({ ...common, subcommand: sub, out: values.out ?? '', nextUpdateHours: hours === undefined ? nextUpdateHoursDefault : Number(hours) });
    }
    case 'ocsp': {
      const port = values.port;
      if (port !== undefined && !isWholeNumber(port, 0, 65_535)) return fail('usage', '--port must be a whole number from 0 to 65535', 'port');
      return ok({ ...common, subcommand: sub, port: port === undefined ? 0 : Number(port) });
    }
    case 'renew':
      return ok({ ...common, subcommand: sub, card: values.card ?? '', out: values.out ?? '', record: values.record });
  }
}

function isWholeNumber(text: string, min: number, max: number): boolean {
  return /^[0-9]{1,5}$/.test(text) && Number(text) >= min && Number(text) <= max;
}

// The spelling verifyAuthToken and the renewal feed use: lowercase, no 00 sign byte.
function normalisedSerialHex(serialHex: string): string {
  const lower = serialHex.toLowerCase();
  return lower.length > 2 && lower.startsWith('00') ? lower.slice(2) : lower;
}

async function init(args: CaArgs & { subcommand: 'init' }, io: Io): Promise<number> {
  const paths = testCaPaths(args.dir);
  const rootPaths = rootCaPaths(args.dir);
  const existing = [paths.certificatePath, paths.privateKeyPath, ...(args.hierarchy ? [rootPaths.certificatePath, rootPaths.privateKeyPath] : [])];
  // Checked before the (slow) key generation; saveTestCa refuses to overwrite on its own as well.
  for (const path of existing) {
    if (await exists(path)) {
      io.stderr.write(`mykey ca: a test CA already exists in ${args.dir}; refusing to overwrite it\n`);
      return exitCode.wouldOverwrite;
    }
  }
  const nowMs = Date.now();
  if (!args.hierarchy) {
    const ca = await createTestCa({ nowMs, validityDays: args.validityDays });
    await saveTestCa(args.dir, ca);
    const notAfter = new Date(new X509Certificate(ca.certificatePem).validTo).toISOString();
    io.stderr.write(`created a TEST certificate authority (O=JPKI-TEST) in ${args.dir}, valid until ${notAfter}\n`);
    io.stdout.write(args.json ? `${JSON.stringify({ ...paths, notAfter })}\n` : `${paths.certificatePath}\n`);
    return exitCode.ok;
  }
  const { root, issuing } = await createTestHierarchy({ nowMs, validityDays: args.validityDays });
  // The issuing CA goes where saveTestCa puts a single CA, so issue-card, revoke, crl, ocsp and renew use it as is.
  await saveTestCa(args.dir, issuing);
  await writeFile(rootPaths.privateKeyPath, root.privateKeyPem, { mode: 0o600, flag: 'wx' });
  await writeFile(rootPaths.certificatePath, root.certificatePem, { mode: 0o644, flag: 'wx' });
  const notAfter = new Date(new X509Certificate(root.certificatePem).validTo).toISOString();
  io.stderr.write(
    `created a TEST root (root.pem) and user-authentication CA (ca.pem, the intermediate) in ${args.dir}, valid until ${notAfter}; ` +
      `give mykey serve MYKEY_TRUST_ANCHORS=${rootPaths.certificatePath} and MYKEY_TRUST_INTERMEDIATES=${paths.certificatePath}\n`,
  );
  io.stdout.write(
    args.json
      ? `${JSON.stringify({ ...rootPaths, intermediateCertificatePath: paths.certificatePath, intermediatePrivateKeyPath: paths.privateKeyPath, notAfter })}\n`
      : `${rootPaths.certificatePath}\n`,
  );
  return exitCode.ok;
}

function rootCaPaths(dir: string): { certificatePath: string; privateKeyPath: string } {
  return { certificatePath: join(dir, 'root.pem'), privateKeyPath: join(dir, 'root.key.pem') };
}

async function issueCard(args: CaArgs & { subcommand: 'issue-card' }, io: Io): Promise<number> {
  const out = args.out;
  if (!(await caExists(args.dir, io))) return exitCode.caMissing;
  if (await refuseOverwrite(out, io)) return exitCode.wouldOverwrite;
  const card = await createSoftwareCard(await loadTestCa(args.dir), { nowMs: Date.now(), validityDays: args.validityDays });
  await saveSoftwareCard(out, card);
  const entry = indexEntryOf(card.certificateDer);
  await updateIndex(args.dir, (index) => ({ ...index, certificates: [...index.certificates, entry] }));
  io.stderr.write(`issued a software card (serial ${entry.serialHex}, valid until ${entry.notAfter}) to ${out}\n`);
  io.stdout.write(args.json ? `${JSON.stringify({ cardPath: out, serialHex: entry.serialHex, notAfter: entry.notAfter })}\n` : `${entry.serialHex}\n`);
  return exitCode.ok;
}

async function revoke(args: CaArgs & { subcommand: 'revoke' }, io: Io): Promise<number> {
  if (!(await caExists(args.dir, io))) return exitCode.caMissing;
  const index = await readIndex(args.dir);
  const entry = index.certificates.find((candidate) => candidate.serialHex === args.serialHex);
  if (entry === undefined) {
    io.stderr.write(`mykey ca: serial ${args.serialHex} is not in ${indexPath(args.dir)}\n`);
    return exitCode.unknownSerial;
  }
  if (entry.status === 'revoked') {
    io.stderr.write(`mykey ca: serial ${args.serialHex} was already revoked (${entry.reason ?? 'unspecified'})\n`);
    return exitCode.alreadyRevoked;
  }
  const revokedAt = new Date().toISOString();
  await updateIndex(args.dir, (current) => revokedIn(current, args.serialHex, revokedAt, args.reason));
  io.stderr.write(`revoked serial ${args.serialHex} (${args.reason})\n`);
  io.stdout.write(args.json ? `${JSON.stringify({ serialHex: args.serialHex, revokedAt, reason: args.reason })}\n` : `${args.serialHex}\n`);
  return exitCode.ok;
}

async function crl(args: CaArgs & { subcommand: 'crl' }, io: Io): Promise<number> {
  if (!(await caExists(args.dir, io))) return exitCode.caMissing;
  if (await refuseOverwrite(args.out, io)) return exitCode.wouldOverwrite;
  const ca = await loadTestCa(args.dir);
  const nowMs = Date.now();
  const index = await readIndex(args.dir);
  const crlNumber = index.crlNumberLast + 1;
  const revocations = revocationsOf(index);
  const der = await issueCrl(ca, { thisUpdateMs: nowMs, nextUpdateMs: nowMs + args.nextUpdateHours * hourMs, revocations, crlNumber });
  await writeFile(args.out, der, { mode: 0o644, flag: 'wx' });
  await updateIndex(args.dir, (current) => ({ ...current, crlNumberLast: Math.max(current.crlNumberLast, crlNumber) }));
  const nextUpdate = new Date(nowMs + args.nextUpdateHours * hourMs).toISOString();
  io.stderr.write(`wrote CRL number ${crlNumber} with ${revocations.length} revoked certificate(s) to ${args.out}, next update ${nextUpdate}\n`);
  io.stdout.write(args.json ? `${JSON.stringify({ crlPath: args.out, crlNumber, revokedCount: revocations.length, nextUpdate })}\n` : `${args.out}\n`);
  return exitCode.ok;
}

async function ocsp(args: CaArgs & { subcommand: 'ocsp' }, io: Io): Promise<number> {
  if (!(await caExists(args.dir, io))) return exitCode.caMissing;
  const ca = await loadTestCa(args.dir);
  // Read on every request, so that revoke and renew in another terminal show at once.
  const statusOf = (serialHex: string): TestCertificateStatus => {
    const entry = readIndexSync(args.dir).certificates.find((candidate) => candidate.serialHex === normalisedSerialHex(serialHex));
    if (entry === undefined) return 'unknown';
    if (entry.status === 'good') return 'good';
    return { revokedAtMs: Date.parse(entry.revokedAt ?? ''), reason: entry.reason ?? 'unspecified' };
  };
  let responder;
  try {
    responder = await startTestOcspResponder({ ca, signer: ca, statusOf, revocations: () => revocationsOf(readIndexSync(args.dir)), port: args.port });
  } catch (error) {
    io.stderr.write(`mykey ca: cannot listen on 127.0.0.1:${args.port}: ${error instanceof Error ? error.message : String(error)}\n`);
    return exitCode.cannotListen;
  }
  io.stderr.write(`serving OCSP at ${responder.url} and the CRL at ${responder.url}crl (loopback only); Ctrl-C stops\n`);
  io.stdout.write(args.json ? `${JSON.stringify({ url: responder.url, crlUrl: `${responder.url}crl` })}\n` : `${responder.url}\n`);
  await stopped(io.signal);
  await responder.close();
  io.stderr.write('stopped the OCSP responder\n');
  return exitCode.ok;
}

function stopped(signal: AbortSignal | undefined): Promise<void> {
  if (signal !== undefined) {
    return signal.aborted ? Promise.resolve() : new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  }
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

async function renew(args: CaArgs & { subcommand: 'renew' }, io: Io): Promise<number> {
  if (!(await caExists(args.dir, io))) return exitCode.caMissing;
  const oldCard = await loadSoftwareCard(args.card);
  const oldSerialHex = normalisedSerialHex(new X509Certificate(oldCard.certificateDer).serialNumber);
  const oldEntry = (await readIndex(args.dir)).certificates.find((candidate) => candidate.serialHex === oldSerialHex);
  if (oldEntry === undefined) {
    io.stderr.write(`mykey ca: serial ${oldSerialHex} of ${args.card} is not in ${indexPath(args.dir)}\n`);
    return exitCode.unknownSerial;
  }
  if (oldEntry.status === 'revoked') {
    io.stderr.write(`mykey ca: serial ${oldSerialHex} of ${args.card} was already revoked (${oldEntry.reason ?? 'unspecified'})\n`);
    return exitCode.alreadyRevoked;
  }
  if (await refuseOverwrite(args.out, io)) return exitCode.wouldOverwrite;
  if (args.record !== undefined && (await refuseOverwrite(args.record, io))) return exitCode.wouldOverwrite;
  // A renewal writes a new key pair and a certificate with a new serial (and, as for any card, a new opaque CN).
  const newCard = await createSoftwareCard(await loadTestCa(args.dir), { nowMs: Date.now(), validityDays: args.validityDays });
  await saveSoftwareCard(args.out, newCard);
  const newEntry = indexEntryOf(newCard.certificateDer);
  const revokedAt = new Date().toISOString();
  await updateIndex(args.dir, (index) => revokedIn({ ...index, certificates: [...index.certificates, newEntry] }, oldSerialHex, revokedAt, 'superseded'));
  const body = { records: [{ old: certificateRefOf(oldCard.certificateDer), new: certificateRefOf(newCard.certificateDer), oldRevocationReason: 'superseded' }] };
  const bodyJson = `${JSON.stringify(body)}\n`;
  io.stderr.write(`renewed ${oldSerialHex} (revoked as superseded) to ${newEntry.serialHex}, written to ${args.out}\n`);
  if (args.record === undefined) {
    io.stdout.write(bodyJson);
    return exitCode.ok;
  }
  await writeFile(args.record, bodyJson, { mode: 0o644, flag: 'wx' });
  io.stdout.write(
    args.json
      ? `${JSON.stringify({ cardPath: args.out, serialHex: newEntry.serialHex, oldSerialHex, notAfter: newEntry.notAfter, recordPath: args.record })}\n`
      : `${newEntry.serialHex}\n`,
  );
  return exitCode.ok;
}

// The renewal feed's certificate reference: the issuer Name's DER as in the certificate (base64) and the serial.
function certificateRefOf(certificateDer: Buffer): { issuerNameDer: string; serialHex: string } {
  const certificate = pkijs.Certificate.fromBER(certificateDer);
  return {
    issuerNameDer: Buffer.from(certificate.issuer.valueBeforeDecode).toString('base64'),
    serialHex: normalisedSerialHex(new X509Certificate(certificateDer).serialNumber),
  };
}

/** DIR/index.json: what the CA issued and revoked (like OpenSSL's index.txt), the source of `crl` and `ocsp`. */
interface CaIndex {
  version: 1;
  crlNumberLast: number;
  certificates: IndexEntry[];
}

interface IndexEntry {
  /** Lowercase, no sign byte: as verifyAuthToken reports it. */
  serialHex: string;
  subjectCn: string;
  notAfter: string;
  status: 'good' | 'revoked';
  revokedAt?: string;
  reason?: RevocationReason;
}

function indexPath(dir: string): string {
  return join(dir, 'index.json');
}

function indexEntryOf(certificateDer: Buffer): IndexEntry {
  const certificate = new X509Certificate(certificateDer);
  const subjectCn = /^CN=(.*)$/m.exec(certificate.subject)?.[1] ?? '';
  return {
    serialHex: normalisedSerialHex(certificate.serialNumber),
    subjectCn,
    notAfter: new Date(certificate.validTo).toISOString(),
    status: 'good',
  };
}

function revokedIn(index: CaIndex, serialHex: string, revokedAt: string, reason: RevocationReason): CaIndex {
  return {
    ...index,
    certificates: index.certificates.map((entry) => (entry.serialHex === serialHex ? { ...entry, status: 'revoked', revokedAt, reason } : entry)),
  };
}

function revocationsOf(index: CaIndex): TestRevocation[] {
  return index.certificates
    .filter((entry) => entry.status === 'revoked')
    .map((entry) => ({ serialHex: entry.serialHex, revokedAtMs: Date.parse(entry.revokedAt ?? ''), reason: entry.reason ?? 'unspecified' }));
}

function parseIndex(text: string | undefined): CaIndex {
  if (text === undefined) return { version: 1, crlNumberLast: 0, certificates: [] };
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || !('certificates' in parsed) || !Array.isArray(parsed.certificates)) {
    throw new Error('index.json is not a test CA index');
  }
  return parsed as CaIndex;
}

async function readIndex(dir: string): Promise<CaIndex> {
  return parseIndex(await readFile(indexPath(dir), 'utf8').catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : Promise.reject(error))));
}

function readIndexSync(dir: string): CaIndex {
  try {
    return parseIndex(readFileSync(indexPath(dir), 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return parseIndex(undefined);
    throw error;
  }
}

// Written to a temporary file and renamed, so that a reader (the OCSP server) never sees half an index.
async function updateIndex(dir: string, change: (index: CaIndex) => CaIndex): Promise<void> {
  const next = change(await readIndex(dir));
  const temporary = `${indexPath(dir)}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o644 });
  await rename(temporary, indexPath(dir));
}

async function caExists(dir: string, io: Io): Promise<boolean> {
  if (await exists(testCaPaths(dir).certificatePath)) return true;
  io.stderr.write(`mykey ca: no test CA in ${dir}; run \`mykey ca init --dir ${dir}\` first\n`);
  return false;
}

async function refuseOverwrite(path: string, io: Io): Promise<boolean> {
  if (!(await exists(path))) return false;
  io.stderr.write(`mykey ca: ${path} already exists; refusing to overwrite it\n`);
  return true;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
