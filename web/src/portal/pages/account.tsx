/**
 * The person's page after login: their Mykey ID, each binding with its points (granted, the cap, what is left,
 * a link to the history), a same-day cancel where the campaign allows it, the campaigns still open to them, and
 * the persons they represent with theirs.
 */
import { useState } from 'preact/hooks';
import { api, newIdempotencyKey } from '../../shared/api.js';
import { Button, ButtonLink, Loading, Notice, PageHeading } from '../../shared/components.js';
import { failureMessage, type KnownFailure } from '../../shared/failure.js';
import { campaignName, formatDate, formatNumber } from '../../shared/format.js';
import { useT } from '../../shared/i18n.js';
import type { Campaign, CitizenBinding, ProviderService } from '../../shared/types.js';
import { canCancelToday, isApplicationOpen, pointsCapOf } from '../campaigns.js';
import { usePortalData, type PortalData } from '../data.js';
import { formatMykeyId } from '../../shared/mykey-id.js';

function BindingCard(props: {
  binding: CitizenBinding;
  campaign: Campaign | undefined;
  service: ProviderService | undefined;
  onBehalfOf?: string;
  onCancelled: () => void;
}) {
  const { t, language } = useT();
  const { binding, campaign, service } = props;
  const [confirming, setConfirming] = useState(false);
  const [failure, setFailure] = useState<KnownFailure>();
  const [cancelKey] = useState(newIdempotencyKey);
  const capPoints = campaign === undefined ? binding.points : pointsCapOf(campaign);
  const leftPoints = Math.max(0, capPoints - binding.points);
  const percent = capPoints === 0 ? 0 : Math.min(100, Math.round((binding.points / capPoints) * 100));
  const forQuery = props.onBehalfOf === undefined ? '' : `?for=${props.onBehalfOf}`;
  async function cancel(): Promise<void> {
    const query = props.onBehalfOf === undefined ? '' : `?onBehalfOf=${props.onBehalfOf}`;
    const answer = await api(`/v1/citizen/bindings/${binding.campaignId}${query}`, { method: 'DELETE', idempotencyKey: cancelKey });
    if (!answer.ok) return setFailure(answer.failure);
    return props.onCancelled();
  }
  return (
    <section class="card" aria-labelledby={`binding-${binding.campaignId}-${props.onBehalfOf ?? 'self'}`} data-testid={`binding-${binding.campaignId}`}>
      <h3 id={`binding-${binding.campaignId}-${props.onBehalfOf ?? 'self'}`}>{campaign === undefined ? binding.campaignId : campaignName(campaign, language)}</h3>
      <p class="figure-label">{t('portal:account.pointsGranted')}</p>
      <p class="figure" data-testid="points-granted">
        {t('portal:points.value', { points: formatNumber(binding.points, language) })}
      </p>
      <div class="meter" aria-hidden="true">
        <span style={{ width: `${percent}%` }} />
      </div>
      <p>
        {t('portal:account.capAndLeft', { cap: formatNumber(capPoints, language), left: formatNumber(leftPoints, language) })}
      </p>
      <dl class="summary-list">
        <div class="summary-row">
          <dt>{t('portal:account.service')}</dt>
          <dd>{service === undefined ? binding.providerServiceId : `${service.name} (${service.providerName})`}</dd>
        </div>
        <div class="summary-row">
          <dt>{t('portal:account.accountRef')}</dt>
          <dd>{binding.accountRef}</dd>
        </div>
        <div class="summary-row">
          <dt>{t('portal:account.boundAt')}</dt>
          <dd>{formatDate(binding.boundAt, language)}</dd>
        </div>
        <div class="summary-row">
          <dt>{t('portal:account.eligibleYen')}</dt>
          <dd>{t('portal:yen', { yen: formatNumber(binding.eligibleYen, language) })}</dd>
        </div>
      </dl>
      <p>
        <a href={`/points/${binding.campaignId}${forQuery}`}>{t('portal:account.history', { campaign: campaign === undefined ? binding.campaignId : campaignName(campaign, language) })}</a>
      </p>
      {failure !== undefined && (
        <Notice kind="error" title={t('portal:account.cancelFailed')}>
          <p>{failureMessage(t, failure)}</p>
        </Notice>
      )}
      {campaign !== undefined && canCancelToday(campaign, binding, Date.now()) && !confirming && (
        <Button kind="secondary" onClick={() => setConfirming(true)}>
          {t('portal:account.cancel')}
        </Button>
      )}
      {confirming && (
        <Notice kind="warning" title={t('portal:account.cancelConfirmTitle')}>
          <p>{t('portal:account.cancelConfirmBody')}</p>
          <div class="button-group">
            <Button kind="warning" onClick={() => void cancel()}>
              {t('portal:account.cancelConfirm')}
            </Button>
            <Button kind="secondary" onClick={() => setConfirming(false)}>
              {t('portal:account.cancelKeep')}
            </Button>
          </div>
        </Notice>
      )}
    </section>
  );
}

