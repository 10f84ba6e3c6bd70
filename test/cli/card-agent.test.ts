// Ensures the card agent serves only its portal and only under its own address, signs only what it shows, spares
// the PIN counter and the PIN, and cannot be held by slow clients: a foreign Origin and a rebinding Host are
// refused; Chromium's Private Network Access preflight is answered; binding details that are not those whose
// digest the nonce carries (or another purpose) get request_mismatch before any PIN, with the card untouched; the
// tries left are read first and shown, and a blocked PIN is answered at once; the PIN travels as raw bytes only
// (JSON is refused) and its VERIFY command is wiped; a cancel, a wrong PIN and a signature reach the waiting request;
// a client sending its headers byte by byte is cut within bounded time, while a sign request waiting for the person
// outlives the idle deadline; and every code of the agent's list is answered, with its status, by some test here
// (the last test checks that the codes seen are exactly the list, and that docs/identity.md documents them).
// How: the real agent on free loopback ports, with software cards of a test CA (and, for reader and card failures,
// card sources over transports that answer as such readers and cards do), driven with fetch and raw sockets as the
// portal's page and the agent's page would.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { softwareCardSource, startCardAgent, type CardAgentOptions, type CardSource } from '../../src/card/agent-server.js';
import { responseApdu } from '../../src/card/apdu.js';
import { createSoftwareCard, type SoftwareCard } from '../../src/card/software-card.js';
import { SoftwareJpkiCard } from '../../src/card/software-jpki-card.js';
import { CardError, type CardTransport } from '../../src/card/transport.js';
import { cardAgentErrorCodes, type CardAgentErrorCode } from '../../src/domain/card-agent.js';
import { bindingSha256, challengeNonce, type BindingDetails, type NonceContext } from '../../src/domain/challenge-nonce.js';
import { createTestCa } from '../../src/identity/test-ca.js';
import { freePort } from '../helpers/serve-process.js';

const portal = 'https://mykey.example.jp';
const nonceFor = (context: NonceContext): string => challengeNonce(randomBytes(32), context);
const loginNonce = (): string => nonceFor({ purpose: 'login' });
const binding: BindingDetails = { campaignId: 'mynapoint-2020', providerServiceId: 'paypay', accountRef: 'ACC-1001' };

/** Every code an answer of these tests carried, checked against the list at the end. */
const codesSeen = new Set<string>();

/** The answer's code, after checking that its status is the one the list gives it. */
async function codeOf(response: Response): Promise<CardAgentErrorCode> {
  const body = (await response.json()) as { code: CardAgentErrorCode };
  assert.ok(body.code in cardAgentErrorCodes, `${body.code} is in the agent's list`);
  assert.equal(response.status, cardAgentErrorCodes[body.code].status, body.code);
  codesSeen.add(body.code);
  return body.code;
}

let softwareCard: SoftwareCard;
before(async () => {
  const ca = await createTestCa({ nowMs: Date.now() - 86_400_000, validityDays: 3_650 });
  softwareCard = await createSoftwareCard(ca, { nowMs: Date.now() - 3_600_000 });
});

const jpkiCard = (pinTriesLeft = 3): SoftwareJpkiCard => SoftwareJpkiCard.fromSoftwareCard(softwareCard, { pin: '1234', pinTriesLeft });

/** A card source whose transports record every command APDU they carry (the very buffers, not copies). */
function recording(inner: CardSource): CardSource & { commands: Buffer[] } {
  const commands: Buffer[] = [];
  return {
    ...inner,
    commands,
    open: async () => {
      const transport = await inner.open();
      return {
        atr: () => transport.atr(),
        transmit: (command: Buffer) => {
          commands.push(command);
          return transport.transmit(command);
        },
        reset: () => transport.reset(),
        close: () => transport.close(),
      };
    },
  };
}

/** A PC/SC-like source (no simulated removal) over one fixed transport. */
function readerWith(transport: CardTransport): CardSource {
  return { readerName: 'Test reader', isPresent: async () => true, open: async () => transport };
}

/** A card that answers every command with one status word after SELECT answers `select`. */
function cardAnswering(select: number, others: number): CardTransport {
  return {
    atr: async () => Buffer.from('3b8f8001804f0ca000000306030001000000006a', 'hex'),
    transmit: async (command) => responseApdu(command[1] === 0xa4 ? select : others),
    reset: async () => {},
    close: async () => {},
  };
}

