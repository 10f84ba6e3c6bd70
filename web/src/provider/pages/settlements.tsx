/**
 * Settlement (provider_admin, provider_staff; docs/settlement.md): the provider's monthly statements, newest
 * first, and one statement — the subsidy owed, its figures by campaign, its CSV and printable page — with the
 * month's reconciliation: upload what the provider credited (a CSV or NDJSON file, checked line by line in the
 * page before anything is sent) and read the differences against the platform's ledger.
 */
import { useState } from 'preact/hooks';
import { useLocation, useRoute } from 'preact-iso';
import { creditedLinesFormatOf, parseCreditedLines, type CreditedLineProblem } from '../../../../src/domain/credited-lines.js';
import { api, newIdempotencyKey, type ApiFailure } from '../../shared/api.js';
import { Button, DataTable, ErrorSummary, Field, Notice } from '../../shared/components.js';
import { formatDateTime } from '../../shared/format.js';
import { useT } from '../../shared/i18n.js';
import { PageButtons, pagePath, useCursorPages } from '../../shared/paging.js';
import { formatYen, ReconciliationReport, StatementDetails } from '../../shared/settlement/statement.js';
import type { Page, Reconciliation, Statement, StatementSummary } from '../../shared/types.js';
import { useApiGet } from '../../shared/use-api.js';
import { FailureNotice, LoadedView, ProviderHeading } from '../ui.js';

export function SettlementsPage() {
  const { t, language } = useT();
  const pages = useCursorPages();
  const { data } = useApiGet<Page<StatementSummary>>(pagePath('/v1/provider/settlements?limit=50', pages));
  return (
    <>
      <ProviderHeading title={t('provider:settlements.title')} />
      <p class="lead">{t('provider:settlements.lead')}</p>
      <LoadedView data={data}>
        {(page) => (
          <>
            <div data-testid="statements">
              <DataTable
                caption={t('provider:settlements.caption')}
                rows={page.data}
                rowKey={(s) => `${s.month}/${s.revision}`}
                empty={t('provider:settlements.empty')}
                columns={[
                  { key: 'month', header: t('provider:settlements.month'), cell: (s) => <a href={`/provider/settlements/${s.month}?revision=${s.revision}`}>{s.month}</a> },
                  { key: 'revision', header: t('settlement:revision'), numeric: true, cell: (s) => s.revision },
                  { key: 'asOf', header: t('settlement:asOf'), cell: (s) => formatDateTime(s.asOf, language) },
                  { key: 'subsidy', header: t('settlement:subsidy'), numeric: true, cell: (s) => formatYen(t, language, s.subsidyYen) },
                ]}
              />
            </div>
            <PageButtons pages={pages} page={page} backLabel={t('provider:settlements.newer')} forwardLabel={t('provider:settlements.older')} />
          </>
        )}
      </LoadedView>
    </>
  );
}

export function SettlementPage() {
  const { t } = useT();
  const { params } = useRoute();
  const { query } = useLocation();
  const month = params.month ?? '';
  const base = `/v1/provider/settlements/${encodeURIComponent(month)}`;
  const revision = query.revision === undefined ? '' : `?revision=${encodeURIComponent(query.revision)}`;
  const { data } = useApiGet<Statement>(`${base}${revision}`);
  return (
    <>
      <ProviderHeading
        title={t('provider:settlements.statementTitle', { month })}
        {...(data.status === 'ready' ? { caption: t('settlement:revisionCaption', { revision: data.value.revision }) } : {})}
      />
      {data.status === 'failed' && data.failure.code === 'settlement_not_found' ? (
        <Notice kind="info" title={t('provider:settlements.noStatementTitle')} testId="no-statement">
          <p data-code={data.failure.code}>{t('provider:settlements.noStatement', { month })}</p>
        </Notice>
      ) : (
        <LoadedView data={data}>{(statement) => <StatementDetails statement={statement} documentPath={base} />}</LoadedView>
      )}
      <h2>{t('provider:reconcile.title')}</h2>
      <MonthReconciliation path={`${base}/reconciliation`} />
    </>
  );
}

