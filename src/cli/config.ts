/**
 * Server configuration: environment variables with the usual names, each with a matching flag (flags win).
 * Secrets (MYKEY_SECRET, MYKEY_OPERATOR_TOKEN) come only from the environment, never from flags, so they do not
 * land in shell history or `ps`. Parsing is pure: it returns the configuration or one clear line of error.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isKnownTimeZone } from '../domain/calendar.js';
import { defaultCardAgentUrl } from '../domain/card-agent.js';
import { admissionConcurrencyDefault, admissionQueueDefault, admissionQueueWaitMsDefault } from '../domain/limits.js';
import { fail, ok, type Result } from '../domain/result.js';
import { defaultSettlementTimeZone } from '../domain/settlement.js';

export type Mode = 'development' | 'production';

export interface ServeConfig {
  port: number;
  host: string;
  /** postgres://… selects PostgreSQL; absent means the embedded SQLite store in dataDir. */
  databaseUrl: string | undefined;
  dataDir: string;
  mode: Mode;
  /** The origin card signatures are bound to (https in production). */
  origin: string;
  /** base64/hex platform secret; development generates one into dataDir when absent. */
  secret: string | undefined;
  operatorToken: string | undefined;
  /** PEM files of the JPKI authentication CAs to trust; development creates and trusts a test CA when absent. */
  trustAnchorPaths: string[];
  /** PEM files of intermediate CAs between the anchors and the card certificates (the card holds only its leaf). */
  trustIntermediatePaths: string[];
  /** Load the Mynapoint presets and the demo provider (development only). */
  demo: boolean;
  logLevel: string;
  trustProxy: boolean;
  dbPoolSize: number;
  rateLimitPerMinute: number;
  /** OCSP responder of the card certificates (the platform operator's); preferred over CRLs when both are set. */
  ocspUrl: string | undefined;
  /** CRL URLs of the card certificates' CAs; used when no OCSP responder is configured. */
  crlUrls: string[];
  /** Asked at a certificate's first login whether it renews an earlier one (fail closed). */
  renewalLookupUrl: string | undefined;
  /** The oldest an OCSP answer may be (and how long a good one is cached). */
  revocationFreshnessSeconds: number;
  /** The IANA zone whose calendar months settlement statements cover. */
  settlementTimeZone: string;
  /** Where the citizen portal finds the card agent on the citizen's own machine (a loopback origin). */
  cardAgentUrl: string;
  /** API requests one process works on at once (admission control; 503 overloaded beyond the queue). */
  admissionConcurrency: number;
  /** API requests that may wait for a slot, per process. */
  admissionQueue: number;
  /** The longest a request waits for a slot before it is shed. */
  admissionQueueWaitMs: number;
  /** Server processes sharing the port (Node cluster); more than 1 needs PostgreSQL. */
  workers: number;
}

interface OptionSpec {
  flag: string | undefined;
  env: string;
  defaultText: string;
  description: string;
}

