// Ensures the operator console pages beyond the first campaign work in a real browser for an administrator: the
// full campaign form refuses empty and malformed fields with each message beside its field and linked from the
// error summary, then creates the campaign, whose new version raises its version number; providers are registered
// with more than one service; a support account is created (its one-time enrolment link shown) and disabled after
// a confirmation step; a wrong binding is corrected (a reason is required, said beside its field) and its points
// clawed back; a settlement statement is run and opened, with its figures, CSV and printable page; and the audit log
// is filtered and its hash chain verified. Every page is saved as a screenshot and checked with axe-core, in English
// and Japanese, one on a phone-sized screen.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { createSoftwareCard, signWebEidChallenge } from '../../src/card/software-card.js';
import { loadTestCa } from '../../src/identity/test-ca.js';
import { browserUnderTest, checkPage, newContext, type BrowserUnderTest } from '../helpers/browser.js';
import { startDevPlatform, type DevPlatform } from '../helpers/dev-platform.js';
import { injectJson, loginChallenge, loginInject } from '../helpers/http.js';
import { addVirtualAuthenticator, enrolStaff } from '../helpers/staff-browser.js';

const browser = await browserUnderTest();

type Language = 'en' | 'ja';
const locales = (language: Language, namespace: string): Record<string, unknown> => JSON.parse(readFileSync(join('web', 'src', 'locales', language, `${namespace}.json`), 'utf8')) as Record<string, unknown>;

/** A sentence of the consoles' locale files (`operator:campaign.caption`), with its {{values}} filled in. */
function say(language: Language, key: string, values: Record<string, string | number> = {}): string {
  const [namespace, path] = key.split(':') as [string, string];
  let node: unknown = locales(language, namespace);
  for (const part of path.split('.')) node = (node as Record<string, unknown>)[part];
  assert.equal(typeof node, 'string', `${key} is a sentence of ${language}`);
  return (node as string).replace(/\{\{(\w+)\}\}/g, (_, name: string) => String(values[name]));
}

