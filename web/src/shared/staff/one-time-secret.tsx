/**
 * A secret the platform shows once (a provider key's secret, a staff member's enrolment link): said plainly, with
 * a button that copies it. Both consoles use it; the caller names what is shown and what the button copies.
 */
import { useState } from 'preact/hooks';
import { Button, Notice } from '../components.js';
import { useT } from '../i18n.js';

export interface SecretRow {
  label: string;
  value: string;
  testId: string;
}

export function OneTimeSecret(props: { title: string; testId: string; rows: SecretRow[]; copy: { label: string; value: string }; note?: string }) {
  const { t } = useT();
  const [copied, setCopied] = useState<'copied' | 'copyFailed'>();
  async function copy(): Promise<void> {
    try {
      await navigator.clipboard.writeText(props.copy.value);
      setCopied('copied');
    } catch {
      setCopied('copyFailed');
    }
  }
  return (
    <Notice kind="warning" title={props.title} testId={props.testId}>
      <p>
        <strong>{t('staff:secret.once')}</strong>
      </p>
      <dl class="secret-list">
        {props.rows.map((row) => (
          <div key={row.testId}>
            <dt>{row.label}</dt>
            <dd>
              <code class="code-inline code-break" data-testid={row.testId}>
                {row.value}
              </code>
            </dd>
          </div>
        ))}
      </dl>
      {props.note !== undefined && <p>{props.note}</p>}
      <Button kind="secondary" onClick={() => void copy()} data-testid={`${props.testId}-copy`}>
        {props.copy.label}
      </Button>
      {copied !== undefined && (
        <p role="status" class="status-line">
          {t(`staff:secret.${copied}`)}
        </p>
      )}
    </Notice>
  );
}
