// Ensures the provider console works in a real browser: a provider administrator created through the demo
// provider's signed API enrols a passkey, creates a key (its secret shown once), rotates it with an overlap so the
// old key keeps signing until a stated time, revokes one after a confirmation step, and uploads a small event file:
// the progress bar shows, then the report lists each refused line with its line number and code. Provider staff read
// the grant feed of a citizen's payment and acknowledge it (the platform records it), find the event file in the
// list of earlier files, open the month's statement with its CSV, and reconcile: a wrong file is refused line by
// line in the page before anything is sent, a right one gives its differences. An administrator adds a staff
// account and disables it. Another provider's administrator sees none of it, by menu or by address. Every page is
// saved as a screenshot and checked with axe-core, in Japanese and English, some phone-sized.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CitizenAgent } from '../../src/card/agent.js';
import { createSoftwareCard } from '../../src/card/software-card.js';
import { loadTestCa } from '../../src/identity/test-ca.js';
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
    // The list is read again after the rotation's answer: wait for it to show the old key's overlap.
    await page.getByTestId(`key-state-${keyId}`).filter({ hasText: /^Signs until / }).waitFor();
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

  /** A citizen binds the demo account DEMO-0001 with a software card and pays ¥4,000: a grant of 1,000 points. */
  async function grantOfAPayment(): Promise<string> {
    const card = await createSoftwareCard(await loadTestCa(join(world.dataDir, 'test-ca')), { nowMs: Date.now() - 3_600_000 });
    const citizen = new CitizenAgent(world.platform.url, world.origin, card);
    assert.equal((await citizen.login()).status, 200);
    const bound = await citizen.bind({ campaignId: 'mynapoint-demo', providerServiceId: 'demo-pay-wallet', accountRef: 'DEMO-0001', securityCode: '1234' });
    assert.equal(bound.status, 201, JSON.stringify(bound.body));
    const reported = await world.providerFetch('/v1/provider/events', { method: 'POST', json: { events: [{ eventId: 'pay-console-1', accountRef: 'DEMO-0001', kind: 'payment', amountYen: 4_000, occurredAt: new Date().toISOString() }] } });
    const grants = (reported.body as { results: Array<{ grants?: Array<{ grantId: string; points: number }> }> }).results[0]?.grants ?? [];
    assert.equal(grants[0]?.points, 1_000, JSON.stringify(reported.body));
    return grants[0]!.grantId;
  }

  /** This month in Japan, as statements name it. */
  function monthInJapan(): string {
    return new Date(Date.now() + 9 * 3_600_000).toISOString().slice(0, 7);
  }

  it('staff read the grant feed, acknowledge a grant, open the statement and reconcile the month (en)', async () => {
    const grantId = await grantOfAPayment();
    const month = monthInJapan();
    const ran = await world.operatorFetch('/v1/operator/settlements', { method: 'POST', json: { providerId: 'demo-pay', month } });
    assert.equal(ran.status, 201, JSON.stringify(ran.body));
    const created = await world.providerFetch('/v1/provider/staff', { method: 'POST', json: { displayName: 'Mori Ken', role: 'provider_staff' } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const context = await newContext(browser.browser!, { language: 'en' });
    const page = await context.newPage();
    await addVirtualAuthenticator(page);
    await enrolStaff(page, (created.body as { enrolment: { link: string } }).enrolment.link);
    assert.equal(await page.getByRole('link', { name: 'API keys' }).count(), 0, 'staff are not offered the keys');

    await page.getByRole('link', { name: 'Grant feed' }).first().click();
    const row = page.getByTestId('grant-feed').locator('tr', { hasText: grantId });
    await row.waitFor();
    assert.match(await row.innerText(), /DEMO-0001[\s\S]*mynapoint-demo[\s\S]*pay-console-1[\s\S]*1,000[\s\S]*Not yet/);
    await checkPage(page, 'provider-09-grant-feed-en');
    await row.getByTestId('grant-choose').check();
    await page.getByTestId('grants-acknowledge').click();
    await page.getByTestId('grants-acknowledged').waitFor();
    assert.match(await page.getByTestId('grants-acknowledged').innerText(), /1 acknowledged now; 0 were acknowledged before/);
    await row.locator('[data-state="acknowledged"]').waitFor();
    await checkPage(page, 'provider-10-grant-acknowledged-en');
    const feed = await world.providerFetch('/v1/provider/grants?limit=100');
    assert.equal((feed.body as { data: Array<{ grantId: string; acknowledged: boolean }> }).data.find((grant) => grant.grantId === grantId)?.acknowledged, true, 'the platform recorded it');

    await page.goto(`${world.origin}/provider/settlements`);
    await page.getByTestId('statements').getByRole('link', { name: month }).click();
    await page.getByTestId('statement-subsidy').waitFor();
    await page.getByTestId('no-reconciliation').waitFor();
    const csv = await page.request.get(`${world.origin}${await page.getByTestId('statement-csv').getAttribute('href')}`);
    assert.equal(csv.status(), 200);
    assert.match(csv.headers()['content-type'] ?? '', /^text\/csv/);
    await checkPage(page, 'provider-11-statement-en');

    const file = (name: string, text: string) => ({ name, mimeType: 'text/csv', buffer: Buffer.from(text) });
    await page.getByTestId('credited-file-input').setInputFiles(file('credited.csv', `grantId,points,creditedAt\n${grantId},one thousand,2026-11-28T10:00:00+09:00\n`));
    let sent = 0;
    page.on('request', (request) => {
      if (request.url().endsWith('/reconciliation') && request.method() === 'POST') sent += 1;
    });
    await page.getByTestId('credited-file-upload').click();
    await page.getByTestId('error-summary').waitFor();
    assert.match(await page.getByTestId('error-summary').innerText(), /Line 2: points must be a whole number/);
    assert.equal(sent, 0, 'a wrong file is not sent');
    await checkPage(page, 'provider-12-reconcile-refused-en');
    const creditedAt = new Date().toISOString();
    await page.getByTestId('credited-file-input').setInputFiles(file('credited.csv', `grantId,points,creditedAt\n${grantId},1000,${creditedAt}\nno-such-grant,500,${creditedAt}\n`));
    await page.getByTestId('credited-file-upload').click();
    await page.getByTestId('reconciliation-report').waitFor();
    assert.equal(sent, 1);
    assert.equal(await page.getByTestId('reconciliation-matched').innerText(), '1');
    assert.equal(await page.getByTestId('reconciliation-unknown').innerText(), '1');
    assert.match(await page.getByTestId('reconciliation-report').innerText(), /Credited, unknown grant[\s\S]*no-such-grant/);
    await checkPage(page, 'provider-13-reconciled-en');

    await page.goto(`${world.origin}/provider/event-files`);
    await page.getByTestId('event-file-list').getByRole('link', { name: '2026-11-27.ndjson' }).waitFor();
    await checkPage(page, 'provider-14-event-files-en');
    await context.close();
  });

  it('an administrator adds and disables a staff account; another provider sees none of the demo provider’s data (ja)', async () => {
    const context = await newContext(browser.browser!, { language: 'ja' });
    const page = await context.newPage();
    await addVirtualAuthenticator(page);
    await enrolStaff(page, await providerAdmin('山本 陽子'));
    await page.goto(`${world.origin}/provider/keys`);
    await page.getByTestId('key-create').waitFor();
    await checkPage(page, 'provider-15-keys-ja');
    await page.getByRole('link', { name: 'スタッフ' }).first().click();
    await page.getByTestId('staff-create').click();
    await page.locator('#displayName-error').waitFor();
    await checkPage(page, 'provider-16-staff-error-ja');
    await page.locator('#displayName').fill('林 大輔');
    await page.getByTestId('staff-create').click();
    await page.getByTestId('enrolment-link').waitFor();
    assert.match(await page.getByTestId('enrolment-link-value').innerText(), new RegExp(`^${world.origin}/provider/enrol#`));
    await checkPage(page, 'provider-17-staff-created-ja');
    const newRow = page.getByTestId('staff-accounts').locator('tr', { hasText: '林 大輔' });
    await newRow.getByRole('button', { name: /無効/ }).click();
    await page.getByTestId('staff-disable-confirm').click();
    await newRow.locator('[data-state="disabled"]').waitFor();
    await checkPage(page, 'provider-18-staff-disabled-ja');
    await context.close();

    // Another provider, its own administrator: the demo provider's file, statement and grants stay out of reach.
    const files = await world.providerFetch('/v1/provider/event-files?limit=1');
    const fileId = (files.body as { data: Array<{ fileId: string }> }).data[0]!.fileId;
    const other = await world.operatorFetch('/v1/operator/providers', { method: 'POST', json: { id: 'other-pay', name: 'Other Pay', verifyUrl: 'https://other-pay.example/verify', services: [{ id: 'other-pay-wallet', name: 'Other Pay wallet' }] } });
    assert.equal(other.status, 201, JSON.stringify(other.body));
    const admin = await world.operatorFetch('/v1/operator/staff', { method: 'POST', json: { displayName: '別会社 管理者', role: 'provider_admin', providerId: 'other-pay' } });
    assert.equal(admin.status, 201, JSON.stringify(admin.body));
    const otherContext = await newContext(browser.browser!, { language: 'ja', viewport: 'phone' });
    const otherPage = await otherContext.newPage();
    await addVirtualAuthenticator(otherPage);
    await enrolStaff(otherPage, (admin.body as { enrolment: { link: string } }).enrolment.link);
    const refusal = async (path: string, code: string, screenshot: string): Promise<void> => {
      await otherPage.goto(`${world.origin}${path}`);
      await otherPage.locator(`[data-code="${code}"]`).waitFor();
      await checkPage(otherPage, screenshot);
    };
    await refusal(`/provider/event-files/${encodeURIComponent(fileId)}`, 'event_file_not_found', 'provider-19-other-provider-file-ja-phone');
    await refusal(`/provider/settlements/${monthInJapan()}`, 'settlement_not_found', 'provider-20-other-provider-statement-ja-phone');
    await otherPage.goto(`${world.origin}/provider/grants`);
    await otherPage.getByTestId('grant-feed').waitFor();
    assert.match(await otherPage.getByTestId('grant-feed').innerText(), /付与はまだありません/);
    await otherPage.goto(`${world.origin}/provider/staff`);
    await otherPage.getByTestId('staff-accounts').waitFor();
    assert.doesNotMatch(await otherPage.getByTestId('staff-accounts').innerText(), /山本|林|Kato|加藤/);
    await checkPage(otherPage, 'provider-21-other-provider-staff-ja-phone');
    const api = await otherPage.request.get(`${world.origin}/v1/provider/event-files/${encodeURIComponent(fileId)}/report`);
    assert.equal(api.status(), 404);
    await otherContext.close();
  });
});
