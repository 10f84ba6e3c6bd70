/**
 * What a Web eID 1.0 login signs, shared by every card client: the card signs the SHA-256 DigestInfo of
 * SHA-256(SHA-256(origin) ‖ SHA-256(nonce)), which is an RS256 signature over SHA-256(origin) ‖ SHA-256(nonce)
 * (JPKI.md §8 B.3).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { AuthToken } from '../identity/auth-token.js';
import { sha256DigestInfo } from './software-card.js';

/**
 * The data an RS256 verifier checks: SHA-256(origin) ‖ SHA-256(nonce), 64 bytes.
 *
 * @example
 * crypto.verify('sha256', webEidSignedData({ origin, nonce }), certificate.publicKey, signature);
 */
export function webEidSignedData(input: { origin: string; nonce: string }): Buffer {
  assert.ok(input.origin.length > 0 && input.nonce.length > 0, 'origin and nonce are never empty');
  return Buffer.concat([sha256(Buffer.from(input.origin, 'utf8')), sha256(Buffer.from(input.nonce, 'utf8'))]);
}

/**
 * The 51-byte DigestInfo the card is given to sign for a challenge.
 *
 * @example
 * const digestInfo = webEidDigestInfo({ origin: 'https://mykey.example', nonce });
 */
export function webEidDigestInfo(input: { origin: string; nonce: string }): Buffer {
  return sha256DigestInfo(sha256(webEidSignedData(input)));
}

/**
 * A Web eID 1.0 token from the card's certificate and its RS256 signature.
 *
 * @example
 * const token = webEidAuthToken({ certificateDer, signature, appVersion: 'mykey-jpki-client/0.1' });
 */
export function webEidAuthToken(input: { certificateDer: Buffer; signature: Buffer; appVersion: string }): AuthToken {
  return {
    unverifiedCertificate: input.certificateDer.toString('base64'),
    algorithm: 'RS256',
    signature: input.signature.toString('base64'),
    format: 'web-eid:1.0',
    appVersion: input.appVersion,
  };
}

function sha256(bytes: Buffer): Buffer {
  return createHash('sha256').update(bytes).digest();
}
