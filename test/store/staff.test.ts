// Ensures the staff repository (src/store/staff-repo.ts) and provider key expiry behave the same on SQLite and
// PostgreSQL: an enrolment link is usable until it expires, is replaced or its account is disabled, and is used up
// once (a compare-and-set); a session is live only before both deadlines and ends with its account's sessions; a
// WebAuthn challenge is consumed once; a passkey's counter moves by compare-and-set; accounts list with their
// passkey counts and per provider; a rotated key signs until its expiry and never longer than an earlier one.
// How: one fresh, migrated store per engine from enginesUnderTest(); writes through the repositories, reads back.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import type { Store } from '../../src/store/db.js';
import { expireProviderKey, findActiveProviderKey, findNewestProviderKey, insertProvider, insertProviderKey } from '../../src/store/providers-repo.js';
import {
  consumePasskeyChallenge,
  deleteStaffSessionsOf,
  disableStaffAccount,
  findLiveStaffSession,
  findUsableEnrolment,
  insertPasskey,
  insertPasskeyChallenge,
  insertStaffAccount,
  insertStaffSession,
  listStaffAccounts,
  recordPasskeyUse,
  replaceEnrolment,
  useEnrolment,
} from '../../src/store/staff-repo.js';
import { enginesUnderTest } from '../helpers/engines.js';

const t0 = Date.parse('2026-12-07T03:00:00Z');

async function newAccount(store: Store, input: { role?: string; providerId?: string | null } = {}): Promise<string> {
  const id = randomUUID();
  await store.transaction((tx) =>
    insertStaffAccount(tx, { id, displayName: `Staff ${id.slice(0, 4)}`, role: input.role ?? 'operator_admin', providerId: input.providerId ?? null, createdAtMs: t0, createdBy: 'test', disabledAtMs: null }),
  );
  return id;
}

