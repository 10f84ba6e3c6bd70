/**
 * The dashboard: the platform's figures, then five charts, each followed by a table of the same figures (a canvas
 * says nothing to a screen reader) — bindings per day, net points granted per day, each budget's burn-down (what
 * is left at the end of each day), the codes provider events were rejected with, and the providers with the most
 * points. Days are each campaign's calendar days (the rejections', the settlement time zone's).
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, type ApiFailure } from '../../shared/api.js';
import { DataTable, Loading, type Column } from '../../shared/components.js';
import { failureMessage } from '../../shared/failure.js';
import { formatNumber } from '../../shared/format.js';
import { useT, type Language } from '../../shared/i18n.js';
import type { Campaign } from '../../shared/types.js';
import { Chart, type ChartOption } from '../chart.js';
import type { CampaignDashboard, PlatformStats, RejectionDashboard } from '../types.js';
import { FailureNotice, OperatorHeading } from '../ui.js';

interface DashboardData {
  stats: PlatformStats;
  campaigns: Campaign[];
  dashboards: CampaignDashboard[];
  rejections: RejectionDashboard;
}

type State = { status: 'loading' } | { status: 'ready'; value: DashboardData } | { status: 'failed'; failure: ApiFailure };

async function loadDashboard(): Promise<State> {
  const [stats, campaigns, rejections] = await Promise.all([
    api<PlatformStats>('/v1/operator/stats'),
    api<{ data: Campaign[] }>('/v1/operator/campaigns'),
    api<RejectionDashboard>('/v1/operator/stats/rejections'),
  ]);
  if (!stats.ok) return { status: 'failed', failure: stats.failure };
  if (!campaigns.ok) return { status: 'failed', failure: campaigns.failure };
  if (!rejections.ok) return { status: 'failed', failure: rejections.failure };
  const dashboards = await Promise.all(campaigns.value.data.map((campaign) => api<CampaignDashboard>(`/v1/operator/campaigns/${encodeURIComponent(campaign.id)}/dashboard`)));
  const failed = dashboards.find((answer) => !answer.ok);
  if (failed !== undefined && !failed.ok) return { status: 'failed', failure: failed.failure };
  return { status: 'ready', value: { stats: stats.value, campaigns: campaigns.value.data, dashboards: dashboards.flatMap((answer) => (answer.ok ? [answer.value] : [])), rejections: rejections.value } };
}

/** One row per date of any series, a value per series (absent days are zero, or the last value for running figures). */
interface SeriesTable {
  dates: string[];
  series: Array<{ key: string; name: string; values: number[] }>;
}

function seriesTable(dashboards: CampaignDashboard[], names: Map<string, string>, value: (day: CampaignDashboard['days'][number], dashboard: CampaignDashboard) => number, carry: boolean): SeriesTable {
  const dates = [...new Set(dashboards.flatMap((d) => d.days.map((day) => day.date)))].sort();
  const series = dashboards.map((dashboard) => {
    const byDate = new Map(dashboard.days.map((day) => [day.date, value(day, dashboard)]));
    let last = carry ? (dashboard.budgetPoints ?? 0) : 0;
    const values = dates.map((date) => {
      const found = byDate.get(date);
      if (found !== undefined) last = found;
      return found ?? (carry ? last : 0);
    });
    return { key: dashboard.campaignId, name: names.get(dashboard.campaignId) ?? dashboard.campaignId, values };
  });
  return { dates, series };
}

function seriesColumns(table: SeriesTable, dateHeader: string, language: Language): Array<Column<number>> {
  return [
    { key: 'date', header: dateHeader, cell: (index) => table.dates[index]! },
    ...table.series.map((series) => ({ key: series.key, header: series.name, numeric: true, cell: (index: number) => formatNumber(series.values[index]!, language) })),
  ];
}

function lineOrBar(table: SeriesTable, type: 'line' | 'bar', stack: boolean): ChartOption {
  return {
    xAxis: { type: 'category', data: table.dates },
    yAxis: { type: 'value', minInterval: 1 },
    series: table.series.map((series) => ({ type, name: series.name, data: series.values, ...(stack ? { stack: 'all' } : {}), ...(type === 'line' ? { showSymbol: table.dates.length < 40 } : {}) })),
  };
}

