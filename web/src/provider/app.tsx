/**
 * The provider console (/provider/): the provider's signing keys (provider_admin) and its event files. The menu
 * offers what the signed-in role may do; a page opened by its address that the role may not use says so (the
 * platform refuses it anyway). StaffApp (web/src/shared/staff) signs the staff member in.
 */
import { Route, Router } from 'preact-iso';
import { ButtonLink } from '../shared/components.js';
import { translate, useT } from '../shared/i18n.js';
import type { NavigationItem } from '../shared/staff/staff-app.js';
import type { StaffMe } from '../shared/staff/staff-api.js';
import { EventFilePage, EventFilesPage } from './pages/event-files.js';
import { KeysPage } from './pages/keys.js';
import { ProviderHeading } from './ui.js';

/** The menu: keys for administrators, event files for every provider role. */
export function navigationOf(me: StaffMe): NavigationItem[] {
  return [
    { href: '/provider/event-files', label: translate('provider:nav.eventFiles') },
    ...(me.role === 'provider_admin' ? [{ href: '/provider/keys', label: translate('provider:nav.keys') }] : []),
  ];
}

function HomePage() {
  const { t } = useT();
  return (
    <>
      <ProviderHeading title={t('provider:home.title')} />
      <p class="lead">{t('provider:home.body')}</p>
      <ButtonLink href="/provider/event-files">{t('provider:nav.eventFiles')}</ButtonLink>
    </>
  );
}

function NotFoundPage() {
  const { t } = useT();
  return (
    <>
      <ProviderHeading title={t('common:notFound.title')} />
      <p>{t('common:notFound.body')}</p>
      <ButtonLink href="/provider/">{t('provider:home.title')}</ButtonLink>
    </>
  );
}

export function ProviderRouter() {
  return (
    <Router>
      <Route path="/provider/" component={HomePage} />
      <Route path="/provider/keys" component={KeysPage} />
      <Route path="/provider/event-files" component={EventFilesPage} />
      <Route path="/provider/event-files/:fileId" component={EventFilePage} />
      <Route default component={NotFoundPage} />
    </Router>
  );
}
