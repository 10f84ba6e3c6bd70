/**
 * Applying (申込): one binding per person and campaign, final once made. Three questions — the payment service,
 * the payment-service ID and security code — then "check your answers", which says plainly that the choice is
 * final and whose card signs it; the card agent shows the same details before the PIN and refuses to sign any
 * other. The confirmation page follows; the session ends with the binding (shared terminals).
 */
import { useState } from 'preact/hooks';
import { useLocation, useRoute } from 'preact-iso';
import { api, newIdempotencyKey } from '../../shared/api.js';
import { Button, ButtonLink, ErrorSummary, Field, Loading, Notice, PageHeading, SummaryList, type FieldError } from '../../shared/components.js';
import { failureMessage, type KnownFailure } from '../../shared/failure.js';
import { useT, type Translate } from '../../shared/i18n.js';
import type { Campaign, ProviderService } from '../../shared/types.js';
import { agentSign, openAgentWindow } from '../agent-client.js';
import { eligibleServices, isApplicationOpen } from '../campaigns.js';
import { usePortalData } from '../data.js';
import { campaignName } from '../../shared/format.js';
import { formatMykeyId } from '../../shared/mykey-id.js';
import { rememberConfirmation } from '../confirmation.js';
import { usePortal } from '../session.js';
import { PinInAgentWindow } from './login.js';

type Step = 'service' | 'account' | 'check' | 'signing';

interface Answers {
  providerServiceId: string;
  accountRef: string;
  securityCode: string;
}

interface Bound {
  campaignId: string;
  providerServiceId: string;
  accountRef: string;
  boundAt: string;
  sessionEnded: boolean;
}

/** Twelve digits (with or without separators) look like a My Number: never sent (the platform refuses it too). */
const myNumberShape = /^\d{4}[ -]?\d{4}[ -]?\d{4}$/;

function accountErrors(t: Translate, answers: Answers): FieldError[] {
  const errors: FieldError[] = [];
  const accountRef = answers.accountRef.trim();
  if (accountRef === '') errors.push({ fieldId: 'accountRef', message: t('portal:apply.errors.accountRefRequired') });
  else if (myNumberShape.test(accountRef)) errors.push({ fieldId: 'accountRef', message: t('portal:apply.errors.myNumber') });
  if (answers.securityCode.trim() === '') errors.push({ fieldId: 'securityCode', message: t('portal:apply.errors.securityCodeRequired') });
  else if (myNumberShape.test(answers.securityCode.trim())) errors.push({ fieldId: 'securityCode', message: t('portal:apply.errors.myNumber') });
  return errors;
}

/** Where a refusal of the platform belongs: a field the person can fix, or the whole application. */
function placeFailure(failure: KnownFailure & { param?: string }): { step: Step; fieldId?: string } {
  switch (failure.code) {
    case 'account_verification_failed':
    case 'account_already_bound':
    case 'national_id_number_refused':
      return { step: 'account', fieldId: 'accountRef' };
    case 'provider_service_not_eligible':
    case 'provider_service_not_found':
      return { step: 'service', fieldId: 'service-0' };
    default:
      return { step: 'check' };
  }
}

function ServiceStep(props: { campaign: Campaign; services: ProviderService[]; answers: Answers; onNext: (serviceId: string) => void }) {
  const { t } = useT();
  const [chosen, setChosen] = useState(props.answers.providerServiceId);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const next = (event: Event): void => {
    event.preventDefault();
    if (chosen === '') return setErrors([{ fieldId: 'service-0', message: t('portal:apply.errors.serviceRequired') }]);
    return props.onNext(chosen);
  };
  return (
    <form onSubmit={next} noValidate>
      <ErrorSummary errors={errors} />
      <fieldset class={errors.length > 0 ? 'field field-error' : 'field'} aria-describedby="service-hint">
        <legend>{t('portal:apply.serviceQuestion')}</legend>
        <p class="hint" id="service-hint">
          {t('portal:apply.serviceHint')}
        </p>
        {errors.length > 0 && <p class="error-message">{errors[0]!.message}</p>}
        <div class="radios">
          {props.services.map((service, index) => (
            <label class="radio" key={service.id} for={`service-${index}`}>
              <input type="radio" id={`service-${index}`} name="service" value={service.id} checked={chosen === service.id} onChange={() => setChosen(service.id)} />
              <span>
                {service.name}
                <span class="radio-hint">{service.providerName}</span>
              </span>
            </label>
          ))}
        </div>
      </fieldset>
      <Button type="submit">{t('common:continue')}</Button>
    </form>
  );
}

