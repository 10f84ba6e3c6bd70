/**
 * The provider's signing keys (provider_admin only): the list, a new key (its secret shown once), rotation with
 * the overlap the administrator chooses (how long the old key keeps signing), and revocation after a confirmation.
 */
import { useState } from 'preact/hooks';
import { api, type ApiFailure } from '../../shared/api.js';
import { Button, DataTable, Field } from '../../shared/components.js';
import { formatDateTime } from '../../shared/format.js';
import { useT } from '../../shared/i18n.js';
import { OneTimeSecret } from '../../shared/staff/one-time-secret.js';
import { useApiGet } from '../../shared/use-api.js';
import { AdminOnly, FailureNotice, LoadedView, ProviderHeading } from '../ui.js';

interface ProviderKey {
  keyId: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

interface NewKey {
  keyId: string;
  secret: string;
  createdAt: string;
  previous?: { keyId: string; expiresAt: string };
}

/** The overlaps offered for a rotation (the API allows 0 to 30 days). */
const overlapChoicesSeconds = [0, 3_600, 86_400, 7 * 86_400, 30 * 86_400] as const;
const overlapDefaultSeconds = 86_400;

type Action = { kind: 'rotate'; keyId: string } | { kind: 'revoke'; keyId: string };

function keyState(key: ProviderKey, nowMs: number): 'revoked' | 'expired' | 'overlap' | 'active' {
  if (key.revokedAt !== null) return 'revoked';
  if (key.expiresAt !== null) return Date.parse(key.expiresAt) <= nowMs ? 'expired' : 'overlap';
  return 'active';
}

export function KeysPage() {
  const { t } = useT();
  return <AdminOnly title={t('provider:keys.title')}>{() => <KeysOfAdmin />}</AdminOnly>;
}

function KeysOfAdmin() {
  const { t, language } = useT();
  const { data, reload } = useApiGet<{ data: ProviderKey[] }>('/v1/provider/keys');
  const [action, setAction] = useState<Action>();
  const [overlapSeconds, setOverlapSeconds] = useState<number>(overlapDefaultSeconds);
  const [secret, setSecret] = useState<NewKey>();
  const [revoked, setRevoked] = useState<string>();
  const [failure, setFailure] = useState<ApiFailure>();
  const [busy, setBusy] = useState(false);

  async function run(request: () => Promise<{ ok: true; value: NewKey | { keyId: string } } | { ok: false; failure: ApiFailure }>, revokedKeyId?: string): Promise<void> {
    setBusy(true);
    setFailure(undefined);
    setSecret(undefined);
    setRevoked(undefined);
    const answer = await request();
    setBusy(false);
    if (!answer.ok) {
      setFailure(answer.failure);
      return;
    }
    setAction(undefined);
    if (revokedKeyId !== undefined) setRevoked(revokedKeyId);
    else setSecret(answer.value as NewKey);
    reload();
  }
  const create = () => run(() => api<NewKey>('/v1/provider/keys', { method: 'POST' }));
  const rotate = (keyId: string) => run(() => api<NewKey>(`/v1/provider/keys/${encodeURIComponent(keyId)}/rotate`, { method: 'POST', json: { overlapSeconds } }));
  const revoke = (keyId: string) => run(() => api<{ keyId: string }>(`/v1/provider/keys/${encodeURIComponent(keyId)}`, { method: 'DELETE' }), keyId);

  const nowMs = Date.now();
  return (
    <>
      <ProviderHeading title={t('provider:keys.title')} />
      <p class="lead">{t('provider:keys.lead')}</p>
      {secret !== undefined && (
        <OneTimeSecret
          title={secret.previous === undefined ? t('provider:keys.created') : t('provider:keys.rotated')}
          testId="key-secret"
          rows={[
            { label: t('provider:keys.keyId'), value: secret.keyId, testId: 'key-secret-key-id' },
            { label: t('provider:keys.secret.label'), value: secret.secret, testId: 'key-secret-value' },
          ]}
          copy={{ label: t('provider:keys.secret.copy'), value: secret.secret }}
          {...(secret.previous === undefined ? {} : { note: t('provider:keys.previousUntil', { keyId: secret.previous.keyId, until: formatDateTime(secret.previous.expiresAt, language) }) })}
        />
      )}
      {revoked !== undefined && (
        <p role="status" class="status-line" data-testid="key-revoked">
          {t('provider:keys.revoked', { keyId: revoked })}
        </p>
      )}
      {failure !== undefined && <FailureNotice failure={failure} />}
      <div class="button-group">
        <Button onClick={() => void create()} busy={busy && action === undefined} data-testid="key-create">
          {t('provider:keys.create')}
        </Button>
      </div>
      <LoadedView data={data}>
        {(value) => (
          <DataTable
            caption={t('provider:keys.caption')}
            rows={value.data}
            rowKey={(key) => key.keyId}
            empty={t('provider:keys.empty')}
            columns={[
              { key: 'keyId', header: t('provider:keys.keyId'), cell: (key) => <code class="code-inline code-break">{key.keyId}</code> },
              { key: 'createdAt', header: t('provider:keys.createdAt'), cell: (key) => formatDateTime(key.createdAt, language) },
              {
                key: 'state',
                header: t('provider:keys.state'),
                cell: (key) => {
                  const state = keyState(key, nowMs);
                  const at = state === 'revoked' ? key.revokedAt : key.expiresAt;
                  return <span data-testid={`key-state-${key.keyId}`}>{t(`provider:keys.states.${state}`, { at: at === null ? '' : formatDateTime(at, language) })}</span>;
                },
              },
              {
                key: 'actions',
                header: t('provider:keys.actions'),
                cell: (key) => {
                  const state = keyState(key, nowMs);
                  if (state === 'revoked' || state === 'expired') return null;
                  if (action?.keyId === key.keyId) {
                    return action.kind === 'rotate' ? (
                      <div class="confirm-inline" data-testid="key-rotate-form">
                        <Field id={`overlap-${key.keyId}`} label={t('provider:keys.overlap.label')} hint={t('provider:keys.overlap.hint')}>
                          {(described) => (
                            <select {...described} class="select" value={String(overlapSeconds)} onChange={(e) => setOverlapSeconds(Number((e.target as HTMLSelectElement).value))}>
                              {overlapChoicesSeconds.map((seconds) => (
                                <option key={seconds} value={String(seconds)}>
                                  {t(`provider:keys.overlap.choices.${seconds}`)}
                                </option>
                              ))}
                            </select>
                          )}
                        </Field>
                        <div class="button-group">
                          <Button onClick={() => void rotate(key.keyId)} busy={busy} data-testid="key-rotate-confirm">
                            {t('provider:keys.rotate')}
                          </Button>
                          <Button kind="secondary" onClick={() => setAction(undefined)}>
                            {t('provider:keys.cancel')}
                          </Button>
                        </div>
                      </div>
                    ) : (
                      <div class="confirm-inline" data-testid="key-revoke-confirmation">
                        <p>{t('provider:keys.revokeConfirm', { keyId: key.keyId })}</p>
                        <div class="button-group">
                          <Button kind="warning" onClick={() => void revoke(key.keyId)} busy={busy} data-testid="key-revoke-confirm">
                            {t('provider:keys.revoke')}
                          </Button>
                          <Button kind="secondary" onClick={() => setAction(undefined)}>
                            {t('provider:keys.cancel')}
                          </Button>
                        </div>
                      </div>
                    );
                  }
                  return (
                    <div class="button-group">
                      <Button kind="secondary" onClick={() => setAction({ kind: 'rotate', keyId: key.keyId })} data-testid={`key-rotate-${key.keyId}`}>
                        {t('provider:keys.rotate')}
                        <span class="visually-hidden"> {key.keyId}</span>
                      </Button>
                      <Button kind="warning" onClick={() => setAction({ kind: 'revoke', keyId: key.keyId })} data-testid={`key-revoke-${key.keyId}`}>
                        {t('provider:keys.revoke')}
                        <span class="visually-hidden"> {key.keyId}</span>
                      </Button>
                    </div>
                  );
                },
              },
            ]}
          />
        )}
      </LoadedView>
    </>
  );
}
