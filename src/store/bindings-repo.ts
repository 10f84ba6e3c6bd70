/**
 * Provider accounts, bindings (person × campaign → account) and the per-person-per-campaign balances.
 * Uniqueness in both directions is enforced by the schema: one binding per person per campaign, and one person
 * per account per campaign.
 */
import type { Tx } from './db.js';

export interface BindingRow {
  bindingId: string;
  personId: string;
  campaignId: string;
  accountId: string;
  providerServiceId: string;
  createdAtMs: number;
}

const bindingColumns = [
  'bindings.id as bindingId',
  'bindings.person_id as personId',
  'bindings.campaign_id as campaignId',
  'bindings.account_id as accountId',
  'bindings.provider_service_id as providerServiceId',
  'bindings.created_at_ms as createdAtMs',
] as const;

export async function findAccount(tx: Tx, providerId: string, accountRef: string): Promise<{ accountId: string; providerServiceId: string } | undefined> {
  return tx.db
    .selectFrom('accounts')
    .select(['id as accountId', 'provider_service_id as providerServiceId'])
    .where('provider_id', '=', providerId)
    .where('account_ref', '=', accountRef)
    .executeTakeFirst();
}

/** The account's id, creating the account on first use; safe under concurrent first uses. */
export async function ensureAccount(
  tx: Tx,
  input: { accountId: string; providerId: string; providerServiceId: string; accountRef: string; nowMs: number },
): Promise<string> {
  await tx.db
    .insertInto('accounts')
    .values({
      id: input.accountId,
      provider_id: input.providerId,
      provider_service_id: input.providerServiceId,
      account_ref: input.accountRef,
      created_at_ms: input.nowMs,
    })
    .onConflict((oc) => oc.columns(['provider_id', 'account_ref']).doNothing())
    .execute();
  const account = await findAccount(tx, input.providerId, input.accountRef);
  if (account === undefined) throw new Error('account vanished after insert');
  return account.accountId;
}

export async function findBindingOfPerson(tx: Tx, personId: string, campaignId: string): Promise<BindingRow | undefined> {
  return tx.db
    .selectFrom('bindings')
    .select(bindingColumns)
    .where('person_id', '=', personId)
    .where('campaign_id', '=', campaignId)
    .executeTakeFirst();
}

export async function findBindingOfAccount(tx: Tx, campaignId: string, accountId: string): Promise<BindingRow | undefined> {
  return tx.db
    .selectFrom('bindings')
    .select(bindingColumns)
    .where('campaign_id', '=', campaignId)
    .where('account_id', '=', accountId)
    .executeTakeFirst();
}

export async function listBindingsOfAccounts(tx: Tx, accountIds: readonly string[]): Promise<BindingRow[]> {
  if (accountIds.length === 0) return [];
  return tx.db.selectFrom('bindings').select(bindingColumns).where('account_id', 'in', accountIds).execute();
}

/** Inserts the binding and its zero balance; a unique violation means a concurrent bind won the race. */
export async function insertBinding(tx: Tx, binding: BindingRow): Promise<void> {
  await tx.db
    .insertInto('bindings')
    .values({
      id: binding.bindingId,
      person_id: binding.personId,
      campaign_id: binding.campaignId,
      account_id: binding.accountId,
      provider_service_id: binding.providerServiceId,
      created_at_ms: binding.createdAtMs,
    })
    .execute();
  await tx.db
    .insertInto('balances')
    .values({ person_id: binding.personId, campaign_id: binding.campaignId, eligible_yen: 0, points_granted: 0, updated_at_ms: binding.createdAtMs })
    .execute();
}

export interface PersonBindingView {
  campaignId: string;
  providerServiceId: string;
  accountRef: string;
  boundAtMs: number;
  eligibleYen: number;
  pointsGranted: number;
}

/** What a citizen sees of their own bindings and points. */
export async function listBindingsOfPerson(tx: Tx, personId: string): Promise<PersonBindingView[]> {
  return tx.db
    .selectFrom('bindings')
    .innerJoin('accounts', 'accounts.id', 'bindings.account_id')
    .innerJoin('balances', (join) =>
      join.onRef('balances.person_id', '=', 'bindings.person_id').onRef('balances.campaign_id', '=', 'bindings.campaign_id'),
    )
    .select([
      'bindings.campaign_id as campaignId',
      'bindings.provider_service_id as providerServiceId',
      'accounts.account_ref as accountRef',
      'bindings.created_at_ms as boundAtMs',
      'balances.eligible_yen as eligibleYen',
      'balances.points_granted as pointsGranted',
    ])
    .where('bindings.person_id', '=', personId)
    .orderBy('bindings.campaign_id')
    .execute();
}

export interface BalanceRow {
  personId: string;
  campaignId: string;
  eligibleYen: number;
  pointsGranted: number;
}

/**
 * Reads balances and, on PostgreSQL, locks them until the end of the transaction. Callers pass the keys sorted so
 * that concurrent transactions always lock in the same order and cannot deadlock each other.
 */
export async function lockBalances(tx: Tx, keys: ReadonlyArray<{ personId: string; campaignId: string }>): Promise<BalanceRow[]> {
  const rows: BalanceRow[] = [];
  for (const key of keys) {
    let query = tx.db
      .selectFrom('balances')
      .select(['person_id as personId', 'campaign_id as campaignId', 'eligible_yen as eligibleYen', 'points_granted as pointsGranted'])
      .where('person_id', '=', key.personId)
      .where('campaign_id', '=', key.campaignId);
    if (tx.engine === 'postgres') query = query.forUpdate();
    const row = await query.executeTakeFirst();
    if (row !== undefined) rows.push(row);
  }
  return rows;
}

export async function updateBalance(tx: Tx, balance: BalanceRow, nowMs: number): Promise<void> {
  await tx.db
    .updateTable('balances')
    .set({ eligible_yen: balance.eligibleYen, points_granted: balance.pointsGranted, updated_at_ms: nowMs })
    .where('person_id', '=', balance.personId)
    .where('campaign_id', '=', balance.campaignId)
    .execute();
}