/** A calendar day `days` from today, as a date input takes it. */
function day(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

/** The error summary's link to a field, and the message beside the field: the same words, both shown. */
async function assertFieldError(page: Page, fieldId: string, message: string): Promise<void> {
  const beside = page.locator(`#${fieldId}-error`);
  assert.equal(await beside.count(), 1, `${fieldId}: one message beside the field`);
  assert.ok(await beside.isVisible(), `${fieldId}: the message beside the field is shown`);
  assert.ok((await beside.innerText()).includes(message), `${fieldId}: "${await beside.innerText()}" says "${message}"`);
  const link = page.getByTestId('error-summary').locator(`a[href="#${fieldId}"]`);
  assert.equal(await link.count(), 1, `${fieldId}: the error summary links to the field`);
  assert.equal((await link.innerText()).trim(), message);
  assert.equal(await page.locator(`#${fieldId}`).getAttribute('aria-invalid'), 'true', `${fieldId}: marked invalid`);
  assert.ok(((await page.locator(`#${fieldId}`).getAttribute('aria-describedby')) ?? '').split(' ').includes(`${fieldId}-error`), `${fieldId}: described by its message`);
}

describe('the operator console pages in a real browser', { skip: browser.skip }, () => {
  let world: DevPlatform;
  before(async () => {
    world = await startDevPlatform();
  });
  after(async () => {
    await world?.close();
    await (browser as BrowserUnderTest).close();
  });

  /** A new browser context in `language` with an administrator enrolled and signed in. */
  async function adminPage(language: Language, name: string, viewport?: 'phone'): Promise<Page> {
    const context = await newContext(browser.browser!, { language, ...(viewport === undefined ? {} : { viewport }) });
    const page = await context.newPage();
    await addVirtualAuthenticator(page);
    await enrolStaff(page, await world.addAdmin(name));
    await page.getByTestId('dashboard-figures').waitFor();
    return page;
  }

  /**
   * A citizen with a new software card of the platform's test CA logs in and binds the demo provider's account
   * `accountRef` in `campaignId` (its security code checked by the demo provider), all through the citizen API;
   * answers the person's Mykey ID.
   */
  async function bindDemoAccount(campaignId: string, accountRef: string, securityCode: string): Promise<string> {
    const app = world.platform.app;
    const card = await createSoftwareCard(await loadTestCa(join(world.dataDir, 'test-ca')), { nowMs: Date.now() - 3_600_000 });
    const challenge = await loginChallenge(app);
    const login = await loginInject(app, challenge, signWebEidChallenge(card, { origin: world.origin, nonce: challenge.nonce }));
    assert.equal(login.statusCode, 200, login.body);
    const { sessionToken, mykeyId } = login.json() as { sessionToken: string; mykeyId: string };
    const details = { campaignId, providerServiceId: 'demo-pay-wallet', accountRef };
    const bindChallenge = await injectJson(app, { method: 'POST', url: '/v1/citizen/bindings/challenge', token: sessionToken, json: details });
    assert.equal(bindChallenge.statusCode, 200, bindChallenge.body);
    const { challengeId, nonce } = bindChallenge.json() as { challengeId: string; nonce: string };
    const bound = await injectJson(app, {
      method: 'POST',
      url: '/v1/citizen/bindings',
      token: sessionToken,
      idempotencyKey: randomUUID(),
      json: { challengeId, authToken: signWebEidChallenge(card, { origin: world.origin, nonce }), binding: details, securityCode },
    });
    assert.equal(bound.statusCode, 201, bound.body);
    return mykeyId;
  }

  it('the full campaign form refuses what is missing beside each field, creates the campaign, and a new version follows (en)', async () => {
    const page = await adminPage('en', 'Suzuki Ichiro');
    await page.goto(`${world.origin}/operator/campaigns/new`);
    await page.getByTestId('campaign-form').waitFor();
    // Nothing typed, no eligible event, and numbers that are not whole numbers.
    await page.locator('#payment').uncheck();
    await page.locator('#ratePercent').fill('ten');
    await page.locator('#perPersonPoints').fill('1,000');
    await page.getByTestId('campaign-submit').click();
    await page.getByTestId('error-summary').waitFor();
    const en = (key: string, values?: Record<string, string | number>) => say('en', key, values);
    const expected: Array<[string, string]> = [
      ['id', en('operator:campaignForm.errors.required.id')],
      ['name', en('operator:campaignForm.errors.required.name')],
      ['owner', en('operator:campaignForm.errors.required.owner')],
      ['applicationFrom', en('operator:campaignForm.errors.date')],
      ['applicationUntil', en('operator:campaignForm.errors.date')],
      ['earningFrom', en('operator:campaignForm.errors.date')],
      ['earningUntil', en('operator:campaignForm.errors.date')],
      ['ratePercent', en('operator:campaignForm.errors.wholeNumber')],
      ['perPersonPoints', en('operator:campaignForm.errors.wholeNumber')],
    ];
    for (const [fieldId, message] of expected) await assertFieldError(page, fieldId, message);
    // The eligible events are a group of checkboxes: the message is beside the group, which it describes.
    const eventKinds = page.locator('#payment-error');
    assert.ok((await eventKinds.innerText()).includes(en('operator:campaignForm.errors.eventKinds')));
    assert.equal(await page.getByTestId('error-summary').locator('a[href="#payment"]').count(), 1);
    assert.ok(((await page.getByRole('group', { name: en('operator:campaignForm.fields.eventKinds') }).getAttribute('aria-describedby')) ?? '').split(' ').includes('payment-error'));
    // One line in the summary per message, in the order of the form.
    const linked = await page.getByTestId('error-summary').locator('li a').evaluateAll((links) => links.map((link) => link.getAttribute('href')));
    assert.deepEqual(linked, ['#id', '#name', '#owner', '#payment', '#ratePercent', '#applicationFrom', '#applicationUntil', '#earningFrom', '#earningUntil', '#perPersonPoints']);
    assert.equal(await page.getByTestId('error-summary').locator('li').count(), expected.length + 1, 'every message is linked');
    // The summary takes the focus, and its link takes the reader to the field.
    assert.equal(await page.evaluate<string>("document.activeElement?.getAttribute('data-testid') ?? ''"), 'error-summary');
    await page.getByTestId('error-summary').locator('a[href="#owner"]').click();
    assert.equal(await page.evaluate<string>("document.activeElement?.id ?? ''"), 'owner');
    await checkPage(page, 'operator-pages-01-campaign-form-errors-en');

    await page.locator('#id').fill('form-e2e');
    await page.locator('#name').fill('Form-made campaign');
    await page.locator('#owner').fill('City of Testing');
    await page.locator('#payment').check();
    await page.locator('#regions').fill('13101, 13102');
    await page.locator('#ratePercent').fill('20');
    await page.locator('#rounding').selectOption('floor');
    await page.locator('#applicationFrom').fill(day(-30));
    await page.locator('#applicationUntil').fill(day(200));
    await page.locator('#earningFrom').fill(day(-30));
    await page.locator('#earningUntil').fill(day(230));
    await page.locator('#perPersonPoints').fill('5000');
    await page.locator('#perEventPoints').fill('1000');
    await page.locator('#period').selectOption('month');
    await page.locator('#perPeriodPoints').fill('3000');
    await page.locator('#budgetPoints').fill('1000000');
    await page.getByTestId('campaign-submit').click();
    await page.getByTestId('confirmation-panel').waitFor();
    assert.ok((await page.getByTestId('confirmation-panel').innerText()).includes(en('operator:newCampaign.createdBody', { id: 'form-e2e', version: 1 })));
    const stored = await world.operatorFetch('/v1/operator/campaigns/form-e2e/versions');
    assert.equal(stored.status, 200, JSON.stringify(stored.body));
    const first = (stored.body as { data: Array<Record<string, unknown>> }).data;
    assert.equal(first.length, 1);
    assert.deepEqual(first[0]!.rate, { numerator: 20, denominator: 100 });
    assert.deepEqual(first[0]!.caps, { perPersonPoints: 5000, perEventPoints: 1000, perPeriod: { period: 'month', points: 3000 }, budgetPoints: 1_000_000 });
    assert.deepEqual(first[0]!.eligibleMerchantRegions, ['13101', '13102']);
    await checkPage(page, 'operator-pages-02-campaign-created-en');

    await page.getByRole('button', { name: en('operator:newCampaign.open') }).click();
    await page.getByRole('heading', { level: 1, name: 'Form-made campaign' }).waitFor();
    await page.getByText(en('operator:campaign.caption', { version: 1 })).waitFor();
    await checkPage(page, 'operator-pages-03-campaign-en');

    await page.getByRole('button', { name: en('operator:campaign.newVersion') }).click();
    await page.getByTestId('campaign-form').waitFor();
    assert.equal(await page.locator('#id').inputValue(), 'form-e2e');
    assert.ok(await page.locator('#id').isDisabled(), 'a new version keeps the id');
    assert.equal(await page.locator('#perPersonPoints').inputValue(), '5000', 'the form starts from the version in force');
    // A version never lowers the per-person cap: the platform's refusal is said beside that field.
    await page.locator('#perPersonPoints').fill('4000');
    await page.getByTestId('campaign-submit').click();
    await page.locator('#perPersonPoints-error').waitFor();
    assert.equal(await page.getByTestId('error-summary').locator('a[href="#perPersonPoints"]').count(), 1);
    await checkPage(page, 'operator-pages-04-new-version-refused-en');
    await page.locator('#perPersonPoints').fill('6000');
    await page.locator('#budgetPoints').fill('2000000');
    await page.locator('#earningUntil').fill(day(260));
    await page.getByTestId('campaign-submit').click();
    await page.getByText(en('operator:newVersion.published', { name: 'Form-made campaign', version: 2 })).waitFor();
    await checkPage(page, 'operator-pages-05-version-published-en');
    await page.getByRole('button', { name: en('operator:newCampaign.open') }).click();
    await page.getByText(en('operator:campaign.caption', { version: 2 })).waitFor();
    const versions = page.locator('table').filter({ has: page.locator('caption', { hasText: en('operator:campaign.versionsCaption') }) });
    assert.equal(await versions.locator('tbody tr').count(), 2, 'both versions are listed');
    const listed = await world.operatorFetch('/v1/operator/campaigns/form-e2e/versions');
    const second = (listed.body as { data: Array<{ version: number; caps: { perPersonPoints: number; budgetPoints: number } }> }).data.at(-1)!;
    assert.equal(second.version, 2);
    assert.equal(second.caps.perPersonPoints, 6000);
    assert.equal(second.caps.budgetPoints, 2_000_000);
    await checkPage(page, 'operator-pages-06-campaign-version-2-en');
    await page.context().close();
  });

  it('providers are registered with their services, and a support account is created, then disabled after a confirmation (ja, phone)', async () => {
    const ja = (key: string, values?: Record<string, string | number>) => say('ja', key, values);
    const page = await adminPage('ja', '佐藤 花子', 'phone');
    await page.goto(`${world.origin}/operator/providers`);
    await page.getByRole('heading', { level: 1, name: ja('operator:providers.title') }).waitFor();
    await page.getByRole('row', { name: /Demo Pay/ }).waitFor();
    // An id already taken is refused by the platform, beside the id.
    await page.locator('#providerId').fill('demo-pay');
    await page.locator('#providerName').fill('重複ペイ');
    await page.locator('#verifyUrl').fill('not an address');
    await page.locator('#service-id-0').fill('Not A Slug');
    await page.getByRole('button', { name: ja('operator:providers.registerSubmit') }).click();
    await page.getByTestId('error-summary').waitFor();
    await assertFieldError(page, 'verifyUrl', ja('operator:providers.errors.verifyUrl'));
    await assertFieldError(page, 'service-id-0', ja('operator:providers.errors.slug'));
    await assertFieldError(page, 'service-name-0', ja('operator:providers.errors.name'));
    assert.equal(await page.locator('#providerId-error').count(), 0, 'the id has the form of one: the page does not refuse it');
    await page.locator('#verifyUrl').fill('http://127.0.0.1:9/verify');
    await page.locator('#service-id-0').fill('dup-wallet');
    await page.locator('#service-name-0').fill('重複ウォレット');
    await page.getByRole('button', { name: ja('operator:providers.registerSubmit') }).click();
    await page.locator('#providerId-error').waitFor();
    assert.equal(await page.getByTestId('error-summary').locator('a[href="#providerId"]').count(), 1);
    await checkPage(page, 'operator-pages-07-provider-refused-ja-phone');

    // A new provider with two services: the second is added to the form by its button.
    await page.locator('#providerId').fill('city-pay');
    await page.locator('#providerName').fill('シティペイ');
    await page.locator('#service-id-0').fill('city-pay-card');
    await page.locator('#service-name-0').fill('シティペイ カード');
    await page.getByRole('button', { name: ja('operator:providers.addService') }).click();
    await page.locator('#service-id-1').fill('city-pay-wallet');
    await page.locator('#service-name-1').fill('シティペイ ウォレット');
    await page.getByRole('button', { name: ja('operator:providers.registerSubmit') }).click();
    await page.getByText(ja('operator:providers.registered', { name: 'シティペイ' })).waitFor();
    const row = page.getByRole('row', { name: /シティペイ/ });
    await row.waitFor();
    assert.match(await row.innerText(), /シティペイ カード \(city-pay-card\), シティペイ ウォレット \(city-pay-wallet\)/);
    assert.equal(await page.locator('#providerId').inputValue(), '', 'the form is emptied for the next one');
    assert.equal(await page.locator('#service-id-1').count(), 0, 'and has one service row again');
    const providers = await world.operatorFetch('/v1/operator/providers');
    const cityPay = (providers.body as { data: Array<{ id: string; services: Array<{ id: string }> }> }).data.find((provider) => provider.id === 'city-pay');
    assert.deepEqual(cityPay?.services.map((service) => service.id).sort(), ['city-pay-card', 'city-pay-wallet']);
    // Its first signing key, shown once.
    await page.getByRole('button', { name: ja('operator:providers.issueKey', { name: 'シティペイ' }) }).click();
    await page.getByTestId('provider-key').waitFor();
    assert.match(await page.getByTestId('provider-key-secret').innerText(), /^[A-Za-z0-9+/=_-]{20,}$/);
    await checkPage(page, 'operator-pages-08-provider-registered-ja-phone');

    await page.getByRole('link', { name: ja('operator:nav.staff') }).first().click();
    await page.getByTestId('staff-form').waitFor();
    await page.getByTestId('staff-create').click();
    await assertFieldError(page, 'displayName', say('ja', 'staff:accounts.errors.displayName'));
    await page.locator('#displayName').fill('山田 太郎');
    await page.locator('#staffRole').selectOption('operator_support');
    await page.getByTestId('staff-create').click();
    await page.getByTestId('enrolment-link').waitFor();
    assert.ok((await page.getByTestId('enrolment-link').innerText()).includes(say('ja', 'staff:accounts.linkTitle', { name: '山田 太郎' })));
    const link = await page.getByTestId('enrolment-link-value').innerText();
    assert.match(link, new RegExp(`^${world.origin}/operator/enrol#\\S{20,}$`));
    const account = page.getByRole('row', { name: /山田 太郎/ });
    await account.waitFor();
    assert.ok((await account.innerText()).includes(say('ja', 'staff:roles.operator_support')));
    assert.equal(await account.locator('[data-state="active"]').count(), 1);
    await checkPage(page, 'operator-pages-09-staff-created-ja-phone');

    await account.getByRole('button', { name: say('ja', 'staff:accounts.disable') }).click();
    const confirmation = page.getByTestId('staff-disable-confirmation');
    await confirmation.waitFor();
    assert.ok((await confirmation.innerText()).includes(say('ja', 'staff:accounts.confirmDisable', { name: '山田 太郎' })));
    // Nothing is disabled until the confirmation.
    const before = await world.operatorFetch('/v1/operator/staff');
    assert.equal((before.body as { data: Array<{ displayName: string; disabledAt: string | null }> }).data.find((a) => a.displayName === '山田 太郎')?.disabledAt, null);
    await checkPage(page, 'operator-pages-10-staff-disable-confirm-ja-phone');
    await page.getByTestId('staff-disable-confirm').click();
    await account.locator('[data-state="disabled"]').waitFor();
    assert.equal(await account.locator('[data-state="active"]').count(), 0);
    assert.equal(await account.getByRole('button').count(), 0, 'a disabled account has no actions left');
    const staff = await world.operatorFetch('/v1/operator/staff');
    assert.notEqual((staff.body as { data: Array<{ displayName: string; disabledAt: string | null }> }).data.find((a) => a.displayName === '山田 太郎')?.disabledAt, null);
    // A wide table scrolls within itself: the page does not become wider than the phone.
    assert.equal(await page.evaluate<boolean>('document.documentElement.scrollWidth <= document.documentElement.clientWidth'), true, 'no sideways scrolling of the page');
    await checkPage(page, 'operator-pages-11-staff-disabled-ja-phone');
    // The link it was given no longer enrols anyone.
    const stranger = await page.context().browser()!.newContext({ locale: 'ja-JP' });
    const strangerPage = await stranger.newPage();
    await addVirtualAuthenticator(strangerPage);
    await strangerPage.goto(link);
    await strangerPage.getByTestId('staff-enrol-unusable').waitFor();
    assert.equal(await strangerPage.getByTestId('staff-enrol').count(), 0, 'no passkey can be made from it');
    await stranger.close();
    await page.context().close();
  });

  it('a wrong binding is voided with a reason, beside whose field a missing one is said, and its points clawed back (en)', async () => {
    const en = (key: string, values?: Record<string, string | number>) => say('en', key, values);
    const mykeyId = await bindDemoAccount('mynapoint-demo', 'DEMO-0001', '1234');
    const reported = await world.providerFetch('/v1/provider/events', { method: 'POST', json: { events: [{ eventId: 'e2e-correction-1', accountRef: 'DEMO-0001', kind: 'payment', amountYen: 4_000, occurredAt: new Date().toISOString() }] } });
    assert.equal(reported.status, 200, JSON.stringify(reported.body));
    const bindings = await world.operatorFetch(`/v1/operator/persons/${mykeyId}/bindings`);
    assert.equal(bindings.status, 200, JSON.stringify(bindings.body));
    const [binding] = (bindings.body as { data: Array<{ campaignId: string; points: number; voidedAt: string | null }> }).data;
    assert.equal(binding?.campaignId, 'mynapoint-demo');
    assert.ok(binding.points > 0, `the payment earned points: ${JSON.stringify(binding)}`);

    const page = await adminPage('en', 'Takahashi Ken');
    await page.getByRole('link', { name: en('operator:nav.corrections') }).first().click();
    await page.locator('#mykeyId').waitFor();
    await page.getByRole('button', { name: en('operator:corrections.lookUp') }).click();
    await assertFieldError(page, 'mykeyId', en('operator:corrections.errors.mykeyId'));
    // Typed as people read it out: in two groups, lower case.
    await page.locator('#mykeyId').fill(`${mykeyId.slice(0, 4)} ${mykeyId.slice(4)}`.toLowerCase());
    await page.getByRole('button', { name: en('operator:corrections.lookUp') }).click();
    const row = page.getByRole('row', { name: /mynapoint-demo/ });
    await row.waitFor();
    assert.ok((await row.innerText()).includes('DEMO-0001 (demo-pay-wallet)'));
    assert.ok((await row.innerText()).includes(binding.points.toLocaleString('en-GB')));
    assert.equal(await page.locator('#mykeyId-error').count(), 0);
    await checkPage(page, 'operator-pages-12-corrections-person-en');

    await page.getByTestId('void-mynapoint-demo').click();
    await page.getByTestId('void-form').waitFor();
    await page.getByTestId('void-submit').click();
    await assertFieldError(page, 'reason', en('operator:corrections.errors.reason', { min: 3 }));
    await checkPage(page, 'operator-pages-13-correction-reason-missing-en');
    // Moving the account to the very person it is bound to is refused beside the other person's Mykey ID.
    await page.locator('#action-move').check();
    await page.locator('#toMykeyId').fill(mykeyId);
    await page.locator('#reason').fill('Typed at the counter for the next customer.');
    await page.getByTestId('void-submit').click();
    await assertFieldError(page, 'toMykeyId', en('operator:corrections.errors.samePerson'));
    assert.equal(await page.locator('#reason-error').count(), 0, 'the reason given is no longer refused');
    const unchanged = await world.operatorFetch(`/v1/operator/persons/${mykeyId}/bindings`);
    assert.equal((unchanged.body as { data: Array<{ voidedAt: string | null }> }).data[0]?.voidedAt, null, 'nothing was sent');

    await page.locator('#action-clawback').check();
    await page.getByTestId('void-submit').click();
    await page.getByTestId('confirmation-panel').waitFor();
    const done = await page.getByTestId('confirmation-panel').innerText();
    assert.ok(done.includes(en('operator:corrections.done.clawback')), done);
    assert.ok(done.includes('mynapoint-demo'), done);
    assert.equal(await page.getByTestId('void-form').count(), 0, 'the form is closed');
    // The reason as the operator typed it (the platform keeps it as `correction: …`).
    await row.getByText(/^Voided [^:]+:\d\d [^:]+: Typed at the counter for the next customer\.$/).waitFor();
    assert.equal(await page.getByTestId('void-mynapoint-demo').count(), 0, 'a voided binding cannot be voided again');
    const voided = await world.operatorFetch(`/v1/operator/persons/${mykeyId}/bindings`);
    const voidedBinding = (voided.body as { data: Array<{ voidedAt: string | null; voidReason?: string }> }).data[0];
    assert.notEqual(voidedBinding?.voidedAt, null);
    assert.ok(voidedBinding?.voidReason?.endsWith(': Typed at the counter for the next customer.'), voidedBinding?.voidReason);
    await checkPage(page, 'operator-pages-14-correction-done-en');
    await page.context().close();
  });

  it('a settlement statement is run and opened with its figures, CSV and printable page; the audit log is filtered and verified (ja)', async () => {
    const ja = (key: string, values?: Record<string, string | number>) => say('ja', key, values);
    const yen = (value: number) => ja('operator:units.yen', { value: value.toLocaleString('ja-JP') });
    // Something to settle: a payment of a bound account this month.
    await bindDemoAccount('mynapoint-demo', 'DEMO-0002', '2345');
    const reported = await world.providerFetch('/v1/provider/events', { method: 'POST', json: { events: [{ eventId: 'e2e-settlement-1', accountRef: 'DEMO-0002', kind: 'payment', amountYen: 2_000, occurredAt: new Date().toISOString() }] } });
    assert.equal(reported.status, 200, JSON.stringify(reported.body));
    const month = new Date(Date.now() + 9 * 3_600_000).toISOString().slice(0, 7);

    const page = await adminPage('ja', '伊藤 美咲');
    await page.getByRole('link', { name: ja('operator:nav.settlements') }).first().click();
    await page.getByTestId('settlement-form').waitFor();
    await page.locator('#settlementProvider').selectOption('demo-pay');
    await page.locator('#month').fill('');
    await page.getByTestId('settlement-run').click();
    await assertFieldError(page, 'month', ja('operator:settlements.errors.month'));
    await page.locator('#month').fill(month);
    await page.getByTestId('settlement-run').click();
    const ran = page.getByTestId('settlement-ran');
    await ran.waitFor();
    assert.ok((await ran.innerText()).includes(ja('operator:settlements.ran', { provider: 'demo-pay', month, revision: 1 })));
    const statement = await world.operatorFetch(`/v1/operator/settlements/demo-pay/${month}?revision=1`);
    assert.equal(statement.status, 200, JSON.stringify(statement.body));
    const { total } = statement.body as { total: { subsidyYen: number; grantsPoints: number; grantsCount: number; netPoints: number } };
    assert.ok(total.grantsPoints > 0 && total.grantsCount > 0, `this month's grant is in the statement: ${JSON.stringify(total)}`);
    assert.ok((await ran.innerText()).includes(ja('operator:settlements.ranBody', { subsidy: yen(total.subsidyYen) })), await ran.innerText());
    await page.getByRole('row', { name: new RegExp(`demo-pay ${month}`) }).waitFor();
    await checkPage(page, 'operator-pages-15-settlement-run-ja');

    await ran.getByRole('link', { name: ja('operator:settlements.open') }).click();
    await page.getByRole('heading', { level: 1, name: ja('operator:settlements.statementTitle', { provider: 'demo-pay', month }) }).waitFor();
    assert.equal(await page.getByTestId('statement-subsidy').innerText(), yen(total.subsidyYen));
    const totals = page.getByRole('row', { name: new RegExp(`^${ja('settlement:total')}`) });
    assert.ok((await totals.innerText()).includes(`${total.grantsPoints.toLocaleString('ja-JP')} (${total.grantsCount})`), await totals.innerText());
    const csv = page.getByRole('link', { name: ja('settlement:csv') });
    const csvHref = await csv.getAttribute('href');
    assert.ok(csvHref !== null && csvHref.includes('format=csv'), `${csvHref}`);
    assert.notEqual(await csv.getAttribute('download'), null, 'the CSV is downloaded');
    // The links answer for the signed-in staff member (the browser's session cookie).
    const csvAnswer = await page.request.get(new URL(csvHref, world.origin).toString());
    assert.equal(csvAnswer.status(), 200);
    assert.match(csvAnswer.headers()['content-type'] ?? '', /^text\/csv/);
    assert.ok((await csvAnswer.text()).includes('mynapoint-demo'), 'the CSV has the campaign of the grant');
    const printable = page.getByRole('link', { name: ja('settlement:print') });
    const printHref = await printable.getAttribute('href');
    assert.ok(printHref !== null && printHref.includes('format=html'), `${printHref}`);
    const printAnswer = await page.request.get(new URL(printHref, world.origin).toString());
    assert.equal(printAnswer.status(), 200);
    assert.match(printAnswer.headers()['content-type'] ?? '', /^text\/html/);
    assert.ok((await printAnswer.text()).includes('demo-pay'));
    await checkPage(page, 'operator-pages-16-statement-ja');

    await page.getByRole('link', { name: ja('operator:nav.audit') }).first().click();
    const whole = page.getByTestId('audit-whole');
    await whole.waitFor();
    const verifiedBefore = await world.operatorFetch('/v1/operator/audit/verify');
    const checkBefore = verifiedBefore.body as { verifiedThroughSeq: number; verifiedThroughHash: string };
    assert.equal(await whole.locator('code').innerText(), checkBefore.verifiedThroughHash);
    await page.locator('#auditAction').fill('Settlement Run');
    await page.getByRole('button', { name: ja('operator:audit.filter') }).click();
    await assertFieldError(page, 'auditAction', ja('operator:audit.errors.action'));
    await page.locator('#auditAction').fill('settlement');
    await page.getByRole('button', { name: ja('operator:audit.filter') }).click();
    const entries = page.locator('table').filter({ has: page.locator('caption', { hasText: ja('operator:audit.captionFiltered', { action: 'settlement', page: 1 }) }) });
    await entries.waitFor();
    const actions = await entries.locator('tbody tr td:nth-child(4)').allInnerTexts();
    assert.ok(actions.length > 0, 'the run is in the log');
    assert.ok(actions.every((action) => action === 'settlement' || action.startsWith('settlement.')), actions.join(', '));
    assert.ok(actions.includes('settlement.run'));
    assert.equal(await page.locator('#auditAction-error').count(), 0);
    await checkPage(page, 'operator-pages-17-audit-filtered-ja');

    // A change after the first check: verifying again reaches the new entry.
    const created = await world.operatorFetch('/v1/operator/staff', { method: 'POST', json: { displayName: '監査 確認', role: 'operator_settlement' } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const verifiedAfter = await world.operatorFetch('/v1/operator/audit/verify');
    const checkAfter = verifiedAfter.body as { verifiedThroughSeq: number; verifiedThroughHash: string; brokenAtSeq: number | null };
    assert.ok(checkAfter.verifiedThroughSeq > checkBefore.verifiedThroughSeq);
    await page.getByRole('button', { name: ja('operator:audit.verifyAgain') }).click();
    await whole.locator('code', { hasText: checkAfter.verifiedThroughHash }).waitFor();
    assert.ok((await whole.innerText()).includes(ja('operator:audit.whole')));
    assert.equal(await page.getByTestId('audit-broken').count(), 0);
    await checkPage(page, 'operator-pages-18-audit-verified-ja');
    await page.context().close();
  });
});

