// Ensures the representation rules refuse chains and self-representation in their documented order, answer a repeat
// as `existing`, and that the account holder is the representative only where the campaign shares accounts, by
// table tests on decideRepresentation and accountHolderOf.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accountHolderOf, decideRepresentation, type RepresentationFacts } from './representation.js';

const base: RepresentationFacts = {
  representativePersonId: 'parent',
  representedPersonId: 'child',
  representativeIsRepresented: false,
  representedRepresentsOthers: false,
  alreadyRepresents: false,
};

test('decideRepresentation: new, existing, and each refusal in order', () => {
  const cases: Array<[string, Partial<RepresentationFacts>, string]> = [
    ['a new representation', {}, 'new'],
    ['the same one again', { alreadyRepresents: true }, 'existing'],
    ['a represented person as representative', { representativeIsRepresented: true }, 'representative_is_represented'],
    ['the representative’s own card', { representedPersonId: 'parent' }, 'representation_of_self'],
    ['a representative as the represented', { representedRepresentsOthers: true }, 'represented_is_representative'],
    ['represented and own card: the first rule wins', { representativeIsRepresented: true, representedPersonId: 'parent' }, 'representative_is_represented'],
    ['own card of a representative: self wins', { representedPersonId: 'parent', representedRepresentsOthers: true }, 'representation_of_self'],
  ];
  for (const [name, facts, expected] of cases) {
    const decided = decideRepresentation({ ...base, ...facts });
    assert.strictEqual(decided.ok ? decided.value : decided.code, expected, name);
  }
});

test('accountHolderOf: the representative holds only on a sharing campaign, and only for a represented person', () => {
  const sharing = { representatives: { minorsMayShareAccount: true } };
  const separate = { representatives: { minorsMayShareAccount: false } };
  assert.strictEqual(accountHolderOf(sharing, { personId: 'child', representativePersonId: 'parent' }), 'parent');
  assert.strictEqual(accountHolderOf(separate, { personId: 'child', representativePersonId: 'parent' }), 'child');
  assert.strictEqual(accountHolderOf(sharing, { personId: 'parent' }), 'parent');
  assert.strictEqual(accountHolderOf(separate, { personId: 'parent' }), 'parent');
});
