/**
 * Builds the Fastify application (without listening, so tests can `inject`): strict JSON parsing that keeps the
 * raw body, schema validation with two Ajv instances (bodies are never coerced; query strings are), one error
 * body for every failure, a Request-Id on every reply, pino logs with secrets redacted, and the OpenAPI document.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyServerOptions, type RouteOptions } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import type { AppContext } from '../app/context.js';
import { defaultCardAgentUrl } from '../domain/card-agent.js';
import { admissionConcurrencyDefault, admissionQueueDefault, admissionQueueWaitMsDefault, bodyBytesMax } from '../domain/limits.js';
import { fitsAudience, type StaffAudience } from '../domain/staff-roles.js';
import { makeAjv } from './ajv.js';
import { ApiError, failureOfError, sendFailure } from './errors.js';
import { registerAdmission, type AdmissionOptions } from './plugins/admission.js';
import { registerBrowserSessions } from './plugins/browser-sessions.js';
import { idempotencyPreHandler, registerIdempotencyStore } from './plugins/idempotency.js';
import './request-context.js';
import { registerCampaignDashboardRoutes } from './routes/campaign-dashboard.js';
import { registerCitizenRoutes } from './routes/citizen.js';
import { registerEventFileRoutes } from './routes/event-files.js';
import { registerOperatorRoutes } from './routes/operator.js';
import { registerProviderRoutes } from './routes/provider.js';
import { registerRenewalRoutes } from './routes/renewals.js';
import { registerPublicRoutes } from './routes/public.js';
import { registerAwardRoutes } from './routes/awards.js';
import { registerCorrectionRoutes } from './routes/corrections.js';
import { registerProviderKeyRoutes } from './routes/provider-keys.js';
import { registerSettlementRoutes } from './routes/settlement.js';
import { registerStaffRoutes } from './routes/staff.js';
import { registerSecurityHeaders, registerWebFaces } from './web.js';

export interface HttpOptions {
  /** Bearer token of the operator API. */
  operatorToken: string;
  logger: FastifyServerOptions['logger'];
  /** Trust X-Forwarded-* from a reverse proxy (for the scheme and host providers sign). */
  trustProxy?: boolean;
  /** Requests per minute per client address, on every route. */
  rateLimitPerMinute: number;
  /** The citizen's card agent (loopback origin) the portal may call; the default address when absent. */
  cardAgentUrl?: string;
  /** Serve the web faces (portal and consoles) from dist/web; `mykey serve` does, API tests need not. */
  serveWebFaces?: boolean;
  /** Admission control of the API (503 `overloaded` beyond); the defaults of src/domain/limits.ts when absent. */
  admission?: AdmissionOptions;
}

/** Paths pino must never print: tokens, signatures, secrets, security codes, session cookies. */
export const redactedLogPaths = [
  'req.headers.authorization',
  'req.headers.signature',
  'req.headers["idempotency-key"]',
  '*.secret',
  '*.securityCode',
  '*.sessionToken',
  '*.authToken',
  // Enrolment tokens travel in request bodies (never in URLs); a deployment that logs bodies must not show them.
  '*.token',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
];

/**
 * Every operator and provider route declares the staff roles it admits (`config.staffRoles`, possibly none), each of
 * its own side: a route added without one stops the app from being built, so no route is open to a role by accident.
 */
function requireStaffRoleDeclaration(route: RouteOptions): void {
  const audience: StaffAudience | undefined = route.url.startsWith('/v1/operator/') ? 'operator' : route.url.startsWith('/v1/provider/') ? 'provider' : undefined;
  if (audience === undefined) return;
  const admitted = route.config?.staffRoles;
  assert.ok(admitted !== undefined, `${route.method} ${route.url} declares no config.staffRoles`);
  assert.ok(fitsAudience(admitted, audience), `${route.method} ${route.url} admits a role of the other side: ${admitted.join(', ')}`);
}

