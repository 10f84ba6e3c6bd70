// Ensures the operator dashboard's platform figures and the audit log's checks on SQLite and PostgreSQL: rejected
// provider events are counted per code and day of the settlement time zone, in the transaction that answers them
// (the batch API, and event files once per line whether the line or its event was refused); providers are ranked by net points with their bindings, applied and rejected events; the
// audit log filters by action (and the actions under it) and its whole chain verifies, until an entry is edited in
// the store, which the check names. How: the real app through `app.inject()` on a fresh store per engine, with the
// world's clock moved across a day boundary of Asia/Tokyo; the edit is a raw UPDATE.
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { after, before, describe, it } from 'node:test';
import type { SigningKey } from '../../src/http/signed-fetch.js';
import { enginesUnderTest } from '../helpers/engines.js';
import { operatorInject, providerInject, startHttpWorld, type HttpWorld } from '../helpers/http.js';
import { execRaw, payment, refund } from '../helpers/ledger.js';
import { addCampaign, addCitizens, addProvider, bindOk, type Citizen } from '../helpers/world.js';

interface RejectionDashboard {
  timeZone: string;
  rejected: number;
  codes: Array<{ code: string; count: number }>;
  days: Array<{ date: string; total: number; byCode: Record<string, number> }>;
}

interface ProviderRow {
  providerId: string;
  bindings: number;
  eventsApplied: number;
  eventsRejected: number;
  pointsGranted: number;
}

