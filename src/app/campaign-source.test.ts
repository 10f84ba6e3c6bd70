// Ensures a campaign made from a preset keeps the preset's names in each language, and that a name the operator
// gives replaces them all: a town renaming the municipal preset must not see the preset's name in the portal.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { definitionOf } from './operator.js';

const nowMs = Date.parse('2026-12-07T00:00:00Z');

test('a preset keeps its names per language; a name of the operator replaces them', () => {
  const preset = definitionOf({ preset: 'municipal-30' }, nowMs);
  assert.ok(preset.ok);
  assert.equal(preset.value.names?.ja, '地元のお店で30%還元（千代田区）');
  const renamed = definitionOf({ preset: 'municipal-30', id: 'town-x', name: 'Town X points' }, nowMs);
  assert.ok(renamed.ok);
  assert.equal(renamed.value.name, 'Town X points');
  assert.equal(renamed.value.names, undefined);
  assert.equal(renamed.value.id, 'town-x');
});
