/**
 * The card agent's own page (`mykey card agent`, on its loopback origin, never inside the portal): it shows which
 * site asks and for what (a login, or the binding the card is about to sign — the agent has checked it against
 * the nonce), how many PIN tries are left, takes the PIN, and sends it to the agent only, as its bytes — the
 * portal's page cannot read this page. Its calls carry the token of the HTML the agent served,
 * which no other site can read. After an answer (signed, refused or cancelled) a window the portal opened closes
 * itself, and the person is back on the site.
 */
import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import '../shared/styles.css';
import { api, type ApiFailure } from '../shared/api.js';
import { Button, Field, Layout, Notice, PageHeading, SummaryList } from '../shared/components.js';
import { failureMessage } from '../shared/failure.js';
import { initI18n, useT } from '../shared/i18n.js';
import { formatMykeyId } from '../shared/mykey-id.js';
import en from '../locales/en/agent.json';
import ja from '../locales/ja/agent.json';

interface PendingRequest {
  id: string;
  origin: string;
  purpose: 'login' | 'bind' | 'represent';
  binding: { campaignId: string; providerServiceId: string; accountRef: string; onBehalfOf?: string } | null;
  display: { campaignName?: string; serviceName?: string } | null;
  /** For `represent`: the representative, from the nonce the card signs. */
  representativeMykeyId: string | null;
  /** The auth PIN's tries left, read from the card when the request arrived (1–3; a blocked PIN is never asked). */
  triesLeft: number;
}

interface AgentView {
  pending: PendingRequest | null;
  lastResult: { code: string; triesLeft?: number } | null;
  card: { present: boolean; simulated: boolean; reader: string };
}

const token = document.querySelector<HTMLMetaElement>('meta[name="mykey-agent-token"]')?.content ?? '';
const headers = { 'x-agent-token': token };
const pollMs = 700;

function useAgentView(): [AgentView | undefined, ApiFailure | undefined, () => void] {
  const [view, setView] = useState<AgentView>();
  const [failure, setFailure] = useState<ApiFailure>();
  const refresh = (): void => {
    void api<AgentView>('/agent/pending', { headers }).then((answer) => {
      if (answer.ok) {
        setView(answer.value);
        setFailure(undefined);
      } else setFailure(answer.failure);
    });
  };
  useEffect(() => {
    refresh();
    const timer = window.setInterval(refresh, pollMs);
    return () => window.clearInterval(timer);
  }, []);
  return [view, failure, refresh];
}

/** A name the portal gave beside the id the card signs: the name alone could say anything. */
function named(name: string | undefined, id: string): string {
  return name === undefined || name === id ? id : `${name} (${id})`;
}

function WhatIsAsked(props: { request: PendingRequest }) {
  const { t } = useT();
  const { request } = props;
  const binding = request.binding;
  return (
    <>
      <p class="caption">{t('agent:asks.site')}</p>
      <p class="agent-origin" data-testid="agent-origin">
        {request.origin}
      </p>
      <p class="lead">{t(`agent:asks.${request.purpose}`)}</p>
      {binding !== null && (
        <SummaryList
          rows={[
            { key: t('agent:binding.campaign'), value: named(request.display?.campaignName, binding.campaignId) },
            { key: t('agent:binding.service'), value: named(request.display?.serviceName, binding.providerServiceId) },
            { key: t('agent:binding.account'), value: binding.accountRef },
            ...(binding.onBehalfOf === undefined ? [] : [{ key: t('agent:binding.onBehalfOf'), value: binding.onBehalfOf }]),
          ]}
        />
      )}
      {request.representativeMykeyId !== null && <SummaryList rows={[{ key: t('agent:representative'), value: formatMykeyId(request.representativeMykeyId) }]} />}
      <p>{t('agent:asks.final')}</p>
    </>
  );
}