for (const engine of await enginesUnderTest()) {
  describe(`operator dashboard figures and audit checks (${engine.engine})`, { skip: engine.skip }, () => {
    let http: HttpWorld;
    let citizens: Citizen[];
    type TestProvider = { providerId: string; key: SigningKey; ref: string };
    let big: TestProvider;
    let small: TestProvider;

    const get = async <T>(url: string): Promise<T> => {
      const response = await operatorInject(http.app, { method: 'GET', url });
      assert.equal(response.statusCode, 200, response.body);
      return response.json() as T;
    };
    const sendEvents = async (provider: { key: SigningKey }, events: unknown[]) => {
      const response = await providerInject(http, provider.key, { method: 'POST', url: '/v1/provider/events', json: { events } });
      assert.equal(response.statusCode, 200, response.body);
      return (response.json() as { results: Array<{ status: string; code?: string }> }).results;
    };

    before(async () => {
      // 23:00 JST: the first events fall on 27 November in Tokyo, the next ones, an hour on, on the 28th.
      http = await startHttpWorld({ engine, nowMs: Date.parse('2026-11-27T23:00:00+09:00') });
      citizens = await addCitizens(http, 2);
      const campaignId = await addCampaign(http);
      const made: TestProvider[] = [];
      for (const [index, citizen] of citizens.entries()) {
        const provider = await addProvider(http);
        const ref = `DASH-${index}`;
        await bindOk(http, citizen, { campaignId, providerServiceId: provider.serviceId, accountRef: ref });
        made.push({ providerId: provider.providerId, key: { keyId: provider.keyId, secret: provider.secret }, ref });
      }
      [big, small] = [made[0]!, made[1]!];
    });

    after(async () => {
      await http.close();
    });

    it('counts rejected events per code and day, and nothing for an empty dashboard', async () => {
      assert.deepEqual(await get<RejectionDashboard>('/v1/operator/stats/rejections'), { timeZone: 'Asia/Tokyo', rejected: 0, codes: [], days: [] });
      const occurredAtMs = http.clock.nowMs();
      const first = await sendEvents(big, [
        payment('d-1', big.ref, 4_000, occurredAtMs),
        payment('d-2', 'NO-SUCH-ACCOUNT', 100, occurredAtMs),
        payment('d-3', 'NO-SUCH-ACCOUNT', 100, occurredAtMs),
        refund('d-4', big.ref, 100, occurredAtMs, 'no-such-event'),
      ]);
      assert.deepEqual(first.map((r) => r.code ?? r.status), ['applied', 'account_unknown', 'account_unknown', 'original_event_unknown']);
      http.clock.advance(3_600_000);
      // A repeat with another payload is a rejection too; a retried rejection counts again.
      const second = await sendEvents(small, [payment('d-1', small.ref, 2_000, occurredAtMs), payment('d-5', 'NO-SUCH-ACCOUNT', 100, occurredAtMs)]);
      assert.deepEqual(second.map((r) => r.code ?? r.status), ['applied', 'account_unknown']);
      const third = await sendEvents(big, [payment('d-1', big.ref, 9_999, occurredAtMs)]);
      assert.deepEqual(third.map((r) => r.code), ['idempotency_conflict']);

      const dashboard = await get<RejectionDashboard>('/v1/operator/stats/rejections');
      assert.deepEqual(dashboard, {
        timeZone: 'Asia/Tokyo',
        rejected: 5,
        codes: [
          { code: 'account_unknown', count: 3 },
          { code: 'idempotency_conflict', count: 1 },
          { code: 'original_event_unknown', count: 1 },
        ],
        days: [
          { date: '2026-11-27', total: 3, byCode: { account_unknown: 2, original_event_unknown: 1 } },
          { date: '2026-11-28', total: 2, byCode: { account_unknown: 1, idempotency_conflict: 1 } },
        ],
      });
    });

    it('counts an event file’s rejected lines once each, whether the line or its event was refused', async () => {
      const created = await providerInject(http, small.key, {
        method: 'POST',
        url: '/v1/provider/event-files',
        json: { fileName: 'day.ndjson', format: 'ndjson' },
        headers: { 'idempotency-key': crypto.randomUUID() },
      });
      assert.equal(created.statusCode, 201, created.body);
      const { fileId } = created.json() as { fileId: string };
      const lines = ['{"not": "an event"}', JSON.stringify(payment('f-1', 'NO-SUCH-ACCOUNT', 100, http.clock.nowMs())), JSON.stringify(payment('f-2', small.ref, 400, http.clock.nowMs()))];
      const put = await providerInject(http, small.key, {
        method: 'PUT',
        url: `/v1/provider/event-files/${fileId}/content?offset=0`,
        body: Buffer.from(`${lines.join('\n')}\n`),
        contentType: 'application/octet-stream',
      });
      assert.equal(put.statusCode, 200, put.body);
      const dashboard = await get<RejectionDashboard>('/v1/operator/stats/rejections');
      assert.equal(dashboard.rejected, 7);
      assert.deepEqual(dashboard.days.at(-1), { date: '2026-11-28', total: 4, byCode: { account_unknown: 2, file_line_invalid: 1, idempotency_conflict: 1 } });
    });

    it('ranks providers by net points, with their bindings and their applied and rejected events', async () => {
      const stats = await get<{ providers: ProviderRow[]; eventsApplied: number }>('/v1/operator/stats');
      assert.deepEqual(
        stats.providers.map(({ providerId, bindings, eventsApplied, eventsRejected, pointsGranted }) => ({ providerId, bindings, eventsApplied, eventsRejected, pointsGranted })),
        [
          { providerId: big.providerId, bindings: 1, eventsApplied: 1, eventsRejected: 4, pointsGranted: 1_000 },
          { providerId: small.providerId, bindings: 1, eventsApplied: 2, eventsRejected: 3, pointsGranted: 600 },
        ],
      );
      assert.equal(stats.eventsApplied, 3);
    });

    it('filters the audit log by action and the actions under it', async () => {
      type AuditPage = { data: Array<{ seq: number; action: string }>; hasMore: boolean; brokenAtSeq: number | null };
      const all = await get<AuditPage>('/v1/operator/audit?limit=100');
      const providers = await get<AuditPage>('/v1/operator/audit?limit=100&action=provider');
      assert.deepEqual(
        providers.data.map((e) => e.action),
        all.data.filter((e) => e.action === 'provider' || e.action.startsWith('provider.')).map((e) => e.action),
      );
      assert.deepEqual([...new Set(providers.data.map((e) => e.action))], ['provider.create'], 'provider_key.create is not under provider');
      const keys = await get<AuditPage>('/v1/operator/audit?limit=1&action=provider_key.create');
      assert.deepEqual([keys.data.length, keys.hasMore, keys.brokenAtSeq], [1, true, null]);
      const next = await get<AuditPage>(`/v1/operator/audit?limit=1&action=provider_key.create&after=${keys.data[0]!.seq}`);
      assert.deepEqual([next.data.length, next.hasMore], [1, false]);
      const refused = await operatorInject(http.app, { method: 'GET', url: '/v1/operator/audit?action=Provider%25' });
      assert.equal((refused.json() as { code: string }).code, 'invalid_request');
    });

    it('verifies the whole chain, and names the first entry edited behind its back', async () => {
      type Verification = { entriesVerified: number; verifiedThroughSeq: number; verifiedThroughHash: string; brokenAtSeq: number | null };
      const whole = await get<Verification>('/v1/operator/audit/verify');
      const all = await get<{ data: Array<{ seq: number; hash: string }> }>('/v1/operator/audit?limit=100');
      const last = all.data.at(-1)!;
      assert.deepEqual(whole, { entriesVerified: all.data.length, verifiedThroughSeq: last.seq, verifiedThroughHash: last.hash, brokenAtSeq: null, checkedAt: new Date(http.clock.nowMs()).toISOString() });
      await execRaw(http.opened.store, sql`update audit_log set subject = 'someone-else' where seq = 2`);
      const broken = await get<Verification>('/v1/operator/audit/verify');
      assert.deepEqual([broken.entriesVerified, broken.verifiedThroughSeq, broken.verifiedThroughHash, broken.brokenAtSeq], [1, 1, all.data[0]!.hash, 2]);
      assert.equal((await get<{ brokenAtSeq: number | null }>('/v1/operator/audit?limit=1')).brokenAtSeq, null, 'a page before the break verifies');
      assert.equal((await get<{ brokenAtSeq: number | null }>('/v1/operator/audit?limit=2')).brokenAtSeq, 2);
    });
  });
}
