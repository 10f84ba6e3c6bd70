/**
 * The campaign form's model: what the fields hold (text, as typed), the definition they make for
 * POST/PUT /v1/operator/campaigns, the checks the page makes before sending (required fields, whole numbers), and
 * where a refusal of the platform belongs — `campaign_invalid` names the rule's `param` (`caps.perEventPoints`),
 * which is put beside its field. Dates are calendar days of the campaign's zone, Japan's: a window "from 1 April
 * until 30 September" is [1 April 00:00 JST, 1 October 00:00 JST), as the campaign model writes it.
 */
import type { FieldError } from '../shared/components.js';
import type { Translate } from '../shared/i18n.js';
import type { Campaign, CampaignWindow } from '../shared/types.js';

export const campaignTimeZone = 'Asia/Tokyo';
const zoneOffset = '+09:00';

export type CampaignDefinition = Omit<Campaign, 'version' | 'budget'>;

export interface CampaignFields {
  id: string;
  name: string;
  /** The name in each language, as the portal shows it; empty for the name above. */
  nameJa: string;
  nameEn: string;
  owner: string;
  kind: Campaign['kind'];
  payment: boolean;
  topup: boolean;
  /** Comma- or space-separated municipality codes; empty for every region. */
  regions: string;
  applicationFrom: string;
  applicationUntil: string;
  earningFrom: string;
  earningUntil: string;
  /** Percent back (spend-back). */
  ratePercent: string;
  rounding: Campaign['rounding'];
  perPersonPoints: string;
  perEventPoints: string;
  period: 'none' | 'day' | 'month';
  perPeriodPoints: string;
  budgetPoints: string;
  attestationKind: string;
  awardPoints: string;
  refundPolicy: Campaign['refundPolicy'];
  sameDayCancel: boolean;
}

export const emptyFields: CampaignFields = {
  id: '',
  name: '',
  nameJa: '',
  nameEn: '',
  owner: '',
  kind: 'spend_back',
  payment: true,
  topup: false,
  regions: '',
  applicationFrom: '',
  applicationUntil: '',
  earningFrom: '',
  earningUntil: '',
  ratePercent: '',
  rounding: 'floor',
  perPersonPoints: '',
  perEventPoints: '',
  period: 'none',
  perPeriodPoints: '',
  budgetPoints: '',
  attestationKind: '',
  awardPoints: '',
  refundPolicy: 'clawback',
  sameDayCancel: true,
};

