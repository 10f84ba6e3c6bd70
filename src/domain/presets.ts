/**
 * Campaign presets: the published rules of real campaigns, as data (DOMAIN.md §4–§7). Each has a test that replays
 * its rules. Extensions of a campaign are versions of it: `mynapoint-2020-extended` and `mynapoint-2022-card` keep
 * the id `mynapoint-2020`, so a person keeps one binding and one 5,000-point cap across phase 1 and phase 2.
 */
import type { CampaignDefinition, CampaignNames } from './campaign.js';

const dayMs = 86_400_000;
const jstOffsetMs = 9 * 3_600_000;

const mynapointOwner = 'Ministry of Internal Affairs and Communications';

/**
 * Mynapoint 2020 as launched (DOMAIN.md §4.1, §5): 25 % of payments and top-ups, 5,000 points per person for the
 * whole campaign, applications from 2020-07-01, earning 2020-09-01 to 2021-03-31 JST.
 */
export function mynapoint2020(): CampaignDefinition {
  return {
    id: 'mynapoint-2020',
    name: 'マイナポイント 2020 (Mynapoint phase 1)',
    names: { ja: 'マイナポイント（第1弾、2020年）', en: 'Mynapoint phase 1 (2020)' },
    owner: mynapointOwner,
    kind: 'spend_back',
    eligibleEventKinds: ['payment', 'topup'],
    eligibleProviderServices: 'all',
    applicationWindow: { startsAt: '2020-07-01T00:00:00+09:00', endsAt: '2021-04-01T00:00:00+09:00' },
    earningWindow: { startsAt: '2020-09-01T00:00:00+09:00', endsAt: '2021-04-01T00:00:00+09:00' },
    timeZone: 'Asia/Tokyo',
    rate: { numerator: 25, denominator: 100 },
    rounding: 'floor',
    caps: { perPersonPoints: 5_000 },
    refundPolicy: 'clawback',
    representatives: { minorsMayShareAccount: false },
    sameDayCancel: true,
  };
}

/** Phase 1 after its extensions (DOMAIN.md §5): applications and earning until 2021-12-31 JST. A version of mynapoint-2020. */
export function mynapoint2020Extended(): CampaignDefinition {
  return {
    ...mynapoint2020(),
    name: 'マイナポイント 2020 (Mynapoint phase 1, extended to 2021-12-31)',
    names: { ja: 'マイナポイント（第1弾、2021年12月31日まで延長）', en: 'Mynapoint phase 1 (extended to 31 December 2021)' },
    applicationWindow: { startsAt: '2020-07-01T00:00:00+09:00', endsAt: '2022-01-01T00:00:00+09:00' },
    earningWindow: { startsAt: '2020-09-01T00:00:00+09:00', endsAt: '2022-01-01T00:00:00+09:00' },
  };
}

/**
 * Phase 2 measure 1 (DOMAIN.md §6): spend-back for new card holders from 2022-01-01, and phase-1 applicants below the
 * cap keep earning to 5,000 — hence a version of mynapoint-2020, not a new campaign. Applications closed
 * 2023-09-30; earning is taken to the end of 2023 (providers set their own cut-offs within it).
 */
export function mynapoint2022Card(): CampaignDefinition {
  return {
    ...mynapoint2020(),
    name: 'マイナポイント第2弾 ① (card acquisition: 25 % up to 5,000, shared with phase 1)',
    names: { ja: 'マイナポイント第2弾 ①（カード取得：25%、上限5,000ポイント、第1弾と合算）', en: 'Mynapoint phase 2 ① (getting the card: 25 % up to 5,000, shared with phase 1)' },
    applicationWindow: { startsAt: '2020-07-01T00:00:00+09:00', endsAt: '2023-10-01T00:00:00+09:00' },
    earningWindow: { startsAt: '2020-09-01T00:00:00+09:00', endsAt: '2024-01-01T00:00:00+09:00' },
  };
}

/**
 * A phase-2 fixed award (DOMAIN.md §6): 7,500 points once, "direct grant" with no spending, when the registry
 * attests the action and the person has applied naming a service. Registrations made before the measure started
 * count (the earning window opens when the registration itself became possible); applications 2022-06-30 to
 * 2023-09-30.
 */
function phase2Award(id: string, name: string, names: CampaignNames, attestationKind: string, registrationOpensAt: string): CampaignDefinition {
  return {
    id,
    name,
    names,
    owner: mynapointOwner,
    kind: 'fixed_award',
    eligibleEventKinds: [],
    eligibleProviderServices: 'all',
    applicationWindow: { startsAt: '2022-06-30T00:00:00+09:00', endsAt: '2023-10-01T00:00:00+09:00' },
    earningWindow: { startsAt: registrationOpensAt, endsAt: '2023-10-01T00:00:00+09:00' },
    timeZone: 'Asia/Tokyo',
    rounding: 'floor',
    caps: { perPersonPoints: 7_500 },
    award: { attestationKind, points: 7_500 },
    refundPolicy: 'clawback',
    representatives: { minorsMayShareAccount: false },
    sameDayCancel: true,
  };
}

