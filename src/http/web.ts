/**
 * The web faces, served by the platform itself (no second server): the citizen portal at /, the provider console
 * under /provider, the operator console under /operator — pages built by Vite into dist/web (`npm run build`),
 * which talk to the HTTP API only. Hashed assets under /assets/ are cached for a year (immutable); the HTML pages
 * are never cached, so a new build reaches everyone at once. Every answer, API included, carries the security
 * headers of @fastify/helmet with a strict Content-Security-Policy: scripts and styles only from the platform
 * itself, no inline script or style, no framing, and the only other address a page may reach is the citizen's
 * own card agent on the loopback interface.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import helmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendFailure } from './errors.js';

/** Where `npm run build` puts the pages (dist/web, beside dist/src). */
export const webRoot = fileURLToPath(new URL('../../web/', import.meta.url));

export interface WebOptions {
  /** The loopback origin of the citizen's card agent, the one other address the portal may call. */
  cardAgentUrl: string;
  /** True behind an https origin: HSTS, and insecure requests upgraded. */
  secure: boolean;
}

const faces = [
  { prefix: '/provider', page: 'provider/index.html' },
  { prefix: '/operator', page: 'operator/index.html' },
] as const;

/** The security headers of every answer; registered whether or not the pages are built. */
export async function registerSecurityHeaders(app: FastifyInstance, options: WebOptions): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'", options.cardAgentUrl],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
        ...(options.secure ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    // Only behind https: HSTS on a plain-http development server would pin localhost to https.
    strictTransportSecurity: options.secure ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    crossOriginEmbedderPolicy: false,
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  });
}

function acceptsHtml(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').includes('text/html');
}

/** Serves a face's page, never cached (its assets are). */
function sendPage(reply: FastifyReply, page: string): FastifyReply {
  reply.header('cache-control', 'no-cache');
  return reply.sendFile(page, webRoot, { cacheControl: false });
}

/**
 * The pages and their assets, when built. A path under a face's prefix serves that face's page (its own router
 * shows the view); any other path that a browser asks for as HTML serves the portal. API paths never get a page.
 */
export async function registerWebFaces(app: FastifyInstance): Promise<void> {
  if (!existsSync(webRoot)) {
    app.get('/', { schema: { hide: true } }, async (_request, reply) =>
      reply.code(503).type('text/plain; charset=utf-8').send('The web pages are not built. Run `npm run build` (npm install and npm start do it), then reload.\n'),
    );
    return;
  }
  await app.register(fastifyStatic, { root: `${webRoot}assets`, prefix: '/assets/', immutable: true, maxAge: '365d', index: false, wildcard: true });
  for (const face of faces) {
    app.get(face.prefix, { schema: { hide: true } }, async (_request, reply) => reply.redirect(`${face.prefix}/`));
    app.get(`${face.prefix}/*`, { schema: { hide: true } }, async (_request, reply) => sendPage(reply, face.page));
  }
  app.get('/', { schema: { hide: true } }, async (_request, reply) => sendPage(reply, 'index.html'));
  app.get('/*', { schema: { hide: true } }, async (request, reply) => {
    if (request.url.startsWith('/v1/') || !acceptsHtml(request)) {
      return sendFailure(request, reply, { code: 'not_found', message: `no route ${request.method} ${request.url}` });
    }
    return sendPage(reply, 'index.html');
  });
}
