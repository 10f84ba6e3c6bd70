/**
 * Event files: the upload (a file chosen on this computer, sent in chunks with a progress bar), the provider's
 * earlier files, newest first, and the report of one file: its counts, then each line's result (applied,
 * duplicate, or rejected with its code), by status, page by page.
 */
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import type { ApiFailure } from '../../shared/api.js';
import { Button, DataTable, ErrorSummary, Field, SummaryList } from '../../shared/components.js';
import { failureMessage } from '../../shared/failure.js';
import { formatDateTime, formatNumber } from '../../shared/format.js';
import { useT } from '../../shared/i18n.js';
import { PageButtons, pagePath, useCursorPages } from '../../shared/paging.js';
import { useApiGet } from '../../shared/use-api.js';
import { FailureNotice, LoadedView, ProviderHeading } from '../ui.js';
import { formatOfFileName, uploadEventFile, type EventFile, type EventFileFormat } from '../upload.js';

type Progress = { phase: 'idle' } | { phase: 'sending'; receivedBytes: number; sizeBytes: number };

export function EventFilesPage() {
  const { t, language } = useT();
  const { route } = useLocation();
  const [file, setFile] = useState<File>();
  const [format, setFormat] = useState<EventFileFormat>('ndjson');
  const [missing, setMissing] = useState(false);
  const [progress, setProgress] = useState<Progress>({ phase: 'idle' });
  const [failure, setFailure] = useState<ApiFailure>();

  function choose(chosen: File | undefined): void {
    setFile(chosen);
    setMissing(false);
    if (chosen !== undefined) setFormat(formatOfFileName(chosen.name));
  }

  async function upload(event: Event): Promise<void> {
    event.preventDefault();
    if (file === undefined) {
      setMissing(true);
      return;
    }
    setFailure(undefined);
    setProgress({ phase: 'sending', receivedBytes: 0, sizeBytes: file.size });
    const answer = await uploadEventFile(file, format, (receivedBytes) => setProgress({ phase: 'sending', receivedBytes, sizeBytes: file.size }));
    if (answer.ok) route(`/provider/event-files/${encodeURIComponent(answer.value.fileId)}`);
    else {
      setProgress({ phase: 'idle' });
      setFailure(answer.failure);
    }
  }

  const sending = progress.phase === 'sending';
  const fileError = missing ? t('provider:upload.fileMissing') : undefined;
  return (
    <>
      <ProviderHeading title={t('provider:upload.title')} />
      <p class="lead">{t('provider:upload.lead')}</p>
      {fileError !== undefined && <ErrorSummary errors={[{ fieldId: 'event-file', message: fileError }]} />}
      {failure !== undefined && <FailureNotice failure={failure} />}
      <form onSubmit={(event) => void upload(event)} noValidate>
        <Field id="event-file" label={t('provider:upload.file')} hint={t('provider:upload.fileHint')} {...(fileError === undefined ? {} : { error: fileError })}>
          {(described) => (
            <input {...described} type="file" class="file-input" accept=".ndjson,.jsonl,.csv,text/csv,application/x-ndjson" disabled={sending} data-testid="event-file-input" onChange={(e) => choose((e.target as HTMLInputElement).files?.[0])} />
          )}
        </Field>
        <Field id="event-format" label={t('provider:upload.format')}>
          {(described) => (
            <select {...described} class="select" value={format} disabled={sending} onChange={(e) => setFormat((e.target as HTMLSelectElement).value as EventFileFormat)}>
              <option value="ndjson">{t('provider:upload.formats.ndjson')}</option>
              <option value="csv">{t('provider:upload.formats.csv')}</option>
            </select>
          )}
        </Field>
        {sending && (
          <div class="upload-progress" data-testid="upload-progress">
            <label class="label" for="upload-progress-bar">
              {t('provider:upload.progress', { received: formatNumber(progress.receivedBytes, language), size: formatNumber(progress.sizeBytes, language) })}
            </label>
            <progress id="upload-progress-bar" max={Math.max(progress.sizeBytes, 1)} value={progress.receivedBytes} />
          </div>
        )}
        <Button type="submit" busy={sending} data-testid="event-file-upload">
          {t('provider:upload.submit')}
        </Button>
      </form>
      <EarlierFiles />
    </>
  );
}

