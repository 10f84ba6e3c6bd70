/**
 * Keyboard-only use of a page, as WCAG 2.1.1 (keyboard), 2.4.3 (focus order) and 2.4.7 (focus visible) ask: Tab
 * walks every control a pointer could use, in the order they are read, without a trap, and each shows where the
 * focus is. The page's code runs in the browser; this file is compiled without the DOM's types, so the scripts are
 * strings.
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';

/** What a control is, for messages: its tag, then its test id, label or text. */
const describeElement = `(el) => el === null || el === document.body ? 'body' :
  el.tagName.toLowerCase() + ':' + (el.dataset.testid || el.getAttribute('aria-label') || el.id || (el.textContent || '').trim().slice(0, 40))`;

/**
 * The controls a pointer could use, in document order: visible, enabled, not taken out of the tab order; of a
 * radio group only the one Tab stops at (the checked one, else the first: arrows move within the group). Each is
 * numbered in a data attribute, so that two links of the same text stay apart.
 */
const pointerControls = `(() => {
  const describe = ${describeElement};
  const selector = 'a[href], button, input, select, textarea, summary, [tabindex]';
  const groups = new Set();
  return [...document.querySelectorAll(selector)]
    .filter((el) => !el.disabled && el.getAttribute('tabindex') !== '-1' && el.type !== 'hidden')
    .filter((el) => { const box = el.getBoundingClientRect(); const style = getComputedStyle(el); return box.width > 0 && box.height > 0 && style.visibility !== 'hidden'; })
    .filter((el) => {
      if (el.type !== 'radio') return true;
      const checked = document.querySelector('input[type=radio][name="' + el.name + '"]:checked');
      if (checked !== null) return el === checked;
      if (groups.has(el.name)) return false;
      groups.add(el.name);
      return true;
    })
    .map((el, index) => { el.dataset.keyboardIndex = String(index); return index + ' ' + describe(el); });
})()`;

/** The focused control (numbered as above) and whether its focus can be seen (an outline or a box shadow). */
const focusedControl = `(() => {
  const el = document.activeElement;
  if (el === null || el === document.body) return { name: 'body', visible: true };
  const style = getComputedStyle(el);
  const visible = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none';
  return { name: (el.dataset.keyboardIndex ?? 'unlisted') + ' ' + (${describeElement})(el), visible };
})()`;

/**
 * Presses Tab until the focus has been on every control once and comes back to one it visited (it starts where the
 * focus last was, and wraps past the end to the top), and returns the controls in the order it visited them. Fails when a control is never reached, when the focus is stuck
 * (a trap), or when a focused control shows no focus indicator.
 */
export async function tabThroughPage(page: Page, label: string): Promise<string[]> {
  const expected = await settledControls(page);
  const visited: string[] = [];
  // A date or month field takes one Tab per part (year, month) before the focus leaves it.
  const partsPerControlMax = 4;
  let pressesOnLast = 0;
  for (let presses = 0; presses < (expected.length + 2) * partsPerControlMax; presses += 1) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate<{ name: string; visible: boolean }>(focusedControl);
    if (focused.name === 'body') continue; // past the last control: the next Tab starts again at the top
    if (focused.name === visited.at(-1)) {
      pressesOnLast += 1;
      assert.ok(pressesOnLast < partsPerControlMax, `${label}: the focus is trapped in ${focused.name}`);
      continue;
    }
    pressesOnLast = 0;
    if (visited.includes(focused.name)) break;
    assert.ok(focused.visible, `${label}: ${focused.name} has the focus but shows no focus indicator`);
    visited.push(focused.name);
  }
  const missed = expected.filter((name) => !visited.includes(name));
  assert.deepEqual(missed, [], `${label}: Tab never reaches these controls (visited: ${visited.join(', ')})`);
  return visited;
}

/** The numbered controls once the page has stopped rendering: two reads 250 ms apart that name the same ones. */
async function settledControls(page: Page): Promise<string[]> {
  let previous = await page.evaluate<string[]>(pointerControls);
  for (let reads = 0; reads < 20; reads += 1) {
    await page.waitForTimeout(250);
    const current = await page.evaluate<string[]>(pointerControls);
    if (current.join('\n') === previous.join('\n')) return current;
    previous = current;
  }
  assert.fail('the page kept changing its controls for 5 s');
}

/** Presses Tab until a control matching the CSS selector has the focus (at most `pressesMax` times), then Enter. */
export async function activateByKeyboard(page: Page, selector: string, pressesMax = 40): Promise<void> {
  const focusedMatches = `document.activeElement !== null && document.activeElement.matches(${JSON.stringify(selector)})`;
  for (let presses = 0; !(await page.evaluate<boolean>(focusedMatches)); presses += 1) {
    assert.ok(presses < pressesMax, `${selector} is reachable with Tab`);
    await page.keyboard.press('Tab');
  }
  await page.keyboard.press('Enter');
}
