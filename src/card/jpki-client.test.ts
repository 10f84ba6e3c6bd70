// Ensures the JPKI card client drives a card as JPKI.md §1.2 / §8 B says: it reads the auth certificate in
// chunks, signs a Web eID challenge into a token verifyAuthToken accepts, reports wrong and blocked PINs with
// the tries left, never spends a try on a malformed PIN, wipes the PIN, drops the verified state, and handles
// card removal, non-JPKI cards and 61xx / 6Cxx answers. How: one test CA and software card generated in
// `before`; each test puts a fresh SoftwareJpkiCard behind an InProcessTransport, sometimes wrapped in a test
// transport that records commands or rewrites answers.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { before, describe, it } from 'node:test';
import { verifyAuthToken } from '../identity/auth-token.js';
import { createTestCa } from '../identity/test-ca.js';
import { createTrustStore } from '../identity/trust-store.js';
import type { TrustStore } from '../identity/trust-store.js';
import { CitizenAgent } from './agent.js';
import { parseResponse, responseApdu, sha256DigestInfo } from './apdu.js';
import { InProcessTransport } from './in-process-transport.js';
import { pinTriesLeft, readAuthCertificate, signWebEidChallengeWithCard, signWithAuthKey, transmitApdu } from './jpki-client.js';
import { createSoftwareCard, signWebEidChallenge } from './software-card.js';
import type { SoftwareCard } from './software-card.js';
import { SoftwareJpkiCard } from './software-jpki-card.js';
import type { SoftwareJpkiCardOptions } from './software-jpki-card.js';
import { CardError } from './transport.js';
import type { CardErrorCode, CardTransport } from './transport.js';

const nowMs = Date.UTC(2026, 0, 15, 9, 0, 0);
const origin = 'https://mykey.example';
const nonce = Buffer.alloc(32, 5).toString('base64');

let trust: TrustStore;
let softwareCard: SoftwareCard;
let caDer: Buffer;

before(async () => {
  const ca = await createTestCa({ nowMs: nowMs - 86_400_000 });
  caDer = new X509Certificate(ca.certificatePem).raw;
  const store = createTrustStore({ anchorsPem: [ca.certificatePem], production: false });
  if (!store.ok) throw new Error(store.code);
  trust = store.value;
  softwareCard = await createSoftwareCard(ca, { nowMs: nowMs - 86_400_000 });
});

function newCard(options: Partial<SoftwareJpkiCardOptions> = {}): SoftwareJpkiCard {
  return SoftwareJpkiCard.fromSoftwareCard(softwareCard, { authCaCertificateDer: caDer, ...options });
}

/** Wraps a transport: records every command and lets a test rewrite answers or act before a command. */
class TestTransport implements CardTransport {
  readonly commands: Buffer[] = [];
  constructor(
    private readonly inner: CardTransport,
    private readonly hooks: { before?: (command: Buffer) => void; answer?: (command: Buffer, inner: CardTransport) => Promise<Buffer> } = {},
  ) {}
  atr(): Promise<Buffer> {
    return this.inner.atr();
  }
  async transmit(command: Buffer): Promise<Buffer> {
    this.commands.push(Buffer.from(command));
    this.hooks.before?.(command);
    return this.hooks.answer === undefined ? this.inner.transmit(command) : this.hooks.answer(command, this.inner);
  }
  reset(): Promise<void> {
    return this.inner.reset();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
  sent(prefixHex: string): Buffer[] {
    return this.commands.filter((command) => command.toString('hex').startsWith(prefixHex));
  }
}

async function rejectsWith(promise: Promise<unknown>, code: CardErrorCode, triesLeft?: number): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof CardError);
    assert.strictEqual(error.code, code);
    if (triesLeft !== undefined) assert.strictEqual(error.triesLeft, triesLeft);
    return true;
  });
}

const pin = (digits: string): Buffer => Buffer.from(digits, 'ascii');
const digestInfo = (): Buffer => sha256DigestInfo(Buffer.alloc(32, 9));

