/**
 * One sentence for every failure a person can meet, saying what happened and what to do next: the platform's
 * error codes (`errors:api.<code>`, every code of src/domain/errors.ts), the card agent's (`errors:agent.<code>`)
 * and the page's own (`errors:client.<code>`). The three sets of codes do not overlap. An unknown code still gets
 * a sentence, with the code to quote.
 */
import i18next from 'i18next';
import type { Translate } from './i18n.js';

export interface KnownFailure {
  code: string;
  triesLeft?: number;
}

export function failureMessage(t: Translate, failure: KnownFailure): string {
  const options = { triesLeft: failure.triesLeft ?? 0 };
  for (const key of [`errors:api.${failure.code}`, `errors:agent.${failure.code}`, `errors:client.${failure.code}.body`]) {
    if (i18next.exists(key)) return t(key, options);
  }
  return t('errors:unknown', { code: failure.code });
}
