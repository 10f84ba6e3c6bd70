import { render } from 'preact';
import '../shared/styles.css';
import './provider.css';
import { initI18n } from '../shared/i18n.js';
import { StaffApp } from '../shared/staff/staff-app.js';
import en from '../locales/en/provider.json';
import ja from '../locales/ja/provider.json';
import staffEn from '../locales/en/staff.json';
import staffJa from '../locales/ja/staff.json';
import settlementEn from '../locales/en/settlement.json';
import settlementJa from '../locales/ja/settlement.json';
import { navigationOf, ProviderRouter } from './app.js';

await initI18n({ ja: { provider: ja, staff: staffJa, settlement: settlementJa }, en: { provider: en, staff: staffEn, settlement: settlementEn } });
render(
  <StaffApp side="provider" serviceNameKey="provider:serviceName" navigation={navigationOf}>
    {() => <ProviderRouter />}
  </StaffApp>,
  document.getElementById('app')!,
);
