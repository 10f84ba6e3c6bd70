/**
 * HTTP test helpers: the real Fastify app (`buildApp`) over a test world, driven with `app.inject()`. Citizens log
 * in and bind through the HTTP API with software cards; providers sign every request (RFC 9421) with the key the
 * world issued them, at the world's clock; the store's rows can be counted table by table.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyServerOptions, LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import type { BindingDetails } from '../../src/domain/challenge-nonce.js';
import { signWebEidChallenge, type SoftwareCard } from '../../src/card/software-card.js';
import { buildApp } from '../../src/http/app.js';
import { signRequest } from '../../src/http/message-signatures.js';
import type { SigningKey } from '../../src/http/signed-fetch.js';
import type { Store } from '../../src/store/db.js';
import type { Schema } from '../../src/store/schema.js';
import { enginesUnderTest, type EngineUnderTest, type OpenedStore } from './engines.js';
import { createWorld, testOrigin, type World } from './world.js';

export const operatorToken = 'operator-token-of-the-http-tests-0123456789';

/**
 * What `${request.protocol}://${request.host}` is under `inject()` (light-my-request sends `Host: localhost:80`),
 * so the origin a provider signs for an injected request.
 */
export const injectOrigin = 'http://localhost:80';

export interface HttpWorld extends World {
  app: FastifyInstance;
  opened: OpenedStore;
  /** Closes the app and the store, and removes the store's data. */
  close(): Promise<void>;
}

/** The embedded engine of `enginesUnderTest()`. */
export async function embeddedEngine(): Promise<EngineUnderTest> {
  const engine = (await enginesUnderTest()).find((e) => e.engine === 'sqlite');
  assert.ok(engine !== undefined);
  return engine;
}

/** A world on a new empty store (embedded unless an engine is given) with the app built over it. */
export async function startHttpWorld(
  options: { engine?: EngineUnderTest; logger?: FastifyServerOptions['logger']; rateLimitPerMinute?: number; nowMs?: number } = {},
): Promise<HttpWorld> {
  const opened = await (options.engine ?? (await embeddedEngine())).open();
  const world = await createWorld(opened.store, options.nowMs);
  const app = await buildApp(world.ctx, { operatorToken, logger: options.logger ?? false, rateLimitPerMinute: options.rateLimitPerMinute ?? 100_000 });
  await app.ready();
  return {
    ...world,
    app,
    opened,
    close: async () => {
      await app.close();
      await opened.close();
    },
  };
}

/** A JSON request with optional bearer token and Idempotency-Key. */
export function injectJson(
  app: FastifyInstance,
  input: { method: 'GET' | 'POST' | 'PUT' | 'DELETE'; url: string; json?: unknown; token?: string; idempotencyKey?: string; headers?: Record<string, string> },
): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = { ...input.headers };
  if (input.token !== undefined) headers.authorization = `Bearer ${input.token}`;
  if (input.idempotencyKey !== undefined) headers['idempotency-key'] = input.idempotencyKey;
  if (input.json !== undefined) headers['content-type'] = 'application/json';
  return app.inject({ method: input.method, url: input.url, headers, ...(input.json === undefined ? {} : { payload: JSON.stringify(input.json) }) });
}

/** An operator request (bearer token; writes get a fresh Idempotency-Key unless one is given). */
export function operatorInject(
  app: FastifyInstance,
  input: { method: 'GET' | 'POST' | 'PUT' | 'DELETE'; url: string; json?: unknown; idempotencyKey?: string },
): Promise<LightMyRequestResponse> {
  const idempotencyKey = input.idempotencyKey ?? (input.method === 'POST' || input.method === 'PUT' ? randomUUID() : undefined);
  return injectJson(app, { ...input, token: operatorToken, ...(idempotencyKey === undefined ? {} : { idempotencyKey }) });
}

/**
 * The headers and bytes of a provider request signed at the world's clock. The clock first moves on by one second:
 * two byte-identical requests signed in the same second carry the same signature, which the replay guard refuses,
 * and a real provider's distinct requests are rarely identical within a second.
 */
export function signProviderRequest(
  world: World,
  key: SigningKey,
  input: { method: 'GET' | 'POST' | 'PUT' | 'DELETE'; url: string; json?: unknown; body?: Buffer; contentType?: string; createdS?: number },
): { headers: Record<string, string>; body: Buffer | undefined } {
  world.clock.advance(1_000);
  const body = input.body ?? (input.json === undefined ? undefined : Buffer.from(JSON.stringify(input.json)));
  const signature = signRequest({
    method: input.method,
    url: `${injectOrigin}${input.url}`,
    ...(body === undefined ? {} : { body }),
    keyId: key.keyId,
    secret: key.secret,
    createdS: input.createdS ?? Math.floor(world.clock.nowMs() / 1000),
  });
  return { headers: { ...signature, ...(body === undefined ? {} : { 'content-type': input.contentType ?? 'application/json' }) }, body };
}

/**
 * Sends a signed provider request (see {@link signProviderRequest}); `headers` are laid over the signed ones. A
 * `body` is sent as `contentType` (JSON by default).
 */
export function providerInject(
  http: HttpWorld,
  key: SigningKey,
  input: { method: 'GET' | 'POST' | 'PUT' | 'DELETE'; url: string; json?: unknown; body?: Buffer; contentType?: string; createdS?: number; headers?: Record<string, string> },
): Promise<LightMyRequestResponse> {
  const signed = signProviderRequest(http, key, input);
  return http.app.inject({ method: input.method, url: input.url, headers: { ...signed.headers, ...input.headers }, ...(signed.body === undefined ? {} : { payload: signed.body }) });
}

