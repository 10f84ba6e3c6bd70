/**
 * Provider API, event files: open an upload, append chunks of raw bytes at an offset, complete it, read its state
 * and its per-line report, and list the provider's files, newest first. Signed like every provider request (the chunk's Content-Digest covers its bytes, and
 * the offset is in the signed URL); a provider sees only its own files.
 */
import { Type } from 'typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../app/context.js';
import { staffAccess } from '../../domain/staff-roles.js';
import { appendEventFileChunk, completeEventFile, createEventFile, getEventFile, listEventFiles, readEventFileReport, type EventFileView } from '../../app/event-files.js';
import type { ErrorCode } from '../../domain/errors.js';
import { eventFileChunkBytesMax, eventFileNameCharsMax, eventFileReportPageMax, pageMax } from '../../domain/limits.js';
import type { Failure } from '../../domain/result.js';
import { makeAjv } from '../ajv.js';
import { sendFailure } from '../errors.js';
import { eventSchemaCheck } from '../event-file-schema.js';
import { providerAuth } from '../plugins/auth.js';
import { IdempotencyHeaders, errorResponses, isoInstant, isoOf, providerSecurity } from '../schemas.js';

const tags = ['provider'];
const security = providerSecurity;
const FormatSchema = Type.Union([Type.Literal('ndjson'), Type.Literal('csv')]);
const LineStatusSchema = Type.Union([Type.Literal('applied'), Type.Literal('duplicate'), Type.Literal('rejected')]);

const FileIdParams = Type.Object({ fileId: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });

const EventFileSchema = Type.Object({
  fileId: Type.String(),
  fileName: Type.String(),
  format: FormatSchema,
  sizeBytes: Type.Optional(Type.Integer({ description: 'As declared at creation.' })),
  sha256: Type.Optional(Type.String({ description: 'As declared at creation.' })),
  state: Type.Union([Type.Literal('receiving'), Type.Literal('completed'), Type.Literal('digest_mismatch')]),
  receivedBytes: Type.Integer({ description: 'Send the next chunk from this offset (also the Upload-Offset header).' }),
  linesRead: Type.Integer({ description: 'Physical lines read to their end, the CSV header and blank lines included.' }),
  linesApplied: Type.Integer(),
  linesDuplicate: Type.Integer(),
  linesRejected: Type.Integer(),
  createdAt: isoInstant,
  closedAt: Type.Optional(isoInstant),
});

const LineResultSchema = Type.Object({
  line: Type.Integer({ description: 'The line number in the file (1-based; every physical line counts).' }),
  eventId: Type.Optional(Type.String()),
  status: LineStatusSchema,
  code: Type.Optional(Type.String({ description: 'For a rejected line: the error code (docs/errors.md).' })),
  message: Type.Optional(Type.String()),
});

function fileBody(view: EventFileView) {
  const { sizeBytes, sha256, createdAtMs, closedAtMs, ...rest } = view;
  return {
    ...rest,
    ...(sizeBytes === null ? {} : { sizeBytes }),
    ...(sha256 === null ? {} : { sha256 }),
    createdAt: isoOf(createdAtMs),
    ...(closedAtMs === null ? {} : { closedAt: isoOf(closedAtMs) }),
  };
}

const queryAjv = makeAjv(true);

/** The chunk route's body is the raw bytes (a Buffer from the octet-stream parser), or nothing. */
function rawBodyValidator(data: unknown): true | { error: Error } {
  return data === null || Buffer.isBuffer(data) ? true : { error: new Error('the body must be the raw bytes of the chunk (application/octet-stream)') };
}

/** A refused chunk or completion; an offset mismatch also says where to resume, in the Upload-Offset header. */
async function sendFileFailure(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, fileId: string, failure: Failure<ErrorCode>): Promise<FastifyReply> {
  if (failure.code === 'upload_offset_mismatch') {
    const file = await getEventFile(ctx, request.providerId!, fileId);
    if (file.ok) reply.header('Upload-Offset', String(file.value.receivedBytes));
  }
  return sendFailure(request, reply, failure);
}