describe('the full login flow', () => {
  it('produces a token verifyAuthToken accepts, identical to the software card token but for appVersion', async () => {
    const token = await signWebEidChallengeWithCard(new InProcessTransport(newCard()), { pin: pin('1234'), origin, nonce });
    const verified = verifyAuthToken({ token, nonce, origin, trust, nowMs });
    assert.strictEqual(verified.ok, true);
    const expected = signWebEidChallenge(softwareCard, { origin, nonce });
    assert.deepStrictEqual({ ...token, appVersion: undefined }, { ...expected, appVersion: undefined });
  });
  it('works on a card with the alternate ATR', async () => {
    const token = await signWebEidChallengeWithCard(new InProcessTransport(newCard({ atr: 'alternate' })), { pin: pin('1234'), origin, nonce });
    assert.strictEqual(verifyAuthToken({ token, nonce, origin, trust, nowMs }).ok, true);
  });
  it('sends the APDUs of JPKI.md §1.2, spends no try, and leaves the card with no verified PIN', async () => {
    const card = newCard();
    const transport = new TestTransport(new InProcessTransport(card));
    await signWebEidChallengeWithCard(transport, { pin: pin('1234'), origin, nonce });
    const commands = transport.commands.map((command) => command.toString('hex'));
    assert.strictEqual(commands[0], '00a4040c0ad392f000260100000001');
    assert.strictEqual(commands[1], '00a4020c02000a');
    assert.strictEqual(commands[2], '00b0000004');
    assert.ok(commands.includes('00200080'), 'asks for the tries left');
    assert.ok(commands.includes('00a4020c020017'));
    assert.strictEqual(transport.sent('802a008033').length, 1);
    assert.ok(transport.sent('802a008033')[0]!.subarray(-1).equals(Buffer.from([0])), 'Le 00');
    assert.strictEqual(commands.at(-1), '00a4040c0ad392f000260100000001', 're-selects the AP last');
    assert.strictEqual(card.pinTriesLeft, 3);
    assert.strictEqual(parseResponse(card.process(Buffer.from(`802a009733${digestInfo().toString('hex')}00`, 'hex'))).sw, 0x6982);
  });
  it('wipes the PIN buffer, on success and on failure', async () => {
    const good = pin('1234');
    await signWebEidChallengeWithCard(new InProcessTransport(newCard()), { pin: good, origin, nonce });
    assert.ok(good.every((byte) => byte === 0));
    const bad = pin('9999');
    await rejectsWith(signWithAuthKey(new InProcessTransport(newCard()), { pin: bad, digestInfo: digestInfo() }), 'pin_wrong');
    assert.ok(bad.every((byte) => byte === 0));
    const transport = new InProcessTransport(newCard());
    transport.remove();
    const unread = pin('1234');
    await rejectsWith(signWebEidChallengeWithCard(transport, { pin: unread, origin, nonce }), 'card_absent');
    assert.ok(unread.every((byte) => byte === 0));
  });
});

describe('readAuthCertificate', () => {
  it('reads the DER certificate from a header and ≤ 256-byte chunks', async () => {
    const transport = new TestTransport(new InProcessTransport(newCard()));
    assert.deepStrictEqual(await readAuthCertificate(transport), softwareCard.certificateDer);
    const reads = transport.sent('00b0');
    assert.strictEqual(reads.length, 1 + Math.ceil((softwareCard.certificateDer.length - 4) / 256));
  });
  it('refuses a file that is not a DER SEQUENCE with a 2-byte length (card_error)', async () => {
    const transport = new InProcessTransport(new SoftwareJpkiCard({ authCertificateDer: Buffer.from('3081ff00', 'hex'), authPrivateKey: softwareCard.privateKey }));
    await rejectsWith(readAuthCertificate(transport), 'card_error');
  });
  it('refuses a file shorter than its header says (card_error)', async () => {
    const truncated = softwareCard.certificateDer.subarray(0, 600);
    const transport = new InProcessTransport(new SoftwareJpkiCard({ authCertificateDer: truncated, authPrivateKey: softwareCard.privateKey }));
    await rejectsWith(readAuthCertificate(transport), 'card_error');
  });
});

