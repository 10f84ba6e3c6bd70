/**
 * Operator use cases: campaigns from presets or JSON, providers with their services and keys, statistics and the
 * audit log. Every change is recorded in the hash-chained audit log in the same transaction as the change.
 */
import { validateCampaign, validateNewVersion, type Campaign, type CampaignDefinition } from '../domain/campaign.js';
import { presetDefinition, presetNames, type PresetName } from '../domain/presets.js';
import { fail, ok, type Result } from '../domain/result.js';
import { appendAudit, genesisHash, listAudit, verifyAuditChain, type AuditEntry } from '../store/audit-repo.js';
import {
  ensureBudgetRow,
  findCampaign,
  insertCampaignVersion,
  listBudgets,
  listCampaigns,
  listCampaignVersions,
  lockBudgets,
  sumCampaignGrants,
  updateBudget,
} from '../store/campaigns-repo.js';
import { isUniqueViolation } from '../store/db.js';
import {
  findProvider,
  findProviderService,
  insertProvider,
  insertProviderService,
  listProviders,
  revokeProviderKey,
  type ProviderRow,
  type ProviderServiceRow,
} from '../store/providers-repo.js';
import { rejectionsPerProvider } from '../store/event-rejections-repo.js';
import { campaignStats, eventsApplied, providerStats, type CampaignStats, type ProviderStats } from '../store/stats-repo.js';
import type { AppContext } from './context.js';
import { insertNewProviderKey, type IssuedKey } from './provider-keys.js';

export type CampaignSource = { preset: string; id?: string; name?: string } | { definition: CampaignDefinition };

/** The definition a campaign source names: a preset (with its id and name optionally replaced; a name given replaces the preset's names in every language) or the definition itself. Codes: preset_unknown. */
export function definitionOf(source: CampaignSource, nowMs: number): Result<CampaignDefinition, 'preset_unknown'> {
  if ('definition' in source) return ok(source.definition);
  if (!(presetNames as readonly string[]).includes(source.preset)) {
    return fail('preset_unknown', `presets: ${presetNames.join(', ')}`, 'preset');
  }
  const { names, ...definition } = presetDefinition(source.preset as PresetName, nowMs);
  // A name of the operator's own replaces the preset's names in every language.
  if (source.name !== undefined) return ok({ ...definition, id: source.id ?? definition.id, name: source.name });
  return ok({ ...definition, id: source.id ?? definition.id, ...(names === undefined ? {} : { names }) });
}

/** Creates version 1 of a campaign. Codes: preset_unknown, campaign_invalid, campaign_exists. */
export async function createCampaign(ctx: AppContext, actor: string, source: CampaignSource): Promise<Result<Campaign, 'preset_unknown' | 'campaign_invalid' | 'campaign_exists'>> {
  const nowMs = ctx.clock.nowMs();
  const definition = definitionOf(source, nowMs);
  if (!definition.ok) return definition;
  const campaign = validateCampaign(definition.value, 1);
  if (!campaign.ok) return campaign;
  try {
    return await ctx.store.transaction(async (tx) => {
      if ((await findCampaign(tx, definition.value.id)) !== undefined) return fail('campaign_exists', 'a campaign with this id exists', 'id');
      await insertCampaignVersion(tx, { definition: definition.value, version: 1, nowMs });
      if (campaign.value.caps.budgetPoints !== undefined) await ensureBudgetRow(tx, campaign.value.id);
      await appendAudit(tx, { atMs: nowMs, actor, action: 'campaign.create', subject: definition.value.id, details: { version: 1, definition: definition.value } });
      return ok(campaign.value);
    });
  } catch (error) {
    if (isUniqueViolation(error)) return fail('campaign_exists', 'a campaign with this id exists', 'id');
    throw error;
  }
}

/**
 * Publishes a new version of a campaign (an extension, a new budget, a corrected rule): it governs every event
 * applied from now on; grants already made stand. Codes: campaign_not_found, preset_unknown, campaign_invalid
 * (including a changed id or kind, or a budget below what was granted).
 */
