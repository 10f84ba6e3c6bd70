/**
 * The frame of both staff consoles (docs/staff.md): it asks the platform who is signed in (the session is an
 * HttpOnly cookie this page cannot read), shows the passkey enrolment page for a one-time link
 * (`/<side>/enrol#<token>`: the token is the fragment, so no server log ever sees it) and the passkey sign-in page
 * otherwise, and, once signed in, the console itself under a header that always says whose session it is, with
 * sign-out. An idle console ends its session as the platform does (30 minutes without activity): the page then
 * forgets what it showed and asks for the passkey again.
 */
import { createContext, type ComponentChildren } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import { LocationProvider, useLocation } from 'preact-iso';
import { Layout, Loading, Notice } from '../components.js';
import { useT } from '../i18n.js';
import { EnrolPage, SignInPage, WrongConsolePage, type SignInNotice } from './staff-pages.js';
import { sideOf, signOutStaff, staffMe, type StaffMe, type StaffSide } from './staff-api.js';

const StaffContext = createContext<StaffMe | null>(null);

/** The signed-in staff member, inside a StaffApp's console. */
export function useStaff(): StaffMe {
  const me = useContext(StaffContext);
  if (me === null) throw new Error('useStaff outside StaffApp');
  return me;
}

export interface NavigationItem {
  href: string;
  label: string;
}

export interface StaffAppProps {
  side: StaffSide;
  /** The console's name, as a key of its namespace (`operator:serviceName`). */
  serviceNameKey: string;
  /** The console's menu for this staff member (what their role may open). */
  navigation: (me: StaffMe) => NavigationItem[];
  children: (me: StaffMe) => ComponentChildren;
}

type Session = { kind: 'loading' } | { kind: 'unreachable' } | { kind: 'signed-out'; notice?: SignInNotice } | { kind: 'signed-in'; me: StaffMe };

/** Activity on the page; the session ends when there has been none for as long as the platform allows. */
function useIdleEnd(me: StaffMe | null, onIdle: () => void): void {
  const lastActivityMs = useRef(Date.now());
  useEffect(() => {
    if (me === null) return undefined;
    const idleMs = Math.max(60_000, Date.parse(me.idleExpiresAt) - Date.now());
    lastActivityMs.current = Date.now();
    const onActivity = (): void => {
      lastActivityMs.current = Date.now();
    };
    const events = ['pointerdown', 'keydown', 'input'] as const;
    for (const event of events) window.addEventListener(event, onActivity, { passive: true });
    const timer = window.setInterval(() => {
      if (Date.now() - lastActivityMs.current >= idleMs || Date.now() >= Date.parse(me.expiresAt)) onIdle();
    }, 5_000);
    return () => {
      for (const event of events) window.removeEventListener(event, onActivity);
      window.clearInterval(timer);
    };
  }, [me, onIdle]);
}

function Console(props: StaffAppProps) {
  const { t } = useT();
  const { path, route } = useLocation();
  const base = `/${props.side}`;
  const serviceName = t(props.serviceNameKey);
  const [session, setSession] = useState<Session>({ kind: 'loading' });

  const load = useCallback(async (notice?: SignInNotice) => {
    const me = await staffMe();
    if (me.ok) setSession({ kind: 'signed-in', me: me.value });
    else if (me.failure.code === 'platform_unreachable') setSession({ kind: 'unreachable' });
    else setSession({ kind: 'signed-out', ...(notice === undefined ? {} : { notice }) });
  }, []);
  useEffect(() => {
    if (path !== `${base}/enrol`) void load();
  }, []);

  const signOut = useCallback(async () => {
    await signOutStaff();
    setSession({ kind: 'signed-out', notice: 'signed-out' });
  }, []);
  const onIdle = useCallback(() => void load('expired'), [load]);
  useIdleEnd(session.kind === 'signed-in' ? session.me : null, onIdle);
  const signedIn = (me: StaffMe): void => setSession({ kind: 'signed-in', me });

  const me = session.kind === 'signed-in' ? session.me : null;
  const header = {
    serviceName,
    homeHref: `${base}/`,
    ...(me === null
      ? {}
      : {
          sessionLabel: t('staff:session.whose', { name: me.displayName, role: t(`staff:roles.${me.role}`) }),
          onSignOut: () => void signOut(),
          signOutLabel: t('staff:session.signOut'),
          navigation: sideOf(me.role) === props.side ? props.navigation(me).map((item) => ({ ...item, current: path === item.href || path.startsWith(`${item.href}/`) })) : [],
        }),
  };

  let content: ComponentChildren;
  if (path === `${base}/enrol` && me === null) content = (
      <EnrolPage
        side={props.side}
        serviceName={serviceName}
        onEnrolled={(enrolled) => {
          signedIn(enrolled);
          route(`${base}/`, true);
        }}
      />
    );
  else if (session.kind === 'loading') content = <Loading label={t('common:loading')} />;
  else if (session.kind === 'unreachable') {
    content = (
      <Notice kind="error" title={t('errors:client.platform_unreachable.title')}>
        <p>{t('errors:client.platform_unreachable.body')}</p>
      </Notice>
    );
  } else if (session.kind === 'signed-out') content = <SignInPage side={props.side} serviceName={serviceName} onSignedIn={signedIn} {...(session.notice === undefined ? {} : { notice: session.notice })} />;
  else if (sideOf(session.me.role) !== props.side) content = <WrongConsolePage side={props.side} me={session.me} serviceName={serviceName} />;
  else content = <StaffContext.Provider value={session.me}>{props.children(session.me)}</StaffContext.Provider>;
  return <Layout header={header}>{content}</Layout>;
}

export function StaffApp(props: StaffAppProps) {
  return (
    <LocationProvider>
      <Console {...props} />
    </LocationProvider>
  );
}
