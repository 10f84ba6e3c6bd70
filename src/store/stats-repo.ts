/**
 * Operator statistics per campaign (persons bound, points granted net of clawbacks, eligible yen), per provider
 * (bindings, events applied, net points) and in all (events applied).
 */
import type { Tx } from './db.js';

export interface CampaignStats {
  campaignId: string;
  personsBound: number;
  pointsGranted: number;
  eligibleYen: number;
}

export async function campaignStats(tx: Tx): Promise<CampaignStats[]> {
  const rows = await tx.db
    .selectFrom('balances')
    .select(({ fn }) => ['campaign_id as campaignId', fn.sum<number>('points_granted').as('pointsGranted'), fn.sum<number>('eligible_yen').as('eligibleYen')])
    .groupBy('campaign_id')
    .orderBy('campaign_id')
    .execute();
  // A voided binding keeps its (emptied) balance: persons bound are the active bindings.
  const bound = await tx.db
    .selectFrom('bindings')
    .select(({ fn }) => ['campaign_id as campaignId', fn.countAll<number>().as('persons')])
    .where('voided_at_ms', 'is', null)
    .groupBy('campaign_id')
    .execute();
  const personsByCampaign = new Map(bound.map((row) => [row.campaignId, Number(row.persons)]));
  // Aggregates come back as strings or bigints depending on the engine; they are counts and sums of integers.
  return rows.map((row) => ({
    campaignId: row.campaignId,
    personsBound: personsByCampaign.get(row.campaignId) ?? 0,
    pointsGranted: Number(row.pointsGranted),
    eligibleYen: Number(row.eligibleYen),
  }));
}

export async function eventsApplied(tx: Tx): Promise<number> {
  const row = await tx.db.selectFrom('events').select(({ fn }) => fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
  return Number(row.count);
}

export interface ProviderStats {
  providerId: string;
  name: string;
  /** Active bindings through the provider's services, every campaign. */
  bindings: number;
  eventsApplied: number;
  /** Net of clawbacks, every campaign. */
  pointsGranted: number;
}

/** Aggregates per provider, read as numbers (the engines answer strings or bigints for counts and sums). */
function perProvider(rows: ReadonlyArray<{ provider_id: string; value: unknown }>): Map<string, number> {
  return new Map(rows.map((row) => [row.provider_id, Number(row.value)]));
}

/** Every provider with its bindings, applied events and net points (providers without any included, at zero). */
export async function providerStats(tx: Tx): Promise<ProviderStats[]> {
  const providers = await tx.db.selectFrom('providers').select(['id', 'name']).orderBy('id').execute();
  const events = perProvider(
    await tx.db
      .selectFrom('events')
      .select(({ fn }) => ['provider_id', fn.countAll<number>().as('value')])
      .groupBy('provider_id')
      .execute(),
  );
  const points = perProvider(
    await tx.db
      .selectFrom('ledger_entries')
      .select(({ fn }) => ['provider_id', fn.sum<number>('points').as('value')])
      .groupBy('provider_id')
      .execute(),
  );
  const bindings = perProvider(
    await tx.db
      .selectFrom('bindings')
      .innerJoin('provider_services', 'provider_services.id', 'bindings.provider_service_id')
      .select(({ fn }) => ['provider_services.provider_id as provider_id', fn.countAll<number>().as('value')])
      .where('bindings.voided_at_ms', 'is', null)
      .groupBy('provider_services.provider_id')
      .execute(),
  );
  return providers.map((provider) => ({
    providerId: provider.id,
    name: provider.name,
    bindings: bindings.get(provider.id) ?? 0,
    eventsApplied: events.get(provider.id) ?? 0,
    pointsGranted: points.get(provider.id) ?? 0,
  }));
}
