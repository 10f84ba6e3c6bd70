/**
 * The operator console (/operator/): the dashboard, campaigns (create from a preset or the form, new versions, the
 * dry run), providers and their keys, staff accounts, corrections of wrong bindings, settlement runs and the
 * audit log. The menu offers what the signed-in role may do; a page opened by its address that the role may not
 * use says so (the platform refuses it anyway). StaffApp (web/src/shared/staff) signs the staff member in.
 */
import { Route, Router } from 'preact-iso';
import { ButtonLink } from '../shared/components.js';
import { translate, useT } from '../shared/i18n.js';
import type { NavigationItem } from '../shared/staff/staff-app.js';
import type { StaffMe } from '../shared/staff/staff-api.js';
import { may } from './access.js';
import { AuditPage } from './pages/audit.js';
import { CampaignPage } from './pages/campaign.js';
import { CampaignsPage } from './pages/campaigns.js';
import { CorrectionsPage } from './pages/corrections.js';
import { DashboardPage } from './pages/dashboard.js';
import { DryRunPage } from './pages/dry-run.js';
import { NewCampaignPage } from './pages/new-campaign.js';
import { NewVersionPage } from './pages/new-version.js';
import { ProvidersPage } from './pages/providers.js';
import { SettlementPage, SettlementsPage } from './pages/settlements.js';
import { StaffPage } from './pages/staff.js';
import { OperatorHeading } from './ui.js';

/** The menu: what the role may open. */
export function navigationOf(me: StaffMe): NavigationItem[] {
  const items: Array<NavigationItem & { shown: boolean }> = [
    { href: '/operator/dashboard', label: translate('operator:nav.dashboard'), shown: true },
    { href: '/operator/campaigns', label: translate('operator:nav.campaigns'), shown: true },
    { href: '/operator/providers', label: translate('operator:nav.providers'), shown: true },
    { href: '/operator/corrections', label: translate('operator:nav.corrections'), shown: may(me.role, 'correct') },
    { href: '/operator/settlements', label: translate('operator:nav.settlements'), shown: may(me.role, 'settle') },
    { href: '/operator/staff', label: translate('operator:nav.staff'), shown: may(me.role, 'administer') },
    { href: '/operator/audit', label: translate('operator:nav.audit'), shown: true },
  ];
  return items.filter((item) => item.shown).map(({ href, label }) => ({ href, label }));
}

function NotFoundPage() {
  const { t } = useT();
  return (
    <>
      <OperatorHeading title={t('common:notFound.title')} />
      <p>{t('common:notFound.body')}</p>
      <ButtonLink href="/operator/dashboard">{t('operator:nav.dashboard')}</ButtonLink>
    </>
  );
}

export function OperatorRouter() {
  return (
    <Router>
      <Route path="/operator/" component={DashboardPage} />
      <Route path="/operator/dashboard" component={DashboardPage} />
      <Route path="/operator/campaigns" component={CampaignsPage} />
      <Route path="/operator/campaigns/new" component={NewCampaignPage} />
      <Route path="/operator/campaigns/dry-run" component={DryRunPage} />
      <Route path="/operator/campaigns/:campaignId" component={CampaignPage} />
      <Route path="/operator/campaigns/:campaignId/version" component={NewVersionPage} />
      <Route path="/operator/providers" component={ProvidersPage} />
      <Route path="/operator/corrections" component={CorrectionsPage} />
      <Route path="/operator/settlements" component={SettlementsPage} />
      <Route path="/operator/settlements/:providerId/:month" component={SettlementPage} />
      <Route path="/operator/staff" component={StaffPage} />
      <Route path="/operator/audit" component={AuditPage} />
      <Route default component={NotFoundPage} />
    </Router>
  );
}
