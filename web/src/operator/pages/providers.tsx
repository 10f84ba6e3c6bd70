/**
 * Providers and their payment services; administrators register a provider, issue a signing key (the secret is
 * shown once) and revoke one. Providers manage their own keys in the provider console too.
 */
import { useState } from 'preact/hooks';
import { api, newIdempotencyKey } from '../../shared/api.js';
import { Button, DataTable, ErrorSummary, Field, fieldErrorOf, type FieldError } from '../../shared/components.js';
import { failureMessage } from '../../shared/failure.js';
import { useT } from '../../shared/i18n.js';
import { useStaff } from '../../shared/staff/staff-app.js';
import { useApiGet } from '../../shared/use-api.js';
import { may } from '../access.js';
import { OneTimeSecret } from '../../shared/staff/one-time-secret.js';
import type { Provider } from '../types.js';
import { FailureNotice, LoadedView, OperatorHeading } from '../ui.js';

const slugPattern = /^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$/;

interface ServiceRow {
  id: string;
  name: string;
}

function RegisterProvider(props: { onRegistered: () => void }) {
  const { t } = useT();
  const [id, setId] = useState('');
  const [name, setName] = useState('');
  const [verifyUrl, setVerifyUrl] = useState('');
  const [services, setServices] = useState<ServiceRow[]>([{ id: '', name: '' }]);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string>();
  const [idempotencyKey, setIdempotencyKey] = useState(newIdempotencyKey);
  const errorOf = (fieldId: string) => fieldErrorOf(errors, fieldId);
  const setService = (index: number, change: Partial<ServiceRow>) => setServices((rows) => rows.map((row, i) => (i === index ? { ...row, ...change } : row)));

  async function submit(event: Event): Promise<void> {
    event.preventDefault();
    const found: FieldError[] = [];
    if (!slugPattern.test(id.trim())) found.push({ fieldId: 'providerId', message: t('operator:providers.errors.slug') });
    if (name.trim() === '') found.push({ fieldId: 'providerName', message: t('operator:providers.errors.name') });
    if (!/^https?:\/\/\S+$/.test(verifyUrl.trim())) found.push({ fieldId: 'verifyUrl', message: t('operator:providers.errors.verifyUrl') });
    services.forEach((service, index) => {
      if (!slugPattern.test(service.id.trim())) found.push({ fieldId: `service-id-${index}`, message: t('operator:providers.errors.slug') });
      if (service.name.trim() === '') found.push({ fieldId: `service-name-${index}`, message: t('operator:providers.errors.name') });
    });
    setErrors(found);
    if (found.length > 0) return;
    setBusy(true);
    const answer = await api<Provider>('/v1/operator/providers', {
      method: 'POST',
      idempotencyKey,
      json: { id: id.trim(), name: name.trim(), verifyUrl: verifyUrl.trim(), services: services.map((s) => ({ id: s.id.trim(), name: s.name.trim() })) },
    });
    setBusy(false);
    if (!answer.ok) {
      const fieldId = answer.failure.code === 'provider_exists' ? 'providerId' : answer.failure.code === 'provider_service_exists' ? 'service-id-0' : undefined;
      return setErrors([{ ...(fieldId === undefined ? {} : { fieldId }), message: failureMessage(t, answer.failure) }]);
    }
    setDone(answer.value.name);
    setId('');
    setName('');
    setVerifyUrl('');
    setServices([{ id: '', name: '' }]);
    setIdempotencyKey(newIdempotencyKey());
    return props.onRegistered();
  }

  return (
    <section aria-labelledby="register-provider">
      <h2 id="register-provider">{t('operator:providers.register')}</h2>
      {done !== undefined && <p role="status" class="status-line">{t('operator:providers.registered', { name: done })}</p>}
      <form onSubmit={(event) => void submit(event)} noValidate>
        <ErrorSummary errors={errors} />
        <Field id="providerId" label={t('operator:providers.id')} hint={t('operator:providers.idHint')} {...errorOf('providerId')}>
          {(described) => <input {...described} class="input" name="providerId" autocomplete="off" value={id} onInput={(e) => setId((e.target as HTMLInputElement).value)} />}
        </Field>
        <Field id="providerName" label={t('operator:providers.name')} {...errorOf('providerName')}>
          {(described) => <input {...described} class="input" name="providerName" autocomplete="organization" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />}
        </Field>
        <Field id="verifyUrl" label={t('operator:providers.verifyUrl')} hint={t('operator:providers.verifyUrlHint')} {...errorOf('verifyUrl')}>
          {(described) => <input {...described} class="input" name="verifyUrl" type="url" autocomplete="url" value={verifyUrl} onInput={(e) => setVerifyUrl((e.target as HTMLInputElement).value)} />}
        </Field>
        {services.map((service, index) => (
          <fieldset key={index} class="service-row">
            <legend class="label">{t('operator:providers.service', { number: index + 1 })}</legend>
            <Field id={`service-id-${index}`} label={t('operator:providers.serviceId')} {...errorOf(`service-id-${index}`)}>
              {(described) => <input {...described} class="input" autocomplete="off" value={service.id} onInput={(e) => setService(index, { id: (e.target as HTMLInputElement).value })} />}
            </Field>
            <Field id={`service-name-${index}`} label={t('operator:providers.serviceName')} {...errorOf(`service-name-${index}`)}>
              {(described) => <input {...described} class="input" autocomplete="off" value={service.name} onInput={(e) => setService(index, { name: (e.target as HTMLInputElement).value })} />}
            </Field>
          </fieldset>
        ))}
        <div class="button-group">
          <Button type="submit" busy={busy}>
            {t('operator:providers.registerSubmit')}
          </Button>
          <Button kind="secondary" onClick={() => setServices((rows) => [...rows, { id: '', name: '' }])}>
            {t('operator:providers.addService')}
          </Button>
        </div>
      </form>
    </section>
  );
}

