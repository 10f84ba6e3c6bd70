import { render } from 'preact';
import '../shared/styles.css';
import { initI18n } from '../shared/i18n.js';
import en from '../locales/en/portal.json';
import ja from '../locales/ja/portal.json';
import { PortalApp } from './app.js';

await initI18n({ ja: { portal: ja }, en: { portal: en } });
render(<PortalApp />, document.getElementById('app')!);
