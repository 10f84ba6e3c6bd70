/**
 * Corrections of wrong bindings (DOMAIN.md §8.4: a shared terminal left logged in, the next customer's account
 * typed at a counter): look a person up by Mykey ID, then void one of their bindings with a reason — clawing its
 * points back, or moving the account and its points to the person it really belongs to. Nothing is deleted; the
 * binding stays, voided, with its reason, and every step is audited.
 */
import { useState } from 'preact/hooks';
import { api, newIdempotencyKey, type ApiFailure } from '../../shared/api.js';
import { Button, DataTable, ErrorSummary, Field, fieldErrorOf, Panel, SummaryList, type FieldError } from '../../shared/components.js';
import { failureMessage } from '../../shared/failure.js';
import { formatDateTime, formatNumber } from '../../shared/format.js';
import { useT } from '../../shared/i18n.js';
import { formatMykeyId, normaliseMykeyId } from '../../shared/mykey-id.js';
import { useStaff } from '../../shared/staff/staff-app.js';
import { useApiGet } from '../../shared/use-api.js';
import { may } from '../access.js';
import type { PersonBinding } from '../types.js';
import { LoadedView, OperatorHeading, RoleForbiddenPage } from '../ui.js';

const reasonCharsMin = 3;
const reasonCharsMax = 500;

interface Corrected {
  bindingId: string;
  campaignId: string;
  action: string;
  points: number;
  newBindingId?: string;
}

function VoidForm(props: { mykeyId: string; binding: PersonBinding; onDone: (result: Corrected) => void; onCancel: () => void }) {
  const { t, language } = useT();
  const [action, setAction] = useState<'clawback' | 'move'>('clawback');
  const [toMykeyId, setToMykeyId] = useState('');
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  const [idempotencyKey] = useState(newIdempotencyKey);
  const errorOf = (fieldId: string) => fieldErrorOf(errors, fieldId);
  function placeFailure(failure: ApiFailure): FieldError {
    const fieldId = failure.code === 'binding_already_exists' || failure.code === 'person_unknown' || failure.param === 'toMykeyId' ? 'toMykeyId' : failure.param === 'reason' ? 'reason' : undefined;
    return { ...(fieldId === undefined ? {} : { fieldId }), message: failureMessage(t, failure) };
  }
  async function submit(event: Event): Promise<void> {
    event.preventDefault();
    const found: FieldError[] = [];
    const target = normaliseMykeyId(toMykeyId);
    if (reason.trim().length < reasonCharsMin) found.push({ fieldId: 'reason', message: t('operator:corrections.errors.reason', { min: reasonCharsMin }) });
    if (reason.trim().length > reasonCharsMax) found.push({ fieldId: 'reason', message: t('operator:corrections.errors.reasonTooLong', { max: reasonCharsMax }) });
    if (action === 'move' && target.length !== 8) found.push({ fieldId: 'toMykeyId', message: t('operator:corrections.errors.mykeyId') });
    if (action === 'move' && target === props.mykeyId) found.push({ fieldId: 'toMykeyId', message: t('operator:corrections.errors.samePerson') });
    setErrors(found);
    if (found.length > 0) return;
    setBusy(true);
    const answer = await api<Corrected>(`/v1/operator/bindings/${encodeURIComponent(props.binding.bindingId)}/void`, {
      method: 'POST',
      idempotencyKey,
      json: { reason: reason.trim(), action, ...(action === 'move' ? { toMykeyId: target } : {}) },
    });
    setBusy(false);
    if (!answer.ok) return setErrors([placeFailure(answer.failure)]);
    return props.onDone(answer.value);
  }
  return (
    <section class="card" aria-labelledby="void-title" data-testid="void-form">
      <h2 id="void-title">{t('operator:corrections.voidTitle')}</h2>
      <SummaryList
        rows={[
          { key: t('operator:corrections.campaign'), value: props.binding.campaignId },
          { key: t('operator:corrections.account'), value: `${props.binding.accountRef} (${props.binding.providerServiceId})` },
          { key: t('operator:corrections.points'), value: formatNumber(props.binding.points, language) },
        ]}
      />
      <form onSubmit={(event) => void submit(event)} noValidate>
        <ErrorSummary errors={errors} />
        <fieldset class="field">
          <legend class="label">{t('operator:corrections.action')}</legend>
          <div class="radios">
            {(['clawback', 'move'] as const).map((choice) => (
              <label class="radio" key={choice} for={`action-${choice}`}>
                <input type="radio" id={`action-${choice}`} name="action" checked={action === choice} onChange={() => setAction(choice)} />
                <span>
                  {t(`operator:corrections.actions.${choice}`)}
                  <span class="radio-hint">{t(`operator:corrections.actionHints.${choice}`)}</span>
                </span>
              </label>
            ))}
          </div>
        </fieldset>
        {action === 'move' && (
          <Field id="toMykeyId" label={t('operator:corrections.toMykeyId')} hint={t('operator:corrections.toMykeyIdHint')} {...errorOf('toMykeyId')}>
            {(described) => <input {...described} class="input input-short" name="toMykeyId" autocomplete="off" spellcheck={false} value={toMykeyId} onInput={(e) => setToMykeyId((e.target as HTMLInputElement).value)} />}
          </Field>
        )}
        <Field id="reason" label={t('operator:corrections.reason')} hint={t('operator:corrections.reasonHint')} {...errorOf('reason')}>
          {(described) => <textarea {...described} class="textarea textarea-prose" name="reason" maxLength={reasonCharsMax} value={reason} onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)} />}
        </Field>
        <div class="button-group">
          <Button type="submit" kind="warning" busy={busy} data-testid="void-submit">
            {t(`operator:corrections.submit.${action}`)}
          </Button>
          <Button kind="secondary" onClick={props.onCancel}>
            {t('common:cancel')}
          </Button>
        </div>
      </form>
    </section>
  );
}

