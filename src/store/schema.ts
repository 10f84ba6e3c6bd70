/**
 * Table types for Kysely. Times are epoch milliseconds (bigint columns, numbers in TypeScript); money is integer
 * yen and points are integers. Nothing here holds a name, an address or a My Number: persons are a random id and
 * a Mykey ID, and certificates are kept only as keyed hashes of issuer + serial.
 */
import type { Generated } from 'kysely';

export interface PersonsTable {
  id: string;
  mykey_id: string;
  created_at_ms: number;
}

export interface CredentialsTable {
  /** HMAC-SHA-256 (platform key) of the certificate's issuer DER and serial: not recomputable without the key. */
  credential_hash: string;
  person_id: string;
  not_after_ms: number;
  created_at_ms: number;
  last_login_at_ms: number;
}

export interface CertificateRenewalsTable {
  /** Credential hash (as in credentials) of the replaced certificate. */
  old_credential_hash: string;
  new_credential_hash: string;
  /** RFC 5280 reason name the old certificate was revoked with (superseded for a renewal). */
  old_revocation_reason: string;
  /** RenewalStatus of src/store/renewals-repo.ts. */
  status: string;
  received_at_ms: number;
  updated_at_ms: number;
}

export interface ProvidersTable {
  id: string;
  name: string;
  verify_url: string;
  created_at_ms: number;
}

export interface ProviderServicesTable {
  id: string;
  provider_id: string;
  name: string;
  created_at_ms: number;
}

export interface ProviderKeysTable {
  key_id: string;
  provider_id: string;
  /** The HMAC secret, sealed with AES-256-GCM under a key derived from the platform secret. */
  secret_sealed: string;
  created_at_ms: number;
  revoked_at_ms: number | null;
  /** Set by a rotation: the key stays valid until here beside its successor, then signs nothing. */
  expires_at_ms: number | null;
}

export interface AccountsTable {
  id: string;
  provider_id: string;
  provider_service_id: string;
  /** The provider's own reference of the account (決済サービスID); unique per provider. */
  account_ref: string;
  created_at_ms: number;
}

export interface CampaignsTable {
  id: string;
  version: number;
  /** The CampaignDefinition as JSON. */
  definition: string;
  created_at_ms: number;
}

export interface BindingsTable {
  id: string;
  person_id: string;
  campaign_id: string;
  account_id: string;
  provider_service_id: string;
  /** Whose account it is: the person, or the legal representative whose account carries the person. */
  holder_person_id: string;
  created_at_ms: number;
  /** Set when the binding was cancelled or voided by a correction; a voided binding counts nothing. */
  voided_at_ms: number | null;
  void_reason: string | null;
}

export interface AccountHoldersTable {
  campaign_id: string;
  account_id: string;
  /** The one adult whose account this is in the campaign (DESIGN.md §2.3: one account never carries two adults). */
  holder_person_id: string;
}

export interface RegistriesTable {
  id: string;
  name: string;
  /** SPKI PEM of the key that signs the registry's attestation batches. */
  public_key_pem: string;
  /** JSON array of the attestation kinds the registry may attest. */
  attestation_kinds: string;
  created_at_ms: number;
}

export interface AttestationsTable {
  registry_id: string;
  attestation_id: string;
  payload_sha256: string;
  kind: string;
  person_id: string;
  attested_at_ms: number;
  received_at_ms: number;
}

export interface RepresentationsTable {
  representative_person_id: string;
  represented_person_id: string;
  created_at_ms: number;
}

export interface EventsTable {
  provider_id: string;
  event_id: string;
  /** sha256 of the canonical event payload: same id + other payload = idempotency_conflict. */
  payload_sha256: string;
  kind: string;
  account_id: string;
  amount_yen: number;
  occurred_at_ms: number;
  original_event_id: string | null;
  merchant_region: string | null;
  /** Sum of refunds and cancels applied against this event. */
  reversed_yen: Generated<number>;
  applied_at_ms: number;
}

export interface EventCampaignsTable {
  provider_id: string;
  event_id: string;
  /** A campaign the earning event was counted in when it was applied. */
  campaign_id: string;
}

export interface BalancesTable {
  person_id: string;
  campaign_id: string;
  eligible_yen: number;
  /** Σ event contributions in units of 1/denominator point. */
  units: Generated<number>;
  /** Σ period points, before the per-person cap. */
  earned_points: Generated<number>;
  points_granted: number;
  updated_at_ms: number;
}

