/**
 * The building blocks every face shares, after the proven government patterns (GOV.UK and the Japanese Digital
 * Agency's design system): a header that always says whose session it is, an error summary that takes the focus
 * and links to each field, fields with their label, hint and error beside them, a check-your-answers list, a
 * confirmation panel, notification banners and plain tables. Every control is reachable and usable by keyboard.
 */
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { languages, useT, type Language } from './i18n.js';

const languageNames: Record<Language, string> = { ja: '日本語', en: 'English' };

/** Switches the language of the page; each choice is named in its own language. */
export function LanguageSwitch() {
  const { t, language, setLanguage } = useT();
  return (
    <nav class="language-switch" aria-label={t('common:language.label')}>
      {languages.map((candidate) =>
        candidate === language ? (
          <span key={candidate} aria-current="true" lang={candidate} class="language-current">
            {languageNames[candidate]}
          </span>
        ) : (
          <button key={candidate} type="button" class="link-button" lang={candidate} onClick={() => setLanguage(candidate)}>
            {languageNames[candidate]}
          </button>
        ),
      )}
    </nav>
  );
}

export interface SiteHeaderProps {
  serviceName: string;
  homeHref: string;
  /** Whose session this is ("Mykey ID ABCD-EFGH", a staff member's name); absent when nobody is signed in. */
  sessionLabel?: string;
  onSignOut?: () => void;
  signOutLabel?: string;
  navigation?: Array<{ href: string; label: string; current: boolean }>;
}