for (const engine of await enginesUnderTest()) {
  test(`staff repository on ${engine.engine}`, { skip: engine.skip }, async (t) => {
    const opened = await engine.open();
    const store = opened.store;
    t.after(() => opened.close());

    await t.test('an enrolment link is usable once, until it expires, is replaced or its account is disabled', async () => {
      const staffId = await newAccount(store);
      await store.transaction((tx) => replaceEnrolment(tx, { tokenSha256: 'a'.repeat(64), staffId, nowMs: t0, expiresAtMs: t0 + 1_000 }));
      assert.equal((await store.transaction((tx) => findUsableEnrolment(tx, 'a'.repeat(64), t0)))?.id, staffId);
      assert.equal(await store.transaction((tx) => findUsableEnrolment(tx, 'a'.repeat(64), t0 + 1_000)), undefined, 'expired');
      await store.transaction((tx) => replaceEnrolment(tx, { tokenSha256: 'b'.repeat(64), staffId, nowMs: t0, expiresAtMs: t0 + 1_000 }));
      assert.equal(await store.transaction((tx) => findUsableEnrolment(tx, 'a'.repeat(64), t0)), undefined, 'replaced');
      assert.equal(await store.transaction((tx) => useEnrolment(tx, 'b'.repeat(64), t0)), true);
      assert.equal(await store.transaction((tx) => useEnrolment(tx, 'b'.repeat(64), t0)), false, 'used once');
      assert.equal(await store.transaction((tx) => findUsableEnrolment(tx, 'b'.repeat(64), t0)), undefined);
      await store.transaction((tx) => replaceEnrolment(tx, { tokenSha256: 'c'.repeat(64), staffId, nowMs: t0, expiresAtMs: t0 + 1_000 }));
      assert.equal(await store.transaction((tx) => disableStaffAccount(tx, staffId, t0)), true);
      assert.equal(await store.transaction((tx) => disableStaffAccount(tx, staffId, t0)), false, 'already disabled');
      assert.equal(await store.transaction((tx) => findUsableEnrolment(tx, 'c'.repeat(64), t0)), undefined, 'disabled');
    });

    await t.test('a session lives before both deadlines, and ends with its account’s sessions', async () => {
      const staffId = await newAccount(store);
      await store.transaction((tx) => insertStaffSession(tx, { tokenSha256: 'd'.repeat(64), staffId, nowMs: t0, expiresAtMs: t0 + 10_000, idleExpiresAtMs: t0 + 1_000 }));
      await store.transaction((tx) => insertStaffSession(tx, { tokenSha256: 'e'.repeat(64), staffId, nowMs: t0, expiresAtMs: t0 + 10_000, idleExpiresAtMs: t0 + 10_000 }));
      const live = await store.transaction((tx) => findLiveStaffSession(tx, 'd'.repeat(64), t0));
      assert.deepEqual({ id: live?.account.id, expiresAtMs: live?.expiresAtMs, idleExpiresAtMs: live?.idleExpiresAtMs }, { id: staffId, expiresAtMs: t0 + 10_000, idleExpiresAtMs: t0 + 1_000 });
      assert.equal(await store.transaction((tx) => findLiveStaffSession(tx, 'd'.repeat(64), t0 + 1_000)), undefined, 'idle');
      assert.equal(await store.transaction((tx) => findLiveStaffSession(tx, 'e'.repeat(64), t0 + 10_000)), undefined, 'past its lifetime');
      assert.equal(await store.transaction((tx) => deleteStaffSessionsOf(tx, staffId)), 2);
      assert.equal(await store.transaction((tx) => findLiveStaffSession(tx, 'e'.repeat(64), t0)), undefined);
    });

    await t.test('a challenge is consumed once; a passkey’s counter moves by compare-and-set', async () => {
      const staffId = await newAccount(store);
      await store.transaction((tx) => insertPasskeyChallenge(tx, { challenge: 'chal-1', purpose: 'registration', staffId, preauthSha256: 'f'.repeat(64), expiresAtMs: t0 + 300_000 }, t0));
      assert.deepEqual(await store.transaction((tx) => consumePasskeyChallenge(tx, 'chal-1')), { challenge: 'chal-1', purpose: 'registration', staffId, preauthSha256: 'f'.repeat(64), expiresAtMs: t0 + 300_000 });
      assert.equal(await store.transaction((tx) => consumePasskeyChallenge(tx, 'chal-1')), undefined);
      await store.transaction((tx) => insertPasskey(tx, { credentialId: `cred-${staffId}`, staffId, publicKey: 'pk', signCount: 0, transports: ['usb'], nowMs: t0 }));
      assert.equal(await store.transaction((tx) => recordPasskeyUse(tx, { credentialId: `cred-${staffId}`, previousSignCount: 0, signCount: 1, nowMs: t0 })), true);
      assert.equal(await store.transaction((tx) => recordPasskeyUse(tx, { credentialId: `cred-${staffId}`, previousSignCount: 0, signCount: 1, nowMs: t0 })), false, 'the counter moved meanwhile');
    });

    await t.test('accounts list with their passkey counts, all or one provider’s', async () => {
      await store.transaction((tx) => insertProvider(tx, { id: 'staff-prov', name: 'p', verifyUrl: 'https://p.test/verify' }, t0));
      const providerStaff = await newAccount(store, { role: 'provider_staff', providerId: 'staff-prov' });
      const listed = await store.transaction((tx) => listStaffAccounts(tx, { providerId: 'staff-prov' }));
      assert.deepEqual(listed.map((row) => [row.id, row.passkeys]), [[providerStaff, 0]]);
      const all = await store.transaction((tx) => listStaffAccounts(tx, {}));
      assert.equal(all.length, 4);
      assert.ok(all.some((row) => row.passkeys === 1));
    });

    await t.test('a rotated key signs until its expiry, never longer than an earlier one', async () => {
      await store.transaction((tx) => insertProviderKey(tx, { keyId: 'staff-prov.k1', providerId: 'staff-prov', secretSealed: 'sealed', nowMs: t0 }));
      const expired = await store.transaction((tx) => expireProviderKey(tx, { providerId: 'staff-prov', keyId: 'staff-prov.k1', expiresAtMs: t0 + 1_000, nowMs: t0 }));
      assert.equal(expired?.expiresAtMs, t0 + 1_000);
      const again = await store.transaction((tx) => expireProviderKey(tx, { providerId: 'staff-prov', keyId: 'staff-prov.k1', expiresAtMs: t0 + 5_000, nowMs: t0 }));
      assert.equal(again?.expiresAtMs, t0 + 1_000, 'never extended');
      assert.ok((await store.transaction((tx) => findActiveProviderKey(tx, 'staff-prov.k1', t0 + 999))) !== undefined);
      assert.equal(await store.transaction((tx) => findActiveProviderKey(tx, 'staff-prov.k1', t0 + 1_000)), undefined);
      assert.equal(await store.transaction((tx) => findNewestProviderKey(tx, 'staff-prov', t0 + 1_000)), undefined);
      assert.equal(await store.transaction((tx) => expireProviderKey(tx, { providerId: 'staff-prov', keyId: 'staff-prov.k1', expiresAtMs: t0 + 9_000, nowMs: t0 + 1_000 })), undefined, 'an expired key is not rotated');
    });
  });
}
