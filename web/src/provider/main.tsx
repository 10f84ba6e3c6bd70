import { render } from 'preact';
import '../shared/styles.css';
import { PageHeading } from '../shared/components.js';
import { initI18n, useT } from '../shared/i18n.js';
import { StaffApp } from '../shared/staff/staff-app.js';
import en from '../locales/en/provider.json';
import ja from '../locales/ja/provider.json';
import staffEn from '../locales/en/staff.json';
import staffJa from '../locales/ja/staff.json';

function Home() {
  const { t } = useT();
  return <PageHeading title={t('provider:serviceName')} serviceName={t('provider:serviceName')} />;
}

await initI18n({ ja: { provider: ja, staff: staffJa }, en: { provider: en, staff: staffEn } });
render(
  <StaffApp side="provider" serviceNameKey="provider:serviceName" navigation={() => []}>
    {() => <Home />}
  </StaffApp>,
  document.getElementById('app')!,
);
