/**
 * The grant feed (provider_admin, provider_staff): the provider's grants and clawbacks in commit order, page by
 * page from the oldest, each with its acknowledgement — the platform's record that the provider credited it.
 * The provider's systems read and acknowledge the feed through the API (docs/provider-api.md); here staff read it,
 * find what is still unacknowledged, and acknowledge chosen grants by hand (a repeated acknowledgement is harmless).
 */
import { useState } from 'preact/hooks';
import { api, type ApiFailure } from '../../shared/api.js';
import { Button, DataTable, Notice } from '../../shared/components.js';
import { formatDateTime, formatNumber } from '../../shared/format.js';
import { useT } from '../../shared/i18n.js';
import { PageButtons, pagePath, useCursorPages } from '../../shared/paging.js';
import { useApiGet } from '../../shared/use-api.js';
import { FailureNotice, LoadedView, ProviderHeading } from '../ui.js';

interface FeedGrant {
  grantId: string;
  seq: number;
  accountRef: string;
  campaignId: string;
  source: 'event' | 'award' | 'correction';
  eventId?: string;
  points: number;
  createdAt: string;
  acknowledged: boolean;
  ackedAt: string | null;
}

interface FeedPage {
  data: FeedGrant[];
  hasMore: boolean;
  nextCursor: string;
}

const pageSize = 50;

export function GrantsPage() {
  const { t, language } = useT();
  const [chosen, setChosen] = useState<ReadonlySet<string>>(new Set());
  const [acknowledged, setAcknowledged] = useState<{ acknowledged: number; alreadyAcknowledged: number }>();
  const [failure, setFailure] = useState<ApiFailure>();
  const [busy, setBusy] = useState(false);
  const pages = useCursorPages(() => {
    setChosen(new Set());
    setAcknowledged(undefined);
  });
  const { data, reload } = useApiGet<FeedPage>(pagePath(`/v1/provider/grants?limit=${pageSize}`, pages));

  function choose(grantId: string, on: boolean): void {
    const next = new Set(chosen);
    if (on) next.add(grantId);
    else next.delete(grantId);
    setChosen(next);
  }
  async function acknowledge(): Promise<void> {
    setBusy(true);
    setFailure(undefined);
    const answer = await api<{ acknowledged: number; alreadyAcknowledged: number }>('/v1/provider/grants/ack', { method: 'POST', json: { grantIds: [...chosen] } });
    setBusy(false);
    if (!answer.ok) return setFailure(answer.failure);
    setAcknowledged(answer.value);
    setChosen(new Set());
    return reload();
  }

  const number = (value: number) => formatNumber(value, language);
  return (
    <>
      <ProviderHeading title={t('provider:grants.title')} />
      <p class="lead">{t('provider:grants.lead')}</p>
      {failure !== undefined && <FailureNotice failure={failure} />}
      {acknowledged !== undefined && (
        <Notice kind="success" title={t('provider:grants.acknowledgedTitle')} testId="grants-acknowledged">
          <p>{t('provider:grants.acknowledgedBody', { acknowledged: number(acknowledged.acknowledged), already: number(acknowledged.alreadyAcknowledged) })}</p>
        </Notice>
      )}
      <LoadedView data={data}>
        {(page) => {
          const open = page.data.filter((grant) => !grant.acknowledged);
          const allChosen = open.length > 0 && open.every((grant) => chosen.has(grant.grantId));
          return (
            <>
              <div data-testid="grant-feed">
                <DataTable
                  caption={t('provider:grants.caption', { from: page.data[0]?.seq ?? '—', to: page.data.at(-1)?.seq ?? '—' })}
                  rows={page.data}
                  rowKey={(grant) => grant.grantId}
                  empty={pages.atStart ? t('provider:grants.empty') : t('provider:grants.emptyAfter')}
                  columns={[
                    {
                      key: 'choose',
                      header: t('provider:grants.choose'),
                      cell: (grant) =>
                        grant.acknowledged ? (
                          ''
                        ) : (
                          <input
                            type="checkbox"
                            class="table-checkbox"
                            checked={chosen.has(grant.grantId)}
                            aria-label={t('provider:grants.chooseOne', { grantId: grant.grantId })}
                            data-testid="grant-choose"
                            onChange={(e) => choose(grant.grantId, (e.target as HTMLInputElement).checked)}
                          />
                        ),
                    },
                    { key: 'seq', header: t('provider:grants.seq'), numeric: true, cell: (grant) => grant.seq },
                    { key: 'grant', header: t('provider:grants.grantId'), cell: (grant) => <code class="code-inline code-break">{grant.grantId}</code> },
                    { key: 'account', header: t('provider:grants.account'), cell: (grant) => <code class="code-inline code-whole">{grant.accountRef}</code> },
                    { key: 'campaign', header: t('provider:grants.campaign'), cell: (grant) => grant.campaignId },
                    {
                      key: 'source',
                      header: t('provider:grants.source'),
                      cell: (grant) => (
                        <>
                          {t(`provider:grants.sources.${grant.source}`)}
                          {grant.eventId !== undefined && (
                            <>
                              {' '}
                              <code class="code-inline code-break">{grant.eventId}</code>
                            </>
                          )}
                        </>
                      ),
                    },
                    { key: 'points', header: t('provider:grants.points'), numeric: true, cell: (grant) => <span data-points={grant.points}>{number(grant.points)}</span> },
                    { key: 'created', header: t('provider:grants.createdAt'), cell: (grant) => formatDateTime(grant.createdAt, language) },
                    {
                      key: 'ack',
                      header: t('provider:grants.acknowledgement'),
                      cell: (grant) =>
                        grant.ackedAt === null ? (
                          <span class="tag tag-warning" data-state="open">
                            {t('provider:grants.notAcknowledged')}
                          </span>
                        ) : (
                          <span class="tag tag-success" data-state="acknowledged">
                            {t('provider:grants.acknowledgedAt', { at: formatDateTime(grant.ackedAt, language) })}
                          </span>
                        ),
                    },
                  ]}
                />
              </div>
              {open.length > 0 && (
                <div class="button-group">
                  <Button kind="secondary" onClick={() => setChosen(allChosen ? new Set() : new Set(open.map((grant) => grant.grantId)))} data-testid="grants-choose-all">
                    {allChosen ? t('provider:grants.chooseNone') : t('provider:grants.chooseAll', { count: open.length })}
                  </Button>
                  <Button busy={busy} disabled={chosen.size === 0} onClick={() => void acknowledge()} data-testid="grants-acknowledge">
                    {t('provider:grants.acknowledge', { count: chosen.size })}
                  </Button>
                </div>
              )}
              <PageButtons pages={pages} page={page} backLabel={t('provider:grants.previous')} forwardLabel={t('provider:grants.next')} forwardTestId="grants-next" />
            </>
          );
        }}
      </LoadedView>
    </>
  );
}