interface TestAgent {
  base: string;
  port: number;
  fromPortal(path: string, init?: RequestInit): Promise<Response>;
  sign(body: unknown): Promise<Response>;
  fromPage(path: string, init?: { bytes?: Uint8Array; json?: unknown }): Promise<Response>;
  /** Waits for the request the agent holds and returns what its page shows. */
  pending(): Promise<{ id: string; origin: string; triesLeft: number; purpose: string }>;
  view(): Promise<{ pending: unknown; lastResult: unknown }>;
  close(): Promise<void>;
}

async function startAgent(source: CardSource, extra: Partial<CardAgentOptions> = {}): Promise<TestAgent> {
  const port = await freePort();
  const agent = await startCardAgent({ portalOrigin: portal, source, port, version: 'test', approvalTimeoutMs: 5_000, ...extra });
  const html = await (await fetch(`${agent.url}/`)).text();
  const pageToken = /name="mykey-agent-token" content="([^"]+)"/.exec(html)![1]!;
  assert.ok(pageToken.length >= 20 && pageToken !== '__AGENT_TOKEN__');
  const fromPortal = (path: string, init: RequestInit = {}) => fetch(`${agent.url}${path}`, { ...init, headers: { origin: portal, 'content-type': 'application/json', ...init.headers } });
  const view = async () => (await (await fetch(`${agent.url}/agent/pending`, { headers: { 'x-agent-token': pageToken } })).json()) as { pending: any; lastResult: unknown };
  return {
    base: agent.url,
    port,
    fromPortal,
    sign: (body) => fromPortal('/v1/sign', { method: 'POST', body: JSON.stringify(body) }),
    fromPage: (path, init = {}) =>
      fetch(`${agent.url}${path}`, {
        method: 'POST',
        headers: { 'x-agent-token': pageToken, ...(init.bytes !== undefined ? { 'content-type': 'application/octet-stream' } : init.json !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(init.bytes !== undefined ? { body: init.bytes } : init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
      }),
    view,
    pending: async () => {
      for (;;) {
        const shown = (await view()).pending as { id: string; origin: string; triesLeft: number; purpose: string } | null;
        if (shown !== null) {
          assert.equal(shown.origin, portal, 'the page shows the origin of the request, from its Origin header');
          return shown;
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    close: () => agent.close(),
  };
}

const pinBytes = (pin: string): Uint8Array => new TextEncoder().encode(pin);

describe('the card agent: origins, hosts, routes and request shapes', () => {
  let agent: TestAgent;
  before(async () => {
    agent = await startAgent(softwareCardSource(jpkiCard()));
  });
  after(() => agent.close());

  it('answers its portal with CORS for that origin only, and refuses another origin or a rebinding host', async () => {
    const ok = await agent.fromPortal('/v1/status');
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('access-control-allow-origin'), portal);
    assert.equal(((await ok.json()) as { state: string }).state, 'ready');
    const foreign = await fetch(`${agent.base}/v1/status`, { headers: { origin: 'https://evil.example' } });
    assert.equal(await codeOf(foreign), 'origin_refused');
    assert.equal(foreign.headers.get('access-control-allow-origin'), null);
    assert.equal(await codeOf(await fetch(`${agent.base}/v1/status`)), 'origin_refused');
    // fetch cannot set Host; a DNS-rebinding page's request arrives with its own host name.
    const rebound = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = httpRequest({ host: '127.0.0.1', port: agent.port, path: '/v1/status', headers: { origin: portal, host: `evil.example:${agent.port}` } }, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      });
      request.on('error', reject);
      request.end();
    });
    assert.equal(rebound.status, cardAgentErrorCodes.host_refused.status);
    assert.equal((JSON.parse(rebound.body) as { code: string }).code, 'host_refused');
    codesSeen.add('host_refused');
  });

  it('answers the Private Network Access preflight', async () => {
    const preflight = await agent.fromPortal('/v1/sign', { method: 'OPTIONS', headers: { 'access-control-request-method': 'POST', 'access-control-request-private-network': 'true' } });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-private-network'), 'true');
    assert.equal(preflight.headers.get('access-control-allow-origin'), portal);
  });

  it('answers an unknown route, a body over 4 KiB and a malformed request with their codes', async () => {
    assert.equal(await codeOf(await agent.fromPortal('/v1/openapi.json')), 'route_unknown');
    assert.equal(await codeOf(await agent.fromPortal('/v1/sign', { method: 'POST', body: JSON.stringify({ purpose: 'login', nonce: 'x'.repeat(5_000) }) })), 'request_too_large');
    for (const body of [{ purpose: 'steal', nonce: loginNonce() }, { purpose: 'login', nonce: 'not-a-nonce-of-the-platform' }, { purpose: 'login', nonce: loginNonce(), extra: 1 }]) {
      assert.equal(await codeOf(await agent.sign(body)), 'request_malformed', JSON.stringify(body));
    }
    assert.equal(await codeOf(await agent.fromPortal('/v1/sign', { method: 'POST', body: '{"purpose":' })), 'request_malformed');
    const noToken = await fetch(`${agent.base}/agent/approve/x`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: pinBytes('1234') });
    assert.equal(await codeOf(noToken), 'origin_refused');
    assert.equal(await codeOf(await agent.fromPage('/agent/approve/x', { bytes: pinBytes('1234') })), 'request_not_pending');
    assert.equal(await codeOf(await agent.fromPage('/agent/cancel/x')), 'request_not_pending');
  });
});