describe('PIN handling', () => {
  it('pinTriesLeft reads 63 Cx without spending a try', async () => {
    const card = newCard();
    assert.strictEqual(await pinTriesLeft(new InProcessTransport(card)), 3);
    assert.strictEqual(await pinTriesLeft(new InProcessTransport(card)), 3);
    assert.strictEqual(await pinTriesLeft(new InProcessTransport(newCard({ pinTriesLeft: 1 }))), 1);
    assert.strictEqual(await pinTriesLeft(new InProcessTransport(newCard({ pinTriesLeft: 0 }))), 0);
    assert.strictEqual(await pinTriesLeft(new InProcessTransport(newCard({ pinTriesLeft: 0, blockedStatusWord: 0x63c0 }))), 0);
  });
  it('wrong PINs give pin_wrong with 2 then 1 tries left; the third blocks; then even the right PIN is refused, after reset too', async () => {
    const card = newCard();
    const transport = new TestTransport(new InProcessTransport(card));
    await rejectsWith(signWithAuthKey(transport, { pin: pin('0000'), digestInfo: digestInfo() }), 'pin_wrong', 2);
    await rejectsWith(signWithAuthKey(transport, { pin: pin('0000'), digestInfo: digestInfo() }), 'pin_wrong', 1);
    await rejectsWith(signWithAuthKey(transport, { pin: pin('0000'), digestInfo: digestInfo() }), 'pin_blocked');
    assert.strictEqual(card.pinTriesLeft, 0);
    const verifiesBefore = transport.sent('0020008004').length;
    await rejectsWith(signWithAuthKey(transport, { pin: pin('1234'), digestInfo: digestInfo() }), 'pin_blocked');
    await transport.reset();
    await rejectsWith(signWebEidChallengeWithCard(transport, { pin: pin('1234'), origin, nonce }), 'pin_blocked');
    assert.strictEqual(transport.sent('0020008004').length, verifiesBefore, 'no PIN sent to a blocked card');
    assert.strictEqual(transport.sent('802a').length, 0);
  });
  it('a correct PIN resets the counter', async () => {
    const card = newCard();
    const transport = new InProcessTransport(card);
    await rejectsWith(signWithAuthKey(transport, { pin: pin('0000'), digestInfo: digestInfo() }), 'pin_wrong', 2);
    await rejectsWith(signWithAuthKey(transport, { pin: pin('0000'), digestInfo: digestInfo() }), 'pin_wrong', 1);
    assert.strictEqual((await signWithAuthKey(transport, { pin: pin('1234'), digestInfo: digestInfo() })).length, 256);
    assert.strictEqual(await pinTriesLeft(transport), 3);
  });
  it('a wrong PIN error carries no PIN in its message', async () => {
    await assert.rejects(signWithAuthKey(new InProcessTransport(newCard()), { pin: pin('8642'), digestInfo: digestInfo() }), (error: unknown) => {
      assert.ok(error instanceof CardError);
      assert.ok(!error.message.includes('8642') && !error.message.includes('38363432'));
      return true;
    });
  });
  for (const malformed of ['123', '12345', '12a4', '', '１２３４']) {
    it(`a malformed PIN (${JSON.stringify(malformed)}) is refused before the card is touched`, async () => {
      const card = newCard();
      const transport = new TestTransport(new InProcessTransport(card));
      const buffer = pin(malformed);
      await assert.rejects(signWithAuthKey(transport, { pin: buffer, digestInfo: digestInfo() }), RangeError);
      await assert.rejects(signWebEidChallengeWithCard(transport, { pin: pin(malformed), origin, nonce }), RangeError);
      assert.strictEqual(transport.commands.length, 0);
      assert.strictEqual(card.pinTriesLeft, 3);
      assert.ok(buffer.every((byte) => byte === 0));
    });
  }
});

