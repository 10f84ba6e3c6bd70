// Ensures the CSV and HTML renderings of a statement: the CSV has a header, one row per campaign and a total row
// with every figure, quotes what must be quoted and defuses spreadsheet formulas; the HTML page escapes every
// value (a campaign id or provider id carrying markup comes out as text), has no script and loads nothing.
// How: a statement document built by hand with hostile strings, rendered and inspected.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeStatement } from '../domain/settlement.js';
import { statementDocument } from './settlement-document.js';
import { escapeHtml, statementCsv, statementHtml } from './settlement-formats.js';

const createdAtMs = Date.parse('2026-12-01T09:00:00+09:00');
const hostileCampaign = '<script>alert("x")</script>';

function document(campaignId: string, providerId = 'pay') {
  const statement = computeStatement({ providerId, month: '2026-11', timeZone: 'Asia/Tokyo', asOfMs: createdAtMs - 60_000, throughSeq: 10 }, [
    { grantId: 'g-1', seq: 1, campaignId, points: 500, createdAtMs: Date.parse('2026-11-20T00:00:00+09:00'), ackedAtMs: Date.parse('2026-11-21T00:00:00+09:00') },
    { grantId: 'g-2', seq: 2, campaignId: 'plain', points: -20, createdAtMs: Date.parse('2026-11-20T00:00:00+09:00'), ackedAtMs: null },
  ]);
  return statementDocument({ revision: 2, statement, createdBy: 'operator', createdAtMs });
}

test('CSV: header, a row per campaign and the total, quoted and formula-safe', () => {
  const csv = statementCsv(document('=HYPERLINK("http://evil.example"),x'));
  const rows = csv.split('\r\n');
  assert.equal(rows.at(-1), '', 'every row ends with CRLF');
  assert.equal(rows.length, 1 + 2 + 1 + 1);
  assert.match(rows[0]!, /^providerId,month,revision,timeZone,periodStart,periodEnd,asOf,throughSeq,createdAt,feed\.entries,/);
  assert.ok(rows[0]!.endsWith(',scope,campaignId,grantsCount,grantsPoints,clawbacksCount,clawbacksPoints,netPoints,acknowledgedGrantsCount,acknowledgedGrantsPoints,acknowledgedClawbacksCount,acknowledgedClawbacksPoints,acknowledgedNetPoints,unacknowledgedGrantsCount,unacknowledgedGrantsPoints,unacknowledgedClawbacksCount,unacknowledgedClawbacksPoints,unacknowledgedNetPoints,subsidyYen'));
  assert.ok(rows[1]!.includes(`,campaign,"'=HYPERLINK(""http://evil.example""),x",1,500,0,0,500,1,500,0,0,500,0,0,0,0,0,500`), rows[1]);
  assert.ok(rows[2]!.includes(',campaign,plain,0,0,1,-20,-20,0,0,0,0,0,0,0,1,-20,-20,0'), rows[2]);
  assert.ok(rows[3]!.startsWith('pay,2026-11,2,Asia/Tokyo,2026-11-01T00:00:00.000+09:00,2026-12-01T00:00:00.000+09:00,'), rows[3]);
  assert.ok(rows[3]!.includes(',total,,1,500,1,-20,480,1,500,0,0,500,0,0,1,-20,-20,500'), rows[3]);
});

test('HTML: every value escaped, no script, nothing loaded from outside', () => {
  const html = statementHtml(document(hostileCampaign));
  assert.ok(!html.includes(hostileCampaign));
  assert.ok(html.includes(escapeHtml(hostileCampaign)));
  assert.ok(!/<script/i.test(html), 'no script element');
  assert.ok(!/\b(src|href)=/i.test(html), 'no outside resource');
  assert.ok(!/\son[a-z]+=/i.test(html), 'no event handler attribute');
  assert.match(html, /Subsidy owed: ¥500/);
  assert.match(html, /@media print/);
  assert.equal(escapeHtml(`<a href="x" title='y'>&</a>`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
});

test('HTML: a statement made before its month ended says it is provisional', () => {
  const provisional = statementDocument({
    revision: 1,
    statement: computeStatement({ providerId: 'pay', month: '2026-11', timeZone: 'Asia/Tokyo', asOfMs: Date.parse('2026-11-27T12:00:00+09:00'), throughSeq: 0 }, []),
    createdBy: 'operator',
    createdAtMs,
  });
  assert.match(statementHtml(provisional), /Provisional/);
  assert.doesNotMatch(statementHtml(document('plain')), /Provisional/);
});