describe('the card agent signs only what it shows', () => {
  let agent: TestAgent;
  let source: ReturnType<typeof recording>;
  before(async () => {
    source = recording(softwareCardSource(jpkiCard()));
    agent = await startAgent(source);
  });
  after(() => agent.close());

  it('refuses binding details other than those whose digest the nonce carries, before any PIN, the card untouched', async () => {
    const nonce = nonceFor({ purpose: 'bind', bindingSha256: bindingSha256(binding) });
    const others: BindingDetails[] = [
      { ...binding, accountRef: 'ACC-9999' },
      { ...binding, campaignId: 'municipal-2026' },
      { ...binding, providerServiceId: 'other-pay' },
      { ...binding, onBehalfOf: '23456789' },
    ];
    for (const other of others) {
      const answer = await agent.sign({ purpose: 'bind', nonce, binding: other, display: { campaignName: 'Mynapoint', serviceName: 'PayPay' } });
      assert.equal(await codeOf(answer), 'request_mismatch', JSON.stringify(other));
    }
    // A page that claims a login for a bind nonce, or a bind without its details, or details for a login.
    assert.equal(await codeOf(await agent.sign({ purpose: 'login', nonce })), 'request_mismatch');
    assert.equal(await codeOf(await agent.sign({ purpose: 'bind', nonce })), 'request_mismatch');
    assert.equal(await codeOf(await agent.sign({ purpose: 'login', nonce: loginNonce(), binding })), 'request_mismatch');
    assert.equal(await codeOf(await agent.sign({ purpose: 'represent', nonce: loginNonce() })), 'request_mismatch');
    assert.deepEqual(source.commands, [], 'the card was not touched');
    assert.equal((await agent.view()).pending, null, 'nothing was shown, no PIN was asked');
  });

  it('shows the binding the nonce carries with the tries left, and signs it after the PIN', async () => {
    const nonce = nonceFor({ purpose: 'bind', bindingSha256: bindingSha256(binding) });
    const signed = agent.sign({ purpose: 'bind', nonce, binding, display: { campaignName: 'Mynapoint', serviceName: 'PayPay' } });
    const shown = await agent.pending();
    assert.equal(shown.purpose, 'bind');
    assert.equal(shown.triesLeft, 3);
    assert.equal((await agent.fromPage(`/agent/approve/${shown.id}`, { bytes: pinBytes('1234') })).status, 200);
    const answer = (await (await signed).json()) as { authToken: { signature: string } };
    assert.equal(typeof answer.authToken.signature, 'string');
  });
});

