/**
 * The dry run (docs/campaigns.md#dry-run): a campaign — one in force, or a preset — against an uploaded NDJSON
 * file of past events, binding and attestation lines; the platform says what it would grant and cost, and writes
 * nothing. The cost comes first (points are worth one yen each), then the budget, the months, and each code a
 * line was rejected with.
 */
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, type ApiFailure } from '../../shared/api.js';
import { Button, DataTable, ErrorSummary, Field, fieldErrorOf, SummaryList, type FieldError } from '../../shared/components.js';
import { failureMessage } from '../../shared/failure.js';
import { formatDate, formatNumber } from '../../shared/format.js';
import { useT } from '../../shared/i18n.js';
import { useStaff } from '../../shared/staff/staff-app.js';
import type { Campaign } from '../../shared/types.js';
import { useApiGet } from '../../shared/use-api.js';
import { may } from '../access.js';
import { presetNames } from '../campaign-form-model.js';
import { points } from '../campaign-view.js';
import { PresetField } from '../preset-field.js';
import type { DryRunReport } from '../types.js';
import { LoadedView, OperatorHeading, RoleForbiddenPage } from '../ui.js';

/** What the platform takes in one dry run (dryRunBodyBytesMax of src/domain/limits.ts, less room for the rest). */
const eventsBytesMax = 8_000_000;

function definitionOf(campaign: Campaign) {
  const { version: _version, budget: _budget, ...definition } = campaign;
  return definition;
}

function Report(props: { report: DryRunReport }) {
  const { t, language } = useT();
  const { report } = props;
  const number = (value: number) => formatNumber(value, language);
  const rejected = Object.entries(report.lines.rejected).map(([code, found]) => ({ code, ...found }));
  return (
    <section aria-labelledby="dry-run-result" data-testid="dry-run-report">
      <h2 id="dry-run-result">{t('operator:dryRun.resultTitle', { id: report.campaign.id, version: report.campaign.version })}</h2>
      <div class="panel panel-info" data-testid="dry-run-cost">
        <p class="panel-title">{t('operator:dryRun.cost', { yen: number(report.points.net) })}</p>
        <p class="panel-body">{t('operator:dryRun.costBody', { granted: points(report.points.granted, t, language), clawedBack: points(report.points.clawedBack, t, language), eligibleYen: number(report.points.eligibleYen) })}</p>
      </div>
      <p>{t('operator:dryRun.nothingWritten')}</p>
      <SummaryList
        rows={[
          {
            key: t('operator:dryRun.budget'),
            value:
              report.budget === null
                ? t('operator:campaign.noBudget')
                : `${t('operator:dryRun.budgetUsed', { used: number(report.budget.usedPoints), budget: points(report.budget.budgetPoints, t, language), left: number(report.budget.leftPoints) })}${
                    report.budget.exhaustedOn === null ? '' : ` ${t('operator:dryRun.exhaustedOn', { date: formatDate(`${report.budget.exhaustedOn}T12:00:00+09:00`, language) })}`
                  }`,
          },
          { key: t('operator:dryRun.persons'), value: t('operator:dryRun.personsValue', { seen: number(report.persons.seen), granted: number(report.persons.granted), atCap: number(report.persons.atPersonCap) }) },
          {
            key: t('operator:dryRun.lines'),
            value: t('operator:dryRun.linesValue', {
              read: number(report.lines.read),
              events: number(report.lines.eventsCounted),
              reversals: number(report.lines.reversalsApplied),
              duplicates: number(report.lines.duplicates),
              bindings: number(report.lines.bindings),
              rejected: number(rejected.reduce((sum, r) => sum + r.lines, 0)),
            }),
          },
          {
            key: t('operator:dryRun.limitedBy'),
            value: t('operator:dryRun.limitedByValue', {
              event: number(report.grantsLimitedBy.event_cap),
              period: number(report.grantsLimitedBy.period_cap),
              person: number(report.grantsLimitedBy.person_cap),
              budget: number(report.grantsLimitedBy.budget),
            }),
          },
        ]}
      />
      <DataTable
        caption={t('operator:dryRun.byMonth', { zone: report.campaign.timeZone })}
        rows={report.byMonth}
        rowKey={(month) => month.month}
        empty={t('operator:dryRun.noGrants')}
        columns={[
          { key: 'month', header: t('operator:dryRun.month'), cell: (month) => month.month },
          { key: 'granted', header: t('operator:dryRun.granted'), numeric: true, cell: (month) => number(month.pointsGranted) },
          { key: 'clawedBack', header: t('operator:dryRun.clawedBack'), numeric: true, cell: (month) => number(month.pointsClawedBack) },
          { key: 'net', header: t('operator:dryRun.net'), numeric: true, cell: (month) => number(month.pointsNet) },
        ]}
      />
      <DataTable
        caption={t('operator:dryRun.rejectedCaption')}
        rows={rejected}
        rowKey={(row) => row.code}
        empty={t('operator:dryRun.noneRejected')}
        columns={[
          { key: 'code', header: t('operator:dryRun.code'), cell: (row) => <span class="code-inline">{row.code}</span> },
          { key: 'lines', header: t('operator:dryRun.rejectedLines'), numeric: true, cell: (row) => number(row.lines) },
          { key: 'first', header: t('operator:dryRun.firstLine'), numeric: true, cell: (row) => number(row.firstLineNo) },
          { key: 'meaning', header: t('operator:dryRun.meaning'), cell: (row) => failureMessage(t, { code: row.code }) },
        ]}
      />
    </section>
  );
}

