/** After a session ends: why it ended (logout, idle, the card taken out, a binding made), and how to log in again. */
import { ButtonLink, Notice, PageHeading } from '../../shared/components.js';
import { useT } from '../../shared/i18n.js';
import type { SignOutReason } from '../session.js';

const reasons: readonly SignOutReason[] = ['logout', 'idle', 'card_removed', 'bound', 'represented', 'expired'];

export function SignedOutPage() {
  const { t } = useT();
  const asked = new URLSearchParams(location.search).get('reason');
  const reason: SignOutReason = reasons.find((r) => r === asked) ?? 'logout';
  return (
    <>
      <PageHeading title={t('portal:signedOut.title')} serviceName={t('portal:serviceName')} />
      <Notice kind={reason === 'logout' ? 'success' : 'info'} title={t(`portal:signedOut.reasonTitle.${reason}`)} testId={`signed-out-${reason}`}>
        <p>{t(`portal:signedOut.${reason}`)}</p>
      </Notice>
      <p>{t('portal:signedOut.sharedTerminal')}</p>
      <ButtonLink href="/login">{t('portal:signedOut.loginAgain')}</ButtonLink>
    </>
  );
}