export interface HttpCitizen {
  card: SoftwareCard;
  sessionToken: string;
  mykeyId: string;
}

export interface LoginChallenge {
  challengeId: string;
  nonce: string;
  /** The Cookie header carrying the pre-login cookie the challenge is bound to ('' for none). */
  cookie: string;
}

/** A fresh login challenge from the API, with the pre-login cookie it came with. */
export async function loginChallenge(app: FastifyInstance): Promise<LoginChallenge> {
  const response = await app.inject({ method: 'POST', url: '/v1/citizen/login/challenge' });
  assert.equal(response.statusCode, 200, response.body);
  const preauth = response.cookies.find((cookie) => cookie.name.endsWith('mykey-preauth'));
  assert.ok(preauth !== undefined, 'a login challenge sets the pre-login cookie');
  return { ...(response.json() as { challengeId: string; nonce: string }), cookie: `${preauth.name}=${preauth.value}` };
}

/** POST /v1/citizen/login for a challenge, sending its pre-login cookie; `extra` joins the body. */
export function loginInject(app: FastifyInstance, challenge: Pick<LoginChallenge, 'challengeId' | 'cookie'>, authToken: unknown, extra: Record<string, unknown> = {}): Promise<LightMyRequestResponse> {
  return injectJson(app, { method: 'POST', url: '/v1/citizen/login', json: { challengeId: challenge.challengeId, authToken, ...extra }, headers: challenge.cookie === '' ? {} : { cookie: challenge.cookie } });
}

/** Logs the card in over HTTP (challenge, card signature over the test origin, login). */
export async function httpLogin(http: HttpWorld, card: SoftwareCard): Promise<HttpCitizen> {
  const challenge = await loginChallenge(http.app);
  const authToken = signWebEidChallenge(card, { origin: testOrigin, nonce: challenge.nonce });
  const response = await loginInject(http.app, challenge, authToken);
  assert.equal(response.statusCode, 200, response.body);
  const body = response.json() as { sessionToken: string; mykeyId: string };
  return { card, sessionToken: body.sessionToken, mykeyId: body.mykeyId };
}

/** Asks the API for a bind challenge for these details. */
export async function bindChallenge(http: HttpWorld, citizen: HttpCitizen, details: BindingDetails): Promise<{ challengeId: string; nonce: string }> {
  const response = await injectJson(http.app, { method: 'POST', url: '/v1/citizen/bindings/challenge', token: citizen.sessionToken, json: details });
  assert.equal(response.statusCode, 200, response.body);
  return response.json();
}

/**
 * Binds over HTTP: a bind challenge for `details`, signed by `signingCard` (the citizen's own card by default),
 * then POST /v1/citizen/bindings with `binding` (the same details by default) and the scripted verifier's
 * accepted security code unless another is given.
 */
export async function httpBind(
  http: HttpWorld,
  citizen: HttpCitizen,
  details: BindingDetails,
  options: { securityCode?: string; idempotencyKey?: string; signingCard?: SoftwareCard; binding?: BindingDetails } = {},
): Promise<LightMyRequestResponse> {
  const challenge = await bindChallenge(http, citizen, details);
  const authToken = signWebEidChallenge(options.signingCard ?? citizen.card, { origin: testOrigin, nonce: challenge.nonce });
  return injectJson(http.app, {
    method: 'POST',
    url: '/v1/citizen/bindings',
    token: citizen.sessionToken,
    idempotencyKey: options.idempotencyKey ?? randomUUID(),
    json: { challengeId: challenge.challengeId, authToken, binding: options.binding ?? details, securityCode: options.securityCode ?? `ok-${details.accountRef}` },
  });
}

/** Every table of src/store/schema.ts; the type below fails to compile when a table is added there and not here. */
export const storeTables = [
  'persons',
  'credentials',
  'certificate_renewals',
  'providers',
  'provider_services',
  'provider_keys',
  'accounts',
  'campaigns',
  'bindings',
  'account_holders',
  'registries',
  'attestations',
  'representations',
  'period_balances',
  'campaign_budgets',
  'events',
  'event_campaigns',
  'balances',
  'ledger_entries',
  'provider_feed_heads',
  'grant_acks',
  'challenges',
  'sessions',
  'idempotency_records',
  'signature_nonces',
  'audit_log',
  'event_files',
  'event_file_lines',
  'settlement_statements',
  'settlement_reconciliations',
  'staff_accounts',
  'staff_passkeys',
  'staff_enrolments',
  'staff_sessions',
  'passkey_challenges',
  'event_rejection_counts',
] as const satisfies ReadonlyArray<keyof Schema>;
const everyTableListed: [Exclude<keyof Schema, (typeof storeTables)[number]>] extends [never] ? true : false = true;
void everyTableListed;

export type StoreTable = (typeof storeTables)[number];

/** The tables the store really has (without the migrator's own), to check `storeTables` against. */
export async function tablesInStore(store: Store): Promise<string[]> {
  const rows =
    store.engine === 'sqlite'
      ? await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(store.db)
      : await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(store.db);
  return rows.rows.map((r) => r.name).filter((name) => !name.startsWith('kysely_')).sort();
}

/** Row counts of the given tables (every table by default). */
export async function countRows(store: Store, tables: readonly StoreTable[] = storeTables): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const row = await store.db.selectFrom(table).select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
    counts[table] = Number(row.n);
  }
  return counts;
}

/** Every row of every table, as JSON text: to show a value is stored nowhere. */
export async function dumpStore(store: Store): Promise<string> {
  const dump: Record<string, unknown[]> = {};
  for (const table of storeTables) dump[table] = await store.db.selectFrom(table).selectAll().execute();
  return JSON.stringify(dump);
}
