/**
 * The citizen's session in the portal, made for shared terminals (DOMAIN.md §8.4: bindings made in the wrong
 * person's name at shops and town halls). The session itself is an HttpOnly cookie this page cannot read; the
 * page knows whose it is (the Mykey ID, shown on every page) and ends it: on logout, after five minutes without
 * activity (warning a minute before), when the card it logged in with leaves the agent's reader, and with every
 * binding (the platform ends it too). However it ends, the page forgets everything it showed.
 */
import { createContext, type ComponentChildren } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, setCsrfToken } from '../shared/api.js';
import type { CitizenMe, PortalConfig } from '../shared/types.js';
import { agentStatus } from './agent-client.js';

/** Why a session ended: each gets its own message on the signed-out page. */
export type SignOutReason = 'logout' | 'idle' | 'card_removed' | 'bound' | 'represented' | 'expired';

export interface SignedIn {
  mykeyId: string;
  /** The card in the agent's reader at login; the session ends when it is not there any more. */
  insertionId: string | null;
}

export interface PortalState {
  config: PortalConfig;
  session: SignedIn | null;
  signIn: (session: SignedIn, csrfToken: string | undefined) => void;
  /**
   * Ends the session (asking the platform to, unless it `alreadyEnded`) and shows why on the signed-out page, or
   * goes to `to` instead (the confirmation of a binding).
   */
  signOut: (reason: SignOutReason, options?: { alreadyEnded?: boolean; to?: string }) => Promise<void>;
  /** While true, a card change in the reader does not end the session (a representative signs with the represented person's card). */
  setCardSwapExpected: (expected: boolean) => void;
  /** The idle warning is showing. */
  idleWarning: boolean;
  stayActive: () => void;
}

const PortalContext = createContext<PortalState | null>(null);

export function usePortal(): PortalState {
  const state = useContext(PortalContext);
  if (state === null) throw new Error('usePortal outside PortalProvider');
  return state;
}

const cardPollMs = 2_000;
const idleWarningLeadMs = 60_000;
/** How often activity on the page keeps the platform's side of the session alive. */
const keepAliveMs = 60_000;

export function PortalProvider(props: { config: PortalConfig; initial: SignedIn | null; children: ComponentChildren }) {
  const { route } = useLocation();
  const [session, setSession] = useState<SignedIn | null>(props.initial);
  const [idleWarning, setIdleWarning] = useState(false);
  const lastActivityMs = useRef(Date.now());
  const lastKeepAliveMs = useRef(Date.now());
  const cardSwapExpected = useRef(false);

  const signIn = useCallback((next: SignedIn, csrfToken: string | undefined) => {
    setCsrfToken(csrfToken);
    lastActivityMs.current = Date.now();
    lastKeepAliveMs.current = Date.now();
    setSession(next);
  }, []);

  const signOut = useCallback(
    async (reason: SignOutReason, options: { alreadyEnded?: boolean; to?: string } = {}) => {
      if (options.alreadyEnded !== true) await api('/v1/citizen/logout', { method: 'POST' });
      setCsrfToken(undefined);
      setSession(null);
      setIdleWarning(false);
      route(options.to ?? `/signed-out?reason=${reason}`, true);
    },
    [route],
  );

  // Idle: activity moves the deadline on (and, at most once a minute, the platform's); a minute before the end a
  // warning asks whether the person is still there.
  useEffect(() => {
    if (session === null) return undefined;
    const idleMs = props.config.sessionIdleSeconds * 1_000;
    const onActivity = (): void => {
      lastActivityMs.current = Date.now();
      if (Date.now() - lastKeepAliveMs.current > keepAliveMs) {
        lastKeepAliveMs.current = Date.now();
        void api<CitizenMe>('/v1/citizen/me').then((answer) => {
          if (!answer.ok && answer.failure.status === 401) void signOut('expired', { alreadyEnded: true });
        });
      }
    };
    const events = ['pointerdown', 'keydown', 'input'] as const;
    for (const event of events) window.addEventListener(event, onActivity, { passive: true });
    const timer = window.setInterval(() => {
      const quietMs = Date.now() - lastActivityMs.current;
      if (quietMs >= idleMs) void signOut('idle');
      else setIdleWarning(quietMs >= idleMs - idleWarningLeadMs);
    }, 1_000);
    return () => {
      for (const event of events) window.removeEventListener(event, onActivity);
      window.clearInterval(timer);
    };
  }, [session, props.config.sessionIdleSeconds, signOut]);

  // The card: when the card the session logged in with leaves the reader (or the agent stops), the session ends.
  useEffect(() => {
    if (session === null || session.insertionId === null) return undefined;
    let misses = 0;
    const timer = window.setInterval(async () => {
      if (cardSwapExpected.current) return;
      const status = await agentStatus(props.config.cardAgentUrl);
      const present = status.ok && status.value.card !== null && status.value.card.insertionId === session.insertionId;
      misses = present ? 0 : misses + 1;
      // Two polls in a row, so that a single slow answer of the agent does not end a session.
      if (misses >= 2 && !cardSwapExpected.current) void signOut('card_removed');
    }, cardPollMs);
    return () => window.clearInterval(timer);
  }, [session, props.config.cardAgentUrl, signOut]);

  const stayActive = useCallback(() => {
    lastActivityMs.current = Date.now();
    lastKeepAliveMs.current = Date.now();
    setIdleWarning(false);
    void api<CitizenMe>('/v1/citizen/me');
  }, []);

  const value: PortalState = {
    config: props.config,
    session,
    signIn,
    signOut,
    setCardSwapExpected: (expected) => {
      cardSwapExpected.current = expected;
    },
    idleWarning,
    stayActive,
  };
  return <PortalContext.Provider value={value}>{props.children}</PortalContext.Provider>;
}
