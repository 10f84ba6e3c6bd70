/**
 * Staff in a real browser: Chromium's virtual authenticator (the DevTools WebAuthn domain: a platform
 * authenticator with resident keys and user verification, answering at once, as a laptop's fingerprint reader
 * would) and the enrolment of a passkey from a one-time link, as a new staff member does it.
 */
import type { CDPSession, Page } from 'playwright-core';
import { checkPage } from './browser.js';

export interface VirtualAuthenticator {
  cdp: CDPSession;
  authenticatorId: string;
  /** How many passkeys it holds. */
  credentialCount(): Promise<number>;
}

export async function addVirtualAuthenticator(page: Page): Promise<VirtualAuthenticator> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  return {
    cdp,
    authenticatorId,
    credentialCount: async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials.length,
  };
}

/**
 * Opens the enrolment link, creates the passkey and waits for the console (signed in). With `screenshot`, the
 * enrolment page is saved and checked (axe) under that name.
 */
export async function enrolStaff(page: Page, enrolmentLink: string, screenshot?: string): Promise<void> {
  await page.goto(enrolmentLink);
  await page.getByTestId('staff-enrol').waitFor();
  if (screenshot !== undefined) await checkPage(page, screenshot);
  await page.getByTestId('staff-enrol').click();
  await page.getByTestId('session-bar').waitFor();
}

/** Signs in with the passkey the page's virtual authenticator holds. */
export async function signInStaff(page: Page): Promise<void> {
  await page.getByTestId('staff-sign-in').click();
  await page.getByTestId('session-bar').waitFor();
}
