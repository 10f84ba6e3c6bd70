/** The start page: what the service is, what you need, the campaigns open now, and the one button to start. */
import { useEffect, useState } from 'preact/hooks';
import { api } from '../../shared/api.js';
import { ButtonLink, PageHeading } from '../../shared/components.js';
import { campaignName, formatDate, formatNumber } from '../../shared/format.js';
import { useT } from '../../shared/i18n.js';
import type { Campaign } from '../../shared/types.js';
import { isApplicationOpen } from '../campaigns.js';
import { usePortal } from '../session.js';

export function StartPage() {
  const { t, language } = useT();
  const { session } = usePortal();
  const [campaigns, setCampaigns] = useState<Campaign[]>([]);
  useEffect(() => {
    void api<{ data: Campaign[] }>('/v1/campaigns').then((answer) => answer.ok && setCampaigns(answer.value.data.filter((c) => isApplicationOpen(c, Date.now()))));
  }, []);
  return (
    <>
      <PageHeading title={t('portal:start.title')} serviceName={t('portal:serviceName')} />
      <p class="lead">{t('portal:start.lead')}</p>
      <h2>{t('portal:start.needTitle')}</h2>
      <ul>
        <li>{t('portal:start.needCard')}</li>
        <li>{t('portal:start.needPin')}</li>
        <li>{t('portal:start.needAgent')}</li>
        <li>{t('portal:start.needAccount')}</li>
      </ul>
      <p>{t('portal:start.noMyNumber')}</p>
      <ButtonLink href={session === null ? '/login' : '/account'}>{t('portal:start.startNow')}</ButtonLink>
      <h2>{t('portal:start.openTitle')}</h2>
      {campaigns.length === 0 ? (
        <p>{t('portal:start.noneOpen')}</p>
      ) : (
        <ul class="campaign-list" data-testid="open-campaigns">
          {campaigns.map((campaign) => (
            <li key={campaign.id}>
              <strong>{campaignName(campaign, language)}</strong>
              <br />
              {t('portal:campaign.until', { date: formatDate(campaign.applicationWindow.endsAt, language) })} ·{' '}
              {t('portal:campaign.capPerPerson', { points: formatNumber(campaign.caps.perPersonPoints, language) })}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
