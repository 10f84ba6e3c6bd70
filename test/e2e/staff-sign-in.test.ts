// Ensures staff sign in to the consoles with passkeys in a real browser, never with a pasted token: the first
// administrator's one-time link from `mykey operator add-admin` creates a passkey in Chromium's virtual
// authenticator and signs in; the link then no longer works (in this browser or another); sign-out forgets the
// session; the passkey signs in again without a user name; an operator account opening the provider console is
// told which console is its own; a provider's staff member enrolled through the provider's own API lands in the
// provider console. Every page is saved as a screenshot and checked with axe-core, in Japanese and English.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { browserUnderTest, checkPage, newContext, type BrowserUnderTest } from '../helpers/browser.js';
import { startDevPlatform, type DevPlatform } from '../helpers/dev-platform.js';
import { addVirtualAuthenticator, enrolStaff, signInStaff } from '../helpers/staff-browser.js';

const browser = await browserUnderTest();

describe('staff sign-in in a real browser', { skip: browser.skip }, () => {
  let world: DevPlatform;
  before(async () => {
    world = await startDevPlatform();
  });
  after(async () => {
    await world?.close();
    await (browser as BrowserUnderTest).close();
  });

  it('the first administrator enrols a passkey from the add-admin link, signs out and signs in again (en)', async () => {
    const link = await world.addAdmin('Sato Hanako');
    assert.match(link, new RegExp(`^${world.origin}/operator/enrol#[A-Za-z0-9_-]{20,}$`));
    const context = await newContext(browser.browser!, { language: 'en' });
    const page = await context.newPage();
    const authenticator = await addVirtualAuthenticator(page);
    await enrolStaff(page, link, 'staff-01-enrol-en');
    assert.equal(await authenticator.credentialCount(), 1, 'the passkey is in the authenticator');
    assert.doesNotMatch(page.url(), /#/, 'the token left the address bar');
    assert.match(await page.getByTestId('session-bar').innerText(), /Sato Hanako \(Operator administrator\)/);
    await checkPage(page, 'staff-02-operator-signed-in-en');

    await page.getByRole('button', { name: 'Sign out' }).first().click();
    await page.getByTestId('staff-signed-out').waitFor();
    assert.equal(await page.getByTestId('session-bar').count(), 0);
    await checkPage(page, 'staff-03-signed-out-en');
    await signInStaff(page);
    assert.match(await page.getByTestId('session-bar').innerText(), /Sato Hanako/);

    // The link was used up: opening it again (here, or in another browser) says so.
    const other = await newContext(browser.browser!, { language: 'en' });
    const otherPage = await other.newPage();
    await otherPage.goto(link);
    await otherPage.getByTestId('staff-enrol-unusable').waitFor();
    assert.match(await otherPage.getByTestId('staff-enrol-unusable').innerText(), /link/i);
    await checkPage(otherPage, 'staff-04-enrol-link-used-en');
    await other.close();

    // An operator account in the provider console is sent to its own.
    await page.goto(`${world.origin}/provider/`);
    await page.getByTestId('staff-wrong-console').waitFor();
    await checkPage(page, 'staff-05-wrong-console-en');
    await context.close();
  });

  it('a provider administrator created through the provider API enrols into the provider console (ja)', async () => {
    const created = await world.providerFetch('/v1/provider/staff', { method: 'POST', json: { displayName: '鈴木 一郎', role: 'provider_admin' } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const { link } = (created.body as { enrolment: { link: string } }).enrolment;
    assert.match(link, /\/provider\/enrol#/);
    const context = await newContext(browser.browser!, { language: 'ja' });
    const page = await context.newPage();
    await addVirtualAuthenticator(page);
    await enrolStaff(page, link, 'staff-06-enrol-provider-ja');
    assert.match(await page.getByTestId('session-bar').innerText(), /鈴木 一郎（決済事業者 管理者）/);
    await checkPage(page, 'staff-07-provider-signed-in-ja');
    await page.getByRole('button', { name: 'サインアウト' }).first().click();
    await page.getByTestId('staff-signed-out').waitFor();
    await checkPage(page, 'staff-08-signed-out-ja');
    await context.close();
  });

  it('a sign-in without any passkey on the device says what happened and changes nothing (ja)', async () => {
    const context = await newContext(browser.browser!, { language: 'ja' });
    const page = await context.newPage();
    await addVirtualAuthenticator(page);
    await page.goto(`${world.origin}/operator/`);
    await page.getByTestId('staff-sign-in').click();
    await page.getByTestId('staff-failure').waitFor();
    assert.equal(await page.getByTestId('session-bar').count(), 0);
    await checkPage(page, 'staff-09-sign-in-no-passkey-ja');
    await context.close();
  });
});
