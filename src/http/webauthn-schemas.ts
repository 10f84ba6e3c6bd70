/**
 * JSON Schemas of the WebAuthn values the staff routes exchange with @simplewebauthn/browser: the options its
 * `startRegistration` / `startAuthentication` take (as @simplewebauthn/server makes them; every field is declared,
 * since a response schema drops what it does not name) and the credentials they return. Binary values are
 * base64url text; sizes are bounded (a credential id is at most 1,023 bytes).
 */
import { Type } from 'typebox';

const base64url = (charsMax: number, description?: string) =>
  Type.String({ minLength: 1, maxLength: charsMax, pattern: '^[A-Za-z0-9_-]+$', ...(description === undefined ? {} : { description }) });

const credentialIdCharsMax = 1_364;

const CredentialDescriptorSchema = Type.Object({
  id: Type.String(),
  type: Type.Literal('public-key'),
  transports: Type.Optional(Type.Array(Type.String())),
});

export const CreationOptionsSchema = Type.Object(
  {
    challenge: Type.String(),
    rp: Type.Object({ name: Type.String(), id: Type.Optional(Type.String()) }),
    user: Type.Object({ id: Type.String({ description: 'base64url of the staff id' }), name: Type.String(), displayName: Type.String() }),
    pubKeyCredParams: Type.Array(Type.Object({ alg: Type.Integer(), type: Type.Literal('public-key') })),
    timeout: Type.Optional(Type.Integer()),
    attestation: Type.Optional(Type.String()),
    excludeCredentials: Type.Optional(Type.Array(CredentialDescriptorSchema, { description: 'The account’s passkeys, so the same authenticator is not enrolled twice.' })),
    authenticatorSelection: Type.Optional(
      Type.Object({
        residentKey: Type.Optional(Type.String()),
        requireResidentKey: Type.Optional(Type.Boolean()),
        userVerification: Type.Optional(Type.String()),
        authenticatorAttachment: Type.Optional(Type.String()),
      }),
    ),
    extensions: Type.Optional(Type.Object({ credProps: Type.Optional(Type.Boolean()) })),
    hints: Type.Optional(Type.Array(Type.String())),
  },
  { description: 'Pass as `optionsJSON` to startRegistration of @simplewebauthn/browser.' },
);

export const RequestOptionsSchema = Type.Object(
  {
    challenge: Type.String(),
    rpId: Type.Optional(Type.String()),
    timeout: Type.Optional(Type.Integer()),
    userVerification: Type.Optional(Type.String()),
  },
  { description: 'Pass as `optionsJSON` to startAuthentication of @simplewebauthn/browser (no allowCredentials: the passkey is discoverable).' },
);

const credentialFields = {
  id: base64url(credentialIdCharsMax),
  rawId: base64url(credentialIdCharsMax),
  type: Type.Literal('public-key'),
  authenticatorAttachment: Type.Optional(Type.Union([Type.Literal('platform'), Type.Literal('cross-platform')])),
  clientExtensionResults: Type.Record(Type.String(), Type.Unknown()),
};

/** What startRegistration returns (a RegistrationResponseJSON); browsers may add fields to `response`. */
export const RegistrationCredentialSchema = Type.Object(
  {
    ...credentialFields,
    response: Type.Object({
      clientDataJSON: base64url(4_096),
      attestationObject: base64url(32_768),
      authenticatorData: Type.Optional(base64url(32_768)),
      transports: Type.Optional(Type.Array(Type.String({ maxLength: 32 }), { maxItems: 16 })),
      publicKeyAlgorithm: Type.Optional(Type.Integer()),
      publicKey: Type.Optional(base64url(4_096)),
    }),
  },
  { additionalProperties: false },
);

/** What startAuthentication returns (an AuthenticationResponseJSON); browsers may add fields to `response`. */
export const AuthenticationCredentialSchema = Type.Object(
  {
    ...credentialFields,
    response: Type.Object({
      clientDataJSON: base64url(4_096),
      authenticatorData: base64url(32_768),
      signature: base64url(2_048),
      userHandle: Type.Optional(base64url(128)),
    }),
  },
  { additionalProperties: false },
);
