/**
 * Campaign presets: published rules of real campaigns, as data. Issue-level detail (extensions, phase 2,
 * municipal campaigns) grows here; each preset has a test that replays its published rules.
 */
import type { CampaignDefinition } from './campaign.js';

const dayMs = 86_400_000;
const jstOffsetMs = 9 * 3_600_000;

/**
 * Mynapoint 2020 (DOMAIN.md §4.1, §5): 25 % of payments and top-ups, 5,000 points per person for the whole
 * campaign, earning 2020-09-01 to 2021-03-31 JST, applications from 2020-07-01.
 */
export function mynapoint2020(): CampaignDefinition {
  return {
    id: 'mynapoint-2020',
    name: 'マイナポイント 2020 (Mynapoint phase 1)',
    owner: 'Ministry of Internal Affairs and Communications',
    kind: 'spend_back',
    eligibleEventKinds: ['payment', 'topup'],
    eligibleProviderServices: 'all',
    applicationWindow: { startsAt: '2020-07-01T00:00:00+09:00', endsAt: '2021-04-01T00:00:00+09:00' },
    earningWindow: { startsAt: '2020-09-01T00:00:00+09:00', endsAt: '2021-04-01T00:00:00+09:00' },
    timeZone: 'Asia/Tokyo',
    rate: { numerator: 25, denominator: 100 },
    rounding: 'floor',
    pointsPerPersonMax: 5_000,
    refundPolicy: 'clawback',
  };
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
    applicationWindow: { startsAt: opensIso, endsAt: closesIso },
    earningWindow: { startsAt: opensIso, endsAt: closesIso },
  };
}

export const presetNames = ['mynapoint-2020', 'mynapoint-2020-now'] as const;
export type PresetName = (typeof presetNames)[number];

/** The preset's definition; `nowMs` anchors the presets that open "now". */
export function presetDefinition(name: PresetName, nowMs: number): CampaignDefinition {
  switch (name) {
    case 'mynapoint-2020':
      return mynapoint2020();
    case 'mynapoint-2020-now':
      return mynapoint2020Now(nowMs);
  }
}
