/**
 * The provider's own staff accounts (provider_admin only; docs/staff.md#managing-accounts): the list with each
 * account's role and passkeys, a new account with its one-time enrolment link (shown once), a new link after a lost
 * passkey, and disabling an account, which ends its sessions at once. The platform scopes every call to the signed-in
 * administrator's provider: another provider's accounts are neither listed nor reachable.
 */
import { useState } from 'preact/hooks';
import { api, type ApiFailure } from '../../shared/api.js';
import { Button, ErrorSummary, Field, fieldErrorOf, type FieldError } from '../../shared/components.js';
import { failureMessage } from '../../shared/failure.js';
import { useT } from '../../shared/i18n.js';
import { EnrolmentLink, StaffAccountsTable, type Enrolment, type StaffAccount } from '../../shared/staff/staff-accounts.js';
import type { StaffRole } from '../../shared/staff/staff-api.js';
import { useStaff } from '../../shared/staff/staff-app.js';
import { useApiGet } from '../../shared/use-api.js';
import { FailureNotice, LoadedView, ProviderHeading } from '../ui.js';

const roles: readonly StaffRole[] = ['provider_staff', 'provider_admin'];
const apiBase = '/v1/provider/staff';

function CreateStaff(props: { onLink: (name: string, enrolment: Enrolment) => void }) {
  const { t } = useT();
  const [displayName, setDisplayName] = useState('');
  const [role, setRole] = useState<StaffRole>('provider_staff');
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  async function submit(event: Event): Promise<void> {
    event.preventDefault();
    if (displayName.trim() === '') return setErrors([{ fieldId: 'displayName', message: t('staff:accounts.errors.displayName') }]);
    setErrors([]);
    setBusy(true);
    // Not idempotent on purpose (the link would be kept in a stored replay): a retry makes a second account.
    const answer = await api<{ staff: StaffAccount; enrolment: Enrolment }>(apiBase, { method: 'POST', json: { displayName: displayName.trim(), role } });
    setBusy(false);
    if (!answer.ok) return setErrors([{ ...(answer.failure.param === 'displayName' ? { fieldId: 'displayName' } : {}), message: failureMessage(t, answer.failure) }]);
    setDisplayName('');
    return props.onLink(answer.value.staff.displayName, answer.value.enrolment);
  }
  return (
    <section aria-labelledby="create-staff">
      <h2 id="create-staff">{t('staff:accounts.create')}</h2>
      <form onSubmit={(event) => void submit(event)} noValidate data-testid="staff-form">
        <ErrorSummary errors={errors} />
        <Field id="displayName" label={t('staff:accounts.displayName')} hint={t('staff:accounts.displayNameHint')} {...fieldErrorOf(errors, 'displayName')}>
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
  const title = t('provider:staff.title');
  if (me.role !== 'provider_admin') {
    return (
      <>
        <ProviderHeading title={title} />
        <FailureNotice failure={{ status: 403, code: 'staff_role_forbidden', message: '' }} />
      </>
    );
  }
  return <StaffOfAdmin />;
}

function StaffOfAdmin() {
  const { t } = useT();
  const { data, reload } = useApiGet<{ data: StaffAccount[] }>(apiBase);
  const [link, setLink] = useState<{ name: string; enrolment: Enrolment }>();
  const [failure, setFailure] = useState<ApiFailure>();
  const showLink = (name: string, enrolment: Enrolment): void => {
    setFailure(undefined);
    setLink({ name, enrolment });
    reload();
  };
  return (
    <>
      <ProviderHeading title={t('provider:staff.title')} />
      <p class="lead">{t('provider:staff.lead')}</p>
      {failure !== undefined && <FailureNotice failure={failure} />}
      {link !== undefined && <EnrolmentLink name={link.name} enrolment={link.enrolment} />}
      <LoadedView data={data}>{({ data: accounts }) => <StaffAccountsTable apiBase={apiBase} accounts={accounts} showProvider={false} onLink={showLink} onChanged={reload} onFailure={setFailure} />}</LoadedView>
      <CreateStaff onLink={showLink} />
    </>
  );
}
