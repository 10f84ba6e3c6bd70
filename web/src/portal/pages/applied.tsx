/** The confirmation page of a binding: what was applied for, what happens next, and that the session has ended. */
import { useState } from 'preact/hooks';
import { ButtonLink, Notice, PageHeading, Panel, SummaryList } from '../../shared/components.js';
import { formatDateTime } from '../../shared/format.js';
import { useT } from '../../shared/i18n.js';
import { takeConfirmation } from '../confirmation.js';
import { formatMykeyId } from '../../shared/mykey-id.js';

export function AppliedPage() {
  const { t, language } = useT();
  const [confirmation] = useState(takeConfirmation);
  if (confirmation === undefined) {
    return (
      <>
        <PageHeading title={t('portal:signedOut.title')} serviceName={t('portal:serviceName')} />
        <p>{t('portal:signedOut.bound')}</p>
        <ButtonLink href="/login">{t('portal:signedOut.loginAgain')}</ButtonLink>
      </>
    );
  }
  return (
    <>
      <PageHeading title={t('portal:apply.doneTitle')} serviceName={t('portal:serviceName')} />
      <Panel title={t('portal:apply.donePanel')}>
        <p>{confirmation.campaignName}</p>
      </Panel>
      <SummaryList
        rows={[
          ...(confirmation.onBehalfOf === undefined ? [] : [{ key: t('portal:apply.checkFor'), value: t('portal:apply.forRepresented', { mykeyId: formatMykeyId(confirmation.onBehalfOf) }) }]),
          { key: t('portal:apply.checkService'), value: confirmation.serviceName },
          { key: t('portal:apply.accountRef'), value: confirmation.accountRef },
          { key: t('portal:apply.boundAt'), value: formatDateTime(confirmation.boundAt, language) },
        ]}
      />
      <h2>{t('portal:apply.nextTitle')}</h2>
      <p>{t('portal:apply.nextBody')}</p>
      <Notice kind="info" title={t('portal:apply.loggedOutTitle')}>
        <p>{t('portal:apply.loggedOutBody')}</p>
      </Notice>
      <ButtonLink href="/login">{t('portal:signedOut.loginAgain')}</ButtonLink>
    </>
  );
}
