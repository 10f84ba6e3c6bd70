/**
 * The provider console's page frame: the heading (the page's one h1), loading and failure states read from the
 * API, and the plain message for a page the signed-in role may not open.
 */
import type { ComponentChildren } from 'preact';
import type { ApiFailure } from '../shared/api.js';
import { Loading, Notice, PageHeading } from '../shared/components.js';
import { failureMessage } from '../shared/failure.js';
import { useT } from '../shared/i18n.js';
import { useStaff } from '../shared/staff/staff-app.js';
import type { Loaded } from '../shared/use-api.js';

export function ProviderHeading(props: { title: string; caption?: string }) {
  const { t } = useT();
  return <PageHeading title={props.title} serviceName={t('provider:serviceName')} {...(props.caption === undefined ? {} : { caption: props.caption })} />;
}

/** A refusal of the platform, in the reader's language; a role refusal says so plainly. */
export function FailureNotice(props: { failure: ApiFailure }) {
  const { t } = useT();
  const forbidden = props.failure.code === 'staff_role_forbidden';
  return (
    <Notice kind="error" title={forbidden ? t('provider:forbidden.title') : t('provider:failed')} testId={forbidden ? 'role-forbidden' : 'provider-failure'}>
      <p data-code={props.failure.code}>{failureMessage(t, props.failure)}</p>
    </Notice>
  );
}

/** What a read gave: the content, a loading line, or the failure. */
export function LoadedView<T>(props: { data: Loaded<T>; children: (value: T) => ComponentChildren }) {
  const { t } = useT();
  if (props.data.status === 'loading') return <Loading label={t('common:loading')} />;
  if (props.data.status === 'failed') return <FailureNotice failure={props.data.failure} />;
  return <>{props.children(props.data.value)}</>;
}

/** A page for provider administrators: anyone else reads that their role cannot do this (the platform refuses it too). */
export function AdminOnly(props: { title: string; children: () => ComponentChildren }) {
  const me = useStaff();
  if (me.role === 'provider_admin') return <>{props.children()}</>;
  return (
    <>
      <ProviderHeading title={props.title} />
      <FailureNotice failure={{ status: 403, code: 'staff_role_forbidden', message: '' }} />
    </>
  );
}
