// Ensures event files on both engines: a mixed NDJSON file and a mixed CSV file give the right result per line
// (applied, duplicate, each rejection code, blank lines and the header skipped, CRLF and a byte-order mark, a last
// line without a line feed); an upload cut mid-line, with an overlapping re-sent chunk, a chunk past the end
// (`upload_offset_mismatch`, nothing changed) and a resume from the server's receivedBytes gives the same ledger and
// the same report as one uninterrupted upload of a file larger than one ingest batch; the declared size and sha256
// are enforced; two requests racing with the same chunk record each line once; another provider cannot see or
// touch the file; the report pages and filters by status; a provider's files are listed newest first, in pages,
// with none of another provider's, and a cursor the list did not make is `cursor_invalid`.
// How: the real app over a fresh store of each engine, driven with signed `app.inject()` requests; two providers
// with a campaign each bind the same citizens under the same account references, so the same file bytes can be
// uploaded once per provider and the two ledgers compared; row counts are read from the store directly.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import type { ProviderEvent } from '../../src/app/ingest-events.js';
import { eventFileChunkBytesMax, eventFileLineBytesMax, eventFileLinesPerBatchMax } from '../../src/domain/limits.js';
import type { SigningKey } from '../../src/http/signed-fetch.js';
import { enginesUnderTest } from '../helpers/engines.js';
import { countRows, providerInject, startHttpWorld, storeTables, type HttpWorld } from '../helpers/http.js';
import { balanceOf, ledgerMismatches, payment, refund } from '../helpers/ledger.js';
import { addCampaign, addCitizens, addProvider, bindOk, type Citizen } from '../helpers/world.js';

interface FileView {
  fileId: string;
  state: string;
  receivedBytes: number;
  linesRead: number;
  linesApplied: number;
  linesDuplicate: number;
  linesRejected: number;
}

interface LineResult {
  line: number;
  eventId?: string;
  status: string;
  code?: string;
}

interface TestProvider {
  providerId: string;
  key: SigningKey;
  campaignId: string;
}

const accountRefs = ['FILE-A', 'FILE-B', 'FILE-C'];
/** Every table but the replay guard's, which remembers each signature used, refused requests' too. */
const countedTables = storeTables.filter((t) => t !== 'signature_nonces');

function jsonLine(event: ProviderEvent | Record<string, unknown>): string {
  return JSON.stringify(event);
}

