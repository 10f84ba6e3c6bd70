/** Every campaign, newest version, with its windows and budget; administrators create, version and dry-run. */
import { ButtonLink, DataTable } from '../../shared/components.js';
import { campaignName } from '../../shared/format.js';
import { useT } from '../../shared/i18n.js';
import { useStaff } from '../../shared/staff/staff-app.js';
import type { Campaign } from '../../shared/types.js';
import { useApiGet } from '../../shared/use-api.js';
import { may } from '../access.js';
import { budgetText, windowText } from '../campaign-view.js';
import { LoadedView, OperatorHeading } from '../ui.js';

export function CampaignsPage() {
  const { t, language } = useT();
  const me = useStaff();
  const { data } = useApiGet<{ data: Campaign[] }>('/v1/operator/campaigns');
  return (
    <>
      <OperatorHeading title={t('operator:campaigns.title')} />
      {may(me.role, 'administer') && (
        <div class="button-group">
          <ButtonLink href="/operator/campaigns/new">{t('operator:campaigns.create')}</ButtonLink>
          <ButtonLink href="/operator/campaigns/dry-run" kind="secondary">
            {t('operator:campaigns.dryRun')}
          </ButtonLink>
        </div>
      )}
      <LoadedView data={data}>
        {({ data: campaigns }) => (
          <DataTable
            caption={t('operator:campaigns.caption')}
            rows={campaigns}
            rowKey={(campaign) => campaign.id}
            empty={t('operator:campaigns.empty')}
            columns={[
              {
                key: 'name',
                header: t('operator:campaigns.name'),
                cell: (campaign) => (
                  <>
                    <a href={`/operator/campaigns/${campaign.id}`}>{campaignName(campaign, language)}</a>
                    <span class="cell-hint">{campaign.id}</span>
                  </>
                ),
              },
              { key: 'owner', header: t('operator:campaignForm.fields.owner'), cell: (campaign) => campaign.owner },
              { key: 'application', header: t('operator:campaign.applicationWindow'), cell: (campaign) => windowText(campaign.applicationWindow, language) },
              { key: 'version', header: t('operator:campaigns.version'), numeric: true, cell: (campaign) => campaign.version },
              { key: 'budget', header: t('operator:campaigns.budget'), cell: (campaign) => budgetText(campaign, t, language) },
            ]}
          />
        )}
      </LoadedView>
    </>
  );
}
