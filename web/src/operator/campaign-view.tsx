/** A campaign's rules as the console shows them: its windows by calendar day, its rate, caps and budget. */
import { SummaryList } from '../shared/components.js';
import { formatDate, formatNumber } from '../shared/format.js';
import { useT, type Language, type Translate } from '../shared/i18n.js';
import type { Campaign, CampaignWindow } from '../shared/types.js';

/** "1 April 2027 – 30 September 2027": the window's first and last day (it ends before `endsAt`). */
export function windowText(window: CampaignWindow, language: Language): string {
  return `${formatDate(window.startsAt, language)} – ${formatDate(new Date(Date.parse(window.endsAt) - 1).toISOString(), language)}`;
}

export function points(value: number, t: Translate, language: Language): string {
  return t('operator:units.points', { value: formatNumber(value, language) });
}

function rateText(campaign: Campaign, t: Translate, language: Language): string {
  if (campaign.rate === undefined) return t('operator:campaign.award', { points: points(campaign.award?.points ?? 0, t, language), kind: campaign.award?.attestationKind ?? '' });
  const percent = (campaign.rate.numerator * 100) / campaign.rate.denominator;
  return t('operator:campaign.rate', { percent: formatNumber(percent, language), rounding: t(`operator:campaignForm.roundings.${campaign.rounding}`) });
}

export function CampaignSummary(props: { campaign: Campaign }) {
  const { t, language } = useT();
  const { campaign } = props;
  const { caps } = campaign;
  const none = t('operator:campaign.none');
  return (
    <SummaryList
      rows={[
        { key: t('operator:campaignForm.fields.id'), value: <span class="code-inline">{campaign.id}</span> },
        { key: t('operator:campaignForm.fields.name'), value: campaign.name },
        { key: t('operator:campaign.nameJa'), value: <span lang="ja">{campaign.names?.ja ?? none}</span> },
        { key: t('operator:campaign.nameEn'), value: <span lang="en">{campaign.names?.en ?? none}</span> },
        { key: t('operator:campaignForm.fields.owner'), value: campaign.owner },
        { key: t('operator:campaignForm.fields.kind'), value: t(`operator:campaignForm.kinds.${campaign.kind}`) },
        { key: t('operator:campaign.earns'), value: rateText(campaign, t, language) },
        {
          key: t('operator:campaignForm.fields.eventKinds'),
          value: campaign.eligibleEventKinds.length === 0 ? none : campaign.eligibleEventKinds.map((kind) => t(`operator:campaignForm.eventKinds.${kind}`)).join(', '),
        },
        { key: t('operator:campaignForm.fields.regions'), value: campaign.eligibleMerchantRegions?.join(', ') ?? t('operator:campaign.everywhere') },
        { key: t('operator:campaign.applicationWindow'), value: windowText(campaign.applicationWindow, language) },
        { key: t('operator:campaign.earningWindow'), value: windowText(campaign.earningWindow, language) },
        { key: t('operator:campaignForm.fields.perPersonPoints'), value: points(caps.perPersonPoints, t, language) },
        { key: t('operator:campaignForm.fields.perEventPoints'), value: caps.perEventPoints === undefined ? none : points(caps.perEventPoints, t, language) },
        {
          key: t('operator:campaign.perPeriod'),
          value: caps.perPeriod === undefined ? none : t(`operator:campaign.perPeriodValue.${caps.perPeriod.period}`, { points: points(caps.perPeriod.points, t, language) }),
        },
        { key: t('operator:campaignForm.fields.budgetPoints'), value: caps.budgetPoints === undefined ? none : points(caps.budgetPoints, t, language) },
        { key: t('operator:campaignForm.fields.refundPolicy'), value: t(`operator:campaignForm.refundPolicies.${campaign.refundPolicy}`) },
        { key: t('operator:campaignForm.fields.sameDayCancel'), value: t(campaign.sameDayCancel ? 'operator:campaign.yes' : 'operator:campaign.no') },
      ]}
    />
  );
}

/** The budget of a campaign in a line: granted of budget, and whether it ran out. */
export function budgetText(campaign: Campaign, t: Translate, language: Language): string {
  if (campaign.budget === undefined || campaign.caps.budgetPoints === undefined) return t('operator:campaign.noBudget');
  const used = t('operator:campaign.budgetUsed', { granted: formatNumber(campaign.budget.grantedPoints, language), budget: points(campaign.caps.budgetPoints, t, language) });
  return campaign.budget.exhaustedAt === null ? used : `${used} ${t('operator:campaign.exhausted')}`;
}
