/**
 * A software passkey authenticator for tests: nid-webauthn-emulator (a FIDO2/CTAP authenticator and WebAuthn client
 * emulator, maintained by Nikkei) makes real attestation and assertion bytes — a P-256 key, a CBOR attestationObject
 * of fmt "none", authenticatorData with the rpIdHash, the UP and UV flags, a sign counter that grows by one per
 * assertion and the attested credential data, and clientDataJSON with type, challenge and origin — from the options
 * the platform's routes answer, as @simplewebauthn/browser would hand them to a browser. `clone()` copies the
 * authenticator with its counters, as an attacker who copied its keys would hold it.
 */
import type { AuthenticationResponseJSON, PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { AuthenticatorEmulator, PasskeysCredentialsMemoryRepository, WebAuthnEmulator } from 'nid-webauthn-emulator';

export class TestAuthenticator {
  private readonly repository: PasskeysCredentialsMemoryRepository;
  private readonly emulator: WebAuthnEmulator;

  constructor(repository = new PasskeysCredentialsMemoryRepository()) {
    this.repository = repository;
    this.emulator = new WebAuthnEmulator(new AuthenticatorEmulator({ algorithmIdentifiers: ['ES256'], credentialsRepository: repository }));
  }

  /** navigator.credentials.create at `origin` (the browser's page) with the platform's registration options. */
  register(origin: string, options: PublicKeyCredentialCreationOptionsJSON): RegistrationResponseJSON {
    return this.emulator.createJSON(origin, options) as RegistrationResponseJSON;
  }

  /** navigator.credentials.get at `origin` with the platform's authentication options (a discoverable passkey). */
  authenticate(origin: string, options: PublicKeyCredentialRequestOptionsJSON): AuthenticationResponseJSON {
    return this.emulator.getJSON(origin, options) as AuthenticationResponseJSON;
  }

  /** Another authenticator holding copies of this one's passkeys and counters. */
  clone(): TestAuthenticator {
    const copy = new PasskeysCredentialsMemoryRepository();
    for (const credential of this.repository.loadCredentials()) copy.saveCredential(credential);
    return new TestAuthenticator(copy);
  }
}
