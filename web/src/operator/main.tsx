import { render } from 'preact';
import '../shared/styles.css';
import { PageHeading } from '../shared/components.js';
import { initI18n, useT } from '../shared/i18n.js';
import { StaffApp } from '../shared/staff/staff-app.js';
import en from '../locales/en/operator.json';
import ja from '../locales/ja/operator.json';
import staffEn from '../locales/en/staff.json';
import staffJa from '../locales/ja/staff.json';

function Home() {
  const { t } = useT();
  return <PageHeading title={t('operator:serviceName')} serviceName={t('operator:serviceName')} />;
}

await initI18n({ ja: { operator: ja, staff: staffJa }, en: { operator: en, staff: staffEn } });
render(
  <StaffApp side="operator" serviceNameKey="operator:serviceName" navigation={() => []}>
    {() => <Home />}
  </StaffApp>,
  document.getElementById('app')!,
);
