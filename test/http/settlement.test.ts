// Ensures settlement end to end over HTTP, on both engines: a provider's monthly statement counts its grants and
// clawbacks created in the month of the settlement time zone (an entry at 23:59:58 JST on the last day is in, one
// at 00:00 JST on the first of the next month is out), counts acknowledgements at or before asOf only, owes the
// acknowledged net in yen, and equals its recomputation from the provider's own grant feed (the invariant
// "settlement recomputation equal to the statement"); a re-run is a new revision that picks up late
// acknowledgements; statements are served as JSON, CSV and printable HTML, to their provider only; reconciliation
// finds every kind of difference and is readable again by the provider and the operator only; the campaign
// dashboard adds up per day. How: the real app (`app.inject()`) over a fresh store per engine; citizens log in and
// bind with software cards, the provider reports real events and acknowledges grants with signed requests, and
// the test clock is set before each step, so every ledger entry is made by the real ingest at a chosen instant.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import type { CampaignDefinition } from '../../src/domain/campaign.js';
import { mynapoint2020Now } from '../../src/domain/presets.js';
import { compareStatements, StatementBuilder, type SettlementLine } from '../../src/domain/settlement.js';
import type { SigningKey } from '../../src/http/signed-fetch.js';
import { parseStatementDocument, type ReconciliationDocument, type StatementDocument } from '../../src/http/settlement-document.js';
import { enginesUnderTest } from '../helpers/engines.js';
import { countRows, httpBind, httpLogin, operatorInject, providerInject, startHttpWorld, type HttpWorld } from '../helpers/http.js';
import { addCampaign, addProvider, pooledCard } from '../helpers/world.js';

interface Outcome {
  eventId: string;
  status: string;
  grants?: Array<{ grantId: string; points: number }>;
}

interface FeedItem {
  grantId: string;
  seq: number;
  campaignId: string;
  points: number;
  createdAt: string;
  ackedAt: string | null;
}

const jst = (local: string): number => Date.parse(`${local}+09:00`);

