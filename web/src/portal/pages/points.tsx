/** The history of a person's points in one campaign: each grant and clawback, newest first, page by page. */
import { useEffect, useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import { api } from '../../shared/api.js';
import { Button, DataTable, Loading, Notice, PageHeading } from '../../shared/components.js';
import { failureMessage } from '../../shared/failure.js';
import { campaignName, formatDateTime, formatNumber } from '../../shared/format.js';
import { useT } from '../../shared/i18n.js';
import type { Page, PointsEntry } from '../../shared/types.js';
import { usePortalData } from '../data.js';
import { formatMykeyId } from '../../shared/mykey-id.js';

export function PointsPage() {
  const { t, language } = useT();
  const { params } = useRoute();
  const { data } = usePortalData();
  const onBehalfOf = new URLSearchParams(location.search).get('for') ?? undefined;
  const [entries, setEntries] = useState<PointsEntry[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [failed, setFailed] = useState<string>();
  const load = async (before: string | null): Promise<void> => {
    const query = new URLSearchParams({ limit: '50', ...(onBehalfOf === undefined ? {} : { onBehalfOf }), ...(before === null ? {} : { before }) });
    const answer = await api<Page<PointsEntry>>(`/v1/citizen/points/${params.campaignId}?${query.toString()}`);
    if (!answer.ok) return setFailed(answer.failure.code);
    setEntries((shown) => [...shown, ...answer.value.data]);
    return setNext(answer.value.nextCursor);
  };
  useEffect(() => {
    void load(null);
  }, [params.campaignId]);
  if (data.status !== 'ready') return <Loading label={t('common:loading')} />;
  const campaign = data.value.campaigns.find((c) => c.id === params.campaignId);
  const whose = onBehalfOf === undefined ? t('portal:apply.forYou') : t('portal:apply.forRepresented', { mykeyId: formatMykeyId(onBehalfOf) });
  return (
    <>
      <PageHeading title={t('portal:points.title', { campaign: campaign === undefined ? params.campaignId : campaignName(campaign, language) })} caption={whose} serviceName={t('portal:serviceName')} />
      <p>{t('portal:points.intro')}</p>
      {failed !== undefined && (
        <Notice kind="error" title={t('portal:account.loadFailed')}>
          <p>{failureMessage(t, { code: failed })}</p>
        </Notice>
      )}
      <DataTable
        caption={t('portal:points.caption')}
        rowKey={(entry) => entry.entryId}
        rows={entries}
        empty={t('portal:points.empty')}
        columns={[
          { key: 'when', header: t('portal:points.when'), cell: (entry) => formatDateTime(entry.createdAt, language) },
          { key: 'what', header: t('portal:points.what'), cell: (entry) => t(entry.points < 0 ? 'portal:points.clawback' : `portal:points.source.${entry.source}`) },
          { key: 'points', header: t('portal:points.points'), numeric: true, cell: (entry) => `${entry.points > 0 ? '+' : ''}${formatNumber(entry.points, language)}` },
        ]}
      />
      {next !== null && (
        <Button kind="secondary" onClick={() => void load(next)}>
          {t('portal:points.more')}
        </Button>
      )}
      <p>
        <a href="/account">{t('portal:apply.backToAccount')}</a>
      </p>
    </>
  );
}
