import { render } from 'preact';
import '../shared/styles.css';
import { Layout, PageHeading } from '../shared/components.js';
import { initI18n, useT } from '../shared/i18n.js';
import en from '../locales/en/operator.json';
import ja from '../locales/ja/operator.json';

function Console() {
  const { t } = useT();
  return (
    <Layout header={{ serviceName: t('operator:serviceName'), homeHref: '/operator/' }}>
      <PageHeading title={t('operator:serviceName')} serviceName={t('operator:serviceName')} />
    </Layout>
  );
}

await initI18n({ ja: { operator: ja }, en: { operator: en } });
render(<Console />, document.getElementById('app')!);
