/**
 * A provider's event as it reports it (payment, top-up, refund, cancel), and the rules of an event on its own —
 * before any store or campaign is consulted. The platform's ingest and the campaign dry run share them, so a
 * file means the same to both.
 */
import type { ErrorCode } from './errors.js';
import { looksLikeMyNumber } from './my-number.js';
import { isReversal, type EventKind } from './points.js';
import { fail, ok, type Result } from './result.js';

/** An event as the provider reports it (already checked against the route schema). */
export interface ProviderEvent {
  eventId: string;
  accountRef: string;
  kind: EventKind;
  amountYen: number;
  occurredAt: string;
  originalEventId?: string;
  merchantRegion?: string;
}

/** Every code an event can be refused with, in the batch answer and in a dry run's report. */
export type EventRejectionCode = Extract<
  ErrorCode,
  | 'invalid_request'
  | 'national_id_number_refused'
  | 'idempotency_conflict'
  | 'original_event_required'
  | 'original_event_not_allowed'
  | 'account_unknown'
  | 'original_event_unknown'
  | 'original_event_mismatch'
  | 'refund_exceeds_original'
  | 'event_kind_not_eligible'
  | 'outside_earning_window'
  | 'merchant_region_not_eligible'
>;

export type EventShapeRejection = 'invalid_request' | 'national_id_number_refused' | 'original_event_required' | 'original_event_not_allowed';

/** Checks an event alone and returns its instant: a valid time, no My Number, originalEventId exactly on reversals. */
export function checkEventShape(event: ProviderEvent): Result<number, EventShapeRejection> {
  const occurredAtMs = Date.parse(event.occurredAt);
  if (!Number.isFinite(occurredAtMs)) return fail('invalid_request', 'occurredAt is not a valid instant', 'occurredAt');
  if (looksLikeMyNumber(event.accountRef)) return fail('national_id_number_refused', 'accountRef looks like a My Number', 'accountRef');
  if (isReversal(event.kind) && event.originalEventId === undefined) {
    return fail('original_event_required', `a ${event.kind} must name originalEventId`, 'originalEventId');
  }
  if (!isReversal(event.kind) && event.originalEventId !== undefined) {
    return fail('original_event_not_allowed', `a ${event.kind} must not name originalEventId`, 'originalEventId');
  }
  return ok(occurredAtMs);
}

/**
 * The canonical text of an event's payload, which decides whether a repeated event id is the same event: by
 * meaning, so the same instant written with another offset is the same event. The merchant region is appended
 * only when present, so events without one compare as they always did.
 */
export function canonicalPayload(event: ProviderEvent, occurredAtMs: number): string {
  const fields = [event.accountRef, event.kind, event.amountYen, occurredAtMs, event.originalEventId ?? null];
  return JSON.stringify(event.merchantRegion === undefined ? fields : [...fields, event.merchantRegion]);
}