/** The provider's earlier files, newest first, each opening its report. */
function EarlierFiles() {
  const { t, language } = useT();
  const pages = useCursorPages();
  const { data } = useApiGet<{ data: EventFile[]; hasMore: boolean; nextCursor: string | null }>(pagePath('/v1/provider/event-files?limit=20', pages));
  const number = (value: number) => formatNumber(value, language);
  return (
    <section aria-labelledby="earlier-files">
      <h2 id="earlier-files">{t('provider:files.title')}</h2>
      <LoadedView data={data}>
        {(page) => (
          <>
            <div data-testid="event-file-list">
              <DataTable
                caption={t('provider:files.caption')}
                rows={page.data}
                rowKey={(file) => file.fileId}
                empty={t('provider:files.empty')}
                columns={[
                  { key: 'name', header: t('provider:report.fileName'), cell: (file) => <a href={`/provider/event-files/${encodeURIComponent(file.fileId)}`}>{file.fileName}</a> },
                  { key: 'created', header: t('provider:report.createdAt'), cell: (file) => formatDateTime(file.createdAt, language) },
                  { key: 'state', header: t('provider:report.state'), cell: (file) => t(`provider:report.states.${file.state}`) },
                  { key: 'applied', header: t('provider:report.applied'), numeric: true, cell: (file) => number(file.linesApplied) },
                  { key: 'duplicate', header: t('provider:report.duplicate'), numeric: true, cell: (file) => number(file.linesDuplicate) },
                  { key: 'rejected', header: t('provider:report.rejected'), numeric: true, cell: (file) => number(file.linesRejected) },
                ]}
              />
            </div>
            <PageButtons pages={pages} page={page} backLabel={t('provider:files.newer')} forwardLabel={t('provider:files.older')} />
          </>
        )}
      </LoadedView>
    </section>
  );
}

interface LineResult {
  line: number;
  eventId?: string;
  status: 'applied' | 'duplicate' | 'rejected';
  code?: string;
  message?: string;
}

interface ReportPage {
  data: LineResult[];
  hasMore: boolean;
  nextCursor: string;
}

const statusFilters = ['all', 'rejected', 'duplicate', 'applied'] as const;
type StatusFilter = (typeof statusFilters)[number];

export function EventFilePage(props: { params: { fileId: string } }) {
  const { t, language } = useT();
  const path = `/v1/provider/event-files/${encodeURIComponent(props.params.fileId)}`;
  const { data } = useApiGet<EventFile>(path);
  return (
    <>
      <ProviderHeading title={t('provider:report.title')} caption={data.status === 'ready' ? data.value.fileName : t('provider:upload.title')} />
      <LoadedView data={data}>
        {(file) => (
          <>
            <div data-testid="event-file-summary">
              <SummaryList
                rows={[
                  { key: t('provider:report.fileName'), value: file.fileName },
                  { key: t('provider:report.state'), value: t(`provider:report.states.${file.state}`) },
                  { key: t('provider:report.createdAt'), value: formatDateTime(file.createdAt, language) },
                  { key: t('provider:report.applied'), value: <span data-testid="lines-applied">{formatNumber(file.linesApplied, language)}</span> },
                  { key: t('provider:report.duplicate'), value: <span data-testid="lines-duplicate">{formatNumber(file.linesDuplicate, language)}</span> },
                  { key: t('provider:report.rejected'), value: <span data-testid="lines-rejected">{formatNumber(file.linesRejected, language)}</span> },
                ]}
              />
            </div>
            <LineReport path={`${path}/report`} />
          </>
        )}
      </LoadedView>
    </>
  );
}

function LineReport(props: { path: string }) {
  const { t } = useT();
  const [status, setStatus] = useState<StatusFilter>('all');
  const pages = useCursorPages();
  const query = new URLSearchParams({ limit: '100', ...(status === 'all' ? {} : { status }) });
  const { data } = useApiGet<ReportPage>(pagePath(`${props.path}?${query.toString()}`, pages));
  return (
    <>
      <h2>{t('provider:report.lines')}</h2>
      <Field id="report-status" label={t('provider:report.filter')}>
        {(described) => (
          <select
            {...described}
            class="select"
            value={status}
            onChange={(e) => {
              setStatus((e.target as HTMLSelectElement).value as StatusFilter);
              pages.reset();
            }}
          >
            {statusFilters.map((filter) => (
              <option key={filter} value={filter}>
                {t(`provider:report.filters.${filter}`)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <LoadedView data={data}>
        {(page) => (
          <>
            <div data-testid="event-file-report">
              <DataTable
                caption={t(`provider:report.filters.${status}`)}
                rows={page.data}
                rowKey={(row) => String(row.line)}
                empty={t('provider:report.empty')}
                columns={[
                  { key: 'line', header: t('provider:report.line'), numeric: true, cell: (row) => row.line },
                  { key: 'status', header: t('provider:report.status'), cell: (row) => <span data-status={row.status}>{t(`provider:report.statuses.${row.status}`)}</span> },
                  { key: 'eventId', header: t('provider:report.eventId'), cell: (row) => (row.eventId === undefined ? '' : <code class="code-inline code-break">{row.eventId}</code>) },
                  {
                    key: 'reason',
                    header: t('provider:report.reason'),
                    cell: (row) =>
                      row.code === undefined ? (
                        ''
                      ) : (
                        <>
                          {failureMessage(t, { code: row.code })} <code class="code-inline">{row.code}</code>
                        </>
                      ),
                  },
                ]}
              />
            </div>
            <PageButtons pages={pages} page={page} backLabel={t('provider:report.previous')} forwardLabel={t('provider:report.next')} forwardTestId="report-next" />
          </>
        )}
      </LoadedView>
    </>
  );
}