export async function publishCampaignVersion(
  ctx: AppContext,
  actor: string,
  campaignId: string,
  source: CampaignSource,
): Promise<Result<Campaign, 'campaign_not_found' | 'preset_unknown' | 'campaign_invalid'>> {
  const nowMs = ctx.clock.nowMs();
  const definition = definitionOf('preset' in source ? { ...source, id: campaignId } : source, nowMs);
  if (!definition.ok) return definition;
  return ctx.store.transaction(async (tx) => {
    const row = await findCampaign(tx, campaignId);
    if (row === undefined) return fail('campaign_not_found', 'no such campaign', 'campaignId');
    const current = validateCampaign(row.definition, row.version);
    if (!current.ok) throw new Error(`stored campaign ${campaignId} no longer validates`);
    // Locks the budget (if any) so no grant lands between the check and the new version.
    const budgets = await lockBudgets(tx, [campaignId]);
    const grantedPoints = budgets.get(campaignId)?.pointsGranted ?? (await sumCampaignGrants(tx, campaignId));
    const next = validateNewVersion(current.value, definition.value, grantedPoints);
    if (!next.ok) return next;
    await insertCampaignVersion(tx, { definition: definition.value, version: next.value.version, nowMs });
    const budgetPoints = next.value.caps.budgetPoints;
    const budget = budgets.get(campaignId);
    if (budgetPoints !== undefined) await ensureBudgetRow(tx, campaignId);
    // A larger budget reopens a campaign that had run out.
    if (budget?.exhaustedAtMs != null && budgetPoints !== undefined && budgetPoints > budget.pointsGranted) await updateBudget(tx, { ...budget, exhaustedAtMs: null });
    await appendAudit(tx, { atMs: nowMs, actor, action: 'campaign.version', subject: campaignId, details: { version: next.value.version, definition: definition.value } });
    return ok(next.value);
  });
}

export interface CampaignView extends Campaign {
  /** For a budgeted campaign: points granted so far, points left, and when the budget ran out (it then closes). */
  budget?: { grantedPoints: number; leftPoints: number; exhaustedAt: number | null };
}

export async function listAllCampaigns(ctx: AppContext): Promise<CampaignView[]> {
  const [rows, budgets] = await ctx.store.transaction(async (tx) => [await listCampaigns(tx), await listBudgets(tx)] as const);
  return rows.flatMap((row) => {
    const campaign = validateCampaign(row.definition, row.version);
    if (!campaign.ok) return [];
    const budget = budgets.get(campaign.value.id);
    const budgetPoints = campaign.value.caps.budgetPoints;
    if (budget === undefined || budgetPoints === undefined) return [campaign.value];
    return [{ ...campaign.value, budget: { grantedPoints: budget.pointsGranted, leftPoints: budgetPoints - budget.pointsGranted, exhaustedAt: budget.exhaustedAtMs } }];
  });
}

/** Every version of a campaign, oldest first, with when each was published. */
export async function campaignHistory(ctx: AppContext, campaignId: string): Promise<Result<Array<Campaign & { publishedAtMs: number }>, 'campaign_not_found'>> {
  const rows = await ctx.store.transaction((tx) => listCampaignVersions(tx, campaignId));
  if (rows.length === 0) return fail('campaign_not_found', 'no such campaign', 'campaignId');
  return ok(
    rows.flatMap((row) => {
      const campaign = validateCampaign(row.definition, row.version);
      return campaign.ok ? [{ ...campaign.value, publishedAtMs: row.createdAtMs }] : [];
    }),
  );
}

export interface ProviderInput extends ProviderRow {
  services: Array<Omit<ProviderServiceRow, 'providerId'>>;
}

/** Registers a provider and its services. Codes: invalid_request (a service listed twice), provider_exists, provider_service_exists. */
export async function createProvider(
  ctx: AppContext,
  actor: string,
  input: ProviderInput,
): Promise<Result<ProviderInput, 'invalid_request' | 'provider_exists' | 'provider_service_exists'>> {
  const nowMs = ctx.clock.nowMs();
  if (new Set(input.services.map((s) => s.id)).size !== input.services.length) return fail('invalid_request', 'a service id is listed twice', 'services');
  try {
    return await ctx.store.transaction(async (tx) => {
      if ((await findProvider(tx, input.id)) !== undefined) return fail('provider_exists', 'a provider with this id exists', 'id');
      for (const service of input.services) {
        if ((await findProviderService(tx, service.id)) !== undefined) return fail('provider_service_exists', `service ${service.id} exists`, 'services');
      }
      await insertProvider(tx, { id: input.id, name: input.name, verifyUrl: input.verifyUrl }, nowMs);
      for (const service of input.services) await insertProviderService(tx, { ...service, providerId: input.id }, nowMs);
      await appendAudit(tx, { atMs: nowMs, actor, action: 'provider.create', subject: input.id, details: { name: input.name, verifyUrl: input.verifyUrl, services: input.services } });
      return ok(input);
    });
  } catch (error) {
    if (isUniqueViolation(error)) return fail('provider_exists', 'a provider or service with this id exists', 'id');
    throw error;
  }
}

export async function listAllProviders(ctx: AppContext): Promise<Awaited<ReturnType<typeof listProviders>>> {
  return ctx.store.transaction((tx) => listProviders(tx));
}

