// Ensures the OCSP and CRL checkers accept only a valid, fresh, authorised "good" and fail closed otherwise
// (JPKI.md §3.4, T6, T12): revoked and unknown are certificate_revoked; a bad signature, an unauthorised responder,
// a stale or future answer, a missing nonce, a transport failure or a forged CRL are revocation_unavailable; and
// only fresh good answers are cached. How: a test hierarchy (root → issuing CA), a responder built with
// createOcspResponse / issueCrl behind an injected fetch that counts calls, and explicit nowMs values (no sleeping);
// one card of the intermediate CA goes through verifyAuthToken into the checker, as a login does.
import assert from 'node:assert/strict';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { before, describe, it } from 'node:test';
import * as pkijs from 'pkijs';
import type { RevocationChecker } from '../app/context.js';
import { createSoftwareCard, signWebEidChallenge } from '../card/software-card.js';
import { verifyAuthToken } from './auth-token.js';
import { createTrustStore } from './trust-store.js';
import { createCrlChecker, createOcspChecker, httpRevocationFetch, type RevocationFetch } from './revocation.js';
import { startTestOcspResponder } from './test-ocsp-responder.js';
import {
  createOcspErrorResponse,
  createOcspResponse,
  createTestCa,
  createTestHierarchy,
  issueCrl,
  issueOcspResponderCertificate,
  type OcspResponseOptions,
  type TestCa,
  type TestCertificateStatus,
  type TestHierarchy,
} from './test-ca.js';

const nowMs = Date.parse('2026-11-27T03:00:00Z');
const minuteMs = 60_000;
const dayMs = 86_400_000;
const goodSerial = '0a01';
const revokedSerial = '8a02';
const unknownSerial = '0a03';

let hierarchy: TestHierarchy;
let responder: TestCa;
let responderWithoutEku: TestCa;
let responderUnderRoot: TestCa;
let impostorCa: TestCa;

function responderCa(issuer: TestCa, ocspSigning: boolean): Promise<TestCa> {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return issueOcspResponderCertificate(issuer, { publicKey, notBeforeMs: nowMs - dayMs, notAfterMs: nowMs + 30 * dayMs, ocspSigning }).then(
    (certificatePem) => ({ certificatePem, privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() }),
  );
}

before(async () => {
  hierarchy = await createTestHierarchy({ nowMs: nowMs - 365 * dayMs });
  responder = await responderCa(hierarchy.issuing, true);
  responderWithoutEku = await responderCa(hierarchy.issuing, false);
  responderUnderRoot = await responderCa(hierarchy.root, true);
  // Same DN as the issuing CA (createTestCa uses the user-authentication DN), another key: a forgery.
  impostorCa = await createTestCa({ nowMs: nowMs - 365 * dayMs });
});

function checkInput(serialHex: string, at = nowMs, issuer: TestCa = hierarchy.issuing) {
  const der = new X509Certificate(issuer.certificatePem).raw;
  const issuerNameDer = new Uint8Array(pkijs.Certificate.fromBER(der).subject.valueBeforeDecode);
  return { issuerNameDer, serialHex, nowMs: at, issuerCertificateDer: new Uint8Array(der) };
}

function statusOf(serialHex: string): TestCertificateStatus {
  if (serialHex === revokedSerial) return { revokedAtMs: nowMs - dayMs, reason: 'superseded' };
  if (serialHex === unknownSerial) return 'unknown';
  return 'good';
}

/** A scripted OCSP responder: each call answers with `options` (the request filled in), counting calls. */
function ocspResponder(options: () => Partial<OcspResponseOptions> | 'http-500' | 'throw' | 'garbage' | 'try-later') {
  const calls = { count: 0 };
  const fetch: RevocationFetch = async (request) => {
    calls.count += 1;
    assert.equal(request.method, 'POST');
    assert.equal(request.contentType, 'application/ocsp-request');
    const script = options();
    if (script === 'http-500') return { status: 500, body: new Uint8Array() };
    if (script === 'throw') throw new Error('connection refused');
    if (script === 'garbage') return { status: 200, body: new Uint8Array([0x30, 0x03, 1, 2, 3]) };
    if (script === 'try-later') return { status: 200, body: createOcspErrorResponse(3) };
    const body = await createOcspResponse({ requestDer: request.body!, signer: hierarchy.issuing, statusOf, thisUpdateMs: nowMs, ...script });
    return { status: 200, body };
  };
  return { fetch, calls };
}

