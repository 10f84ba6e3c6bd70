// Ensures the provider console works in a real browser: a provider administrator created through the demo
// provider's signed API enrols a passkey, creates a key (its secret shown once), rotates it with an overlap so the
// old key keeps signing until a stated time, revokes one after a confirmation step, and uploads a small event file:
// the progress bar shows, then the report lists each refused line with its line number and code. Every page is
// saved as a screenshot and checked with axe-core, in Japanese and English, one phone-sized.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { browserUnderTest, checkPage, newContext, type BrowserUnderTest } from '../helpers/browser.js';
import { startDevPlatform, type DevPlatform } from '../helpers/dev-platform.js';
import { addVirtualAuthenticator, enrolStaff } from '../helpers/staff-browser.js';

const browser = await browserUnderTest();

/** Line 1 is not JSON; line 2 is an event of an account the provider never bound. */
const eventFile = ['{"eventId": "tx-1",', JSON.stringify({ eventId: 'tx-2', accountRef: 'W-NOBODY', kind: 'topup', amountYen: 1000, occurredAt: '2026-11-27T12:00:00+09:00' }), ''].join('\n');

describe('the provider console in a real browser', { skip: browser.skip }, () => {
  let world: DevPlatform;
  before(async () => {
    world = await startDevPlatform();
  });
  after(async () => {
    await world?.close();
    await (browser as BrowserUnderTest).close();
  });

  async function providerAdmin(name: string): Promise<string> {
    const created = await world.providerFetch('/v1/provider/staff', { method: 'POST', json: { displayName: name, role: 'provider_admin' } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return (created.body as { enrolment: { link: string } }).enrolment.link;
  }

  it('an administrator creates, rotates and revokes keys (en)', async () => {
    const context = await newContext(browser.browser!, { language: 'en' });
    const page = await context.newPage();
    await addVirtualAuthenticator(page);
    await enrolStaff(page, await providerAdmin('Kato Emi'));
    await page.getByRole('link', { name: 'API keys' }).first().click();
    await page.getByTestId('key-create').waitFor();
    await checkPage(page, 'provider-01-keys-en');

    await page.getByTestId('key-create').click();
    await page.getByTestId('key-secret').waitFor();
    const keyId = await page.getByTestId('key-secret-key-id').innerText();
    assert.match(await page.getByTestId('key-secret-value').innerText(), /^[A-Za-z0-9+/=]{20,}$/);
    assert.match(await page.getByTestId('key-secret').innerText(), /shown only this once/);
    await page.getByTestId(`key-state-${keyId}`).waitFor();
    await checkPage(page, 'provider-02-key-created-en');

    await page.getByTestId(`key-rotate-${keyId}`).click();
    await page.getByLabel('How long the old key keeps working').selectOption('604800');
    await checkPage(page, 'provider-03-key-rotate-en');
    await page.getByTestId('key-rotate-confirm').click();
    await page.getByText('Key rotated: here is the new key').waitFor();
    const newKeyId = await page.getByTestId('key-secret-key-id').innerText();
    assert.notEqual(newKeyId, keyId);
    assert.match(await page.getByTestId('key-secret').innerText(), new RegExp(`old key ${keyId} keeps signing until`));
    assert.match(await page.getByTestId(`key-state-${keyId}`).innerText(), /^Signs until /);
    assert.equal(await page.getByTestId(`key-state-${newKeyId}`).innerText(), 'Active');
    const listed = await world.providerFetch('/v1/provider/keys');
    const old = (listed.body as { data: Array<{ keyId: string; expiresAt: string | null }> }).data.find((key) => key.keyId === keyId);
    const overlapMs = Date.parse(old!.expiresAt!) - Date.now();
    assert.ok(overlapMs > 6.9 * 86_400_000 && overlapMs <= 7 * 86_400_000, `the old key signs for the chosen 7 days (${overlapMs} ms)`);

    await page.getByTestId(`key-revoke-${keyId}`).click();
    await page.getByTestId('key-revoke-confirmation').waitFor();
    await checkPage(page, 'provider-04-key-revoke-confirm-en');
    await page.getByTestId('key-revoke-confirm').click();
    await page.getByTestId('key-revoked').waitFor();
    await page.getByText(/^Revoked /).waitFor();
    assert.match(await page.getByTestId(`key-state-${keyId}`).innerText(), /^Revoked /);
    await checkPage(page, 'provider-05-key-revoked-en');
    await context.close();
  });

  it('an administrator uploads an event file and reads its per-line report (ja, phone)', async () => {
    const context = await newContext(browser.browser!, { language: 'ja', viewport: 'phone' });
    const page = await context.newPage();
    await addVirtualAuthenticator(page);
    await enrolStaff(page, await providerAdmin('加藤 恵美'));
    await page.goto(`${world.origin}/provider/event-files`);
    await page.getByTestId('event-file-upload').waitFor();
    await page.getByTestId('event-file-upload').click();
    await page.getByTestId('error-summary').waitFor();
    await checkPage(page, 'provider-06-upload-missing-file-ja');

    await page.getByTestId('event-file-input').setInputFiles({ name: '2026-11-27.ndjson', mimeType: 'application/x-ndjson', buffer: Buffer.from(eventFile) });
    // The progress bar is shown while the chunks go; a small file is sent in a moment, so hold the chunk a little.
    await page.route('**/v1/provider/event-files/*/content*', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 500));
      await route.continue();
    });
    await page.getByTestId('event-file-upload').click();
    await page.getByTestId('upload-progress').waitFor();
    assert.match(await page.getByTestId('upload-progress').innerText(), /バイト/);
    await checkPage(page, 'provider-07-upload-progress-ja');

    await page.getByTestId('event-file-report').waitFor();
    assert.equal(await page.getByTestId('lines-rejected').innerText(), '2');
    assert.equal(await page.getByTestId('lines-applied').innerText(), '0');
    const report = await page.getByTestId('event-file-report').innerText();
    assert.match(report, /1\s+拒否[\s\S]*file_line_invalid/);
    assert.match(report, /2\s+拒否[\s\S]*tx-2[\s\S]*account_unknown/);
    await checkPage(page, 'provider-08-report-ja');
    await context.close();
  });
});
