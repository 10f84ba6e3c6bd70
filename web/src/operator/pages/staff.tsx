/**
 * Staff accounts of every kind (administrators only): create one with its role — a provider role names its
 * provider — and hand over its one-time enrolment link (shown once); a new link after a lost passkey; disable an
 * account, which ends its sessions at once. Accounts are never deleted.
 */
import { useState } from 'preact/hooks';
import type { ApiFailure } from '../../shared/api.js';
import { Field } from '../../shared/components.js';
import { translate, useT } from '../../shared/i18n.js';
import { sideOf, type StaffRole } from '../../shared/staff/staff-api.js';
import { useStaff } from '../../shared/staff/staff-app.js';
import { CreateStaffForm, EnrolmentLink, StaffAccountsTable, type Enrolment, type ExtraStaffField, type StaffAccount } from '../../shared/staff/staff-accounts.js';
import { useApiGet } from '../../shared/use-api.js';
import { may } from '../access.js';
import type { Provider } from '../types.js';
import { FailureNotice, LoadedView, OperatorHeading, RoleForbiddenPage } from '../ui.js';

/** The roles an administrator may give; the form offers the first. */
const roles: readonly StaffRole[] = ['operator_support', 'operator_settlement', 'operator_admin', 'provider_admin', 'provider_staff'];

/** The provider a provider account works for: asked only for the provider roles. */
function providerField(providers: Provider[], providerId: string, setProviderId: (id: string) => void): ExtraStaffField {
  return {
    render: (role, errorOf) =>
      sideOf(role) === 'provider' && (
        <Field id="staffProvider" label={translate('operator:staff.provider')} {...errorOf('staffProvider')}>
          {(described) => (
            <select {...described} class="select" name="providerId" value={providerId} onChange={(e) => setProviderId((e.target as HTMLSelectElement).value)}>
              {providers.map((provider) => (
                <option key={provider.id} value={provider.id}>
                  {provider.name}
                </option>
              ))}
            </select>
          )}
        </Field>
      ),
    check: (role) => (sideOf(role) === 'provider' && providerId === '' ? [{ fieldId: 'staffProvider', message: translate('operator:staff.errors.provider') }] : []),
    body: (role) => (sideOf(role) === 'provider' ? { providerId } : {}),
    fieldOf: (failure) => (failure.param === 'providerId' || failure.code === 'provider_not_found' ? 'staffProvider' : undefined),
  };
}

function CreateStaff(props: { providers: Provider[]; onLink: (name: string, enrolment: Enrolment) => void }) {
  const [providerId, setProviderId] = useState(props.providers[0]?.id ?? '');
  return <CreateStaffForm apiBase="/v1/operator/staff" roles={roles} extra={providerField(props.providers, providerId, setProviderId)} onLink={props.onLink} />;
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