async function codeOf(checker: RevocationChecker, input: Parameters<RevocationChecker['check']>[0]): Promise<string> {
  const result = await checker.check(input);
  return result.ok ? 'ok' : result.code;
}

describe('OCSP checker', () => {
  it('accepts good from the issuing CA itself, caches it for the freshness window only', async () => {
    const { fetch, calls } = ocspResponder(() => ({}));
    const checker = createOcspChecker({ url: 'http://ocsp.test/', fetch });
    assert.equal(await codeOf(checker, checkInput(goodSerial)), 'ok');
    assert.equal(await codeOf(checker, checkInput(goodSerial, nowMs + 2 * minuteMs)), 'ok');
    assert.equal(calls.count, 1);
    // Past the window the cached answer is gone and a new fetch is made (whose thisUpdate is now stale).
    assert.equal(await codeOf(checker, checkInput(goodSerial, nowMs + 2 * minuteMs + 1)), 'revocation_unavailable');
    assert.equal(calls.count, 2);
  });

  it('accepts a delegated responder with OCSPSigning issued by the issuing CA, by name and by key', async () => {
    for (const responderId of ['byName', 'byKey'] as const) {
      const checker = createOcspChecker({ url: 'http://ocsp.test/', fetch: ocspResponder(() => ({ signer: responder, responderId })).fetch });
      assert.equal(await codeOf(checker, checkInput(goodSerial)), 'ok', responderId);
    }
  });

  it('reports revoked and unknown as certificate_revoked, and never caches them', async () => {
    const { fetch, calls } = ocspResponder(() => ({}));
    const checker = createOcspChecker({ url: 'http://ocsp.test/', fetch });
    assert.equal(await codeOf(checker, checkInput(revokedSerial)), 'certificate_revoked');
    assert.equal(await codeOf(checker, checkInput(revokedSerial)), 'certificate_revoked');
    assert.equal(await codeOf(checker, checkInput(unknownSerial)), 'certificate_revoked');
    assert.equal(calls.count, 3);
  });

  it('refuses unauthorised responders: no OCSPSigning, issued by another CA, a forged CA with the same name', async () => {
    const cases: Array<Partial<OcspResponseOptions>> = [
      { signer: responderWithoutEku },
      { signer: responderUnderRoot },
      { signer: impostorCa },
      { signer: responder, includeSignerCertificate: false },
    ];
    for (const script of cases) {
      const checker = createOcspChecker({ url: 'http://ocsp.test/', fetch: ocspResponder(() => script).fetch });
      assert.equal(await codeOf(checker, checkInput(revokedSerial)), 'revocation_unavailable');
    }
  });

  it('enforces freshness: thisUpdate at most 2 min old and 15 min ahead, nextUpdate not past', async () => {
    const table: Array<[Partial<OcspResponseOptions>, string]> = [
      [{ thisUpdateMs: nowMs - 2 * minuteMs }, 'ok'],
      [{ thisUpdateMs: nowMs - 2 * minuteMs - 1 }, 'revocation_unavailable'],
      [{ thisUpdateMs: nowMs + 15 * minuteMs }, 'ok'],
      [{ thisUpdateMs: nowMs + 15 * minuteMs + 1 }, 'revocation_unavailable'],
      [{ nextUpdateMs: nowMs }, 'ok'],
      [{ thisUpdateMs: nowMs - minuteMs, nextUpdateMs: nowMs - 1 }, 'revocation_unavailable'],
    ];
    for (const [script, expected] of table) {
      const checker = createOcspChecker({ url: 'http://ocsp.test/', fetch: ocspResponder(() => script).fetch });
      assert.equal(await codeOf(checker, checkInput(goodSerial)), expected, JSON.stringify(script));
    }
  });

  it('honours a configured freshness window', async () => {
    const checker = createOcspChecker({ url: 'http://ocsp.test/', freshnessMs: 10 * minuteMs, fetch: ocspResponder(() => ({ thisUpdateMs: nowMs - 9 * minuteMs })).fetch });
    assert.equal(await codeOf(checker, checkInput(goodSerial)), 'ok');
  });

  it('requires our nonce back', async () => {
    for (const nonce of ['omit', new Uint8Array(32).fill(7)] as const) {
      const checker = createOcspChecker({ url: 'http://ocsp.test/', fetch: ocspResponder(() => ({ nonce })).fetch });
      assert.equal(await codeOf(checker, checkInput(goodSerial)), 'revocation_unavailable');
    }
  });

  it('fails closed on transport failures, unparseable and unsuccessful answers, and without the issuer certificate', async () => {
    for (const script of ['http-500', 'throw', 'garbage', 'try-later'] as const) {
      const checker = createOcspChecker({ url: 'http://ocsp.test/', fetch: ocspResponder(() => script).fetch });
      assert.equal(await codeOf(checker, checkInput(goodSerial)), 'revocation_unavailable', script);
    }
    const checker = createOcspChecker({ url: 'http://ocsp.test/', fetch: ocspResponder(() => ({})).fetch });
    const { issuerCertificateDer: _omitted, ...withoutIssuer } = checkInput(goodSerial);
    assert.equal(await codeOf(checker, withoutIssuer), 'revocation_unavailable');
  });
});

