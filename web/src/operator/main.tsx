import { render } from 'preact';
import '../shared/styles.css';
import './operator.css';
import { initI18n } from '../shared/i18n.js';
import { StaffApp } from '../shared/staff/staff-app.js';
import en from '../locales/en/operator.json';
import ja from '../locales/ja/operator.json';
import staffEn from '../locales/en/staff.json';
import staffJa from '../locales/ja/staff.json';
import settlementEn from '../locales/en/settlement.json';
import settlementJa from '../locales/ja/settlement.json';
import { navigationOf, OperatorRouter } from './app.js';

await initI18n({ ja: { operator: ja, staff: staffJa, settlement: settlementJa }, en: { operator: en, staff: staffEn, settlement: settlementEn } });
render(
  <StaffApp side="operator" serviceNameKey="operator:serviceName" navigation={navigationOf}>
    {() => <OperatorRouter />}
  </StaffApp>,
  document.getElementById('app')!,
);
