/**
 * The pages a staff member meets before the console: enrolment of a passkey from a one-time link, sign-in with a
 * passkey, and the page for a session of the other side (an operator in the provider console, or the reverse).
 */
import { useEffect, useState } from 'preact/hooks';
import type { ApiFailure } from '../api.js';
import { Button, Notice, PageHeading, SummaryList } from '../components.js';
import { failureMessage } from '../failure.js';
import { useT } from '../i18n.js';
import { enrolmentInvite, enrolPasskey, sideOf, signInWithPasskey, signOutStaff, type EnrolmentInvite, type StaffMe, type StaffSide } from './staff-api.js';

export type SignInNotice = 'signed-out' | 'expired';

function FailureNotice(props: { failure: ApiFailure | undefined }) {
  const { t } = useT();
  if (props.failure === undefined) return null;
  return (
    <Notice kind="error" title={t('staff:failed')} testId="staff-failure">
      <p>{failureMessage(t, props.failure)}</p>
    </Notice>
  );
}

export function SignInPage(props: { side: StaffSide; serviceName: string; notice?: SignInNotice; onSignedIn: (me: StaffMe) => void }) {
  const { t } = useT();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<ApiFailure>();
  async function signIn(): Promise<void> {
    setBusy(true);
    setFailure(undefined);
    const answer = await signInWithPasskey();
    setBusy(false);
    if (answer.ok) props.onSignedIn(answer.value);
    else setFailure(answer.failure);
  }
  return (
    <>
      <PageHeading title={t('staff:signIn.title')} serviceName={props.serviceName} caption={props.serviceName} />
      {props.notice !== undefined && failure === undefined && <Notice kind="info" title={t(`staff:signIn.notice.${props.notice}`)} testId={`staff-${props.notice}`} />}
      <FailureNotice failure={failure} />
      <p class="lead">{t('staff:signIn.body')}</p>
      <Button onClick={() => void signIn()} busy={busy} data-testid="staff-sign-in">
        {t('staff:signIn.button')}
      </Button>
      <h2>{t('staff:signIn.noAccount.title')}</h2>
      <p>{t(`staff:signIn.noAccount.${props.side}`)}</p>
    </>
  );
}

/** Reads the link's token from the fragment once, and takes it out of the address bar and the history. */
function takeTokenFromFragment(): string {
  const token = decodeURIComponent(window.location.hash.replace(/^#/, ''));
  if (token !== '') window.history.replaceState(window.history.state, '', window.location.pathname);
  return token;
}

type Invite = { kind: 'loading' } | { kind: 'missing' } | { kind: 'refused'; failure: ApiFailure } | { kind: 'ready'; invite: EnrolmentInvite };

export function EnrolPage(props: { side: StaffSide; serviceName: string; onEnrolled: (me: StaffMe) => void }) {
  const { t } = useT();
  const [token] = useState(takeTokenFromFragment);
  const [invite, setInvite] = useState<Invite>(token === '' ? { kind: 'missing' } : { kind: 'loading' });
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<ApiFailure>();
  useEffect(() => {
    if (token === '') return;
    void enrolmentInvite(token).then((answer) => setInvite(answer.ok ? { kind: 'ready', invite: answer.value } : { kind: 'refused', failure: answer.failure }));
  }, [token]);

  async function enrol(ready: EnrolmentInvite): Promise<void> {
    setBusy(true);
    setFailure(undefined);
    const answer = await enrolPasskey(token, ready);
    setBusy(false);
    if (answer.ok) props.onEnrolled(answer.value);
    else setFailure(answer.failure);
  }

  const heading = <PageHeading title={t('staff:enrol.title')} serviceName={props.serviceName} caption={props.serviceName} />;
  if (invite.kind === 'loading') return heading;
  if (invite.kind === 'missing' || invite.kind === 'refused') {
    return (
      <>
        {heading}
        <Notice kind="error" title={t('staff:enrol.unusable')} testId="staff-enrol-unusable">
          <p>{invite.kind === 'missing' ? t('staff:enrol.missingToken') : failureMessage(t, invite.failure)}</p>
        </Notice>
      </>
    );
  }
  const { staff } = invite.invite;
  return (
    <>
      {heading}
      <FailureNotice failure={failure} />
      <p class="lead">{t('staff:enrol.body')}</p>
      <SummaryList
        rows={[
          { key: t('staff:enrol.name'), value: staff.displayName },
          { key: t('staff:enrol.role'), value: t(`staff:roles.${staff.role}`) },
          ...(staff.providerId === undefined ? [] : [{ key: t('staff:enrol.provider'), value: staff.providerId }]),
        ]}
      />
      <p>{t('staff:enrol.device')}</p>
      <Button onClick={() => void enrol(invite.invite)} busy={busy} data-testid="staff-enrol">
        {t('staff:enrol.button')}
      </Button>
    </>
  );
}

export function WrongConsolePage(props: { side: StaffSide; me: StaffMe; serviceName: string }) {
  const { t } = useT();
  const other = sideOf(props.me.role);
  return (
    <>
      <PageHeading title={t('staff:wrongConsole.title')} serviceName={props.serviceName} />
      <Notice kind="warning" title={t(`staff:wrongConsole.${props.side}`)} testId="staff-wrong-console">
        <p>
          <a href={`/${other}/`}>{t(`staff:wrongConsole.open.${other}`)}</a>
        </p>
      </Notice>
      <Button kind="secondary" onClick={() => void signOutStaff().then(() => window.location.reload())}>
        {t('staff:session.signOut')}
      </Button>
    </>
  );
}
