/**
 * The provider console (/provider/): the grant feed, event files and settlement statements with their
 * reconciliation (every provider role), and the signing keys and staff accounts (provider_admin). The menu
 * offers what the signed-in role may do; a page opened by its address that the role may not use says so (the
 * platform refuses it anyway). StaffApp (web/src/shared/staff) signs the staff member in.
 */
import { Route, Router } from 'preact-iso';
import { ButtonLink } from '../shared/components.js';
import { translate, useT } from '../shared/i18n.js';
import type { NavigationItem } from '../shared/staff/staff-app.js';
import type { StaffMe } from '../shared/staff/staff-api.js';
import { EventFilePage, EventFilesPage } from './pages/event-files.js';
import { GrantsPage } from './pages/grants.js';
import { KeysPage } from './pages/keys.js';
import { SettlementPage, SettlementsPage } from './pages/settlements.js';
import { StaffPage } from './pages/staff.js';
import { ProviderHeading } from './ui.js';

/** The menu: the provider's data for every provider role; keys and staff for administrators. */
export function navigationOf(me: StaffMe): NavigationItem[] {
  return [
    { href: '/provider/grants', label: translate('provider:nav.grants') },
    { href: '/provider/event-files', label: translate('provider:nav.eventFiles') },
    { href: '/provider/settlements', label: translate('provider:nav.settlements') },
    ...(me.role === 'provider_admin'
      ? [
          { href: '/provider/keys', label: translate('provider:nav.keys') },
          { href: '/provider/staff', label: translate('provider:nav.staff') },
        ]
      : []),
  ];
}

function HomePage() {
  const { t } = useT();
  return (
    <>
      <ProviderHeading title={t('provider:home.title')} />
      <p class="lead">{t('provider:home.body')}</p>
      <div class="button-group">
        <ButtonLink href="/provider/grants">{t('provider:nav.grants')}</ButtonLink>
        <ButtonLink href="/provider/event-files" kind="secondary">
          {t('provider:nav.eventFiles')}
        </ButtonLink>
        <ButtonLink href="/provider/settlements" kind="secondary">
          {t('provider:nav.settlements')}
        </ButtonLink>
      </div>
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
      <Route path="/provider/grants" component={GrantsPage} />
      <Route path="/provider/keys" component={KeysPage} />
      <Route path="/provider/staff" component={StaffPage} />
      <Route path="/provider/settlements" component={SettlementsPage} />
      <Route path="/provider/settlements/:month" component={SettlementPage} />
      <Route path="/provider/event-files" component={EventFilesPage} />
      <Route path="/provider/event-files/:fileId" component={EventFilePage} />
      <Route default component={NotFoundPage} />
    </Router>
  );
}
