/**
 * The one error body of the API, `{statusCode, code, error, message, param?, requestId}`, and the mapping from
 * typed failures and framework errors to it. Anything unexpected is a bug: 500 `internal`, details in the log only.
 */
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { errorCodes, httpStatusOf, type ErrorCode } from '../domain/errors.js';
import type { Failure } from '../domain/result.js';

export interface ErrorBodyValue {
  statusCode: number;
  code: ErrorCode;
  error: string;
  message: string;
  param?: string;
  requestId: string;
}

export function errorBody(requestId: string, failure: Pick<Failure<ErrorCode>, 'code' | 'message' | 'param'>): ErrorBodyValue {
  const statusCode = httpStatusOf(failure.code);
  const body: ErrorBodyValue = { statusCode, code: failure.code, error: STATUS_CODES[statusCode] ?? 'Error', message: failure.message, requestId };
  return failure.param === undefined ? body : { ...body, param: failure.param };
}

/** Sends a typed failure. */
export function sendFailure(request: FastifyRequest, reply: FastifyReply, failure: Pick<Failure<ErrorCode>, 'code' | 'message' | 'param'>): FastifyReply {
  const body = errorBody(request.id, failure);
  return reply.code(body.statusCode).send(body);
}

/** Thrown from hooks and parsers to stop a request with a typed code. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly param?: string,
  ) {
    super(message);
  }
}

const frameworkCodes: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'malformed_json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_request',
  FST_ERR_VALIDATION: 'invalid_request',
};

/** The typed failure an error stands for, or undefined for a bug. */
export function failureOfError(error: FastifyError | ApiError): Pick<Failure<ErrorCode>, 'code' | 'message' | 'param'> | undefined {
  if (error instanceof ApiError) return { code: error.code, message: error.message, ...(error.param === undefined ? {} : { param: error.param }) };
  const code = error.code === undefined ? undefined : frameworkCodes[error.code];
  if (code !== undefined) return { code, message: error.message };
  if (error.validation !== undefined) return { code: 'invalid_request', message: error.message };
  if (error.statusCode === 429) return { code: 'rate_limited', message: error.message };
  return undefined;
}

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(errorCodes, code);
}
