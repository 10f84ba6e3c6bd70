/**
 * A new version of a campaign (an extension, a larger budget, a corrected rule): the form starts from the
 * version in force; the platform refuses what a version may not change (the rate, the kind, lower caps), beside
 * the field. It governs events applied from now on; grants made stand.
 */
import { useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import { api, newIdempotencyKey } from '../../shared/api.js';
import { ButtonLink, Notice, Panel } from '../../shared/components.js';
import { useT } from '../../shared/i18n.js';
import { useStaff } from '../../shared/staff/staff-app.js';
import type { Campaign } from '../../shared/types.js';
import { useApiGet } from '../../shared/use-api.js';
import { may } from '../access.js';
import { CampaignForm } from '../campaign-form.js';
import { fieldsOf, type CampaignDefinition } from '../campaign-form-model.js';
import type { VersionedCampaign } from '../types.js';
import { LoadedView, OperatorHeading, RoleForbiddenPage } from '../ui.js';

function definitionOfCampaign(campaign: VersionedCampaign): CampaignDefinition {
  const { version: _version, budget: _budget, publishedAt: _publishedAt, ...definition } = campaign;
  return definition;
}

export function NewVersionPage() {
  const { t } = useT();
  const me = useStaff();
  const { params } = useRoute();
  const campaignId = params.campaignId ?? '';
  const [published, setPublished] = useState<Campaign>();
  const [idempotencyKey] = useState(newIdempotencyKey);
  const { data } = useApiGet<{ data: VersionedCampaign[] }>(may(me.role, 'administer') ? `/v1/operator/campaigns/${encodeURIComponent(campaignId)}/versions` : null);
  if (!may(me.role, 'administer')) return <RoleForbiddenPage title={t('operator:newVersion.title')} />;
  if (published !== undefined) {
    return (
      <>
        <OperatorHeading title={t('operator:newVersion.publishedTitle')} />
        <Panel title={t('operator:newVersion.published', { name: published.name, version: published.version })} />
        <ButtonLink href={`/operator/campaigns/${published.id}`}>{t('operator:newCampaign.open')}</ButtonLink>
      </>
    );
  }
  return (
    <LoadedView data={data}>
      {({ data: versions }) => {
        const current = versions.at(-1)!;
        const base = definitionOfCampaign(current);
        return (
          <>
            <OperatorHeading title={t('operator:newVersion.title')} caption={t('operator:newVersion.caption', { name: current.name, version: current.version })} />
            <Notice kind="info" title={t('operator:newVersion.rulesTitle')}>
              <p>{t('operator:newVersion.rules')}</p>
            </Notice>
            <CampaignForm
              initial={fieldsOf(base)}
              base={base}
              submitLabel={t('operator:newVersion.submit')}
              onSubmit={async (definition) => {
                const answer = await api<Campaign>(`/v1/operator/campaigns/${encodeURIComponent(current.id)}`, { method: 'PUT', json: { definition }, idempotencyKey });
                if (!answer.ok) return answer.failure;
                setPublished(answer.value);
                return undefined;
              }}
            />
          </>
        );
      }}
    </LoadedView>
  );
}