for (const engine of await enginesUnderTest()) {
  describe(`settlement on ${engine.engine}`, { skip: engine.skip }, () => {
    let http: HttpWorld;
    let keyA: SigningKey;
    let keyB: SigningKey;
    let providerA: string;
    let campaignId: string;
    const grant: Record<string, string> = {};
    const asOf = '2026-12-04T00:00:00+09:00';

    /** Sets the clock so that the next provider request (which moves it on by a second) runs at `local` JST. */
    const setClockFor = (local: string): void => {
      http.clock.ms = jst(local) - 1_000;
    };
    const events = async (key: SigningKey, list: unknown[]): Promise<Outcome[]> => {
      const response = await providerInject(http, key, { method: 'POST', url: '/v1/provider/events', json: { events: list } });
      assert.equal(response.statusCode, 200, response.body);
      const results = (response.json() as { results: Outcome[] }).results;
      for (const result of results) assert.equal(result.status, 'applied', JSON.stringify(result));
      return results;
    };
    const payment = (eventId: string, accountRef: string, amountYen: number) => ({ eventId, accountRef, kind: 'payment', amountYen, occurredAt: new Date(http.clock.nowMs() + 1_000).toISOString() });
    const grantOf = (outcome: Outcome | undefined): string => {
      assert.equal(outcome?.grants?.length, 1, JSON.stringify(outcome));
      return outcome!.grants![0]!.grantId;
    };
    const ack = async (grantIds: string[]): Promise<void> => {
      const response = await providerInject(http, keyA, { method: 'POST', url: '/v1/provider/grants/ack', json: { grantIds } });
      assert.equal(response.statusCode, 200, response.body);
    };
    const settle = (json: unknown, idempotencyKey?: string): Promise<LightMyRequestResponse> =>
      operatorInject(http.app, { method: 'POST', url: '/v1/operator/settlements', json, ...(idempotencyKey === undefined ? {} : { idempotencyKey }) });
    const asA = (url: string, headers: Record<string, string> = {}) => providerInject(http, keyA, { method: 'GET', url, headers });
    const asB = (url: string) => providerInject(http, keyB, { method: 'GET', url });

    /** Provider A's whole grant feed, in pages of two. */
    async function feedOfA(): Promise<FeedItem[][]> {
      const pages: FeedItem[][] = [];
      let after = '';
      for (;;) {
        const response = await asA(`/v1/provider/grants?limit=2${after === '' ? '' : `&after=${encodeURIComponent(after)}`}`);
        assert.equal(response.statusCode, 200, response.body);
        const body = response.json() as { data: FeedItem[]; hasMore: boolean; nextCursor: string };
        pages.push(body.data);
        if (!body.hasMore) return pages;
        after = body.nextCursor;
      }
    }

    before(async () => {
      http = await startHttpWorld({ engine, nowMs: jst('2026-11-27T12:00:00') });
      const a = await addProvider(http);
      const b = await addProvider(http);
      providerA = a.providerId;
      keyA = { keyId: a.keyId, secret: a.secret };
      keyB = { keyId: b.keyId, secret: b.secret };
      // The campaign budget (caps.budgetPoints) read through the stored definition, whatever else caps holds.
      const base = mynapoint2020Now(http.clock.nowMs()) as unknown as { caps?: Record<string, unknown> };
      campaignId = await addCampaign(http, { caps: { ...base.caps, budgetPoints: 1_000_000 } } as unknown as Partial<CampaignDefinition>);
      const refs = ['A-1', 'A-2', 'A-3', 'B-1'];
      for (const [index, accountRef] of refs.entries()) {
        const citizen = await httpLogin(http, await pooledCard(http, index));
        const serviceId = accountRef.startsWith('A') ? a.serviceId : b.serviceId;
        const bound = await httpBind(http, citizen, { campaignId, providerServiceId: serviceId, accountRef });
        assert.equal(bound.statusCode, 201, bound.body);
      }

      // 27 November, noon JST: three grants and a clawback for A, one grant for B.
      setClockFor('2026-11-27T12:05:00');
      const november = await events(keyA, [payment('e1', 'A-1', 4_000), payment('e2', 'A-2', 2_000), payment('e3', 'A-3', 8_000)]);
      [grant.g1, grant.g2, grant.g3] = november.map(grantOf) as [string, string, string];
      setClockFor('2026-11-27T12:10:00');
      grant.g4 = grantOf((await events(keyA, [{ ...payment('e4', 'A-3', 2_000), kind: 'refund', originalEventId: 'e3' }]))[0]);
      setClockFor('2026-11-27T12:15:00');
      grant.b1 = grantOf((await events(keyB, [payment('b1', 'B-1', 4_000)]))[0]);
      // The last seconds of November and the first instant of December, in Tokyo.
      setClockFor('2026-11-30T23:59:58');
      grant.g5 = grantOf((await events(keyA, [payment('e5', 'A-1', 400)]))[0]);
      setClockFor('2026-12-01T00:00:00');
      grant.g6 = grantOf((await events(keyA, [payment('e6', 'A-2', 400)]))[0]);
      // Acknowledged before asOf: g1 and the clawback g4; after asOf: g2.
      setClockFor('2026-12-02T10:00:00');
      await ack([grant.g1!, grant.g4!]);
      setClockFor('2026-12-04T12:00:00');
      await ack([grant.g2!]);
      http.clock.ms = jst('2026-12-05T09:00:00');
    });

    after(async () => {
      await http.close();
    });

    let first: StatementDocument;

    it('counts the month’s grants and clawbacks, and acknowledgements up to asOf only', async () => {
      const response = await settle({ providerId: providerA, month: '2026-11', asOf });
      assert.equal(response.statusCode, 201, response.body);
      first = response.json() as StatementDocument;
      assert.equal(first.revision, 1);
      assert.equal(first.timeZone, 'Asia/Tokyo');
      assert.equal(first.periodStart, '2026-11-01T00:00:00.000+09:00');
      assert.equal(first.periodEnd, '2026-12-01T00:00:00.000+09:00');
      assert.equal(Date.parse(first.asOf), Date.parse(asOf));
      assert.equal(first.feed.entries, 5, 'g1–g5; g6 (00:00 on 1 December) is December’s');
      assert.deepEqual(first.total, {
        grantsCount: 4,
        grantsPoints: 1_000 + 500 + 2_000 + 100,
        clawbacksCount: 1,
        clawbacksPoints: -500,
        netPoints: 3_100,
        acknowledgedGrantsCount: 1,
        acknowledgedGrantsPoints: 1_000,
        acknowledgedClawbacksCount: 1,
        acknowledgedClawbacksPoints: -500,
        acknowledgedNetPoints: 500,
        unacknowledgedGrantsCount: 3,
        unacknowledgedGrantsPoints: 2_600,
        unacknowledgedClawbacksCount: 0,
        unacknowledgedClawbacksPoints: 0,
        unacknowledgedNetPoints: 2_600,
        subsidyYen: 500,
      });
      assert.deepEqual(first.campaigns.map((c) => [c.campaignId, c.subsidyYen]), [[campaignId, 500]]);
    });

    it('equals its recomputation from the provider’s grant feed', async () => {
      const parsed = parseStatementDocument(first);
      assert.ok(parsed.ok);
      const stated = parsed.value.statement;
      const builder = new StatementBuilder({ providerId: providerA, month: stated.month, timeZone: stated.timeZone, asOfMs: stated.asOfMs, throughSeq: stated.throughSeq });
      const pages = await feedOfA();
      assert.ok(pages.length >= 3, 'the feed is read in several pages');
      for (const page of pages) {
        const lines: SettlementLine[] = page.map((item) => ({
          grantId: item.grantId,
          seq: item.seq,
          campaignId: item.campaignId,
          points: item.points,
          createdAtMs: Date.parse(item.createdAt),
          ackedAtMs: item.ackedAt === null ? null : Date.parse(item.ackedAt),
        }));
        assert.ok(builder.add(lines).ok);
      }
      const recomputed = builder.finish();
      assert.deepEqual(compareStatements(stated, recomputed), []);
      assert.deepEqual(recomputed, stated);
      const feed = pages.flat();
      assert.equal(feed.find((g) => g.grantId === grant.g2)?.ackedAt !== null, true, 'the feed shows the later acknowledgement, which the statement leaves out');
      assert.ok(!feed.some((g) => g.grantId === grant.b1), 'B’s grant is not in A’s feed');
    });

    it('is audited, and a re-run is a new revision that counts acknowledgements made since', async () => {
      const key = 'rerun-key';
      const again = await settle({ providerId: providerA, month: '2026-11', asOf }, key);
      assert.equal(again.statusCode, 201, again.body);
      const second = again.json() as StatementDocument;
      assert.equal(second.revision, 2);
      assert.deepEqual([second.total, second.feed], [first.total, first.feed], 'the same asOf gives the same statement');
      const replay = await settle({ providerId: providerA, month: '2026-11', asOf }, key);
      assert.equal(replay.headers['idempotency-hit'], 'true');
      assert.equal((replay.json() as StatementDocument).revision, 2);

      const latest = await settle({ providerId: providerA, month: '2026-11' });
      assert.equal(latest.statusCode, 201, latest.body);
      const third = latest.json() as StatementDocument;
      assert.equal(third.revision, 3);
      assert.equal(Date.parse(third.asOf), http.clock.nowMs() - 60_000, 'asOf defaults to a minute ago');
      assert.equal(third.total.subsidyYen, 1_000, 'g2, acknowledged after the first asOf, now counts');
      assert.equal(third.feed.linesSha256 === first.feed.linesSha256, false);

      const audit = await operatorInject(http.app, { method: 'GET', url: '/v1/operator/audit?limit=100' });
      const runs = (audit.json() as { data: Array<{ action: string; subject: string; details: { revision: number; subsidyYen: number } }> }).data.filter((e) => e.action === 'settlement.run');
      assert.deepEqual(runs.map((e) => [e.subject, e.details.revision, e.details.subsidyYen]), [
        [providerA, 1, 500],
        [providerA, 2, 500],
        [providerA, 3, 1_000],
      ]);
    });

    it('is served to its provider as JSON, CSV and printable HTML, by revision', async () => {
      const json = await asA('/v1/provider/settlements/2026-11');
      assert.equal(json.statusCode, 200, json.body);
      assert.equal((json.json() as StatementDocument).revision, 3);
      const byRevision = await asA('/v1/provider/settlements/2026-11?revision=1');
      assert.deepEqual(byRevision.json(), first);

      for (const csv of [await asA('/v1/provider/settlements/2026-11?revision=1', { accept: 'text/csv' }), await asA('/v1/provider/settlements/2026-11?revision=1&format=csv')]) {
        assert.equal(csv.statusCode, 200);
        assert.match(String(csv.headers['content-type']), /^text\/csv/);
        const rows = csv.body.trimEnd().split('\r\n');
        assert.equal(rows.length, 3, 'header, one campaign, total');
        const header = rows[0]!.split(',');
        const total = rows[2]!.split(',');
        assert.equal(total[header.indexOf('scope')], 'total');
        assert.equal(total[header.indexOf('subsidyYen')], '500');
        assert.equal(total[header.indexOf('clawbacksPoints')], '-500');
      }

      const html = await asA('/v1/provider/settlements/2026-11?revision=1&format=html');
      assert.equal(html.statusCode, 200);
      assert.match(String(html.headers['content-type']), /^text\/html/);
      assert.match(String(html.headers['content-security-policy']), /default-src 'none'/);
      assert.match(html.body, /Subsidy owed: ¥500/);
      assert.doesNotMatch(html.body, /<script/i);

      const list = await asA('/v1/provider/settlements');
      assert.deepEqual((list.json() as { data: Array<{ revision: number }> }).data.map((s) => s.revision), [1, 2, 3]);
    });

    it('is not served to another provider, nor listed for it', async () => {
      const other = await asB('/v1/provider/settlements/2026-11');
      assert.equal(other.statusCode, 404);
      assert.equal((other.json() as { code: string }).code, 'settlement_not_found');
      assert.deepEqual((await asB('/v1/provider/settlements')).json(), { data: [], hasMore: false, nextCursor: null });
    });

    it('lists statements for the operator in pages', async () => {
      const firstPage = await operatorInject(http.app, { method: 'GET', url: `/v1/operator/settlements?providerId=${providerA}&limit=2` });
      const page = firstPage.json() as { data: Array<{ revision: number }>; hasMore: boolean; nextCursor: string };
      assert.deepEqual([page.data.map((s) => s.revision), page.hasMore], [[1, 2], true]);
      const rest = await operatorInject(http.app, { method: 'GET', url: `/v1/operator/settlements?providerId=${providerA}&limit=2&after=${page.nextCursor}` });
      assert.deepEqual((rest.json() as { data: Array<{ revision: number }> }).data.map((s) => s.revision), [3]);
      const read = await operatorInject(http.app, { method: 'GET', url: `/v1/operator/settlements/${providerA}/2026-11?revision=1` });
      assert.deepEqual(read.json(), first);
      const bad = await operatorInject(http.app, { method: 'GET', url: '/v1/operator/settlements?after=bm90LWEtY3Vyc29y' });
      assert.equal((bad.json() as { code: string }).code, 'cursor_invalid');
    });

    it('refuses a recent asOf, a month not begun, an unknown provider and a My Number, writing nothing', async () => {
      const before = await countRows(http.ctx.store);
      const cases: Array<[unknown, string]> = [
        [{ providerId: providerA, month: '2026-12', asOf: new Date(http.clock.nowMs() - 30_000).toISOString() }, 'settlement_as_of_too_recent'],
        [{ providerId: providerA, month: '2027-01' }, 'settlement_period_not_started'],
        [{ providerId: 'no-such-provider', month: '2026-11' }, 'provider_not_found'],
      ];
      for (const [json, code] of cases) {
        const response = await settle(json);
        assert.equal((response.json() as { code: string }).code, code, response.body);
      }
      const uploads: Array<[string, unknown[], string]> = [
        ['2026-11', [{ grantId: '1234-5678-9018', points: 1, creditedAt: '2026-11-30T12:00:00+09:00' }], 'national_id_number_refused'],
        ['2027-01', [], 'settlement_period_not_started'],
      ];
      for (const [month, lines, code] of uploads) {
        const response = await providerInject(http, keyA, { method: 'POST', url: `/v1/provider/settlements/${month}/reconciliation`, json: { lines }, headers: { 'idempotency-key': code } });
        assert.equal((response.json() as { code: string }).code, code, response.body);
      }
      // A refused provider request still leaves its signature in the replay guard; nothing else changes.
      assert.deepEqual({ ...(await countRows(http.ctx.store)), signature_nonces: 0 }, { ...before, signature_nonces: 0 });
    });

    it('reconciles what the provider credited, line by line', async () => {
      const at = '2026-12-05T08:00:00+09:00';
      const lines = [
        { grantId: grant.g1, points: 1_000, creditedAt: at },
        { grantId: grant.g2, points: 500, creditedAt: at },
        { grantId: grant.g3, points: 1_999, creditedAt: at },
        { grantId: grant.g4, points: -500, creditedAt: at },
        { grantId: grant.g6, points: 100, creditedAt: at },
        { grantId: grant.b1, points: 1_000, creditedAt: at },
        { grantId: 'no-such-grant', points: 5, creditedAt: at },
        { grantId: grant.g1, points: 1_000, creditedAt: at },
      ];
      const response = await providerInject(http, keyA, { method: 'POST', url: '/v1/provider/settlements/2026-11/reconciliation', json: { lines }, headers: { 'idempotency-key': 'recon-1' } });
      assert.equal(response.statusCode, 201, response.body);
      const report = response.json() as ReconciliationDocument;
      assert.equal(report.revision, 1);
      assert.deepEqual(report.summary, {
        creditedLines: 8,
        ledgerLines: 5,
        matched: { count: 3, points: 1_000, unacknowledgedCount: 0 },
        missing: { count: 1, points: 100 },
        unknown: { count: 2, points: 1_005 },
        pointsMismatch: { count: 1, points: 1_999, grantedPoints: 2_000 },
        outsidePeriod: { count: 1, points: 100 },
        duplicate: { count: 1, points: 1_000 },
      });
      assert.deepEqual(
        report.differences.map((d) => [d.kind, d.grantId, d.line ?? null, d.grantMonth ?? null]),
        [
          ['points_mismatch', grant.g3, 3, null],
          ['outside_period', grant.g6, 5, '2026-12'],
          ['unknown', grant.b1, 6, null],
          ['unknown', 'no-such-grant', 7, null],
          ['duplicate', grant.g1, 8, null],
          ['missing', grant.g5, null, null],
        ],
      );
      assert.equal(report.differences.find((d) => d.kind === 'unknown' && d.grantId === grant.b1)?.campaignId, undefined, 'nothing about another provider’s grant');

      assert.deepEqual((await asA('/v1/provider/settlements/2026-11/reconciliation')).json(), report);
      assert.deepEqual((await operatorInject(http.app, { method: 'GET', url: `/v1/operator/settlements/${providerA}/2026-11/reconciliation?revision=1` })).json(), report);
      const other = await asB('/v1/provider/settlements/2026-11/reconciliation');
      assert.equal((other.json() as { code: string }).code, 'reconciliation_not_found');
    });

    it('gives the campaign dashboard per Tokyo day, with the budget left', async () => {
      const response = await operatorInject(http.app, { method: 'GET', url: `/v1/operator/campaigns/${campaignId}/dashboard` });
      assert.equal(response.statusCode, 200, response.body);
      const dashboard = response.json() as { personsBound: number; pointsGranted: number; budgetPoints: number | null; budgetLeftPoints: number | null; days: unknown[] };
      assert.deepEqual(dashboard.days, [
        { date: '2026-11-27', personsBound: 4, personsBoundCumulative: 4, pointsGranted: 4_000, pointsGrantedCumulative: 4_000 },
        { date: '2026-11-28', personsBound: 0, personsBoundCumulative: 4, pointsGranted: 0, pointsGrantedCumulative: 4_000 },
        { date: '2026-11-29', personsBound: 0, personsBoundCumulative: 4, pointsGranted: 0, pointsGrantedCumulative: 4_000 },
        { date: '2026-11-30', personsBound: 0, personsBoundCumulative: 4, pointsGranted: 100, pointsGrantedCumulative: 4_100 },
        { date: '2026-12-01', personsBound: 0, personsBoundCumulative: 4, pointsGranted: 100, pointsGrantedCumulative: 4_200 },
      ]);
      assert.deepEqual([dashboard.personsBound, dashboard.pointsGranted, dashboard.budgetPoints, dashboard.budgetLeftPoints], [4, 4_200, 1_000_000, 995_800]);
      const stats = (await operatorInject(http.app, { method: 'GET', url: '/v1/operator/stats' })).json() as { campaigns: Array<{ campaignId: string; pointsGranted: number; personsBound: number }> };
      const ofCampaign = stats.campaigns.find((c) => c.campaignId === campaignId);
      assert.deepEqual([ofCampaign?.personsBound, ofCampaign?.pointsGranted], [dashboard.personsBound, dashboard.pointsGranted]);

      const quiet = await addCampaign(http);
      const empty = (await operatorInject(http.app, { method: 'GET', url: `/v1/operator/campaigns/${quiet}/dashboard` })).json();
      assert.deepEqual(empty, { campaignId: quiet, timeZone: 'Asia/Tokyo', personsBound: 0, pointsGranted: 0, budgetPoints: null, budgetLeftPoints: null, days: [] });
    });
  });
}
