/**
 * The provider's own staff accounts (provider_admin only; docs/staff.md#managing-accounts): the list with each
 * account's role and passkeys, a new account with its one-time enrolment link (shown once), a new link after a lost
 * passkey, and disabling an account, which ends its sessions at once. The platform scopes every call to the signed-in
 * administrator's provider: another provider's accounts are neither listed nor reachable.
 */
import { useState } from 'preact/hooks';
import type { ApiFailure } from '../../shared/api.js';
import { useT } from '../../shared/i18n.js';
import { CreateStaffForm, EnrolmentLink, StaffAccountsTable, type Enrolment, type StaffAccount } from '../../shared/staff/staff-accounts.js';
import type { StaffRole } from '../../shared/staff/staff-api.js';
import { useApiGet } from '../../shared/use-api.js';
import { AdminOnly, FailureNotice, LoadedView, ProviderHeading } from '../ui.js';

const roles: readonly StaffRole[] = ['provider_staff', 'provider_admin'];
const apiBase = '/v1/provider/staff';

export function StaffPage() {
  const { t } = useT();
  return <AdminOnly title={t('provider:staff.title')}>{() => <StaffOfAdmin />}</AdminOnly>;
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
      <CreateStaffForm apiBase={apiBase} roles={roles} onLink={showLink} />
    </>
  );
}
