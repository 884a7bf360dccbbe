// Session 10's leftovers of the first-time user's review (1280 x 800, Chromium): the last controls
// that were plain `disabled` (skipped by Tab, no reason) now say why through common/Refusable.tsx
// (multifd records' Previous/Next, the comparison's per-field boxes, the compat report's links);
// the hex view keeps the byte being edited at the end of the data in sight and Shift+arrows grow
// a range; an xl image's HVM context opens into view.

import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { seriousAxe } from './axe.ts';
import { dropFile, expectOpened, fixtureBytes, fixturePath, openByInput, sectionsTable, statusLine } from './open-file.ts';

test.use({ viewport: { width: 1280, height: 800 } });

const notice = (page: Page) => page.locator('.notice');

/** A refused control: focusable, its reason as description and shown on focus, and said on a press. */
async function expectRefused(page: Page, control: Locator, reason: string, key = 'Enter') {
  await control.focus();
  await expect(control).toBeFocused();
  await expect(control).toHaveAttribute('aria-disabled', 'true');
  await expect(control).toHaveAccessibleDescription(reason);
  await expect(page.locator(`[id="${await control.getAttribute('aria-describedby')}"]`)).toBeVisible();
  await page.keyboard.press(key);
  await expect(notice(page)).toContainText(`${reason}.`);
  // By the mouse: an open compat dialog must not cover the bar (it once hid Dismiss at 1280 px).
  await notice(page).getByRole('button', { name: 'Dismiss' }).click();
  await expect(notice(page)).toHaveCount(0);
}

test('a multifd channel\'s records: Previous and Next at the ends are reached by Tab and say why', async ({ page }) => {
  await page.goto('/');
  const dir = 'qemu10/';
  await page.getByLabel('Open state file').setInputFiles(['pc-multifd-main.bin', 'pc-multifd-channel0.bin', 'pc-multifd-channel1.bin'].map((f) => fixturePath(dir + f)));
  await expectOpened(page, 'pc-multifd-main.bin');
  const panel = page.getByRole('region', { name: 'Multifd channels' });
  await panel.getByRole('button', { name: 'Records' }).first().click();
  await expect(panel.getByText('Records 1–40 of 40.')).toBeVisible();
  const previous = panel.getByRole('button', { name: 'Previous' });
  await expectRefused(page, previous, 'These are the first records of pc-multifd-channel0.bin');
  // Tab goes on from Previous to Next: neither is skipped.
  await previous.focus();
  await page.keyboard.press('Tab');
  const next = panel.getByRole('button', { name: 'Next' });
  await expect(next).toBeFocused();
  await expectRefused(page, next, 'These are the last records of pc-multifd-channel0.bin', 'Space');
  await expect(panel.getByText('Records 1–40 of 40.')).toBeVisible();
  expect(await seriousAxe(page)).toEqual([]);
});

test('a field on one side only: its "take" box is reached, says why, and a press leaves it clear', async ({ page }) => {
  await page.goto('/');
  await openByInput(page, fixturePath('diff/cmos-before.bin'));
  await expectOpened(page, 'cmos-before.bin');
  await page.getByLabel('Compare with…').setInputFiles(fixturePath('diff/qemu10-devstate.bin'));
  const panel = page.getByRole('region', { name: 'Comparison' });
  await page.getByRole('table', { name: 'Sections compared' }).getByRole('button', { name: 'globalstate (0)' }).click();
  const box = panel.getByLabel('take vm_was_suspended', { exact: true });
  const reason = 'Only in the right file: the open file has no vm_was_suspended to take it into';
  await expectRefused(page, box, reason, 'Space');
  await expect(box).not.toBeChecked();
  // A mouse press too (forced: Playwright itself waits for an aria-disabled control to be enabled).
  await box.click({ force: true });
  await expect(box).not.toBeChecked();
  await expect(notice(page)).toContainText(`${reason}.`);
  await notice(page).getByRole('button', { name: 'Dismiss' }).click();
  await expect(panel.getByRole('button', { name: 'Take right values of 0 fields into left' })).toBeVisible();
  expect(await seriousAxe(page)).toEqual([]);

  // A field only in the left (open) file: hpet's num_timers, 7.2's name for 10.0's num_timers_save.
  await page.getByRole('table', { name: 'Sections compared' }).getByRole('button', { name: 'hpet (0)' }).click();
  await expectRefused(page, panel.getByLabel('take num_timers', { exact: true }), 'Only in the open (left) file: the right file has no num_timers to take', 'Space');
});