function AccountStep(props: { service: ProviderService; answers: Answers; serverError?: FieldError; onNext: (answers: Answers) => void; onBack: () => void }) {
  const { t } = useT();
  const [answers, setAnswers] = useState(props.answers);
  const [errors, setErrors] = useState<FieldError[]>(props.serverError === undefined ? [] : [props.serverError]);
  const errorOf = (fieldId: string) => errors.find((e) => e.fieldId === fieldId)?.message;
  const next = (event: Event): void => {
    event.preventDefault();
    const found = accountErrors(t, answers);
    setErrors(found);
    if (found.length === 0) props.onNext({ ...answers, accountRef: answers.accountRef.trim(), securityCode: answers.securityCode.trim() });
  };
  return (
    <form onSubmit={next} noValidate>
      <ErrorSummary errors={errors} />
      <h2>{t('portal:apply.accountQuestion', { service: props.service.name })}</h2>
      <p>{t('portal:apply.accountIntro')}</p>
      <Field id="accountRef" label={t('portal:apply.accountRef')} hint={t('portal:apply.accountRefHint')} {...(errorOf('accountRef') === undefined ? {} : { error: errorOf('accountRef')! })}>
        {(described) => (
          <input
            {...described}
            class="input"
            name="accountRef"
            autocomplete="off"
            spellcheck={false}
            value={answers.accountRef}
            onInput={(event) => setAnswers({ ...answers, accountRef: (event.target as HTMLInputElement).value })}
          />
        )}
      </Field>
      <Field id="securityCode" label={t('portal:apply.securityCode')} hint={t('portal:apply.securityCodeHint')} {...(errorOf('securityCode') === undefined ? {} : { error: errorOf('securityCode')! })}>
        {(described) => (
          <input
            {...described}
            class="input input-short"
            name="securityCode"
            type="password"
            autocomplete="off"
            value={answers.securityCode}
            onInput={(event) => setAnswers({ ...answers, securityCode: (event.target as HTMLInputElement).value })}
          />
        )}
      </Field>
      <div class="button-group">
        <Button type="submit">{t('common:continue')}</Button>
        <Button kind="secondary" onClick={props.onBack}>
          {t('common:back')}
        </Button>
      </div>
    </form>
  );
}

