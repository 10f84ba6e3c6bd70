/**
 * The revocation reasons of RFC 5280, shared by the checkers (which report them) and the test CA (which issues them).
 */

/** RFC 5280 §5.3.1 CRLReason names (value 7 is not used). JPKI.md §2.3 maps J-LIS reasons onto them. */
export const revocationReasonCodes = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  removeFromCRL: 8,
  privilegeWithdrawn: 9,
  aACompromise: 10,
} as const;

export type RevocationReason = keyof typeof revocationReasonCodes;

export const revocationReasons = Object.keys(revocationReasonCodes) as RevocationReason[];

/** The name of a CRLReason value, or undefined for a value RFC 5280 does not define. */
export function revocationReasonOf(code: number): RevocationReason | undefined {
  return revocationReasons.find((reason) => revocationReasonCodes[reason] === code);
}