export function DryRunPage() {
  const { t } = useT();
  const me = useStaff();
  const allowed = may(me.role, 'administer');
  const { data } = useApiGet<{ data: Campaign[] }>(allowed ? '/v1/operator/campaigns' : null);
  const preselected = useLocation().query.campaign ?? '';
  const [source, setSource] = useState<'campaign' | 'preset'>('campaign');
  const [campaignId, setCampaignId] = useState(preselected);
  const [preset, setPreset] = useState<string>(presetNames[0]);
  const [file, setFile] = useState<File>();
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  const [report, setReport] = useState<DryRunReport>();
  if (!allowed) return <RoleForbiddenPage title={t('operator:dryRun.title')} />;
  const errorOf = (fieldId: string) => fieldErrorOf(errors, fieldId);

  async function run(event: Event, campaigns: Campaign[]): Promise<void> {
    event.preventDefault();
    const found: FieldError[] = [];
    const campaign = campaigns.find((c) => c.id === (campaignId || campaigns[0]?.id));
    if (source === 'campaign' && campaign === undefined) found.push({ fieldId: 'campaign', message: t('operator:dryRun.errors.campaign') });
    if (file === undefined) found.push({ fieldId: 'events', message: t('operator:dryRun.errors.file') });
    else if (file.size > eventsBytesMax) found.push({ fieldId: 'events', message: t('operator:dryRun.errors.tooLarge', { megabytes: formatNumber(eventsBytesMax / 1_000_000, 'en') }) });
    setErrors(found);
    if (found.length > 0 || file === undefined) return;
    setBusy(true);
    setReport(undefined);
    const events = await file.text();
    const body = { campaign: source === 'preset' || campaign === undefined ? { preset } : { definition: definitionOf(campaign) }, events };
    const answer = await api<DryRunReport>('/v1/operator/campaigns/dry-run', { method: 'POST', json: body });
    setBusy(false);
    if (answer.ok) return setReport(answer.value);
    return setErrors([placeFailure(answer.failure)]);
  }

  function placeFailure(failure: ApiFailure): FieldError {
    const message = failure.code === 'campaign_invalid' ? t('operator:campaignForm.errors.rule', { rule: failure.message }) : failureMessage(t, failure);
    const fieldId = failure.code === 'invalid_request' || failure.code === 'body_too_large' ? 'events' : failure.code === 'campaign_invalid' ? (source === 'preset' ? 'preset' : 'campaign') : undefined;
    return { ...(fieldId === undefined ? {} : { fieldId }), message };
  }

  return (
    <>
      <OperatorHeading title={t('operator:dryRun.title')} />
      <p class="lead">{t('operator:dryRun.intro')}</p>
      <LoadedView data={data}>
        {({ data: campaigns }) => (
          <form onSubmit={(event) => void run(event, campaigns)} noValidate data-testid="dry-run-form">
            <ErrorSummary errors={errors} />
            <fieldset class="field">
              <legend>{t('operator:dryRun.which')}</legend>
              <div class="radios radios-inline">
                {(['campaign', 'preset'] as const).map((choice) => (
                  <label class="radio" key={choice} for={`source-${choice}`}>
                    <input type="radio" id={`source-${choice}`} name="source" checked={source === choice} onChange={() => setSource(choice)} />
                    <span>{t(`operator:dryRun.sources.${choice}`)}</span>
                  </label>
                ))}
              </div>
            </fieldset>
            {source === 'campaign' ? (
              <Field id="campaign" label={t('operator:dryRun.campaign')} hint={t('operator:dryRun.campaignHint')} {...errorOf('campaign')}>
                {(described) => (
                  <select {...described} class="select" name="campaign" value={campaignId || campaigns[0]?.id} onChange={(event) => setCampaignId((event.target as HTMLSelectElement).value)}>
                    {campaigns.map((campaign) => (
                      <option key={campaign.id} value={campaign.id}>
                        {campaign.name} ({campaign.id})
                      </option>
                    ))}
                  </select>
                )}
              </Field>
            ) : (
              <PresetField value={preset} onChange={setPreset} {...errorOf('preset')} />
            )}
            <Field id="events" label={t('operator:dryRun.file')} hint={t('operator:dryRun.fileHint')} {...errorOf('events')}>
              {(described) => (
                <input
                  {...described}
                  class="file-input"
                  type="file"
                  name="events"
                  accept=".ndjson,.jsonl,.json,.txt,application/x-ndjson,application/json,text/plain"
                  data-testid="dry-run-file"
                  onChange={(event) => setFile((event.target as HTMLInputElement).files?.[0])}
                />
              )}
            </Field>
            <Button type="submit" busy={busy} data-testid="dry-run-submit">
              {t('operator:dryRun.submit')}
            </Button>
          </form>
        )}
      </LoadedView>
      {report !== undefined && <Report report={report} />}
    </>
  );
}