function ChartSection(props: { id: string; title: string; intro: string; empty: string; hasData: boolean; chart: ChartOption; children: ComponentChildren }) {
  const { t } = useT();
  return (
    <section class="dashboard-section" aria-labelledby={props.id} data-testid={props.id}>
      <h2 id={props.id}>{props.title}</h2>
      <p>{props.intro}</p>
      {props.hasData ? (
        <>
          <Chart option={props.chart} label={t('operator:dashboard.chartLabel', { title: props.title })} testId={`${props.id}-chart`} />
          {props.children}
        </>
      ) : (
        <p class="empty-state">{props.empty}</p>
      )}
    </section>
  );
}

function Figures(props: { data: DashboardData }) {
  const { t, language } = useT();
  const { stats, rejections } = props.data;
  const figures = [
    { key: 'campaigns', value: props.data.campaigns.length },
    { key: 'personsBound', value: stats.campaigns.reduce((sum, c) => sum + c.personsBound, 0) },
    { key: 'pointsGranted', value: stats.campaigns.reduce((sum, c) => sum + c.pointsGranted, 0) },
    { key: 'eventsApplied', value: stats.eventsApplied },
    { key: 'eventsRejected', value: rejections.rejected },
  ];
  return (
    <dl class="cards figures" data-testid="dashboard-figures">
      {figures.map((figure) => (
        <div class="card" key={figure.key}>
          <dt class="figure-label">{t(`operator:dashboard.figures.${figure.key}`)}</dt>
          <dd class="figure">{formatNumber(figure.value, language)}</dd>
        </div>
      ))}
    </dl>
  );
}