/** The table behind `--help`; every option of ServeConfig is here. */
export const serveOptions: Record<keyof ServeConfig, OptionSpec> = {
  port: { flag: 'port', env: 'PORT', defaultText: '3000', description: 'TCP port of the API' },
  host: { flag: 'host', env: 'HOST', defaultText: '127.0.0.1', description: 'interface to listen on (0.0.0.0 for all)' },
  databaseUrl: { flag: 'database-url', env: 'DATABASE_URL', defaultText: '(embedded SQLite in the data dir)', description: 'postgres://user@host:5432/db to use PostgreSQL' },
  dataDir: { flag: 'data-dir', env: 'MYKEY_DATA_DIR', defaultText: './data', description: 'embedded database, development secrets and test CA' },
  mode: { flag: 'mode', env: 'MYKEY_MODE', defaultText: 'development (production if NODE_ENV=production)', description: 'development or production' },
  origin: { flag: 'origin', env: 'MYKEY_ORIGIN', defaultText: 'http://localhost:<port>', description: 'origin card logins are bound to; https required in production' },
  secret: { flag: undefined, env: 'MYKEY_SECRET', defaultText: '(development: generated into <data dir>/secret.key)', description: 'platform secret, ≥ 32 bytes as base64 or hex; keys credential hashes and seals provider keys' },
  operatorToken: { flag: undefined, env: 'MYKEY_OPERATOR_TOKEN', defaultText: '(development: generated into <data dir>/operator-token)', description: 'bearer token of the operator API, ≥ 32 characters' },
  trustAnchorPaths: { flag: 'trust-anchors', env: 'MYKEY_TRUST_ANCHORS', defaultText: '(development: <data dir>/test-ca/ca.pem, created if missing)', description: 'comma-separated PEM files of trusted JPKI authentication CAs' },
  trustIntermediatePaths: { flag: 'trust-intermediates', env: 'MYKEY_TRUST_INTERMEDIATES', defaultText: '(none)', description: 'comma-separated PEM files of intermediate CAs under the anchors' },
  demo: { flag: 'demo', env: 'MYKEY_DEMO', defaultText: 'true in development', description: 'load the Mynapoint presets and the demo provider (false to start empty)' },
  logLevel: { flag: 'log-level', env: 'LOG_LEVEL', defaultText: 'info', description: 'fatal, error, warn, info, debug, trace or silent' },
  trustProxy: { flag: 'trust-proxy', env: 'MYKEY_TRUST_PROXY', defaultText: 'false', description: 'trust X-Forwarded-* from a reverse proxy' },
  dbPoolSize: { flag: 'db-pool-size', env: 'MYKEY_DB_POOL_SIZE', defaultText: '10', description: 'PostgreSQL connections per process' },
  ocspUrl: { flag: 'ocsp-url', env: 'MYKEY_OCSP_URL', defaultText: '(none; production needs this or MYKEY_CRL_URLS)', description: 'OCSP responder for card certificate revocation (fail closed)' },
  crlUrls: { flag: 'crl-urls', env: 'MYKEY_CRL_URLS', defaultText: '(none)', description: 'comma-separated CRL URLs of the card CAs, used when no OCSP responder is set' },
  renewalLookupUrl: { flag: 'renewal-lookup-url', env: 'MYKEY_RENEWAL_LOOKUP_URL', defaultText: '(none: only the renewal feed links)', description: 'asked at a first login whether the certificate renews an earlier one (fail closed)' },
  revocationFreshnessSeconds: { flag: 'revocation-freshness', env: 'MYKEY_REVOCATION_FRESHNESS_SECONDS', defaultText: '120', description: 'oldest acceptable OCSP answer, in seconds (also the cache time of good answers)' },
  settlementTimeZone: { flag: 'settlement-time-zone', env: 'MYKEY_SETTLEMENT_TIME_ZONE', defaultText: defaultSettlementTimeZone, description: 'IANA time zone of the calendar months settlement statements cover' },
  cardAgentUrl: { flag: 'card-agent-url', env: 'MYKEY_CARD_AGENT_URL', defaultText: defaultCardAgentUrl, description: 'loopback origin where the portal finds the citizen’s card agent (mykey card agent)' },
  admissionConcurrency: { flag: 'admission-concurrency', env: 'MYKEY_ADMISSION_CONCURRENCY', defaultText: String(admissionConcurrencyDefault), description: 'API requests one process works on at once' },
  admissionQueue: { flag: 'admission-queue', env: 'MYKEY_ADMISSION_QUEUE', defaultText: String(admissionQueueDefault), description: 'API requests that may wait for a slot, per process (503 overloaded beyond)' },
  admissionQueueWaitMs: { flag: 'admission-queue-wait-ms', env: 'MYKEY_ADMISSION_QUEUE_WAIT_MS', defaultText: String(admissionQueueWaitMsDefault), description: 'longest wait for a slot before 503 overloaded (also sets Retry-After)' },
  workers: { flag: 'workers', env: 'MYKEY_WORKERS', defaultText: '1', description: 'server processes sharing the port (more than 1 needs PostgreSQL)' },
  rateLimitPerMinute: { flag: 'rate-limit', env: 'MYKEY_RATE_LIMIT_PER_MINUTE', defaultText: '1200', description: 'requests per minute per client address (429 rate_limited beyond)' },
};

export function serveHelp(): string {
  const rows = Object.values(serveOptions).map((o) => {
    const flag = o.flag === undefined ? '(environment only)' : `--${o.flag}`;
    return `  ${flag.padEnd(20)} ${o.env.padEnd(22)} ${o.description}\n  ${''.padEnd(20)} ${''.padEnd(22)} default: ${o.defaultText}`;
  });
  return `Usage: mykey serve [options]\n\nStarts the platform API. Each option is a flag or an environment variable (the flag wins).\n\n${rows.join('\n')}\n`;
}

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function parseInteger(text: string, name: string, min: number, max: number): Result<number, 'config_invalid'> {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) return fail('config_invalid', `${name} must be an integer from ${min} to ${max}, not "${text}"`);
  return ok(value);
}

function parseBoolean(text: string, name: string): Result<boolean, 'config_invalid'> {
  if (['true', '1', 'yes'].includes(text)) return ok(true);
  if (['false', '0', 'no'].includes(text)) return ok(false);
  return fail('config_invalid', `${name} must be true or false, not "${text}"`);
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

function isOrigin(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === text;
  } catch {
    return false;
  }
}

