/** One campaign: the rules in force, its budget, and every version published, oldest first. */
import { useRoute } from 'preact-iso';
import { ButtonLink, DataTable } from '../../shared/components.js';
import { campaignName, formatDateTime } from '../../shared/format.js';
import { useT } from '../../shared/i18n.js';
import { useStaff } from '../../shared/staff/staff-app.js';
import { useApiGet } from '../../shared/use-api.js';
import { may } from '../access.js';
import { budgetText, CampaignSummary, windowText } from '../campaign-view.js';
import type { VersionedCampaign } from '../types.js';
import { LoadedView, OperatorHeading } from '../ui.js';

export function CampaignPage() {
  const { t, language } = useT();
  const me = useStaff();
  const { params } = useRoute();
  const campaignId = params.campaignId ?? '';
  const { data } = useApiGet<{ data: VersionedCampaign[] }>(`/v1/operator/campaigns/${encodeURIComponent(campaignId)}/versions`);
  return (
    <LoadedView data={data}>
      {({ data: versions }) => {
        const current = versions.at(-1)!;
        return (
          <>
            <OperatorHeading title={campaignName(current, language)} caption={t('operator:campaign.caption', { version: current.version })} />
            <p class="lead">{budgetText(current, t, language)}</p>
            {may(me.role, 'administer') && (
              <div class="button-group">
                <ButtonLink href={`/operator/campaigns/${current.id}/version`}>{t('operator:campaign.newVersion')}</ButtonLink>
                <ButtonLink href={`/operator/campaigns/dry-run?campaign=${current.id}`} kind="secondary">
                  {t('operator:campaigns.dryRun')}
                </ButtonLink>
              </div>
            )}
            <h2>{t('operator:campaign.rules')}</h2>
            <CampaignSummary campaign={current} />
            <h2>{t('operator:campaign.versions')}</h2>
            <DataTable
              caption={t('operator:campaign.versionsCaption')}
              rows={[...versions].reverse()}
              rowKey={(version) => String(version.version)}
              columns={[
                { key: 'version', header: t('operator:campaigns.version'), numeric: true, cell: (version) => version.version },
                { key: 'published', header: t('operator:campaign.published'), cell: (version) => formatDateTime(version.publishedAt, language) },
                { key: 'name', header: t('operator:campaigns.name'), cell: (version) => version.name },
                { key: 'application', header: t('operator:campaign.applicationWindow'), cell: (version) => windowText(version.applicationWindow, language) },
                { key: 'earning', header: t('operator:campaign.earningWindow'), cell: (version) => windowText(version.earningWindow, language) },
              ]}
            />
          </>
        );
      }}
    </LoadedView>
  );
}
