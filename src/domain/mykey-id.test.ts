// Ensures Mykey IDs have 8 characters of the unambiguous alphabet with a check character that catches every
// single-character typo and every swap of neighbours, by exhaustive checks over generated IDs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateMykeyId, mykeyIdAlphabet, parseMykeyId } from './mykey-id.js';

test('generated IDs parse, and normalisation accepts lower case and hyphens', () => {
  for (let i = 0; i < 200; i += 1) {
    const id = generateMykeyId();
    assert.strictEqual(id.length, 8);
    assert.deepStrictEqual(parseMykeyId(id), { ok: true, value: id });
    const typed = `${id.slice(0, 4).toLowerCase()}-${id.slice(4)}`;
    assert.deepStrictEqual(parseMykeyId(typed), { ok: true, value: id });
  }
});

test('every single substitution and every neighbour swap is caught', () => {
  let sequence = 0;
  const id = generateMykeyId(() => (sequence++ * 7) % mykeyIdAlphabet.length);
  for (let position = 0; position < id.length; position += 1) {
    for (const c of mykeyIdAlphabet) {
      if (c === id[position]) continue;
      const typo = id.slice(0, position) + c + id.slice(position + 1);
      const r = parseMykeyId(typo);
      assert.ok(!r.ok, typo);
      assert.strictEqual(r.code, 'invalid_request');
    }
    if (position + 1 < id.length && id[position] !== id[position + 1]) {
      const swapped = id.slice(0, position) + id[position + 1] + id[position] + id.slice(position + 2);
      assert.strictEqual(parseMykeyId(swapped).ok, false, swapped);
    }
  }
});

test('ambiguous characters and wrong lengths are refused', () => {
  for (const input of ['', '2345678', '234567892', '0OIL2345', '1234567A']) {
    const r = parseMykeyId(input);
    assert.ok(!r.ok, input);
    assert.strictEqual(r.param, 'mykeyId');
  }
});
