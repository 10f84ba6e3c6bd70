/**
 * Groups of tests that need something the platform itself does not (a PostgreSQL server, the PC/SC stack, a
 * browser). Where a group cannot run, CI (CI=true) fails at once; elsewhere its tests are skipped, and the skip is
 * recorded in the file `scripts/run-tests.js` names in MYKEY_TEST_SKIPS, so the run ends with a list of what was
 * skipped, why, and the one command that installs what the group needs.
 */
import { appendFileSync } from 'node:fs';
import { relative } from 'node:path';

/** A test group, what it covers, and the one command that makes it runnable on a Debian-like machine. */
export const testGroups = {
  postgres: {
    title: 'PostgreSQL',
    covers: 'every store test on the production engine, concurrency across connections and processes',
    install: 'sudo scripts/install-system-packages postgres',
  },
  pcsc: {
    title: 'PC/SC',
    covers: 'the card through real pcscd with a virtual reader, cross-checked by OpenSC',
    install: 'sudo scripts/install-system-packages pcsc && npm install',
  },
  browser: {
    title: 'browser',
    covers: 'the portal and the consoles end to end in headless Chromium, with axe-core',
    install: 'sudo scripts/install-system-packages browser',
  },
} as const;

export type TestGroup = keyof typeof testGroups;

/** One line of the skip record (NDJSON), read back by scripts/run-tests.js. */
export interface SkipRecord {
  group: TestGroup;
  reason: string;
  /** The compiled test file, relative to the checkout. */
  file: string;
}

/**
 * Says that `group` cannot run here because of `reason`: throws under CI; else records the skip and returns the
 * text to pass as a test's `skip` option.
 */
export function skipGroup(group: TestGroup, reason: string): string {
  const { title, install } = testGroups[group];
  if (process.env.CI === 'true') throw new Error(`${title} tests cannot run: ${reason}; CI requires them (${install})`);
  console.log(`# skipped (${title}): ${reason}`);
  const recordPath = process.env.MYKEY_TEST_SKIPS;
  if (recordPath !== undefined && recordPath !== '') {
    const record: SkipRecord = { group, reason, file: relative(process.cwd(), process.argv[1] ?? '') };
    appendFileSync(recordPath, `${JSON.stringify(record)}\n`);
  }
  return `skipped: ${reason}`;
}

/**
 * The end-of-run report of a skip record (the NDJSON lines skipGroup wrote): one paragraph per skipped group, with
 * its distinct reasons, how many test files it was skipped in, and its install command; empty when nothing skipped.
 */
export function summariseSkips(recordText: string): string {
  const byGroup = new Map<TestGroup, { reasons: Set<string>; files: Set<string> }>();
  for (const line of recordText.split('\n').filter((l) => l !== '')) {
    const { group, reason, file } = JSON.parse(line) as SkipRecord;
    const entry = byGroup.get(group) ?? { reasons: new Set(), files: new Set() };
    entry.reasons.add(reason);
    entry.files.add(file);
    byGroup.set(group, entry);
  }
  if (byGroup.size === 0) return '';
  const paragraphs = [...byGroup].map(([group, { reasons, files }]) => {
    const { title, covers, install } = testGroups[group];
    const fileCount = `${files.size} test file${files.size === 1 ? '' : 's'}`;
    return [`  ${title} (${covers}): skipped in ${fileCount}`, ...[...reasons].map((r) => `    why:     ${r}`), `    install: ${install}`].join('\n');
  });
  return `Skipped on this machine (none of these is needed to run the platform; CI=true makes a skip a failure):\n${paragraphs.join('\n')}\n`;
}