describe('card and reader failures', () => {
  it('a card removed before signing → card_absent, after a successful VERIFY; the card lost the verified state', async () => {
    const card = newCard();
    const inner = new InProcessTransport(card);
    const transport = new TestTransport(inner, { before: (command) => (command[1] === 0x2a ? inner.remove() : undefined) });
    const buffer = pin('1234');
    await rejectsWith(signWebEidChallengeWithCard(transport, { pin: buffer, origin, nonce }), 'card_absent');
    assert.ok(buffer.every((byte) => byte === 0));
    assert.strictEqual(card.pinTriesLeft, 3);
    inner.insert();
    assert.strictEqual(parseResponse(await inner.transmit(Buffer.from(`802a009733${digestInfo().toString('hex')}00`, 'hex'))).sw, 0x6986);
  });
  it('a card removed while reading the certificate → card_absent', async () => {
    const inner = new InProcessTransport(newCard());
    const transport = new TestTransport(inner, { before: (command) => (command.toString('hex') === '00b0000400' ? inner.remove() : undefined) });
    await rejectsWith(readAuthCertificate(transport), 'card_absent');
  });
  it('a closed transport → card_absent', async () => {
    const transport = new InProcessTransport(newCard());
    assert.strictEqual((await transport.atr()).toString('hex'), '3be000ff8131fe4514');
    await transport.close();
    await rejectsWith(transport.atr(), 'card_absent');
    await rejectsWith(pinTriesLeft(transport), 'card_absent');
  });
  it('a card without the JPKI AP (SELECT → 6A 82) → not_a_jpki_card, for every operation', async () => {
    const notJpki: CardTransport = {
      atr: async () => Buffer.from('3b8f8001804f0ca000000306030001000000006a', 'hex'),
      transmit: async (command) => responseApdu(command[1] === 0xa4 ? 0x6a82 : 0x6986),
      reset: async () => {},
      close: async () => {},
    };
    await rejectsWith(readAuthCertificate(notJpki), 'not_a_jpki_card');
    await rejectsWith(pinTriesLeft(notJpki), 'not_a_jpki_card');
    await rejectsWith(signWithAuthKey(notJpki, { pin: pin('1234'), digestInfo: digestInfo() }), 'not_a_jpki_card');
    await rejectsWith(signWebEidChallengeWithCard(notJpki, { pin: pin('1234'), origin, nonce }), 'not_a_jpki_card');
  });
  it('a card signing with another key than its certificate → card_error', async () => {
    const other = await createSoftwareCard(await createTestCa({ nowMs }), { nowMs });
    const card = new SoftwareJpkiCard({ authCertificateDer: softwareCard.certificateDer, authPrivateKey: other.privateKey });
    await rejectsWith(signWebEidChallengeWithCard(new InProcessTransport(card), { pin: pin('1234'), origin, nonce }), 'card_error');
  });
});

