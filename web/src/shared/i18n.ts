/**
 * Japanese and English for every face (i18next). Each face loads the namespaces it shows: `common` (layout,
 * buttons), `errors` (one message and next step per API error code, and the client's own codes) and its own
 * (`portal`, `provider`, `operator`). Keys are always written in full, `namespace:key`, so a test can check that
 * every key used exists in both languages (test/web/i18n.test.ts). The language is the person's choice, kept in
 * this browser, else the browser's own (Japanese unless it prefers something else).
 */
import i18next, { type TOptions } from 'i18next';
import { useEffect, useState } from 'preact/hooks';
import enCommon from '../locales/en/common.json';
import enErrors from '../locales/en/errors.json';
import jaCommon from '../locales/ja/common.json';
import jaErrors from '../locales/ja/errors.json';

export type Language = 'ja' | 'en';
export const languages: readonly Language[] = ['ja', 'en'];

type Resources = Record<string, Record<string, unknown>>;

const storageKey = 'mykey.language';

function initialLanguage(): Language {
  const stored = globalThis.localStorage?.getItem(storageKey);
  if (stored === 'ja' || stored === 'en') return stored;
  const preferred = globalThis.navigator?.languages?.[0] ?? 'ja';
  return preferred.toLowerCase().startsWith('en') ? 'en' : 'ja';
}

function applyToDocument(language: Language): void {
  document.documentElement.lang = language;
}

/** Starts i18next with the common namespaces and the face's own (`{ ja: { portal: … }, en: { portal: … } }`). */
export async function initI18n(face: { ja: Resources; en: Resources }): Promise<void> {
  const language = initialLanguage();
  await i18next.init({
    lng: language,
    fallbackLng: false,
    supportedLngs: [...languages],
    defaultNS: 'common',
    resources: {
      ja: { common: jaCommon, errors: jaErrors, ...face.ja },
      en: { common: enCommon, errors: enErrors, ...face.en },
    },
    interpolation: { escapeValue: false }, // Preact escapes what it renders.
    returnNull: false,
  });
  applyToDocument(language);
  i18next.on('languageChanged', (next) => applyToDocument(next as Language));
}

export type Translate = (key: string, options?: TOptions) => string;

/** The translation function and language; the component renders again when the language changes. */
export function useT(): { t: Translate; language: Language; setLanguage: (language: Language) => void } {
  const [language, setState] = useState<Language>(i18next.language as Language);
  useEffect(() => {
    const onChange = (next: string): void => setState(next as Language);
    i18next.on('languageChanged', onChange);
    return () => i18next.off('languageChanged', onChange);
  }, []);
  return {
    t: (key, options) => i18next.t(key, options ?? {}) as string,
    language,
    setLanguage: (next) => {
      globalThis.localStorage?.setItem(storageKey, next);
      void i18next.changeLanguage(next);
    },
  };
}

/** The translation of a key outside a component (the current language). */
export const translate: Translate = (key, options) => i18next.t(key, options ?? {}) as string;
