/**
 * Fixed awards (DESIGN.md §2.6, DOMAIN.md §6): registries (health insurance, public-funds accounts, …) attest that a
 * person did something; a fixed-award campaign grants its points once when both the attestation and the person's
 * binding exist. Attestations arrive late and in any order, possibly before the binding: whichever comes second
 * grants, under the person's lock, so the outcome never depends on the order.
 *
 * A registry signs each batch with its own key (Ed25519, ECDSA or RSA; the operator registers the public key): the
 * signed bytes are exactly the `payload` text, so nothing depends on how JSON is re-serialised.
 */
import { createHash, createPublicKey, randomUUID, verify as verifySignature, type KeyObject } from 'node:crypto';
import assert from 'node:assert/strict';
import { validateCampaign, type Campaign } from '../domain/campaign.js';
import { awardEffect, assertWithinCaps } from '../domain/points.js';
import { fail, ok, type Result } from '../domain/result.js';
import { appendAudit } from '../store/audit-repo.js';
import { listActiveBindingsOfPerson, lockBalances, updateBalances, type BindingRow } from '../store/bindings-repo.js';
import { listCampaigns, lockBudgets } from '../store/campaigns-repo.js';
import { isUniqueViolation, type Tx } from '../store/db.js';
import { appendLedgerEntries } from '../store/events-repo.js';
import { findPersonByMykeyId, lockPerson } from '../store/persons-repo.js';
import {
  findAttestation,
  findRegistry,
  insertAttestation,
  insertRegistry,
  listAttestationsOfPerson,
  type AttestationRow,
  type RegistryRow,
} from '../store/registries-repo.js';
import { budgetLeftOf, chargeBudget, writeBudgets } from './budgets.js';
import type { AppContext } from './context.js';

/** Grants the award of a fixed-award campaign through this binding if an attestation in the earning window exists. */
export async function grantAwardIfAttested(tx: Tx, input: { campaign: Campaign; binding: BindingRow; providerId: string; nowMs: number }): Promise<number> {
  const { campaign, binding } = input;
  assert.ok(campaign.award !== undefined);
  const attestations = await listAttestationsOfPerson(tx, binding.personId, campaign.award.attestationKind);
  const first = attestations.find((a) => campaign.earningStartsAtMs <= a.attestedAtMs && a.attestedAtMs < campaign.earningEndsAtMs);
  if (first === undefined) return 0;
  const [balance] = await lockBalances(tx, [{ personId: binding.personId, campaignId: campaign.id }]);
  assert.ok(balance !== undefined, 'a binding has a balance');
  const budgets = await lockBudgets(tx, campaign.caps.budgetPoints === undefined ? [] : [campaign.id]);
  const { personId: _p, campaignId: _c, ...tally } = balance;
  const effect = awardEffect({ bindingId: binding.bindingId, campaign, boundAtMs: binding.createdAtMs, tally, period: { key: '', units: 0, points: 0 }, budgetLeftPoints: budgetLeftOf(campaign, budgets) });
  if (effect.points === 0) return 0;
  assertWithinCaps(campaign, effect.tally);
  const budgetsAfter = new Map(budgets);
  chargeBudget(campaign, budgetsAfter, effect.points, input.nowMs);
  await updateBalances(tx, [{ personId: binding.personId, campaignId: campaign.id, ...effect.tally }], input.nowMs);
  await writeBudgets(tx, budgets, budgetsAfter);
  await appendLedgerEntries(
    tx,
    input.providerId,
    [{ id: randomUUID(), source: 'award', campaignId: campaign.id, personId: binding.personId, accountId: binding.accountId, eventId: `${first.registryId}/${first.attestationId}`, points: effect.points, eligibleDeltaYen: 0 }],
    input.nowMs,
  );
  return effect.points;
}

export interface RegistryInput {
  id: string;
  name: string;
  publicKeyPem: string;
  attestationKinds: string[];
}

function parsePublicKey(pem: string): KeyObject | undefined {
  try {
    return createPublicKey(pem);
  } catch {
    return undefined;
  }
}

/** Registers a registry and the key that signs its attestations. Codes: registry_exists, registry_key_invalid. */
export async function createRegistry(ctx: AppContext, actor: string, input: RegistryInput): Promise<Result<RegistryInput, 'registry_exists' | 'registry_key_invalid'>> {
  const key = parsePublicKey(input.publicKeyPem);
  if (key === undefined || !['ed25519', 'ec', 'rsa'].includes(key.asymmetricKeyType ?? '')) {
    return fail('registry_key_invalid', 'publicKeyPem must be an Ed25519, EC or RSA public key in PEM', 'publicKeyPem');
  }
  const nowMs = ctx.clock.nowMs();
  try {
    return await ctx.store.transaction(async (tx) => {
      if ((await findRegistry(tx, input.id)) !== undefined) return fail('registry_exists', 'a registry with this id exists', 'id');
      await insertRegistry(tx, { ...input, nowMs });
      await appendAudit(tx, { atMs: nowMs, actor, action: 'registry.create', subject: input.id, details: { name: input.name, attestationKinds: input.attestationKinds } });
      return ok(input);
    });
  } catch (error) {
    if (isUniqueViolation(error)) return fail('registry_exists', 'a registry with this id exists', 'id');
    throw error;
  }
}

/** One attestation as a registry reports it. */
export interface AttestationInput {
  attestationId: string;
  kind: string;
  mykeyId: string;
  attestedAt: string;
}

export type AttestationOutcome =
  | { attestationId: string; status: 'recorded' | 'duplicate'; awards: Array<{ campaignId: string; points: number }> }
  | { attestationId: string; status: 'rejected'; code: 'attestation_kind_not_allowed' | 'person_unknown' | 'idempotency_conflict' | 'invalid_request'; message: string };

