/**
 * The shapes of the operator API answers the console reads (docs/operator.md, /openapi.json). Only the fields the
 * pages use are named; the API may send more.
 */
import type { Campaign } from '../shared/types.js';

export interface VersionedCampaign extends Campaign {
  publishedAt: string;
}

export interface Provider {
  id: string;
  name: string;
  verifyUrl: string;
  services: Array<{ id: string; name: string }>;
}

export interface PlatformStats {
  campaigns: Array<{ campaignId: string; personsBound: number; pointsGranted: number; eligibleYen: number }>;
  providers: Array<{ providerId: string; name: string; bindings: number; eventsApplied: number; eventsRejected: number; pointsGranted: number }>;
  eventsApplied: number;
}

export interface CampaignDashboard {
  campaignId: string;
  timeZone: string;
  personsBound: number;
  pointsGranted: number;
  budgetPoints: number | null;
  budgetLeftPoints: number | null;
  days: Array<{ date: string; personsBound: number; personsBoundCumulative: number; pointsGranted: number; pointsGrantedCumulative: number }>;
}

export interface RejectionDashboard {
  timeZone: string;
  rejected: number;
  codes: Array<{ code: string; count: number }>;
  days: Array<{ date: string; total: number; byCode: Record<string, number> }>;
}

export interface DryRunReport {
  campaign: { id: string; version: number; kind: string; timeZone: string };
  lines: { read: number; eventsCounted: number; reversalsApplied: number; duplicates: number; bindings: number; attestationsRecorded: number; rejected: Record<string, { lines: number; firstLineNo: number }> };
  persons: { seen: number; granted: number; atPersonCap: number };
  points: { granted: number; clawedBack: number; net: number; eligibleYen: number };
  grantsLimitedBy: { event_cap: number; period_cap: number; person_cap: number; budget: number };
  budget: { budgetPoints: number; usedPoints: number; leftPoints: number; exhaustedAt: string | null; exhaustedOn: string | null } | null;
  byMonth: Array<{ month: string; pointsGranted: number; pointsClawedBack: number; pointsNet: number }>;
}

export interface PersonBinding {
  bindingId: string;
  campaignId: string;
  providerServiceId: string;
  accountRef: string;
  boundAt: string;
  voidedAt: string | null;
  voidReason: string | null;
  eligibleYen: number;
  points: number;
}

export interface AuditEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  details: Record<string, unknown>;
  hash: string;
}

export interface AuditPage {
  data: AuditEntry[];
  brokenAtSeq: number | null;
  hasMore: boolean;
}

export interface AuditVerification {
  entriesVerified: number;
  verifiedThroughSeq: number;
  verifiedThroughHash: string;
  brokenAtSeq: number | null;
  checkedAt: string;
}