async function openCompat(page: Page, name: string) {
  await page.goto('/');
  await dropFile(page, name, gunzipSync(readFileSync(new URL(`../public/compat/${name}.gz`, import.meta.url))));
  await expectOpened(page, name);
}

async function check(page: Page, version: string) {
  await page.getByRole('button', { name: 'Check against QEMU…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Check against QEMU' });
  await dialog.getByLabel('QEMU version').selectOption(version);
  await dialog.getByLabel('Machine type (optional)').press('Enter');
  const report = dialog.getByRole('region', { name: 'Compatibility report' });
  await expect(report.locator('[data-verdict]')).toBeVisible();
  return { dialog, report };
}

test('the compat report links the configuration and a COMMAND too; a section gone since the check is refused with the reason', async ({ page }) => {
  // QEMU 10.0's stream into 7.2: the machine type (the configuration) and SWITCHOVER_START (a COMMAND) fail.
  await openCompat(page, 'q35-10.0-migration.bin');
  let { dialog, report } = await check(page, '7.2');
  await report.locator('.compat-first').getByRole('button', { name: 'configuration' }).click();
  await expect(dialog).toBeHidden();
  await expect(sectionsTable(page).getByRole('row', { selected: true })).toContainText('configuration');
  ({ dialog, report } = await check(page, '7.2'));
  await report.locator('.compat-findings').getByRole('button', { name: 'command' }).click();
  await expect(dialog).toBeHidden();
  await expect(sectionsTable(page).getByRole('row', { selected: true })).toContainText('SWITCHOVER_START');

  // A 7.2 device-state file into 10.0 fails at e1000e; renamed after the check, it has no record to show.
  await openCompat(page, 'pc-7.2-devstate.bin');
  ({ dialog, report } = await check(page, '10.0'));
  const link = report.locator('.compat-first').getByRole('button', { name: '0000:00:02.0/e1000e (0)' });
  await expect(link).not.toHaveAttribute('aria-disabled');
  await sectionsTable(page).getByRole('row').filter({ hasText: 'e1000e' }).first().click();
  // The non-modal dialog covers the button: reached by keyboard.
  await page.getByRole('button', { name: 'Edit header' }).focus();
  await page.keyboard.press('Enter');
  const form = page.getByRole('form', { name: /^Header of .*e1000e \(0\)$/ });
  await form.getByLabel('idstr').fill('renamed');
  await page.keyboard.press('Enter');
  await expect(form).toBeHidden();
  await expect(report).toContainText('checked before the latest edit');
  await expectRefused(page, link, '0000:00:02.0/e1000e (0) is not in the open file now: it changed since this check; check again');
  await expect(dialog).toBeVisible();
  expect(await seriousAxe(page, '.compat-dialog')).toEqual([]);
});

/** True if the element lies wholly inside `box` (the viewport's client rectangle). */
async function inside(el: Locator, box: Locator): Promise<boolean> {
  const [a, b] = [await el.boundingBox(), await box.boundingBox()];
  return !!a && !!b && a.y >= b.y && a.y + a.height <= b.y + b.height;
}

/**
 * `el` inside `box` once the page has drawn its next frame. A change that makes the hex view
 * shorter (the bar, its alert) is in the DOM a moment before the frame whose ResizeObserver
 * shortens the view and re-reveals the caret (useHexViewport), and a bounding box read in that
 * moment forces a layout that is never painted: a one-shot check there failed 2 runs in 50.
 */