describe('the card agent shows who represents whom', () => {
  it('shows the representative’s Mykey ID that the represent nonce carries', async () => {
    const agent = await startAgent(softwareCardSource(jpkiCard()));
    try {
      const waiting = agent.sign({ purpose: 'represent', nonce: nonceFor({ purpose: 'represent', representativeMykeyId: 'Y8V638QF' }) });
      await agent.pending();
      assert.equal(((await agent.view()).pending as { representativeMykeyId: string }).representativeMykeyId, 'Y8V638QF');
      await agent.fromPage(`/agent/cancel/${(await agent.pending()).id}`);
      assert.equal(await codeOf(await waiting), 'user_cancelled');
    } finally {
      await agent.close();
    }
  });
});

describe('the card agent and the PIN', () => {
  let agent: TestAgent;
  let source: ReturnType<typeof recording>;
  before(async () => {
    source = recording(softwareCardSource(jpkiCard()));
    agent = await startAgent(source);
  });
  after(() => agent.close());

  it('holds one request at a time; cancel, a wrong PIN (tries left read again) and a signature reach it; the PIN never comes back', async () => {
    const cancelled = agent.sign({ purpose: 'login', nonce: loginNonce() });
    const first = await agent.pending();
    assert.equal(first.triesLeft, 3);
    assert.equal(await codeOf(await agent.sign({ purpose: 'login', nonce: loginNonce() })), 'busy');
    assert.equal((await agent.fromPage(`/agent/cancel/${first.id}`)).status, 200);
    assert.equal(await codeOf(await cancelled), 'user_cancelled');

    const wrong = agent.sign({ purpose: 'login', nonce: loginNonce() });
    await agent.fromPage(`/agent/approve/${(await agent.pending()).id}`, { bytes: pinBytes('0000') });
    const wrongAnswer = await wrong;
    const wrongText = await wrongAnswer.clone().text();
    assert.equal(await codeOf(wrongAnswer), 'pin_wrong');
    assert.equal(JSON.parse(wrongText).triesLeft, 2);
    assert.doesNotMatch(wrongText, /0000/);

    const signed = agent.sign({ purpose: 'login', nonce: loginNonce() });
    const shown = await agent.pending();
    assert.equal(shown.triesLeft, 2, 'the tries left are read from the card for each request');
    const approval = await (await agent.fromPage(`/agent/approve/${shown.id}`, { bytes: pinBytes('1234') })).text();
    assert.doesNotMatch(approval, /1234/);
    const answer = (await (await signed).json()) as { authToken: { signature: string } };
    assert.equal(typeof answer.authToken.signature, 'string');
    // VERIFY with a 4-digit PIN is the only 9-byte command (00 20 00 80 04 <PIN>); its header is wiped too.
    const verifies = source.commands.filter((command) => command.length === 9);
    assert.equal(verifies.length, 2, 'two VERIFY commands carried a PIN');
    for (const command of verifies) assert.ok(command.every((byte) => byte === 0), 'a VERIFY command is wiped once sent');
  });

  it('takes the PIN only as its raw bytes: JSON, text, other lengths and more than 16 bytes are refused, no try spent', async () => {
    const waiting = agent.sign({ purpose: 'login', nonce: loginNonce() });
    const { id, triesLeft } = await agent.pending();
    assert.equal(triesLeft, 3);
    assert.equal(await codeOf(await agent.fromPage(`/agent/approve/${id}`, { json: { pin: '1234' } })), 'request_malformed');
    for (const pin of ['123', '12345', '12a4', '']) assert.equal(await codeOf(await agent.fromPage(`/agent/approve/${id}`, { bytes: pinBytes(pin) })), 'request_malformed', pin);
    assert.equal(await codeOf(await agent.fromPage(`/agent/approve/${id}`, { bytes: new Uint8Array(17).fill(0x31) })), 'request_too_large');
    const text = await fetch(`${agent.base}/agent/approve/${id}`, { method: 'POST', headers: { 'x-agent-token': (await pageTokenOf(agent)), 'content-type': 'text/plain' }, body: '1234' });
    assert.equal(await codeOf(text), 'request_malformed');
    assert.equal((await agent.pending()).id, id, 'the request still waits');
    await agent.fromPage(`/agent/cancel/${id}`);
    await waiting;
    const next = agent.sign({ purpose: 'login', nonce: loginNonce() });
    assert.equal((await agent.pending()).triesLeft, 3, 'no try was spent');
    await agent.fromPage(`/agent/cancel/${(await agent.pending()).id}`);
    await next;
  });

  it('answers a blocked PIN at once, without asking for a PIN', async () => {
    for (let wrong = 0; wrong < 3; wrong += 1) {
      const answer = agent.sign({ purpose: 'login', nonce: loginNonce() });
      await agent.fromPage(`/agent/approve/${(await agent.pending()).id}`, { bytes: pinBytes('9999') });
      assert.equal(await codeOf(await answer), wrong < 2 ? 'pin_wrong' : 'pin_blocked');
    }
    const blocked = await agent.sign({ purpose: 'login', nonce: loginNonce() });
    assert.equal(await codeOf(blocked), 'pin_blocked');
    assert.equal((await agent.view()).pending, null, 'no PIN was asked');
    assert.deepEqual((await agent.view()).lastResult, { code: 'pin_blocked', triesLeft: 0 }, 'the agent’s window says so too');
    const blockedBefore = await startAgent(softwareCardSource(jpkiCard(0)));
    try {
      assert.equal(await codeOf(await blockedBefore.sign({ purpose: 'login', nonce: loginNonce() })), 'pin_blocked', 'a card blocked before the agent started');
    } finally {
      await blockedBefore.close();
    }
  });

  it('a software card taken out is card_absent at once; put back, it is a new insertion', async () => {
    const first = ((await (await agent.fromPortal('/v1/status')).json()) as { card: { insertionId: string } }).card.insertionId;
    await agent.fromPage('/agent/card', { json: { present: false } });
    const out = (await (await agent.fromPortal('/v1/status')).json()) as { state: string; card: unknown };
    assert.deepEqual([out.state, out.card], ['card_absent', null]);
    assert.equal(await codeOf(await agent.sign({ purpose: 'login', nonce: loginNonce() })), 'card_absent');
    assert.equal(await codeOf(await agent.fromPage('/agent/card', { json: { present: 'no' } })), 'request_malformed');
    await agent.fromPage('/agent/card', { json: { present: true } });
    const back = ((await (await agent.fromPortal('/v1/status')).json()) as { card: { insertionId: string } }).card.insertionId;
    assert.notEqual(back, first);
  });
});

