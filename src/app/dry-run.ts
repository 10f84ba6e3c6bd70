/**
 * The dry run of a campaign (operator API and `mykey campaign dry-run`): the campaign a source names, evaluated
 * against NDJSON lines of past events by the pure core (src/domain/dry-run.ts). It takes no store: a dry run
 * writes nothing by construction, and works offline.
 */
import { validateCampaign } from '../domain/campaign.js';
import { startDryRun, type DryRunLine, type DryRunReport } from '../domain/dry-run.js';
import { dryRunLinesPerTurn } from '../domain/limits.js';
import { ok, type Result } from '../domain/result.js';
import { definitionOf, type CampaignSource } from './operator.js';

/** Checks the parsed JSON of one line against the line schemas (the HTTP layer's validator). */
export type DryRunLineCheck = (value: unknown) => Result<DryRunLine, 'invalid_request'>;

const blankLine = /^[ \t]*$/;

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Evaluates the campaign of `source` (a preset anchored at `nowMs`, or a definition) as version 1 against `lines`
 * (NDJSON, blank lines skipped, numbered from 1), one at a time. A line that is not JSON or not of a line shape is
 * counted as `invalid_request`. Codes: preset_unknown, campaign_invalid.
 *
 * @example
 * const report = await dryRunCampaign({ preset: 'mynapoint-2020' }, textLines(ndjson), checkDryRunLine, Date.now());
 */
export async function dryRunCampaign(
  source: CampaignSource,
  lines: Iterable<string> | AsyncIterable<string>,
  check: DryRunLineCheck,
  nowMs: number,
): Promise<Result<DryRunReport, 'preset_unknown' | 'campaign_invalid'>> {
  const definition = definitionOf(source, nowMs);
  if (!definition.ok) return definition;
  const campaign = validateCampaign(definition.value, 1);
  if (!campaign.ok) return campaign;
  const run = startDryRun(campaign.value);
  let lineNo = 0;
  for await (const text of lines) {
    lineNo += 1;
    if (lineNo % dryRunLinesPerTurn === 0) await yieldToEventLoop();
    if (blankLine.test(text)) continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      run.reject('invalid_request', 'the line is not valid JSON', lineNo);
      continue;
    }
    const line = check(value);
    if (line.ok) run.apply(line.value, lineNo);
    else run.reject(line.code, line.message, lineNo);
  }
  return ok(run.report());
}
