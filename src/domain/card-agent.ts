/**
 * The citizen's card agent (`mykey card agent`, docs/identity.md "The card agent"), its pure part: where it
 * listens, every error code it answers (one closed list, documented in docs/identity.md; a test enforces both),
 * and the check of a sign request — its shape, and that what the agent will show the person is what the nonce
 * makes the card sign (src/domain/challenge-nonce.ts).
 */
import { bindingSha256, challengePurposes, parseChallengeNonce, type BindingDetails, type ChallengePurpose } from './challenge-nonce.js';
import { fail, ok, type Result } from './result.js';

/**
 * Where the citizen's card agent (a loopback service on the citizen's own machine) listens by default, and so where
 * the portal looks for it: the configuration, the portal's Content-Security-Policy and the agent itself agree on
 * this one address.
 */
export const defaultCardAgentPort = 24_727;
export const defaultCardAgentUrl = `http://127.0.0.1:${defaultCardAgentPort}`;

/** The portal the agent serves when not told otherwise: `npm start`'s own origin on its default port. */
export const defaultPortalOrigin = 'http://localhost:3000';

/**
 * Every code the agent answers, with its HTTP status, in order of precedence (when more than one applies, the
 * first listed is returned). None is also a platform code (src/domain/errors.ts): the portal words the two sets
 * apart (`errors:agent.<code>`). The card's own failures come first: they are what the card client reports
 * (src/card/transport.ts, CardError).
 */
export const cardAgentErrorCodes = {
  // The request itself, before anything is shown or the card is touched.
  host_refused: { status: 403, summary: 'The Host header is not the agent’s own loopback address (a DNS-rebinding page).' },
  origin_refused: { status: 403, summary: 'The Origin is not the configured portal (portal routes), or not the agent’s own page with its page token (page routes).' },
  route_unknown: { status: 404, summary: 'The agent has no such route.' },
  request_too_large: { status: 413, summary: 'The body is larger than the agent takes (4 KiB; 16 bytes for a PIN).' },
  request_malformed: { status: 400, summary: 'The body is not of the route’s shape: a sign request is `{purpose, nonce, binding (for bind), display?}`, a PIN is 4 ASCII digits.' },
  request_mismatch: { status: 400, summary: 'What the page asks to show is not what the nonce makes the card sign: another purpose, or binding details whose digest is not the one the nonce carries. Refused before the PIN.' },
  busy: { status: 409, summary: 'Another request is waiting in the agent’s window.' },
  request_not_pending: { status: 409, summary: 'The agent’s page answered a request that is no longer waiting (answered, cancelled or timed out).' },
  card_not_simulated: { status: 409, summary: 'Only a software card can be taken out and put back from the agent’s page.' },

  // The card and its reader: reading the PIN's tries left when a request arrives, then signing after the PIN.
  reader_absent: { status: 503, summary: 'No card reader (or pcscd) is there.' },
  card_absent: { status: 503, summary: 'No card is on the reader, or it was taken off during the request.' },
  not_a_jpki_card: { status: 400, summary: 'The card on the reader has no JPKI application: not a My Number Card.' },
  pin_blocked: { status: 400, summary: 'The authentication PIN is blocked (no tries left): answered at once, without asking for a PIN; only a municipal office can reset it.' },
  timeout: { status: 408, summary: 'Nobody approved in the agent’s window in time (2 minutes), or the card did not answer in time.' },
  user_cancelled: { status: 409, summary: 'The person cancelled in the agent’s window.' },
  pin_wrong: { status: 400, summary: 'The PIN was wrong; `triesLeft` says how many tries are left before the card locks. The agent never retries.' },
  card_error: { status: 502, summary: 'The card answered something unexpected (a status word, a truncated certificate, a signature that does not verify against its certificate).' },

  agent_internal: { status: 500, summary: 'A bug in the agent; nothing was signed.' },
} as const satisfies Record<string, { status: number; summary: string }>;

export type CardAgentErrorCode = keyof typeof cardAgentErrorCodes;

/** The failures of the card and reader, as the card client reports them (JPKI.md §8, client side). */
export type CardErrorCode = Extract<CardAgentErrorCode, 'pin_wrong' | 'pin_blocked' | 'card_absent' | 'reader_absent' | 'not_a_jpki_card' | 'timeout' | 'card_error'>;

/** What the portal asks the agent to have the card sign, and what the agent shows the person first. */
export interface SignRequest {
  purpose: ChallengePurpose;
  nonce: string;
  binding?: BindingDetails;
  /** Names for the ids of `binding`, as the portal words them; shown beside the ids, never signed. */
  display?: { campaignName?: string; serviceName?: string };
  /** For `represent`: the Mykey ID of the representative, as the nonce carries it (and the card signs). */
  representativeMykeyId?: string;
}

const textCharsMax = 200;

/**
 * The sign request the page sent, checked against its own nonce: `request_malformed` when it is not of the shape
 * `{purpose, nonce, binding (for bind only), display?}` or the nonce is not one the platform builds;
 * `request_mismatch` when the purpose is not the nonce's, or the binding details are not those whose digest the
 * nonce carries — so the agent never shows one thing and has the card sign another. Pure.
 *
 * @example
 * const checked = checkSignRequest(request.body);
 * if (!checked.ok) return refuse(checked.code);
 */
export function checkSignRequest(body: unknown): Result<SignRequest, 'request_malformed' | 'request_mismatch'> {
  const malformed = () => fail('request_malformed', 'a sign request is {purpose, nonce, binding (for bind), display?}');
  if (!isRecord(body) || !hasOnly(body, ['purpose', 'nonce'], ['binding', 'display'])) return malformed();
  const { purpose, nonce, binding, display } = body;
  if (typeof purpose !== 'string' || !challengePurposes.includes(purpose as ChallengePurpose) || typeof nonce !== 'string') return malformed();
  if (binding !== undefined && !(isRecord(binding) && hasOnly(binding, ['campaignId', 'providerServiceId', 'accountRef'], ['onBehalfOf']) && allTexts(binding))) return malformed();
  if (display !== undefined && !(isRecord(display) && hasOnly(display, [], ['campaignName', 'serviceName']) && allTexts(display))) return malformed();
  const carried = parseChallengeNonce(nonce);
  if (carried === undefined) return malformed();
  const request: SignRequest = {
    purpose: purpose as ChallengePurpose,
    nonce,
    ...(binding === undefined ? {} : { binding: binding as unknown as BindingDetails }),
    ...(display === undefined ? {} : { display: display as SignRequest['display'] & object }),
    ...(carried.purpose === 'represent' ? { representativeMykeyId: carried.representativeMykeyId } : {}),
  };
  if (carried.purpose !== request.purpose) return fail('request_mismatch', `the nonce is for ${carried.purpose}, the request says ${request.purpose}`);
  if (carried.purpose === 'bind') {
    if (request.binding === undefined || bindingSha256(request.binding) !== carried.bindingSha256) {
      return fail('request_mismatch', 'the binding details are not those the nonce carries the digest of');
    }
  } else if (request.binding !== undefined || request.display !== undefined) {
    return fail('request_mismatch', `a ${carried.purpose} signs no binding details`);
  }
  return ok(request);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasOnly(value: Record<string, unknown>, required: string[], optional: string[]): boolean {
  return required.every((key) => key in value) && Object.keys(value).every((key) => required.includes(key) || optional.includes(key));
}

function allTexts(value: Record<string, unknown>): boolean {
  return Object.values(value).every((text) => typeof text === 'string' && text.length >= 1 && text.length <= textCharsMax);
}
