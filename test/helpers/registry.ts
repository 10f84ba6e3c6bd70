/**
 * A test registry for fixed awards: an Ed25519 key pair, its registration over the operator API, and signed
 * attestation batches as a registry would send them.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { operatorInject } from './http.js';

export interface TestRegistry {
  id: string;
  privateKey: KeyObject;
  publicKeyPem: string;
}

export function newRegistryKeys(): { privateKey: KeyObject; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

/** Registers a registry allowed to attest `kinds`. */
export async function addRegistry(app: FastifyInstance, kinds: string[], id = `r-${randomBytes(3).toString('hex')}`): Promise<TestRegistry> {
  const keys = newRegistryKeys();
  const response = await operatorInject(app, { method: 'POST', url: '/v1/operator/registries', json: { id, name: id, publicKeyPem: keys.publicKeyPem, attestationKinds: kinds } });
  assert.equal(response.statusCode, 201, response.body);
  return { id, ...keys };
}

export interface AttestationLine {
  attestationId: string;
  kind: string;
  mykeyId: string;
  attestedAt: string;
}

/** The body of POST /v1/operator/attestations: the payload text and its signature with the registry key. */
export function signedBatch(registry: TestRegistry, attestations: AttestationLine[] | unknown): { registryId: string; payload: string; signature: string } {
  const payload = JSON.stringify(attestations);
  return { registryId: registry.id, payload, signature: sign(null, Buffer.from(payload), registry.privateKey).toString('base64url') };
}

export async function postAttestations(app: FastifyInstance, registry: TestRegistry, attestations: AttestationLine[]) {
  return operatorInject(app, { method: 'POST', url: '/v1/operator/attestations', json: signedBatch(registry, attestations) });
}
