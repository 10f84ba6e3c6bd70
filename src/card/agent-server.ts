/**
 * The citizen's card agent (`mykey card agent`, docs/identity.md "The card agent"): a loopback service on the
 * citizen's own machine through which the portal's page has the card sign, as Web eID does, because a page cannot
 * reach a card reader. The page asks (`POST /v1/sign`); the agent holds the request until the person, in the
 * agent's OWN page on its own loopback origin, has read which site asks and for what and typed the PIN — the
 * portal's DOM never sees the PIN. The origin the card signs is the request's `Origin` header, never one from the
 * body. The agent answers only the configured portal origin and only under its own Host (no DNS rebinding), and
 * answers Chromium's Private Network Access preflight. Its own page's calls carry a per-process token that only a
 * page served by the agent can read.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { InProcessTransport } from './in-process-transport.js';
import { signWebEidChallengeWithCard } from './jpki-client.js';
import type { SoftwareJpkiCard } from './software-jpki-card.js';
import { CardError, type CardErrorCode, type CardTransport } from './transport.js';

export type AgentErrorCode = CardErrorCode | 'user_cancelled' | 'busy' | 'origin_refused' | 'host_refused' | 'request_mismatch' | 'invalid_request';

/** Where the card comes from: a PC/SC reader, or a software card whose removal can be simulated. */
export interface CardSource {
  readerName: string;
  /** Opens the card for one signature; throws CardError reader_absent / card_absent. */
  open(): Promise<CardTransport>;
  /** Whether a card is there now, without signing (a status poll). */
  isPresent(): Promise<boolean>;
  /** Software cards only: take the card out or put it back. */
  setPresent?: (present: boolean) => void;
}

/** A software card held in memory (its PIN tries count across signatures) that can be taken out and put back. */
export function softwareCardSource(card: SoftwareJpkiCard): CardSource {
  let present = true;
  return {
    readerName: 'Mykey software card',
    isPresent: async () => present,
    open: async () => {
      if (!present) throw new CardError('card_absent', 'the software card was taken out');
      return new InProcessTransport(card);
    },
    setPresent: (next) => {
      present = next;
    },
  };
}

export interface SignRequest {
  purpose: 'login' | 'bind' | 'represent';
  nonce: string;
  binding?: { campaignId: string; providerServiceId: string; accountRef: string; onBehalfOf?: string };
  display?: { campaignName?: string; serviceName?: string };
}

interface Pending extends SignRequest {
  id: string;
  origin: string;
  settle: (answer: AgentAnswer) => void;
}

type AgentAnswer = { ok: true; authToken: unknown } | { ok: false; code: AgentErrorCode; message: string; triesLeft?: number };

export interface CardAgentOptions {
  portalOrigin: string;
  source: CardSource;
  port: number;
  host?: string;
  /** How long a request waits for the person in the agent's page. */
  approvalTimeoutMs?: number;
  version: string;
}

const statusOf: Record<AgentErrorCode, number> = {
  pin_wrong: 400,
  pin_blocked: 400,
  not_a_jpki_card: 400,
  card_error: 502,
  card_absent: 503,
  reader_absent: 503,
  timeout: 408,
  user_cancelled: 409,
  busy: 409,
  request_mismatch: 400,
  invalid_request: 400,
  origin_refused: 403,
  host_refused: 403,
};

const purposes = new Set(['login', 'bind', 'represent']);

/** A sign request as the page sent it, or undefined when it is not one (pure). */
export function parseSignRequest(body: unknown): SignRequest | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { purpose, nonce, binding, display } = body as Record<string, unknown>;
  if (typeof purpose !== 'string' || !purposes.has(purpose) || typeof nonce !== 'string' || nonce.length < 16 || nonce.length > 200) return undefined;
  if ((purpose === 'bind') !== (binding !== undefined)) return undefined;
  const strings = (value: unknown, keys: string[], optional: string[]): boolean =>
    typeof value === 'object' && value !== null && Object.entries(value).every(([key, text]) => (keys.includes(key) || optional.includes(key)) && typeof text === 'string' && text.length <= 200) && keys.every((key) => key in value);
  if (binding !== undefined && !strings(binding, ['campaignId', 'providerServiceId', 'accountRef'], ['onBehalfOf'])) return undefined;
  if (display !== undefined && !strings(display, [], ['campaignName', 'serviceName'])) return undefined;
  return { purpose: purpose as SignRequest['purpose'], nonce, ...(binding === undefined ? {} : { binding: binding as SignRequest['binding'] }), ...(display === undefined ? {} : { display: display as SignRequest['display'] }) };
}

