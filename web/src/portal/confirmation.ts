/**
 * The binding just made, for its confirmation page: kept in memory only, so that a reload, the back button or the
 * next person at a shared terminal finds nothing (the session has ended with the binding).
 */
export interface Confirmation {
  campaignId: string;
  campaignName: string;
  providerServiceId: string;
  serviceName: string;
  accountRef: string;
  boundAt: string;
  onBehalfOf?: string;
}

let confirmation: Confirmation | undefined;

export function rememberConfirmation(value: Confirmation): void {
  confirmation = value;
}

/** The confirmation, once: reading it forgets it. */
export function takeConfirmation(): Confirmation | undefined {
  const value = confirmation;
  confirmation = undefined;
  return value;
}