function PinForm(props: { request: PendingRequest; onDone: () => void }) {
  const { t } = useT();
  const [pin, setPin] = useState('');
  const [busy, setBusy] = useState(false);
  // JPKI.md §1.4: before the last try, the person says explicitly that they are sure of the PIN.
  const lastTry = props.request.triesLeft === 1;
  const [lastTryConfirmed, setLastTryConfirmed] = useState(false);
  const field = useRef<HTMLInputElement>(null);
  useEffect(() => field.current?.focus(), [props.request.id]);
  const finish = (): void => {
    setPin('');
    setBusy(false);
    props.onDone();
    // A window the portal opened goes away; the person is back on the site, which shows the outcome.
    if (window.opener !== null) window.close();
  };
  async function approve(event: Event): Promise<void> {
    event.preventDefault();
    if (pin.length !== 4 || (lastTry && !lastTryConfirmed)) return;
    setBusy(true);
    // The PIN goes as its own bytes (the agent never makes a string of it), wiped once sent.
    const pinBytes = new TextEncoder().encode(pin);
    await api(`/agent/approve/${encodeURIComponent(props.request.id)}`, { method: 'POST', headers, bytes: pinBytes });
    pinBytes.fill(0);
    finish();
  }
  async function cancel(): Promise<void> {
    await api(`/agent/cancel/${encodeURIComponent(props.request.id)}`, { method: 'POST', headers });
    finish();
  }
  return (
    <form onSubmit={(event) => void approve(event)} noValidate>
      {lastTry ? (
        <Notice kind="warning" title={t('agent:pin.lastTryTitle')} testId="agent-last-try">
          <p>{t('agent:pin.lastTryBody')}</p>
        </Notice>
      ) : (
        <p data-testid="agent-tries-left">{t('agent:pin.triesLeft', { triesLeft: props.request.triesLeft })}</p>
      )}
      <Field id="pin" label={t('agent:pin.label')} hint={t('agent:pin.hint')}>
        {(described) => (
          <input
            {...described}
            ref={field}
            class="input input-short"
            type="password"
            inputMode="numeric"
            autoComplete="off"
            maxLength={4}
            value={pin}
            onInput={(event) => setPin(event.currentTarget.value.replace(/[^0-9]/g, ''))}
          />
        )}
      </Field>
      {lastTry && (
        <div class="field">
          <label class="radio" for="last-try-confirmed">
            <input type="checkbox" id="last-try-confirmed" checked={lastTryConfirmed} onChange={(event) => setLastTryConfirmed(event.currentTarget.checked)} />
            <span>{t('agent:pin.lastTryConfirm')}</span>
          </label>
        </div>
      )}
      <div class="button-group">
        <Button type="submit" busy={busy} disabled={pin.length !== 4 || (lastTry && !lastTryConfirmed)}>
          {t('agent:pin.approve')}
        </Button>
        <Button type="button" kind="secondary" onClick={() => void cancel()}>
          {t('agent:pin.cancel')}
        </Button>
      </div>
    </form>
  );
}

function CardControls(props: { view: AgentView; onChange: () => void }) {
  const { t } = useT();
  const { card } = props.view;
  async function setPresent(present: boolean): Promise<void> {
    await api('/agent/card', { method: 'POST', headers, json: { present } });
    props.onChange();
  }
  return (
    <section aria-labelledby="card-heading">
      <h2 id="card-heading">{t('agent:card.title')}</h2>
      <p data-testid="agent-card-state">{t(card.present ? 'agent:card.present' : 'agent:card.absent', { reader: card.reader })}</p>
      {card.simulated && (
        <>
          <p>{t('agent:card.simulated')}</p>
          <Button kind="secondary" onClick={() => void setPresent(!card.present)}>
            {t(card.present ? 'agent:card.takeOut' : 'agent:card.putBack')}
          </Button>
        </>
      )}
    </section>
  );
}

function AgentPage() {
  const { t } = useT();
  const [view, failure, refresh] = useAgentView();
  const serviceName = t('agent:serviceName');
  const request = view?.pending ?? null;
  return (
    <Layout header={{ serviceName, homeHref: '/' }} servedBy="agent">
      <PageHeading title={request === null ? t('agent:idle.title') : t('agent:asks.title')} serviceName={serviceName} />
      {failure !== undefined && (
        <Notice kind="error" title={t('agent:unavailable')}>
          <p>{failureMessage(t, failure)}</p>
        </Notice>
      )}
      {request !== null ? (
        <>
          <WhatIsAsked request={request} />
          <PinForm request={request} onDone={refresh} />
        </>
      ) : (
        view !== undefined && (
          <>
            {view.lastResult !== null && (
              <Notice kind={view.lastResult.code === 'signed' ? 'success' : 'warning'} title={view.lastResult.code === 'signed' ? t('agent:result.signed') : failureMessage(t, view.lastResult)} testId="agent-last-result" />
            )}
            <p class="lead">{t('agent:idle.body')}</p>
          </>
        )
      )}
      {view !== undefined && <CardControls view={view} onChange={refresh} />}
    </Layout>
  );
}

await initI18n({ ja: { agent: ja }, en: { agent: en } });
render(<AgentPage />, document.getElementById('app')!);
