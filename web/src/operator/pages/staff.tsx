/**
 * Staff accounts of every kind (administrators only): create one with its role — a provider role names its
 * provider — and hand over its one-time enrolment link (shown once); a new link after a lost passkey; disable an
 * account, which ends its sessions at once. Accounts are never deleted.
 */
import { useState } from 'preact/hooks';
import { api, type ApiFailure } from '../../shared/api.js';
import { Button, ErrorSummary, Field, fieldErrorOf, type FieldError } from '../../shared/components.js';
import { failureMessage } from '../../shared/failure.js';
import { useT } from '../../shared/i18n.js';
import { sideOf, type StaffRole } from '../../shared/staff/staff-api.js';
import { useStaff } from '../../shared/staff/staff-app.js';
import { EnrolmentLink, StaffAccountsTable, type Enrolment, type StaffAccount } from '../../shared/staff/staff-accounts.js';
import { useApiGet } from '../../shared/use-api.js';
import { may } from '../access.js';
import type { Provider } from '../types.js';
import { FailureNotice, LoadedView, OperatorHeading, RoleForbiddenPage } from '../ui.js';

const roles: readonly StaffRole[] = ['operator_admin', 'operator_support', 'operator_settlement', 'provider_admin', 'provider_staff'];

function CreateStaff(props: { providers: Provider[]; onLink: (name: string, enrolment: Enrolment) => void }) {
  const { t } = useT();
  const [displayName, setDisplayName] = useState('');
  const [role, setRole] = useState<StaffRole>('operator_support');
  const [providerId, setProviderId] = useState(props.providers[0]?.id ?? '');
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  const forProvider = sideOf(role) === 'provider';
  const errorOf = (fieldId: string) => fieldErrorOf(errors, fieldId);
  async function submit(event: Event): Promise<void> {
    event.preventDefault();
    const found: FieldError[] = [];
    if (displayName.trim() === '') found.push({ fieldId: 'displayName', message: t('staff:accounts.errors.displayName') });
    if (forProvider && providerId === '') found.push({ fieldId: 'staffProvider', message: t('operator:staff.errors.provider') });
    setErrors(found);
    if (found.length > 0) return;
    setBusy(true);
    // Not idempotent on purpose (the link would be kept in a stored replay): a retry makes a second account.
    const answer = await api<{ staff: StaffAccount; enrolment: Enrolment }>('/v1/operator/staff', {
      method: 'POST',
      json: { displayName: displayName.trim(), role, ...(forProvider ? { providerId } : {}) },
    });
    setBusy(false);
    if (!answer.ok) {
      const fieldId = answer.failure.param === 'providerId' || answer.failure.code === 'provider_not_found' ? 'staffProvider' : answer.failure.param === 'displayName' ? 'displayName' : undefined;
      return setErrors([{ ...(fieldId === undefined ? {} : { fieldId }), message: failureMessage(t, answer.failure) }]);
    }
    setDisplayName('');
    return props.onLink(answer.value.staff.displayName, answer.value.enrolment);
  }
  return (
    <section aria-labelledby="create-staff">
      <h2 id="create-staff">{t('staff:accounts.create')}</h2>
      <form onSubmit={(event) => void submit(event)} noValidate data-testid="staff-form">
        <ErrorSummary errors={errors} />
        <Field id="displayName" label={t('staff:accounts.displayName')} hint={t('staff:accounts.displayNameHint')} {...errorOf('displayName')}>
          {(described) => <input {...described} class="input" name="displayName" autocomplete="off" value={displayName} onInput={(e) => setDisplayName((e.target as HTMLInputElement).value)} />}
        </Field>
        <Field id="staffRole" label={t('staff:accounts.role')} hint={t(`staff:accounts.roleHints.${role}`)}>
          {(described) => (
            <select {...described} class="select" name="role" value={role} onChange={(e) => setRole((e.target as HTMLSelectElement).value as StaffRole)}>
              {roles.map((candidate) => (
                <option key={candidate} value={candidate}>
                  {t(`staff:roles.${candidate}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        {forProvider && (
          <Field id="staffProvider" label={t('operator:staff.provider')} {...errorOf('staffProvider')}>
            {(described) => (
              <select {...described} class="select" name="providerId" value={providerId} onChange={(e) => setProviderId((e.target as HTMLSelectElement).value)}>
                {props.providers.map((provider) => (
                  <option key={provider.id} value={provider.id}>
                    {provider.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
        )}
        <Button type="submit" busy={busy} data-testid="staff-create">
          {t('staff:accounts.createSubmit')}
        </Button>
      </form>
    </section>
  );
}

export function StaffPage() {
  const { t } = useT();
  const me = useStaff();
  const allowed = may(me.role, 'administer');
  const { data, reload } = useApiGet<{ data: StaffAccount[] }>(allowed ? '/v1/operator/staff' : null);
  const providers = useApiGet<{ data: Provider[] }>(allowed ? '/v1/operator/providers' : null).data;
  const [link, setLink] = useState<{ name: string; enrolment: Enrolment }>();
  const [failure, setFailure] = useState<ApiFailure>();
  if (!allowed) return <RoleForbiddenPage title={t('operator:staff.title')} />;
  const showLink = (name: string, enrolment: Enrolment): void => {
    setFailure(undefined);
    setLink({ name, enrolment });
    reload();
  };
  return (
    <>
      <OperatorHeading title={t('operator:staff.title')} />
      <p class="lead">{t('operator:staff.intro')}</p>
      {failure !== undefined && <FailureNotice failure={failure} />}
      {link !== undefined && <EnrolmentLink name={link.name} enrolment={link.enrolment} />}
      <LoadedView data={data}>{({ data: accounts }) => <StaffAccountsTable apiBase="/v1/operator/staff" accounts={accounts} showProvider onLink={showLink} onChanged={reload} onFailure={setFailure} />}</LoadedView>
      <LoadedView data={providers}>{({ data: list }) => <CreateStaff providers={list} onLink={showLink} />}</LoadedView>
    </>
  );
}