function Applications(props: { data: PortalData; bindings: CitizenBinding[]; onBehalfOf?: string; reload: () => void }) {
  const { t, language } = useT();
  const { data, bindings } = props;
  const campaignOf = (id: string) => data.campaigns.find((c) => c.id === id);
  const open = data.campaigns.filter((c) => isApplicationOpen(c, Date.now()) && !bindings.some((b) => b.campaignId === c.id));
  const forQuery = props.onBehalfOf === undefined ? '' : `?for=${props.onBehalfOf}`;
  return (
    <>
      {bindings.length === 0 ? (
        <p>{t('portal:account.noBindings')}</p>
      ) : (
        <div class="cards">
          {bindings.map((binding) => (
            <BindingCard
              key={binding.campaignId}
              binding={binding}
              campaign={campaignOf(binding.campaignId)}
              service={data.services.find((s) => s.id === binding.providerServiceId)}
              {...(props.onBehalfOf === undefined ? {} : { onBehalfOf: props.onBehalfOf })}
              onCancelled={props.reload}
            />
          ))}
        </div>
      )}
      {open.length > 0 && (
        <>
          <h3>{t('portal:account.openTitle')}</h3>
          <ul class="campaign-list">
            {open.map((campaign) => (
              <li key={campaign.id} class="campaign-item">
                <p>
                  <strong>{campaignName(campaign, language)}</strong>
                  <br />
                  {t('portal:campaign.until', { date: formatDate(campaign.applicationWindow.endsAt, language) })} ·{' '}
                  {t('portal:campaign.capPerPerson', { points: formatNumber(pointsCapOf(campaign), language) })}
                </p>
                <ButtonLink href={`/apply/${campaign.id}${forQuery}`}>{t('portal:account.apply', { campaign: campaignName(campaign, language) })}</ButtonLink>
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}

export function AccountPage() {
  const { t } = useT();
  const { data, reload } = usePortalData();
  const created = new URLSearchParams(location.search).get('created') === '1';
  if (data.status === 'loading') return <Loading label={t('common:loading')} />;
  if (data.status === 'failed') {
    return (
      <Notice kind="error" title={t('portal:account.loadFailed')}>
        <p>{failureMessage(t, { code: data.code })}</p>
      </Notice>
    );
  }
  const { me, represented } = data.value;
  return (
    <>
      <PageHeading title={t('portal:account.title')} serviceName={t('portal:serviceName')} />
      {created && (
        <Notice kind="success" title={t('portal:account.createdTitle')}>
          <p>{t('portal:account.createdBody')}</p>
        </Notice>
      )}
      <div class="card mykey-id-card">
        <p class="figure-label">{t('portal:account.mykeyIdLabel')}</p>
        <p class="figure mykey-id" data-testid="mykey-id">
          {formatMykeyId(me.mykeyId)}
        </p>
        <p>{t('portal:account.mykeyIdHint')}</p>
      </div>
      <h2>{t('portal:account.yourApplications')}</h2>
      <Applications data={data.value} bindings={me.bindings} reload={reload} />
      <h2>{t('portal:account.representedTitle')}</h2>
      <p>{t('portal:account.representedIntro')}</p>
      {represented.map((person) => (
        <section key={person.mykeyId} class="represented" data-testid={`represented-${person.mykeyId}`} aria-labelledby={`represented-${person.mykeyId}`}>
          <h3 id={`represented-${person.mykeyId}`}>{t('portal:account.representedPerson', { mykeyId: formatMykeyId(person.mykeyId) })}</h3>
          <Applications data={data.value} bindings={person.bindings} onBehalfOf={person.mykeyId} reload={reload} />
        </section>
      ))}
      <ButtonLink href="/represent" kind="secondary">
        {t('portal:account.addRepresented')}
      </ButtonLink>
    </>
  );
}