function shiftDate(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** The local day an instant of the window falls on, in Japan. */
function localDate(iso: string): string {
  return new Date(Date.parse(iso) + 9 * 3_600_000).toISOString().slice(0, 10);
}

function windowOf(from: string, until: string): CampaignWindow {
  return { startsAt: `${from}T00:00:00${zoneOffset}`, endsAt: `${shiftDate(until, 1)}T00:00:00${zoneOffset}` };
}

/** The fields of a campaign in force, for its next version (the window's last day is the day before it ends). */
export function fieldsOf(campaign: CampaignDefinition): CampaignFields {
  const text = (value: number | undefined): string => (value === undefined ? '' : String(value));
  const rate = campaign.rate;
  return {
    id: campaign.id,
    name: campaign.name,
    nameJa: campaign.names?.ja ?? '',
    nameEn: campaign.names?.en ?? '',
    owner: campaign.owner,
    kind: campaign.kind,
    payment: campaign.eligibleEventKinds.includes('payment'),
    topup: campaign.eligibleEventKinds.includes('topup'),
    regions: (campaign.eligibleMerchantRegions ?? []).join(', '),
    applicationFrom: localDate(campaign.applicationWindow.startsAt),
    applicationUntil: shiftDate(localDate(campaign.applicationWindow.endsAt), -1),
    earningFrom: localDate(campaign.earningWindow.startsAt),
    earningUntil: shiftDate(localDate(campaign.earningWindow.endsAt), -1),
    ratePercent: rate === undefined ? '' : String((rate.numerator * 100) / rate.denominator),
    rounding: campaign.rounding,
    perPersonPoints: text(campaign.caps.perPersonPoints),
    perEventPoints: text(campaign.caps.perEventPoints),
    period: campaign.caps.perPeriod?.period ?? 'none',
    perPeriodPoints: text(campaign.caps.perPeriod?.points),
    budgetPoints: text(campaign.caps.budgetPoints),
    attestationKind: campaign.award?.attestationKind ?? '',
    awardPoints: text(campaign.award?.points),
    refundPolicy: campaign.refundPolicy,
    sameDayCancel: campaign.sameDayCancel,
  };
}

const wholeNumber = /^[0-9]+$/;
const datePattern = /^\d{4}-\d{2}-\d{2}$/;

/** The page's own checks: what is required for the campaign's kind, and numbers that are whole. */
export function fieldErrors(t: Translate, fields: CampaignFields): FieldError[] {
  const errors: FieldError[] = [];
  const required = (fieldId: keyof CampaignFields): void => {
    if (String(fields[fieldId]).trim() === '') errors.push({ fieldId, message: t(`operator:campaignForm.errors.required.${fieldId}`) });
  };
  const positive = (fieldId: keyof CampaignFields, optional: boolean): void => {
    const value = String(fields[fieldId]).trim();
    if (value === '') {
      if (!optional) required(fieldId);
    } else if (!wholeNumber.test(value) || Number(value) < 1) errors.push({ fieldId, message: t('operator:campaignForm.errors.wholeNumber') });
  };
  // In the order of the form, as the error summary lists them.
  const spendBack = fields.kind === 'spend_back';
  required('id');
  required('name');
  required('owner');
  if (spendBack) {
    if (!fields.payment && !fields.topup) errors.push({ fieldId: 'payment', message: t('operator:campaignForm.errors.eventKinds') });
    positive('ratePercent', false);
  } else {
    required('attestationKind');
    positive('awardPoints', false);
  }
  for (const fieldId of ['applicationFrom', 'applicationUntil', 'earningFrom', 'earningUntil'] as const) {
    if (!datePattern.test(fields[fieldId])) errors.push({ fieldId, message: t('operator:campaignForm.errors.date') });
  }
  positive('perPersonPoints', false);
  if (spendBack) {
    positive('perEventPoints', true);
    if (fields.period !== 'none') positive('perPeriodPoints', false);
  }
  positive('budgetPoints', true);
  return errors;
}

/**
 * The definition the fields make (call after `fieldErrors` found nothing). For a new version, `base` is the
 * version in force: what the form does not show (eligible services, the representatives' rule) stays, and so does
 * its exact rate while the percent shown is unchanged.
 */
export function definitionOf(fields: CampaignFields, base?: CampaignDefinition): CampaignDefinition {
  const number = (value: string): number | undefined => (value.trim() === '' ? undefined : Number(value.trim()));
  const regions = fields.regions.split(/[\s,、]+/).filter((code) => code !== '');
  const spendBack = fields.kind === 'spend_back';
  const perEventPoints = spendBack ? number(fields.perEventPoints) : undefined;
  const perPeriodPoints = number(fields.perPeriodPoints);
  const budgetPoints = number(fields.budgetPoints);
  const names = { ...(fields.nameJa.trim() === '' ? {} : { ja: fields.nameJa.trim() }), ...(fields.nameEn.trim() === '' ? {} : { en: fields.nameEn.trim() }) };
  return {
    id: fields.id.trim(),
    name: fields.name.trim(),
    ...(Object.keys(names).length > 0 ? { names } : {}),
    owner: fields.owner.trim(),
    kind: fields.kind,
    eligibleEventKinds: spendBack ? [...(fields.payment ? (['payment'] as const) : []), ...(fields.topup ? (['topup'] as const) : [])] : [],
    eligibleProviderServices: base?.eligibleProviderServices ?? 'all',
    ...(spendBack && regions.length > 0 ? { eligibleMerchantRegions: regions } : {}),
    applicationWindow: windowOf(fields.applicationFrom, fields.applicationUntil),
    earningWindow: windowOf(fields.earningFrom, fields.earningUntil),
    timeZone: campaignTimeZone,
    ...(spendBack ? { rate: base?.rate !== undefined && fieldsOf(base).ratePercent === fields.ratePercent.trim() ? base.rate : { numerator: Number(fields.ratePercent), denominator: 100 } } : {}),
    rounding: fields.rounding,
    caps: {
      perPersonPoints: Number(fields.perPersonPoints),
      ...(perEventPoints === undefined ? {} : { perEventPoints }),
      ...(spendBack && fields.period !== 'none' && perPeriodPoints !== undefined ? { perPeriod: { period: fields.period, points: perPeriodPoints } } : {}),
      ...(budgetPoints === undefined ? {} : { budgetPoints }),
    },
    ...(spendBack ? {} : { award: { attestationKind: fields.attestationKind.trim(), points: Number(fields.awardPoints) } }),
    refundPolicy: fields.refundPolicy,
    representatives: base?.representatives ?? { minorsMayShareAccount: false },
    sameDayCancel: fields.sameDayCancel,
  };
}

/** The field a `param` of the platform names (`caps.perEventPoints` → perEventPoints); undefined for the whole form. */
export function fieldOfParam(param: string | undefined): keyof CampaignFields | undefined {
  switch (param) {
    case 'id':
    case 'name':
    case 'owner':
    case 'kind':
    case 'rounding':
      return param;
    case 'names':
    case 'names.ja':
      return 'nameJa';
    case 'names.en':
      return 'nameEn';
    case 'eligibleEventKinds':
      return 'payment';
    case 'eligibleMerchantRegions':
      return 'regions';
    case 'applicationWindow':
    case 'applicationWindow.startsAt':
      return 'applicationFrom';
    case 'applicationWindow.endsAt':
      return 'applicationUntil';
    case 'earningWindow':
    case 'earningWindow.startsAt':
      return 'earningFrom';
    case 'earningWindow.endsAt':
      return 'earningUntil';
    case 'rate':
      return 'ratePercent';
    case 'caps':
    case 'caps.perEventPoints':
      return 'perEventPoints';
    case 'caps.perPersonPoints':
      return 'perPersonPoints';
    case 'caps.perPeriod':
      return 'perPeriodPoints';
    case 'caps.budgetPoints':
      return 'budgetPoints';
    case 'award':
    case 'award.attestationKind':
      return 'attestationKind';
    case 'award.points':
      return 'awardPoints';
    default:
      return undefined;
  }
}

/** The presets of the platform (docs/campaigns.md); their names and rules are in operator:presets. */
export const presetNames = ['municipal-30', 'mynapoint-2020-now', 'mynapoint-2020', 'mynapoint-2020-extended', 'mynapoint-2022-card', 'mynapoint-2022-health-insurance', 'mynapoint-2022-public-funds-account'] as const;
