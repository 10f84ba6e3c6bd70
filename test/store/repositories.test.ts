// Ensures that the repository functions of src/store behave the same on SQLite and PostgreSQL: lookups, single
// use of challenges and signatures, key rotation, campaign versions, the uniqueness rules of bindings (enforced by
// the schema, recognised by isUniqueViolation), exactly-once event rows, consecutive per-provider feed positions,
// idempotent acks and idempotency records, and a hash-chained audit log that detects a direct UPDATE.
// How: one fresh, migrated store per engine from enginesUnderTest(); each subtest writes through the repositories
// and checks the result by reading back (through the repositories or plain queries). No mocks of the store.
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { sql } from 'kysely';
import { mynapoint2020 } from '../../src/domain/presets.js';
import { appendAudit, listAudit, verifyAuditChain } from '../../src/store/audit-repo.js';
import { ensureAccount, findAccount, findAccountHolder, findBindingOfPerson, insertBinding, listBindingsOfAccounts, lockBalances } from '../../src/store/bindings-repo.js';
import { findCampaign, insertCampaignVersion, listCampaigns } from '../../src/store/campaigns-repo.js';
import { isUniqueViolation, type Store } from '../../src/store/db.js';
import { appendLedgerEntries, findEvents, findOwnGrantIds, insertEvents, insertGrantAcks, listFeedGrants, listGrantsOfEvents, setReversedYen, type EventRow, type LedgerEntry } from '../../src/store/events-repo.js';
import { findIdempotencyRecord, completeIdempotencyRecord, releaseIdempotencyKey, reserveIdempotencyKey, takeOverStaleReservation } from '../../src/store/idempotency-repo.js';
import {
  consumeChallenge,
  deleteExpiredChallenges,
  deleteSession,
  findPersonByCredential,
  findPersonById,
  findSession,
  insertChallenge,
  insertCredential,
  insertPerson,
  insertSession,
  touchSession,
  touchCredential,
} from '../../src/store/persons-repo.js';
import {
  findActiveProviderKey,
  findNewestProviderKey,
  findProvider,
  insertProvider,
  insertProviderKey,
  insertProviderService,
  recordSignatureOnce,
  revokeProviderKey,
} from '../../src/store/providers-repo.js';
import { enginesUnderTest } from '../helpers/engines.js';
import { execRaw, rowCounts } from '../helpers/ledger.js';

const t0 = Date.parse('2026-11-27T03:00:00Z');

let seq = 0;
function uid(prefix: string): string {
  seq += 1;
  return `${prefix}-${seq}-${randomUUID().slice(0, 8)}`;
}

async function newPerson(store: Store): Promise<string> {
  const personId = randomUUID();
  await store.transaction((tx) => insertPerson(tx, { personId, mykeyId: uid('MK'), nowMs: t0 }));
  return personId;
}

async function newProvider(store: Store): Promise<{ providerId: string; serviceId: string }> {
  const providerId = uid('prov');
  const serviceId = `${providerId}-svc`;
  await store.transaction(async (tx) => {
    await insertProvider(tx, { id: providerId, name: providerId, verifyUrl: 'https://provider.test/verify' }, t0);
    await insertProviderService(tx, { id: serviceId, providerId, name: serviceId }, t0);
  });
  return { providerId, serviceId };
}

async function newAccount(store: Store, provider: { providerId: string; serviceId: string }, accountRef = uid('acct')): Promise<string> {
  return store.transaction((tx) =>
    ensureAccount(tx, { accountId: randomUUID(), providerId: provider.providerId, providerServiceId: provider.serviceId, accountRef, nowMs: t0 }),
  );
}

function eventRow(accountId: string, overrides: Partial<EventRow> = {}): EventRow {
  return {
    eventId: uid('ev'),
    payloadSha256: 'a'.repeat(64),
    kind: 'payment',
    accountId,
    amountYen: 1_000,
    occurredAtMs: t0,
    originalEventId: null,
    merchantRegion: null,
    reversedYen: 0,
    ...overrides,
  };
}

function ledgerEntry(input: { campaignId: string; personId: string; accountId: string; points: number }): LedgerEntry {
  return { id: randomUUID(), source: 'event', eventId: uid('ev'), eligibleDeltaYen: input.points * 4, ...input };
}

