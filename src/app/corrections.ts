/**
 * Corrections of bindings (DOMAIN.md §8.4: a binding made to the wrong person — a shared terminal left logged in,
 * a payment-service ID mistyped at a counter). The operator voids the binding with a reason; the points granted
 * through it are clawed back from the account, or moved to the person the account really belongs to. A citizen may
 * also cancel their own binding on the day they made it, where the campaign allows it and nothing was granted yet.
 * Nothing is deleted: the binding stays as voided, and every point moved is a new ledger entry (source
 * `correction`), so balances still equal the sum of the ledger. Every step is in the audit log.
 */
import { randomUUID } from 'node:crypto';
import assert from 'node:assert/strict';
import { localDateOf } from '../domain/calendar.js';
import { validateCampaign, type Campaign } from '../domain/campaign.js';
import { fail, ok, type Result } from '../domain/result.js';
import { appendAudit } from '../store/audit-repo.js';
import {
  findBinding,
  findBindingOfPerson,
  insertBinding,
  listBindingHistoryOfPerson,
  listBindingsOfPerson,
  listPeriodBalances,
  lockBalances,
  resetTally,
  updateBalances,
  upsertPeriodBalances,
  voidBinding,
  type BalanceRow,
  type BindingHistoryRow,
  type BindingRow,
} from '../store/bindings-repo.js';
import { findCampaign, lockBudgets } from '../store/campaigns-repo.js';
import type { Tx } from '../store/db.js';
import { appendLedgerEntries, type LedgerEntry } from '../store/events-repo.js';
import { findPersonById, findPersonByMykeyId, lockPerson } from '../store/persons-repo.js';
import { findAccountProvider } from '../store/providers-repo.js';
import { chargeBudget, writeBudgets } from './budgets.js';
import type { CitizenSession } from './citizen.js';
import type { AppContext } from './context.js';
import { actingFor } from './representatives.js';

export type CorrectionAction = 'clawback' | 'move';

export interface CorrectionInput {
  bindingId: string;
  reason: string;
  action: CorrectionAction;
  /** For `move`: the Mykey ID of the person the account really belongs to. */
  toMykeyId?: string;
}

export interface CorrectionResult {
  bindingId: string;
  campaignId: string;
  action: CorrectionAction;
  /** Points taken from the voided binding's person (clawed back, or moved). */
  points: number;
  /** For `move`: the new binding of the account's rightful person. */
  newBindingId?: string;
}

export type CorrectionErrorCode = 'binding_not_found' | 'person_unknown' | 'binding_already_exists' | 'invalid_request';

async function campaignOf(tx: Tx, campaignId: string): Promise<Campaign> {
  const row = await findCampaign(tx, campaignId);
  assert.ok(row !== undefined, 'a binding names an existing campaign');
  const campaign = validateCampaign(row.definition, row.version);
  assert.ok(campaign.ok, 'stored campaigns validate');
  return campaign.value;
}

function correctionEntry(binding: BindingRow, personId: string, points: number, eligibleDeltaYen: number): LedgerEntry {
  return { id: randomUUID(), source: 'correction', campaignId: binding.campaignId, personId, accountId: binding.accountId, eventId: binding.bindingId, points, eligibleDeltaYen };
}

/** Voids the binding and takes everything granted through it back from the account (a negative entry). */
async function clawBack(tx: Tx, binding: BindingRow, balance: BalanceRow, campaign: Campaign, reason: string, nowMs: number): Promise<LedgerEntry[]> {
  const budgets = await lockBudgets(tx, campaign.caps.budgetPoints === undefined ? [] : [campaign.id]);
  const budgetsAfter = new Map(budgets);
  chargeBudget(campaign, budgetsAfter, -balance.pointsGranted, nowMs);
  await writeBudgets(tx, budgets, budgetsAfter);
  await resetTally(tx, binding.personId, binding.campaignId, nowMs);
  await voidBinding(tx, binding, { reason, nowMs });
  return balance.pointsGranted === 0 ? [] : [correctionEntry(binding, binding.personId, -balance.pointsGranted, -balance.eligibleYen)];
}