function ProviderKeys(props: { provider: Provider }) {
  const { t } = useT();
  const [issued, setIssued] = useState<{ keyId: string; secret: string }>();
  const [revokeId, setRevokeId] = useState('');
  const [revoked, setRevoked] = useState<string>();
  const [failure, setFailure] = useState<Parameters<typeof FailureNotice>[0]['failure']>();
  const [busy, setBusy] = useState(false);
  const base = `/v1/operator/providers/${encodeURIComponent(props.provider.id)}/keys`;
  async function issue(): Promise<void> {
    setBusy(true);
    setFailure(undefined);
    const answer = await api<{ keyId: string; secret: string }>(base, { method: 'POST' });
    setBusy(false);
    if (answer.ok) setIssued(answer.value);
    else setFailure(answer.failure);
  }
  async function revoke(event: Event): Promise<void> {
    event.preventDefault();
    if (revokeId.trim() === '') return;
    setFailure(undefined);
    const answer = await api<{ keyId: string }>(`${base}/${encodeURIComponent(revokeId.trim())}`, { method: 'DELETE' });
    if (answer.ok) {
      setRevoked(answer.value.keyId);
      setRevokeId('');
    } else setFailure(answer.failure);
  }
  return (
    <div class="provider-keys">
      {failure !== undefined && <FailureNotice failure={failure} />}
      {issued !== undefined && (
        <OneTimeSecret
          title={t('operator:providers.keyIssued')}
          testId="provider-key"
          rows={[
            { label: t('operator:providers.keyId'), value: issued.keyId, testId: 'provider-key-id' },
            { label: t('operator:providers.secret'), value: issued.secret, testId: 'provider-key-secret' },
          ]}
          copy={{ label: t('operator:providers.copySecret'), value: issued.secret }}
          note={t('operator:providers.keyNote')}
        />
      )}
      {revoked !== undefined && <p role="status" class="status-line">{t('operator:providers.revoked', { keyId: revoked })}</p>}
      <div class="button-group">
        <Button kind="secondary" busy={busy} onClick={() => void issue()}>
          {t('operator:providers.issueKey', { name: props.provider.name })}
        </Button>
      </div>
      <form class="inline-form" onSubmit={(event) => void revoke(event)} noValidate>
        <Field id={`revoke-${props.provider.id}`} label={t('operator:providers.revokeLabel', { name: props.provider.name })}>
          {(described) => <input {...described} class="input" autocomplete="off" value={revokeId} onInput={(e) => setRevokeId((e.target as HTMLInputElement).value)} />}
        </Field>
        <Button type="submit" kind="warning">
          {t('operator:providers.revoke')}
        </Button>
      </form>
    </div>
  );
}

export function ProvidersPage() {
  const { t } = useT();
  const me = useStaff();
  const admin = may(me.role, 'administer');
  const { data, reload } = useApiGet<{ data: Provider[] }>('/v1/operator/providers');
  return (
    <>
      <OperatorHeading title={t('operator:providers.title')} />
      <LoadedView data={data}>
        {({ data: providers }) => (
          <>
            <DataTable
              caption={t('operator:providers.caption')}
              rows={providers}
              rowKey={(provider) => provider.id}
              empty={t('operator:providers.empty')}
              columns={[
                {
                  key: 'name',
                  header: t('operator:providers.name'),
                  cell: (provider) => (
                    <>
                      {provider.name}
                      <span class="cell-hint">{provider.id}</span>
                    </>
                  ),
                },
                { key: 'services', header: t('operator:providers.services'), cell: (provider) => provider.services.map((s) => `${s.name} (${s.id})`).join(', ') },
                { key: 'verifyUrl', header: t('operator:providers.verifyUrl'), cell: (provider) => <span class="code-break">{provider.verifyUrl}</span> },
              ]}
            />
            {admin && providers.length > 0 && (
              <section aria-labelledby="provider-keys">
                <h2 id="provider-keys">{t('operator:providers.keysTitle')}</h2>
                <p>{t('operator:providers.keysIntro')}</p>
                {providers.map((provider) => (
                  <div class="card provider-card" key={provider.id}>
                    <h3>{provider.name}</h3>
                    <ProviderKeys provider={provider} />
                  </div>
                ))}
              </section>
            )}
          </>
        )}
      </LoadedView>
      {admin && <RegisterProvider onRegistered={reload} />}
    </>
  );
}
