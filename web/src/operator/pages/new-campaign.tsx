/**
 * A new campaign, from a preset (the published rules of a real campaign, docs/campaigns.md) or from the form; the
 * confirmation names what was created and offers a dry run of it.
 */
import { useState } from 'preact/hooks';
import { api, newIdempotencyKey, type ApiFailure } from '../../shared/api.js';
import { Button, ButtonLink, ErrorSummary, Field, fieldErrorOf, Panel, type FieldError } from '../../shared/components.js';
import { failureMessage } from '../../shared/failure.js';
import { useT } from '../../shared/i18n.js';
import { useStaff } from '../../shared/staff/staff-app.js';
import type { Campaign } from '../../shared/types.js';
import { may } from '../access.js';
import { CampaignForm } from '../campaign-form.js';
import { emptyFields, presetNames, type CampaignDefinition } from '../campaign-form-model.js';
import { CampaignSummary } from '../campaign-view.js';
import { PresetField } from '../preset-field.js';
import { OperatorHeading, RoleForbiddenPage } from '../ui.js';

type Source = { preset: string; id?: string; name?: string } | { definition: CampaignDefinition };

function PresetForm(props: { onSubmit: (source: Source) => Promise<ApiFailure | undefined> }) {
  const { t } = useT();
  const [preset, setPreset] = useState<string>(presetNames[0]);
  const [id, setId] = useState('');
  const [name, setName] = useState('');
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  const errorOf = (fieldId: string) => fieldErrorOf(errors, fieldId);
  async function submit(event: Event): Promise<void> {
    event.preventDefault();
    setBusy(true);
    const failure = await props.onSubmit({ preset, ...(id.trim() === '' ? {} : { id: id.trim() }), ...(name.trim() === '' ? {} : { name: name.trim() }) });
    setBusy(false);
    if (failure === undefined) return;
    const fieldId = failure.code === 'campaign_exists' || failure.param === 'id' ? 'presetId' : failure.code === 'preset_unknown' ? 'preset' : undefined;
    setErrors([{ ...(fieldId === undefined ? {} : { fieldId }), message: failureMessage(t, failure) }]);
  }
  return (
    <form onSubmit={(event) => void submit(event)} noValidate data-testid="preset-form">
      <ErrorSummary errors={errors} />
      <PresetField value={preset} onChange={setPreset} {...errorOf('preset')} />
      <Field id="presetId" label={t('operator:newCampaign.presetId')} hint={t('operator:newCampaign.presetIdHint')} {...errorOf('presetId')}>
        {(described) => <input {...described} class="input" name="presetId" autocomplete="off" value={id} onInput={(event) => setId((event.target as HTMLInputElement).value)} />}
      </Field>
      <Field id="presetName" label={t('operator:newCampaign.presetName')} hint={t('operator:newCampaign.presetNameHint')}>
        {(described) => <input {...described} class="input" name="presetName" autocomplete="off" value={name} onInput={(event) => setName((event.target as HTMLInputElement).value)} />}
      </Field>
      <Button type="submit" busy={busy} data-testid="preset-submit">
        {t('operator:newCampaign.createFromPreset')}
      </Button>
    </form>
  );
}

export function NewCampaignPage() {
  const { t } = useT();
  const me = useStaff();
  const [way, setWay] = useState<'preset' | 'form'>('form');
  const [created, setCreated] = useState<Campaign>();
  // One key for this creation, kept across retries of it (a refused attempt frees it for the corrected one).
  const [idempotencyKey] = useState(newIdempotencyKey);
  if (!may(me.role, 'administer')) return <RoleForbiddenPage title={t('operator:newCampaign.title')} />;

  async function create(source: Source): Promise<ApiFailure | undefined> {
    const answer = await api<Campaign>('/v1/operator/campaigns', { method: 'POST', json: source, idempotencyKey });
    if (!answer.ok) return answer.failure;
    setCreated(answer.value);
    return undefined;
  }

  if (created !== undefined) {
    return (
      <>
        <OperatorHeading title={t('operator:newCampaign.createdTitle')} />
        <Panel title={t('operator:newCampaign.created', { name: created.name })}>
          <p>{t('operator:newCampaign.createdBody', { id: created.id, version: created.version })}</p>
        </Panel>
        <CampaignSummary campaign={created} />
        <div class="button-group">
          <ButtonLink href={`/operator/campaigns/dry-run?campaign=${created.id}`}>{t('operator:newCampaign.tryDryRun')}</ButtonLink>
          <ButtonLink href={`/operator/campaigns/${created.id}`} kind="secondary">
            {t('operator:newCampaign.open')}
          </ButtonLink>
        </div>
      </>
    );
  }
  return (
    <>
      <OperatorHeading title={t('operator:newCampaign.title')} />
      <p class="lead">{t('operator:newCampaign.intro')}</p>
      <fieldset class="field">
        <legend>{t('operator:newCampaign.how')}</legend>
        <div class="radios radios-inline">
          {(['form', 'preset'] as const).map((choice) => (
            <label class="radio" key={choice} for={`way-${choice}`}>
              <input type="radio" id={`way-${choice}`} name="way" checked={way === choice} onChange={() => setWay(choice)} />
              <span>
                {t(`operator:newCampaign.ways.${choice}`)}
                <span class="radio-hint">{t(`operator:newCampaign.wayHints.${choice}`)}</span>
              </span>
            </label>
          ))}
        </div>
      </fieldset>
      {way === 'preset' ? (
        <PresetForm onSubmit={create} />
      ) : (
        <CampaignForm initial={emptyFields} submitLabel={t('operator:newCampaign.createFromForm')} onSubmit={(definition) => create({ definition })} />
      )}
    </>
  );
}
