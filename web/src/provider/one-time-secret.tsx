/** A key's secret, which the platform shows once: said plainly, with a button that copies it. */
import { useState } from 'preact/hooks';
import { Button, Notice } from '../shared/components.js';
import { useT } from '../shared/i18n.js';

export function OneTimeSecret(props: { title: string; keyId: string; secret: string; note?: string }) {
  const { t } = useT();
  const [copied, setCopied] = useState<'copied' | 'copyFailed'>();
  async function copy(): Promise<void> {
    try {
      await navigator.clipboard.writeText(props.secret);
      setCopied('copied');
    } catch {
      setCopied('copyFailed');
    }
  }
  return (
    <Notice kind="warning" title={props.title} testId="key-secret">
      <p>
        <strong>{t('provider:keys.secret.once')}</strong>
      </p>
      <dl class="secret-list">
        <div>
          <dt>{t('provider:keys.keyId')}</dt>
          <dd>
            <code class="code-inline code-break" data-testid="key-secret-key-id">
              {props.keyId}
            </code>
          </dd>
        </div>
        <div>
          <dt>{t('provider:keys.secret.label')}</dt>
          <dd>
            <code class="code-inline code-break" data-testid="key-secret-value">
              {props.secret}
            </code>
          </dd>
        </div>
      </dl>
      {props.note !== undefined && <p>{props.note}</p>}
      <Button kind="secondary" onClick={() => void copy()} data-testid="key-secret-copy">
        {t('provider:keys.secret.copy')}
      </Button>
      {copied !== undefined && (
        <p role="status" class="status-line">
          {t(`provider:keys.secret.${copied}`)}
        </p>
      )}
    </Notice>
  );
}
