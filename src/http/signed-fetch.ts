/**
 * An HTTP client that signs every request with RFC 9421 hmac-sha256 (Content-Digest over the body). Providers use
 * it to call the platform, and the platform uses it to call a provider's verification endpoint.
 */
import { providerCallTimeoutMs } from '../domain/limits.js';
import { signRequest } from './message-signatures.js';

export interface SigningKey {
  keyId: string;
  secret: Uint8Array;
}

/**
 * Sends a signed request with a JSON body (`json`), raw bytes (`bytes`, e.g. a chunk of an event file) or none,
 * and returns the status and parsed JSON body (undefined when the body is empty). Throws on a network error or
 * timeout.
 *
 * @example
 * const { status, body } = await signedFetch({ url: `${base}/v1/provider/grants`, method: 'GET', key });
 */
export async function signedFetch(input: {
  url: string;
  method: 'GET' | 'POST' | 'PUT';
  key: SigningKey;
  json?: unknown;
  bytes?: { body: Uint8Array; contentType: string };
  headers?: Record<string, string>;
  nowMs?: number;
  timeoutMs?: number;
}): Promise<{ status: number; body: unknown; headers: Headers }> {
  const body = input.json === undefined ? input.bytes?.body : Buffer.from(JSON.stringify(input.json));
  const contentType = input.json === undefined ? input.bytes?.contentType : 'application/json';
  const signature = signRequest({
    method: input.method,
    url: input.url,
    ...(body === undefined ? {} : { body }),
    keyId: input.key.keyId,
    secret: input.key.secret,
    createdS: Math.floor((input.nowMs ?? Date.now()) / 1000),
  });
  const response = await fetch(input.url, {
    method: input.method,
    headers: { ...input.headers, ...signature, ...(contentType === undefined ? {} : { 'content-type': contentType }) },
    ...(body === undefined ? {} : { body }),
    signal: AbortSignal.timeout(input.timeoutMs ?? providerCallTimeoutMs),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown), headers: response.headers };
}
