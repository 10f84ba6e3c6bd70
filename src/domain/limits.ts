/**
 * Every limit of the platform, in one place, with units in the names. The relations between them are asserted
 * below so that changing one cannot silently break another.
 */
import assert from 'node:assert/strict';

/** Events in one POST /v1/provider/events batch. */
export const eventsPerBatchMax = 1_000;
/** Body of the event batch route: 1,000 events of ≤ 600 bytes each, plus the envelope. */
export const eventBatchBodyBytesMax = 1_048_576;
/** One chunk of an event file (PUT …/event-files/{id}/content): bounds the memory a request holds. */
export const eventFileChunkBytesMax = 4 * 1_048_576;
/** One line of an event file; a longer line is rejected on its own (`file_line_invalid`) and the file goes on. */
export const eventFileLineBytesMax = 4_096;
/** Lines of an event file per ingest transaction: one event batch. */
export const eventFileLinesPerBatchMax = 1_000;
/** Lines per page of an event file's report. */
export const eventFileReportPageMax = 1_000;
/** An event file's name, as the provider gives it (shown back, never used as a path). */
export const eventFileNameCharsMax = 255;
/**
 * Body of the operator's dry run (a campaign and NDJSON events as text): at least 13,000 events (of at most 600
 * bytes), a few seconds of work; larger files go through `mykey campaign dry-run`, which streams them.
 */
export const dryRunBodyBytesMax = 8_388_608;
/** The dry run gives the event loop back after this many lines, so a long one never stalls other requests. */
export const dryRunLinesPerTurn = 500;
/** Body of every other route. */
export const bodyBytesMax = 65_536;
/** One event, serialised; used to size the batch body limit. */
export const eventBytesMax = 600;
/** Grants per page of the provider grant feed (larger than ordinary lists: providers drain it in bulk). */
export const grantsPageMax = 1_000;
/** Items per page of ordinary lists. */
export const pageMax = 100;
/** Attestations per signed batch; one is about 150 bytes of JSON, so 300 fit the attestation payload limit. */
export const attestationsPerBatchMax = 300;
/** Renewal records per operator request; a record is about 600 bytes of JSON, so 100 fit the default body limit. */
export const renewalsPerBatchMax = 100;
/** How many renewals a login follows back to a known certificate (a card renewed every 5 years: generous). */
export const renewalChainMax = 32;
/** Idempotency-Key header length. */
export const idempotencyKeyCharsMax = 255;
/** A key reserved this long by a request that never finished (a crash) may be taken over by a retry. */
export const idempotencyReservationStaleMs = 60_000;
/** Provider event ids and account references. */
export const eventIdCharsMax = 128;
export const accountRefCharsMax = 128;
export const securityCodeCharsMax = 64;
/** A Web eID token, as the JSON text of its fields (JPKI.md §3.3: 100–10,000). */
export const authTokenCharsMin = 100;
export const authTokenCharsMax = 10_000;
/** A card-login challenge lives this long (JPKI.md §8: 5 minutes). */
export const challengeTtlMs = 5 * 60_000;
/** A citizen session lives this long from login: short, for shared terminals (DOMAIN.md §8.4). */
export const sessionTtlMs = 15 * 60_000;
/** A portal (cookie) session also ends after this long without a request; the page warns a minute before. */
export const browserSessionIdleMs = 5 * 60_000;
/** A staff session (operator and provider consoles) lasts at most this long from sign-in: one working day. */
export const staffSessionTtlMs = 8 * 60 * 60_000;
/** A staff session also ends after this long without a request (a console left open on an unattended desk). */
export const staffSessionIdleMs = 30 * 60_000;
/** A one-time enrolment link of a staff account stays valid this long. */
export const staffEnrolmentTtlMs = 24 * 60 * 60_000;
/** A WebAuthn challenge (passkey registration or sign-in) lives this long; the browser's ceremony times out with it. */
export const passkeyChallengeTtlMs = 5 * 60_000;
/** A staff member's display name. */
export const staffDisplayNameCharsMax = 100;
/** The longest a rotated provider key may stay valid beside its successor: 30 days. */
export const keyRotationOverlapSecondsMax = 2_592_000;
/** How long a rotated provider key stays valid unless the rotation says otherwise: one day. */
export const keyRotationOverlapSecondsDefault = 86_400;
/** One payment, top-up or refund: 100 million yen is far beyond any real card payment. */
export const amountYenMax = 100_000_000;
/** One APDU to a card in a reader: a JPKI signature takes well under a second; a silent card is `timeout`. */
export const cardCommandTimeoutMs = 15_000;
/** The card agent's body limit: a sign request (a bind nonce is 114 characters, six texts of ≤ 200) with room. */
export const cardAgentBodyBytesMax = 4_096;
/** The body of the agent's PIN approval: the PIN's bytes, nothing else (a 4-digit PIN; more is refused unread). */
export const cardAgentPinBodyBytesMax = 16;
/** How long a sign request waits for the person in the agent's window. */
export const cardAgentApprovalTimeoutMs = 2 * 60_000;
/** A client of the agent must have sent its request headers within this (slowloris: see the agent's server). */
export const cardAgentHeadersTimeoutMs = 5_000;
/** …and its whole request (headers and the small body) within this. */
export const cardAgentRequestTimeoutMs = 10_000;
/** A connection with nothing moving is closed after this, except while a sign request waits for the person. */
export const cardAgentIdleTimeoutMs = 10_000;
/** How often the agent's server looks for connections past those deadlines: a cut comes at most this late. */
export const cardAgentTimeoutCheckIntervalMs = 1_000;
/** Outgoing call to a provider's verification endpoint. */
export const providerCallTimeoutMs = 5_000;
/**
 * How far in the past a settlement's asOf must lie. An acknowledgement is stamped with the clock before its
 * transaction commits; one stamped at or before asOf must have committed when the statement reads the ledger, or a
 * later recomputation would count it and the statement would not. A write transaction never takes a minute.
 */
