/**
 * Card login (JPKI.md §8, Web eID style): the page asks the platform for a challenge (bound to this browser by
 * the pre-login cookie), the card agent shows the person which site asks and takes the PIN in its own window, the
 * card signs, and the platform verifies. Every state has a next step: the agent not running (how to start it), no
 * reader, no card, a wrong PIN with the tries left, a blocked PIN, an expired or revoked certificate, the platform
 * unreachable.
 */
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api } from '../../shared/api.js';
import { Button, Notice, PageHeading } from '../../shared/components.js';
import { failureMessage, type KnownFailure } from '../../shared/failure.js';
import { useT } from '../../shared/i18n.js';
import type { SessionTimes } from '../../shared/types.js';
import { agentSign, agentStatus, openAgentWindow, type AgentStatus } from '../agent-client.js';
import { usePortal } from '../session.js';

type AgentView = { kind: 'checking' } | { kind: 'unreachable' } | { kind: 'status'; status: AgentStatus };

type Attempt = { kind: 'idle' } | { kind: 'signing'; windowOpened: boolean } | { kind: 'verifying' } | { kind: 'failed'; failure: KnownFailure };

const agentPollMs = 1_500;

/** Polls the agent while the page shows; pauses while a signature is pending (the agent is busy then). */
export function useAgentStatus(agentUrl: string, paused: boolean): AgentView {
  const [view, setView] = useState<AgentView>({ kind: 'checking' });
  useEffect(() => {
    if (paused) return undefined;
    let stopped = false;
    const poll = async (): Promise<void> => {
      const status = await agentStatus(agentUrl);
      if (!stopped) setView(status.ok ? { kind: 'status', status: status.value } : { kind: 'unreachable' });
    };
    void poll();
    const timer = window.setInterval(() => void poll(), agentPollMs);
    return () => {
      stopped = true;
      window.clearInterval(timer);
    };
  }, [agentUrl, paused]);
  return view;
}

/** What the person must do before the card can be used, or undefined when it is ready. */
export function AgentNotReady(props: { view: AgentView }) {
  const { t } = useT();
  const { view } = props;
  if (view.kind === 'checking') return <p role="status">{t('portal:login.checking')}</p>;
  if (view.kind === 'unreachable') {
    return (
      <Notice kind="warning" title={t('portal:login.agentNotRunning.title')} testId="agent-not-running">
        <p>{t('portal:login.agentNotRunning.body')}</p>
        <ol class="steps">
          <li>{t('portal:login.agentNotRunning.stepInstall')}</li>
          <li>
            {t('portal:login.agentNotRunning.stepStart')}
            <pre class="code">npx mykey card agent --software card.json</pre>
          </li>
          <li>{t('portal:login.agentNotRunning.stepDevCard')}</li>
        </ol>
        <p>{t('portal:login.agentNotRunning.automatic')}</p>
      </Notice>
    );
  }
  if (view.status.reader === null || view.status.state === 'reader_absent') {
    return (
      <Notice kind="warning" title={t('portal:login.noReader.title')} testId="no-reader">
        <p>{t('portal:login.noReader.body')}</p>
      </Notice>
    );
  }
  if (view.status.card === null || view.status.state === 'card_absent') {
    return (
      <Notice kind="warning" title={t('portal:login.noCard.title')} testId="no-card">
        <p>{t('portal:login.noCard.body', { reader: view.status.reader.name })}</p>
      </Notice>
    );
  }
  if (view.status.state === 'not_a_jpki_card') {
    return (
      <Notice kind="warning" title={t('portal:login.notJpki.title')} testId="not-a-jpki-card">
        <p>{t('portal:login.notJpki.body', { reader: view.status.reader.name })}</p>
      </Notice>
    );
  }
  return null;
}

/** Where the PIN goes: the agent's window, never this page. Offers to open it if the browser blocked it. */
export function PinInAgentWindow(props: { agentUrl: string; windowOpened: boolean }) {
  const { t } = useT();
  return (
    <Notice kind="info" title={t('portal:sign.enterPinTitle')} testId="enter-pin-in-agent">
      <p>{t('portal:sign.enterPinBody')}</p>
      {!props.windowOpened && <p>{t('portal:sign.windowBlocked')}</p>}
      <p>
        <a href={`${props.agentUrl}/`} target="mykey-card-agent" rel="noopener">
          {t('portal:sign.openAgent')}
        </a>
      </p>
    </Notice>
  );
}

export function LoginPage() {
  const { t } = useT();
  const { config, session, signIn } = usePortal();
  const { route } = useLocation();
  const [attempt, setAttempt] = useState<Attempt>({ kind: 'idle' });
  const busy = attempt.kind === 'signing' || attempt.kind === 'verifying';
  const agent = useAgentStatus(config.cardAgentUrl, busy);

  useEffect(() => {
    if (session !== null) route('/account', true);
  }, [session, route]);

  const ready = agent.kind === 'status' && agent.status.state === 'ready' && agent.status.card !== null && agent.status.reader !== null ? agent.status : undefined;

  async function logIn(): Promise<void> {
    // Opened in the click itself, so that the browser lets the agent's window open.
    const windowOpened = openAgentWindow(config.cardAgentUrl);
    const insertionId = ready?.card?.insertionId ?? null;
    setAttempt({ kind: 'signing', windowOpened });
    const challenge = await api<{ challengeId: string; nonce: string }>('/v1/citizen/login/challenge', { method: 'POST' });
    if (!challenge.ok) return setAttempt({ kind: 'failed', failure: challenge.failure });
    const signed = await agentSign(config.cardAgentUrl, { purpose: 'login', nonce: challenge.value.nonce });
    if (!signed.ok) return setAttempt({ kind: 'failed', failure: signed.failure });
    setAttempt({ kind: 'verifying' });
    const login = await api<{ mykeyId: string; personCreated: boolean } & SessionTimes>('/v1/citizen/login', {
      method: 'POST',
      json: { challengeId: challenge.value.challengeId, authToken: signed.value.authToken, session: 'cookie' },
    });
    if (!login.ok) return setAttempt({ kind: 'failed', failure: login.failure });
    signIn({ mykeyId: login.value.mykeyId, insertionId }, login.value.csrfToken);
    route(login.value.personCreated ? '/account?created=1' : '/account');
    return undefined;
  }

  return (
    <>
      <PageHeading title={t('portal:login.title')} serviceName={t('portal:serviceName')} />
      <p>{t('portal:login.intro')}</p>
      {attempt.kind === 'failed' && (
        <Notice kind="error" title={t('portal:login.failedTitle')} testId="login-failed">
          <p data-code={attempt.failure.code}>{failureMessage(t, attempt.failure)}</p>
        </Notice>
      )}
      {!busy && <AgentNotReady view={agent} />}
      {attempt.kind === 'signing' && <PinInAgentWindow agentUrl={config.cardAgentUrl} windowOpened={attempt.windowOpened} />}
      {attempt.kind === 'verifying' && <p role="status">{t('portal:login.verifying')}</p>}
      {!busy && ready !== undefined && (
        <>
          <Notice kind="success" title={t('portal:login.ready.title')} testId="agent-ready">
            <p>{t('portal:login.ready.body', { reader: ready.reader?.name ?? '' })}</p>
          </Notice>
          <Button onClick={() => void logIn()} data-testid="login-button">
            {attempt.kind === 'failed' ? t('portal:login.tryAgain') : t('portal:login.button')}
          </Button>
        </>
      )}
    </>
  );
}
