import { render } from 'preact';
import '../shared/styles.css';
import { Layout, PageHeading } from '../shared/components.js';
import { initI18n, useT } from '../shared/i18n.js';
import en from '../locales/en/provider.json';
import ja from '../locales/ja/provider.json';

function Console() {
  const { t } = useT();
  return (
    <Layout header={{ serviceName: t('provider:serviceName'), homeHref: '/provider/' }}>
      <PageHeading title={t('provider:serviceName')} serviceName={t('provider:serviceName')} />
    </Layout>
  );
}

await initI18n({ ja: { provider: ja }, en: { provider: en } });
render(<Console />, document.getElementById('app')!);