/** Voids the binding and gives the account, its tally and its points to the person it really belongs to. */
async function moveTo(tx: Tx, binding: BindingRow, balance: BalanceRow, targetPersonId: string, reason: string, nowMs: number): Promise<{ entries: LedgerEntry[]; newBindingId: string }> {
  const periods = await listPeriodBalances(tx, binding.personId, binding.campaignId);
  await resetTally(tx, binding.personId, binding.campaignId, nowMs);
  await voidBinding(tx, binding, { reason, nowMs });
  const moved: BindingRow = { ...binding, bindingId: randomUUID(), personId: targetPersonId, holderPersonId: targetPersonId, createdAtMs: nowMs };
  assert.ok(await insertBinding(tx, moved), 'the voided binding released the account');
  await updateBalances(tx, [{ ...balance, personId: targetPersonId }], nowMs);
  await upsertPeriodBalances(tx, periods.map((period) => ({ ...period, personId: targetPersonId })));
  const entries = balance.pointsGranted === 0 ? [] : [correctionEntry(binding, binding.personId, -balance.pointsGranted, -balance.eligibleYen), correctionEntry(binding, targetPersonId, balance.pointsGranted, balance.eligibleYen)];
  return { entries, newBindingId: moved.bindingId };
}

/**
 * Voids a wrong binding (operator). Codes: invalid_request (move without toMykeyId), binding_not_found,
 * person_unknown (toMykeyId), binding_already_exists (the rightful person already has a binding in the campaign,
 * or is the same person).
 */
export async function correctBinding(ctx: AppContext, actor: string, input: CorrectionInput): Promise<Result<CorrectionResult, CorrectionErrorCode>> {
  if (input.action === 'move' && input.toMykeyId === undefined) return fail('invalid_request', 'a move names toMykeyId', 'toMykeyId');
  return ctx.store.transaction(async (tx) => {
    const nowMs = ctx.clock.nowMs();
    const binding = await findBinding(tx, input.bindingId);
    if (binding === undefined || binding.voidedAtMs !== null) return fail('binding_not_found', 'no active binding with this id', 'bindingId');
    const target = input.toMykeyId === undefined ? undefined : await findPersonByMykeyId(tx, input.toMykeyId);
    if (input.toMykeyId !== undefined && target === undefined) return fail('person_unknown', 'no person has this Mykey ID', 'toMykeyId');
    for (const personId of [binding.personId, ...(target === undefined ? [] : [target.personId])].sort()) await lockPerson(tx, personId);
    if (target !== undefined && (target.personId === binding.personId || (await findBindingOfPerson(tx, target.personId, binding.campaignId)) !== undefined)) {
      return fail('binding_already_exists', 'that person already has a binding in this campaign', 'toMykeyId');
    }
    const [balance] = await lockBalances(tx, [{ personId: binding.personId, campaignId: binding.campaignId }]);
    assert.ok(balance !== undefined, 'a binding has a balance');
    const campaign = await campaignOf(tx, binding.campaignId);
    const providerId = await findAccountProvider(tx, binding.accountId);
    const reason = `correction: ${input.reason}`;
    const outcome =
      target === undefined
        ? { entries: await clawBack(tx, binding, balance, campaign, reason, nowMs), newBindingId: undefined }
        : await moveTo(tx, binding, balance, target.personId, reason, nowMs);
    await appendLedgerEntries(tx, providerId, outcome.entries, nowMs);
    const result: CorrectionResult = {
      bindingId: binding.bindingId,
      campaignId: binding.campaignId,
      action: input.action,
      points: balance.pointsGranted,
      ...(outcome.newBindingId === undefined ? {} : { newBindingId: outcome.newBindingId }),
    };
    const from = await findPersonById(tx, binding.personId);
    await appendAudit(tx, {
      atMs: nowMs,
      actor,
      action: `binding.void.${input.action}`,
      subject: binding.bindingId,
      details: { reason: input.reason, campaignId: binding.campaignId, fromMykeyId: from?.mykeyId, toMykeyId: input.toMykeyId, points: balance.pointsGranted, eligibleYen: balance.eligibleYen, newBindingId: outcome.newBindingId },
    });
    return ok(result);
  });
}