for (const engine of await enginesUnderTest()) {
  describe(`event files on ${engine.engine}`, { skip: engine.skip, timeout: 300_000 }, () => {
    let http: HttpWorld;
    let citizens: Citizen[];
    const providers: TestProvider[] = [];
    let at: (minutes: number) => number;

    before(async () => {
      http = await startHttpWorld({ engine });
      citizens = await addCitizens(http, accountRefs.length);
      for (let i = 0; i < 3; i += 1) {
        const provider = await addProvider(http);
        const campaignId = await addCampaign(http);
        for (const [index, accountRef] of accountRefs.entries()) {
          await bindOk(http, citizens[index]!, { campaignId, providerServiceId: provider.serviceId, accountRef });
        }
        providers.push({ providerId: provider.providerId, key: { keyId: provider.keyId, secret: provider.secret }, campaignId });
      }
      const startMs = http.clock.nowMs();
      // Events a little after the bindings: a binding counts events from the moment it was made.
      at = (minutes) => startMs + 60_000 + minutes * 60_000;
    });

    after(async () => {
      await http.close();
    });

    const request = (provider: TestProvider, input: Parameters<typeof providerInject>[2]) => providerInject(http, provider.key, input);

    async function createFile(provider: TestProvider, body: Record<string, unknown>): Promise<FileView> {
      const response = await request(provider, { method: 'POST', url: '/v1/provider/event-files', json: body, headers: { 'idempotency-key': crypto.randomUUID() } });
      assert.equal(response.statusCode, 201, response.body);
      return response.json();
    }

    function putChunk(provider: TestProvider, fileId: string, offset: number, chunk: Buffer): Promise<LightMyRequestResponse> {
      return request(provider, { method: 'PUT', url: `/v1/provider/event-files/${fileId}/content?offset=${offset}`, body: chunk, contentType: 'application/octet-stream' });
    }

    async function putOk(provider: TestProvider, fileId: string, offset: number, chunk: Buffer): Promise<FileView> {
      const response = await putChunk(provider, fileId, offset, chunk);
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.headers['upload-offset'], String((response.json() as FileView).receivedBytes));
      return response.json();
    }

    async function complete(provider: TestProvider, fileId: string): Promise<LightMyRequestResponse> {
      return request(provider, { method: 'POST', url: `/v1/provider/event-files/${fileId}/complete` });
    }

    async function completeOk(provider: TestProvider, fileId: string): Promise<FileView> {
      const response = await complete(provider, fileId);
      assert.equal(response.statusCode, 200, response.body);
      return response.json();
    }

    /** The whole report, read in pages of `limit`. */
    async function report(provider: TestProvider, fileId: string, query = '', limit = 1_000): Promise<LineResult[]> {
      const results: LineResult[] = [];
      let after: string | undefined;
      for (;;) {
        const url = `/v1/provider/event-files/${fileId}/report?limit=${limit}${query}${after === undefined ? '' : `&after=${after}`}`;
        const response = await request(provider, { method: 'GET', url });
        assert.equal(response.statusCode, 200, response.body);
        const page = response.json() as { data: LineResult[]; hasMore: boolean; nextCursor: string };
        results.push(...page.data);
        if (!page.hasMore) return results;
        after = page.nextCursor;
      }
    }

    /** Line number → [status, code] of a report. */
    function outcomes(results: readonly LineResult[]): Array<[number, string, string | undefined]> {
      return results.map((r) => [r.line, r.status, r.code]);
    }

    it('reads a mixed NDJSON file line by line, each line with its own result', async () => {
      const provider = providers[0]!;
      const tooLong = jsonLine({ ...payment('nd-long', 'FILE-A', 100, at(1)), padding: 'x'.repeat(eventFileLineBytesMax) });
      const lines = [
        jsonLine(payment('nd-1', 'FILE-A', 1_000, at(1))),
        '{"eventId": "nd-broken", ',
        '',
        jsonLine({ ...payment('nd-2', 'FILE-A', 100, at(2)), amountYen: '100' }),
        jsonLine(payment('nd-3', 'NO-SUCH-ACCOUNT', 100, at(3))),
        `${jsonLine(payment('nd-1', 'FILE-A', 1_000, at(1)))}\r`,
        jsonLine(payment('nd-1', 'FILE-A', 2_000, at(1))),
        jsonLine(refund('nd-4', 'FILE-A', 400, at(4), 'nd-1')),
        tooLong,
        '[1, 2]',
        jsonLine({ ...payment('nd-5', 'FILE-B', 100, at(5)), extra: true }),
        '   ',
        jsonLine(payment('nd-6', 'FILE-B', 2_000, at(6))),
      ];
      const content = Buffer.from(lines.join('\n'));
      const file = await createFile(provider, { fileName: 'mixed.ndjson', format: 'ndjson' });
      assert.deepEqual([file.state, file.receivedBytes, file.linesRead], ['receiving', 0, 0]);
      const put = await putOk(provider, file.fileId, 0, content);
      assert.equal(put.receivedBytes, content.length);
      assert.equal(put.linesRead, lines.length - 1, 'the last line has no line feed yet');
      const done = await completeOk(provider, file.fileId);
      assert.deepEqual(
        [done.state, done.linesRead, done.linesApplied, done.linesDuplicate, done.linesRejected],
        ['completed', lines.length, 3, 1, 7],
      );
      const results = await report(provider, file.fileId);
      assert.deepEqual(outcomes(results), [
        [1, 'applied', undefined],
        [2, 'rejected', 'file_line_invalid'],
        [4, 'rejected', 'file_line_invalid'],
        [5, 'rejected', 'account_unknown'],
        [6, 'duplicate', undefined],
        [7, 'rejected', 'idempotency_conflict'],
        [8, 'applied', undefined],
        [9, 'rejected', 'file_line_invalid'],
        [10, 'rejected', 'file_line_invalid'],
        [11, 'rejected', 'file_line_invalid'],
        [13, 'applied', undefined],
      ]);
      assert.deepEqual(
        results.map((r) => r.eventId),
        ['nd-1', undefined, 'nd-2', 'nd-3', 'nd-1', 'nd-1', 'nd-4', undefined, undefined, 'nd-5', 'nd-6'],
        'a line names its event whenever it names a plausible event id',
      );
      // 1,000 − 400 refunded on FILE-A, 2,000 on FILE-B, at 25 %.
      assert.deepEqual(await balanceOf(http.opened.store, citizens[0]!.session.personId, provider.campaignId), { eligibleYen: 600, pointsGranted: 150 });
      assert.deepEqual(await balanceOf(http.opened.store, citizens[1]!.session.personId, provider.campaignId), { eligibleYen: 2_000, pointsGranted: 500 });
      assert.deepEqual(await ledgerMismatches(http.opened.store, provider.campaignId), []);
    });

    it('reads a mixed CSV file under its header, with RFC 4180 quoting', async () => {
      const provider = providers[0]!;
      const occurredAt = new Date(at(7)).toISOString();
      const lines = [
        '\ufeffeventId,accountRef,kind,amountYen,occurredAt,originalEventId',
        `csv-1,FILE-C,payment,2000,${occurredAt},`,
        `"csv,2",FILE-C,"topup",400,"${occurredAt}",`,
        `csv-3,FILE-C,payment,2000,${occurredAt}`,
        `csv-4,FILE-C,payment,12.5,${occurredAt},`,
        `csv-5,FILE-C,payment,,${occurredAt},`,
        `csv-6,FILE-"C",payment,100,${occurredAt},`,
        `csv-7,FILE-C,refund,1000,${occurredAt},csv-1`,
        `csv-8,FILE-C,payment,100,${occurredAt},csv-1`,
        '',
        `"csv-""9""",FILE-C,payment,400,${occurredAt},`,
      ];
      const content = Buffer.from(`${lines.join('\r\n')}\r\n`);
      const file = await createFile(provider, { fileName: 'mixed.csv', format: 'csv', sizeBytes: content.length });
      // Cut inside the header and inside a quoted field: the lines are whole whatever the chunks.
      const cuts = [10, content.indexOf('"csv,2"') + 3, content.length];
      let offset = 0;
      for (const cut of cuts) {
        await putOk(provider, file.fileId, offset, content.subarray(offset, cut));
        offset = cut;
      }
      const done = await completeOk(provider, file.fileId);
      assert.deepEqual([done.linesRead, done.linesApplied, done.linesRejected], [lines.length, 4, 5]);
      const results = await report(provider, file.fileId);
      assert.deepEqual(outcomes(results), [
        [2, 'applied', undefined],
        [3, 'applied', undefined],
        [4, 'rejected', 'file_line_invalid'],
        [5, 'rejected', 'file_line_invalid'],
        [6, 'rejected', 'file_line_invalid'],
        [7, 'rejected', 'file_line_invalid'],
        [8, 'applied', undefined],
        [9, 'rejected', 'original_event_not_allowed'],
        [11, 'applied', undefined],
      ]);
      assert.deepEqual(
        results.map((r) => r.eventId),
        ['csv-1', 'csv,2', undefined, 'csv-4', 'csv-5', undefined, 'csv-7', 'csv-8', 'csv-"9"'],
      );
      // 2,000 + 400 − 1,000 + 400 on FILE-C.
      assert.deepEqual(await balanceOf(http.opened.store, citizens[2]!.session.personId, provider.campaignId), { eligibleYen: 1_800, pointsGranted: 450 });
    });

    it('refuses a CSV file whose header is not one of event fields, and changes nothing', async () => {
      const provider = providers[0]!;
      for (const header of ['eventId,accountRef,kind,amountYen', 'eventId,accountRef,kind,amountYen,occurredAt,shop', 'eventId,eventId,accountRef,kind,amountYen,occurredAt']) {
        const file = await createFile(provider, { fileName: 'bad-header.csv', format: 'csv' });
        const before = await countRows(http.opened.store, countedTables);
        const response = await putChunk(provider, file.fileId, 0, Buffer.from(`${header}\nx,FILE-A,payment,100,2026-11-27T12:00:00+09:00\n`));
        assert.equal(response.statusCode, 400, response.body);
        assert.equal((response.json() as { code: string }).code, 'csv_header_invalid');
        assert.deepEqual(await countRows(http.opened.store, countedTables), before);
      }
    });

    it('an interrupted and resumed upload gives the ledger and report of an uninterrupted one', async () => {
      const [, whole, resumed] = providers as [TestProvider, TestProvider, TestProvider];
      const lineCount = 2 * eventFileLinesPerBatchMax + 500;
      const lines = Array.from({ length: lineCount }, (_, i) => {
        if (i % 97 === 5) return '{"not": "an event"}';
        const accountRef = accountRefs[i % accountRefs.length]!;
        if (i % 50 === 10) return jsonLine(refund(`big-${i}`, accountRef, 10, at(9), `big-${i - 3}`));
        return jsonLine(payment(`big-${i}`, accountRef, 7 + (i % 13), at(8)));
      });
      const content = Buffer.from(`${lines.join('\n')}\n`);
      assert.ok(content.length > 100_000);

      const oneGo = await createFile(whole, { fileName: 'big.ndjson', format: 'ndjson' });
      await putOk(whole, oneGo.fileId, 0, content);
      const wholeDone = await completeOk(whole, oneGo.fileId);

      const sha256 = createHash('sha256').update(content).digest('hex');
      const file = await createFile(resumed, { fileName: 'big.ndjson', format: 'ndjson', sizeBytes: content.length, sha256 });
      const firstCut = content.indexOf('\n', 50_000) - 7; // mid-line
      let view = await putOk(resumed, file.fileId, 0, content.subarray(0, firstCut));
      assert.equal(view.receivedBytes, firstCut);
      // A chunk re-sent from before receivedBytes: its known bytes are skipped.
      view = await putOk(resumed, file.fileId, 40_000, content.subarray(40_000, 130_001));
      assert.equal(view.receivedBytes, 130_001);
      const before = await countRows(http.opened.store, countedTables);
      // A chunk that would leave a gap: refused, with the offset to resume from, and nothing changes.
      const gap = await putChunk(resumed, file.fileId, 140_000, content.subarray(140_000, 150_000));
      assert.equal(gap.statusCode, 409, gap.body);
      assert.equal((gap.json() as { code: string }).code, 'upload_offset_mismatch');
      assert.equal(gap.headers['upload-offset'], '130001');
      // The same chunk again, answered after the fact: harmless.
      const again = await putOk(resumed, file.fileId, 40_000, content.subarray(40_000, 130_001));
      assert.deepEqual(again, view);
      assert.deepEqual(await countRows(http.opened.store, countedTables), before);
      // Resume from what the server says, in chunks that end mid-line.
      const state = await request(resumed, { method: 'GET', url: `/v1/provider/event-files/${file.fileId}` });
      let offset = (state.json() as FileView).receivedBytes;
      while (offset < content.length) {
        const end = Math.min(offset + 33_333, content.length);
        offset = (await putOk(resumed, file.fileId, offset, content.subarray(offset, end))).receivedBytes;
      }
      const resumedDone = await completeOk(resumed, file.fileId);
      assert.deepEqual(await completeOk(resumed, file.fileId), resumedDone, 'completing again answers the same');

      const counts = (v: FileView) => [v.state, v.receivedBytes, v.linesRead, v.linesApplied, v.linesDuplicate, v.linesRejected];
      assert.deepEqual(counts(resumedDone), counts(wholeDone));
      assert.equal(wholeDone.linesRead, lineCount);
      assert.equal(wholeDone.linesDuplicate, 0);
      assert.deepEqual(outcomes(await report(resumed, file.fileId, '', 700)), outcomes(await report(whole, oneGo.fileId)));
      for (const citizen of citizens) {
        const expected = await balanceOf(http.opened.store, citizen.session.personId, whole.campaignId);
        assert.ok(expected !== undefined && expected.pointsGranted > 0);
        assert.deepEqual(await balanceOf(http.opened.store, citizen.session.personId, resumed.campaignId), expected);
      }
      assert.deepEqual(await ledgerMismatches(http.opened.store), []);
      const events = await http.opened.store.db
        .selectFrom('events')
        .select(({ fn }) => ['provider_id', fn.countAll<number>().as('n')])
        .where('provider_id', 'in', [whole.providerId, resumed.providerId])
        .groupBy('provider_id')
        .execute();
      assert.deepEqual(events.map((e) => Number(e.n)), [wholeDone.linesApplied, wholeDone.linesApplied]);
    });

    it('two requests sending the same chunk at once record each line once', async () => {
      const provider = providers[0]!;
      const lines = Array.from({ length: eventFileLinesPerBatchMax + 200 }, (_, i) => jsonLine(payment(`race-${i}`, accountRefs[i % 3]!, 3, at(13))));
      const content = Buffer.from(`${lines.join('\n')}\n`);
      const file = await createFile(provider, { fileName: 'race.ndjson', format: 'ndjson' });
      const answers = await Promise.all([putChunk(provider, file.fileId, 0, content), putChunk(provider, file.fileId, 0, content)]);
      for (const answer of answers) {
        const code = answer.statusCode === 200 ? 'ok' : (answer.json() as { code: string }).code;
        assert.ok(code === 'ok' || code === 'upload_offset_mismatch', answer.body);
      }
      assert.ok(answers.some((a) => a.statusCode === 200));
      const done = await completeOk(provider, file.fileId);
      assert.deepEqual([done.linesRead, done.linesApplied + done.linesDuplicate, done.linesRejected], [lines.length, lines.length, 0]);
      const results = await report(provider, file.fileId);
      assert.deepEqual(results.map((r) => r.line), lines.map((_, i) => i + 1), 'one result per line');
      const stored = await http.opened.store.db
        .selectFrom('events')
        .select(({ fn }) => fn.countAll<number>().as('n'))
        .where('provider_id', '=', provider.providerId)
        .where('event_id', 'like', 'race-%')
        .executeTakeFirstOrThrow();
      assert.equal(Number(stored.n), lines.length);
      assert.deepEqual(await ledgerMismatches(http.opened.store), []);
    });

    it('enforces the declared size and sha256', async () => {
      const provider = providers[0]!;
      const content = Buffer.from(`${jsonLine(payment('sz-1', 'FILE-A', 100, at(10)))}\n`);
      const sized = await createFile(provider, { fileName: 'sized.ndjson', format: 'ndjson', sizeBytes: content.length - 1 });
      const over = await putChunk(provider, sized.fileId, 0, content);
      assert.equal((over.json() as { code: string }).code, 'upload_size_mismatch');
      await putOk(provider, sized.fileId, 0, content.subarray(0, 10));
      const short = await complete(provider, sized.fileId);
      assert.equal((short.json() as { code: string }).code, 'upload_size_mismatch');
      assert.equal((await request(provider, { method: 'GET', url: `/v1/provider/event-files/${sized.fileId}` })).json().state, 'receiving');

      const sha256 = createHash('sha256').update('another file').digest('hex');
      const hashed = await createFile(provider, { fileName: 'hashed.ndjson', format: 'ndjson', sha256 });
      await putOk(provider, hashed.fileId, 0, content.subarray(0, content.length - 1)); // the last line waits for completion
      const mismatch = await complete(provider, hashed.fileId);
      assert.equal(mismatch.statusCode, 409, mismatch.body);
      assert.equal((mismatch.json() as { code: string }).code, 'upload_digest_mismatch');
      const closed = (await request(provider, { method: 'GET', url: `/v1/provider/event-files/${hashed.fileId}` })).json() as FileView;
      assert.deepEqual([closed.state, closed.linesApplied], ['digest_mismatch', 0], 'the last line is not read from a file that is not the declared one');
      const more = await putChunk(provider, hashed.fileId, closed.receivedBytes, Buffer.from('\n'));
      assert.equal((more.json() as { code: string }).code, 'event_file_closed');
    });

    it('a provider sees and touches only its own files', async () => {
      const [owner, other] = providers as [TestProvider, TestProvider];
      const file = await createFile(owner, { fileName: 'own.ndjson', format: 'ndjson' });
      await putOk(owner, file.fileId, 0, Buffer.from(`${jsonLine(payment('own-1', 'FILE-A', 100, at(11)))}\n`));
      const before = await countRows(http.opened.store, countedTables);
      const attempts = [
        await request(other, { method: 'GET', url: `/v1/provider/event-files/${file.fileId}` }),
        await request(other, { method: 'GET', url: `/v1/provider/event-files/${file.fileId}/report` }),
        await putChunk(other, file.fileId, file.receivedBytes, Buffer.from(`${jsonLine(payment('own-2', 'FILE-A', 100, at(11)))}\n`)),
        await complete(other, file.fileId),
      ];
      for (const response of attempts) {
        assert.equal(response.statusCode, 404, response.body);
        assert.equal((response.json() as { code: string }).code, 'event_file_not_found');
      }
      assert.deepEqual(await countRows(http.opened.store, countedTables), before);
    });

    it('pages the report and filters it by status', async () => {
      const provider = providers[0]!;
      const lines = Array.from({ length: 9 }, (_, i) => (i % 3 === 0 ? 'not json' : jsonLine(payment(`pg-${i}`, 'FILE-B', 10, at(12)))));
      const file = await createFile(provider, { fileName: 'pages.ndjson', format: 'ndjson' });
      await putOk(provider, file.fileId, 0, Buffer.from(lines.join('\n')));
      await completeOk(provider, file.fileId);
      const all = await report(provider, file.fileId, '', 2);
      assert.deepEqual(all.map((r) => r.line), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
      const rejected = await report(provider, file.fileId, '&status=rejected', 2);
      assert.deepEqual(outcomes(rejected), [
        [1, 'rejected', 'file_line_invalid'],
        [4, 'rejected', 'file_line_invalid'],
        [7, 'rejected', 'file_line_invalid'],
      ]);
      const first = await request(provider, { method: 'GET', url: `/v1/provider/event-files/${file.fileId}/report?limit=4&status=applied` });
      assert.deepEqual(first.json(), {
        data: [2, 3, 5, 6].map((line) => ({ line, eventId: `pg-${line - 1}`, status: 'applied' })),
        hasMore: true,
        nextCursor: '6',
      });
    });

    it('lists a provider’s own files, newest first, in pages', async () => {
      const fresh = await addProvider(http);
      const lister: TestProvider = { providerId: fresh.providerId, key: { keyId: fresh.keyId, secret: fresh.secret }, campaignId: providers[0]!.campaignId };
      const other = providers[1]!;
      const created: string[] = [];
      for (const name of ['a.ndjson', 'b.csv', 'c.ndjson']) {
        created.push((await createFile(lister, { fileName: name, format: name.endsWith('.csv') ? 'csv' : 'ndjson' })).fileId);
        await createFile(other, { fileName: `other-${name}`, format: 'ndjson' });
        http.clock.advance(1_000);
      }
      // Two files in the same millisecond: the id orders them, and paging neither skips nor repeats one.
      created.push((await createFile(lister, { fileName: 'd.ndjson', format: 'ndjson' })).fileId);
      created.push((await createFile(lister, { fileName: 'e.ndjson', format: 'ndjson' })).fileId);
      const listed: Array<{ fileId: string; fileName: string; state: string; createdAt: string }> = [];
      let after: string | null = null;
      let pages = 0;
      do {
        const response = await request(lister, { method: 'GET', url: `/v1/provider/event-files?limit=2${after === null ? '' : `&after=${after}`}` });
        assert.equal(response.statusCode, 200, response.body);
        const page = response.json() as { data: typeof listed; hasMore: boolean; nextCursor: string | null };
        assert.equal(page.hasMore, page.nextCursor !== null);
        listed.push(...page.data);
        after = page.nextCursor;
        pages += 1;
      } while (after !== null);
      assert.equal(pages, 3);
      assert.deepEqual(new Set(listed.map((f) => f.fileId)), new Set(created), 'every own file once, no other provider’s');
      assert.equal(listed.length, created.length);
      assert.deepEqual(listed.slice(2).map((f) => f.fileName), ['c.ndjson', 'b.csv', 'a.ndjson'], 'newest first');
      assert.deepEqual(new Set(listed.slice(0, 2).map((f) => f.fileName)), new Set(['d.ndjson', 'e.ndjson']));
      const createdAtMs = listed.map((f) => Date.parse(f.createdAt));
      assert.deepEqual(createdAtMs, [...createdAtMs].sort((x, y) => y - x));
      assert.ok(listed.every((f) => f.state === 'receiving'));

      for (const cursor of ['bm90LWEtY3Vyc29y', 'Zj', Buffer.from('f1:[1,"x"] ').toString('base64url')]) {
        const refused = await request(lister, { method: 'GET', url: `/v1/provider/event-files?after=${cursor}` });
        assert.equal(refused.statusCode, 400, refused.body);
        assert.equal((refused.json() as { code: string }).code, 'cursor_invalid');
      }
    });

    it('takes a chunk of the maximum size and refuses a larger one', async () => {
      const provider = providers[0]!;
      const file = await createFile(provider, { fileName: 'blank.ndjson', format: 'ndjson' });
      const blank = Buffer.alloc(eventFileChunkBytesMax, '\n');
      assert.equal((await putOk(provider, file.fileId, 0, blank)).linesRead, eventFileChunkBytesMax);
      const tooLarge = await putChunk(provider, file.fileId, eventFileChunkBytesMax, Buffer.alloc(eventFileChunkBytesMax + 1, '\n'));
      assert.equal(tooLarge.statusCode, 413, tooLarge.body);
      assert.equal((tooLarge.json() as { code: string }).code, 'body_too_large');
    });
  });
}
