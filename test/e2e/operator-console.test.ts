// Ensures the operator console works in a real browser for the staff it is made for: the first administrator
// enrols a passkey from the `mykey operator add-admin` link and lands on the dashboard (charts, each with its
// table); creates a municipal campaign from its preset, after the id already taken is refused beside the field;
// runs a dry run of it on an uploaded event file and sees the cost before anything is written; and an operator
// support account is told plainly that campaign creation is not its role. Every page is saved as a screenshot and
// checked with axe-core, in English and Japanese, one on a phone-sized screen.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { browserUnderTest, checkPage, newContext, type BrowserUnderTest } from '../helpers/browser.js';
import { startDevPlatform, type DevPlatform } from '../helpers/dev-platform.js';
import { addVirtualAuthenticator, enrolStaff } from '../helpers/staff-browser.js';

const browser = await browserUnderTest();

describe('the operator console in a real browser', { skip: browser.skip }, () => {
  let world: DevPlatform;
  before(async () => {
    world = await startDevPlatform();
  });
  after(async () => {
    await world?.close();
    await (browser as BrowserUnderTest).close();
  });

  it('an administrator enrols, creates a municipal campaign and dry-runs it on an event file (en)', async () => {
    // Something for the dashboard to show: an event of an account nobody bound is refused, and counted.
    const refused = await world.providerFetch('/v1/provider/events', { method: 'POST', json: { events: [{ eventId: 'e2e-unbound-1', accountRef: 'DEMO-0003', kind: 'payment', amountYen: 1_000, occurredAt: new Date().toISOString() }] } });
    assert.equal(refused.status, 200, JSON.stringify(refused.body));
    const context = await newContext(browser.browser!, { language: 'en' });
    const page = await context.newPage();
    await addVirtualAuthenticator(page);
    await enrolStaff(page, await world.addAdmin('Sato Hanako'), 'operator-01-enrol-en');
    await page.getByTestId('dashboard-figures').waitFor();
    await page.getByTestId('rejection-codes-chart').waitFor();
    assert.ok((await page.getByTestId('rejection-codes').locator('table').count()) > 0, 'the chart is also a table');
    await checkPage(page, 'operator-02-dashboard-en');

    await page.goto(`${world.origin}/operator/campaigns/new`);
    await page.getByLabel(/Start from a preset/).check();
    await page.locator('#preset').selectOption('municipal-30');
    await page.getByTestId('preset-submit').click();
    // The demo already has municipal-30: the refusal is said beside the id field.
    await page.locator('#presetId-error').waitFor();
    await checkPage(page, 'operator-03-new-campaign-error-en');
    await page.getByLabel('Campaign id (optional)').fill('municipal-e2e');
    await page.getByTestId('preset-submit').click();
    await page.getByTestId('confirmation-panel').waitFor();
    await checkPage(page, 'operator-04-campaign-created-en');

    const eventsPath = join(world.dataDir, 'dry-run.ndjson');
    writeFileSync(eventsPath, `${JSON.stringify({ eventId: 'dry-1', accountRef: 'DEMO-0001', kind: 'payment', amountYen: 4_000, occurredAt: new Date().toISOString(), merchantRegion: '13101' })}\n`);
    await page.getByText('Dry run it on an event file').click();
    await page.getByTestId('dry-run-file').setInputFiles(eventsPath);
    await page.getByTestId('dry-run-submit').click();
    await page.getByTestId('dry-run-cost').waitFor();
    await checkPage(page, 'operator-05-dry-run-en');
    await context.close();
  });

  it('an operator support account sees the dashboard but not campaign creation (ja, phone)', async () => {
    const created = await world.operatorFetch('/v1/operator/staff', { method: 'POST', json: { displayName: '田中 花子', role: 'operator_support' } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const context = await newContext(browser.browser!, { language: 'ja', viewport: 'phone' });
    const page = await context.newPage();
    await addVirtualAuthenticator(page);
    await enrolStaff(page, (created.body as { enrolment: { link: string } }).enrolment.link);
    await page.getByTestId('dashboard-figures').waitFor();
    await checkPage(page, 'operator-06-dashboard-support-ja-phone');
    await page.goto(`${world.origin}/operator/campaigns/new`);
    await page.getByTestId('role-forbidden').waitFor();
    await checkPage(page, 'operator-07-role-forbidden-ja-phone');
    await context.close();
  });
});