describe('61xx and 6Cxx', () => {
  it('61xx: a card that returns data 100 bytes at a time through GET RESPONSE still gives a valid token', async () => {
    let pending = Buffer.alloc(0);
    const chunked = (data: Buffer, statusWord: number): Buffer => {
      if (data.length <= 100) return responseApdu(statusWord, data);
      pending = Buffer.concat([data.subarray(100), Buffer.from([statusWord >> 8, statusWord & 0xff])]);
      return responseApdu(0x6100 | Math.min(pending.length - 2, 100), data.subarray(0, 100));
    };
    const transport = new TestTransport(new InProcessTransport(newCard()), {
      answer: async (command, inner) => {
        if (command[1] === 0xc0) {
          const statusWord = pending.readUInt16BE(pending.length - 2);
          const data = pending.subarray(0, pending.length - 2);
          pending = Buffer.alloc(0);
          return chunked(data, statusWord);
        }
        const response = parseResponse(await inner.transmit(command));
        return chunked(response.data, response.sw);
      },
    });
    const token = await signWebEidChallengeWithCard(transport, { pin: pin('1234'), origin, nonce });
    assert.strictEqual(verifyAuthToken({ token, nonce, origin, trust, nowMs }).ok, true);
    assert.ok(transport.sent('00c00000').length >= 3, 'signature (256 bytes) and certificate chunks came through GET RESPONSE');
  });
  it('6Cxx: a card that wants Le ≤ 0x80 answers 6C 80 and the client resends with Le 80', async () => {
    const transport = new TestTransport(new InProcessTransport(newCard()), {
      answer: async (command, inner) => {
        const le = command[4] === 0 ? 256 : command[4]!;
        if (command[1] === 0xb0 && le > 0x80) return responseApdu(0x6c80);
        return inner.transmit(command);
      },
    });
    assert.deepStrictEqual(await readAuthCertificate(transport), softwareCard.certificateDer);
    assert.ok(transport.sent('00b0').some((command) => command[4] === 0x80));
  });
  it('6Cxx on a case-4 command replaces its Le; on a case-1 command adds one', async () => {
    const answers = [responseApdu(0x6c10), responseApdu(0x9000, Buffer.alloc(16, 1)), responseApdu(0x6c00), responseApdu(0x9000)];
    const transport = new TestTransport({ atr: async () => Buffer.alloc(0), transmit: async () => answers.shift()!, reset: async () => {}, close: async () => {} });
    assert.deepStrictEqual(await transmitApdu(transport, Buffer.from('802a00800201020f', 'hex')), { data: Buffer.alloc(16, 1), sw: 0x9000 });
    assert.strictEqual(transport.commands[1]!.toString('hex'), '802a008002010210');
    await transmitApdu(transport, Buffer.from('00ca0101', 'hex'));
    assert.strictEqual(transport.commands[3]!.toString('hex'), '00ca010100');
  });
  it('a card answering 61xx forever → card_error', async () => {
    const runaway: CardTransport = { atr: async () => Buffer.alloc(0), transmit: async () => responseApdu(0x6101, Buffer.from([0])), reset: async () => {}, close: async () => {} };
    await rejectsWith(transmitApdu(runaway, Buffer.from('00b0000004', 'hex')), 'card_error');
    const sixC: CardTransport = { atr: async () => Buffer.alloc(0), transmit: async () => responseApdu(0x6c04), reset: async () => {}, close: async () => {} };
    await rejectsWith(transmitApdu(sixC, Buffer.from('00b0000004', 'hex')), 'card_error');
  });
});

describe('CitizenAgent with a card reader', () => {
  it('logs in through the card client, asking for the PIN once per signature', async (t) => {
    let verifiedOk: boolean | undefined;
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        response.setHeader('content-type', 'application/json');
        if (request.url === '/v1/citizen/login/challenge') {
          response.end(JSON.stringify({ challengeId: 'c1', nonce }));
          return;
        }
        const { authToken } = JSON.parse(body) as { authToken: Parameters<typeof verifyAuthToken>[0]['token'] };
        verifiedOk = verifyAuthToken({ token: authToken, nonce, origin, trust, nowMs }).ok;
        response.end(JSON.stringify({ sessionToken: 's1', mykeyId: 'm1', personCreated: true }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => server.close());
    const { port } = server.address() as AddressInfo;
    let pinRequests = 0;
    const agent = new CitizenAgent(`http://127.0.0.1:${port}`, origin, {
      transport: new InProcessTransport(newCard()),
      readPin: async () => {
        pinRequests += 1;
        return pin('1234');
      },
    });
    const answer = await agent.login();
    assert.strictEqual(answer.status, 200);
    assert.strictEqual(verifiedOk, true);
    assert.strictEqual(pinRequests, 1);
  });
});
