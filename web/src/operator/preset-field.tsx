/** The choice of a campaign preset (docs/campaigns.md), with the chosen preset's rules as the hint. */
import { Field } from '../shared/components.js';
import { useT } from '../shared/i18n.js';
import { presetNames } from './campaign-form-model.js';

export function PresetField(props: { value: string; onChange: (preset: string) => void; error?: string }) {
  const { t } = useT();
  return (
    <Field id="preset" label={t('operator:newCampaign.preset')} hint={t(`operator:presets.${props.value}.rules`)} {...(props.error === undefined ? {} : { error: props.error })}>
      {(described) => (
        <select {...described} class="select" name="preset" value={props.value} onChange={(event) => props.onChange((event.target as HTMLSelectElement).value)}>
          {presetNames.map((name) => (
            <option key={name} value={name}>
              {t(`operator:presets.${name}.name`)}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}
