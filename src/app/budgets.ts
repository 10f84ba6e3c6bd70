/**
 * Campaign budgets during a transaction: what is left, and charging grants (or crediting clawbacks) against it.
 * The rows come from `lockBudgets`, so no other transaction changes them until commit.
 */
import assert from 'node:assert/strict';
import type { Campaign } from '../domain/campaign.js';
import { updateBudget, type BudgetRow } from '../store/campaigns-repo.js';
import type { Tx } from '../store/db.js';

/** Points left in the campaign's budget, or undefined for a campaign without one. */
export function budgetLeftOf(campaign: Campaign, budgets: ReadonlyMap<string, BudgetRow>): number | undefined {
  const budgetPoints = campaign.caps.budgetPoints;
  if (budgetPoints === undefined) return undefined;
  const row = budgets.get(campaign.id);
  assert.ok(row !== undefined, 'a budgeted campaign has a locked budget row');
  return budgetPoints - row.pointsGranted;
}

/** Records a grant (or a clawback, negative) against the budget; the first time nothing is left, it is exhausted. */
export function chargeBudget(campaign: Campaign, budgets: Map<string, BudgetRow>, points: number, nowMs: number): void {
  const budgetPoints = campaign.caps.budgetPoints;
  const row = budgets.get(campaign.id);
  if (budgetPoints === undefined || row === undefined || points === 0) return;
  const pointsGranted = row.pointsGranted + points;
  assert.ok(pointsGranted <= budgetPoints, 'grants never exceed the budget');
  budgets.set(campaign.id, { ...row, pointsGranted, exhaustedAtMs: row.exhaustedAtMs ?? (pointsGranted === budgetPoints ? nowMs : null) });
}

export async function writeBudgets(tx: Tx, before: ReadonlyMap<string, BudgetRow>, after: ReadonlyMap<string, BudgetRow>): Promise<void> {
  for (const [campaignId, row] of after) if (before.get(campaignId) !== row) await updateBudget(tx, row);
}
