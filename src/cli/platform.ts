/**
 * Assembles a running platform from a configuration: development secrets and test CA (created on first start
 * in the data dir), the trust store, the store, the HTTP app, and in development a first operator administrator,
 * the Mynapoint presets and the demo provider. `mykey serve`, `mykey demo` and the end-to-end tests all start the
 * platform through here; `mykey operator` opens its store the same way.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import type { AppContext, Clock, ProviderVerifier, RevocationChecker } from '../app/context.js';
import { systemClock } from '../app/context.js';
import { createCampaign, createProvider, createProviderKey } from '../app/operator.js';
import { derivePlatformKeys, unseal } from '../app/platform-keys.js';
import { createStaffAccount, listStaff } from '../app/staff-accounts.js';
import { buildApp } from '../http/app.js';
import { httpProviderVerifier } from '../http/provider-verifier.js';
import { createHttpRenewalLookup } from '../identity/renewal-lookup.js';
import { createCrlChecker, createOcspChecker, httpRevocationFetch } from '../identity/revocation.js';
import { createTestCa, saveTestCa, testCaPaths } from '../identity/test-ca.js';
import { createTrustStore } from '../identity/trust-store.js';
import { demoAccounts, registerDemoProviderVerify } from '../provider-sim/demo-provider.js';
import { findCampaign } from '../store/campaigns-repo.js';
import { openStore, type Store, type StoreLocation } from '../store/db.js';
import { findActiveProviderKey, findProvider } from '../store/providers-repo.js';
import { countStaffAccounts } from '../store/staff-repo.js';
import { defaultCardAgentPort, defaultPortalOrigin } from '../domain/card-agent.js';
import { decodeSecret, type ServeConfig } from './config.js';

export class StartupError extends Error {}

export interface RunningPlatform {
  app: FastifyInstance;
  ctx: AppContext;
  /** http://host:port of the listening server. */
  url: string;
  operatorToken: string;
  /** Lines to show a person starting the server: where things are. */
  notes: string[];
  close(): Promise<void>;
}

