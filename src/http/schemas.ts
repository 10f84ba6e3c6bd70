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
import { mykeyIdAlphabet, mykeyIdLength } from '../domain/mykey-id.js';

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

export const isoInstant = Type.String({
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

/** A Mykey ID as the platform spells it: 8 characters of the unambiguous alphabet. */
export function mykeyIdSchema(description: string) {
  return Type.String({ pattern: `^[${mykeyIdAlphabet}]{${mykeyIdLength}}$`, description });
}

export const BindingDetailsSchema = Type.Object(
  {
    campaignId: Type.String({ minLength: 1, maxLength: 64 }),
    providerServiceId: Type.String({ minLength: 1, maxLength: 64 }),
    accountRef: Type.String({ minLength: 1, maxLength: accountRefCharsMax, description: 'The payment-service ID (決済サービスID).' }),
    onBehalfOf: Type.Optional(mykeyIdSchema('A legal representative binding for a person they represent: that person’s Mykey ID. Covered by the card signature.')),
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
    merchantRegion: Type.Optional(
      Type.String({ pattern: '^[0-9A-Za-z-]{1,16}$', description: 'Region code of the merchant (e.g. JIS X 0402), for campaigns limited to a region.' }),
    ),
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
  cappedBy: Type.Optional(
    Type.Array(
      Type.Object({
        campaignId: Type.String(),
        reasons: Type.Array(Type.Union([Type.Literal('event_cap'), Type.Literal('period_cap'), Type.Literal('person_cap'), Type.Literal('budget')])),
      }),
      { description: 'Campaigns where a cap or the budget made the grant smaller than the event alone would earn.' },
    ),
  ),
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
  source: Type.Union([Type.Literal('event'), Type.Literal('award'), Type.Literal('correction')], {
    description: 'event: for one of your events; award: a fixed award; correction: an operator correction of a binding.',
  }),
  eventId: Type.Optional(Type.String({ description: 'Your event id, for grants of source event.' })),
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

const positivePoints = Type.Integer({ minimum: 1 });

export const CampaignDefinitionSchema = Type.Object(
  {
    id: Type.String({ minLength: 3, maxLength: 64 }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    names: Type.Optional(
      Type.Object(
        { ja: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), en: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
        { additionalProperties: false, description: 'The name per language of the faces; the portal shows the reader’s, else name.' },
      ),
    ),
    owner: Type.String({ minLength: 1, maxLength: 200 }),
    kind: Type.Union([Type.Literal('spend_back'), Type.Literal('fixed_award')]),
    eligibleEventKinds: Type.Array(Type.Union([Type.Literal('payment'), Type.Literal('topup')]), { maxItems: 2 }),
    eligibleProviderServices: Type.Union([Type.Literal('all'), Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 1000 })]),
    eligibleMerchantRegions: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 16 }), { minItems: 1, maxItems: 1000 })),
    applicationWindow: campaignWindow,
    earningWindow: campaignWindow,
    timeZone: Type.String({ minLength: 1, maxLength: 64 }),
    rate: Type.Optional(Type.Object({ numerator: positivePoints, denominator: positivePoints }, { additionalProperties: false })),
    rounding: Type.Union([Type.Literal('floor'), Type.Literal('half_up'), Type.Literal('ceil')]),
    caps: Type.Object(
      {
        perPersonPoints: positivePoints,
        perEventPoints: Type.Optional(positivePoints),
        perPeriod: Type.Optional(
          Type.Object({ period: Type.Union([Type.Literal('day'), Type.Literal('month')]), points: positivePoints }, { additionalProperties: false }),
        ),
        budgetPoints: Type.Optional(positivePoints),
      },
      { additionalProperties: false },
    ),
    award: Type.Optional(Type.Object({ attestationKind: Type.String({ minLength: 1, maxLength: 64 }), points: positivePoints }, { additionalProperties: false })),
    refundPolicy: Type.Union([Type.Literal('clawback'), Type.Literal('none')]),
    representatives: Type.Object({ minorsMayShareAccount: Type.Boolean() }, { additionalProperties: false }),
    sameDayCancel: Type.Boolean(),
  },
  { additionalProperties: false },
);

export const CampaignSchema = Type.Object({
  ...CampaignDefinitionSchema.properties,
  version: Type.Integer(),
  budget: Type.Optional(
    Type.Object(
      { grantedPoints: Type.Integer(), leftPoints: Type.Integer(), exhaustedAt: Type.Union([isoInstant, Type.Null()], { description: 'When the budget ran out; the campaign then takes no more applications and grants nothing more.' }) },
      { description: 'For a campaign with caps.budgetPoints.' },
    ),
  ),
});

/** How operators name a campaign's rules: a preset, or a full definition. */
export const CampaignSourceBody = Type.Union([
  Type.Object(
    { preset: Type.String({ maxLength: 64 }), id: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$' })), name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
    { additionalProperties: false },
  ),
  Type.Object({ definition: CampaignDefinitionSchema }, { additionalProperties: false }),
]);

type SecurityRequirements = ReadonlyArray<Record<string, readonly string[]>>;

/** Operator routes: the operator bearer token, or a staff console session of a role the route admits. */
export const operatorSecurity: SecurityRequirements = [{ operatorToken: [] }, { staffSession: [] }];
/** Provider routes: a signed request, or a console session of the provider's staff of a role the route admits. */
export const providerSecurity: SecurityRequirements = [{ httpMessageSignature: [] }, { staffSession: [] }];
/** Provider routes for machines only (no console uses them): a signed request. */
export const providerMachineSecurity: SecurityRequirements = [{ httpMessageSignature: [] }];

/** Documents the Idempotency-Key of idempotent writes; its presence is checked by the idempotency hook. */
export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({ description: 'Required: a unique key (e.g. a UUID) of at most 255 characters per user action, reused on retry.' }),
  ),
});
