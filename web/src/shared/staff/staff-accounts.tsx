/**
 * Staff accounts as both consoles manage them (docs/staff.md#managing-accounts): the list with each account's role,
 * passkeys and state; a new one-time enrolment link (after a lost passkey) and disabling, after a confirmation,
 * which ends the account's sessions at once; and the enrolment link of a new account or a new link, shown once.
 * The operator console manages every account (`/v1/operator/staff`), a provider administrator their own
 * provider's (`/v1/provider/staff`): the routes answer the same shapes, and both create accounts with one form.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { api, type ApiFailure } from '../api.js';
import { Button, DataTable, ErrorSummary, Field, fieldErrorOf, type FieldError } from '../components.js';
import { failureMessage } from '../failure.js';
import { formatDateTime } from '../format.js';
import { useT } from '../i18n.js';
import { OneTimeSecret } from './one-time-secret.js';
import type { StaffRole } from './staff-api.js';
import { useStaff } from './staff-app.js';

export interface StaffAccount {
  id: string;
  displayName: string;
  role: StaffRole;
  providerId?: string;
  createdAt: string;
  createdBy: string;
  disabledAt: string | null;
  passkeys: number;
}

export interface Enrolment {
  link: string;
  expiresAt: string;
}

/** The one-time enrolment link of an account, to hand to its holder. */
export function EnrolmentLink(props: { name: string; enrolment: Enrolment }) {
  const { t, language } = useT();
  return (
    <OneTimeSecret
      title={t('staff:accounts.linkTitle', { name: props.name })}
      testId="enrolment-link"
      rows={[{ label: t('staff:accounts.link'), value: props.enrolment.link, testId: 'enrolment-link-value' }]}
      copy={{ label: t('staff:accounts.copyLink'), value: props.enrolment.link }}
      note={t('staff:accounts.linkNote', { expiresAt: formatDateTime(props.enrolment.expiresAt, language) })}
    />
  );
}

interface ActionProps {
  /** The management routes' prefix: `/v1/operator/staff` or `/v1/provider/staff`. */
  apiBase: string;
  onLink: (name: string, enrolment: Enrolment) => void;
  onChanged: () => void;
  onFailure: (failure: ApiFailure) => void;
}

function AccountActions(props: ActionProps & { account: StaffAccount; self: boolean }) {
  const { t } = useT();
  const [confirming, setConfirming] = useState(false);
  const path = `${props.apiBase}/${encodeURIComponent(props.account.id)}`;
  if (props.account.disabledAt !== null) return null;
  async function newLink(): Promise<void> {
    const answer = await api<Enrolment>(`${path}/enrolment`, { method: 'POST' });
    if (answer.ok) props.onLink(props.account.displayName, answer.value);
    else props.onFailure(answer.failure);
  }
  async function disable(): Promise<void> {
    const answer = await api<StaffAccount>(path, { method: 'DELETE' });
    setConfirming(false);
    if (answer.ok) props.onChanged();
    else props.onFailure(answer.failure);
  }
  if (confirming) {
    return (
      <div class="confirm-inline" role="group" aria-label={t('staff:accounts.confirmDisable', { name: props.account.displayName })} data-testid="staff-disable-confirmation">
        <p>{t('staff:accounts.confirmDisable', { name: props.account.displayName })}</p>
        <div class="button-group">
          <Button kind="warning" onClick={() => void disable()} data-testid="staff-disable-confirm">
            {t('staff:accounts.disable')}
          </Button>
          <Button kind="secondary" onClick={() => setConfirming(false)}>
            {t('common:cancel')}
          </Button>
        </div>
      </div>
    );
  }
  return (
    <div class="button-group button-group-tight">
      <button type="button" class="link-button" onClick={() => void newLink()}>
        {t('staff:accounts.newLink')}
        <span class="visually-hidden"> {props.account.displayName}</span>
      </button>
      {!props.self && (
        <button type="button" class="link-button" onClick={() => setConfirming(true)}>
          {t('staff:accounts.disable')}
          <span class="visually-hidden"> {props.account.displayName}</span>
        </button>
      )}
    </div>
  );
}

