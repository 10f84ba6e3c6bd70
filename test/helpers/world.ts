/**
 * A test world: an AppContext on a given store with a test CA, a settable clock and a scripted provider
 * verifier, plus shortcuts to create campaigns, providers, citizens with software cards, and bindings through
 * the real use cases (no store shortcuts), so that tests exercise the same paths as the API.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { bindAccount, issueBindChallenge } from '../../src/app/bind-account.js';
import type { BindingDetails } from '../../src/domain/challenge-nonce.js';
import { issueChallenge, loginWithCard } from '../../src/app/card-login.js';
import { resolveSession, type CitizenSession } from '../../src/app/citizen.js';
import type { AccountVerificationRequest, AppContext, ProviderVerifier } from '../../src/app/context.js';
import { createCampaign, createProvider, createProviderKey } from '../../src/app/operator.js';
import { derivePlatformKeys } from '../../src/app/platform-keys.js';
import { createSoftwareCard, signWebEidChallenge, type SoftwareCard } from '../../src/card/software-card.js';
import type { CampaignDefinition } from '../../src/domain/campaign.js';
import { mynapoint2020Now } from '../../src/domain/presets.js';
import { fail, ok } from '../../src/domain/result.js';
import { createTestCa, type TestCa } from '../../src/identity/test-ca.js';
import { createTrustStore } from '../../src/identity/trust-store.js';
import { ensureAccount, insertBinding } from '../../src/store/bindings-repo.js';
import type { Store } from '../../src/store/db.js';

export const testOrigin = 'https://mykey.test';

/** A clock tests move by hand. */
export class TestClock {
  constructor(public ms: number) {}
  nowMs(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** Accepts an account when its security code is `ok-<accountRef>`; records every request it saw. */
export class ScriptedVerifier implements ProviderVerifier {
  readonly seen: AccountVerificationRequest[] = [];
  unavailable = false;
  async verify(input: Parameters<ProviderVerifier['verify']>[0]): ReturnType<ProviderVerifier['verify']> {
    this.seen.push(input.request);
    if (this.unavailable) return fail('provider_unavailable', 'scripted outage');
    return input.request.securityCode === `ok-${input.request.accountRef}` ? ok(undefined) : fail('account_verification_failed', 'scripted refusal');
  }
}

let sharedCa: Promise<TestCa> | undefined;

/** One test CA per test process: RSA key generation is the slow part of these tests. */
export function testCa(): Promise<TestCa> {
  sharedCa ??= createTestCa({ nowMs: Date.parse('2020-01-01T00:00:00Z'), validityDays: 20 * 365 });
  return sharedCa;
}

export interface World {
  ctx: AppContext;
  clock: TestClock;
  verifier: ScriptedVerifier;
  ca: TestCa;
}

export async function createWorld(store: Store, nowMs: number = Date.parse('2026-11-27T03:00:00Z')): Promise<World> {
  const ca = await testCa();
  const trust = createTrustStore({ anchorsPem: [ca.certificatePem], production: false });
  assert.ok(trust.ok);
  const clock = new TestClock(nowMs);
  const verifier = new ScriptedVerifier();
  const ctx: AppContext = {
    store,
    clock,
    keys: derivePlatformKeys(randomBytes(32)),
    trust: trust.value,
    origin: testOrigin,
    providerVerifier: verifier,
    revocation: undefined,
  };
  return { ctx, clock, verifier, ca };
}

/** Creates a campaign (Mynapoint 2020 rules, open at the world's time unless overridden). */
export async function addCampaign(world: World, overrides: Partial<CampaignDefinition> = {}): Promise<string> {
  const definition = { ...mynapoint2020Now(world.clock.nowMs()), id: `c-${randomBytes(3).toString('hex')}`, ...overrides };
  const created = await createCampaign(world.ctx, 'test', { definition });
  assert.ok(created.ok, created.ok ? '' : created.code);
  return definition.id;
}

/** Creates a provider with one service and a key; returns ids and the key. */
export async function addProvider(world: World, id = `p-${randomBytes(3).toString('hex')}`): Promise<{ providerId: string; serviceId: string; keyId: string; secret: Buffer }> {
  const serviceId = `${id}-svc`;
  const created = await createProvider(world.ctx, 'test', { id, name: id, verifyUrl: 'https://provider.test/verify', services: [{ id: serviceId, name: serviceId }] });
  assert.ok(created.ok);
  const key = await createProviderKey(world.ctx, 'test', id);
  assert.ok(key.ok);
  return { providerId: id, serviceId, keyId: key.value.keyId, secret: Buffer.from(key.value.secret, 'base64') };
}

export interface Citizen {
  card: SoftwareCard;
  session: CitizenSession;
  mykeyId: string;
}

export async function newCard(world: World): Promise<SoftwareCard> {
  return createSoftwareCard(world.ca, { nowMs: world.clock.nowMs() - 86_400_000, validityDays: 3_650 });
}

/** Logs a card in through the real login use case and returns the session. */
export async function loginCard(world: World, card: SoftwareCard): Promise<Citizen> {
  const challenge = await issueChallenge(world.ctx, { context: { purpose: 'login' } });
  const token = signWebEidChallenge(card, { origin: testOrigin, nonce: challenge.nonce });
  const login = await loginWithCard(world.ctx, { challengeId: challenge.challengeId, token, sessionId: null, delivery: 'token' });
  assert.ok(login.ok, login.ok ? '' : login.code);
  const session = await resolveSession(world.ctx, login.value.sessionToken, 'token');
  assert.ok(session.ok);
  return { card, session: session.value, mykeyId: login.value.mykeyId };
}

/** Binds through the real use case with a card signature and the scripted provider's accepted code. */
export async function bind(world: World, citizen: Citizen, details: BindingDetails, securityCode = `ok-${details.accountRef}`) {
  const challenge = await issueBindChallenge(world.ctx, citizen.session, details);
  const token = signWebEidChallenge(citizen.card, { origin: testOrigin, nonce: challenge.nonce });
  return bindAccount(world.ctx, citizen.session, { challengeId: challenge.challengeId, token, details, securityCode });
}

const cardPool: Array<Promise<SoftwareCard>> = [];

/**
 * The i-th card of a per-process pool: RSA key generation is the slow part of a citizen, and a card's person is
 * per store, so suites that open many stores (or bind the same people in many campaigns) reuse the same cards.
 */
export function pooledCard(world: World, index: number): Promise<SoftwareCard> {
  while (cardPool.length <= index) cardPool.push(newCard(world));
  return cardPool[index]!;
}

/** `count` citizens logged in on this world's store, from the pooled cards. */
export async function addCitizens(world: World, count: number): Promise<Citizen[]> {
  const cards = await Promise.all(Array.from({ length: count }, (_, index) => pooledCard(world, index)));
  const citizens: Citizen[] = [];
  for (const card of cards) citizens.push(await loginCard(world, card));
  return citizens;
}

/** Binds through the real use case and fails the test unless the binding is made. */
export async function bindOk(world: World, citizen: Citizen, details: BindingDetails): Promise<void> {
  const bound = await bind(world, citizen, details);
  assert.ok(bound.ok, bound.ok ? '' : `bind failed: ${bound.code}`);
}

/**
 * A store shortcut for bulk tests (property and concurrency runs that bind the same people in many campaigns):
 * writes the account, binding and zero balance the way bindAccount's last step does, in one transaction, without
 * the card signature and the provider call. Tests of binding itself use `bind`.
 */
export async function bindDirect(world: World, personId: string, details: BindingDetails & { providerId: string }): Promise<void> {
  const nowMs = world.clock.nowMs();
  await world.ctx.store.transaction(async (tx) => {
    const accountId = await ensureAccount(tx, {
      accountId: randomUUID(),
      providerId: details.providerId,
      providerServiceId: details.providerServiceId,
      accountRef: details.accountRef,
      nowMs,
    });
    await insertBinding(tx, {
      bindingId: randomUUID(),
      personId,
      campaignId: details.campaignId,
      accountId,
      providerServiceId: details.providerServiceId,
      holderPersonId: personId,
      createdAtMs: nowMs,
    });
  });
}
