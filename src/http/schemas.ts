/**
 * JSON Schemas shared by the routes (TypeBox: one schema gives both the runtime check and the static type).
 * Every route declares its body, params, query and responses, and the OpenAPI document is generated from them.
 */
import { Type, type Static } from 'typebox';
import { eventKinds } from '../domain/points.js';
import {
  accountRefCharsMax,
  authTokenCharsMax,
  eventIdCharsMax,
  eventsPerBatchMax,
  grantsPageMax,
  amountYenMax,
  securityCodeCharsMax,
} from '../domain/limits.js';

export const ErrorBody = Type.Object(
  {
    statusCode: Type.Integer(),
    code: Type.String({ description: 'Stable machine code; see docs/errors.md.' }),
    error: Type.String({ description: 'HTTP reason phrase.' }),
    message: Type.String({ description: 'Human-readable; not contract.' }),
    param: Type.Optional(Type.String()),
    requestId: Type.String(),
  },
  { $id: 'ErrorBody' },
);

/** Error responses a route can give, by status, all with the one error body. */
export function errorResponses(...statuses: number[]): Record<number, typeof ErrorBody> {
  return Object.fromEntries(statuses.map((status) => [status, ErrorBody]));
}

const isoInstant = Type.String({
  format: 'date-time',
  description: 'ISO 8601 with an offset, e.g. 2020-09-15T12:00:00+09:00.',
});

export const AuthTokenSchema = Type.Object(
  {
    unverifiedCertificate: Type.String({ minLength: 1, maxLength: authTokenCharsMax, description: 'base64 DER of the card authentication certificate.' }),
    algorithm: Type.String({ maxLength: 16 }),
    signature: Type.String({ minLength: 1, maxLength: 1024, description: 'base64 RS256 signature over SHA-256(origin) ‖ SHA-256(nonce).' }),
    format: Type.String({ maxLength: 32, description: '"web-eid:1.0"' }),
    appVersion: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const ChallengeBody = Type.Object(
  {
    challengeId: Type.String(),
    nonce: Type.String({ description: 'Sign SHA-256(origin) ‖ SHA-256(nonce) with the card.' }),
    expiresAt: isoInstant,
  },
);

export const BindingDetailsSchema = Type.Object(
  {
    campaignId: Type.String({ minLength: 1, maxLength: 64 }),
    providerServiceId: Type.String({ minLength: 1, maxLength: 64 }),
    accountRef: Type.String({ minLength: 1, maxLength: accountRefCharsMax, description: 'The payment-service ID (決済サービスID).' }),
  },
  { additionalProperties: false },
);

export const SecurityCode = Type.String({ minLength: 1, maxLength: securityCodeCharsMax, description: 'The security code (セキュリティコード) the provider issued.' });

export const ProviderEventSchema = Type.Object(
  {
    eventId: Type.String({ minLength: 1, maxLength: eventIdCharsMax, description: 'The provider’s id of the event: the idempotency key.' }),
    accountRef: Type.String({ minLength: 1, maxLength: accountRefCharsMax }),
    kind: Type.Union(eventKinds.map((kind) => Type.Literal(kind))),
    amountYen: Type.Integer({ minimum: 1, maximum: amountYenMax }),
    occurredAt: isoInstant,
    originalEventId: Type.Optional(Type.String({ minLength: 1, maxLength: eventIdCharsMax })),
  },
  { additionalProperties: false },
);

export const EventBatchBody = Type.Object(
  { events: Type.Array(ProviderEventSchema, { minItems: 1, maxItems: eventsPerBatchMax }) },
  { additionalProperties: false },
);

export const GrantOfEvent = Type.Object({ grantId: Type.String(), campaignId: Type.String(), points: Type.Integer() });

export const EventOutcomeSchema = Type.Object({
  eventId: Type.String(),
  status: Type.Union([Type.Literal('applied'), Type.Literal('duplicate'), Type.Literal('rejected')]),
  grants: Type.Optional(Type.Array(GrantOfEvent)),
  code: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
});

export const FeedQuery = Type.Object(
  {
    after: Type.Optional(Type.String({ maxLength: 64, description: 'nextCursor of the previous page; absent for the start.' })),
    limit: Type.Integer({ minimum: 1, maximum: grantsPageMax, default: 100 }),
  },
  { additionalProperties: false },
);

export const FeedGrantSchema = Type.Object({
  grantId: Type.String(),
  seq: Type.Integer({ minimum: 1, description: 'Position in your feed (commit order); settlement statements name feed ranges.' }),
  accountRef: Type.String(),
  campaignId: Type.String(),
  eventId: Type.String(),
  points: Type.Integer({ description: 'Negative for a clawback.' }),
  createdAt: isoInstant,
  acknowledged: Type.Boolean(),
  ackedAt: Type.Union([isoInstant, Type.Null()], { description: 'When you acknowledged it; null until then.' }),
});

export type ProviderEventInput = Static<typeof ProviderEventSchema>;

export function isoOf(ms: number): string {
  return new Date(ms).toISOString();
}

const campaignWindow = Type.Object({ startsAt: isoInstant, endsAt: isoInstant }, { additionalProperties: false });

export const CampaignDefinitionSchema = Type.Object(
  {
    id: Type.String({ minLength: 3, maxLength: 64 }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    owner: Type.String({ minLength: 1, maxLength: 200 }),
    kind: Type.Literal('spend_back'),
    eligibleEventKinds: Type.Array(Type.Union([Type.Literal('payment'), Type.Literal('topup')]), { minItems: 1, maxItems: 2 }),
    eligibleProviderServices: Type.Union([Type.Literal('all'), Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 1000 })]),
    applicationWindow: campaignWindow,
    earningWindow: campaignWindow,
    timeZone: Type.String({ minLength: 1, maxLength: 64 }),
    rate: Type.Object({ numerator: Type.Integer({ minimum: 1 }), denominator: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }),
    rounding: Type.Literal('floor'),
    pointsPerPersonMax: Type.Integer({ minimum: 1 }),
    refundPolicy: Type.Union([Type.Literal('clawback'), Type.Literal('none')]),
  },
  { additionalProperties: false },
);

export const CampaignSchema = Type.Object({ ...CampaignDefinitionSchema.properties, version: Type.Integer() });

/** Documents the Idempotency-Key of idempotent writes; its presence is checked by the idempotency hook. */
export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({ description: 'Required: a unique key (e.g. a UUID) of at most 255 characters per user action, reused on retry.' }),
  ),
});
