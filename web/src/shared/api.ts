/**
 * The faces talk to the platform through its HTTP API only, with this one function: JSON in and out, the
 * session cookie sent by the browser (HttpOnly: no script here can read it), the session's CSRF token on every
 * write, an Idempotency-Key where the caller made one for the action (kept across retries of that action). An
 * answer is either the value or the platform's typed error `{ code, message, param? }`; when the platform cannot
 * be reached at all, the code is the client's own `platform_unreachable`.
 */
export interface ApiFailure {
  status: number;
  code: string;
  message: string;
  param?: string;
}

export type ApiResult<T> = { ok: true; status: number; value: T } | { ok: false; failure: ApiFailure };

let csrfToken: string | undefined;

/** The CSRF token of the current session (from the sign-in answer or …/me); undefined when signed out. */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

export interface ApiRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  json?: unknown;
  /** A raw body (an event file chunk, the card agent's PIN): sent as application/octet-stream. */
  bytes?: Blob | ArrayBuffer | Uint8Array<ArrayBuffer>;
  idempotencyKey?: string;
  headers?: Record<string, string>;
  /** How to read a successful answer: JSON (default) or text (CSV, NDJSON, HTML). */
  answer?: 'json' | 'text';
  signal?: AbortSignal;
}

export async function api<T>(path: string, request: ApiRequest = {}): Promise<ApiResult<T>> {
  const method = request.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
  let body: BodyInit | undefined;
  if (request.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(request.json);
  } else if (request.bytes !== undefined) {
    headers['content-type'] = 'application/octet-stream';
    body = request.bytes;
  }
  if (method !== 'GET' && csrfToken !== undefined) headers['x-csrf-token'] = csrfToken;
  if (request.idempotencyKey !== undefined) headers['idempotency-key'] = request.idempotencyKey;
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body: body ?? null, credentials: 'same-origin', ...(request.signal === undefined ? {} : { signal: request.signal }) });
  } catch {
    return { ok: false, failure: { status: 0, code: 'platform_unreachable', message: 'the platform cannot be reached' } };
  }
  const text = await response.text();
  if (!response.ok) {
    try {
      const error = JSON.parse(text) as { code?: string; message?: string; param?: string };
      return { ok: false, failure: { status: response.status, code: error.code ?? 'internal', message: error.message ?? '', ...(error.param === undefined ? {} : { param: error.param }) } };
    } catch {
      return { ok: false, failure: { status: response.status, code: response.status >= 500 ? 'platform_unreachable' : 'internal', message: text.slice(0, 200) } };
    }
  }
  const value = (request.answer === 'text' ? text : text === '' ? undefined : JSON.parse(text)) as T;
  return { ok: true, status: response.status, value };
}

/** A fresh key for one action the person starts (reused if they retry it). */
export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}