export type AttestationBatchErrorCode = 'registry_not_found' | 'attestation_signature_invalid' | 'attestation_payload_invalid';

function verifyBatch(registry: RegistryRow, payload: string, signatureB64url: string): boolean {
  const key = parsePublicKey(registry.publicKeyPem);
  if (key === undefined) return false;
  const algorithm = key.asymmetricKeyType === 'ed25519' ? null : 'sha256';
  return verifySignature(algorithm, Buffer.from(payload, 'utf8'), key, Buffer.from(signatureB64url, 'base64url'));
}

function attestationSha256(a: AttestationInput, attestedAtMs: number): string {
  return createHash('sha256').update(JSON.stringify([a.kind, a.mykeyId, attestedAtMs])).digest('hex');
}

/** The fixed-award campaigns (newest versions), or only those that award `kind`. */
async function fixedAwardCampaigns(tx: Tx, kind: string | undefined): Promise<Map<string, Campaign>> {
  const campaigns = new Map<string, Campaign>();
  for (const row of await listCampaigns(tx)) {
    const campaign = validateCampaign(row.definition, row.version);
    if (!campaign.ok || campaign.value.kind !== 'fixed_award') continue;
    if (kind === undefined || campaign.value.award?.attestationKind === kind) campaigns.set(campaign.value.id, campaign.value);
  }
  return campaigns;
}

/**
 * Grants every fixed award now due to the person through their active bindings: after an attestation (of `kind`)
 * arrived, or after a merge of two persons of one card brought attestations together. The caller holds the
 * person's lock.
 */
export async function grantDueAwards(tx: Tx, personId: string, nowMs: number, kind?: string): Promise<Array<{ campaignId: string; points: number }>> {
  const campaigns = await fixedAwardCampaigns(tx, kind);
  const awards: Array<{ campaignId: string; points: number }> = [];
  for (const binding of await listActiveBindingsOfPerson(tx, personId)) {
    const campaign = campaigns.get(binding.campaignId);
    if (campaign === undefined) continue;
    const points = await grantAwardIfAttested(tx, { campaign, binding, providerId: binding.providerId, nowMs });
    if (points !== 0) awards.push({ campaignId: campaign.id, points });
  }
  return awards;
}

async function recordOne(tx: Tx, registry: RegistryRow, a: AttestationInput, nowMs: number): Promise<AttestationOutcome> {
  const attestedAtMs = Date.parse(a.attestedAt);
  if (!Number.isFinite(attestedAtMs)) return { attestationId: a.attestationId, status: 'rejected', code: 'invalid_request', message: 'attestedAt is not a valid instant' };
  if (!registry.attestationKinds.includes(a.kind)) {
    return { attestationId: a.attestationId, status: 'rejected', code: 'attestation_kind_not_allowed', message: `registry ${registry.id} may not attest ${a.kind}` };
  }
  const person = await findPersonByMykeyId(tx, a.mykeyId);
  if (person === undefined) return { attestationId: a.attestationId, status: 'rejected', code: 'person_unknown', message: 'no person has this Mykey ID' };
  await lockPerson(tx, person.personId);
  const payloadSha256 = attestationSha256(a, attestedAtMs);
  const existing = await findAttestation(tx, registry.id, a.attestationId);
  if (existing !== undefined) {
    if (existing.payloadSha256 !== payloadSha256) {
      return { attestationId: a.attestationId, status: 'rejected', code: 'idempotency_conflict', message: 'this attestation id was recorded with another payload' };
    }
    return { attestationId: a.attestationId, status: 'duplicate', awards: [] };
  }
  const row: AttestationRow = { registryId: registry.id, attestationId: a.attestationId, payloadSha256, kind: a.kind, personId: person.personId, attestedAtMs };
  await insertAttestation(tx, row, nowMs);
  return { attestationId: a.attestationId, status: 'recorded', awards: await grantDueAwards(tx, person.personId, nowMs, a.kind) };
}

/**
 * Records a registry's signed batch of attestations and grants the awards now due. The batch is refused whole
 * when the registry is unknown, the signature does not verify or the payload is not a JSON array of attestations;
 * then each attestation is answered on its own (recorded, duplicate, or rejected with a code).
 */
export async function ingestAttestations(
  ctx: AppContext,
  actor: string,
  input: { registryId: string; payload: string; signature: string },
  parsePayload: (payload: string) => AttestationInput[] | undefined,
): Promise<Result<AttestationOutcome[], AttestationBatchErrorCode>> {
  const registry = await ctx.store.transaction((tx) => findRegistry(tx, input.registryId));
  if (registry === undefined) return fail('registry_not_found', 'no registry with this id', 'registryId');
  if (!verifyBatch(registry, input.payload, input.signature)) return fail('attestation_signature_invalid', 'the signature does not verify with the registry key', 'signature');
  const attestations = parsePayload(input.payload);
  if (attestations === undefined) return fail('attestation_payload_invalid', 'payload must be a JSON array of attestations', 'payload');
  const outcomes: AttestationOutcome[] = [];
  // One transaction per attestation: each takes its person's lock, and a batch never holds many at once.
  for (const attestation of attestations) outcomes.push(await ctx.store.transaction((tx) => recordOne(tx, registry, attestation, ctx.clock.nowMs())));
  const count = (status: AttestationOutcome['status']) => outcomes.filter((o) => o.status === status).length;
  await ctx.store.transaction((tx) =>
    appendAudit(tx, {
      atMs: ctx.clock.nowMs(),
      actor,
      action: 'attestations.record',
      subject: registry.id,
      details: { recorded: count('recorded'), duplicate: count('duplicate'), rejected: count('rejected'), payloadSha256: createHash('sha256').update(input.payload).digest('hex') },
    }),
  );
  return ok(outcomes);
}
