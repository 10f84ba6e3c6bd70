/**
 * What each operator role may do in the console, after the role matrix of docs/staff.md: the console hides what
 * a role may not do (the platform refuses it anyway, with `staff_role_forbidden`, which a page opened by its
 * address shows plainly).
 */
import type { StaffRole } from '../shared/staff/staff-api.js';

export type Capability =
  /** Campaigns (create, versions, dry run), providers and their keys, staff accounts. */
  | 'administer'
  /** A person's bindings and their corrections. */
  | 'correct'
  /** Settlement runs, statements, reconciliation reports. */
  | 'settle';

const capabilities: Record<StaffRole, readonly Capability[]> = {
  operator_admin: ['administer', 'correct', 'settle'],
  operator_support: ['correct'],
  operator_settlement: ['settle'],
  provider_admin: [],
  provider_staff: [],
};

/**
 * Whether the role may do it; every operator role reads the dashboard, campaigns, providers and the audit log.
 *
 * @example
 * may('operator_support', 'administer'); // false
 */
export function may(role: StaffRole, capability: Capability): boolean {
  return capabilities[role].includes(capability);
}
