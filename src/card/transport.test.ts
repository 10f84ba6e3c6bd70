// Ensures a card command that never answers becomes a typed `timeout` and one that answers in time is untouched,
// using node:test's mocked timers (no waiting).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CardError, withTimeout } from './transport.js';

test('a silent card is a timeout; an answer in time passes through', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const silent = withTimeout(new Promise<Buffer>(() => undefined), 15_000, () => new CardError('timeout', 'no answer'));
  t.mock.timers.tick(15_000);
  await assert.rejects(silent, (error: unknown) => error instanceof CardError && error.code === 'timeout');
  const answered = withTimeout(Promise.resolve(Buffer.from([0x90, 0x00])), 15_000, () => new CardError('timeout', 'no answer'));
  assert.deepEqual(await answered, Buffer.from([0x90, 0x00]));
});