export const settlementAsOfLagMs = 60_000;
/** Ledger lines a settlement reads per page (it folds page by page, never holding a month in memory). */
export const settlementLinesPageMax = 10_000;
/** Lines of one reconciliation upload ("what we credited this month"). */
export const reconciliationLinesMax = 50_000;
/** One reconciliation line, serialised: a grant id, points and an ISO instant with an offset. */
export const reconciliationLineBytesMax = 200;
/** Body of the reconciliation upload route. */
export const reconciliationBodyBytesMax = 10_485_760;
/**
 * Admission control (launch day): API requests one server process works on at once, how many more may wait, and
 * for how long. The defaults suit the default PostgreSQL pool of 10 connections: a login or binding spends about
 * half its time off the database (signature checks, the provider call), so 32 keep the pool busy without a queue
 * in front of it that nobody bounds.
 */
export const admissionConcurrencyDefault = 32;
export const admissionQueueDefault = 256;
export const admissionQueueWaitMsDefault = 2_000;
/** Retries of a store transaction that lost a deadlock or serialization race. */
export const transactionAttemptsMax = 5;

assert.ok(eventsPerBatchMax * eventBytesMax < eventBatchBodyBytesMax);
assert.ok(bodyBytesMax < eventBatchBodyBytesMax);
assert.ok(eventBytesMax < eventFileLineBytesMax && eventFileLineBytesMax < eventFileChunkBytesMax);
assert.ok(eventFileLinesPerBatchMax <= eventsPerBatchMax);
assert.ok(eventBatchBodyBytesMax < dryRunBodyBytesMax);
assert.ok(pageMax <= grantsPageMax);
assert.ok(renewalsPerBatchMax * 600 < bodyBytesMax);
assert.ok(authTokenCharsMin < authTokenCharsMax && authTokenCharsMax < bodyBytesMax);
assert.ok(challengeTtlMs < sessionTtlMs);
// A held sign request ends before its challenge expires, so an approval never signs a nonce the platform forgot.
assert.ok(cardAgentApprovalTimeoutMs < challengeTtlMs);
assert.ok(cardAgentTimeoutCheckIntervalMs < cardAgentHeadersTimeoutMs && cardAgentHeadersTimeoutMs < cardAgentRequestTimeoutMs);
assert.ok(cardAgentPinBodyBytesMax < cardAgentBodyBytesMax && cardAgentBodyBytesMax < bodyBytesMax);
assert.ok(browserSessionIdleMs < sessionTtlMs);
assert.ok(staffSessionIdleMs < staffSessionTtlMs && passkeyChallengeTtlMs < staffSessionIdleMs);
assert.ok(keyRotationOverlapSecondsDefault <= keyRotationOverlapSecondsMax);
assert.ok(reconciliationLinesMax * reconciliationLineBytesMax < reconciliationBodyBytesMax);
assert.ok(admissionConcurrencyDefault >= 1 && admissionQueueDefault >= 0 && admissionQueueWaitMsDefault > 0);
assert.ok(Number.isSafeInteger(amountYenMax * eventsPerBatchMax * 100));
