/**
 * The citizen's card agent (`mykey card agent`, docs/identity.md "The card agent"): a loopback service on the
 * citizen's own machine through which the portal's page has the card sign, as Web eID does, because a page cannot
 * reach a card reader. The page asks (`POST /v1/sign`); the agent checks that the details it will show are those
 * the nonce makes the card sign, reads the PIN's tries left, and holds the request until the person, in the
 * agent's OWN page on its own loopback origin, has read which site asks and for what and typed the PIN — the
 * portal's DOM never sees the PIN. The origin the card signs is the request's `Origin` header, never one from the
 * body. The agent answers only the configured portal origin and only under its own Host (no DNS rebinding), and
 * answers Chromium's Private Network Access preflight. Its own page's calls carry a per-process token that only a
 * page served by the agent can read. The PIN arrives as the raw bytes of its own request and is only ever bytes,
 * wiped after the VERIFY. Slow clients are cut: headers, whole requests and idle connections have deadlines.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { cardAgentErrorCodes, checkSignRequest, type CardAgentErrorCode, type SignRequest } from '../domain/card-agent.js';
import {
  cardAgentApprovalTimeoutMs,
  cardAgentBodyBytesMax,
  cardAgentHeadersTimeoutMs,
  cardAgentIdleTimeoutMs,
  cardAgentPinBodyBytesMax,
  cardAgentRequestTimeoutMs,
  cardAgentTimeoutCheckIntervalMs,
} from '../domain/limits.js';
import { InProcessTransport } from './in-process-transport.js';
import { isWellFormedPin, pinTriesLeft, signWebEidChallengeWithCard } from './jpki-client.js';
import type { SoftwareJpkiCard } from './software-jpki-card.js';
import { CardError, type CardTransport } from './transport.js';

/** Where the card comes from: a PC/SC reader, or a software card whose removal can be simulated. */
export interface CardSource {
  readerName: string;
  /** Opens the card for one use; throws CardError reader_absent / card_absent. */
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

interface Pending extends SignRequest {
  id: string;
  origin: string;
  /** The auth PIN's tries left when the request arrived (never 0: a blocked PIN is answered at once). */
  triesLeft: number;
  settle: (answer: AgentAnswer) => void;
}

type AgentAnswer = { ok: true; authToken: unknown } | { ok: false; code: CardAgentErrorCode; message: string; triesLeft?: number };

/** The deadlines of the agent's HTTP server (the defaults are src/domain/limits.ts'; tests shorten them). */
export interface AgentServerTimeouts {
  headersMs: number;
  requestMs: number;
  idleMs: number;
  checkIntervalMs: number;
}

export interface CardAgentOptions {
  portalOrigin: string;
  source: CardSource;
  port: number;
  host?: string;
  /** How long a request waits for the person in the agent's page. */
  approvalTimeoutMs?: number;
  timeouts?: Partial<AgentServerTimeouts>;
  version: string;
}

/** An expected refusal raised where a reply is not at hand (a body parser): the error handler answers its code. */
class AgentRefusal extends Error {
  constructor(
    readonly code: CardAgentErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Reads the PIN approval's body — the PIN's own bytes — into a fixed buffer, wiping every chunk it copies out of
 * the socket's memory, so the PIN is never a string and leaves no copy behind. More than the limit is refused.
 */
async function readPinBody(stream: IncomingMessage): Promise<Uint8Array> {
  const declaredBytes = Number(stream.headers['content-length'] ?? 0);
  if (declaredBytes > cardAgentPinBodyBytesMax) throw new AgentRefusal('request_too_large', `a PIN approval is at most ${cardAgentPinBodyBytesMax} bytes`);
  const pin = new Uint8Array(cardAgentPinBodyBytesMax);
  let length = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const fits = length + chunk.length <= pin.length;
    if (fits) pin.set(chunk, length);
    length += chunk.length;
    chunk.fill(0);
    if (!fits) {
      pin.fill(0);
      throw new AgentRefusal('request_too_large', `a PIN approval is at most ${cardAgentPinBodyBytesMax} bytes`);
    }
  }
  return pin.subarray(0, length);
}

const webDir = fileURLToPath(new URL('../../web/', import.meta.url));

export async function startCardAgent(options: CardAgentOptions): Promise<{ app: FastifyInstance; url: string; close(): Promise<void> }> {
  const host = options.host ?? '127.0.0.1';
  const ownHosts = new Set([`127.0.0.1:${options.port}`, `localhost:${options.port}`]);
  const ownOrigins = new Set([...ownHosts].map((name) => `http://${name}`));
  const pageToken = randomBytes(24).toString('base64url');
  const approvalTimeoutMs = options.approvalTimeoutMs ?? cardAgentApprovalTimeoutMs;
  const timeouts: AgentServerTimeouts = {
    headersMs: cardAgentHeadersTimeoutMs,
    requestMs: cardAgentRequestTimeoutMs,
    idleMs: cardAgentIdleTimeoutMs,
    checkIntervalMs: cardAgentTimeoutCheckIntervalMs,
    ...options.timeouts,
  };
  // From the first sign request's arrival until its answer: the tries are being read, or the person is asked.
  let busy = false;
  let pending: Pending | undefined;
  let lastResult: { code: CardAgentErrorCode | 'signed'; triesLeft?: number } | undefined;
  let insertionId: string | null = null;

  const app = Fastify({
    logger: false,
    bodyLimit: cardAgentBodyBytesMax,
    // Node's own deadlines against slow clients (slowloris): headers, the whole request, a silent connection.
    // The check runs every `checkIntervalMs`, so a client sending its headers byte by byte is cut by
    // headersMs + checkIntervalMs. A sign request, once received, is held past the idle deadline (below).
    serverFactory: (handler) => {
      const server = createServer({ headersTimeout: timeouts.headersMs, requestTimeout: timeouts.requestMs, connectionsCheckingInterval: timeouts.checkIntervalMs }, handler);
      server.setTimeout(timeouts.idleMs);
      server.keepAliveTimeout = Math.min(5_000, timeouts.idleMs);
      return server;
    },
  });
  const refuse = (reply: FastifyReply, code: CardAgentErrorCode, message: string, triesLeft?: number) =>
    reply.code(cardAgentErrorCodes[code].status).send({ code, message, ...(triesLeft === undefined ? {} : { triesLeft }) });

  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof AgentRefusal) return refuse(reply, error.code, error.message);
    const statusCode = (error as { statusCode?: number }).statusCode;
    if (statusCode === 413) return refuse(reply, 'request_too_large', `the agent takes bodies of at most ${cardAgentBodyBytesMax} bytes`);
    if (statusCode !== undefined && statusCode >= 400 && statusCode < 500) return refuse(reply, 'request_malformed', 'the body is not JSON of the route’s shape');
    // A bug: nothing about it (nor any PIN) goes to the page.
    return refuse(reply, 'agent_internal', 'the card agent failed; nothing was signed');
  });
  app.setNotFoundHandler((_request, reply) => refuse(reply, 'route_unknown', 'the card agent has no such route'));

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

  /** The auth PIN's tries left (VERIFY without data: no try is spent), the card opened and closed for it. */
  const readTriesLeft = async (): Promise<number> => {
    const transport = await options.source.open();
    try {
      return await pinTriesLeft(transport);
    } finally {
      await transport.close().catch(() => undefined);
    }
  };

  app.get('/v1/status', async () => {
    const { present, readerOk } = await cardState();
    const state = !readerOk ? 'reader_absent' : !present ? 'card_absent' : busy ? 'busy' : 'ready';
    return { agent: 'mykey-card-agent', version: options.version, state, reader: readerOk ? { name: options.source.readerName } : null, card: present && insertionId !== null ? { insertionId } : null };
  });

  app.post('/v1/sign', async (request, reply) => {
    const checked = checkSignRequest(request.body);
    if (!checked.ok) return refuse(reply, checked.code, checked.message);
    if (busy) return refuse(reply, 'busy', 'another request is waiting in the agent’s window');
    busy = true;
    try {
      let triesLeft: number;
      try {
        triesLeft = await readTriesLeft();
      } catch (error) {
        if (error instanceof CardError) return refuse(reply, error.code, error.message);
        throw error;
      }
      // JPKI.md §1.4: a blocked PIN is said at once; asking for a PIN the card will refuse would only mislead.
      if (triesLeft === 0) {
        lastResult = { code: 'pin_blocked', triesLeft: 0 };
        return refuse(reply, 'pin_blocked', 'the authentication PIN is blocked', 0);
      }
      // The person reads and types for up to approvalTimeoutMs: the idle deadline must not cut this connection.
      request.raw.setTimeout(approvalTimeoutMs + timeouts.idleMs);
      const answer = await new Promise<AgentAnswer>((resolve) => {
        const timer = setTimeout(() => {
          pending = undefined;
          resolve({ ok: false, code: 'timeout', message: 'nobody approved in the agent’s window in time' });
        }, approvalTimeoutMs);
        pending = {
          ...checked.value,
          id: randomUUID(),
          origin: request.headers.origin!,
          triesLeft,
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
    } finally {
      busy = false;
    }
  });

  // The agent's own page and its calls.
  app.get('/agent/pending', async () => {
    const { present } = await cardState().catch(() => ({ present: false }));
    const shown =
      pending === undefined
        ? null
        : {
            id: pending.id,
            origin: pending.origin,
            purpose: pending.purpose,
            binding: pending.binding ?? null,
            display: pending.display ?? null,
            representativeMykeyId: pending.representativeMykeyId ?? null,
            triesLeft: pending.triesLeft,
          };
    return { pending: shown, lastResult: lastResult ?? null, card: { present, simulated: options.source.setPresent !== undefined, reader: options.source.readerName } };
  });

  await app.register(async (pinRoutes) => {
    // Only this route reads raw bytes, and it takes nothing else: a PIN sent as JSON or text is refused before any
    // parser could make a string of it.
    pinRoutes.addHook('onRequest', async (request, reply) => {
      if (request.headers['content-type'] !== 'application/octet-stream') return refuse(reply, 'request_malformed', 'the PIN is sent as its 4 ASCII digits, application/octet-stream');
      return undefined;
    });
    pinRoutes.addContentTypeParser('application/octet-stream', (_request, payload, done) => {
      readPinBody(payload).then((pin) => done(null, pin), (error: Error) => done(error, undefined));
    });
    pinRoutes.post('/agent/approve/:id', async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
      const pin = request.body instanceof Uint8Array ? request.body : new Uint8Array(0);
      try {
        if (!isWellFormedPin(pin)) return refuse(reply, 'request_malformed', 'the PIN is sent as its 4 ASCII digits, application/octet-stream');
        const current = pending;
        if (current === undefined || request.params.id !== current.id) return refuse(reply, 'request_not_pending', 'that request is not the one waiting');
        let answer: AgentAnswer;
        let transport: CardTransport | undefined;
        try {
          transport = await options.source.open();
          answer = { ok: true, authToken: await signWebEidChallengeWithCard(transport, { pin, origin: current.origin, nonce: current.nonce }) };
        } catch (error) {
          answer = error instanceof CardError ? { ok: false, code: error.code, message: error.message, ...(error.triesLeft === undefined ? {} : { triesLeft: error.triesLeft }) } : { ok: false, code: 'card_error', message: 'the card did not answer as expected' };
        } finally {
          await transport?.close().catch(() => undefined);
        }
        lastResult = answer.ok ? { code: 'signed' } : { code: answer.code, ...(answer.triesLeft === undefined ? {} : { triesLeft: answer.triesLeft }) };
        current.settle(answer);
        return { result: lastResult };
      } finally {
        pin.fill(0);
      }
    });
  });

  app.post('/agent/cancel/:id', async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
    if (pending === undefined || request.params.id !== pending.id) return refuse(reply, 'request_not_pending', 'that request is not the one waiting');
    lastResult = { code: 'user_cancelled' };
    pending.settle({ ok: false, code: 'user_cancelled', message: 'the person cancelled in the agent’s window' });
    return { result: lastResult };
  });

  app.post('/agent/card', async (request: FastifyRequest<{ Body: unknown }>, reply) => {
    const present = (request.body as { present?: unknown } | null)?.present;
    if (typeof present !== 'boolean') return refuse(reply, 'request_malformed', 'the body is {present: true | false}');
    if (options.source.setPresent === undefined) return refuse(reply, 'card_not_simulated', 'only a software card can be taken out and put back');
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