/**
 * The reason a binding was voided, as the platform keeps it (src/app/corrections.ts): an operator's correction is
 * stored as `correction: <the reason typed>`, a cancellation on the day as a sentence of the platform's; shown as
 * the operator typed it, or said in the reader's language.
 */
function voidReasonText(t: ReturnType<typeof useT>['t'], reason: string | null): string {
  if (reason === null) return '';
  if (reason.startsWith('correction: ')) return reason.slice('correction: '.length);
  if (reason === 'cancelled by the citizen on the day') return t('operator:corrections.cancelledByCitizen');
  if (reason === 'cancelled by the representative on the day') return t('operator:corrections.cancelledByRepresentative');
  return reason;
}

function PersonBindings(props: { mykeyId: string }) {
  const { t, language } = useT();
  const { data, reload } = useApiGet<{ data: PersonBinding[] }>(`/v1/operator/persons/${encodeURIComponent(props.mykeyId)}/bindings`);
  const [voiding, setVoiding] = useState<PersonBinding>();
  const [done, setDone] = useState<Corrected>();
  return (
    <LoadedView data={data}>
      {({ data: bindings }) => (
        <>
          {done !== undefined && (
            <Panel title={t(`operator:corrections.done.${done.action === 'move' ? 'move' : 'clawback'}`)}>
              <p>{t('operator:corrections.doneBody', { campaign: done.campaignId, points: formatNumber(done.points, language) })}</p>
            </Panel>
          )}
          <DataTable
            caption={t('operator:corrections.caption', { mykeyId: formatMykeyId(props.mykeyId) })}
            rows={bindings}
            rowKey={(binding) => binding.bindingId}
            empty={t('operator:corrections.empty')}
            columns={[
              { key: 'campaign', header: t('operator:corrections.campaign'), cell: (b) => b.campaignId },
              { key: 'account', header: t('operator:corrections.account'), cell: (b) => `${b.accountRef} (${b.providerServiceId})` },
              { key: 'bound', header: t('operator:corrections.boundAt'), cell: (b) => formatDateTime(b.boundAt, language) },
              { key: 'points', header: t('operator:corrections.points'), numeric: true, cell: (b) => formatNumber(b.points, language) },
              {
                key: 'state',
                header: t('operator:corrections.state'),
                cell: (b) =>
                  b.voidedAt === null ? (
                    <button type="button" class="link-button" onClick={() => setVoiding(b)} data-testid={`void-${b.campaignId}`}>
                      {t('operator:corrections.void')}
                      <span class="visually-hidden"> {b.campaignId}</span>
                    </button>
                  ) : (
                    t('operator:corrections.voided', { at: formatDateTime(b.voidedAt, language), reason: voidReasonText(t, b.voidReason) })
                  ),
              },
            ]}
          />
          {voiding !== undefined && (
            <VoidForm
              key={voiding.bindingId}
              mykeyId={props.mykeyId}
              binding={voiding}
              onCancel={() => setVoiding(undefined)}
              onDone={(result) => {
                setVoiding(undefined);
                setDone(result);
                reload();
              }}
            />
          )}
        </>
      )}
    </LoadedView>
  );
}

export function CorrectionsPage() {
  const { t } = useT();
  const me = useStaff();
  const [typed, setTyped] = useState('');
  const [mykeyId, setMykeyId] = useState<string>();
  const [errors, setErrors] = useState<FieldError[]>([]);
  if (!may(me.role, 'correct')) return <RoleForbiddenPage title={t('operator:corrections.title')} />;
  const lookUp = (event: Event): void => {
    event.preventDefault();
    const normalised = normaliseMykeyId(typed);
    if (normalised.length !== 8) return setErrors([{ fieldId: 'mykeyId', message: t('operator:corrections.errors.mykeyId') }]);
    setErrors([]);
    return setMykeyId(normalised);
  };
  return (
    <>
      <OperatorHeading title={t('operator:corrections.title')} />
      <p class="lead">{t('operator:corrections.intro')}</p>
      <form class="inline-form" onSubmit={lookUp} noValidate>
        <ErrorSummary errors={errors} />
        <Field id="mykeyId" label={t('operator:corrections.mykeyId')} hint={t('operator:corrections.mykeyIdHint')} {...(errors[0] === undefined ? {} : { error: errors[0].message })}>
          {(described) => <input {...described} class="input input-short" name="mykeyId" autocomplete="off" spellcheck={false} value={typed} onInput={(e) => setTyped((e.target as HTMLInputElement).value)} />}
        </Field>
        <Button type="submit">{t('operator:corrections.lookUp')}</Button>
      </form>
      {mykeyId !== undefined && <PersonBindings key={mykeyId} mykeyId={mykeyId} />}
    </>
  );
}
