/**
 * The roles of staff accounts and which of them each kind of route admits (docs/staff.md has the matrix route by
 * route). Operator roles serve the operator console and provider roles their own provider's console; no role
 * crosses to the other side. A route names one of the `staffAccess` sets below, so the matrix lives here once and
 * every route declares its row in one place.
 */

export const operatorRoles = ['operator_admin', 'operator_support', 'operator_settlement'] as const;
export const providerRoles = ['provider_admin', 'provider_staff'] as const;
export const staffRoles = [...operatorRoles, ...providerRoles] as const;

export type OperatorRole = (typeof operatorRoles)[number];
export type ProviderRole = (typeof providerRoles)[number];
export type StaffRole = (typeof staffRoles)[number];

/**
 * Whether a role belongs to a provider's staff (and so names the provider it works for).
 *
 * @example
 * isProviderRole('provider_staff') // true
 */
export function isProviderRole(role: StaffRole): role is ProviderRole {
  return (providerRoles as readonly string[]).includes(role);
}

/**
 * The role sets routes admit. `operatorReads`: what every operator role may read (campaigns, providers, stats,
 * dashboards, audit); `personBindings`: a person's bindings and their corrections (support's work); `settlement`:
 * statements, their runs and reconciliation reports; `operatorAdmin`: every other operator route. `providerData`:
 * a provider's grant feed, event files, statements and reconciliation; `providerAdmin`: its keys and its staff.
 * `machinesOnly` admits no staff: the route is for the operator token or signed provider requests alone.
 */
export const staffAccess = {
  operatorAdmin: ['operator_admin'],
  operatorReads: ['operator_admin', 'operator_support', 'operator_settlement'],
  personBindings: ['operator_admin', 'operator_support'],
  settlement: ['operator_admin', 'operator_settlement'],
  providerAdmin: ['provider_admin'],
  providerData: ['provider_admin', 'provider_staff'],
  machinesOnly: [],
} as const satisfies Record<string, readonly StaffRole[]>;

export type StaffAccess = (typeof staffAccess)[keyof typeof staffAccess];

/** The side of the platform a route serves; each side admits only its own roles. */
export type StaffAudience = 'operator' | 'provider';

/**
 * Whether a set of admitted roles fits the side of its route (no operator role on a provider route, and the
 * reverse): checked when routes are registered, so a wrong declaration stops the app from starting.
 */
export function fitsAudience(admitted: readonly StaffRole[], audience: StaffAudience): boolean {
  return admitted.every((role) => isProviderRole(role) === (audience === 'provider'));
}
