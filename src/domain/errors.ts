/**
 * Every error code the platform can return: a closed set, in order of precedence within each group (when more
 * than one applies, the first listed is returned). Codes are contract; messages are not. Each code must be
 * documented in docs/errors.md (a test enforces it).
 */
export const errorCodes = {
  // Request shape and transport.
  malformed_json: { status: 400, summary: 'The body is not valid JSON.' },
  body_too_large: { status: 413, summary: 'The body is larger than the limit for this route.' },
  unsupported_media_type: { status: 415, summary: 'The body is not application/json.' },
  invalid_request: { status: 400, summary: 'The body, query or parameters do not match the schema of the route.' },
  national_id_number_refused: { status: 400, summary: 'A field holds what looks like a 12-digit My Number; the platform never accepts one.' },
  not_found: { status: 404, summary: 'No such route or resource.' },
  rate_limited: { status: 429, summary: 'Too many requests; retry after the time in Retry-After.' },
  overloaded: { status: 503, summary: 'The platform is at capacity and did nothing with this request; retry after the time in Retry-After.' },
  idempotency_key_missing: { status: 400, summary: 'This write needs an Idempotency-Key header.' },
  idempotency_key_reused: { status: 409, summary: 'The Idempotency-Key was used before with a different request.' },
  idempotency_key_in_use: { status: 409, summary: 'A request with this Idempotency-Key is still running; retry shortly.' },
  internal: { status: 500, summary: 'A bug; details are in the server log under the request id.' },

  // Operator and citizen sessions.
  operator_token_invalid: { status: 401, summary: 'The operator bearer token is missing or wrong.' },
  session_required: { status: 401, summary: 'This citizen route needs a session from a card login.' },
  session_expired: { status: 401, summary: 'The citizen session has expired, was idle too long, or was ended (logout, a binding made in the portal); log in with the card again.' },
  csrf_token_invalid: { status: 403, summary: 'A write with a session cookie must carry the session’s X-CSRF-Token header (from the sign-in answer or GET …/me).' },

  // Staff sign-in (passkeys) and staff sessions of the consoles.
  staff_session_required: { status: 401, summary: 'This staff route needs a staff session (the console’s sign-in cookie).' },
  staff_session_expired: { status: 401, summary: 'The staff session has ended: signed out, idle too long, older than its lifetime, or the account was disabled.' },
  staff_role_forbidden: { status: 403, summary: 'The staff member’s role does not admit this route (an operator role never reaches provider routes, nor a provider role operator routes).' },
  enrolment_invalid: { status: 404, summary: 'The enrolment link is unknown, used, expired, replaced by a newer one, or its account is disabled.' },
  passkey_unknown: { status: 401, summary: 'The passkey is not registered with the platform.' },
  staff_account_disabled: { status: 403, summary: 'The staff account is disabled (a sign-in with its passkey, or a new enrolment link for it).' },
  passkey_verification_failed: { status: 401, summary: 'The passkey’s answer does not verify (origin, relying party, user verification, signature or a sign counter that did not grow).' },
  staff_not_found: { status: 404, summary: 'No staff account with that id (among this provider’s, on provider routes).' },

  // Provider request signatures (RFC 9421 / RFC 9530).
  request_signature_missing: { status: 401, summary: 'The request carries no Signature / Signature-Input headers.' },
  request_signature_malformed: { status: 401, summary: 'Signature / Signature-Input / Content-Digest cannot be parsed or do not cover the required components.' },
  provider_key_unknown: { status: 401, summary: 'The keyid of the signature is not an active key (never issued, revoked, or past the end of its rotation overlap).' },
  request_signature_expired: { status: 401, summary: 'The signature `created` time is outside the replay window.' },
  content_digest_mismatch: { status: 401, summary: 'Content-Digest does not match the body.' },
  request_signature_invalid: { status: 401, summary: 'The HMAC does not verify.' },
  request_signature_replayed: { status: 401, summary: 'This exact signature was already used.' },

  // Card login (JPKI authentication certificate, Web eID token).
  auth_token_malformed: { status: 400, summary: 'The auth token is not of the expected shape, size or format.' },
  algorithm_unsupported: { status: 400, summary: 'The token algorithm is not RS256.' },
  challenge_not_found: { status: 401, summary: 'No such challenge, or it was already used.' },
  challenge_expired: { status: 401, summary: 'The challenge is older than its time to live.' },
  challenge_purpose_mismatch: { status: 400, summary: 'The challenge was issued for another purpose.' },
  challenge_session_mismatch: { status: 401, summary: 'The login challenge was issued to another browser session (its pre-login cookie is missing or different).' },
  certificate_malformed: { status: 401, summary: 'The certificate is not strict DER X.509.' },
  certificate_untrusted: { status: 401, summary: 'The certificate does not chain to a configured trust anchor.' },
  certificate_not_yet_valid: { status: 401, summary: 'The certificate is not valid yet.' },
  certificate_expired: { status: 401, summary: 'The certificate (or its CA) has expired.' },
  certificate_wrong_purpose: { status: 401, summary: 'The certificate is not a user-authentication certificate (key usage, key size or subject alternative name).' },
  certificate_revoked: { status: 401, summary: 'The certificate is revoked.' },
  revocation_unavailable: { status: 503, summary: 'Revocation status could not be obtained; logins fail closed.' },
  renewal_lookup_unavailable: { status: 503, summary: 'A first login could not ask whether the certificate renews an earlier one; no person is created (fail closed).' },
  signature_invalid: { status: 401, summary: 'The card signature does not verify over the expected origin and nonce.' },

  // Campaigns and providers (operator API).
  preset_unknown: { status: 400, summary: 'No campaign preset has that name.' },
  campaign_invalid: { status: 400, summary: 'The campaign definition breaks a rule of the campaign model.' },
  campaign_exists: { status: 409, summary: 'A campaign with that id exists.' },
  campaign_not_found: { status: 404, summary: 'No campaign with that id.' },
  provider_exists: { status: 409, summary: 'A provider with that id exists.' },
  provider_not_found: { status: 404, summary: 'No provider with that id.' },
  provider_service_exists: { status: 409, summary: 'A provider service with that id exists.' },

  // Binding (申込).
  binding_challenge_mismatch: { status: 400, summary: 'The binding details differ from those the challenge was issued for.' },
  card_person_mismatch: { status: 403, summary: 'The card that signed the binding belongs to another person than the session.' },
  campaign_application_closed: { status: 409, summary: 'The campaign is outside its application window.' },
  provider_service_not_found: { status: 404, summary: 'No provider service with that id.' },
  provider_service_not_eligible: { status: 409, summary: 'The campaign does not accept this provider service.' },
  campaign_budget_exhausted: { status: 409, summary: 'The campaign has granted its whole budget; it takes no more applications.' },
  binding_already_exists: { status: 409, summary: 'The person already has a binding in this campaign; it is final.' },
  account_already_bound: { status: 409, summary: 'The account already carries another person in this campaign.' },
  provider_unavailable: { status: 502, summary: 'The provider verification endpoint did not answer in time or answered badly.' },
  account_verification_failed: { status: 409, summary: 'The provider did not confirm the payment-service ID and security code.' },

  // Legal representatives (法定代理人): adding a represented person, acting on their behalf.
  representation_challenge_mismatch: { status: 400, summary: 'The represent challenge was issued to another session.' },
  representative_is_represented: { status: 403, summary: 'The session’s person is represented by someone, and a represented person cannot represent anyone.' },
  representation_of_self: { status: 409, summary: 'The card that signed is the representative’s own card.' },
  represented_is_representative: { status: 409, summary: 'The card’s person represents others, and a representative cannot be represented.' },
  representation_not_found: { status: 404, summary: 'The session’s person represents nobody with the Mykey ID given in onBehalfOf.' },

  // Provider events (per event, in the batch answer).
  batch_too_large: { status: 413, summary: 'More events in one batch than the limit.' },
  idempotency_conflict: { status: 409, summary: 'An event with this id was applied before with a different payload.' },
  original_event_required: { status: 400, summary: 'A refund or cancel must name originalEventId.' },
  original_event_not_allowed: { status: 400, summary: 'A payment or top-up must not name originalEventId.' },
  account_unknown: { status: 404, summary: 'No binding carries this account reference of the provider.' },
  original_event_unknown: { status: 404, summary: 'The refunded or cancelled event was never applied.' },
  original_event_mismatch: { status: 409, summary: 'The refund or cancel names another account, or reverses a refund.' },
  refund_exceeds_original: { status: 409, summary: 'Refunds would exceed the amount of the original event.' },
  event_kind_not_eligible: { status: 409, summary: 'No campaign the account is bound to counts this kind of event.' },
  outside_earning_window: { status: 409, summary: 'No campaign the account is bound to counts an event at that time (earning window, or before the binding).' },
  merchant_region_not_eligible: { status: 409, summary: 'No campaign the account is bound to counts an event at this merchant (its region code is missing or not among the campaign’s).' },

  // Event files (upload, per-line results).
  event_file_not_found: { status: 404, summary: 'No event file with that id among this provider’s files.' },
  event_file_closed: { status: 409, summary: 'The event file is completed (or failed its digest check); it takes no more content.' },
  upload_offset_mismatch: { status: 409, summary: 'The chunk starts after the bytes received so far; resume from the Upload-Offset header.' },
  upload_size_mismatch: { status: 409, summary: 'The file would exceed, or at completion falls short of, the declared sizeBytes.' },
  upload_digest_mismatch: { status: 409, summary: 'The sha256 of the bytes received differs from the declared sha256; the file is closed.' },
  csv_header_invalid: { status: 400, summary: 'The first line of a CSV event file is not a valid header of event fields.' },
  file_line_invalid: { status: 400, summary: 'A line of an event file is not one event (bad JSON or CSV, too long, or not matching the event schema).' },

  // Grant feed.
  cursor_invalid: { status: 400, summary: 'The cursor was not produced by this feed.' },
  grant_unknown: { status: 404, summary: 'A grant id to acknowledge is not one of this provider’s grants.' },

  // Fixed awards: registries and their attestations (operator API).
  registry_exists: { status: 409, summary: 'A registry with that id exists.' },
  registry_key_invalid: { status: 400, summary: 'The registry public key is not an Ed25519, EC or RSA public key in PEM.' },
  registry_not_found: { status: 404, summary: 'No registry with that id.' },
  attestation_signature_invalid: { status: 400, summary: 'The attestation batch signature does not verify with the registry key.' },
  attestation_payload_invalid: { status: 400, summary: 'The signed payload is not a JSON array of attestations of the documented shape.' },
  attestation_kind_not_allowed: { status: 403, summary: 'The registry may not attest this kind of action (per attestation).' },
  person_unknown: { status: 404, summary: 'No person has that Mykey ID.' },

  // Bindings after the fact: citizen same-day cancel and operator corrections.
  binding_not_found: { status: 404, summary: 'No active binding with that id (or of this person in that campaign).' },
  binding_cancel_not_allowed: { status: 409, summary: 'The campaign allows no cancel, the binding was not made today (campaign time zone), or points were granted through it.' },
  // Settlement and reconciliation.
  settlement_as_of_too_recent: { status: 400, summary: 'A settlement’s asOf must lie at least a minute in the past.' },
  settlement_period_not_started: { status: 409, summary: 'The month has not begun yet (at asOf, or now for a reconciliation).' },
  settlement_not_found: { status: 404, summary: 'No settlement statement (or no such revision) for this provider and month.' },
  reconciliation_not_found: { status: 404, summary: 'No reconciliation report (or no such revision) for this provider and month.' },
} as const satisfies Record<string, { status: number; summary: string }>;

export type ErrorCode = keyof typeof errorCodes;

export function httpStatusOf(code: ErrorCode): number {
  return errorCodes[code].status;
}
