// Ensures a citizen can do everything in the browser, as a newcomer would: in real headless Chromium against a
// development platform and a real `mykey card agent` process holding a software card, a citizen logs in (the PIN
// typed in the agent's own window, never in the portal), applies with check-your-answers and a confirmation, the
// demo provider reports a payment, and the citizen sees the points and their history; the states with a next
// step (agent not running, a wrong PIN with the tries left); the shared-terminal rules (the session ends after a
// binding, when the card leaves the reader, after five idle minutes with a warning first); a legal representative
// adds a minor with the minor's card and applies on the minor's behalf; and one login by keyboard alone. Every
// page visited, the agent's included, is saved as a screenshot and checked with axe-core (no serious or critical
// violation), in Japanese and English, on a desktop and a phone-sized screen.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { browserUnderTest, checkPage, newContext, type BrowserUnderTest } from '../helpers/browser.js';
import { startPortalWorld, type PortalWorld } from '../helpers/portal-world.js';

const browser = await browserUnderTest();

/** The agent's window: the portal opens it when the person asks to sign. */
async function approveInAgent(context: BrowserContext, page: Page, start: () => Promise<void>, pin: string, screenshot?: string): Promise<void> {
  const popup = context.waitForEvent('page');
  await start();
  const agentPage = await popup;
  const pinField = agentPage.getByLabel(/PIN|暗証番号/);
  await pinField.waitFor();
  if (screenshot !== undefined) await checkPage(agentPage, screenshot);
  await pinField.fill(pin);
  await agentPage.getByRole('button', { name: /^(Approve|承認|Sign|署名)/ }).click();
  await page.bringToFront();
}

async function logIn(context: BrowserContext, page: Page, world: PortalWorld, pin = '1234', screenshot?: string): Promise<void> {
  await page.goto(`${world.origin}/login`);
  await page.getByTestId('agent-ready').waitFor();
  await approveInAgent(context, page, () => page.getByTestId('login-button').click(), pin, screenshot);
}