for (const engine of await enginesUnderTest()) {
  test(`repositories on ${engine.engine}`, { skip: engine.skip }, async (t) => {
    const opened = await engine.open();
    const { store } = opened;
    t.after(() => opened.close());

    await t.test('a person is found by the keyed hash of their credential, and only by it', async () => {
      const personId = await newPerson(store);
      const credentialHash = `h-${randomUUID()}`;
      await store.transaction((tx) => insertCredential(tx, { credentialHash, personId, notAfterMs: t0 + 1e9, nowMs: t0 }));
      const found = await store.transaction((tx) => findPersonByCredential(tx, credentialHash));
      assert.equal(found?.personId, personId);
      assert.deepEqual(await store.transaction((tx) => findPersonById(tx, personId)), found);
      assert.equal(await store.transaction((tx) => findPersonByCredential(tx, `h-${randomUUID()}`)), undefined);
      // A second credential (a renewed card) leads to the same person; the same hash twice is a unique violation.
      const renewed = `h-${randomUUID()}`;
      await store.transaction((tx) => insertCredential(tx, { credentialHash: renewed, personId, notAfterMs: t0 + 2e9, nowMs: t0 }));
      assert.equal((await store.transaction((tx) => findPersonByCredential(tx, renewed)))?.personId, personId);
      await assert.rejects(
        store.transaction((tx) => insertCredential(tx, { credentialHash, personId, notAfterMs: t0, nowMs: t0 })),
        (error) => isUniqueViolation(error),
      );
      await store.transaction((tx) => touchCredential(tx, credentialHash, t0 + 5));
      const touched = await store.db.selectFrom('credentials').select('last_login_at_ms').where('credential_hash', '=', credentialHash).executeTakeFirstOrThrow();
      assert.equal(Number(touched.last_login_at_ms), t0 + 5);
    });

    await t.test('a challenge can be consumed once; expired ones are swept at their expiry instant', async () => {
      const challenge = { id: randomUUID(), nonce: 'n1', purpose: 'bind', sessionId: 's1', bindingSha256: 'b'.repeat(64), expiresAtMs: t0 + 300_000 };
      await store.transaction((tx) => insertChallenge(tx, challenge));
      const consumed = await store.transaction((tx) => consumeChallenge(tx, challenge.id));
      assert.deepEqual(consumed, challenge);
      assert.equal(await store.transaction((tx) => consumeChallenge(tx, challenge.id)), undefined);

      // Two consumers at once: exactly one gets the row.
      const raced = { ...challenge, id: randomUUID(), sessionId: null, bindingSha256: null, purpose: 'login' };
      await store.transaction((tx) => insertChallenge(tx, raced));
      const both = await Promise.all([store.transaction((tx) => consumeChallenge(tx, raced.id)), store.transaction((tx) => consumeChallenge(tx, raced.id))]);
      assert.equal(both.filter((c) => c !== undefined).length, 1);

      const expiring = { ...challenge, id: randomUUID(), expiresAtMs: t0 + 10 };
      const living = { ...challenge, id: randomUUID(), expiresAtMs: t0 + 11 };
      await store.transaction(async (tx) => {
        await insertChallenge(tx, expiring);
        await insertChallenge(tx, living);
      });
      await store.transaction((tx) => deleteExpiredChallenges(tx, t0 + 10));
      assert.equal(await store.transaction((tx) => consumeChallenge(tx, expiring.id)), undefined);
      assert.equal((await store.transaction((tx) => consumeChallenge(tx, living.id)))?.id, living.id);
    });

    await t.test('sessions are stored by token hash, found, touched, and deleted', async () => {
      const personId = await newPerson(store);
      const tokenSha256 = uid('token-sha256');
      await store.transaction((tx) => insertSession(tx, { tokenSha256, personId, nowMs: t0, expiresAtMs: t0 + 900_000, delivery: 'token', idleExpiresAtMs: null }));
      assert.deepEqual(await store.transaction((tx) => findSession(tx, tokenSha256)), { personId, expiresAtMs: t0 + 900_000, delivery: 'token', idleExpiresAtMs: null });
      const cookieSha256 = uid('cookie-sha256');
      await store.transaction((tx) => insertSession(tx, { tokenSha256: cookieSha256, personId, nowMs: t0, expiresAtMs: t0 + 900_000, delivery: 'cookie', idleExpiresAtMs: t0 + 300_000 }));
      await store.transaction((tx) => touchSession(tx, cookieSha256, t0 + 400_000));
      assert.deepEqual(await store.transaction((tx) => findSession(tx, cookieSha256)), { personId, expiresAtMs: t0 + 900_000, delivery: 'cookie', idleExpiresAtMs: t0 + 400_000 });
      assert.equal(await store.transaction((tx) => findSession(tx, 'd'.repeat(64))), undefined);
      await store.transaction((tx) => deleteSession(tx, tokenSha256));
      assert.equal(await store.transaction((tx) => findSession(tx, tokenSha256)), undefined);
    });

    await t.test('provider keys: several active at once, the newest signs, a revoked key is gone', async () => {
      const { providerId } = await newProvider(store);
      const other = await newProvider(store);
      assert.equal((await store.transaction((tx) => findProvider(tx, providerId)))?.verifyUrl, 'https://provider.test/verify');
      assert.equal(await store.transaction((tx) => findNewestProviderKey(tx, providerId, t0)), undefined);
      const old = { keyId: uid('k-old'), providerId, secretSealed: 'sealed-old', nowMs: t0 };
      const young = { keyId: uid('k-new'), providerId, secretSealed: 'sealed-new', nowMs: t0 + 1 };
      await store.transaction(async (tx) => {
        await insertProviderKey(tx, young);
        await insertProviderKey(tx, old);
      });
      assert.deepEqual(await store.transaction((tx) => findActiveProviderKey(tx, old.keyId, t0)), { providerId, secretSealed: 'sealed-old' });
      assert.deepEqual(await store.transaction((tx) => findActiveProviderKey(tx, young.keyId, t0)), { providerId, secretSealed: 'sealed-new' });
      assert.deepEqual(await store.transaction((tx) => findNewestProviderKey(tx, providerId, t0)), { keyId: young.keyId, secretSealed: 'sealed-new' });

      // Another provider cannot revoke this provider's key.
      assert.equal(await store.transaction((tx) => revokeProviderKey(tx, { providerId: other.providerId, keyId: young.keyId, nowMs: t0 + 2 })), false);
      assert.equal(await store.transaction((tx) => revokeProviderKey(tx, { providerId, keyId: young.keyId, nowMs: t0 + 2 })), true);
      assert.equal(await store.transaction((tx) => revokeProviderKey(tx, { providerId, keyId: young.keyId, nowMs: t0 + 3 })), false);
      assert.equal(await store.transaction((tx) => findActiveProviderKey(tx, young.keyId, t0)), undefined);
      assert.deepEqual(await store.transaction((tx) => findNewestProviderKey(tx, providerId, t0)), { keyId: old.keyId, secretSealed: 'sealed-old' });
      assert.equal(await store.transaction((tx) => revokeProviderKey(tx, { providerId, keyId: old.keyId, nowMs: t0 + 4 })), true);
      assert.equal(await store.transaction((tx) => findNewestProviderKey(tx, providerId, t0)), undefined);
    });

    await t.test('recordSignatureOnce refuses a replay until the record expires', async () => {
      const signatureSha256 = randomUUID();
      const record = (nowMs: number) => store.transaction((tx) => recordSignatureOnce(tx, { signatureSha256, expiresAtMs: t0 + 1_000, nowMs }));
      assert.equal(await record(t0), true);
      assert.equal(await record(t0 + 1), false);
      assert.equal(await record(t0 + 1_000), false, 'still inside its window at the expiry instant');
      // Concurrent replays of a fresh signature: exactly one is first.
      const fresh = randomUUID();
      const firsts = await Promise.all(
        Array.from({ length: 4 }, () => store.transaction((tx) => recordSignatureOnce(tx, { signatureSha256: fresh, expiresAtMs: t0 + 1_000, nowMs: t0 }))),
      );
      assert.equal(firsts.filter(Boolean).length, 1);
      // Once expired, the record is swept, so the table stays one replay window long.
      assert.equal(await record(t0 + 1_001), true);
    });

    await t.test('campaign versions: the newest version wins in find and in list', async () => {
      const a = { ...mynapoint2020(), id: uid('camp-a').toLowerCase() };
      const b = { ...mynapoint2020(), id: uid('camp-b').toLowerCase() };
      await store.transaction(async (tx) => {
        await insertCampaignVersion(tx, { definition: a, version: 1, nowMs: t0 });
        await insertCampaignVersion(tx, { definition: { ...a, name: 'a v3' }, version: 3, nowMs: t0 + 2 });
        await insertCampaignVersion(tx, { definition: { ...a, name: 'a v2' }, version: 2, nowMs: t0 + 1 });
        await insertCampaignVersion(tx, { definition: b, version: 1, nowMs: t0 });
      });
      const found = await store.transaction((tx) => findCampaign(tx, a.id));
      assert.equal(found?.version, 3);
      assert.equal(found?.definition.name, 'a v3');
      assert.deepEqual(found?.definition, { ...a, name: 'a v3' });
      const listed = (await store.transaction((tx) => listCampaigns(tx))).filter((c) => c.definition.id === a.id || c.definition.id === b.id);
      assert.deepEqual(
        listed.map((c) => [c.definition.id, c.version, c.definition.name]),
        [
          [a.id, 3, 'a v3'],
          [b.id, 1, b.name],
        ],
      );
      assert.equal(await store.transaction((tx) => findCampaign(tx, 'no-such-campaign')), undefined);
      await assert.rejects(
        store.transaction((tx) => insertCampaignVersion(tx, { definition: a, version: 2, nowMs: t0 })),
        (error) => isUniqueViolation(error),
      );
    });

    await t.test('bindings are unique both ways and a violation is recognised by isUniqueViolation', async () => {
      const provider = await newProvider(store);
      const [alice, bob] = [await newPerson(store), await newPerson(store)];
      const campaignId = uid('camp');
      const otherCampaignId = uid('camp');
      const ref = uid('acct');
      const account1 = await newAccount(store, provider, ref);
      assert.equal(await newAccount(store, provider, ref), account1, 'ensureAccount returns the existing account for a known ref');
      assert.deepEqual(await store.transaction((tx) => findAccount(tx, provider.providerId, ref)), { accountId: account1, providerServiceId: provider.serviceId });
      const account2 = await newAccount(store, provider);
      const binding = (personId: string, cId: string, accountId: string) => ({
        bindingId: randomUUID(),
        personId,
        campaignId: cId,
        accountId,
        providerServiceId: provider.serviceId,
        holderPersonId: personId,
        createdAtMs: t0,
      });
      const first = binding(alice, campaignId, account1);
      await store.transaction((tx) => insertBinding(tx, first));
      const before = await rowCounts(store);

      // One binding per person per campaign.
      await assert.rejects(store.transaction((tx) => insertBinding(tx, binding(alice, campaignId, account2))), (error) => isUniqueViolation(error));
      // One holder per account per campaign: another person's binding is refused (the caller rolls back).
      assert.equal(await store.transaction((tx) => insertBinding(tx, binding(bob, campaignId, account1))), false);
      assert.deepEqual(await rowCounts(store), before, 'a refused binding writes no balance either');

      // The same account may carry the same or another person in another campaign.
      await store.transaction((tx) => insertBinding(tx, binding(bob, otherCampaignId, account1)));
      assert.deepEqual(await store.transaction((tx) => findBindingOfPerson(tx, alice, campaignId)), first);
      assert.equal(await store.transaction((tx) => findAccountHolder(tx, campaignId, account1)), alice);
      assert.equal(await store.transaction((tx) => findAccountHolder(tx, campaignId, account2)), undefined);
      const ofAccount = await store.transaction((tx) => listBindingsOfAccounts(tx, [account1]));
      assert.deepEqual(ofAccount.map((b) => b.campaignId).sort(), [campaignId, otherCampaignId].sort());
      const balances = await store.transaction((tx) =>
        lockBalances(tx, [
          { personId: alice, campaignId },
          { personId: bob, campaignId: otherCampaignId },
          { personId: bob, campaignId },
        ]),
      );
      // The balances that exist (bob has none in the first campaign), in any order.
      const byKey = (a: { personId: string; campaignId: string }, b: { personId: string; campaignId: string }) => `${a.personId}/${a.campaignId}`.localeCompare(`${b.personId}/${b.campaignId}`);
      assert.deepEqual(
        [...balances].sort(byKey),
        [
          { personId: alice, campaignId, eligibleYen: 0, units: 0, earnedPoints: 0, pointsGranted: 0 },
          { personId: bob, campaignId: otherCampaignId, eligibleYen: 0, units: 0, earnedPoints: 0, pointsGranted: 0 },
        ].sort(byKey),
      );

      // isUniqueViolation is about uniqueness only: a foreign-key violation is something else.
      const foreignKeyError = await store
        .transaction((tx) => insertBinding(tx, binding(randomUUID(), uid('camp'), account2)))
        .then(() => undefined, (error: unknown) => error);
      assert.ok(foreignKeyError !== undefined, 'a binding of an unknown person is refused');
      assert.equal(isUniqueViolation(foreignKeyError), false);
      assert.equal(isUniqueViolation(new Error('x')), false);
      assert.equal(isUniqueViolation(undefined), false);
    });

    await t.test('insertEvents answers the ids it inserted: not a repeated id (per provider), whose first row stays', async () => {
      const provider = await newProvider(store);
      const otherProvider = await newProvider(store);
      const accountId = await newAccount(store, provider);
      const otherAccountId = await newAccount(store, otherProvider);
      const row = eventRow(accountId);
      const inserted = (events: EventRow[], providerId = provider.providerId) => store.transaction(async (tx) => [...(await insertEvents(tx, providerId, events, t0))].sort());
      const fresh = eventRow(accountId);
      assert.deepEqual(await inserted([row, fresh]), [row.eventId, fresh.eventId].sort());
      const other = eventRow(accountId);
      assert.deepEqual(await inserted([{ ...row, amountYen: 9_999, payloadSha256: 'b'.repeat(64) }, other]), [other.eventId]);
      assert.deepEqual((await store.transaction((tx) => findEvents(tx, provider.providerId, [row.eventId]))).get(row.eventId), row);
      // Event ids are the provider's own: another provider may use the same id.
      assert.deepEqual(await inserted([{ ...row, accountId: otherAccountId }], otherProvider.providerId), [row.eventId]);
      assert.equal((await store.transaction((tx) => findEvents(tx, provider.providerId, [row.eventId]))).get(row.eventId)?.accountId, accountId);

      // Concurrent inserts of one id: exactly one wins.
      const raced = eventRow(accountId);
      const wins = await Promise.all(Array.from({ length: 4 }, () => inserted([raced])));
      assert.equal(wins.filter((ids) => ids.length === 1).length, 1);

      await store.transaction((tx) => setReversedYen(tx, provider.providerId, row.eventId, 400));
      assert.equal((await store.transaction((tx) => findEvents(tx, provider.providerId, [row.eventId]))).get(row.eventId)?.reversedYen, 400);
      assert.equal((await store.transaction((tx) => findEvents(tx, otherProvider.providerId, [row.eventId]))).get(row.eventId)?.reversedYen, 0);
      assert.equal((await store.transaction((tx) => findEvents(tx, provider.providerId, []))).size, 0);
    });

    await t.test('appendLedgerEntries assigns consecutive per-provider positions; listFeedGrants pages by them', async () => {
      const p1 = await newProvider(store);
      const p2 = await newProvider(store);
      const personId = await newPerson(store);
      const a1 = await newAccount(store, p1, uid('ref1'));
      const a2 = await newAccount(store, p2, uid('ref2'));
      const campaignId = uid('camp');
      const entry = (accountId: string, points: number) => ledgerEntry({ campaignId, personId, accountId, points });
      const batch1 = [entry(a1, 10), entry(a1, 20), entry(a1, -5)];
      const batch2 = [entry(a2, 7), entry(a2, 8)];
      const batch3 = [entry(a1, 30), entry(a1, 40)];
      await store.transaction((tx) => appendLedgerEntries(tx, p1.providerId, batch1, t0));
      await store.transaction((tx) => appendLedgerEntries(tx, p2.providerId, batch2, t0));
      await store.transaction((tx) => appendLedgerEntries(tx, p1.providerId, [], t0));
      await store.transaction((tx) => appendLedgerEntries(tx, p1.providerId, batch3, t0 + 1));

      const all1 = await store.transaction((tx) => listFeedGrants(tx, p1.providerId, 0, 100));
      assert.deepEqual(all1.map((g) => g.seq), [1, 2, 3, 4, 5]);
      assert.deepEqual(all1.map((g) => g.grantId), [...batch1, ...batch3].map((e) => e.id));
      assert.deepEqual(all1.map((g) => g.points), [10, 20, -5, 30, 40]);
      assert.ok(all1.every((g) => g.campaignId === campaignId && !g.acknowledged && !('personId' in g)));
      const all2 = await store.transaction((tx) => listFeedGrants(tx, p2.providerId, 0, 100));
      assert.deepEqual(all2.map((g) => g.seq), [1, 2]);
      assert.deepEqual(all2.map((g) => g.grantId), batch2.map((e) => e.id));

      // Paging: limit and after-position, never overlapping, never skipping.
      const page1 = await store.transaction((tx) => listFeedGrants(tx, p1.providerId, 0, 2));
      const page2 = await store.transaction((tx) => listFeedGrants(tx, p1.providerId, page1.at(-1)!.seq, 2));
      const page3 = await store.transaction((tx) => listFeedGrants(tx, p1.providerId, page2.at(-1)!.seq, 2));
      const page4 = await store.transaction((tx) => listFeedGrants(tx, p1.providerId, page3.at(-1)!.seq, 2));
      assert.deepEqual([page1, page2, page3, page4].map((p) => p.map((g) => g.seq)), [[1, 2], [3, 4], [5], []]);

      // Concurrent appends of one provider still give distinct consecutive positions.
      await Promise.all(Array.from({ length: 5 }, (_, i) => store.transaction((tx) => appendLedgerEntries(tx, p2.providerId, [entry(a2, i + 1), entry(a2, i + 1)], t0))));
      const after = await store.transaction((tx) => listFeedGrants(tx, p2.providerId, 2, 100));
      assert.deepEqual(after.map((g) => g.seq), [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
      const head = await store.db.selectFrom('provider_feed_heads').select('last_seq').where('provider_id', '=', p2.providerId).executeTakeFirstOrThrow();
      assert.equal(Number(head.last_seq), 12);

      // A second entry at a taken position is impossible.
      await assert.rejects(
        store.transaction(async (tx) => {
          await sql`update provider_feed_heads set last_seq = 0 where provider_id = ${p1.providerId}`.execute(tx.db);
          await appendLedgerEntries(tx, p1.providerId, [entry(a1, 1)], t0);
        }),
        (error) => isUniqueViolation(error),
      );
      assert.deepEqual((await store.transaction((tx) => listFeedGrants(tx, p1.providerId, 0, 100))).map((g) => g.seq), [1, 2, 3, 4, 5]);

      const ofEvents = await store.transaction((tx) => listGrantsOfEvents(tx, p1.providerId, [batch1[1]!.eventId, batch3[0]!.eventId, batch2[0]!.eventId]));
      assert.deepEqual(ofEvents.map((g) => g.grantId), [batch1[1]!.id, batch3[0]!.id], 'only the provider’s own grants, in feed order');
    });

    await t.test('acks are idempotent and scoped to the provider', async () => {
      const p1 = await newProvider(store);
      const p2 = await newProvider(store);
      const personId = await newPerson(store);
      const a1 = await newAccount(store, p1);
      const a2 = await newAccount(store, p2);
      const campaignId = uid('camp');
      const mine = [ledgerEntry({ campaignId, personId, accountId: a1, points: 1 }), ledgerEntry({ campaignId, personId, accountId: a1, points: 2 })];
      const theirs = ledgerEntry({ campaignId, personId, accountId: a2, points: 3 });
      await store.transaction((tx) => appendLedgerEntries(tx, p1.providerId, mine, t0));
      await store.transaction((tx) => appendLedgerEntries(tx, p2.providerId, [theirs], t0));

      const own = await store.transaction((tx) => findOwnGrantIds(tx, p1.providerId, [mine[0]!.id, theirs.id, randomUUID()]));
      assert.deepEqual([...own], [mine[0]!.id]);
      assert.equal(await store.transaction((tx) => insertGrantAcks(tx, p1.providerId, [mine[0]!.id], t0)), 1);
      assert.equal(await store.transaction((tx) => insertGrantAcks(tx, p1.providerId, [mine[0]!.id, mine[1]!.id], t0)), 1);
      assert.equal(await store.transaction((tx) => insertGrantAcks(tx, p1.providerId, [mine[0]!.id, mine[1]!.id], t0)), 0);
      assert.equal(await store.transaction((tx) => insertGrantAcks(tx, p1.providerId, [], t0)), 0);
      const feed = await store.transaction((tx) => listFeedGrants(tx, p1.providerId, 0, 10));
      assert.deepEqual(feed.map((g) => g.acknowledged), [true, true]);
      assert.deepEqual((await store.transaction((tx) => listFeedGrants(tx, p2.providerId, 0, 10))).map((g) => g.acknowledged), [false]);
    });

    await t.test('idempotency records: a key is reserved once, completed or released, and a stale reservation taken over', async () => {
      const ref = { scope: 'operator', key: randomUUID() };
      assert.equal(await store.transaction((tx) => findIdempotencyRecord(tx, ref)), undefined);
      assert.equal(await store.transaction((tx) => reserveIdempotencyKey(tx, { ...ref, requestSha256: 'r1', nowMs: t0 })), true);
      assert.equal(await store.transaction((tx) => reserveIdempotencyKey(tx, { ...ref, requestSha256: 'r2', nowMs: t0 })), false);
      // A stale reservation is taken over once, by a request with the same hash.
      const stale = { ...ref, staleCreatedAtMs: t0, nowMs: t0 + 60_000 };
      assert.equal(await store.transaction((tx) => takeOverStaleReservation(tx, { ...stale, requestSha256: 'r2' })), false);
      assert.equal(await store.transaction((tx) => takeOverStaleReservation(tx, { ...stale, requestSha256: 'r1' })), true);
      assert.equal(await store.transaction((tx) => takeOverStaleReservation(tx, { ...stale, requestSha256: 'r1' })), false);
      await store.transaction((tx) => completeIdempotencyRecord(tx, { ...ref, statusCode: 201, responseBody: '{"a":1}' }));
      assert.deepEqual(await store.transaction((tx) => findIdempotencyRecord(tx, ref)), { requestSha256: 'r1', statusCode: 201, responseBody: '{"a":1}', createdAtMs: t0 + 60_000 });
      // A completed record is neither released nor completed again.
      await store.transaction((tx) => releaseIdempotencyKey(tx, ref));
      await store.transaction((tx) => completeIdempotencyRecord(tx, { ...ref, statusCode: 409, responseBody: '{}' }));
      assert.equal((await store.transaction((tx) => findIdempotencyRecord(tx, ref)))?.statusCode, 201);
      // Keys are scoped; a released reservation frees its key.
      const other = { scope: 'person:x', key: ref.key };
      assert.equal(await store.transaction((tx) => reserveIdempotencyKey(tx, { ...other, requestSha256: 'r3', nowMs: t0 })), true);
      await store.transaction((tx) => releaseIdempotencyKey(tx, other));
      assert.equal(await store.transaction((tx) => findIdempotencyRecord(tx, other)), undefined);
    });

    await t.test('the audit chain verifies, and a direct UPDATE of an entry is found', async () => {
      const existing = await store.transaction((tx) => listAudit(tx, 0, 1_000_000));
      const base = existing.at(-1)?.seq ?? 0;
      // Concurrent appends still form one chain (the chain lock serialises them).
      await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          store.transaction((tx) => appendAudit(tx, { atMs: t0 + i, actor: 'test', action: 'test.append', subject: `s${i}`, details: { i, nested: { yen: i * 100 } } })),
        ),
      );
      const entries = await store.transaction((tx) => listAudit(tx, 0, 1_000_000));
      assert.deepEqual(entries.map((e) => e.seq), Array.from({ length: base + 6 }, (_, i) => i + 1));
      assert.equal(verifyAuditChain(entries), undefined);
      assert.deepEqual((await store.transaction((tx) => listAudit(tx, base + 2, 2))).map((e) => e.seq), [base + 3, base + 4]);

      // A removed entry breaks the chain at the entry after it.
      assert.equal(verifyAuditChain(entries.filter((e) => e.seq !== base + 5)), base + 6);

      const target = base + 3;
      await execRaw(store, sql`update audit_log set details = ${JSON.stringify({ i: 2, nested: { yen: 999_999 } })} where seq = ${target}`);
      assert.equal(verifyAuditChain(await store.transaction((tx) => listAudit(tx, 0, 1_000_000))), target);

      // Re-hashing the edited entry does not hide the edit: the next entry no longer chains.
      const edited = (await store.transaction((tx) => listAudit(tx, 0, 1_000_000))).find((e) => e.seq === target)!;
      const rehash = createHash('sha256')
        .update(JSON.stringify([edited.seq, edited.atMs, edited.actor, edited.action, edited.subject, edited.details, edited.prevHash]))
        .digest('hex');
      await execRaw(store, sql`update audit_log set hash = ${rehash} where seq = ${target}`);
      assert.equal(verifyAuditChain(await store.transaction((tx) => listAudit(tx, 0, 1_000_000))), target + 1);
    });
  });
}
