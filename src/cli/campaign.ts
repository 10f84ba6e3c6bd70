/**
 * `mykey campaign dry-run`: what a campaign (a preset or a definition file) would grant and cost for a file of
 * past provider events, computed offline by the same core as the operator API's dry run. The file is streamed line
 * by line, so its size is bounded by the accounts and applied events in it, not by its bytes; nothing is written
 * anywhere and no server is needed.
 */
import { open, readFile } from 'node:fs/promises';
import { createInterface, type Interface } from 'node:readline';
import { dryRunCampaign } from '../app/dry-run.js';
import type { CampaignSource } from '../app/operator.js';
import type { DryRunReport } from '../domain/dry-run.js';
import { presetNames } from '../domain/presets.js';
import { checkCampaignDefinition, checkDryRunLine } from '../http/dry-run-schema.js';
import { parseCommandArgs } from './args.js';
import type { Io } from './serve.js';

const usage = `Usage:
  mykey campaign dry-run (--preset NAME | --definition FILE) --events FILE [--anchor INSTANT] [--json]
      Evaluate a campaign against a file of past events without writing anything, and print what it would
      grant: lines counted and rejected by reason, persons, points granted and clawed back, grants limited by each
      cap, the budget used and when it would run out, and the cost by month of the campaign's time zone.
      --preset NAME       one of ${presetNames.join(', ')}
      --definition FILE   a campaign definition (JSON, as in POST /v1/operator/campaigns: the object or {"definition": …})
      --events FILE       NDJSON, "-" for stdin: provider events (the shape of POST /v1/provider/events), binding
                          lines {accountRef, boundAt} and attestation lines {accountRef, attestationKind, attestedAt}
      --anchor INSTANT    when the presets that open "now" open (ISO 8601 with offset; default: now)
      --json              print the report as JSON

Each distinct accountRef is one person, bound when the earning window (or, if later, the application window)
opened unless a binding line says otherwise. docs/campaigns.md describes the report.

Exit codes: 0 done, 1 unexpected error, 2 the campaign was refused (unknown preset, invalid definition),
3 a file cannot be read, 64 usage error.
`;

const exitCode = { ok: 0, unexpected: 1, refused: 2, unreadable: 3, usage: 64 } as const;

class Unreadable extends Error {}

