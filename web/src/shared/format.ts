/**
 * Numbers, yen, points and instants in the reader's language. The platform's instants are ISO 8601 with an offset;
 * they are shown in Japan's time zone, where every campaign so far runs, and the zone is said.
 */
import type { Language } from './i18n.js';

const displayTimeZone = 'Asia/Tokyo';

const locales: Record<Language, string> = { ja: 'ja-JP', en: 'en-GB' };

export function formatNumber(value: number, language: Language): string {
  return new Intl.NumberFormat(locales[language]).format(value);
}

export function formatDateTime(iso: string, language: Language): string {
  // Named fields, not dateStyle/timeStyle: those cannot be combined with timeZoneName (a TypeError in every engine).
  return new Intl.DateTimeFormat(locales[language], { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: displayTimeZone, timeZoneName: 'short' }).format(new Date(iso));
}

export function formatDate(iso: string, language: Language): string {
  return new Intl.DateTimeFormat(locales[language], { dateStyle: 'long', timeZone: displayTimeZone }).format(new Date(iso));
}

/** A campaign's name in the reader's language, else its one name. */
export function campaignName(campaign: { name: string; names?: Partial<Record<Language, string>> }, language: Language): string {
  return campaign.names?.[language] ?? campaign.name;
}
