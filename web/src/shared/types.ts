/**
 * The shapes of the API answers the faces read, as the OpenAPI document (/openapi.json) describes them. Only the
 * fields the pages use are named; the API may send more.
 */
export interface CampaignWindow {
  startsAt: string;
  endsAt: string;
}

export interface Campaign {
  id: string;
  name: string;
  /** The name per language; campaignName() picks the reader's. */
  names?: Partial<Record<'ja' | 'en', string>>;
  owner: string;
  kind: 'spend_back' | 'fixed_award';
  eligibleEventKinds: Array<'payment' | 'topup'>;
  eligibleProviderServices: 'all' | string[];
  eligibleMerchantRegions?: string[];
  applicationWindow: CampaignWindow;
  earningWindow: CampaignWindow;
  timeZone: string;
  rate?: { numerator: number; denominator: number };
  rounding: 'floor' | 'half_up' | 'ceil';
  caps: { perPersonPoints: number; perEventPoints?: number; perPeriod?: { period: 'day' | 'month'; points: number }; budgetPoints?: number };
  award?: { attestationKind: string; points: number };
  refundPolicy: 'clawback' | 'none';
  representatives: { minorsMayShareAccount: boolean };
  sameDayCancel: boolean;
  version: number;
  budget?: { grantedPoints: number; leftPoints: number; exhaustedAt: string | null };
}

export interface ProviderService {
  id: string;
  name: string;
  providerId: string;
  providerName: string;
}

export interface CitizenBinding {
  campaignId: string;
  providerServiceId: string;
  accountRef: string;
  boundAt: string;
  eligibleYen: number;
  points: number;
}

export interface SessionTimes {
  expiresAt: string;
  idleExpiresAt?: string;
  csrfToken?: string;
}

export interface CitizenMe extends SessionTimes {
  mykeyId: string;
  bindings: CitizenBinding[];
}

export interface RepresentedPerson {
  mykeyId: string;
  representedSince: string;
  bindings: CitizenBinding[];
}

export interface PointsEntry {
  entryId: string;
  source: 'event' | 'award' | 'correction';
  points: number;
  eligibleDeltaYen: number;
  createdAt: string;
}

export interface Page<T> {
  data: T[];
  hasMore: boolean;
  nextCursor: string | null;
}

export interface PortalConfig {
  cardAgentUrl: string;
  origin: string;
  sessionIdleSeconds: number;
}

export interface StatementSummary {
  providerId: string;
  month: string;
  revision: number;
  asOf: string;
  subsidyYen: number;
  createdAt: string;
}

export interface StatementFigures {
  grantsCount: number;
  grantsPoints: number;
  clawbacksCount: number;
  clawbacksPoints: number;
  netPoints: number;
  acknowledgedNetPoints: number;
  unacknowledgedNetPoints: number;
  subsidyYen: number;
}

export interface Statement {
  providerId: string;
  month: string;
  revision: number;
  timeZone: string;
  periodStart: string;
  periodEnd: string;
  asOf: string;
  throughSeq: number;
  createdAt: string;
  feed: { entries: number; firstSeq: number | null; lastSeq: number | null; linesSha256: string };
  total: StatementFigures;
  campaigns: Array<StatementFigures & { campaignId: string }>;
}

export interface Tally {
  count: number;
  points: number;
}

export interface Reconciliation {
  providerId: string;
  month: string;
  revision: number;
  throughSeq: number;
  createdAt: string;
  summary: {
    creditedLines: number;
    ledgerLines: number;
    matched: Tally & { unacknowledgedCount: number };
    missing: Tally;
    unknown: Tally;
    pointsMismatch: Tally & { grantedPoints: number };
    outsidePeriod: Tally;
    duplicate: Tally;
  };
  differences: Array<{ kind: string; grantId: string; line?: number; creditedPoints?: number; grantedPoints?: number; campaignId?: string; grantMonth?: string }>;
}
