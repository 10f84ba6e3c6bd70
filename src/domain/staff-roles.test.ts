// Ensures the role sets of src/domain/staff-roles.ts keep each side to its own roles: every provider role names a
// provider and none is an operator role, every set fits exactly one side (machine-only fits both), and the matrix
// of docs/staff.md's summary holds (support and settlement share the reads, each has its own work). How: table
// tests over the exported constants.
import { describe, it, type TestContext } from 'node:test';
import { fitsAudience, isProviderRole, operatorRoles, providerRoles, staffAccess, staffRoles } from './staff-roles.js';

describe('staff roles', () => {
  it('splits the roles into the two sides', (t: TestContext) => {
    t.assert.deepStrictEqual(staffRoles.filter(isProviderRole), [...providerRoles]);
    t.assert.deepStrictEqual(staffRoles.filter((role) => !isProviderRole(role)), [...operatorRoles]);
  });

  it('keeps every role set to one side', (t: TestContext) => {
    for (const [name, roles] of Object.entries(staffAccess)) {
      const sides = (['operator', 'provider'] as const).filter((audience) => fitsAudience(roles, audience));
      t.assert.deepStrictEqual(sides, roles.length === 0 ? ['operator', 'provider'] : [name.startsWith('provider') ? 'provider' : 'operator'], name);
    }
    t.assert.strictEqual(fitsAudience(['operator_admin', 'provider_staff'], 'operator'), false);
    t.assert.strictEqual(fitsAudience(['operator_admin', 'provider_staff'], 'provider'), false);
  });

  it('gives each operator role its reads and its own work', (t: TestContext) => {
    const admits = (role: string) =>
      Object.entries(staffAccess)
        .filter(([, roles]) => (roles as readonly string[]).includes(role))
        .map(([name]) => name)
        .sort();
    t.assert.deepStrictEqual(admits('operator_admin'), ['operatorAdmin', 'operatorReads', 'personBindings', 'settlement']);
    t.assert.deepStrictEqual(admits('operator_support'), ['operatorReads', 'personBindings']);
    t.assert.deepStrictEqual(admits('operator_settlement'), ['operatorReads', 'settlement']);
    t.assert.deepStrictEqual(admits('provider_admin'), ['providerAdmin', 'providerData']);
    t.assert.deepStrictEqual(admits('provider_staff'), ['providerData']);
  });
});