export function ApplyPage() {
  const { t, language } = useT();
  const { params } = useRoute();
  const { route } = useLocation();
  const { config, session, signOut } = usePortal();
  const { data } = usePortalData();
  const onBehalfOf = new URLSearchParams(location.search).get('for') ?? undefined;
  const [step, setStep] = useState<Step>('service');
  const [answers, setAnswers] = useState<Answers>({ providerServiceId: '', accountRef: '', securityCode: '' });
  const [failure, setFailure] = useState<(KnownFailure & { fieldId?: string }) | undefined>();
  const [windowOpened, setWindowOpened] = useState(true);
  // One key for this application, made when the person first reaches "check your answers", kept across retries.
  const [idempotencyKey, setIdempotencyKey] = useState<string>();

  if (data.status === 'loading' || session === null) return <Loading label={t('common:loading')} />;
  if (data.status === 'failed') {
    return (
      <Notice kind="error" title={t('portal:account.loadFailed')}>
        <p>{failureMessage(t, { code: data.code })}</p>
      </Notice>
    );
  }
  const campaign = data.value.campaigns.find((c) => c.id === params.campaignId);
  if (campaign === undefined || !isApplicationOpen(campaign, Date.now())) {
    return (
      <>
        <PageHeading title={t('portal:apply.closedTitle')} serviceName={t('portal:serviceName')} />
        <p>{t('portal:apply.closedBody')}</p>
        <ButtonLink href="/account">{t('portal:apply.backToAccount')}</ButtonLink>
      </>
    );
  }
  const services = eligibleServices(campaign, data.value.services);
  const service = services.find((s) => s.id === answers.providerServiceId);
  const subject = onBehalfOf === undefined ? t('portal:apply.forYou') : t('portal:apply.forRepresented', { mykeyId: formatMykeyId(onBehalfOf) });

  async function submit(): Promise<void> {
    if (campaign === undefined || service === undefined || idempotencyKey === undefined) return;
    setWindowOpened(openAgentWindow(config.cardAgentUrl));
    setFailure(undefined);
    setStep('signing');
    const binding = { campaignId: campaign.id, providerServiceId: service.id, accountRef: answers.accountRef, ...(onBehalfOf === undefined ? {} : { onBehalfOf }) };
    const fail = (next: KnownFailure & { param?: string }): void => {
      const placed = placeFailure(next);
      setFailure({ ...next, ...(placed.fieldId === undefined ? {} : { fieldId: placed.fieldId }) });
      setStep(placed.step);
    };
    const challenge = await api<{ challengeId: string; nonce: string }>('/v1/citizen/bindings/challenge', { method: 'POST', json: binding });
    if (!challenge.ok) return fail(challenge.failure);
    const signed = await agentSign(config.cardAgentUrl, { purpose: 'bind', nonce: challenge.value.nonce, binding, display: { campaignName: campaignName(campaign, language), serviceName: service.name } });
    if (!signed.ok) return fail(signed.failure);
    const made = await api<Bound>('/v1/citizen/bindings', {
      method: 'POST',
      idempotencyKey,
      json: { challengeId: challenge.value.challengeId, authToken: signed.value.authToken, binding, securityCode: answers.securityCode },
    });
    if (!made.ok) return fail(made.failure);
    rememberConfirmation({ ...made.value, campaignName: campaignName(campaign, language), serviceName: service.name, ...(onBehalfOf === undefined ? {} : { onBehalfOf }) });
    // The platform ended the session with the binding (shared terminals); the page forgets it too.
    if (made.value.sessionEnded) return signOut('bound', { alreadyEnded: true, to: '/applied' });
    return route('/applied');
  }

  const apiFieldError = failure !== undefined && failure.fieldId !== undefined ? { fieldId: failure.fieldId, message: failureMessage(t, failure) } : undefined;
  return (
    <>
      <PageHeading title={t('portal:apply.title', { campaign: campaignName(campaign, language) })} caption={subject} serviceName={t('portal:serviceName')} />
      {failure !== undefined && failure.fieldId === undefined && (
        <Notice kind="error" title={t('portal:apply.failedTitle')} testId="apply-failed">
          <p data-code={failure.code}>{failureMessage(t, failure)}</p>
        </Notice>
      )}
      {step === 'service' && (
        <ServiceStep
          campaign={campaign}
          services={services}
          answers={answers}
          onNext={(providerServiceId) => {
            setAnswers({ ...answers, providerServiceId });
            setFailure(undefined);
            setStep('account');
          }}
        />
      )}
      {step === 'account' && service !== undefined && (
        <AccountStep
          service={service}
          answers={answers}
          {...(apiFieldError === undefined ? {} : { serverError: apiFieldError })}
          onBack={() => setStep('service')}
          onNext={(next) => {
            setAnswers(next);
            setFailure(undefined);
            setIdempotencyKey(newIdempotencyKey());
            setStep('check');
          }}
        />
      )}
      {(step === 'check' || step === 'signing') && service !== undefined && (
        <>
          <h2>{t('portal:apply.checkTitle')}</h2>
          <SummaryList
            rows={[
              { key: t('portal:apply.checkCampaign'), value: campaignName(campaign, language) },
              { key: t('portal:apply.checkFor'), value: subject },
              { key: t('portal:apply.checkService'), value: `${service.name} (${service.providerName})`, change: { onClick: () => setStep('service'), label: t('common:change') } },
              { key: t('portal:apply.accountRef'), value: answers.accountRef, change: { onClick: () => setStep('account'), label: t('common:change') } },
              { key: t('portal:apply.securityCode'), value: t('portal:apply.securityCodeHidden'), change: { onClick: () => setStep('account'), label: t('common:change') } },
            ]}
          />
          <Notice kind="warning" title={t('portal:apply.finalTitle')} testId="final-warning">
            <p>{t('portal:apply.finalBody', { campaign: campaignName(campaign, language) })}</p>
            <p>{t(onBehalfOf === undefined ? 'portal:apply.whoSigns' : 'portal:apply.whoSignsForRepresented', { mykeyId: formatMykeyId(session.mykeyId), represented: formatMykeyId(onBehalfOf ?? '') })}</p>
            <p>{t('portal:apply.sessionEnds')}</p>
          </Notice>
          {step === 'signing' ? (
            <PinInAgentWindow agentUrl={config.cardAgentUrl} windowOpened={windowOpened} />
          ) : (
            <Button onClick={() => void submit()} data-testid="apply-button">
              {t('portal:apply.submit')}
            </Button>
          )}
        </>
      )}
    </>
  );
}

