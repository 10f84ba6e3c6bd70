/**
 * A settlement statement and a reconciliation report as both consoles show them (docs/settlement.md): the
 * statement's subsidy, period and feed range, its CSV and printable page, its figures by campaign; the
 * reconciliation's lines by result and its differences. The operator console reads them under
 * `/v1/operator/settlements/{providerId}/{month}`, the provider console its own under `/v1/provider/settlements/{month}`;
 * the routes answer the same shapes.
 */
import { DataTable, Notice, SummaryList } from '../components.js';
import { formatDateTime, formatNumber } from '../format.js';
import { useT, type Language, type Translate } from '../i18n.js';
import type { Reconciliation, Statement, StatementFigures } from '../types.js';

/** How many differences a page lists; the rest are in the report the API answers. */
const differencesShownMax = 500;

export function formatYen(t: Translate, language: Language, yen: number): string {
  return t('settlement:yen', { value: formatNumber(yen, language) });
}

function figureColumns(t: Translate, language: Language) {
  const number = (value: number) => formatNumber(value, language);
  return [
    { key: 'grants', header: t('settlement:grants'), numeric: true, cell: (f: StatementFigures) => `${number(f.grantsPoints)} (${number(f.grantsCount)})` },
    { key: 'clawbacks', header: t('settlement:clawbacks'), numeric: true, cell: (f: StatementFigures) => `${number(f.clawbacksPoints)} (${number(f.clawbacksCount)})` },
    { key: 'net', header: t('settlement:net'), numeric: true, cell: (f: StatementFigures) => number(f.netPoints) },
    { key: 'unacknowledged', header: t('settlement:unacknowledged'), numeric: true, cell: (f: StatementFigures) => number(f.unacknowledgedNetPoints) },
    { key: 'subsidy', header: t('settlement:subsidy'), numeric: true, cell: (f: StatementFigures) => formatYen(t, language, f.subsidyYen) },
  ];
}

/** A statement's figures; `documentPath` is the statement's API path, for its CSV and printable page. */
export function StatementDetails(props: { statement: Statement; documentPath: string }) {
  const { t, language } = useT();
  const { statement } = props;
  const document = `${props.documentPath}?revision=${statement.revision}`;
  return (
    <>
      <SummaryList
        rows={[
          { key: t('settlement:subsidy'), value: <strong data-testid="statement-subsidy">{formatYen(t, language, statement.total.subsidyYen)}</strong> },
          { key: t('settlement:period'), value: `${formatDateTime(statement.periodStart, language)} – ${formatDateTime(statement.periodEnd, language)}` },
          { key: t('settlement:asOf'), value: formatDateTime(statement.asOf, language) },
          { key: t('settlement:feed'), value: t('settlement:feedValue', { entries: formatNumber(statement.feed.entries, language), through: statement.throughSeq }) },
        ]}
      />
      <p class="button-group">
        <a class="button button-secondary" href={`${document}&format=csv`} download data-testid="statement-csv">
          {t('settlement:csv')}
        </a>
        <a class="button button-secondary" href={`${document}&format=html`} target="_blank" rel="noopener" data-testid="statement-print">
          {t('settlement:print')}
        </a>
      </p>
      {statement.total.unacknowledgedNetPoints !== 0 && (
        <Notice kind="info" title={t('settlement:unacknowledgedTitle')}>
          <p>{t('settlement:unacknowledgedBody', { points: formatNumber(statement.total.unacknowledgedNetPoints, language) })}</p>
        </Notice>
      )}
      <DataTable
        caption={t('settlement:byCampaign')}
        rows={[...statement.campaigns.map((c) => ({ ...c, label: c.campaignId })), { ...statement.total, label: t('settlement:total') }]}
        rowKey={(row) => row.label}
        columns={[{ key: 'campaign', header: t('settlement:campaign'), cell: (row: StatementFigures & { label: string }) => row.label }, ...figureColumns(t, language)]}
      />
    </>
  );
}

/** A reconciliation report: the lines by result, then the differences (the first 500). */
export function ReconciliationReport(props: { report: Reconciliation }) {
  const { t, language } = useT();
  const { report } = props;
  const number = (value: number) => formatNumber(value, language);
  return (
    <div data-testid="reconciliation-report">
      <p>{t('settlement:reconciliationIntro', { revision: report.revision, at: formatDateTime(report.createdAt, language), credited: number(report.summary.creditedLines), ledger: number(report.summary.ledgerLines) })}</p>
      <DataTable
        caption={t('settlement:summaryCaption')}
        rows={(['matched', 'missing', 'unknown', 'pointsMismatch', 'outsidePeriod', 'duplicate'] as const).map((kind) => ({ kind, ...report.summary[kind] }))}
        rowKey={(row) => row.kind}
        columns={[
          { key: 'kind', header: t('settlement:kind'), cell: (row) => <span data-kind={row.kind}>{t(`settlement:kinds.${row.kind}`)}</span> },
          { key: 'count', header: t('settlement:lines'), numeric: true, cell: (row) => <span data-testid={`reconciliation-${row.kind}`}>{number(row.count)}</span> },
          { key: 'points', header: t('settlement:points'), numeric: true, cell: (row) => number(row.points) },
        ]}
      />
      <DataTable
        caption={t('settlement:differencesCaption')}
        rows={report.differences.slice(0, differencesShownMax)}
        rowKey={(d) => `${d.kind}:${d.grantId}:${d.line ?? ''}`}
        empty={t('settlement:noDifferences')}
        columns={[
          { key: 'kind', header: t('settlement:kind'), cell: (d) => t(`settlement:differenceKinds.${d.kind}`) },
          { key: 'line', header: t('settlement:line'), numeric: true, cell: (d) => (d.line === undefined ? '—' : number(d.line)) },
          { key: 'grant', header: t('settlement:grant'), cell: (d) => <span class="code-inline code-break">{d.grantId}</span> },
          { key: 'credited', header: t('settlement:credited'), numeric: true, cell: (d) => (d.creditedPoints === undefined ? '—' : number(d.creditedPoints)) },
          { key: 'granted', header: t('settlement:granted'), numeric: true, cell: (d) => (d.grantedPoints === undefined ? '—' : number(d.grantedPoints)) },
        ]}
      />
      {report.differences.length > differencesShownMax && <p>{t('settlement:moreDifferences', { more: number(report.differences.length - differencesShownMax) })}</p>}
    </div>
  );
}
