/**
 * Schemas of the campaign dry run: its request body, its report, and the three shapes of a line of its NDJSON
 * events — a provider event exactly as the event batch API takes it, a binding line and an attestation line — with
 * the strict check of one line (the same Ajv options as request bodies: no coercion, formats checked). The CLI uses
 * the same checks offline, so a file means the same thing to `mykey campaign dry-run` as to the API.
 */
import { Type } from 'typebox';
import type { ValidateFunction } from 'ajv';
import type { DryRunLineCheck } from '../app/dry-run.js';
import type { CampaignDefinition } from '../domain/campaign.js';
import type { DryRunAttestation, DryRunBinding, DryRunEvent, DryRunLine } from '../domain/dry-run.js';
import { accountRefCharsMax, dryRunBodyBytesMax } from '../domain/limits.js';
import { fail, ok, type Result } from '../domain/result.js';
import { makeAjv } from './ajv.js';
import { CampaignDefinitionSchema, CampaignSourceBody, isoInstant, ProviderEventSchema } from './schemas.js';

const accountRef = Type.String({ minLength: 1, maxLength: accountRefCharsMax });

export const DryRunBindingLineSchema = Type.Object(
  { accountRef, boundAt: { ...isoInstant, description: 'When the account was bound; by default, when the earning window (or, if later, the application window) opened.' } },
  { additionalProperties: false },
);

export const DryRunAttestationLineSchema = Type.Object(
  {
    accountRef,
    attestationKind: Type.String({ minLength: 1, maxLength: 64, description: 'What a registry attests, e.g. health_insurance_linked (fixed-award campaigns).' }),
    attestedAt: isoInstant,
  },
  { additionalProperties: false },
);

export const DryRunBody = Type.Object(
  {
    campaign: CampaignSourceBody,
    events: Type.String({
      maxLength: dryRunBodyBytesMax,
      description: 'NDJSON: one provider event (the shape of POST /v1/provider/events), binding line {accountRef, boundAt} or attestation line {accountRef, attestationKind, attestedAt} per line, applied in order.',
    }),
  },
  { additionalProperties: false },
);

const count = Type.Integer({ minimum: 0 });
const points = Type.Integer();

export const DryRunReportSchema = Type.Object({
  campaign: Type.Object({ id: Type.String(), version: Type.Integer(), kind: Type.String(), timeZone: Type.String() }),
  lines: Type.Object({
    read: count,
    eventsCounted: count,
    reversalsApplied: count,
    duplicates: count,
    bindings: count,
    attestationsRecorded: count,
    rejected: Type.Record(Type.String(), Type.Object({ lines: count, firstLineNo: count }), { description: 'By error code (docs/errors.md).' }),
  }),
  persons: Type.Object({ seen: count, granted: count, atPersonCap: count }),
  points: Type.Object({ granted: count, clawedBack: count, net: points, eligibleYen: points }),
  grantsLimitedBy: Type.Object({ event_cap: count, period_cap: count, person_cap: count, budget: count }),
  budget: Type.Union([
    Type.Object({
      budgetPoints: count,
      usedPoints: points,
      leftPoints: points,
      exhaustedAt: Type.Union([isoInstant, Type.Null()]),
      exhaustedOn: Type.Union([Type.String({ description: 'The day, in the campaign time zone.' }), Type.Null()]),
    }),
    Type.Null(),
  ]),
  byMonth: Type.Array(Type.Object({ month: Type.String(), pointsGranted: count, pointsClawedBack: count, pointsNet: points })),
});

const ajv = makeAjv(false);
const isEvent: ValidateFunction<DryRunLine> = ajv.compile<DryRunEvent>(ProviderEventSchema);
const isBinding: ValidateFunction<DryRunLine> = ajv.compile<DryRunBinding>(DryRunBindingLineSchema);
const isAttestation: ValidateFunction<DryRunLine> = ajv.compile<DryRunAttestation>(DryRunAttestationLineSchema);
const isDefinition = ajv.compile<CampaignDefinition>(CampaignDefinitionSchema);

function firstError(validate: ValidateFunction, what: string): string {
  const error = validate.errors?.[0];
  return `${error === undefined || error.instancePath === '' ? what : error.instancePath.slice(1)} ${error?.message ?? 'does not match its schema'}`;
}

/**
 * Checks one line's JSON value: an event (it has `eventId`), a binding (`boundAt`) or an attestation. Codes:
 * invalid_request.
 */
export const checkDryRunLine: DryRunLineCheck = (value) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('invalid_request', 'a line is a JSON object');
  const [validate, what] = 'eventId' in value ? [isEvent, 'the event'] : 'boundAt' in value ? [isBinding, 'the binding'] : [isAttestation, 'the attestation'];
  if (validate(value)) return ok(value);
  return fail('invalid_request', firstError(validate, what));
};

/** Checks a campaign definition read from a file against the schema of campaign creation. Codes: invalid_request. */
export function checkCampaignDefinition(value: unknown): Result<CampaignDefinition, 'invalid_request'> {
  if (isDefinition(value)) return ok(value);
  return fail('invalid_request', firstError(isDefinition, 'the definition'));
}