describe('the citizen portal in a real browser', { skip: browser.skip }, () => {
  let world: PortalWorld;
  let aiko: string;

  before(async () => {
    world = await startPortalWorld();
    aiko = await world.issueCard('aiko');
    await world.startAgent(aiko);
  });
  after(async () => {
    await world?.close();
    await (browser as BrowserUnderTest).close();
  });

  it('a citizen logs in through the agent, applies, is paid by the provider and sees the points (ja, desktop)', async () => {
    const context = await newContext(browser.browser!, { language: 'ja' });
    const page = await context.newPage();
    await page.goto(`${world.origin}/`);
    await checkPage(page, 'portal-01-start-ja');
    await page.getByRole('button', { name: '申込を始める' }).click();
    await page.getByTestId('agent-ready').waitFor();
    await checkPage(page, 'portal-02-login-ready-ja');
    await approveInAgent(context, page, () => page.getByTestId('login-button').click(), '1234', 'agent-01-login-ja');
    await page.getByTestId('mykey-id').waitFor();
    assert.match(await page.getByTestId('session-bar').innerText(), /マイキーID [A-Z0-9]{4}-[A-Z0-9]{4}/, 'every page says whose session it is');
    await checkPage(page, 'portal-03-account-created-ja');

    await page.getByRole('button', { name: /申し込む：マイナポイント体験版/ }).click();
    await page.getByLabel('Demo Pay wallet').check();
    await checkPage(page, 'portal-04-apply-service-ja');
    await page.getByRole('button', { name: '次へ' }).click();
    // A My Number typed by mistake is caught beside the field, and never sent.
    await page.getByLabel('決済サービスID').fill('1234 5678 9018');
    await page.getByLabel('セキュリティコード').fill('1234');
    await page.getByRole('button', { name: '次へ' }).click();
    await page.getByTestId('error-summary').waitFor();
    await checkPage(page, 'portal-05-apply-account-error-ja');
    await page.getByLabel('決済サービスID').fill('DEMO-0001');
    await page.getByRole('button', { name: '次へ' }).click();
    await page.getByTestId('final-warning').waitFor();
    assert.match(await page.getByTestId('final-warning').innerText(), /変更できません/);
    await checkPage(page, 'portal-06-apply-check-ja');
    await approveInAgent(context, page, () => page.getByTestId('apply-button').click(), '1234', 'agent-02-bind-ja');
    await page.getByTestId('confirmation-panel').waitFor();
    assert.equal(await page.getByTestId('session-bar').count(), 0, 'the session ended with the binding');
    await checkPage(page, 'portal-07-applied-ja');

    const paid = await world.report({ eventId: 'e2e-pay-1', accountRef: 'DEMO-0001', kind: 'payment', amountYen: 10_000, occurredAt: new Date().toISOString() });
    assert.equal(paid.status, 200, JSON.stringify(paid.body));

    await logIn(context, page, world);
    await page.getByTestId('points-granted').waitFor();
    assert.match(await page.getByTestId('binding-mynapoint-demo').getByTestId('points-granted').innerText(), /2,500/);
    await checkPage(page, 'portal-08-account-points-ja');
    await page.getByRole('link', { name: /ポイント履歴/ }).click();
    await page.getByRole('cell', { name: '+2,500' }).waitFor();
    await checkPage(page, 'portal-09-points-history-ja');
    await page.getByRole('button', { name: 'ログアウト' }).first().click();
    await page.getByTestId('signed-out-logout').waitFor();
    await checkPage(page, 'portal-10-signed-out-ja');
    await context.close();
  });

  it('tells what to do when the agent is not running and after a wrong PIN (en, phone)', async () => {
    const context = await newContext(browser.browser!, { language: 'en', viewport: 'phone' });
    const page = await context.newPage();
    await world.stopAgent();
    await page.goto(`${world.origin}/login`);
    await page.getByTestId('agent-not-running').waitFor();
    assert.match(await page.getByTestId('agent-not-running').innerText(), /npx mykey card agent --software card\.json/);
    await checkPage(page, 'portal-11-agent-not-running-en-phone');
    await world.startAgent(aiko);
    await page.getByTestId('agent-ready').waitFor();
    await approveInAgent(context, page, () => page.getByTestId('login-button').click(), '0000', 'agent-03-login-en-phone');
    await page.getByTestId('login-failed').waitFor();
    assert.match(await page.getByTestId('login-failed').innerText(), /PIN was wrong\. 2 tries left/);
    await checkPage(page, 'portal-12-wrong-pin-en-phone');
    // The right PIN then logs in, and the tries are counted again from three.
    await approveInAgent(context, page, () => page.getByTestId('login-button').click(), '1234');
    await page.getByTestId('mykey-id').waitFor();
    await checkPage(page, 'portal-13-account-en-phone');
    await context.close();
  });

  it('ends the session when the card leaves the reader, and after five idle minutes with a warning first', async () => {
    const context = await newContext(browser.browser!, { language: 'en' });
    const page = await context.newPage();
    await logIn(context, page, world);
    await page.getByTestId('mykey-id').waitFor();
    const agentPage = await context.newPage();
    await agentPage.goto(`${world.agentUrl}/`);
    await agentPage.getByRole('button', { name: /Take the card out/ }).click();
    await page.bringToFront();
    await page.getByTestId('signed-out-card_removed').waitFor({ timeout: 15_000 });
    await checkPage(page, 'portal-14-signed-out-card-removed-en');
    await agentPage.getByRole('button', { name: /Put the card back/ }).click();
    await agentPage.close();

    await page.clock.install();
    await logIn(context, page, world);
    await page.getByTestId('mykey-id').waitFor();
    await page.clock.fastForward('04:05');
    await page.getByTestId('idle-warning').waitFor();
    await checkPage(page, 'portal-15-idle-warning-en');
    await page.clock.fastForward('01:00');
    await page.getByTestId('signed-out-idle').waitFor();
    await context.close();
  });

  it('a legal representative adds a minor with the minor’s card and applies for them (ja, phone)', async () => {
    const parent = await world.issueCard('parent');
    const minor = await world.issueCard('minor');
    const context = await newContext(browser.browser!, { language: 'ja', viewport: 'phone' });
    const page = await context.newPage();
    await world.startAgent(parent);
    await logIn(context, page, world);
    await page.getByRole('button', { name: '代理で申し込む人を追加する' }).click();
    await page.getByLabel(/^親権者/).check();
    await checkPage(page, 'portal-16-represent-relation-ja-phone');
    await page.getByRole('button', { name: '次へ' }).click();
    await checkPage(page, 'portal-17-represent-swap-ja-phone');
    // The parent takes their card out and puts the minor's in.
    await world.startAgent(minor);
    await approveInAgent(context, page, () => page.getByTestId('represent-sign').click(), '1234', 'agent-04-represent-ja-phone');
    await page.getByTestId('represented-mykey-id').waitFor();
    const minorMykeyId = (await page.getByTestId('represented-mykey-id').innerText()).replace(/^マイキーID /, '').replace('-', '');
    await checkPage(page, 'portal-18-represent-done-ja-phone');
    await page.getByRole('button', { name: 'ログアウトして自分のカードに戻す' }).click();
    await page.getByTestId('signed-out-represented').waitFor();

    await world.startAgent(parent);
    await logIn(context, page, world);
    const section = page.getByTestId(`represented-${minorMykeyId}`);
    await section.waitFor();
    await checkPage(page, 'portal-19-account-with-represented-ja-phone');
    await section.getByRole('button', { name: /申し込む：マイナポイント体験版/ }).click();
    await page.getByLabel('Demo Pay wallet').check();
    await page.getByRole('button', { name: '次へ' }).click();
    await page.getByLabel('決済サービスID').fill('DEMO-0002');
    await page.getByLabel('セキュリティコード').fill('2345');
    await page.getByRole('button', { name: '次へ' }).click();
    assert.match(await page.getByTestId('final-warning').innerText(), /代理として署名します/);
    await checkPage(page, 'portal-20-apply-for-minor-check-ja-phone');
    await approveInAgent(context, page, () => page.getByTestId('apply-button').click(), '1234');
    await page.getByTestId('confirmation-panel').waitFor();
    await checkPage(page, 'portal-21-applied-for-minor-ja-phone');
    await context.close();
  });

  it('can be used by keyboard alone: a login without the mouse', async () => {
    await world.startAgent(aiko);
    const context = await newContext(browser.browser!, { language: 'en' });
    const page = await context.newPage();
    await page.goto(`${world.origin}/login`);
    await page.getByTestId('agent-ready').waitFor();
    // Evaluated in the page (this file is compiled without the DOM's types).
    const focusedTestId = () => page.evaluate<string>("document.activeElement?.dataset?.testid ?? ''");
    for (let presses = 0; (await focusedTestId()) !== 'login-button'; presses += 1) {
      assert.ok(presses < 20, 'the login button is reachable with Tab');
      await page.keyboard.press('Tab');
    }
    const popup = context.waitForEvent('page');
    await page.keyboard.press('Enter');
    const agentPage = await popup;
    await agentPage.getByLabel(/PIN/).waitFor();
    for (let presses = 0; !(await agentPage.evaluate<boolean>("document.activeElement?.tagName === 'INPUT'")); presses += 1) {
      assert.ok(presses < 20, 'the PIN field is reachable with Tab');
      await agentPage.keyboard.press('Tab');
    }
    await agentPage.keyboard.type('1234');
    await agentPage.keyboard.press('Enter');
    await page.getByTestId('mykey-id').waitFor();
    await context.close();
  });
});