export interface PeriodBalancesTable {
  person_id: string;
  campaign_id: string;
  /** `YYYY-MM-DD` or `YYYY-MM` in the campaign's time zone. */
  period_key: string;
  units: number;
  points: number;
}

export interface CampaignBudgetsTable {
  campaign_id: string;
  points_granted: number;
  exhausted_at_ms: number | null;
}

export interface LedgerEntriesTable {
  id: string;
  provider_id: string;
  /** Position in the provider's grant feed, assigned in commit order under the feed-head lock. */
  provider_seq: number;
  campaign_id: string;
  person_id: string;
  account_id: string;
  /** The provider event, the attestation (`registry/attestation`) or the binding (corrections) behind the entry. */
  event_id: string;
  /** LedgerSource of src/store/events-repo.ts. */
  source: Generated<string>;
  points: number;
  eligible_delta_yen: number;
  created_at_ms: number;
}

export interface ProviderFeedHeadsTable {
  provider_id: string;
  last_seq: number;
}

export interface GrantAcksTable {
  ledger_entry_id: string;
  provider_id: string;
  acked_at_ms: number;
}

export interface ChallengesTable {
  id: string;
  nonce: string;
  purpose: string;
  /** For bind challenges: the session that asked, and the sha256 of the binding details the card signs. */
  session_id: string | null;
  binding_sha256: string | null;
  expires_at_ms: number;
}

export interface SessionsTable {
  /** sha256 of the bearer token; the token itself is never stored. */
  token_sha256: string;
  person_id: string;
  created_at_ms: number;
  expires_at_ms: number;
  /** How the token travels: 'token' (bearer, machines and the CLI) or 'cookie' (HttpOnly cookie of the portal). */
  delivery: Generated<string>;
  /** Cookie sessions: the session ends at this instant unless a request comes first (null for token sessions). */
  idle_expires_at_ms: number | null;
}

export interface IdempotencyRecordsTable {
  scope: string;
  key: string;
  request_sha256: string;
  status_code: number;
  response_body: string;
  created_at_ms: number;
}

export interface SignatureNoncesTable {
  signature_sha256: string;
  expires_at_ms: number;
}

export interface AuditLogTable {
  seq: number;
  at_ms: number;
  actor: string;
  action: string;
  subject: string;
  details: string;
  prev_hash: string;
  hash: string;
}

export interface EventFilesTable {
  id: string;
  provider_id: string;
  file_name: string;
  /** EventFileFormat of src/domain/event-file-lines.ts. */
  format: string;
  declared_size_bytes: number | null;
  declared_sha256: string | null;
  /** EventFileState of src/store/event-files-repo.ts. */
  state: string;
  /** Every byte before this offset is read: in a processed line, or in the tail. */
  received_bytes: number;
  /** The bytes of the line in progress (at most one line's worth), base64. */
  tail_base64: string;
  /** 1 while the rest of a line already rejected as too long is being dropped. */
  skipping_long_line: number;
  /** The number of the line in progress (1-based, every physical line counts). */
  next_line_no: number;
  /** The CSV columns (JSON array of field names) once the header line is read. */
  csv_columns: string | null;
  /** The running sha256 of the received bytes (ResumableSha256), kept only when a sha256 was declared. */
  sha256_state: string | null;
  lines_applied: number;
  lines_duplicate: number;
  lines_rejected: number;
  created_at_ms: number;
  updated_at_ms: number;
  /** When the file was completed, or closed by a digest mismatch. */
  closed_at_ms: number | null;
}

export interface EventFileLinesTable {
  file_id: string;
  line_no: number;
  /** The event id the line names, when it names one (a line that is not an event may not). */
  event_id: string | null;
  /** applied | duplicate | rejected */
  status: string;
  /** The error code of a rejected line. */
  code: string | null;
  message: string | null;
}

export interface SettlementStatementsTable {
  provider_id: string;
  /** YYYY-MM in the settlement time zone the statement names. */
  month: string;
  /** 1, 2, … per provider and month: each run is a new revision; the newest is the one in force. */
  revision: number;
  as_of_ms: number;
  subsidy_yen: number;
  /** The Statement of src/domain/settlement.ts as JSON (instants in ms). */
  statement: string;
  /** The operator actor who ran it. */
  created_by: string;
  created_at_ms: number;
}

