// Ensures 12-digit strings with a valid My Number check digit are recognised (so that the edge can refuse them)
// and that other strings are not, by a table of known-valid and near-miss numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { looksLikeMyNumber, myNumberCheckDigit } from './my-number.js';

test('check digit of the textbook example', () => {
  assert.strictEqual(myNumberCheckDigit('12345678901'), 8);
});

test('recognises My Numbers in the usual spellings, and nothing else', () => {
  const cases: Array<[string, boolean]> = [
    ['123456789018', true],
    ['1234 5678 9018', true],
    ['1234-5678-9018', true],
    ['123456789017', false],
    ['12345678901', false],
    ['1234567890180', false],
    ['A23456789018', false],
    ['PAY-00012345', false],
  ];
  for (const [text, expected] of cases) assert.strictEqual(looksLikeMyNumber(text), expected, text);
});
