/**
 * The platform's call to a provider's verification endpoint at binding time: a signed POST of
 * `{campaignId, providerServiceId, accountRef, securityCode}`, answered `{verified: boolean}`.
 * The provider learns which of its accounts is being bound to which campaign, never by whom (no Mykey ID).
 */
import type { ProviderVerifier } from '../app/context.js';
import { fail, ok } from '../domain/result.js';
import { signedFetch } from './signed-fetch.js';

export const httpProviderVerifier: ProviderVerifier = {
  async verify({ verifyUrl, keyId, secret, request }) {
    let answer: { status: number; body: unknown };
    try {
      answer = await signedFetch({ url: verifyUrl, method: 'POST', key: { keyId, secret }, json: request });
    } catch {
      return fail('provider_unavailable', 'the provider verification endpoint did not answer in time');
    }
    if (answer.status !== 200 || typeof answer.body !== 'object' || answer.body === null || !('verified' in answer.body)) {
      return fail('provider_unavailable', `the provider verification endpoint answered ${answer.status}`);
    }
    if (answer.body.verified !== true) return fail('account_verification_failed', 'the provider did not confirm this payment-service ID and security code');
    return ok(undefined);
  },
};
