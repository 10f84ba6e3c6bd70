/** A secret the platform shows once (an enrolment link, a provider key's secret): said plainly, easy to copy. */
import { Notice } from '../shared/components.js';
import { useT } from '../shared/i18n.js';

export function OneTimeSecret(props: { title: string; rows: Array<{ label: string; value: string }>; testId: string; note?: string }) {
  const { t } = useT();
  return (
    <Notice kind="success" title={props.title} testId={props.testId}>
      <p>
        <strong>{t('operator:secret.once')}</strong>
      </p>
      <dl class="secret-list">
        {props.rows.map((row) => (
          <div key={row.label}>
            <dt>{row.label}</dt>
            <dd>
              <code class="code-inline code-break" data-testid={`${props.testId}-value`}>
                {row.value}
              </code>
            </dd>
          </div>
        ))}
      </dl>
      {props.note !== undefined && <p>{props.note}</p>}
    </Notice>
  );
}
