/**
 * A demo payment provider: a small server with a few accounts and their security codes that implements the
 * verification endpoint the platform calls at binding time (checking the platform's signature), and a client that
 * reports events and drains the grant feed the way a real provider would. Used by `mykey demo`, by
 * `mykey serve` in development, and by the end-to-end tests.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { verifyRequest } from '../http/message-signatures.js';
import { signedFetch, type SigningKey } from '../http/signed-fetch.js';

export interface DemoAccount {
  accountRef: string;
  securityCode: string;
}

/** The demo provider's accounts, shared by `mykey serve` in development, the demo and the tests. */
export const demoAccounts: readonly DemoAccount[] = [
  { accountRef: 'DEMO-0001', securityCode: '1234' },
  { accountRef: 'DEMO-0002', securityCode: '2345' },
  { accountRef: 'DEMO-0003', securityCode: '3456' },
];

/**
 * Adds the provider side of account verification at `path`: it checks the platform's signature, then whether the
 * payment-service ID and security code belong together. `lookupSecret` is asked at each call for the secret of the
 * key the platform signed with (undefined for a key the provider does not hold), so the route can exist before the
 * platform has issued a key, and keeps working when the provider's staff create or rotate keys in the console.
 * The app's JSON parser must keep the raw body in `request.rawBody` (the platform's does).
 */
export function registerDemoProviderVerify(app: FastifyInstance, path: string, input: { accounts: readonly DemoAccount[]; lookupSecret: (keyId: string) => Promise<Uint8Array | undefined> }): void {
  app.post(path, { schema: { hide: true } }, async (request, reply) => {
    const verified = await verifyRequest({
      method: request.method,
      targetUri: `${request.protocol}://${request.host}${request.url}`,
      headers: request.headers,
      body: (request as { rawBody?: Buffer }).rawBody ?? Buffer.alloc(0),
      nowS: Math.floor(Date.now() / 1000),
      lookupSecret: input.lookupSecret,
    });
    if (!verified.ok) return reply.code(401).send({ error: verified.code });
    const { accountRef, securityCode } = request.body as { accountRef?: string; securityCode?: string };
    const account = input.accounts.find((a) => a.accountRef === accountRef);
    return { verified: account !== undefined && account.securityCode === securityCode };
  });
}

/** A stand-alone demo provider on its own port (loopback), for the demo and tests with several providers. */
export async function startDemoProviderServer(input: {
  accounts: readonly DemoAccount[];
  key: () => SigningKey | undefined;
}): Promise<{ app: FastifyInstance; verifyUrl: string }> {
  const app = Fastify({ logger: false });
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    (request as { rawBody?: Buffer }).rawBody = body as Buffer;
    try {
      done(null, JSON.parse((body as Buffer).toString('utf8')));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  registerDemoProviderVerify(app, '/verify', {
    accounts: input.accounts,
    lookupSecret: async (keyId) => {
      const key = input.key();
      return key !== undefined && keyId === key.keyId ? key.secret : undefined;
    },
  });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, verifyUrl: `${address}/verify` };
}

export interface ReportedEvent {
  eventId: string;
  accountRef: string;
  kind: 'payment' | 'topup' | 'refund' | 'cancel';
  amountYen: number;
  occurredAt: string;
  originalEventId?: string;
  merchantRegion?: string;
}

export interface FeedGrant {
  grantId: string;
  accountRef: string;
  campaignId: string;
  eventId: string;
  points: number;
  acknowledged: boolean;
}

/** What a provider's back office does against the platform, with every request signed. */
export class ProviderClient {
  constructor(
    private readonly baseUrl: string,
    private readonly key: SigningKey,
  ) {}

  async reportEvents(events: readonly ReportedEvent[]): Promise<{ status: number; body: unknown }> {
    return signedFetch({ url: `${this.baseUrl}/v1/provider/events`, method: 'POST', key: this.key, json: { events } });
  }

  /** Reads the whole feed after a cursor; returns the grants and the cursor to resume from. */
  async readGrants(after?: string): Promise<{ grants: FeedGrant[]; cursor: string | undefined }> {
    const grants: FeedGrant[] = [];
    let cursor = after;
    for (;;) {
      const query = cursor === undefined ? '?limit=1000' : `?limit=1000&after=${encodeURIComponent(cursor)}`;
      const page = await signedFetch({ url: `${this.baseUrl}/v1/provider/grants${query}`, method: 'GET', key: this.key });
      if (page.status !== 200) throw new Error(`grant feed answered ${page.status}: ${JSON.stringify(page.body)}`);
      const body = page.body as { data: FeedGrant[]; hasMore: boolean; nextCursor: string };
      grants.push(...body.data);
      cursor = body.nextCursor;
      if (!body.hasMore) return { grants, cursor };
    }
  }

  async acknowledge(grantIds: readonly string[]): Promise<{ status: number; body: unknown }> {
    return signedFetch({ url: `${this.baseUrl}/v1/provider/grants/ack`, method: 'POST', key: this.key, json: { grantIds } });
  }
}