function Dashboard(props: { data: DashboardData }) {
  const { t, language } = useT();
  const { data } = props;
  const names = new Map(data.campaigns.map((campaign) => [campaign.id, campaign.name]));
  const active = data.dashboards.filter((dashboard) => dashboard.days.length > 0);
  const bindings = seriesTable(active, names, (day) => day.personsBound, false);
  const grants = seriesTable(active, names, (day) => day.pointsGranted, false);
  const budgeted = active.filter((dashboard) => dashboard.budgetPoints !== null);
  const burnDown = seriesTable(budgeted, names, (day, dashboard) => (dashboard.budgetPoints ?? 0) - day.pointsGrantedCumulative, true);
  const dateHeader = t('operator:dashboard.date');
  const rows = (table: SeriesTable) => table.dates.map((_, index) => index);
  const { rejections } = data;
  const codes = rejections.codes.map((c) => c.code);
  const providers = data.stats.providers.slice(0, 10);
  const number = (value: number) => formatNumber(value, language);

  return (
    <>
      <Figures data={data} />
      <ChartSection id="bindings-per-day" title={t('operator:dashboard.bindings.title')} intro={t('operator:dashboard.bindings.intro')} empty={t('operator:dashboard.noActivity')} hasData={bindings.dates.length > 0} chart={lineOrBar(bindings, 'bar', true)}>
        <DataTable caption={t('operator:dashboard.bindings.caption')} rows={rows(bindings)} rowKey={String} columns={seriesColumns(bindings, dateHeader, language)} />
      </ChartSection>
      <ChartSection id="grants-per-day" title={t('operator:dashboard.grants.title')} intro={t('operator:dashboard.grants.intro')} empty={t('operator:dashboard.noActivity')} hasData={grants.dates.length > 0} chart={lineOrBar(grants, 'bar', true)}>
        <DataTable caption={t('operator:dashboard.grants.caption')} rows={rows(grants)} rowKey={String} columns={seriesColumns(grants, dateHeader, language)} />
      </ChartSection>
      <ChartSection id="budget-burn-down" title={t('operator:dashboard.burnDown.title')} intro={t('operator:dashboard.burnDown.intro')} empty={t('operator:dashboard.noBudget')} hasData={burnDown.dates.length > 0} chart={lineOrBar(burnDown, 'line', false)}>
        <DataTable caption={t('operator:dashboard.burnDown.caption')} rows={rows(burnDown)} rowKey={String} columns={seriesColumns(burnDown, dateHeader, language)} />
      </ChartSection>
      <ChartSection
        id="rejection-codes"
        title={t('operator:dashboard.rejections.title')}
        intro={t('operator:dashboard.rejections.intro', { zone: rejections.timeZone })}
        empty={t('operator:dashboard.noRejections')}
        hasData={rejections.days.length > 0}
        chart={{
          xAxis: { type: 'category', data: rejections.days.map((day) => day.date) },
          yAxis: { type: 'value', minInterval: 1 },
          series: codes.map((code) => ({ type: 'bar', name: code, stack: 'all', data: rejections.days.map((day) => day.byCode[code] ?? 0) })),
        }}
      >
        <DataTable
          caption={t('operator:dashboard.rejections.totalsCaption')}
          rows={rejections.codes}
          rowKey={(row) => row.code}
          columns={[
            { key: 'code', header: t('operator:dryRun.code'), cell: (row) => <span class="code-inline">{row.code}</span> },
            { key: 'count', header: t('operator:dashboard.rejections.count'), numeric: true, cell: (row) => number(row.count) },
            { key: 'meaning', header: t('operator:dryRun.meaning'), cell: (row) => failureMessage(t, { code: row.code }) },
          ]}
        />
        <DataTable
          caption={t('operator:dashboard.rejections.caption')}
          rows={rejections.days}
          rowKey={(day) => day.date}
          columns={[
            { key: 'date', header: dateHeader, cell: (day) => day.date },
            ...codes.map((code) => ({ key: code, header: code, numeric: true, cell: (day: RejectionDashboard['days'][number]) => number(day.byCode[code] ?? 0) })),
            { key: 'total', header: t('operator:dashboard.total'), numeric: true, cell: (day) => number(day.total) },
          ]}
        />
      </ChartSection>
      <ChartSection
        id="top-providers"
        title={t('operator:dashboard.providers.title')}
        intro={t('operator:dashboard.providers.intro')}
        empty={t('operator:dashboard.noProviders')}
        hasData={providers.length > 0}
        chart={{
          grid: { left: 8, right: 24, top: 48, bottom: 8, containLabel: true },
          xAxis: { type: 'value', minInterval: 1 },
          yAxis: { type: 'category', inverse: true, data: providers.map((provider) => provider.name) },
          series: [{ type: 'bar', name: t('operator:dashboard.providers.points'), data: providers.map((provider) => provider.pointsGranted) }],
        }}
      >
        <DataTable
          caption={t('operator:dashboard.providers.caption')}
          rows={providers}
          rowKey={(provider) => provider.providerId}
          columns={[
            { key: 'name', header: t('operator:providers.name'), cell: (provider) => provider.name },
            { key: 'points', header: t('operator:dashboard.providers.points'), numeric: true, cell: (provider) => number(provider.pointsGranted) },
            { key: 'bindings', header: t('operator:dashboard.providers.bindings'), numeric: true, cell: (provider) => number(provider.bindings) },
            { key: 'applied', header: t('operator:dashboard.providers.applied'), numeric: true, cell: (provider) => number(provider.eventsApplied) },
            { key: 'rejected', header: t('operator:dashboard.providers.rejected'), numeric: true, cell: (provider) => number(provider.eventsRejected) },
          ]}
        />
      </ChartSection>
    </>
  );
}

export function DashboardPage() {
  const { t } = useT();
  const [state, setState] = useState<State>({ status: 'loading' });
  useEffect(() => {
    void loadDashboard().then(setState);
  }, []);
  return (
    <>
      <OperatorHeading title={t('operator:dashboard.title')} />
      {state.status === 'loading' && <Loading label={t('common:loading')} />}
      {state.status === 'failed' && <FailureNotice failure={state.failure} />}
      {state.status === 'ready' && <Dashboard data={state.value} />}
    </>
  );
}