describe('a card of the intermediate CA, end to end', () => {
  it('verifies through root → issuing CA, and its verified credential feeds the OCSP checker', async () => {
    const card = await createSoftwareCard(hierarchy.issuing, { nowMs: nowMs - dayMs, certificate: { serialHex: revokedSerial } });
    const trust = createTrustStore({ anchorsPem: [hierarchy.root.certificatePem], intermediatesPem: [hierarchy.issuing.certificatePem], production: false });
    assert.ok(trust.ok);
    const verified = verifyAuthToken({ token: signWebEidChallenge(card, { origin: 'https://mykey.test', nonce: 'n'.repeat(44) }), nonce: 'n'.repeat(44), origin: 'https://mykey.test', trust: trust.value, nowMs });
    assert.ok(verified.ok);
    assert.deepEqual(verified.value.issuerCertificateDer, new Uint8Array(new X509Certificate(hierarchy.issuing.certificatePem).raw));
    const checker = createOcspChecker({ url: 'http://ocsp.test/', fetch: ocspResponder(() => ({ signer: responder })).fetch });
    assert.equal(await codeOf(checker, { ...verified.value, nowMs }), 'certificate_revoked');
  });
});

describe('CRL checker', () => {
  function crlSource(crl: () => Promise<Buffer> | 'down') {
    const calls = { count: 0 };
    const fetch: RevocationFetch = async (request) => {
      calls.count += 1;
      assert.equal(request.method, 'GET');
      const body = crl();
      if (body === 'down') throw new Error('unreachable');
      return { status: 200, body: await body };
    };
    return { fetch, calls };
  }
  const crlOf = (ca: TestCa, revoked: string[], thisUpdateMs = nowMs - minuteMs, nextUpdateMs = nowMs + dayMs) =>
    issueCrl(ca, { thisUpdateMs, nextUpdateMs, revocations: revoked.map((serialHex) => ({ serialHex, revokedAtMs: nowMs - dayMs, reason: 'superseded' as const })) });

  it('finds listed serials revoked and others good', async () => {
    const checker = createCrlChecker({ sources: [{ url: 'http://crl.test/a.crl' }], fetch: crlSource(() => crlOf(hierarchy.issuing, [revokedSerial])).fetch });
    assert.equal(await codeOf(checker, checkInput(revokedSerial)), 'certificate_revoked');
    assert.equal(await codeOf(checker, checkInput(goodSerial)), 'ok');
  });

  it('refuses a CRL signed by a CA with the same name but another key, and an expired or future CRL', async () => {
    const table: Array<[() => Promise<Buffer>, string]> = [
      [() => crlOf(impostorCa, []), 'revocation_unavailable'],
      [() => crlOf(hierarchy.issuing, [], nowMs - 2 * dayMs, nowMs - 1), 'revocation_unavailable'],
      [() => crlOf(hierarchy.issuing, [], nowMs + 16 * minuteMs, nowMs + dayMs), 'revocation_unavailable'],
      [() => crlOf(hierarchy.root, []), 'revocation_unavailable'],
    ];
    for (const [crl, expected] of table) {
      const checker = createCrlChecker({ sources: [{ url: 'http://crl.test/a.crl' }], fetch: crlSource(crl).fetch });
      assert.equal(await codeOf(checker, checkInput(goodSerial)), expected);
    }
  });

  it('refreshes after refreshMs, keeps the last CRL through an outage up to cacheAgeMsMax, then fails closed', async () => {
    let state: 'v1' | 'v2' | 'down' = 'v1';
    const v1 = await crlOf(hierarchy.issuing, [], nowMs - minuteMs, nowMs + 3 * dayMs);
    const v2 = await crlOf(hierarchy.issuing, [goodSerial], nowMs - minuteMs, nowMs + 3 * dayMs);
    const { fetch, calls } = crlSource(() => (state === 'down' ? 'down' : Promise.resolve(state === 'v1' ? v1 : v2)));
    const checker = createCrlChecker({ sources: [{ url: 'http://crl.test/a.crl' }], fetch, refreshMs: 10 * minuteMs, cacheAgeMsMax: dayMs });
    assert.equal(await codeOf(checker, checkInput(goodSerial)), 'ok');
    state = 'v2';
    assert.equal(await codeOf(checker, checkInput(goodSerial, nowMs + 5 * minuteMs)), 'ok');
    assert.equal(calls.count, 1);
    assert.equal(await codeOf(checker, checkInput(goodSerial, nowMs + 10 * minuteMs)), 'certificate_revoked');
    state = 'down';
    assert.equal(await codeOf(checker, checkInput(goodSerial, nowMs + 30 * minuteMs)), 'certificate_revoked');
    assert.equal(await codeOf(checker, checkInput(revokedSerial, nowMs + dayMs + 10 * minuteMs + 1)), 'revocation_unavailable');
  });

  it('fails closed with no reachable source', async () => {
    const checker = createCrlChecker({ sources: [{ url: 'http://crl.test/a.crl' }], fetch: crlSource(() => 'down').fetch });
    assert.equal(await codeOf(checker, checkInput(goodSerial)), 'revocation_unavailable');
  });
});

describe('over HTTP with the loopback test responder', () => {
  it('OCSP and CRL checkers work through httpRevocationFetch against startTestOcspResponder', async () => {
    const server = await startTestOcspResponder({
      ca: hierarchy.issuing,
      signer: responder,
      statusOf,
      revocations: () => [{ serialHex: revokedSerial, revokedAtMs: nowMs - dayMs, reason: 'keyCompromise' }],
      nowMs: () => nowMs,
    });
    try {
      const ocsp = createOcspChecker({ url: server.url, fetch: httpRevocationFetch });
      assert.equal(await codeOf(ocsp, checkInput(goodSerial)), 'ok');
      assert.equal(await codeOf(ocsp, checkInput(revokedSerial)), 'certificate_revoked');
      const crl = createCrlChecker({ sources: [{ url: `${server.url}crl` }], fetch: httpRevocationFetch });
      assert.equal(await codeOf(crl, checkInput(goodSerial)), 'ok');
      assert.equal(await codeOf(crl, checkInput(revokedSerial)), 'certificate_revoked');
    } finally {
      await server.close();
    }
  });
});