async function readOrCreate(path: string, create: () => string): Promise<string> {
  if (existsSync(path)) return (await readFile(path, 'utf8')).trim();
  const value = create();
  await writeFile(path, `${value}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
  return value;
}

interface Secrets {
  secret: Buffer;
  operatorToken: string;
  anchorsPem: string[];
  intermediatesPem: string[];
  notes: string[];
}

/** The flags `mykey card agent` needs beyond its defaults to serve this platform's portal. */
function agentFlags(config: ServeConfig): string {
  const portal = config.origin === defaultPortalOrigin ? '' : ` --portal ${config.origin}`;
  const port = new URL(config.cardAgentUrl).port;
  return `${portal}${port === String(defaultCardAgentPort) ? '' : ` --port ${port}`}`;
}

/** Secrets and trust anchors: from the configuration, or generated into the data dir in development. */
async function loadSecrets(config: ServeConfig, nowMs: number): Promise<Secrets> {
  const notes: string[] = [];
  await mkdir(config.dataDir, { recursive: true });
  const secretText = config.secret ?? (await readOrCreate(join(config.dataDir, 'secret.key'), () => randomBytes(32).toString('base64')));
  const secret = decodeSecret(secretText);
  if (!secret.ok) throw new StartupError(secret.message);
  const tokenPath = join(config.dataDir, 'operator-token');
  const operatorToken = config.operatorToken ?? (await readOrCreate(tokenPath, () => randomBytes(24).toString('base64url')));
  if (config.operatorToken === undefined) notes.push(`operator token (development): ${tokenPath}`);
  let anchorPaths = config.trustAnchorPaths;
  if (anchorPaths.length === 0) {
    const caDir = join(config.dataDir, 'test-ca');
    const { certificatePath } = testCaPaths(caDir);
    if (!existsSync(certificatePath)) await saveTestCa(caDir, await createTestCa({ nowMs }));
    anchorPaths = [certificatePath];
    notes.push(`trusting the development test CA ${certificatePath}`);
    notes.push(`log in at ${config.origin}/ with a software card (PIN 1234): in another terminal make the card once, then start the agent`);
    notes.push(`    npx mykey ca issue-card --dir ${caDir} --out card.json`);
    notes.push(`    npx mykey card agent --software card.json${agentFlags(config)}`);
  }
  const readPems = (paths: readonly string[], what: string): Promise<string[]> =>
    Promise.all(
      paths.map(async (path) => {
        try {
          return await readFile(path, 'utf8');
        } catch {
          throw new StartupError(`cannot read ${what} ${path}`);
        }
      }),
    );
  const anchorsPem = await readPems(anchorPaths, 'trust anchor');
  const intermediatesPem = await readPems(config.trustIntermediatePaths, 'intermediate CA');
  return { secret: secret.value, operatorToken, anchorsPem, intermediatesPem, notes };
}

function storeLocation(config: ServeConfig): StoreLocation {
  return config.databaseUrl === undefined
    ? { engine: 'sqlite', path: join(config.dataDir, 'mykey.db') }
    : { engine: 'postgres', connectionString: config.databaseUrl, poolSize: config.dbPoolSize };
}

/**
 * The store of a configuration, migrated, as `mykey serve` opens it (the embedded database in the data dir, or
 * PostgreSQL at DATABASE_URL). Throws StartupError with one line when it cannot be opened.
 */
export async function openConfiguredStore(config: ServeConfig): Promise<Store> {
  try {
    return await openStore(storeLocation(config));
  } catch (error) {
    throw new StartupError(`cannot open the store: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * A development platform whose store has no staff account at all gets a first operator administrator, so that a
 * newcomer can open the operator console at once; the note says where to enrol its passkey. Never in production:
 * there the first administrator comes from `mykey operator add-admin`.
 */
async function ensureDevelopmentAdmin(ctx: AppContext): Promise<string[]> {
  if ((await ctx.store.transaction((tx) => countStaffAccounts(tx))) > 0) return [];
  const created = await createStaffAccount(ctx, 'system:development', { providerId: null }, { displayName: 'Development administrator', role: 'operator_admin' });
  if (!created.ok) throw new Error(`the development administrator was refused: ${created.code}`);
  const { link, expiresAtMs } = created.value.enrolment;
  return [`operator console: enrol the development administrator's passkey at ${link} (valid once, until ${new Date(expiresAtMs).toISOString()})`];
}

const demoProviderId = 'demo-pay';

/**
 * The demo provider, while it has no staff account, gets an administrator, so that a newcomer can upload the demo
 * provider's event file in the provider console (its payments reach the citizen's points) without a terminal.
 */
async function ensureDemoProviderAdmin(ctx: AppContext): Promise<string[]> {
  const scope = { providerId: demoProviderId };
  if ((await listStaff(ctx, scope)).length > 0) return [];
  const created = await createStaffAccount(ctx, 'system:demo-seed', scope, { displayName: 'Demo Pay administrator', role: 'provider_admin' });
  if (!created.ok) throw new Error(`the demo provider's administrator was refused: ${created.code}`);
  const { link, expiresAtMs } = created.value.enrolment;
  return [`provider console: enrol the demo provider's administrator at ${link} (valid once, until ${new Date(expiresAtMs).toISOString()})`];
}

/** The campaigns a development platform starts with: each preset's id, and the preset it comes from. */
const demoCampaigns = [
  { id: 'mynapoint-2020', preset: 'mynapoint-2020' },
  { id: 'mynapoint-demo', preset: 'mynapoint-2020-now' },
  { id: 'municipal-30', preset: 'municipal-30' },
] as const;

/** The Mynapoint 2020 preset, an open-now copy, a municipal campaign, and the demo provider with its key (development only). */
async function seedDemo(ctx: AppContext, config: ServeConfig, baseUrl: string): Promise<string[]> {
  const actor = 'system:demo-seed';
  for (const { id, preset } of demoCampaigns) {
    if ((await ctx.store.transaction((tx) => findCampaign(tx, id))) === undefined) await createCampaign(ctx, actor, { preset });
  }
  const keyPath = join(config.dataDir, 'demo-provider-key.json');
  const verifyUrl = `${baseUrl}/demo-provider/verify`;
  if ((await ctx.store.transaction((tx) => findProvider(tx, demoProviderId))) === undefined) {
    await createProvider(ctx, actor, { id: demoProviderId, name: 'Demo Pay', verifyUrl, services: [{ id: 'demo-pay-wallet', name: 'Demo Pay wallet' }] });
    const key = await createProviderKey(ctx, actor, demoProviderId);
    if (!key.ok) throw new Error('the demo provider was just created');
    await writeFile(keyPath, `${JSON.stringify({ baseUrl, ...key.value }, null, 2)}\n`, { mode: 0o600 });
  }
  return [
    'campaigns: mynapoint-2020 (the 2020 rules and dates), mynapoint-demo (the same rules, open now), municipal-30 (30 % at merchants of region 13101, 1,000 per payment, 3,000 per month, budget 100,000,000)',
    `demo provider: demo-pay, service demo-pay-wallet, accounts ${demoAccounts.map((a) => `${a.accountRef}/${a.securityCode}`).join(', ')}; key in ${keyPath}`,
    ...(await ensureDemoProviderAdmin(ctx)),
  ];
}

/**
 * The demo provider lives in the platform, so it holds the keys the platform issued it: any of them still signing
 * (the first one in demo-provider-key.json, and those its staff create or rotate in the console).
 */
async function demoProviderSecret(ctx: AppContext, keyId: string): Promise<Buffer | undefined> {
  const key = await ctx.store.transaction((tx) => findActiveProviderKey(tx, keyId, ctx.clock.nowMs()));
  return key?.providerId === demoProviderId ? unseal(ctx.keys, key.secretSealed) : undefined;
}

/** The configured revocation checker: OCSP when a responder is set, else CRLs, else none (development only). */
function revocationCheckerOf(config: ServeConfig): RevocationChecker | undefined {
  if (config.ocspUrl !== undefined) {
    return createOcspChecker({ url: config.ocspUrl, fetch: httpRevocationFetch, freshnessMs: config.revocationFreshnessSeconds * 1_000 });
  }
  if (config.crlUrls.length > 0) return createCrlChecker({ sources: config.crlUrls.map((url) => ({ url })), fetch: httpRevocationFetch });
  return undefined;
}

function revocationNote(config: ServeConfig): string {
  if (config.ocspUrl !== undefined) return `card revocation: OCSP ${config.ocspUrl} (fail closed, answers ≤ ${config.revocationFreshnessSeconds} s old)`;
  if (config.crlUrls.length > 0) return `card revocation: CRLs ${config.crlUrls.join(', ')} (fail closed)`;
  return 'card revocation is NOT checked (no MYKEY_OCSP_URL / MYKEY_CRL_URLS; refused in production): logins check chain, validity, purpose and signature';
}

/**
 * Starts the platform and listens. Throws StartupError with one line for anything a person must fix.
 *
 * @example
 * const platform = await startPlatform(config, { logger: false });
 */
export async function startPlatform(
  config: ServeConfig,
  options: { logger: FastifyServerOptions['logger']; clock?: Clock; providerVerifier?: ProviderVerifier },
): Promise<RunningPlatform> {
  const clock = options.clock ?? systemClock;
  const secrets = await loadSecrets(config, clock.nowMs());
  const trust = createTrustStore({ anchorsPem: secrets.anchorsPem, intermediatesPem: secrets.intermediatesPem, production: config.mode === 'production' });
  if (!trust.ok) throw new StartupError(trust.code === 'test_anchor_in_production' ? 'a test CA (O=JPKI-TEST) cannot be trusted in production' : `bad trust anchor: ${trust.message}`);
  const store = await openConfiguredStore(config);
  const ctx: AppContext = {
    store,
    clock,
    keys: derivePlatformKeys(secrets.secret),
    trust: trust.value,
    origin: config.origin,
    providerVerifier: options.providerVerifier ?? httpProviderVerifier,
    revocation: revocationCheckerOf(config),
    settlementTimeZone: config.settlementTimeZone,
    ...(config.renewalLookupUrl === undefined ? {} : { renewalLookup: createHttpRenewalLookup({ url: config.renewalLookupUrl, fetch: httpRevocationFetch }) }),
  };
  const app = await buildApp(ctx, {
    operatorToken: secrets.operatorToken,
    logger: options.logger,
    trustProxy: config.trustProxy,
    rateLimitPerMinute: config.rateLimitPerMinute,
    cardAgentUrl: config.cardAgentUrl,
    serveWebFaces: true,
    admission: { concurrencyMax: config.admissionConcurrency, queueMax: config.admissionQueue, queueWaitMsMax: config.admissionQueueWaitMs },
  });
  if (config.demo) registerDemoProviderVerify(app, '/demo-provider/verify', { accounts: demoAccounts, lookupSecret: (keyId) => demoProviderSecret(ctx, keyId) });
  let url: string;
  try {
    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : config.port;
    url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
  } catch (error) {
    await store.close();
    throw new StartupError(`cannot listen on ${config.host}:${config.port}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const notes = [
    `store: ${store.engine === 'sqlite' ? `embedded SQLite ${join(config.dataDir, 'mykey.db')}` : 'PostgreSQL (DATABASE_URL)'}`,
    ...secrets.notes,
    revocationNote(config),
  ];
  if (config.mode === 'development') notes.push(...(await ensureDevelopmentAdmin(ctx)));
  if (config.demo) {
    notes.push(...(await seedDemo(ctx, config, url)));
  }
  return {
    app,
    ctx,
    url,
    operatorToken: secrets.operatorToken,
    notes,
    close: async () => {
      await app.close();
      await store.close();
    },
  };
}