export function SiteHeader(props: SiteHeaderProps) {
  const { t } = useT();
  return (
    <header class="site-header">
      <a class="skip-link" href="#main">
        {t('common:skipToContent')}
      </a>
      <div class="site-header-bar">
        <div class="container site-header-inner">
          <a class="service-name" href={props.homeHref}>
            {props.serviceName}
          </a>
          <LanguageSwitch />
        </div>
      </div>
      {props.sessionLabel !== undefined && (
        <div class="session-bar" data-testid="session-bar">
          <div class="container session-bar-inner">
            <p class="session-who">
              <span class="visually-hidden">{t('common:session.whose')}</span>
              {props.sessionLabel}
            </p>
            {props.onSignOut !== undefined && (
              <button type="button" class="button button-secondary button-small" onClick={props.onSignOut}>
                {props.signOutLabel ?? t('common:session.signOut')}
              </button>
            )}
          </div>
        </div>
      )}
      {props.navigation !== undefined && props.navigation.length > 0 && (
        <nav class="site-navigation" aria-label={t('common:navigation.label')}>
          <ul class="container">
            {props.navigation.map((item) => (
              <li key={item.href}>
                <a href={item.href} {...(item.current ? { 'aria-current': 'page' } : {})}>
                  {item.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      )}
    </header>
  );
}

/** The footer; `apiLink` names the platform's OpenAPI document, which only a face served by the platform has. */
export function SiteFooter(props: { apiLink: boolean }) {
  const { t } = useT();
  return (
    <footer class="site-footer">
      <div class="container">
        <p>{t('common:footer.privacy')}</p>
        {props.apiLink && (
          <p>
            <a href="/openapi.json">{t('common:footer.api')}</a>
          </p>
        )}
      </div>
    </footer>
  );
}

/** Sets the document title ("Page — Service") and renders the page's one h1. */
export function PageHeading(props: { title: string; serviceName: string; caption?: string }) {
  useEffect(() => {
    document.title = `${props.title} — ${props.serviceName}`;
  }, [props.title, props.serviceName]);
  return (
    <div class="page-heading">
      {props.caption !== undefined && <p class="caption">{props.caption}</p>}
      <h1>{props.title}</h1>
    </div>
  );
}

export interface FieldError {
  /** The id of the field the error belongs to (the summary links to it); absent for an error of the whole form. */
  fieldId?: string;
  message: string;
}

/** "There is a problem" with a link to each field in error; takes the focus when it appears. */
/** The error of one field among a form's errors, as the props a Field takes (`{}` when that field has none). */
export function fieldErrorOf(errors: FieldError[], fieldId: string): { error?: string } {
  const message = errors.find((error) => error.fieldId === fieldId)?.message;
  return message === undefined ? {} : { error: message };
}

export function ErrorSummary(props: { errors: FieldError[] }) {
  const { t } = useT();
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (props.errors.length > 0) ref.current?.focus();
  }, [props.errors]);
  if (props.errors.length === 0) return null;
  return (
    <div class="error-summary" ref={ref} tabIndex={-1} role="alert" aria-labelledby="error-summary-title" data-testid="error-summary">
      <h2 id="error-summary-title">{t('common:errorSummary.title')}</h2>
      <ul>
        {props.errors.map((error) => (
          <li key={`${error.fieldId ?? ''}:${error.message}`}>{error.fieldId === undefined ? error.message : <a href={`#${error.fieldId}`}>{error.message}</a>}</li>
        ))}
      </ul>
    </div>
  );
}

export interface FieldProps {
  id: string;
  label: string;
  hint?: string;
  error?: string;
  children: (describedBy: { id: string; 'aria-describedby'?: string; 'aria-invalid'?: 'true' }) => ComponentChildren;
}

/** A labelled field with its hint and its error message beside it (the error is also in the summary). */
export function Field(props: FieldProps) {
  const { t } = useT();
  const described = [props.hint === undefined ? undefined : `${props.id}-hint`, props.error === undefined ? undefined : `${props.id}-error`].filter((x) => x !== undefined);
  return (
    <div class={`field${props.error === undefined ? '' : ' field-error'}`}>
      <label class="label" for={props.id}>
        {props.label}
      </label>
      {props.hint !== undefined && (
        <p class="hint" id={`${props.id}-hint`}>
          {props.hint}
        </p>
      )}
      {props.error !== undefined && (
        <p class="error-message" id={`${props.id}-error`}>
          <span class="visually-hidden">{t('common:errorPrefix')}</span>
          {props.error}
        </p>
      )}
      {props.children({ id: props.id, ...(described.length > 0 ? { 'aria-describedby': described.join(' ') } : {}), ...(props.error === undefined ? {} : { 'aria-invalid': 'true' as const }) })}
    </div>
  );
}

type ButtonKind = 'primary' | 'secondary' | 'warning';

export function Button(props: JSX.ButtonHTMLAttributes<HTMLButtonElement> & { kind?: ButtonKind; busy?: boolean }) {
  const { kind = 'primary', busy = false, children, ...rest } = props;
  return (
    <button type="button" {...rest} class={`button button-${kind}`} disabled={busy || rest.disabled === true} aria-busy={busy ? 'true' : undefined}>
      {children}
    </button>
  );
}

export function ButtonLink(props: { href: string; kind?: ButtonKind; children: ComponentChildren }) {
  return (
    <a class={`button button-${props.kind ?? 'primary'}`} href={props.href} role="button">
      {props.children}
    </a>
  );
}

export interface SummaryRow {
  key: string;
  value: ComponentChildren;
  /** A link to change this answer (screen readers hear which: the key follows, visually hidden). */
  change?: { href?: string; onClick?: () => void; label: string };
}

/** Check your answers: each answer with its question and a way to change it. */
export function SummaryList(props: { rows: SummaryRow[] }) {
  return (
    <dl class="summary-list">
      {props.rows.map((row) => (
        <div class="summary-row" key={row.key}>
          <dt>{row.key}</dt>
          <dd>{row.value}</dd>
          {row.change !== undefined && (
            <dd class="summary-action">
              {row.change.href !== undefined ? (
                <a href={row.change.href}>
                  {row.change.label}
                  <span class="visually-hidden"> {row.key}</span>
                </a>
              ) : (
                <button type="button" class="link-button" onClick={row.change.onClick}>
                  {row.change.label}
                  <span class="visually-hidden"> {row.key}</span>
                </button>
              )}
            </dd>
          )}
        </div>
      ))}
    </dl>
  );
}

/** The confirmation page's panel: what was done, in large type. */
export function Panel(props: { title: string; children?: ComponentChildren }) {
  return (
    <div class="panel" data-testid="confirmation-panel">
      <h2 class="panel-title">{props.title}</h2>
      {props.children !== undefined && <div class="panel-body">{props.children}</div>}
    </div>
  );
}

export type NoticeKind = 'info' | 'success' | 'warning' | 'error';

/** A notification banner; errors and warnings are announced at once, the others politely. */
export function Notice(props: { kind: NoticeKind; title: string; children?: ComponentChildren; testId?: string }) {
  const live = { role: props.kind === 'error' || props.kind === 'warning' ? ('alert' as const) : ('status' as const) };
  return (
    <div class={`notice notice-${props.kind}`} {...live} data-testid={props.testId ?? `notice-${props.kind}`}>
      <p class="notice-title">{props.title}</p>
      {props.children !== undefined && <div class="notice-body">{props.children}</div>}
    </div>
  );
}

export interface Column<Row> {
  key: string;
  header: string;
  cell: (row: Row) => ComponentChildren;
  numeric?: boolean;
}

export function DataTable<Row>(props: { caption: string; columns: Column<Row>[]; rows: Row[]; rowKey: (row: Row) => string; empty?: string }) {
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label={props.caption}>
      <table class="table">
        <caption>{props.caption}</caption>
        <thead>
          <tr>
            {props.columns.map((column) => (
              <th key={column.key} scope="col" class={column.numeric === true ? 'numeric' : undefined}>
                {column.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.length === 0 && props.empty !== undefined ? (
            <tr>
              <td colSpan={props.columns.length}>{props.empty}</td>
            </tr>
          ) : (
            props.rows.map((row) => (
              <tr key={props.rowKey(row)}>
                {props.columns.map((column) => (
                  <td key={column.key} class={column.numeric === true ? 'numeric' : undefined}>
                    {column.cell(row)}
                  </td>
                ))}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}

export function Loading(props: { label: string }) {
  return (
    <p class="loading" role="status">
      {props.label}
    </p>
  );
}

/** The page's frame: header, the main region (the skip link's target), footer. */
/** A page of a face; `servedBy: 'agent'` for the card agent's own page, which is not served by the platform. */
export function Layout(props: { header: SiteHeaderProps; children: ComponentChildren; servedBy?: 'platform' | 'agent' }) {
  return (
    <>
      <SiteHeader {...props.header} />
      <main id="main" class="container main" tabIndex={-1}>
        {props.children}
      </main>
      <SiteFooter apiLink={props.servedBy !== 'agent'} />
    </>
  );
}
