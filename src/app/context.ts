/**
 * What every use case gets: the store, the clock, the platform keys, the card trust store, the origin card
 * logins are bound to, and the edges to the outside (provider verification, revocation). Each edge is an
 * interface so that tests give a fake that implements the same contract.
 */
import type { Result } from '../domain/result.js';
import type { RevocationReason } from '../identity/revocation-reasons.js';
import type { TrustStore } from '../identity/trust-store.js';
import type { Store } from '../store/db.js';
import type { PlatformKeys } from './platform-keys.js';

export interface Clock {
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => Date.now() };

export interface AccountVerificationRequest {
  campaignId: string;
  providerServiceId: string;
  accountRef: string;
  securityCode: string;
}

/** Asks a provider whether a payment-service ID and security code belong together (DESIGN.md §2.3). */
export interface ProviderVerifier {
  verify(input: {
    verifyUrl: string;
    keyId: string;
    secret: Buffer;
    request: AccountVerificationRequest;
  }): Promise<Result<void, 'provider_unavailable' | 'account_verification_failed'>>;
}

/**
 * Revocation status of a card certificate (src/identity/revocation.ts: OCSP and CRL checkers). Without a checker
 * (development only; production refuses to start), logins are checked for chain, validity, purpose and signature,
 * and the server says so at start. `issuerCertificateDer` is the CA certificate that issued the leaf (its name and
 * key identify the leaf in OCSP and verify CRL signatures); a checker that needs it fails closed without it.
 */
export interface RevocationChecker {
  check(input: {
    issuerNameDer: Uint8Array;
    serialHex: string;
    nowMs: number;
    issuerCertificateDer?: Uint8Array;
  }): Promise<Result<void, 'certificate_revoked' | 'revocation_unavailable'>>;
}

/** The certificate a renewed one replaced, as the JPKI platform operator links them (証明書新旧紐付け). */
export interface RenewalLink {
  old: { issuerNameDer: Uint8Array; serialHex: string };
  oldRevocationReason: RevocationReason;
}

/**
 * Asked at a certificate's first login, before a new person is created, so that a renewed card reaches its
 * person even when the renewal feed has not arrived yet (DOMAIN.md §8.3). Fails closed: without an answer, no
 * new person is created.
 */
export interface RenewalLookup {
  predecessorOf(input: { issuerNameDer: Uint8Array; serialHex: string; nowMs: number }): Promise<Result<RenewalLink | undefined, 'renewal_lookup_unavailable'>>;
}

export interface AppContext {
  store: Store;
  clock: Clock;
  keys: PlatformKeys;
  trust: TrustStore;
  /** The https origin (http://localhost… in development) card signatures are bound to. */
  origin: string;
  providerVerifier: ProviderVerifier;
  revocation: RevocationChecker | undefined;
  /** Where first logins ask for a renewed certificate's predecessor; without one, only the renewal feed links. */
  renewalLookup?: RenewalLookup;
  /** The IANA zone whose calendar months settlement statements cover (Asia/Tokyo when absent). */
  settlementTimeZone?: string;
}