/** Phase 2 measure 2: 7,500 for registering the card as a health-insurance card (online verification from 2021-10-20). */
export function mynapoint2022HealthInsurance(): CampaignDefinition {
  return phase2Award('mynapoint-2022-health-insurance', 'マイナポイント第2弾 ② (health-insurance use, 7,500)', { ja: 'マイナポイント第2弾 ②（健康保険証としての利用登録、7,500ポイント）', en: 'Mynapoint phase 2 ② (using the card as a health-insurance card, 7,500)' }, 'health_insurance_linked', '2021-10-20T00:00:00+09:00');
}

/** Phase 2 measure 3: 7,500 for registering a public-funds receipt account (registration from 2022-03-28). */
export function mynapoint2022PublicFundsAccount(): CampaignDefinition {
  return phase2Award('mynapoint-2022-public-funds-account', 'マイナポイント第2弾 ③ (public-funds account, 7,500)', { ja: 'マイナポイント第2弾 ③（公金受取口座の登録、7,500ポイント）', en: 'Mynapoint phase 2 ③ (registering a public-funds account, 7,500)' }, 'public_funds_account_registered', '2022-03-28T00:00:00+09:00');
}

function jstMidnightIso(atMs: number): string {
  const midnightMs = Math.floor((atMs + jstOffsetMs) / dayMs) * dayMs - jstOffsetMs;
  return new Date(midnightMs + jstOffsetMs).toISOString().replace('Z', '+09:00').replace('.000', '');
}

/**
 * The Mynapoint 2020 rules with both windows opening at today's midnight JST and lasting a year: what the demo
 * and a fresh `mykey serve` run, since the real 2020 windows have closed.
 */
export function mynapoint2020Now(nowMs: number): CampaignDefinition {
  const opensIso = jstMidnightIso(nowMs);
  const closesIso = jstMidnightIso(nowMs + 365 * dayMs);
  return {
    ...mynapoint2020(),
    id: 'mynapoint-demo',
    name: 'Mynapoint demo (2020 rules, open now)',
    names: { ja: 'マイナポイント体験版（2020年の規則、受付中）', en: 'Mynapoint demo (2020 rules, open now)' },
    applicationWindow: { startsAt: opensIso, endsAt: closesIso },
    earningWindow: { startsAt: opensIso, endsAt: closesIso },
  };
}

/** The merchant region of the municipal preset: a JIS X 0402 municipality code (13101, Chiyoda, Tokyo). */
export const municipalPresetRegion = '13101';

/**
 * A typical municipal campaign (DOMAIN.md §7): 30 % back on payments at merchants of one region, 1,000 points per
 * payment, 3,000 per calendar month, a budget of 100,000,000 points (yen), for three months from today's midnight
 * JST; the per-person total is what the monthly cap allows over three months.
 */
export function municipalSpendBack(nowMs: number): CampaignDefinition {
  const opensIso = jstMidnightIso(nowMs);
  const closesIso = jstMidnightIso(nowMs + 91 * dayMs);
  return {
    id: 'municipal-30',
    name: 'Municipal 30 % back at local merchants',
    names: { ja: '地元のお店で30%還元（千代田区）', en: 'Municipal 30 % back at local merchants' },
    owner: 'Chiyoda City',
    kind: 'spend_back',
    eligibleEventKinds: ['payment'],
    eligibleProviderServices: 'all',
    eligibleMerchantRegions: [municipalPresetRegion],
    applicationWindow: { startsAt: opensIso, endsAt: closesIso },
    earningWindow: { startsAt: opensIso, endsAt: closesIso },
    timeZone: 'Asia/Tokyo',
    rate: { numerator: 30, denominator: 100 },
    rounding: 'floor',
    caps: { perPersonPoints: 9_000, perEventPoints: 1_000, perPeriod: { period: 'month', points: 3_000 }, budgetPoints: 100_000_000 },
    refundPolicy: 'clawback',
    representatives: { minorsMayShareAccount: false },
    sameDayCancel: true,
  };
}

export const presetNames = [
  'mynapoint-2020',
  'mynapoint-2020-extended',
  'mynapoint-2022-card',
  'mynapoint-2022-health-insurance',
  'mynapoint-2022-public-funds-account',
  'municipal-30',
  'mynapoint-2020-now',
] as const;
export type PresetName = (typeof presetNames)[number];

/** The preset's definition; `nowMs` anchors the presets that open "now". */
export function presetDefinition(name: PresetName, nowMs: number): CampaignDefinition {
  switch (name) {
    case 'mynapoint-2020':
      return mynapoint2020();
    case 'mynapoint-2020-extended':
      return mynapoint2020Extended();
    case 'mynapoint-2022-card':
      return mynapoint2022Card();
    case 'mynapoint-2022-health-insurance':
      return mynapoint2022HealthInsurance();
    case 'mynapoint-2022-public-funds-account':
      return mynapoint2022PublicFundsAccount();
    case 'municipal-30':
      return municipalSpendBack(nowMs);
    case 'mynapoint-2020-now':
      return mynapoint2020Now(nowMs);
  }
}