async function readSource(values: { preset?: string; definition?: string }): Promise<CampaignSource | string> {
  if (values.preset !== undefined) return { preset: values.preset };
  let text: string;
  try {
    text = await readFile(values.definition!, 'utf8');
  } catch (error) {
    throw new Unreadable(`cannot read ${values.definition}: ${error instanceof Error ? error.message : String(error)}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return `${values.definition} is not JSON`;
  }
  const wrapped = typeof value === 'object' && value !== null && 'definition' in value ? (value as { definition: unknown }).definition : value;
  const definition = checkCampaignDefinition(wrapped);
  return definition.ok ? { definition: definition.value } : `${values.definition}: ${definition.message}`;
}

/** The lines of the events file (or stdin), streamed; the file is opened first so that a missing one is reported as such. */
async function eventLines(path: string): Promise<Interface> {
  if (path === '-') return createInterface({ input: process.stdin, crlfDelay: Infinity });
  try {
    const handle = await open(path);
    return createInterface({ input: handle.createReadStream(), crlfDelay: Infinity });
  } catch (error) {
    throw new Unreadable(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

const number = (n: number): string => n.toLocaleString('en-US');

/** The report as a person reads it. */
export function formatDryRunReport(report: DryRunReport): string {
  const { lines, persons, points, grantsLimitedBy: limited, budget } = report;
  const out: string[] = [];
  out.push(`Dry run of ${report.campaign.id} version ${report.campaign.version} (${report.campaign.kind}, ${report.campaign.timeZone}); nothing was written.`);
  out.push('');
  out.push(`lines read            ${number(lines.read)}`);
  out.push(`  events counted      ${number(lines.eventsCounted)}`);
  out.push(`  reversals applied   ${number(lines.reversalsApplied)}`);
  out.push(`  duplicates          ${number(lines.duplicates)}`);
  if (lines.bindings > 0) out.push(`  binding lines       ${number(lines.bindings)}`);
  if (report.campaign.kind === 'fixed_award') out.push(`  attestations        ${number(lines.attestationsRecorded)}`);
  const rejected = Object.entries(lines.rejected);
  out.push(`  rejected            ${number(rejected.reduce((sum, [, r]) => sum + r.lines, 0))}`);
  for (const [code, r] of rejected) out.push(`    ${code.padEnd(30)} ${number(r.lines).padStart(10)}  (first: line ${r.firstLineNo})`);
  out.push(`persons               ${number(persons.seen)} seen, ${number(persons.granted)} granted points, ${number(persons.atPersonCap)} at the per-person cap`);
  out.push(`points                ${number(points.granted)} granted, ${number(points.clawedBack)} clawed back, ${number(points.net)} net (eligible ${number(points.eligibleYen)} yen)`);
  out.push(`grants limited by     per-event cap ${number(limited.event_cap)}, period cap ${number(limited.period_cap)}, per-person cap ${number(limited.person_cap)}, budget ${number(limited.budget)}`);
  if (budget !== null) {
    out.push(`budget                ${number(budget.usedPoints)} of ${number(budget.budgetPoints)} used, ${number(budget.leftPoints)} left`);
    out.push(budget.exhaustedAt === null ? '                      not exhausted' : `                      ran out on ${budget.exhaustedOn} (${budget.exhaustedAt})`);
  }
  out.push('');
  out.push(`cost by month, ${report.campaign.timeZone}:`);
  out.push(`  ${'month'.padEnd(10)}${'granted'.padStart(16)}${'clawed back'.padStart(14)}${'net'.padStart(16)}`);
  for (const m of report.byMonth) {
    out.push(`  ${m.month.padEnd(10)}${number(m.pointsGranted).padStart(16)}${number(m.pointsClawedBack).padStart(14)}${number(m.pointsNet).padStart(16)}`);
  }
  return `${out.join('\n')}\n`;
}

type Values = { preset?: string; definition?: string; events?: string; anchor?: string; json?: boolean };

async function dryRun(values: Values, io: Io): Promise<number> {
  if ((values.preset === undefined) === (values.definition === undefined) || values.events === undefined) {
    io.stderr.write(`mykey campaign dry-run: give --events and one of --preset, --definition\n\n${usage}`);
    return exitCode.usage;
  }
  const anchorMs = values.anchor === undefined ? Date.now() : Date.parse(values.anchor);
  if (!Number.isFinite(anchorMs)) {
    io.stderr.write(`mykey campaign dry-run: --anchor must be an ISO 8601 instant\n`);
    return exitCode.usage;
  }
  const source = await readSource(values);
  if (typeof source === 'string') {
    io.stderr.write(`mykey campaign dry-run: invalid_request: ${source}\n`);
    return exitCode.refused;
  }
  const lines = await eventLines(values.events);
  try {
    const result = await dryRunCampaign(source, lines, checkDryRunLine, anchorMs);
    if (!result.ok) {
      io.stderr.write(`mykey campaign dry-run: ${result.code}: ${result.message}${result.param === undefined ? '' : ` (${result.param})`}\n`);
      return exitCode.refused;
    }
    io.stdout.write(values.json === true ? `${JSON.stringify(result.value, null, 2)}\n` : formatDryRunReport(result.value));
    return exitCode.ok;
  } finally {
    lines.close();
  }
}

/** `mykey campaign …`; `argv` holds the arguments after `campaign`. Returns the exit code. */
export async function campaignCommand(argv: string[], io: Io): Promise<number> {
  const parsed = parseCommandArgs(
    'campaign',
    argv,
    {
      preset: { type: 'string' },
      definition: { type: 'string' },
      events: { type: 'string' },
      anchor: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean' },
    },
    usage,
    io,
  );
  if (typeof parsed === 'number') return parsed;
  const [subcommand] = parsed.positionals;
  if (subcommand !== 'dry-run') {
    io.stderr.write(`mykey campaign: unknown subcommand "${subcommand}"\n\n${usage}`);
    return exitCode.usage;
  }
  try {
    return await dryRun(parsed.values, io);
  } catch (error) {
    io.stderr.write(`mykey campaign dry-run: ${error instanceof Error ? error.message : String(error)}\n`);
    return error instanceof Unreadable ? exitCode.unreadable : exitCode.unexpected;
  }
}
