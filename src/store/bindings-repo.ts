/**
 * Provider accounts, bindings (person × campaign → account) and the per-person-per-campaign balances.
 * Uniqueness in both directions is enforced by the schema: one active binding per person per campaign (a partial
 * unique index), and one holder per account per campaign (`account_holders`), so an account never carries two
 * adults; it carries minors only through their representative's holding.
 */
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { zeroTally, type PeriodTally, type Tally } from '../domain/points.js';
import type { Tx } from './db.js';
import { statementChunks } from './statement-chunks.js';

export interface BindingRow {
  bindingId: string;
  personId: string;
  campaignId: string;
  accountId: string;
  providerServiceId: string;
  /** Whose account it is: the person, or the representative whose account carries them. */
  holderPersonId: string;
  createdAtMs: number;
}

const bindingColumns = [
  'bindings.id as bindingId',
  'bindings.person_id as personId',
  'bindings.campaign_id as campaignId',
  'bindings.account_id as accountId',
  'bindings.provider_service_id as providerServiceId',
  'bindings.holder_person_id as holderPersonId',
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

/** The person's active binding in the campaign (voided bindings are history). */
export async function findBindingOfPerson(tx: Tx, personId: string, campaignId: string): Promise<BindingRow | undefined> {
  return tx.db
    .selectFrom('bindings')
    .select(bindingColumns)
    .where('person_id', '=', personId)
    .where('campaign_id', '=', campaignId)
    .where('voided_at_ms', 'is', null)
    .executeTakeFirst();
}

export async function findBinding(tx: Tx, bindingId: string): Promise<(BindingRow & { voidedAtMs: number | null }) | undefined> {
  return tx.db.selectFrom('bindings').select([...bindingColumns, 'bindings.voided_at_ms as voidedAtMs']).where('id', '=', bindingId).executeTakeFirst();
}

/** The holder of the account in the campaign, if anyone holds it. */
export async function findAccountHolder(tx: Tx, campaignId: string, accountId: string): Promise<string | undefined> {
  const row = await tx.db
    .selectFrom('account_holders')
    .select('holder_person_id')
    .where('campaign_id', '=', campaignId)
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  return row?.holder_person_id;
}

/** The person's active bindings, with the provider of each account. */
export async function listActiveBindingsOfPerson(tx: Tx, personId: string): Promise<Array<BindingRow & { providerId: string }>> {
  return tx.db
    .selectFrom('bindings')
    .innerJoin('accounts', 'accounts.id', 'bindings.account_id')
    .select([...bindingColumns, 'accounts.provider_id as providerId'])
    .where('bindings.person_id', '=', personId)
    .where('bindings.voided_at_ms', 'is', null)
    .execute();
}

/** Active bindings of these accounts, in all campaigns. */
export async function listBindingsOfAccounts(tx: Tx, accountIds: readonly string[]): Promise<BindingRow[]> {
  if (accountIds.length === 0) return [];
  return tx.db.selectFrom('bindings').select(bindingColumns).where('account_id', 'in', accountIds).where('voided_at_ms', 'is', null).execute();
}

/**
 * Inserts the binding, claims the account for its holder, and creates the zero balance (kept when a voided
 * binding left one). Returns false, writing nothing the caller keeps, when the account has another holder; a
 * unique violation means a concurrent bind of the same person won the race.
 */
export async function insertBinding(tx: Tx, binding: BindingRow): Promise<boolean> {
  await tx.db
    .insertInto('account_holders')
    .values({ campaign_id: binding.campaignId, account_id: binding.accountId, holder_person_id: binding.holderPersonId })
    .onConflict((oc) => oc.columns(['campaign_id', 'account_id']).doNothing())
    .execute();
  if ((await findAccountHolder(tx, binding.campaignId, binding.accountId)) !== binding.holderPersonId) return false;
  await tx.db
    .insertInto('bindings')
    .values({
      id: binding.bindingId,
      person_id: binding.personId,
      campaign_id: binding.campaignId,
      account_id: binding.accountId,
      provider_service_id: binding.providerServiceId,
      holder_person_id: binding.holderPersonId,
      created_at_ms: binding.createdAtMs,
    })
    .execute();
  await tx.db
    .insertInto('balances')
    .values({ person_id: binding.personId, campaign_id: binding.campaignId, eligible_yen: 0, points_granted: 0, updated_at_ms: binding.createdAtMs })
    .onConflict((oc) => oc.columns(['person_id', 'campaign_id']).doNothing())
    .execute();
  return true;
}

/** Voids an active binding and releases the account when no active binding of the campaign uses it any more. */
export async function voidBinding(tx: Tx, binding: BindingRow, input: { reason: string; nowMs: number }): Promise<void> {
  await tx.db.updateTable('bindings').set({ voided_at_ms: input.nowMs, void_reason: input.reason }).where('id', '=', binding.bindingId).execute();
  const stillUsed = await tx.db
    .selectFrom('bindings')
    .select('id')
    .where('campaign_id', '=', binding.campaignId)
    .where('account_id', '=', binding.accountId)
    .where('voided_at_ms', 'is', null)
    .executeTakeFirst();
  if (stillUsed === undefined) {
    await tx.db.deleteFrom('account_holders').where('campaign_id', '=', binding.campaignId).where('account_id', '=', binding.accountId).execute();
  }
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
    .where('bindings.voided_at_ms', 'is', null)
    .orderBy('bindings.campaign_id')
    .execute();
}

/** One person's tally in one campaign, as stored. */
export interface BalanceRow extends Tally {
  personId: string;
  campaignId: string;
}

/**
 * Reads balances and, on PostgreSQL, locks them until the end of the transaction, a thousand keys a statement.
 * Callers pass the keys sorted in code-unit order, and PostgreSQL locks each statement's rows in that same order
 * (`collate "C"` is byte order, which is code-unit order for these ASCII ids), so concurrent transactions always
 * lock in one order and cannot deadlock each other. The period balances and the budget of a campaign are only
 * ever changed under its balance locks (and the budget row's own lock).
 */
export async function lockBalances(tx: Tx, keys: ReadonlyArray<{ personId: string; campaignId: string }>): Promise<BalanceRow[]> {
  const rows: BalanceRow[] = [];
  for (const chunk of statementChunks(keys)) {
    let query = tx.db
      .selectFrom('balances')
      .select([
        'person_id as personId',
        'campaign_id as campaignId',
        'eligible_yen as eligibleYen',
        'units',
        'earned_points as earnedPoints',
        'points_granted as pointsGranted',
      ])
      .where((eb) => eb(eb.refTuple('person_id', 'campaign_id'), 'in', chunk.map((key) => eb.tuple(key.personId, key.campaignId))));
    if (tx.engine === 'postgres') query = query.orderBy(sql`person_id collate "C"`).orderBy(sql`campaign_id collate "C"`).forUpdate();
    rows.push(...(await query.execute()));
  }
  return rows;
}

/** Writes balances that exist (locked by lockBalances), a thousand a statement. */
export async function updateBalances(tx: Tx, balances: readonly BalanceRow[], nowMs: number): Promise<void> {
  for (const chunk of statementChunks(balances)) {
    // Casts, so that PostgreSQL types the values' columns as the table's (both engines take them).
    const values = sql.join(
      chunk.map(
        (b) =>
          sql`(${b.personId}, ${b.campaignId}, cast(${b.eligibleYen} as bigint), cast(${b.units} as bigint), cast(${b.earnedPoints} as bigint), cast(${b.pointsGranted} as bigint))`,
      ),
    );
    const result = await sql`
      with v (person_id, campaign_id, eligible_yen, units, earned_points, points_granted) as (values ${values})
      update balances set eligible_yen = v.eligible_yen, units = v.units, earned_points = v.earned_points,
        points_granted = v.points_granted, updated_at_ms = ${nowMs}
      from v where balances.person_id = v.person_id and balances.campaign_id = v.campaign_id`.execute(tx.db);
    assert.equal(Number(result.numAffectedRows ?? 0n), chunk.length, 'every balance written exists');
  }
}

export interface PeriodBalanceRow extends PeriodTally {
  personId: string;
  campaignId: string;
}

/**
 * The stored period balances among these keys (absent ones are zero), in one query: the rows of these persons,
 * campaigns and periods, narrowed to the exact keys here. Read under the balance locks.
 */
export async function readPeriodBalances(tx: Tx, keys: ReadonlyArray<{ personId: string; campaignId: string; key: string }>): Promise<PeriodBalanceRow[]> {
  if (keys.length === 0) return [];
  const wanted = new Set(keys.map((k) => JSON.stringify([k.personId, k.campaignId, k.key])));
  const rows = await tx.db
    .selectFrom('period_balances')
    .select(['person_id as personId', 'campaign_id as campaignId', 'period_key as key', 'units', 'points'])
    .where('person_id', 'in', [...new Set(keys.map((k) => k.personId))])
    .where('campaign_id', 'in', [...new Set(keys.map((k) => k.campaignId))])
    .where('period_key', 'in', [...new Set(keys.map((k) => k.key))])
    .execute();
  return rows.filter((row) => wanted.has(JSON.stringify([row.personId, row.campaignId, row.key])));
}

/** Writes period balances, new or not, a thousand a statement. */
export async function upsertPeriodBalances(tx: Tx, rows: readonly PeriodBalanceRow[]): Promise<void> {
  for (const chunk of statementChunks(rows)) {
    await tx.db
      .insertInto('period_balances')
      .values(chunk.map((row) => ({ person_id: row.personId, campaign_id: row.campaignId, period_key: row.key, units: row.units, points: row.points })))
      .onConflict((oc) => oc.columns(['person_id', 'campaign_id', 'period_key']).doUpdateSet((eb) => ({ units: eb.ref('excluded.units'), points: eb.ref('excluded.points') })))
      .execute();
  }
}

/** Empties a person's tally in a campaign (a correction moved or clawed back everything). */
export async function resetTally(tx: Tx, personId: string, campaignId: string, nowMs: number): Promise<void> {
  await updateBalances(tx, [{ personId, campaignId, ...zeroTally }], nowMs);
  await tx.db.deleteFrom('period_balances').where('person_id', '=', personId).where('campaign_id', '=', campaignId).execute();
}

/** The period balances of a person in a campaign. */
export async function listPeriodBalances(tx: Tx, personId: string, campaignId: string): Promise<PeriodBalanceRow[]> {
  return tx.db
    .selectFrom('period_balances')
    .select(['person_id as personId', 'campaign_id as campaignId', 'period_key as key', 'units', 'points'])
    .where('person_id', '=', personId)
    .where('campaign_id', '=', campaignId)
    .execute();
}

export interface BindingHistoryRow {
  bindingId: string;
  campaignId: string;
  providerServiceId: string;
  accountRef: string;
  boundAtMs: number;
  voidedAtMs: number | null;
  voidReason: string | null;
}

/** Every binding the person ever had, active and voided, for the operator's corrections. */
export async function listBindingHistoryOfPerson(tx: Tx, personId: string): Promise<BindingHistoryRow[]> {
  return tx.db
    .selectFrom('bindings')
    .innerJoin('accounts', 'accounts.id', 'bindings.account_id')
    .select([
      'bindings.id as bindingId',
      'bindings.campaign_id as campaignId',
      'bindings.provider_service_id as providerServiceId',
      'accounts.account_ref as accountRef',
      'bindings.created_at_ms as boundAtMs',
      'bindings.voided_at_ms as voidedAtMs',
      'bindings.void_reason as voidReason',
    ])
    .where('bindings.person_id', '=', personId)
    .orderBy('bindings.created_at_ms')
    .execute();
}
