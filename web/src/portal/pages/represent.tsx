/**
 * A legal representative (DESIGN.md §1) adds a person they represent — a child under 15 or an adult ward — with
 * that person's card and PIN: the representative says which relation they have (a card cannot tell), takes their
 * own card out and puts the other person's in; the card agent shows "add yourself as represented by …" before the
 * PIN. Because the card in the reader changed, the session ends afterwards: the representative logs in again with
 * their own card to apply on the other person's behalf.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, newIdempotencyKey } from '../../shared/api.js';
import { Button, ErrorSummary, Notice, PageHeading, Panel, type FieldError } from '../../shared/components.js';
import { failureMessage, type KnownFailure } from '../../shared/failure.js';
import { useT } from '../../shared/i18n.js';
import { agentSign, openAgentWindow } from '../agent-client.js';
import { formatMykeyId } from '../../shared/mykey-id.js';
import { usePortal } from '../session.js';
import { PinInAgentWindow } from './login.js';

const relations = ['parental_authority', 'minor_guardian', 'adult_guardian'] as const;
type Relation = (typeof relations)[number];

type Step = { kind: 'relation' } | { kind: 'swap' } | { kind: 'signing'; windowOpened: boolean } | { kind: 'done'; mykeyId: string; created: boolean };

export function RepresentPage() {
  const { t } = useT();
  const { config, session, signOut, setCardSwapExpected } = usePortal();
  const [relation, setRelation] = useState<Relation | ''>('');
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [step, setStep] = useState<Step>({ kind: 'relation' });
  const [failure, setFailure] = useState<KnownFailure>();
  const [idempotencyKey] = useState(newIdempotencyKey);
  // Leaving this page puts the card watch back.
  useEffect(() => () => setCardSwapExpected(false), [setCardSwapExpected]);
  if (session === null) return null;

  function chooseRelation(event: Event): void {
    event.preventDefault();
    if (relation === '') return setErrors([{ fieldId: `relation-${relations[0]}`, message: t('portal:represent.relationRequired') }]);
    setErrors([]);
    // From here on the card in the reader changes: that must not end the session.
    setCardSwapExpected(true);
    return setStep({ kind: 'swap' });
  }

  const refused = (next: KnownFailure): void => {
    setFailure(next);
    setStep({ kind: 'swap' });
  };

  async function sign(): Promise<void> {
    setFailure(undefined);
    setStep({ kind: 'signing', windowOpened: openAgentWindow(config.cardAgentUrl) });
    const challenge = await api<{ challengeId: string; nonce: string }>('/v1/citizen/represented/challenge', { method: 'POST' });
    if (!challenge.ok) return refused(challenge.failure);
    const signed = await agentSign(config.cardAgentUrl, { purpose: 'represent', nonce: challenge.value.nonce });
    if (!signed.ok) return refused(signed.failure);
    const added = await api<{ mykeyId: string; personCreated: boolean }>('/v1/citizen/represented', {
      method: 'POST',
      idempotencyKey,
      json: { challengeId: challenge.value.challengeId, authToken: signed.value.authToken, relation },
    });
    if (!added.ok) return refused(added.failure);
    return setStep({ kind: 'done', mykeyId: added.value.mykeyId, created: added.value.personCreated });
  }

  return (
    <>
      <PageHeading title={t('portal:represent.title')} serviceName={t('portal:serviceName')} />
      {failure !== undefined && (
        <Notice kind="error" title={t('portal:represent.failedTitle')} testId="represent-failed">
          <p data-code={failure.code}>{failureMessage(t, failure)}</p>
        </Notice>
      )}
      {step.kind === 'relation' && (
        <form onSubmit={chooseRelation} noValidate>
          <p>{t('portal:represent.intro')}</p>
          <ErrorSummary errors={errors} />
          <fieldset class={errors.length > 0 ? 'field field-error' : 'field'}>
            <legend>{t('portal:represent.relationQuestion')}</legend>
            {errors.length > 0 && <p class="error-message">{errors[0]!.message}</p>}
            <div class="radios">
              {relations.map((candidate) => (
                <label class="radio" key={candidate} for={`relation-${candidate}`}>
                  <input type="radio" id={`relation-${candidate}`} name="relation" value={candidate} checked={relation === candidate} onChange={() => setRelation(candidate)} />
                  <span>
                    {t(`portal:represent.relation.${candidate}`)}
                    <span class="radio-hint">{t(`portal:represent.relationHint.${candidate}`)}</span>
                  </span>
                </label>
              ))}
            </div>
          </fieldset>
          <p>{t('portal:represent.declaration')}</p>
          <Button type="submit">{t('common:continue')}</Button>
        </form>
      )}
      {step.kind === 'swap' && (
        <>
          <h2>{t('portal:represent.swapTitle')}</h2>
          <ol class="steps">
            <li>{t('portal:represent.swapOut')}</li>
            <li>{t('portal:represent.swapIn')}</li>
            <li>{t('portal:represent.swapPin')}</li>
          </ol>
          <Button onClick={() => void sign()} data-testid="represent-sign">
            {t('portal:represent.sign')}
          </Button>
        </>
      )}
      {step.kind === 'signing' && <PinInAgentWindow agentUrl={config.cardAgentUrl} windowOpened={step.windowOpened} />}
      {step.kind === 'done' && (
        <>
          <Panel title={t('portal:represent.donePanel')}>
            <p data-testid="represented-mykey-id">{t('portal:represent.doneMykeyId', { mykeyId: formatMykeyId(step.mykeyId) })}</p>
          </Panel>
          <p>{t(step.created ? 'portal:represent.doneCreated' : 'portal:represent.doneExisting')}</p>
          <p>{t('portal:represent.doneNext')}</p>
          <Button onClick={() => void signOut('represented')}>{t('portal:represent.doneLogout')}</Button>
        </>
      )}
    </>
  );
}
