/**
 * The audit log: the check of its whole hash chain first (how far it verifies, the first entry that breaks it),
 * then the entries in chain order, a page at a time, optionally of one action and the actions under it.
 */
import { useState } from 'preact/hooks';
import { Button, DataTable, ErrorSummary, Field, Notice, type FieldError } from '../../shared/components.js';
import { formatDateTime, formatNumber } from '../../shared/format.js';
import { useT } from '../../shared/i18n.js';
import { useApiGet } from '../../shared/use-api.js';
import type { AuditEntry, AuditPage as AuditPageData, AuditVerification } from '../types.js';
import { LoadedView, OperatorHeading } from '../ui.js';

const pageSize = 50;
const actionPattern = /^[a-z_]+(\.[a-z_]+)*$/;

function Verification() {
  const { t, language } = useT();
  const { data, reload } = useApiGet<AuditVerification>('/v1/operator/audit/verify');
  return (
    <section aria-labelledby="audit-verify" data-testid="audit-verification">
      <h2 id="audit-verify">{t('operator:audit.verifyTitle')}</h2>
      <LoadedView data={data}>
        {(check) =>
          check.brokenAtSeq === null ? (
            <Notice kind="success" title={t('operator:audit.whole')} testId="audit-whole">
              <p>{t('operator:audit.wholeBody', { entries: formatNumber(check.entriesVerified, language), seq: check.verifiedThroughSeq, at: formatDateTime(check.checkedAt, language) })}</p>
              <p>
                {t('operator:audit.lastHash')} <code class="code-inline code-break">{check.verifiedThroughHash}</code>
              </p>
            </Notice>
          ) : (
            <Notice kind="error" title={t('operator:audit.broken', { seq: check.brokenAtSeq })} testId="audit-broken">
              <p>{t('operator:audit.brokenBody', { entries: formatNumber(check.entriesVerified, language), seq: check.verifiedThroughSeq })}</p>
            </Notice>
          )
        }
      </LoadedView>
      <Button kind="secondary" onClick={reload}>
        {t('operator:audit.verifyAgain')}
      </Button>
    </section>
  );
}

function detailsText(entry: AuditEntry): string {
  const text = JSON.stringify(entry.details);
  return text === '{}' ? '—' : text;
}

export function AuditPage() {
  const { t, language } = useT();
  const [typed, setTyped] = useState('');
  const [action, setAction] = useState('');
  const [after, setAfter] = useState<number[]>([0]);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const query = new URLSearchParams({ limit: String(pageSize), after: String(after.at(-1) ?? 0), ...(action === '' ? {} : { action }) });
  const { data } = useApiGet<AuditPageData>(`/v1/operator/audit?${query.toString()}`);
  const filter = (event: Event): void => {
    event.preventDefault();
    const wanted = typed.trim();
    if (wanted !== '' && !actionPattern.test(wanted)) return setErrors([{ fieldId: 'auditAction', message: t('operator:audit.errors.action') }]);
    setErrors([]);
    setAction(wanted);
    return setAfter([0]);
  };
  return (
    <>
      <OperatorHeading title={t('operator:audit.title')} />
      <p class="lead">{t('operator:audit.intro')}</p>
      <Verification />
      <h2>{t('operator:audit.entries')}</h2>
      <form class="inline-form" onSubmit={filter} noValidate>
        <ErrorSummary errors={errors} />
        <Field id="auditAction" label={t('operator:audit.action')} hint={t('operator:audit.actionHint')} {...(errors[0] === undefined ? {} : { error: errors[0].message })}>
          {(described) => <input {...described} class="input" name="action" autocomplete="off" spellcheck={false} value={typed} onInput={(e) => setTyped((e.target as HTMLInputElement).value)} />}
        </Field>
        <Button type="submit" kind="secondary">
          {t('operator:audit.filter')}
        </Button>
      </form>
      <LoadedView data={data}>
        {(page) => (
          <>
            {page.brokenAtSeq !== null && (
              <Notice kind="error" title={t('operator:audit.broken', { seq: page.brokenAtSeq })}>
                <p>{t('operator:audit.pageBroken')}</p>
              </Notice>
            )}
            <DataTable
              caption={t(action === '' ? 'operator:audit.caption' : 'operator:audit.captionFiltered', { action, page: after.length })}
              rows={page.data}
              rowKey={(entry) => String(entry.seq)}
              empty={t('operator:audit.empty')}
              columns={[
                { key: 'seq', header: t('operator:audit.seq'), numeric: true, cell: (entry) => entry.seq },
                { key: 'at', header: t('operator:audit.at'), cell: (entry) => formatDateTime(entry.at, language) },
                { key: 'actor', header: t('operator:audit.actor'), cell: (entry) => <span class="code-inline code-break">{entry.actor}</span> },
                { key: 'action', header: t('operator:audit.action'), cell: (entry) => <span class="code-inline">{entry.action}</span> },
                { key: 'subject', header: t('operator:audit.subject'), cell: (entry) => <span class="code-break">{entry.subject}</span> },
                { key: 'details', header: t('operator:audit.details'), cell: (entry) => <span class="audit-details">{detailsText(entry)}</span> },
              ]}
            />
            <div class="button-group">
              {after.length > 1 && (
                <Button kind="secondary" onClick={() => setAfter((pages) => pages.slice(0, -1))}>
                  {t('operator:paging.previous')}
                </Button>
              )}
              {page.hasMore && (
                <Button kind="secondary" onClick={() => setAfter((pages) => [...pages, page.data.at(-1)?.seq ?? 0])} data-testid="audit-next">
                  {t('operator:paging.next')}
                </Button>
              )}
            </div>
          </>
        )}
      </LoadedView>
    </>
  );
}
