/**
 * The renewal lookup over HTTP: `GET <url>?issuer=<base64url issuer Name DER>&serial=<hex>` answers
 * `200 {"old": {"issuerNameDer": "<base64>", "serialHex": "…"}, "oldRevocationReason": "superseded"}` when the
 * certificate renews an earlier one, `404` when it does not. Anything else (timeout, other status, bad body) is
 * `renewal_lookup_unavailable`: first logins fail closed rather than create a second Mykey ID for a person.
 */
import type { RenewalLink, RenewalLookup } from '../app/context.js';
import { fail, ok } from '../domain/result.js';
import { revocationReasonCodes, type RevocationReason } from './revocation-reasons.js';
import type { RevocationFetch } from './revocation.js';

const lookupTimeoutMs = 5_000;

function parseLink(body: Uint8Array): RenewalLink | undefined {
  try {
    const value = JSON.parse(Buffer.from(body).toString('utf8')) as { old?: { issuerNameDer?: unknown; serialHex?: unknown }; oldRevocationReason?: unknown };
    const { old, oldRevocationReason } = value;
    if (typeof old?.issuerNameDer !== 'string' || typeof old.serialHex !== 'string' || !/^[0-9a-f]+$/i.test(old.serialHex)) return undefined;
    if (typeof oldRevocationReason !== 'string' || !Object.hasOwn(revocationReasonCodes, oldRevocationReason)) return undefined;
    return { old: { issuerNameDer: Buffer.from(old.issuerNameDer, 'base64'), serialHex: old.serialHex.toLowerCase() }, oldRevocationReason: oldRevocationReason as RevocationReason };
  } catch {
    return undefined;
  }
}

/**
 * @example
 * const lookup = createHttpRenewalLookup({ url: 'http://127.0.0.1:8090/renewal', fetch: httpRevocationFetch });
 */
export function createHttpRenewalLookup(input: { url: string; fetch: RevocationFetch }): RenewalLookup {
  return {
    async predecessorOf({ issuerNameDer, serialHex }) {
      const query = `issuer=${Buffer.from(issuerNameDer).toString('base64url')}&serial=${serialHex}`;
      let answer;
      try {
        answer = await input.fetch({ url: `${input.url}?${query}`, method: 'GET', timeoutMs: lookupTimeoutMs });
      } catch {
        return fail('renewal_lookup_unavailable', 'the renewal lookup did not answer');
      }
      if (answer.status === 404) return ok(undefined);
      const link = answer.status === 200 ? parseLink(answer.body) : undefined;
      return link === undefined ? fail('renewal_lookup_unavailable', `the renewal lookup answered ${answer.status} without a valid link`) : ok(link);
    },
  };
}
