/**
 * The citizen's agent: what a browser extension or phone app does with the card — ask the platform for a
 * challenge, have the card sign SHA-256(origin) ‖ SHA-256(nonce), and send the token. The origin comes from the
 * agent's own configuration (in a browser: the page's origin), never from the server. Used by the demo, the
 * end-to-end tests, and developers without a card.
 */
import { randomUUID } from 'node:crypto';
import type { AuthToken } from '../identity/auth-token.js';
import { signWebEidChallengeWithCard } from './jpki-client.js';
import { signWebEidChallenge, type SoftwareCard } from './software-card.js';
import type { CardTransport } from './transport.js';

/**
 * A card behind a reader (PC/SC or the in-process JPKI simulator) and a way to ask the citizen for the PIN, once
 * per signature. `readPin` returns 4 ASCII digits in a Buffer the agent wipes after use; the agent never retries
 * a PIN, so a wrong one rejects with CardError pin_wrong (triesLeft) and a blocked one with pin_blocked.
 */
export interface CardReaderSigner {
  transport: CardTransport;
  readPin: () => Promise<Buffer>;
}

export interface ApiAnswer {
  status: number;
  body: any;
  /** The cookies the answer set, as `name=value` (a login challenge's pre-login cookie). */
  cookies: string[];
}

async function callJson(url: string, init: { method: string; token?: string; json?: unknown; idempotencyKey?: string; cookies?: string[] }): Promise<ApiAnswer> {
  const headers: Record<string, string> = {};
  if (init.json !== undefined) headers['content-type'] = 'application/json';
  if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
  if (init.idempotencyKey !== undefined) headers['idempotency-key'] = init.idempotencyKey;
  if (init.cookies !== undefined && init.cookies.length > 0) headers.cookie = init.cookies.join('; ');
  const response = await fetch(url, { method: init.method, headers, ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }) });
  const text = await response.text();
  const cookies = response.headers.getSetCookie().map((line) => line.split(';')[0]!.trim());
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text), cookies };
}

export interface BindingRequest {
  campaignId: string;
  providerServiceId: string;
  accountRef: string;
  securityCode: string;
}

export class CitizenAgent {
  private sessionToken: string | undefined;

  constructor(
    private readonly baseUrl: string,
    private readonly origin: string,
    private readonly card: SoftwareCard | CardReaderSigner,
  ) {}

  private async signChallenge(nonce: string): Promise<AuthToken> {
    if ('transport' in this.card) {
      return signWebEidChallengeWithCard(this.card.transport, { pin: await this.card.readPin(), origin: this.origin, nonce });
    }
    return signWebEidChallenge(this.card, { origin: this.origin, nonce });
  }

  /** Logs in with the card; the answer's body has mykeyId and personCreated. A card reader may reject with CardError. */
  async login(): Promise<ApiAnswer> {
    const challenge = await callJson(`${this.baseUrl}/v1/citizen/login/challenge`, { method: 'POST' });
    if (challenge.status !== 200) return challenge;
    const authToken = await this.signChallenge(challenge.body.nonce);
    // The challenge is bound to the pre-login cookie it came with, as in a browser.
    const login = await callJson(`${this.baseUrl}/v1/citizen/login`, { method: 'POST', json: { challengeId: challenge.body.challengeId, authToken }, cookies: challenge.cookies });
    if (login.status === 200) this.sessionToken = login.body.sessionToken;
    return login;
  }

  /** Binds an account: a challenge carrying the binding, signed by the card, sent with one idempotency key. */
  async bind(request: BindingRequest): Promise<ApiAnswer> {
    const binding = { campaignId: request.campaignId, providerServiceId: request.providerServiceId, accountRef: request.accountRef };
    const challenge = await callJson(`${this.baseUrl}/v1/citizen/bindings/challenge`, { method: 'POST', token: this.sessionToken, json: binding });
    if (challenge.status !== 200) return challenge;
    const authToken = await this.signChallenge(challenge.body.nonce);
    return callJson(`${this.baseUrl}/v1/citizen/bindings`, {
      method: 'POST',
      token: this.sessionToken,
      idempotencyKey: randomUUID(),
      json: { challengeId: challenge.body.challengeId, authToken, binding, securityCode: request.securityCode },
    });
  }

  async me(): Promise<ApiAnswer> {
    return callJson(`${this.baseUrl}/v1/citizen/me`, { method: 'GET', token: this.sessionToken });
  }

  async logout(): Promise<ApiAnswer> {
    const answer = await callJson(`${this.baseUrl}/v1/citizen/logout`, { method: 'POST', token: this.sessionToken });
    this.sessionToken = undefined;
    return answer;
  }
}

/** The operator's side, for the demo and tests: bearer token and an idempotency key per write. */
export class OperatorClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  async post(path: string, json: unknown, idempotencyKey: string = randomUUID()): Promise<ApiAnswer> {
    return callJson(`${this.baseUrl}${path}`, { method: 'POST', token: this.token, json, idempotencyKey });
  }

  async get(path: string): Promise<ApiAnswer> {
    return callJson(`${this.baseUrl}${path}`, { method: 'GET', token: this.token });
  }
}