export async function buildApp(ctx: AppContext, options: HttpOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger,
    bodyLimit: bodyBytesMax,
    trustProxy: options.trustProxy ?? false,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
  });
  const strictAjv = makeAjv(false);
  const queryAjv = makeAjv(true);
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strictAjv : queryAjv).compile(schema));

  const parseJson = app.getDefaultJsonParser('error', 'error');
  // JSON only: without Fastify's built-in parsers, any other media type is 415 unsupported_media_type.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const raw = body as Buffer;
    request.rawBody = raw;
    parseJson(request, raw.toString('utf8'), (error, value) => {
      if (error !== null) done(new ApiError('malformed_json', 'the body is not valid JSON'), undefined);
      else done(null, value);
    });
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header('Request-Id', request.id);
  });
  registerAdmission(
    app,
    options.admission ?? { concurrencyMax: admissionConcurrencyDefault, queueMax: admissionQueueDefault, queueWaitMsMax: admissionQueueWaitMsDefault },
  );
  app.setErrorHandler((error: FastifyError | ApiError, request, reply) => {
    const failure = failureOfError(error);
    if (failure === undefined) {
      request.log.error({ err: error }, 'unhandled error');
      return sendFailure(request, reply, { code: 'internal', message: 'internal error; quote the request id' });
    }
    return sendFailure(request, reply, failure);
  });
  app.setNotFoundHandler((request, reply) => sendFailure(request, reply, { code: 'not_found', message: `no route ${request.method} ${request.url}` }));

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Mykey Platform API', version: '1', description: 'Citizen, provider, operator and staff (console sign-in) APIs. Errors: docs/errors.md.' },
      components: {
        securitySchemes: {
          citizenSession: { type: 'http', scheme: 'bearer', description: 'sessionToken from POST /v1/citizen/login' },
          operatorToken: { type: 'http', scheme: 'bearer', description: 'MYKEY_OPERATOR_TOKEN' },
          httpMessageSignature: { type: 'apiKey', in: 'header', name: 'Signature', description: 'RFC 9421 hmac-sha256 over @method, @target-uri, content-digest; docs/provider-api.md' },
          staffSession: {
            type: 'apiKey',
            in: 'cookie',
            name: 'mykey-staff',
            description: 'A console session from a passkey sign-in (POST /v1/staff/sign-in; `__Host-mykey-staff` behind https); writes carry X-CSRF-Token; docs/staff.md',
          },
        },
      },
    },
  });

  await app.register(rateLimit, {
    max: options.rateLimitPerMinute,
    timeWindow: 60_000,
    errorResponseBuilder: (_request, context) => new ApiError('rate_limited', `more than ${context.max} requests a minute; retry in ${context.after}`),
  });
  app.addHook('onRoute', requireStaffRoleDeclaration);
  const secure = new URL(ctx.origin).protocol === 'https:';
  const cardAgentUrl = options.cardAgentUrl ?? defaultCardAgentUrl;
  await registerSecurityHeaders(app, { cardAgentUrl, secure });
  await registerBrowserSessions(app, { secure, csrfKey: ctx.keys.csrfKey });
  app.addHook('preHandler', idempotencyPreHandler(ctx));
  registerIdempotencyStore(app, ctx);
  registerPublicRoutes(app, ctx, { cardAgentUrl });
  registerCitizenRoutes(app, ctx);
  registerProviderRoutes(app, ctx);
  registerEventFileRoutes(app, ctx);
  registerOperatorRoutes(app, ctx, options.operatorToken);
  registerRenewalRoutes(app, ctx, options.operatorToken);
  registerAwardRoutes(app, ctx, options.operatorToken);
  registerCorrectionRoutes(app, ctx, options.operatorToken);
  registerSettlementRoutes(app, ctx, options.operatorToken);
  registerStaffRoutes(app, ctx, options.operatorToken);
  registerProviderKeyRoutes(app, ctx);
  registerCampaignDashboardRoutes(app, ctx, options.operatorToken);
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  if (options.serveWebFaces === true) await registerWebFaces(app);
  return app;
}
