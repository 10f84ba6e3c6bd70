// Ensures the faces can be used by keyboard alone (WCAG 2.1.1, 2.4.3, 2.4.7): on every page of each console's
// menu, and on the portal's start page, Tab reaches every control a pointer could use, with no trap, and each
// shows where the focus is; a staff member enrols and moves through the menu with Tab and Enter only. The portal's
// card login by keyboard is in portal.test.ts. Pages are saved as screenshots and checked with axe-core too.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { browserUnderTest, checkPage, newContext, type BrowserUnderTest } from '../helpers/browser.js';
import { startDevPlatform, type DevPlatform } from '../helpers/dev-platform.js';
import { activateByKeyboard, tabThroughPage } from '../helpers/keyboard.js';
import { addVirtualAuthenticator } from '../helpers/staff-browser.js';

const browser = await browserUnderTest();

/** Enrols with the link by keyboard, then opens each menu entry with Tab and Enter and tabs through its page. */
async function walkConsoleByKeyboard(page: Page, enrolmentLink: string, name: string): Promise<string[]> {
  await addVirtualAuthenticator(page);
  await page.goto(enrolmentLink);
  await page.getByTestId('staff-enrol').waitFor();
  await tabThroughPage(page, `${name} enrolment`);
  await activateByKeyboard(page, '[data-testid="staff-enrol"]');
  await page.getByTestId('session-bar').waitFor();
  const menu = await page.evaluate<string[]>("[...document.querySelectorAll('nav.site-navigation a[href]')].map((a) => a.getAttribute('href'))");
  assert.ok(menu.length >= 2, `${name}: a menu (${menu.join(', ')})`);
  for (const href of menu) {
    await activateByKeyboard(page, `nav.site-navigation a[href="${href}"]`);
    await page.waitForURL((url) => url.pathname === href);
    await page.waitForLoadState('networkidle').catch(() => undefined);
    await page.locator('main h1').first().waitFor();
    await tabThroughPage(page, `${name} ${href}`);
  }
  const slug = menu.at(-1)!.split('/').filter(Boolean).join('-');
  await checkPage(page, `keyboard-${name}-${slug}`);
  return menu;
}

describe('the faces by keyboard alone', { skip: browser.skip }, () => {
  let world: DevPlatform;
  before(async () => {
    world = await startDevPlatform();
  });
  after(async () => {
    await world?.close();
    await (browser as BrowserUnderTest).close();
  });

  it('an operator administrator enrols and reaches every control of every menu page with Tab (en)', async () => {
    const context = await newContext(browser.browser!, { language: 'en' });
    const menu = await walkConsoleByKeyboard(await context.newPage(), await world.addAdmin('Ito Ken'), 'operator');
    assert.ok(menu.includes('/operator/audit'), menu.join(', '));
    await context.close();
  });

  it('a provider administrator enrols and reaches every control of every menu page with Tab (ja)', async () => {
    const created = await world.providerFetch('/v1/provider/staff', { method: 'POST', json: { displayName: '小林 誠', role: 'provider_admin' } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const context = await newContext(browser.browser!, { language: 'ja' });
    const menu = await walkConsoleByKeyboard(await context.newPage(), (created.body as { enrolment: { link: string } }).enrolment.link, 'provider');
    assert.ok(menu.includes('/provider/keys'), menu.join(', '));
    await context.close();
  });

  it('the portal start page: every control reached with Tab, the login page opened with Enter (ja, phone)', async () => {
    const context = await newContext(browser.browser!, { language: 'ja', viewport: 'phone' });
    const page = await context.newPage();
    await page.goto(`${world.origin}/`);
    await page.locator('main h1').first().waitFor();
    const visited = await tabThroughPage(page, 'portal start');
    assert.ok(visited.length >= 3, visited.join(', '));
    await activateByKeyboard(page, 'main a[href="/login"]');
    await page.waitForURL((url) => url.pathname === '/login');
    await checkPage(page, 'keyboard-portal-login-ja-phone');
    await context.close();
  });
});