/**
 * A citizen cancels their binding in a campaign — or, with `onBehalfOf`, the binding of a person they represent —
 * on the calendar day (campaign time zone) it was made, where the campaign allows it and nothing was granted
 * through it. Codes: representation_not_found, binding_not_found, binding_cancel_not_allowed.
 */
export async function cancelBinding(
  ctx: AppContext,
  session: CitizenSession,
  input: { campaignId: string; onBehalfOf?: string },
): Promise<Result<{ campaignId: string }, 'representation_not_found' | 'binding_not_found' | 'binding_cancel_not_allowed'>> {
  const { campaignId } = input;
  return ctx.store.transaction(async (tx) => {
    const nowMs = ctx.clock.nowMs();
    const subject = await actingFor(tx, session, input.onBehalfOf);
    if (!subject.ok) return subject;
    const { personId } = subject.value;
    await lockPerson(tx, personId);
    const binding = await findBindingOfPerson(tx, personId, campaignId);
    if (binding === undefined) return fail('binding_not_found', 'there is no binding in this campaign to cancel', 'campaignId');
    const campaign = await campaignOf(tx, campaignId);
    const [balance] = await lockBalances(tx, [{ personId, campaignId }]);
    assert.ok(balance !== undefined);
    if (!campaign.sameDayCancel) return fail('binding_cancel_not_allowed', 'this campaign allows no cancel; the choice is final', 'campaignId');
    if (localDateOf(binding.createdAtMs, campaign.timeZone) !== localDateOf(nowMs, campaign.timeZone)) {
      return fail('binding_cancel_not_allowed', 'a binding can be cancelled only on the day it was made', 'campaignId');
    }
    if (balance.pointsGranted !== 0) return fail('binding_cancel_not_allowed', 'points were already granted through this binding', 'campaignId');
    await resetTally(tx, personId, campaignId, nowMs);
    const byRepresentative = subject.value.representativePersonId !== undefined;
    await voidBinding(tx, binding, { reason: byRepresentative ? 'cancelled by the representative on the day' : 'cancelled by the citizen on the day', nowMs });
    const details = byRepresentative ? { campaignId, onBehalfOf: subject.value.mykeyId, representativeMykeyId: session.mykeyId } : { campaignId };
    await appendAudit(tx, { atMs: nowMs, actor: 'citizen', action: 'binding.cancel', subject: binding.bindingId, details });
    return ok({ campaignId });
  });
}

/** A person's bindings, active and voided, with their points, for an operator handling a complaint. Codes: person_unknown. */
export async function bindingsOfPerson(ctx: AppContext, mykeyId: string): Promise<Result<Array<BindingHistoryRow & { eligibleYen: number; pointsGranted: number }>, 'person_unknown'>> {
  return ctx.store.transaction(async (tx) => {
    const person = await findPersonByMykeyId(tx, mykeyId);
    if (person === undefined) return fail('person_unknown', 'no person has this Mykey ID', 'mykeyId');
    const bindings = await listBindingHistoryOfPerson(tx, person.personId);
    const balances = new Map((await listBindingsOfPerson(tx, person.personId)).map((b) => [b.campaignId, b]));
    return ok(
      bindings.map((binding) => {
        const balance = binding.voidedAtMs === null ? balances.get(binding.campaignId) : undefined;
        return { ...binding, eligibleYen: balance?.eligibleYen ?? 0, pointsGranted: balance?.pointsGranted ?? 0 };
      }),
    );
  });
}
