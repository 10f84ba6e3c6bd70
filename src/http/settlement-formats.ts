/**
 * The statement in the other two formats a provider can ask for: CSV (RFC 4180, one row per campaign and one for
 * the total, every parameter repeated on each row so a row stands alone) and a printable HTML page (self-contained:
 * inline print CSS, no script, no outside resource, every value escaped).
 */
import { figureNames, type Figures } from '../domain/settlement.js';
import type { StatementDocument } from './settlement-document.js';

const parameterColumns = ['providerId', 'month', 'revision', 'timeZone', 'periodStart', 'periodEnd', 'asOf', 'throughSeq', 'createdAt'] as const;
const feedColumns = ['entries', 'firstSeq', 'lastSeq', 'linesSha256'] as const;

/**
 * One CSV field. Text that a spreadsheet would run as a formula (leading = + - @, tab or CR) gets a leading
 * apostrophe; fields with a comma, quote or line break are quoted. Numbers are written as they are.
 */
function csvField(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The statement as CSV (CRLF line ends, a header row). */
export function statementCsv(document: StatementDocument): string {
  const header = [...parameterColumns, ...feedColumns.map((c) => `feed.${c}`), 'scope', 'campaignId', ...figureNames];
  const prefix = [...parameterColumns.map((c) => document[c]), ...feedColumns.map((c) => document.feed[c])];
  const row = (scope: string, campaignId: string | null, figures: Figures) => [...prefix, scope, campaignId, ...figureNames.map((name) => figures[name])];
  const rows = [...document.campaigns.map(({ campaignId, ...figures }) => row('campaign', campaignId, figures)), row('total', null, document.total)];
  return [header, ...rows].map((fields) => `${fields.map(csvField).join(',')}\r\n`).join('');
}

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');
}

const figureLabels: Record<(typeof figureNames)[number], string> = {
  grantsCount: 'Grants (count)',
  grantsPoints: 'Grants (points)',
  clawbacksCount: 'Clawbacks (count)',
  clawbacksPoints: 'Clawbacks (points)',
  netPoints: 'Net points',
  acknowledgedGrantsCount: 'Acknowledged grants (count)',
  acknowledgedGrantsPoints: 'Acknowledged grants (points)',
  acknowledgedClawbacksCount: 'Acknowledged clawbacks (count)',
  acknowledgedClawbacksPoints: 'Acknowledged clawbacks (points)',
  acknowledgedNetPoints: 'Acknowledged net points',
  unacknowledgedGrantsCount: 'Unacknowledged grants (count)',
  unacknowledgedGrantsPoints: 'Unacknowledged grants (points)',
  unacknowledgedClawbacksCount: 'Unacknowledged clawbacks (count)',
  unacknowledgedClawbacksPoints: 'Unacknowledged clawbacks (points)',
  unacknowledgedNetPoints: 'Unacknowledged net points',
  subsidyYen: 'Subsidy owed (yen)',
};

const numberFormat = new Intl.NumberFormat('en-US');

const printCss = `
body { font: 11pt/1.4 system-ui, sans-serif; margin: 2em; color: #000; }
h1 { font-size: 16pt; margin: 0 0 .5em; }
dl { display: grid; grid-template-columns: max-content auto; gap: .2em 1em; }
dt { font-weight: 600; }
dd { margin: 0; }
code { font-size: 9pt; word-break: break-all; }
table { border-collapse: collapse; margin-top: 1em; }
th, td { border: 1px solid #888; padding: .25em .6em; }
td { text-align: right; font-variant-numeric: tabular-nums; }
tr.subsidy { font-weight: 700; }
.subsidy-owed { font-size: 14pt; font-weight: 700; }
.notice { border: 1px solid #000; padding: .5em; }
@page { size: A4; margin: 15mm; }
@media print { body { margin: 0; } a { color: inherit; text-decoration: none; } }
`;

/** The statement as a printable, self-contained HTML page. */
export function statementHtml(document: StatementDocument): string {
  const e = (value: string | number | null): string => escapeHtml(value === null ? '—' : typeof value === 'number' ? numberFormat.format(value) : value);
  const columns: Array<{ title: string; figures: Figures }> = [
    { title: 'Total', figures: document.total },
    ...document.campaigns.map(({ campaignId, ...figures }) => ({ title: campaignId, figures })),
  ];
  const provisional = Date.parse(document.asOf) < Date.parse(document.periodEnd);
  const rows = figureNames
    .map((name) => `<tr${name === 'subsidyYen' ? ' class="subsidy"' : ''}><th scope="row">${e(figureLabels[name])}</th>${columns.map((c) => `<td>${e(c.figures[name])}</td>`).join('')}</tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Settlement statement ${e(document.providerId)} ${e(document.month)} (revision ${e(document.revision)})</title>
<style>${printCss}</style>
</head>
<body>
<h1>Settlement statement — ${e(document.providerId)}, ${e(document.month)}</h1>
${provisional ? `<p class="notice">Provisional: made before the month ended (as of ${e(document.asOf)}); a later revision covers the rest of the month.</p>\n` : ''}<p class="subsidy-owed">Subsidy owed: ¥${e(document.total.subsidyYen)}</p>
<dl>
<dt>Provider</dt><dd>${e(document.providerId)}</dd>
<dt>Month</dt><dd>${e(document.month)} (${e(document.timeZone)}): ${e(document.periodStart)} to ${e(document.periodEnd)}</dd>
<dt>Acknowledgements as of</dt><dd>${e(document.asOf)}</dd>
<dt>Revision</dt><dd>${e(document.revision)}, made ${e(document.createdAt)}</dd>
<dt>Ledger entries</dt><dd>${e(document.feed.entries)} at feed positions ${e(document.feed.firstSeq)} to ${e(document.feed.lastSeq)} (through ${e(document.throughSeq)})</dd>
<dt>Lines digest (sha256)</dt><dd><code>${e(document.feed.linesSha256)}</code></dd>
<dt>Point value</dt><dd>¥${e(document.pointValueYen)} per point; no breakage (失効率) deducted</dd>
</dl>
<table>
<thead><tr><th scope="col">Figure</th>${columns.map((c) => `<th scope="col">${e(c.title)}</th>`).join('')}</tr></thead>
<tbody>
${rows}
</tbody>
</table>
<p>Clawback points are negative. Recompute this statement from your grant feed with
<code>mykey settle verify statement.json --url … --key-id … --secret-file …</code> (docs/settlement.md).</p>
</body>
</html>
`;
}