/** The page token of an agent's HTML (for a request the helper does not make). */
async function pageTokenOf(agent: TestAgent): Promise<string> {
  return /name="mykey-agent-token" content="([^"]+)"/.exec(await (await fetch(`${agent.base}/`)).text())![1]!;
}

describe('the card agent with other readers and cards', () => {
  const withAgent = async (source: CardSource, work: (agent: TestAgent) => Promise<void>, extra: Partial<CardAgentOptions> = {}) => {
    const agent = await startAgent(source, extra);
    try {
      await work(agent);
    } finally {
      await agent.close();
    }
  };

  it('no reader: reader_absent at once, and in the status', async () => {
    const unplugged: CardSource = {
      readerName: 'PC/SC',
      isPresent: async () => Promise.reject(new CardError('reader_absent', 'no reader')),
      open: async () => Promise.reject(new CardError('reader_absent', 'no reader')),
    };
    await withAgent(unplugged, async (agent) => {
      assert.equal(((await (await agent.fromPortal('/v1/status')).json()) as { state: string }).state, 'reader_absent');
      assert.equal(await codeOf(await agent.sign({ purpose: 'login', nonce: loginNonce() })), 'reader_absent');
    });
  });

  it('a card without the JPKI AP: not_a_jpki_card; a card answering VERIFY oddly: card_error — both before any PIN', async () => {
    await withAgent(readerWith(cardAnswering(0x6a82, 0x6986)), async (agent) => {
      assert.equal(await codeOf(await agent.sign({ purpose: 'login', nonce: loginNonce() })), 'not_a_jpki_card');
    });
    await withAgent(readerWith(cardAnswering(0x9000, 0x6f00)), async (agent) => {
      assert.equal(await codeOf(await agent.sign({ purpose: 'login', nonce: loginNonce() })), 'card_error');
      assert.equal((await agent.view()).pending, null);
    });
  });

  it('a real reader’s card cannot be taken out from the page (card_not_simulated)', async () => {
    await withAgent(readerWith(cardAnswering(0x9000, 0x63c3)), async (agent) => {
      assert.equal(await codeOf(await agent.fromPage('/agent/card', { json: { present: false } })), 'card_not_simulated');
    });
  });

  it('a reader library failing unexpectedly: agent_internal, with nothing of the failure in the answer', async () => {
    const broken: CardSource = { readerName: 'PC/SC', isPresent: async () => true, open: async () => Promise.reject(new Error('SCardConnect: secret internals')) };
    await withAgent(broken, async (agent) => {
      const answer = await agent.sign({ purpose: 'login', nonce: loginNonce() });
      assert.doesNotMatch(await answer.clone().text(), /secret internals/);
      assert.equal(await codeOf(answer), 'agent_internal');
    });
  });

  it('nobody approving in time: timeout', async () => {
    await withAgent(
      softwareCardSource(jpkiCard()),
      async (agent) => {
        assert.equal(await codeOf(await agent.sign({ purpose: 'login', nonce: loginNonce() })), 'timeout');
      },
      { approvalTimeoutMs: 200 },
    );
  });
});

