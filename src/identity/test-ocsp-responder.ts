/**
 * A tiny OCSP responder (and CRL server) over HTTP on loopback, for tests and development with the test CA: POST
 * an OCSP request to `/`, GET the CRL at `/crl`. It answers from a status function, signed by the given signer (the
 * CA itself or a delegated responder certificate). Never for production: it listens on 127.0.0.1 only.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createOcspErrorResponse, createOcspResponse, issueCrl, type TestCa, type TestCertificateStatus, type TestRevocation } from './test-ca.js';

export interface TestOcspResponder {
  /** http://127.0.0.1:<port>/ — the OCSP URL; the CRL is at `${url}crl`. */
  url: string;
  close(): Promise<void>;
}

const requestBytesMax = 16 * 1024;
const crlValidityMs = 86_400_000;

/**
 * Starts the responder on a loopback port (ephemeral unless `port` is given); rejects when it cannot listen.
 *
 * @example
 * const responder = await startTestOcspResponder({ ca, signer: ca, statusOf: () => 'good' });
 * const checker = createOcspChecker({ url: responder.url, fetch: httpRevocationFetch });
 */
export async function startTestOcspResponder(input: {
  /** The issuing CA (it signs the CRL). */
  ca: TestCa;
  /** Who signs OCSP answers: the CA or a delegated responder. */
  signer: TestCa;
  statusOf(serialHex: string): TestCertificateStatus;
  /** The CRL's entries; empty by default. */
  revocations?: () => readonly TestRevocation[];
  nowMs?: () => number;
  /** The loopback port; an ephemeral one (0) by default. */
  port?: number;
}): Promise<TestOcspResponder> {
  const nowMs = input.nowMs ?? (() => Date.now());
  const server = createServer((request, response) => {
    void (async () => {
      try {
        if (request.method === 'GET' && request.url === '/crl') {
          const at = nowMs();
          const crl = await issueCrl(input.ca, { thisUpdateMs: at, nextUpdateMs: at + crlValidityMs, revocations: input.revocations?.() ?? [] });
          response.writeHead(200, { 'content-type': 'application/pkix-crl' }).end(crl);
          return;
        }
        if (request.method !== 'POST' || request.headers['content-type'] !== 'application/ocsp-request') {
          response.writeHead(404).end();
          return;
        }
        const body = await readBody(request);
        let answer: Buffer;
        try {
          answer = await createOcspResponse({ requestDer: body, signer: input.signer, statusOf: input.statusOf, thisUpdateMs: nowMs() });
        } catch {
          answer = createOcspErrorResponse(1); // malformedRequest
        }
        response.writeHead(200, { 'content-type': 'application/ocsp-response' }).end(answer);
      } catch {
        response.writeHead(500).end();
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    // A port in use (EADDRINUSE) rejects instead of surfacing as an unhandled 'error' event.
    server.once('error', reject);
    server.listen(input.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error === undefined ? resolve() : reject(error)))),
  };
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > requestBytesMax) throw new Error('request too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