/** The accounts, oldest first, with their actions; `showProvider` names each provider account's provider. */
export function StaffAccountsTable(props: ActionProps & { accounts: StaffAccount[]; showProvider: boolean }) {
  const { t, language } = useT();
  const me = useStaff();
  const { accounts, showProvider, ...actions } = props;
  return (
    <div data-testid="staff-accounts">
      <DataTable
        caption={t('staff:accounts.caption')}
        rows={accounts}
        rowKey={(account) => account.id}
        columns={[
          { key: 'name', header: t('staff:accounts.displayName'), cell: (account) => account.displayName },
          {
            key: 'role',
            header: t('staff:accounts.role'),
            cell: (account) => `${t(`staff:roles.${account.role}`)}${showProvider && account.providerId !== undefined ? ` (${account.providerId})` : ''}`,
          },
          { key: 'passkeys', header: t('staff:accounts.passkeys'), numeric: true, cell: (account) => account.passkeys },
          {
            key: 'state',
            header: t('staff:accounts.state'),
            cell: (account) =>
              account.disabledAt === null ? (
                <span class="tag tag-success" data-state="active">
                  {t('staff:accounts.active')}
                </span>
              ) : (
                <span class="tag" data-state="disabled">
                  {t('staff:accounts.disabledAt', { at: formatDateTime(account.disabledAt, language) })}
                </span>
              ),
          },
          { key: 'created', header: t('staff:accounts.created'), cell: (account) => formatDateTime(account.createdAt, language) },
          { key: 'actions', header: t('staff:accounts.actions'), cell: (account) => <AccountActions {...actions} account={account} self={account.id === me.id} /> },
        ]}
      />
    </div>
  );
}

/** A field a side adds to the form for some roles (the operator console's provider of a provider account). */
export interface ExtraStaffField {
  render: (role: StaffRole, errorOf: (fieldId: string) => { error?: string }) => ComponentChildren;
  check: (role: StaffRole) => FieldError[];
  body: (role: StaffRole) => Record<string, unknown>;
  /** The field a refusal of the platform belongs to, if it is this one. */
  fieldOf: (failure: ApiFailure) => string | undefined;
}

/** Creates an account with its name and role (and the side's extra field), then hands over its enrolment link. */
export function CreateStaffForm(props: { apiBase: string; roles: readonly StaffRole[]; extra?: ExtraStaffField; onLink: (name: string, enrolment: Enrolment) => void }) {
  const { t } = useT();
  const [displayName, setDisplayName] = useState('');
  const [role, setRole] = useState<StaffRole>(props.roles[0]!);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  const errorOf = (fieldId: string) => fieldErrorOf(errors, fieldId);
  async function submit(event: Event): Promise<void> {
    event.preventDefault();
    const found: FieldError[] = [...(displayName.trim() === '' ? [{ fieldId: 'displayName', message: t('staff:accounts.errors.displayName') }] : []), ...(props.extra?.check(role) ?? [])];
    setErrors(found);
    if (found.length > 0) return;
    setBusy(true);
    // Not idempotent on purpose (the link would be kept in a stored replay): a retry makes a second account.
    const answer = await api<{ staff: StaffAccount; enrolment: Enrolment }>(props.apiBase, { method: 'POST', json: { displayName: displayName.trim(), role, ...props.extra?.body(role) } });
    setBusy(false);
    if (!answer.ok) {
      const fieldId = answer.failure.param === 'displayName' ? 'displayName' : props.extra?.fieldOf(answer.failure);
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
              {props.roles.map((candidate) => (
                <option key={candidate} value={candidate}>
                  {t(`staff:roles.${candidate}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        {props.extra?.render(role, errorOf)}
        <Button type="submit" busy={busy} data-testid="staff-create">
          {t('staff:accounts.createSubmit')}
        </Button>
      </form>
    </section>
  );
}