describe('the card agent and slow clients', () => {
  const timeouts = { headersMs: 400, requestMs: 800, idleMs: 600, checkIntervalMs: 100 };
  let agent: TestAgent;
  before(async () => {
    agent = await startAgent(softwareCardSource(jpkiCard()), { timeouts });
  });
  after(() => agent.close());

  /** Opens a socket, lets `feed` write to it, and resolves with how long the agent kept it open and what it sent. */
  const heldFor = (feed: (write: (text: string) => void) => () => void): Promise<{ heldMs: number; answer: string }> =>
    new Promise((resolve, reject) => {
      const startedMs = performance.now();
      const socket = connect(agent.port, '127.0.0.1');
      let answer = '';
      let stop = () => {};
      socket.on('connect', () => {
        stop = feed((text) => socket.write(text));
      });
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        stop();
        resolve({ heldMs: performance.now() - startedMs, answer });
      });
      setTimeout(() => reject(new Error('the agent kept a slow client for 5 s')), 5_000).unref();
    });

  it('cuts a client that sends its headers byte by byte, within the headers deadline and one check', async () => {
    const { heldMs, answer } = await heldFor((write) => {
      const headers = `GET /v1/status HTTP/1.1\r\nHost: 127.0.0.1:${agent.port}\r\nOrigin: ${portal}\r\nX-Slow: ${'a'.repeat(1_000)}`;
      let sent = 0;
      const timer = setInterval(() => write(headers[sent++ % headers.length]!), 20);
      return () => clearInterval(timer);
    });
    assert.ok(heldMs < timeouts.headersMs + 2 * timeouts.checkIntervalMs + 300, `cut after ${Math.round(heldMs)} ms`);
    assert.ok(heldMs >= timeouts.headersMs - 50, `not before the deadline (${Math.round(heldMs)} ms)`);
    assert.match(answer, /^HTTP\/1\.1 408/, 'the agent said why');
  });

  it('cuts a client that connects and sends nothing', async () => {
    const { heldMs } = await heldFor(() => () => {});
    assert.ok(heldMs < timeouts.idleMs + 2 * timeouts.checkIntervalMs + 300, `cut after ${Math.round(heldMs)} ms`);
  });

  it('keeps a sign request open past the idle deadline while the person types', async () => {
    const signed = agent.sign({ purpose: 'login', nonce: loginNonce() });
    const { id } = await agent.pending();
    await new Promise((resolve) => setTimeout(resolve, timeouts.idleMs * 2));
    assert.equal((await agent.fromPage(`/agent/approve/${id}`, { bytes: pinBytes('1234') })).status, 200);
    const answer = (await (await signed).json()) as { authToken: { signature: string } };
    assert.equal(typeof answer.authToken.signature, 'string');
  });
});

describe('the card agent’s codes', () => {
  it('are each answered by a test above, and documented in docs/identity.md with their status', async () => {
    assert.deepEqual([...codesSeen].sort(), Object.keys(cardAgentErrorCodes).sort());
    const docs = await readFile('docs/identity.md', 'utf8');
    const documented = new Map([...docs.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \|/gm)].map((match) => [match[1]!, Number(match[2])]));
    for (const [code, { status }] of Object.entries(cardAgentErrorCodes)) assert.equal(documented.get(code), status, `docs/identity.md: ${code}`);
  });
});