/** An http origin on the loopback interface: a browser may reach it from an https page (a trustworthy origin). */
function isLoopbackOrigin(text: string): boolean {
  return isOrigin(text) && text.startsWith('http://') && ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(text).hostname);
}

/**
 * Parses flags and environment into a configuration. Returns `config_invalid` with one line saying what is
 * wrong, `help` when --help was asked.
 */
export function parseServeConfig(argv: readonly string[], env: NodeJS.ProcessEnv): Result<ServeConfig, 'config_invalid' | 'help'> {
  let flags: Record<string, string | boolean | undefined>;
  try {
    const options = Object.fromEntries(
      Object.values(serveOptions)
        .filter((o) => o.flag !== undefined)
        .map((o) => [o.flag!, { type: 'string' as const }]),
    );
    flags = parseArgs({ args: [...argv], options: { ...options, help: { type: 'boolean' } }, strict: true, allowPositionals: false }).values;
  } catch (error) {
    return fail('config_invalid', error instanceof Error ? error.message : String(error));
  }
  if (flags.help === true) return fail('help', serveHelp());
  const read = (key: keyof ServeConfig): string | undefined => {
    const spec = serveOptions[key];
    const fromFlag = spec.flag === undefined ? undefined : flags[spec.flag];
    const value = typeof fromFlag === 'string' ? fromFlag : env[spec.env];
    return value === undefined || value === '' ? undefined : value;
  };

  const port = parseInteger(read('port') ?? '3000', 'PORT', 0, 65_535);
  if (!port.ok) return port;
  const modeText = read('mode') ?? (env.NODE_ENV === 'production' ? 'production' : 'development');
  if (modeText !== 'development' && modeText !== 'production') return fail('config_invalid', `MYKEY_MODE must be development or production, not "${modeText}"`);
  const mode: Mode = modeText;
  const origin = read('origin') ?? `http://localhost:${port.value}`;
  if (!isOrigin(origin)) return fail('config_invalid', `MYKEY_ORIGIN must be an origin like https://mykey.example.jp (no path), not "${origin}"`);
  if (mode === 'production' && !origin.startsWith('https://')) return fail('config_invalid', 'MYKEY_ORIGIN must be https in production');
  const databaseUrl = read('databaseUrl');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) return fail('config_invalid', 'DATABASE_URL must start with postgres:// or postgresql://');
  const demo = parseBoolean(read('demo') ?? String(mode === 'development'), 'MYKEY_DEMO');
  if (!demo.ok) return demo;
  if (demo.value && mode === 'production') return fail('config_invalid', 'MYKEY_DEMO cannot be on in production');
  const logLevel = read('logLevel') ?? 'info';
  if (!logLevels.includes(logLevel)) return fail('config_invalid', `LOG_LEVEL must be one of ${logLevels.join(', ')}`);
  const trustProxy = parseBoolean(read('trustProxy') ?? 'false', 'MYKEY_TRUST_PROXY');
  if (!trustProxy.ok) return trustProxy;
  const dbPoolSize = parseInteger(read('dbPoolSize') ?? '10', 'MYKEY_DB_POOL_SIZE', 1, 1_000);
  if (!dbPoolSize.ok) return dbPoolSize;
  const rateLimitPerMinute = parseInteger(read('rateLimitPerMinute') ?? '1200', 'MYKEY_RATE_LIMIT_PER_MINUTE', 1, 10_000_000);
  if (!rateLimitPerMinute.ok) return rateLimitPerMinute;
  const admissionConcurrency = parseInteger(read('admissionConcurrency') ?? String(admissionConcurrencyDefault), 'MYKEY_ADMISSION_CONCURRENCY', 1, 100_000);
  if (!admissionConcurrency.ok) return admissionConcurrency;
  const admissionQueue = parseInteger(read('admissionQueue') ?? String(admissionQueueDefault), 'MYKEY_ADMISSION_QUEUE', 0, 1_000_000);
  if (!admissionQueue.ok) return admissionQueue;
  const admissionQueueWaitMs = parseInteger(read('admissionQueueWaitMs') ?? String(admissionQueueWaitMsDefault), 'MYKEY_ADMISSION_QUEUE_WAIT_MS', 1, 600_000);
  if (!admissionQueueWaitMs.ok) return admissionQueueWaitMs;
  const workers = parseInteger(read('workers') ?? '1', 'MYKEY_WORKERS', 1, 256);
  if (!workers.ok) return workers;
  // SQLite has one writer: a second process would only wait on the first one's lock (SQLITE_BUSY under load).
  if (workers.value > 1 && databaseUrl === undefined) {
    return fail('config_invalid', '--workers above 1 needs PostgreSQL (DATABASE_URL); the embedded SQLite engine has one writer, so more processes would only queue on its lock');
  }
  const secret = env.MYKEY_SECRET === '' ? undefined : env.MYKEY_SECRET;
  const operatorToken = env.MYKEY_OPERATOR_TOKEN === '' ? undefined : env.MYKEY_OPERATOR_TOKEN;
  const pathList = (key: 'trustAnchorPaths' | 'trustIntermediatePaths'): string[] =>
    (read(key) ?? '').split(',').map((p) => p.trim()).filter((p) => p !== '');
  const trustAnchorPaths = pathList('trustAnchorPaths');
  const ocspUrl = read('ocspUrl');
  const crlUrls = (read('crlUrls') ?? '').split(',').map((u) => u.trim()).filter((u) => u !== '');
  for (const url of [...(ocspUrl === undefined ? [] : [ocspUrl]), ...crlUrls]) {
    if (!isHttpUrl(url)) return fail('config_invalid', `revocation source must be an http(s) URL, not "${url}"`);
  }
  const renewalLookupUrl = read('renewalLookupUrl');
  if (renewalLookupUrl !== undefined && !isHttpUrl(renewalLookupUrl)) return fail('config_invalid', `MYKEY_RENEWAL_LOOKUP_URL must be an http(s) URL, not "${renewalLookupUrl}"`);
  const revocationFreshnessSeconds = parseInteger(read('revocationFreshnessSeconds') ?? '120', 'MYKEY_REVOCATION_FRESHNESS_SECONDS', 10, 3_600);
  if (!revocationFreshnessSeconds.ok) return revocationFreshnessSeconds;
  const settlementTimeZone = read('settlementTimeZone') ?? defaultSettlementTimeZone;
  if (!isKnownTimeZone(settlementTimeZone)) return fail('config_invalid', `MYKEY_SETTLEMENT_TIME_ZONE must be an IANA time zone like Asia/Tokyo, not "${settlementTimeZone}"`);
  const cardAgentUrl = read('cardAgentUrl') ?? defaultCardAgentUrl;
  if (!isLoopbackOrigin(cardAgentUrl)) return fail('config_invalid', `MYKEY_CARD_AGENT_URL must be a loopback origin like ${defaultCardAgentUrl}, not "${cardAgentUrl}"`);
  if (mode === 'production') {
    if (ocspUrl === undefined && crlUrls.length === 0) {
      return fail('config_invalid', 'MYKEY_OCSP_URL or MYKEY_CRL_URLS is required in production (card revocation is checked, fail closed)');
    }
    if (renewalLookupUrl === undefined) {
      return fail('config_invalid', 'MYKEY_RENEWAL_LOOKUP_URL is required in production (first logins of renewed cards must reach their Mykey ID)');
    }
    if (secret === undefined) return fail('config_invalid', 'MYKEY_SECRET is required in production');
    if (operatorToken === undefined) return fail('config_invalid', 'MYKEY_OPERATOR_TOKEN is required in production');
    if (trustAnchorPaths.length === 0) return fail('config_invalid', 'MYKEY_TRUST_ANCHORS is required in production (the J-LIS authentication CA certificates)');
  }
  if (operatorToken !== undefined && operatorToken.length < 32) return fail('config_invalid', 'MYKEY_OPERATOR_TOKEN must be at least 32 characters');
  return ok({
    port: port.value,
    host: read('host') ?? '127.0.0.1',
    databaseUrl,
    dataDir: resolve(read('dataDir') ?? 'data'),
    mode,
    origin,
    secret,
    operatorToken,
    trustAnchorPaths,
    trustIntermediatePaths: pathList('trustIntermediatePaths'),
    demo: demo.value,
    logLevel,
    trustProxy: trustProxy.value,
    dbPoolSize: dbPoolSize.value,
    rateLimitPerMinute: rateLimitPerMinute.value,
    ocspUrl,
    crlUrls,
    renewalLookupUrl,
    revocationFreshnessSeconds: revocationFreshnessSeconds.value,
    settlementTimeZone,
    cardAgentUrl,
    admissionConcurrency: admissionConcurrency.value,
    admissionQueue: admissionQueue.value,
    admissionQueueWaitMs: admissionQueueWaitMs.value,
    workers: workers.value,
  });
}

/** Decodes the platform secret (base64 or hex) and checks its strength. */
export function decodeSecret(text: string): Result<Buffer, 'config_invalid'> {
  const bytes = /^[0-9a-fA-F]+$/.test(text) && text.length % 2 === 0 ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (bytes.length < 32) return fail('config_invalid', 'MYKEY_SECRET must hold at least 32 bytes (e.g. `openssl rand -base64 32`)');
  return ok(bytes);
}