export function registerEventFileRoutes(parent: FastifyInstance, ctx: AppContext): void {
  parent.register(async (scoped) => {
    const app = scoped.withTypeProvider<TypeBoxTypeProvider>();
    app.addHook('preValidation', providerAuth(ctx));
    // Only here: chunks are raw bytes. The raw body is what the Content-Digest of the signature covers.
    app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (request, body, done) => {
      request.rawBody = body as Buffer;
      done(null, body);
    });

    app.post('/v1/provider/event-files', {
      config: { idempotent: true, staffRoles: staffAccess.providerData },
      schema: {
        tags,
        security,
        summary: 'Open an event file upload (NDJSON or CSV); then PUT its content in chunks and complete it',
        headers: IdempotencyHeaders,
        body: Type.Object(
          {
            fileName: Type.String({ minLength: 1, maxLength: eventFileNameCharsMax }),
            format: FormatSchema,
            sizeBytes: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Checked on every chunk and at completion.' })),
            sha256: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$', description: 'Lowercase hex sha256 of the whole file, checked at completion.' })),
          },
          { additionalProperties: false },
        ),
        response: { 201: EventFileSchema, ...errorResponses(400, 401, 409) },
      },
      handler: async (request, reply) => reply.code(201).send(fileBody(await createEventFile(ctx, request.providerId!, request.body))),
    });

    app.get('/v1/provider/event-files', {
      config: { staffRoles: staffAccess.providerData },
      schema: {
        tags,
        security,
        summary: 'Your event files, newest first, in pages (each with its state and counts)',
        querystring: Type.Object(
          {
            after: Type.Optional(Type.String({ minLength: 1, maxLength: 400, description: 'nextCursor of the previous page; absent for the newest files.' })),
            limit: Type.Integer({ minimum: 1, maximum: pageMax, default: 100 }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ data: Type.Array(EventFileSchema), hasMore: Type.Boolean(), nextCursor: Type.Union([Type.String(), Type.Null()]) }),
          ...errorResponses(400, 401),
        },
      },
      handler: async (request, reply) => {
        const { after, limit } = request.query;
        const page = await listEventFiles(ctx, request.providerId!, { limit, ...(after === undefined ? {} : { after }) });
        if (!page.ok) return sendFailure(request, reply, page);
        return { ...page.value, data: page.value.data.map(fileBody) };
      },
    });

    app.get('/v1/provider/event-files/:fileId', {
      config: { staffRoles: staffAccess.providerData },
      schema: { tags, security, summary: 'The state and counts of an event file: resume an upload from receivedBytes', params: FileIdParams, response: { 200: EventFileSchema, ...errorResponses(401, 404) } },
      handler: async (request, reply) => {
        const file = await getEventFile(ctx, request.providerId!, request.params.fileId);
        if (!file.ok) return sendFailure(request, reply, file);
        return reply.header('Upload-Offset', String(file.value.receivedBytes)).send(fileBody(file.value));
      },
    });

    app.put('/v1/provider/event-files/:fileId/content', {
      config: { staffRoles: staffAccess.providerData },
      bodyLimit: eventFileChunkBytesMax,
      validatorCompiler: ({ schema, httpPart }) => (httpPart === 'body' ? rawBodyValidator : queryAjv.compile(schema)),
      schema: {
        tags,
        security,
        summary: 'Append a chunk (≤ 4 MiB of raw bytes) at ?offset=; bytes already received are skipped; complete lines are applied',
        consumes: ['application/octet-stream'],
        params: FileIdParams,
        querystring: Type.Object(
          { offset: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Where this chunk starts in the file; at most receivedBytes.' }) },
          { additionalProperties: false },
        ),
        body: Type.Unsafe<Buffer | null>({ type: 'string', format: 'binary', description: 'The bytes of the file from offset on.' }),
        response: { 200: EventFileSchema, ...errorResponses(400, 401, 404, 409, 413, 415) },
      },
      handler: async (request, reply) => {
        const { fileId } = request.params;
        const chunk = request.body ?? Buffer.alloc(0);
        const file = await appendEventFileChunk(ctx, request.providerId!, { fileId, offsetBytes: request.query.offset, chunk }, eventSchemaCheck);
        if (!file.ok) return sendFileFailure(ctx, request, reply, fileId, file);
        return reply.header('Upload-Offset', String(file.value.receivedBytes)).send(fileBody(file.value));
      },
    });

    app.post('/v1/provider/event-files/:fileId/complete', {
      config: { staffRoles: staffAccess.providerData },
      schema: {
        tags,
        security,
        summary: 'Complete an event file: checks the declared size and sha256 and reads the last line (repeating it is harmless)',
        params: FileIdParams,
        response: { 200: EventFileSchema, ...errorResponses(400, 401, 404, 409) },
      },
      handler: async (request, reply) => {
        const { fileId } = request.params;
        const file = await completeEventFile(ctx, request.providerId!, fileId, eventSchemaCheck);
        if (!file.ok) return sendFileFailure(ctx, request, reply, fileId, file);
        return fileBody(file.value);
      },
    });

    app.get('/v1/provider/event-files/:fileId/report', {
      config: { staffRoles: staffAccess.providerData },
      schema: {
        tags,
        security,
        summary: 'The result of each line of an event file, in line order, optionally of one status',
        params: FileIdParams,
        querystring: Type.Object(
          {
            after: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$', description: 'nextCursor of the previous page (a line number); absent for the start.' })),
            limit: Type.Integer({ minimum: 1, maximum: eventFileReportPageMax, default: 100 }),
            status: Type.Optional(LineStatusSchema),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ data: Type.Array(LineResultSchema), hasMore: Type.Boolean(), nextCursor: Type.String() }),
          ...errorResponses(400, 401, 404),
        },
      },
      handler: async (request, reply) => {
        const { after, limit, status } = request.query;
        const page = await readEventFileReport(ctx, request.providerId!, { fileId: request.params.fileId, after, limit, status });
        if (!page.ok) return sendFailure(request, reply, page);
        return {
          ...page.value,
          data: page.value.data.map((r) => ({
            line: r.lineNo,
            status: r.status,
            ...(r.eventId === null ? {} : { eventId: r.eventId }),
            ...(r.code === null ? {} : { code: r.code }),
            ...(r.message === null ? {} : { message: r.message }),
          })),
        };
      },
    });
  });
}