function isFourDigits(pin: unknown): pin is string {
  return typeof pin === 'string' && /^[0-9]{4}$/.test(pin);
}

const webDir = fileURLToPath(new URL('../../web/', import.meta.url));

export async function startCardAgent(options: CardAgentOptions): Promise<{ app: FastifyInstance; url: string; close(): Promise<void> }> {
  const host = options.host ?? '127.0.0.1';
  const ownHosts = new Set([`127.0.0.1:${options.port}`, `localhost:${options.port}`]);
  const ownOrigins = new Set([...ownHosts].map((name) => `http://${name}`));
  const pageToken = randomBytes(24).toString('base64url');
  const approvalTimeoutMs = options.approvalTimeoutMs ?? 120_000;
  let pending: Pending | undefined;
  let lastResult: { code: AgentErrorCode | 'signed'; triesLeft?: number } | undefined;
  let insertionId: string | null = null;

  const app = Fastify({ logger: false, bodyLimit: 4_096, connectionTimeout: 10_000, requestTimeout: approvalTimeoutMs + 10_000 });
  const refuse = (reply: FastifyReply, code: AgentErrorCode, message: string, triesLeft?: number) =>
    reply.code(statusOf[code]).send({ code, message, ...(triesLeft === undefined ? {} : { triesLeft }) });

  const portalFacing = (url: string): boolean => url.startsWith('/v1/');
  app.addHook('onRequest', async (request, reply) => {
    if (!ownHosts.has(request.headers.host ?? '')) return refuse(reply, 'host_refused', 'the card agent answers only under its own loopback address');
    const origin = request.headers.origin;
    if (portalFacing(request.url)) {
      if (origin !== options.portalOrigin) return refuse(reply, 'origin_refused', 'the card agent serves only its configured portal');
      reply.header('access-control-allow-origin', options.portalOrigin).header('vary', 'Origin');
      if (request.method === 'OPTIONS') {
        reply.header('access-control-allow-methods', 'GET, POST').header('access-control-allow-headers', 'content-type').header('access-control-max-age', '600');
        if (request.headers['access-control-request-private-network'] === 'true') reply.header('access-control-allow-private-network', 'true');
        return reply.code(204).send();
      }
    } else if (request.url.startsWith('/agent/')) {
      // The agent's own page: same origin, and the token only its own HTML carries.
      if ((origin !== undefined && !ownOrigins.has(origin)) || request.headers['x-agent-token'] !== pageToken) return refuse(reply, 'origin_refused', 'only the agent’s own page may do this');
    }
    return undefined;
  });
  app.addHook('onSend', async (request, reply, payload) => {
    if (!request.url.startsWith('/assets/')) reply.header('cache-control', 'no-store');
    reply.header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer');
    return payload;
  });

  const cardState = async (): Promise<{ present: boolean; readerOk: boolean }> => {
    try {
      const present = await options.source.isPresent();
      if (present && insertionId === null) insertionId = randomUUID();
      if (!present) insertionId = null;
      return { present, readerOk: true };
    } catch (error) {
      insertionId = null;
      if (error instanceof CardError && error.code === 'reader_absent') return { present: false, readerOk: false };
      throw error;
    }
  };

  app.get('/v1/status', async () => {
    const { present, readerOk } = await cardState();
    const state = !readerOk ? 'reader_absent' : !present ? 'card_absent' : pending !== undefined ? 'busy' : 'ready';
    return { agent: 'mykey-card-agent', version: options.version, state, reader: readerOk ? { name: options.source.readerName } : null, card: present && insertionId !== null ? { insertionId } : null };
  });

  app.post('/v1/sign', async (request, reply) => {
    const sign = parseSignRequest(request.body);
    if (sign === undefined) return refuse(reply, 'invalid_request', 'a sign request is {purpose, nonce, binding (for bind), display?}');
    if (pending !== undefined) return refuse(reply, 'busy', 'another request is waiting in the agent’s window');
    const answer = await new Promise<AgentAnswer>((resolve) => {
      const timer = setTimeout(() => {
        pending = undefined;
        resolve({ ok: false, code: 'timeout', message: 'nobody approved in the agent’s window in time' });
      }, approvalTimeoutMs);
      pending = {
        ...sign,
        id: randomUUID(),
        origin: request.headers.origin!,
        settle: (settled) => {
          clearTimeout(timer);
          pending = undefined;
          resolve(settled);
        },
      };
      lastResult = undefined;
    });
    if (answer.ok) return { authToken: answer.authToken };
    return refuse(reply, answer.code, answer.message, answer.triesLeft);
  });

  // The agent's own page and its calls.
  app.get('/agent/pending', async () => {
    const { present } = await cardState().catch(() => ({ present: false }));
    const shown = pending === undefined ? null : { id: pending.id, origin: pending.origin, purpose: pending.purpose, binding: pending.binding ?? null, display: pending.display ?? null };
    return { pending: shown, lastResult: lastResult ?? null, card: { present, simulated: options.source.setPresent !== undefined, reader: options.source.readerName } };
  });

  app.post('/agent/approve', async (request: FastifyRequest<{ Body: { id?: unknown; pin?: unknown } }>, reply) => {
    const { id, pin } = (request.body ?? {}) as { id?: unknown; pin?: unknown };
    if (pending === undefined || id !== pending.id) return refuse(reply, 'request_mismatch', 'that request is not the one waiting');
    if (!isFourDigits(pin)) return refuse(reply, 'invalid_request', 'the PIN is 4 digits');
    const current = pending;
    const pinBytes = Buffer.from(pin, 'ascii');
    let answer: AgentAnswer;
    let transport: CardTransport | undefined;
    try {
      transport = await options.source.open();
      answer = { ok: true, authToken: await signWebEidChallengeWithCard(transport, { pin: pinBytes, origin: current.origin, nonce: current.nonce }) };
    } catch (error) {
      answer = error instanceof CardError ? { ok: false, code: error.code, message: error.message, ...(error.triesLeft === undefined ? {} : { triesLeft: error.triesLeft }) } : { ok: false, code: 'card_error', message: 'the card did not answer as expected' };
    } finally {
      pinBytes.fill(0);
      await transport?.close().catch(() => undefined);
    }
    lastResult = answer.ok ? { code: 'signed' } : { code: answer.code, ...(answer.triesLeft === undefined ? {} : { triesLeft: answer.triesLeft }) };
    current.settle(answer);
    return { result: lastResult };
  });

  app.post('/agent/cancel', async (request: FastifyRequest<{ Body: { id?: unknown } }>, reply) => {
    const { id } = (request.body ?? {}) as { id?: unknown };
    if (pending === undefined || id !== pending.id) return refuse(reply, 'request_mismatch', 'that request is not the one waiting');
    lastResult = { code: 'user_cancelled' };
    pending.settle({ ok: false, code: 'user_cancelled', message: 'the person cancelled in the agent’s window' });
    return { result: lastResult };
  });

  app.post('/agent/card', async (request: FastifyRequest<{ Body: { present?: unknown } }>, reply) => {
    const { present } = (request.body ?? {}) as { present?: unknown };
    if (options.source.setPresent === undefined || typeof present !== 'boolean') return refuse(reply, 'invalid_request', 'only a software card can be taken out and put back');
    options.source.setPresent(present);
    await cardState();
    return { present };
  });

  const page = async (_request: FastifyRequest, reply: FastifyReply) => {
    const html = (await readFile(`${webDir}agent/index.html`, 'utf8')).replace('__AGENT_TOKEN__', pageToken);
    return reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
      .header('x-frame-options', 'DENY')
      .send(html);
  };
  app.get('/', page);
  await app.register(fastifyStatic, { root: `${webDir}assets`, prefix: '/assets/', immutable: true, maxAge: '1y', index: false });

  await app.listen({ port: options.port, host });
  const url = `http://${host}:${options.port}`;
  return { app, url, close: () => app.close() };
}
