/**
 * Settlement (docs/settlement.md): run a provider's statement for a month (each run is the month's next revision),
 * list the statements, and open one — its figures per campaign, the CSV and the printable page, and the provider's
 * reconciliation report with its differences.
 */
import { useState } from 'preact/hooks';
import { useLocation, useRoute } from 'preact-iso';
import { api, newIdempotencyKey } from '../../shared/api.js';
import { Button, DataTable, ErrorSummary, Field, fieldErrorOf, Notice, type FieldError } from '../../shared/components.js';
import { failureMessage } from '../../shared/failure.js';
import { formatDateTime } from '../../shared/format.js';
import { useT } from '../../shared/i18n.js';
import { PageButtons, pagePath, useCursorPages } from '../../shared/paging.js';
import { formatYen, ReconciliationReport, StatementDetails } from '../../shared/settlement/statement.js';
import type { Page, Reconciliation, Statement, StatementSummary } from '../../shared/types.js';
import { useStaff } from '../../shared/staff/staff-app.js';
import { useApiGet } from '../../shared/use-api.js';
import { may } from '../access.js';
import type { Provider } from '../types.js';
import { LoadedView, OperatorHeading, RoleForbiddenPage } from '../ui.js';

const monthPattern = /^2\d{3}-(0[1-9]|1[0-2])$/;

function lastMonth(): string {
  const now = new Date(Date.now() + 9 * 3_600_000);
  const month = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  return month.toISOString().slice(0, 7);
}

