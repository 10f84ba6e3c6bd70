/**
 * The citizen portal (/): start page, card login through the card agent, the person's Mykey ID, campaigns,
 * bindings and points, applying (with a check-your-answers step and a confirmation page), same-day cancel, and a
 * legal representative acting for a minor. It reads the session state once at start (GET /v1/citizen/me: the
 * cookie is HttpOnly, so only the platform can say whether it holds a session).
 */
import { useEffect, useState } from 'preact/hooks';
import { LocationProvider, Route, Router } from 'preact-iso';
import { api, setCsrfToken } from '../shared/api.js';
import { Button, Layout, Loading, Notice } from '../shared/components.js';
import { useT } from '../shared/i18n.js';
import type { CitizenMe, PortalConfig } from '../shared/types.js';
import { agentStatus } from './agent-client.js';
import { AccountPage } from './pages/account.js';
import { AppliedPage } from './pages/applied.js';
import { ApplyPage } from './pages/apply.js';
import { LoginPage } from './pages/login.js';
import { NotFoundPage } from './pages/not-found.js';
import { PointsPage } from './pages/points.js';
import { RepresentPage } from './pages/represent.js';
import { SignedOutPage } from './pages/signed-out.js';
import { StartPage } from './pages/start.js';
import { formatMykeyId } from '../shared/mykey-id.js';
import { PortalProvider, usePortal, type SignedIn } from './session.js';

function IdleWarning() {
  const { t } = useT();
  const { idleWarning, stayActive, signOut } = usePortal();
  if (!idleWarning) return null;
  return (
    <div class="container" data-testid="idle-warning">
      <Notice kind="warning" title={t('portal:idle.title')}>
        <p>{t('portal:idle.body')}</p>
        <div class="button-group">
          <Button onClick={stayActive} autoFocus>
            {t('portal:idle.stay')}
          </Button>
          <Button kind="secondary" onClick={() => void signOut('logout')}>
            {t('common:session.signOut')}
          </Button>
        </div>
      </Notice>
    </div>
  );
}

function Frame() {
  const { t } = useT();
  const { session, signOut } = usePortal();
  const serviceName = t('portal:serviceName');
  return (
    <Layout
      header={{
        serviceName,
        homeHref: session === null ? '/' : '/account',
        ...(session === null
          ? {}
          : { sessionLabel: t('portal:session.whose', { mykeyId: formatMykeyId(session.mykeyId) }), onSignOut: () => void signOut('logout'), signOutLabel: t('portal:session.logout') }),
      }}
    >
      <IdleWarning />
      <Router>
        <Route path="/" component={StartPage} />
        <Route path="/login" component={LoginPage} />
        <Route path="/account" component={AccountPage} />
        <Route path="/apply/:campaignId" component={ApplyPage} />
        <Route path="/applied" component={AppliedPage} />
        <Route path="/points/:campaignId" component={PointsPage} />
        <Route path="/represent" component={RepresentPage} />
        <Route path="/signed-out" component={SignedOutPage} />
        <Route default component={NotFoundPage} />
      </Router>
    </Layout>
  );
}

type Boot = { status: 'loading' } | { status: 'ready'; config: PortalConfig; initial: SignedIn | null } | { status: 'unreachable' };

export function PortalApp() {
  const { t } = useT();
  const [boot, setBoot] = useState<Boot>({ status: 'loading' });
  useEffect(() => {
    void (async () => {
      const config = await api<PortalConfig>('/v1/portal/config');
      if (!config.ok) return setBoot({ status: 'unreachable' });
      const me = await api<CitizenMe>('/v1/citizen/me');
      if (!me.ok) return setBoot({ status: 'ready', config: config.value, initial: null });
      // A session from before a reload: keep watching the card that is in the reader now.
      const status = await agentStatus(config.value.cardAgentUrl);
      setCsrfToken(me.value.csrfToken);
      return setBoot({ status: 'ready', config: config.value, initial: { mykeyId: me.value.mykeyId, insertionId: status.ok ? (status.value.card?.insertionId ?? null) : null } });
    })();
  }, []);
  if (boot.status === 'loading') return <Loading label={t('common:loading')} />;
  if (boot.status === 'unreachable') {
    return (
      <main id="main" class="container main">
        <Notice kind="error" title={t('errors:client.platform_unreachable.title')}>
          <p>{t('errors:client.platform_unreachable.body')}</p>
        </Notice>
      </main>
    );
  }
  return (
    <LocationProvider>
      <PortalProvider config={boot.config} initial={boot.initial}>
        <Frame />
      </PortalProvider>
    </LocationProvider>
  );
}