export interface SettlementReconciliationsTable {
  provider_id: string;
  month: string;
  /** 1, 2, … per provider and month: each upload is a new report. */
  revision: number;
  /** The ReconciliationReport of src/domain/reconciliation.ts as JSON. */
  report: string;
  created_at_ms: number;
}

export interface StaffAccountsTable {
  id: string;
  /** The name colleagues know the staff member by (shown in the consoles and the audit); the only personal datum. */
  display_name: string;
  /** StaffRole of src/domain/staff-roles.ts. */
  role: string;
  /** The provider a provider role works for; null for operator roles. */
  provider_id: string | null;
  created_at_ms: number;
  /** The actor who created the account (`staff:<id>`, `operator`, `system:cli`, …). */
  created_by: string;
  disabled_at_ms: number | null;
}

export interface StaffPasskeysTable {
  /** The WebAuthn credential id, base64url. */
  credential_id: string;
  staff_id: string;
  /** The COSE public key, base64url. */
  public_key: string;
  /** The authenticator's signature counter at the last sign-in (0 for authenticators that keep none). */
  sign_count: number;
  /** JSON array of the transports the browser reported (usb, internal, hybrid, …). */
  transports: string;
  created_at_ms: number;
  last_used_at_ms: number | null;
}

export interface StaffEnrolmentsTable {
  /** sha256 of the one-time enrolment token; the token itself is never stored. */
  token_sha256: string;
  staff_id: string;
  created_at_ms: number;
  expires_at_ms: number;
  used_at_ms: number | null;
}

export interface StaffSessionsTable {
  /** sha256 of the session cookie's token; the token itself is never stored. */
  token_sha256: string;
  staff_id: string;
  created_at_ms: number;
  /** The absolute end of the session. */
  expires_at_ms: number;
  /** The session ends here unless a request comes first (each request moves it on, never past expires_at_ms). */
  idle_expires_at_ms: number;
}

export interface PasskeyChallengesTable {
  /** The base64url challenge the browser's authenticator signs (it comes back in clientDataJSON). */
  challenge: string;
  /** registration | authentication */
  purpose: string;
  /** For a registration: the account being enrolled. */
  staff_id: string | null;
  /** sha256 of the pre-login cookie of the browser that asked: only that browser can complete the ceremony. */
  preauth_sha256: string;
  expires_at_ms: number;
}

export interface EventRejectionCountsTable {
  provider_id: string;
  /** The start of the quarter hour of UTC the rejections were answered in (a multiple of 15 minutes). */
  bucket_start_ms: number;
  /** The EventRejectionCode (or the event file's line code) the events were rejected with. */
  code: string;
  rejected: number;
}

export interface Schema {
  persons: PersonsTable;
  credentials: CredentialsTable;
  certificate_renewals: CertificateRenewalsTable;
  providers: ProvidersTable;
  provider_services: ProviderServicesTable;
  provider_keys: ProviderKeysTable;
  accounts: AccountsTable;
  campaigns: CampaignsTable;
  bindings: BindingsTable;
  account_holders: AccountHoldersTable;
  registries: RegistriesTable;
  attestations: AttestationsTable;
  representations: RepresentationsTable;
  period_balances: PeriodBalancesTable;
  campaign_budgets: CampaignBudgetsTable;
  events: EventsTable;
  event_campaigns: EventCampaignsTable;
  balances: BalancesTable;
  ledger_entries: LedgerEntriesTable;
  provider_feed_heads: ProviderFeedHeadsTable;
  grant_acks: GrantAcksTable;
  challenges: ChallengesTable;
  sessions: SessionsTable;
  idempotency_records: IdempotencyRecordsTable;
  signature_nonces: SignatureNoncesTable;
  audit_log: AuditLogTable;
  event_files: EventFilesTable;
  event_file_lines: EventFileLinesTable;
  settlement_statements: SettlementStatementsTable;
  settlement_reconciliations: SettlementReconciliationsTable;
  staff_accounts: StaffAccountsTable;
  staff_passkeys: StaffPasskeysTable;
  staff_enrolments: StaffEnrolmentsTable;
  staff_sessions: StaffSessionsTable;
  passkey_challenges: PasskeyChallengesTable;
  event_rejection_counts: EventRejectionCountsTable;
}
