/**
 * Real headless Chromium for the tests of the web faces: Debian's `chromium` package driven by playwright-core
 * (never a browser download), started as the machine's probe found it works here (no sandbox as root, no
 * background networking on a closed network). Where Chromium is missing, CI (CI=true) fails; elsewhere the browser
 * tests are skipped and say why (skipped-groups.ts). Each test saves a screenshot of every page it visits under
 * test-results/screenshots/, and checks it with axe-core (no serious or critical violation).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { skipGroup } from './skipped-groups.js';

export const chromiumPath = '/usr/bin/chromium';
export const screenshotDir = join(process.cwd(), 'test-results', 'screenshots');

export interface BrowserUnderTest {
  skip: string | false;
  browser: Browser | undefined;
  close(): Promise<void>;
}

/** Chromium, or a skip reason where it is not installed. */
export async function browserUnderTest(): Promise<BrowserUnderTest> {
  if (!existsSync(chromiumPath)) return { skip: skipGroup('browser', `Chromium is not installed (${chromiumPath})`), browser: undefined, close: async () => undefined };
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  mkdirSync(screenshotDir, { recursive: true });
  return { skip: false, browser, close: () => browser.close() };
}

/** The screen sizes the faces are checked at: a desktop and a phone. */
export const viewports = {
  desktop: { width: 1280, height: 900 },
  phone: { width: 390, height: 844 },
} as const;

export async function newContext(browser: Browser, options: { language: 'ja' | 'en'; viewport?: keyof typeof viewports }): Promise<BrowserContext> {
  const context = await browser.newContext({ locale: options.language === 'ja' ? 'ja-JP' : 'en-GB', viewport: viewports[options.viewport ?? 'desktop'] });
  // The faces keep the chosen language in this browser; start each context in the one asked for.
  await context.addInitScript({ content: `localStorage.setItem('mykey.language', ${JSON.stringify(options.language)});` });
  return context;
}

export interface AxeFinding {
  id: string;
  impact: string | null | undefined;
  help: string;
  nodes: number;
}

/** The serious and critical axe-core violations of the page as it is now (WCAG 2.x A and AA rules). */
export async function seriousViolations(page: Page): Promise<AxeFinding[]> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => ({ id: violation.id, impact: violation.impact, help: violation.help, nodes: violation.nodes.length }));
}

/** Every page a test visits: a full-page screenshot (named after the test and the step) and an axe check. */
export async function checkPage(page: Page, name: string): Promise<string> {
  await page.waitForLoadState('networkidle').catch(() => undefined);
  const path = join(screenshotDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  const violations = await seriousViolations(page);
  assert.deepStrictEqual(violations, [], `${name}: axe-core found serious or critical violations`);
  return path;
}