async function insideAfterFrame(page: Page, el: Locator, box: Locator): Promise<boolean> {
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  return inside(el, box);
}

async function openAtEnd(page: Page) {
  await page.goto('/');
  await openByInput(page, fixturePath('pc-devstate.bin'));
  await expectOpened(page, 'pc-devstate.bin');
  const last = fixtureBytes('pc-devstate.bin').length - 1;
  const hexView = page.locator('#hex-viewport');
  const cell = page.locator(`.hb[data-offset="${last}"]`);
  await hexView.focus();
  await page.keyboard.press('Control+End');
  await expect(cell).toHaveClass(/caret/);
  expect(await inside(cell, hexView)).toBe(true);
  return { last, hexView, cell };
}

for (const viewport of [{ width: 1280, height: 800 }, { width: 1920, height: 1080 }]) {
  test(`the last byte of the file, edited (${viewport.width}x${viewport.height}): it stays in sight above the overwrite bar and its refusal`, async ({ page }) => {
    await page.setViewportSize(viewport);
    const { hexView, cell } = await openAtEnd(page);
    // A typed digit opens the overwrite bar under the rows: the view is shorter, the byte still shown.
    await page.keyboard.press('a');
    const bar = page.getByRole('form', { name: 'Overwrite bytes' });
    await expect(bar).toBeVisible();
    await expect(cell).toHaveClass(/caret/);
    expect(await insideAfterFrame(page, cell, hexView)).toBe(true);
    // Two bytes at the last one: refused with the reason, and the byte still in sight above it.
    await page.keyboard.type('a bb');
    await page.keyboard.press('Enter');
    await expect(bar.getByRole('alert')).toContainText('not inside the file');
    expect(await insideAfterFrame(page, cell, hexView)).toBe(true);
    await page.keyboard.press('Escape');
    await expect(bar).toBeHidden();
    await expect(hexView).toBeFocused();
    expect(await insideAfterFrame(page, cell, hexView)).toBe(true);
    expect(await seriousAxe(page)).toEqual([]);
  });
}

test('Shift+arrows from the last byte grow the range step by step, the caret on its moving end', async ({ page }) => {
  const { last } = await openAtEnd(page);
  await page.keyboard.press('Shift+ArrowLeft');
  await page.keyboard.press('Shift+ArrowLeft');
  await expect(statusLine(page)).toContainText(`0x${(last - 2).toString(16)}-0x${last.toString(16)} (3 bytes)`);
  await expect(page.locator(`.hb[data-offset="${last - 2}"]`)).toHaveClass(/caret/);
  // Back towards the anchor (the last byte): the range shrinks; End without Shift leaves one byte.
  await page.keyboard.press('Shift+ArrowRight');
  await expect(statusLine(page)).toContainText(`0x${(last - 1).toString(16)}-0x${last.toString(16)} (2 bytes)`);
  await page.keyboard.press('End');
  await expect(statusLine(page)).toContainText(`0x${last.toString(16)} (1 byte)`);
});

test('an xl image\'s HVM context opens scrolled into view, its summary keeping the focus', async ({ page }) => {
  await page.goto('/');
  await dropFile(page, 'pc-xl.save', gunzipSync(fixtureBytes('xl/pc-xl.save.gz')));
  await expectOpened(page, 'pc-xl.save');
  const panel = page.getByRole('region', { name: 'Xen xl save image' });
  const summary = panel.locator('summary', { hasText: 'libxc HVM_CONTEXT' });
  await summary.focus();
  await page.keyboard.press('Enter');
  // The panel is 30% of the height: the summary at its top, the first fields under it.
  const magic = panel.getByRole('button', { name: 'Edit hvm HEADER (0)/magic' });
  await expect(magic).toBeVisible();
  await expect(async () => {
    expect(await inside(summary, panel)).toBe(true);
    expect(await inside(magic, panel)).toBe(true);
  }).toPass({ timeout: 5000 });
  await expect(summary).toBeFocused();
  expect(await seriousAxe(page)).toEqual([]);
});
