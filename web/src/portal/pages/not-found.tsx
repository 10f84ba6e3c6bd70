/** A path the portal does not know. */
import { ButtonLink, PageHeading } from '../../shared/components.js';
import { useT } from '../../shared/i18n.js';

export function NotFoundPage() {
  const { t } = useT();
  return (
    <>
      <PageHeading title={t('common:notFound.title')} serviceName={t('portal:serviceName')} />
      <p>{t('common:notFound.body')}</p>
      <ButtonLink href="/">{t('common:notFound.home')}</ButtonLink>
    </>
  );
}
