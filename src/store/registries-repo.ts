/**
 * Registries that attest actions for fixed awards (health insurance, public-funds accounts, …), and their
 * attestations. An attestation names a person by their internal id only; its (registry, id) is its idempotency key.
 */
import type { Tx } from './db.js';

export interface RegistryRow {
  id: string;
  name: string;
  publicKeyPem: string;
  attestationKinds: string[];
}

export async function insertRegistry(tx: Tx, input: RegistryRow & { nowMs: number }): Promise<void> {
  await tx.db
    .insertInto('registries')
    .values({ id: input.id, name: input.name, public_key_pem: input.publicKeyPem, attestation_kinds: JSON.stringify(input.attestationKinds), created_at_ms: input.nowMs })
    .execute();
}

export async function findRegistry(tx: Tx, registryId: string): Promise<RegistryRow | undefined> {
  const row = await tx.db
    .selectFrom('registries')
    .select(['id', 'name', 'public_key_pem as publicKeyPem', 'attestation_kinds as attestationKinds'])
    .where('id', '=', registryId)
    .executeTakeFirst();
  return row === undefined ? undefined : { ...row, attestationKinds: JSON.parse(row.attestationKinds) as string[] };
}

export async function listRegistries(tx: Tx): Promise<RegistryRow[]> {
  const rows = await tx.db.selectFrom('registries').select(['id', 'name', 'public_key_pem as publicKeyPem', 'attestation_kinds as attestationKinds']).orderBy('id').execute();
  return rows.map((row) => ({ ...row, attestationKinds: JSON.parse(row.attestationKinds) as string[] }));
}

export interface AttestationRow {
  registryId: string;
  attestationId: string;
  payloadSha256: string;
  kind: string;
  personId: string;
  attestedAtMs: number;
}

const attestationColumns = [
  'registry_id as registryId',
  'attestation_id as attestationId',
  'payload_sha256 as payloadSha256',
  'kind',
  'person_id as personId',
  'attested_at_ms as attestedAtMs',
] as const;

export async function findAttestation(tx: Tx, registryId: string, attestationId: string): Promise<AttestationRow | undefined> {
  return tx.db.selectFrom('attestations').select(attestationColumns).where('registry_id', '=', registryId).where('attestation_id', '=', attestationId).executeTakeFirst();
}

export async function insertAttestation(tx: Tx, row: AttestationRow, nowMs: number): Promise<void> {
  await tx.db
    .insertInto('attestations')
    .values({
      registry_id: row.registryId,
      attestation_id: row.attestationId,
      payload_sha256: row.payloadSha256,
      kind: row.kind,
      person_id: row.personId,
      attested_at_ms: row.attestedAtMs,
      received_at_ms: nowMs,
    })
    .execute();
}

/** The person's attestations of a kind, earliest attested first (so the award names the same one whatever the order of arrival). */
export async function listAttestationsOfPerson(tx: Tx, personId: string, kind: string): Promise<AttestationRow[]> {
  return tx.db
    .selectFrom('attestations')
    .select(attestationColumns)
    .where('person_id', '=', personId)
    .where('kind', '=', kind)
    .orderBy('attested_at_ms')
    .orderBy('registry_id')
    .orderBy('attestation_id')
    .execute();
}
