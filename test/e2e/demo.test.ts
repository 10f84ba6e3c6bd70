// Ensures the README's `mykey demo` tells the whole story end to end over HTTP: it runs the real command as a
// child process (in-process platform, embedded store in a temporary directory) and checks its JSON report:
// Mykey IDs created, the partial grant at the 5,000 cap, the refund's clawback, the duplicate and the refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { parseMykeyId } from '../../src/domain/mykey-id.js';

test('mykey demo reports each person\'s points', () => {
  const run = spawnSync(process.execPath, ['dist/src/cli/main.js', 'demo', '--json'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(run.status, 0, run.stderr);
  const report = JSON.parse(run.stdout) as {
    people: Array<{ label: string; mykeyId: string; eligibleYen: number; points: number; notes: string[] }>;
    providers: Array<{ grantsRead: number; pointsNet: number; acknowledged: number }>;
  };
  const byLabel = new Map(report.people.map((p) => [p.label, p]));
  assert.deepEqual(
    report.people.map((p) => [p.label, p.eligibleYen, p.points]),
    [
      ['Aiko', 22_000, 5_000],
      ['Ben', 10_000, 2_500],
      ['Chika', 3_000, 750],
    ],
  );
  for (const person of report.people) assert.ok(parseMykeyId(person.mykeyId).ok, person.mykeyId);
  assert.equal(new Set(report.people.map((p) => p.mykeyId)).size, 3);
  assert.ok(byLabel.get('Aiko')!.notes.some((n) => n.endsWith('same Mykey ID yes')));
  assert.ok(byLabel.get('Ben')!.notes.some((n) => n.endsWith('binding_already_exists')));
  assert.ok(byLabel.get('Chika')!.notes.some((n) => n.endsWith('account_verification_failed')));
  assert.ok(byLabel.get('Chika')!.notes.some((n) => n.endsWith('duplicate')));
  assert.deepEqual(
    report.providers.map((p) => [p.grantsRead, p.pointsNet, p.acknowledged]),
    [
      [3, 5_750, 3],
      [3, 2_500, 3],
    ],
  );
});