/** The month's newest reconciliation report, and the upload of a new one. */
function MonthReconciliation(props: { path: string }) {
  const { t } = useT();
  const { data, reload } = useApiGet<Reconciliation>(props.path);
  const [uploaded, setUploaded] = useState<Reconciliation>();
  const report = uploaded ?? (data.status === 'ready' ? data.value : undefined);
  return (
    <>
      {report !== undefined ? (
        <ReconciliationReport report={report} />
      ) : data.status === 'failed' && data.failure.code === 'reconciliation_not_found' ? (
        <p data-testid="no-reconciliation">{t('provider:reconcile.none')}</p>
      ) : (
        <LoadedView data={data}>{() => null}</LoadedView>
      )}
      <ReconciliationUpload
        path={props.path}
        onReport={(next) => {
          setUploaded(next);
          reload();
        }}
      />
    </>
  );
}

function problemMessage(t: ReturnType<typeof useT>['t'], problem: CreditedLineProblem): string {
  const reason = t(`provider:reconcile.problems.${problem.code}`);
  return problem.line === 0 ? reason : t('provider:reconcile.problemAt', { line: problem.line, reason });
}

function ReconciliationUpload(props: { path: string; onReport: (report: Reconciliation) => void }) {
  const { t } = useT();
  const [file, setFile] = useState<File>();
  const [errors, setErrors] = useState<string[]>([]);
  const [failure, setFailure] = useState<ApiFailure>();
  const [busy, setBusy] = useState(false);
  // One key per chosen file: sending the same file again (after a lost answer) is answered from the first upload.
  const [idempotencyKey, setIdempotencyKey] = useState(newIdempotencyKey);

  async function upload(event: Event): Promise<void> {
    event.preventDefault();
    setFailure(undefined);
    if (file === undefined) return setErrors([t('provider:reconcile.fileMissing')]);
    const parsed = parseCreditedLines(await file.text(), creditedLinesFormatOf(file.name));
    if (!parsed.ok) return setErrors(parsed.problems.map((problem) => problemMessage(t, problem)));
    setErrors([]);
    setBusy(true);
    const answer = await api<Reconciliation>(props.path, { method: 'POST', idempotencyKey, json: { lines: parsed.lines } });
    setBusy(false);
    if (!answer.ok) return setFailure(answer.failure);
    setIdempotencyKey(newIdempotencyKey());
    return props.onReport(answer.value);
  }

  const fieldError = errors.length === 0 ? undefined : errors.join(' ');
  return (
    <section aria-labelledby="reconcile-upload">
      <h3 id="reconcile-upload">{t('provider:reconcile.upload')}</h3>
      <p>{t('provider:reconcile.uploadIntro')}</p>
      <pre class="code">grantId,points,creditedAt{'\n'}5f0c2e9a-7d41-4b8e-9a3c-2d1e0f6b8a77,1000,2026-11-28T10:00:00+09:00</pre>
      {errors.length > 0 && <ErrorSummary errors={errors.map((message) => ({ fieldId: 'credited-file', message }))} />}
      {failure !== undefined && <FailureNotice failure={failure} />}
      <form onSubmit={(event) => void upload(event)} noValidate>
        <Field id="credited-file" label={t('provider:reconcile.file')} hint={t('provider:reconcile.fileHint')} {...(fieldError === undefined ? {} : { error: fieldError })}>
          {(described) => (
            <input
              {...described}
              type="file"
              class="file-input"
              accept=".csv,.ndjson,.jsonl,text/csv,application/x-ndjson"
              disabled={busy}
              data-testid="credited-file-input"
              onChange={(e) => {
                setFile((e.target as HTMLInputElement).files?.[0]);
                setErrors([]);
                setIdempotencyKey(newIdempotencyKey());
              }}
            />
          )}
        </Field>
        <Button type="submit" busy={busy} data-testid="credited-file-upload">
          {t('provider:reconcile.submit')}
        </Button>
      </form>
    </section>
  );
}