/** Issues a new signing key; older keys stay active until revoked or rotated, so providers rotate with overlap. */
export async function createProviderKey(ctx: AppContext, actor: string, providerId: string): Promise<Result<IssuedKey, 'provider_not_found'>> {
  const nowMs = ctx.clock.nowMs();
  return ctx.store.transaction(async (tx) => {
    if ((await findProvider(tx, providerId)) === undefined) return fail('provider_not_found', 'no such provider', 'providerId');
    const key = await insertNewProviderKey(ctx, tx, providerId, nowMs);
    await appendAudit(tx, { atMs: nowMs, actor, action: 'provider_key.create', subject: providerId, details: { keyId: key.keyId } });
    return ok(key);
  });
}

/** Revokes a key at once (expired or not). Codes: provider_not_found when the provider has no such unrevoked key. */
export async function revokeKey(ctx: AppContext, actor: string, providerId: string, keyId: string): Promise<Result<{ keyId: string }, 'provider_not_found'>> {
  const nowMs = ctx.clock.nowMs();
  return ctx.store.transaction(async (tx) => {
    if (!(await revokeProviderKey(tx, { providerId, keyId, nowMs }))) return fail('provider_not_found', 'no such active key of this provider', 'keyId');
    await appendAudit(tx, { atMs: nowMs, actor, action: 'provider_key.revoke', subject: providerId, details: { keyId } });
    return ok({ keyId });
  });
}

export interface ProviderRanking extends ProviderStats {
  /** Events the provider sent that were rejected (each answer counts, a retried rejection again). */
  eventsRejected: number;
}

export interface PlatformStats {
  campaigns: CampaignStats[];
  /** Every provider, the most net points first (then by id). */
  providers: ProviderRanking[];
  eventsApplied: number;
}

export async function platformStats(ctx: AppContext): Promise<PlatformStats> {
  return ctx.store.transaction(async (tx) => {
    const rejected = await rejectionsPerProvider(tx);
    const providers = (await providerStats(tx))
      .map((provider) => ({ ...provider, eventsRejected: rejected.get(provider.providerId) ?? 0 }))
      .sort((a, b) => b.pointsGranted - a.pointsGranted || (a.providerId < b.providerId ? -1 : 1));
    return { campaigns: await campaignStats(tx), providers, eventsApplied: await eventsApplied(tx) };
  });
}

export interface AuditPage {
  data: AuditEntry[];
  /** The first entry whose hash does not chain, if any (checked from the start of the log through the page). */
  brokenAtSeq: number | null;
  hasMore: boolean;
}

/**
 * A page of the audit log after `afterSeq`, optionally of one action and the actions under it, with the check of
 * the chain from its start through the page.
 */
export async function readAudit(ctx: AppContext, input: { afterSeq: number; limit: number; action?: string }): Promise<AuditPage> {
  return ctx.store.transaction(async (tx) => {
    const rows = await listAudit(tx, input.afterSeq, input.limit + 1, input.action);
    const page = rows.slice(0, input.limit);
    // Reading from the start lets the whole chain up to the page be checked (sequence numbers have no gaps).
    const throughSeq = page.at(-1)?.seq ?? input.afterSeq;
    const broken = verifyAuditChain(await listAudit(tx, 0, throughSeq));
    return { data: page, brokenAtSeq: broken ?? null, hasMore: rows.length > input.limit };
  });
}

export interface AuditVerification {
  /** Entries that chain, from the first: the whole log when nothing is broken. */
  entriesVerified: number;
  /** The last of them (0 and the genesis hash when none): where a later check of newer entries can start. */
  verifiedThroughSeq: number;
  verifiedThroughHash: string;
  /** The first entry whose hash does not chain, or null when the whole chain verifies. */
  brokenAtSeq: number | null;
}

const auditVerifyPageSize = 1_000;

/** Checks the whole hash chain of the audit log, a page at a time (memory stays bounded by one page). */
export async function verifyAudit(ctx: AppContext): Promise<AuditVerification> {
  return ctx.store.transaction(async (tx) => {
    let verified: Omit<AuditVerification, 'brokenAtSeq'> = { entriesVerified: 0, verifiedThroughSeq: 0, verifiedThroughHash: genesisHash };
    for (;;) {
      const page = await listAudit(tx, verified.verifiedThroughSeq, auditVerifyPageSize);
      const broken = verifyAuditChain(page, verified.verifiedThroughHash);
      const whole = broken === undefined ? page : page.filter((entry) => entry.seq < broken);
      const last = whole.at(-1);
      if (last !== undefined) verified = { entriesVerified: verified.entriesVerified + whole.length, verifiedThroughSeq: last.seq, verifiedThroughHash: last.hash };
      if (broken !== undefined) return { ...verified, brokenAtSeq: broken };
      if (page.length < auditVerifyPageSize) return { ...verified, brokenAtSeq: null };
    }
  });
}
