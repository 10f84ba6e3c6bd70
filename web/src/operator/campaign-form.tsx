/**
 * The campaign form, for a new campaign and for a new version of one: the page's own checks first, then the
 * platform's, each message beside its field and in the error summary (which takes the focus and links to them).
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { ApiFailure } from '../shared/api.js';
import { Button, ErrorSummary, Field, fieldErrorOf, type FieldError } from '../shared/components.js';
import { failureMessage } from '../shared/failure.js';
import { useT } from '../shared/i18n.js';
import { definitionOf, fieldErrors, fieldOfParam, type CampaignDefinition, type CampaignFields } from './campaign-form-model.js';

export interface CampaignFormProps {
  initial: CampaignFields;
  /** The version in force, for a new version (its id and kind cannot change). */
  base?: CampaignDefinition;
  submitLabel: string;
  /** Sends the definition; answers the platform's refusal, or nothing when it was accepted. */
  onSubmit: (definition: CampaignDefinition) => Promise<ApiFailure | undefined>;
}

type Described = { id: string; 'aria-describedby'?: string; 'aria-invalid'?: 'true' };

export function CampaignForm(props: CampaignFormProps) {
  const { t } = useT();
  const [fields, setFields] = useState<CampaignFields>(props.initial);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  const versioning = props.base !== undefined;
  const errorOf = (fieldId: string) => fieldErrorOf(errors, fieldId);
  const set = <K extends keyof CampaignFields>(key: K, value: CampaignFields[K]): void => setFields((current) => ({ ...current, [key]: value }));
  const text = (key: keyof CampaignFields, options: { short?: boolean; inputMode?: 'numeric'; type?: 'date'; disabled?: boolean; lang?: 'ja' | 'en' } = {}) => (described: Described) => (
    <input
      {...described}
      class={options.short === true ? 'input input-short' : 'input'}
      name={key}
      type={options.type ?? 'text'}
      autocomplete="off"
      {...(options.inputMode === undefined ? {} : { inputMode: options.inputMode })}
      {...(options.lang === undefined ? {} : { lang: options.lang })}
      disabled={options.disabled === true}
      value={String(fields[key])}
      onInput={(event) => set(key, (event.target as HTMLInputElement).value as never)}
    />
  );
  const field = (key: keyof CampaignFields, render: (described: Described) => ComponentChildren, hint = true) => (
    <Field id={key} label={t(`operator:campaignForm.fields.${key}`)} {...(hint ? { hint: t(`operator:campaignForm.hints.${key}`) } : {})} {...errorOf(key)}>
      {render}
    </Field>
  );

  async function submit(event: Event): Promise<void> {
    event.preventDefault();
    const found = fieldErrors(t, fields);
    setErrors(found);
    if (found.length > 0) return;
    setBusy(true);
    const failure = await props.onSubmit(definitionOf(fields, props.base));
    setBusy(false);
    if (failure === undefined) return;
    const fieldId = fieldOfParam(failure.param);
    setErrors([{ ...(fieldId === undefined ? {} : { fieldId }), message: failure.code === 'campaign_invalid' ? t('operator:campaignForm.errors.rule', { rule: failure.message }) : failureMessage(t, failure) }]);
  }

  const spendBack = fields.kind === 'spend_back';
  // The eligible events are a group of checkboxes: its message is beside the group (as a Field's is), and the
  // summary's link goes to its first box.
  const eventKindsError = errorOf('payment').error;
  return (
    <form onSubmit={(event) => void submit(event)} noValidate data-testid="campaign-form">
      <ErrorSummary errors={errors} />
      <fieldset>
        <legend>{t('operator:campaignForm.sections.about')}</legend>
        {field('id', text('id', { disabled: versioning }))}
        {field('name', text('name'), false)}
        {field('nameJa', text('nameJa', { lang: 'ja' }))}
        {field('nameEn', text('nameEn', { lang: 'en' }))}
        {field('owner', text('owner'))}
        <fieldset class="field">
          <legend class="label">{t('operator:campaignForm.fields.kind')}</legend>
          <div class="radios">
            {(['spend_back', 'fixed_award'] as const).map((kind) => (
              <label class="radio" key={kind} for={`kind-${kind}`}>
                <input type="radio" id={`kind-${kind}`} name="kind" checked={fields.kind === kind} disabled={versioning} onChange={() => set('kind', kind)} />
                <span>
                  {t(`operator:campaignForm.kinds.${kind}`)}
                  <span class="radio-hint">{t(`operator:campaignForm.kindHints.${kind}`)}</span>
                </span>
              </label>
            ))}
          </div>
        </fieldset>
      </fieldset>

      <fieldset>
        <legend>{t('operator:campaignForm.sections.earning')}</legend>
        {spendBack ? (
          <>
            <fieldset class={eventKindsError === undefined ? 'field' : 'field field-error'} aria-describedby={eventKindsError === undefined ? 'payment-hint' : 'payment-hint payment-error'}>
              <legend class="label">{t('operator:campaignForm.fields.eventKinds')}</legend>
              <p class="hint" id="payment-hint">
                {t('operator:campaignForm.hints.eventKinds')}
              </p>
              {eventKindsError !== undefined && (
                <p class="error-message" id="payment-error">
                  <span class="visually-hidden">{t('common:errorPrefix')}</span>
                  {eventKindsError}
                </p>
              )}
              <div class="radios">
                {(['payment', 'topup'] as const).map((kind) => (
                  <label class="radio" key={kind} for={kind}>
                    <input type="checkbox" id={kind} name={kind} checked={fields[kind]} onChange={(event) => set(kind, (event.target as HTMLInputElement).checked)} />
                    <span>{t(`operator:campaignForm.eventKinds.${kind}`)}</span>
                  </label>
                ))}
              </div>
            </fieldset>
            {field('regions', text('regions'))}
            {field('ratePercent', text('ratePercent', { short: true, inputMode: 'numeric' }))}
            {field('rounding', (described) => (
              <select {...described} class="select" name="rounding" value={fields.rounding} onChange={(event) => set('rounding', (event.target as HTMLSelectElement).value as CampaignFields['rounding'])}>
                {(['floor', 'half_up', 'ceil'] as const).map((rounding) => (
                  <option key={rounding} value={rounding}>
                    {t(`operator:campaignForm.roundings.${rounding}`)}
                  </option>
                ))}
              </select>
            ))}
          </>
        ) : (
          <>
            {field('attestationKind', text('attestationKind'))}
            {field('awardPoints', text('awardPoints', { short: true, inputMode: 'numeric' }))}
          </>
        )}
      </fieldset>

      <fieldset>
        <legend>{t('operator:campaignForm.sections.windows')}</legend>
        <p class="hint">{t('operator:campaignForm.hints.windows')}</p>
        <div class="field-row">
          {field('applicationFrom', text('applicationFrom', { type: 'date' }), false)}
          {field('applicationUntil', text('applicationUntil', { type: 'date' }), false)}
        </div>
        <div class="field-row">
          {field('earningFrom', text('earningFrom', { type: 'date' }), false)}
          {field('earningUntil', text('earningUntil', { type: 'date' }), false)}
        </div>
      </fieldset>

      <fieldset>
        <legend>{t('operator:campaignForm.sections.caps')}</legend>
        {field('perPersonPoints', text('perPersonPoints', { short: true, inputMode: 'numeric' }))}
        {spendBack && (
          <>
            {field('perEventPoints', text('perEventPoints', { short: true, inputMode: 'numeric' }))}
            <div class="field-row">
              {field(
                'period',
                (described) => (
                  <select {...described} class="select" name="period" value={fields.period} onChange={(event) => set('period', (event.target as HTMLSelectElement).value as CampaignFields['period'])}>
                    {(['none', 'day', 'month'] as const).map((period) => (
                      <option key={period} value={period}>
                        {t(`operator:campaignForm.periods.${period}`)}
                      </option>
                    ))}
                  </select>
                ),
                false,
              )}
              {fields.period !== 'none' && field('perPeriodPoints', text('perPeriodPoints', { short: true, inputMode: 'numeric' }), false)}
            </div>
          </>
        )}
        {field('budgetPoints', text('budgetPoints', { inputMode: 'numeric' }))}
      </fieldset>

      <fieldset>
        <legend>{t('operator:campaignForm.sections.rules')}</legend>
        {field('refundPolicy', (described) => (
          <select {...described} class="select" name="refundPolicy" value={fields.refundPolicy} onChange={(event) => set('refundPolicy', (event.target as HTMLSelectElement).value as CampaignFields['refundPolicy'])}>
            {(['clawback', 'none'] as const).map((policy) => (
              <option key={policy} value={policy}>
                {t(`operator:campaignForm.refundPolicies.${policy}`)}
              </option>
            ))}
          </select>
        ))}
        <div class="field">
          <label class="radio" for="sameDayCancel">
            <input type="checkbox" id="sameDayCancel" name="sameDayCancel" checked={fields.sameDayCancel} onChange={(event) => set('sameDayCancel', (event.target as HTMLInputElement).checked)} />
            <span>
              {t('operator:campaignForm.fields.sameDayCancel')}
              <span class="radio-hint">{t('operator:campaignForm.hints.sameDayCancel')}</span>
            </span>
          </label>
        </div>
      </fieldset>
      <Button type="submit" busy={busy} data-testid="campaign-submit">
        {props.submitLabel}
      </Button>
    </form>
  );
}