function RunStatement(props: { providers: Provider[]; onRun: (statement: Statement) => void }) {
  const { t } = useT();
  const [providerId, setProviderId] = useState(props.providers[0]?.id ?? '');
  const [month, setMonth] = useState(lastMonth);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  const [idempotencyKey, setIdempotencyKey] = useState(newIdempotencyKey);
  const errorOf = (fieldId: string) => fieldErrorOf(errors, fieldId);
  async function submit(event: Event): Promise<void> {
    event.preventDefault();
    if (!monthPattern.test(month)) return setErrors([{ fieldId: 'month', message: t('operator:settlements.errors.month') }]);
    setErrors([]);
    setBusy(true);
    // The run answers the whole statement (docs/operator.md), its figures under `total`.
    const answer = await api<Statement>('/v1/operator/settlements', { method: 'POST', idempotencyKey, json: { providerId, month } });
    setBusy(false);
    if (!answer.ok) {
      const fieldId = answer.failure.code === 'provider_not_found' ? 'settlementProvider' : answer.failure.code.startsWith('settlement_') ? 'month' : undefined;
      return setErrors([{ ...(fieldId === undefined ? {} : { fieldId }), message: failureMessage(t, answer.failure) }]);
    }
    setIdempotencyKey(newIdempotencyKey());
    return props.onRun(answer.value);
  }
  return (
    <section aria-labelledby="run-statement">
      <h2 id="run-statement">{t('operator:settlements.run')}</h2>
      <p>{t('operator:settlements.runIntro')}</p>
      <form onSubmit={(event) => void submit(event)} noValidate data-testid="settlement-form">
        <ErrorSummary errors={errors} />
        <Field id="settlementProvider" label={t('operator:settlements.provider')} {...errorOf('settlementProvider')}>
          {(described) => (
            <select {...described} class="select" name="providerId" value={providerId} onChange={(e) => setProviderId((e.target as HTMLSelectElement).value)}>
              {props.providers.map((provider) => (
                <option key={provider.id} value={provider.id}>
                  {provider.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field id="month" label={t('operator:settlements.month')} hint={t('operator:settlements.monthHint')} {...errorOf('month')}>
          {(described) => <input {...described} class="input input-short" type="month" name="month" value={month} onInput={(e) => setMonth((e.target as HTMLInputElement).value)} />}
        </Field>
        <Button type="submit" busy={busy} data-testid="settlement-run">
          {t('operator:settlements.runSubmit')}
        </Button>
      </form>
    </section>
  );
}

export function SettlementsPage() {
  const { t, language } = useT();
  const me = useStaff();
  const allowed = may(me.role, 'settle');
  const pages = useCursorPages();
  const [ran, setRan] = useState<Statement>();
  const { data, reload } = useApiGet<Page<StatementSummary>>(allowed ? pagePath('/v1/operator/settlements?limit=50', pages) : null);
  const providers = useApiGet<{ data: Provider[] }>(allowed ? '/v1/operator/providers' : null).data;
  if (!allowed) return <RoleForbiddenPage title={t('operator:settlements.title')} />;
  const yen = (value: number) => formatYen(t, language, value);
  return (
    <>
      <OperatorHeading title={t('operator:settlements.title')} />
      {ran !== undefined && (
        <Notice kind="success" title={t('operator:settlements.ran', { provider: ran.providerId, month: ran.month, revision: ran.revision })} testId="settlement-ran">
          <p>
            {t('operator:settlements.ranBody', { subsidy: yen(ran.total.subsidyYen) })} <a href={`/operator/settlements/${ran.providerId}/${ran.month}?revision=${ran.revision}`}>{t('operator:settlements.open')}</a>
          </p>
        </Notice>
      )}
      <LoadedView data={data}>
        {(page) => (
          <>
            <DataTable
              caption={t('operator:settlements.caption')}
              rows={page.data}
              rowKey={(s) => `${s.providerId}/${s.month}/${s.revision}`}
              empty={t('operator:settlements.empty')}
              columns={[
                { key: 'provider', header: t('operator:settlements.provider'), cell: (s) => s.providerId },
                { key: 'month', header: t('operator:settlements.month'), cell: (s) => <a href={`/operator/settlements/${s.providerId}/${s.month}?revision=${s.revision}`}>{s.month}</a> },
                { key: 'revision', header: t('settlement:revision'), numeric: true, cell: (s) => s.revision },
                { key: 'asOf', header: t('settlement:asOf'), cell: (s) => formatDateTime(s.asOf, language) },
                { key: 'subsidy', header: t('settlement:subsidy'), numeric: true, cell: (s) => yen(s.subsidyYen) },
              ]}
            />
            <PageButtons pages={pages} page={page} backLabel={t('operator:paging.previous')} forwardLabel={t('operator:paging.next')} />
          </>
        )}
      </LoadedView>
      <LoadedView data={providers}>
        {({ data: list }) => (
          <RunStatement
            providers={list}
            onRun={(statement) => {
              setRan(statement);
              reload();
            }}
          />
        )}
      </LoadedView>
    </>
  );
}

function ReconciliationView(props: { path: string }) {
  const { t } = useT();
  const { data } = useApiGet<Reconciliation>(props.path);
  if (data.status === 'failed' && data.failure.code === 'reconciliation_not_found') return <p>{t('operator:settlements.noReconciliation')}</p>;
  return <LoadedView data={data}>{(report) => <ReconciliationReport report={report} />}</LoadedView>;
}

export function SettlementPage() {
  const { t } = useT();
  const me = useStaff();
  const { params } = useRoute();
  const { query } = useLocation();
  const allowed = may(me.role, 'settle');
  const base = `/v1/operator/settlements/${encodeURIComponent(params.providerId ?? '')}/${encodeURIComponent(params.month ?? '')}`;
  const revision = query.revision === undefined ? '' : `?revision=${encodeURIComponent(query.revision)}`;
  const { data } = useApiGet<Statement>(allowed ? `${base}${revision}` : null);
  if (!allowed) return <RoleForbiddenPage title={t('operator:settlements.title')} />;
  return (
    <LoadedView data={data}>
      {(statement) => (
        <>
          <OperatorHeading title={t('operator:settlements.statementTitle', { provider: statement.providerId, month: statement.month })} caption={t('settlement:revisionCaption', { revision: statement.revision })} />
          <StatementDetails statement={statement} documentPath={base} />
          <h2>{t('operator:settlements.reconciliation')}</h2>
          <ReconciliationView path={`${base}/reconciliation`} />
        </>
      )}
    </LoadedView>
  );
}
