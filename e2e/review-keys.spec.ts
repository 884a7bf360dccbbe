// Keyboard and small-window leftovers of the session 9 review: a refused toolbar action, and a
// refused control elsewhere (the comparison's), reached and refused from the keyboard with its
// reason; a 0-byte file's hex view; the Problems pane at 1280 x 800; the field tree's selection
// following the arrow keys.

import { expect, test, type Page } from '@playwright/test';
import { seriousAxe } from './axe.ts';
import { REG0, tree } from './edit-helpers.ts';
import { dropFile, expectOpened, fixtureBytes, fixturePath, openByInput, sectionsTable, statusLine } from './open-file.ts';

test.use({ viewport: { width: 1280, height: 800 } });

const notice = (page: Page) => page.locator('.notice');

test('a refused toolbar action is reached by Tab, describes its reason, shows it on focus, and a press says it', async ({ page }) => {
  await page.goto('/');
  await page.getByLabel('Open state file').focus();
  // Every toolbar control is in the Tab order, refused or not.
  await page.keyboard.press('Tab');
  const describe = page.getByLabel('Open description');
  await expect(describe).toBeFocused();
  await expect(describe).toHaveAccessibleDescription('Open a state file first: a description decodes the open file');
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Open sample' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Compare with…')).toBeFocused();
  await page.keyboard.press('Tab');
  const goTo = page.getByRole('button', { name: 'Go to…' });
  await expect(goTo).toBeFocused();
  await expect(goTo).toBeDisabled();
  await expect(goTo).toHaveAccessibleDescription('Open a file first');
  // Seen without a mouse: the reason shows under the focused control.
  const hint = page.locator(`[id="${await goTo.getAttribute('aria-describedby')}"]`);
  await expect(hint).toHaveText('Open a file first');
  expect((await hint.boundingBox())?.width ?? 0).toBeGreaterThan(40);
  expect(await seriousAxe(page)).toEqual([]);
  await page.keyboard.press('Enter');
  await expect(notice(page)).toContainText('Open a file first.');
  await expect(page.getByRole('dialog', { name: 'Go to' })).toBeHidden();

  // A refused file button opens no picker: the press says why instead.
  await page.locator('.notice').getByRole('button', { name: 'Dismiss' }).click();
  let picker = false;
  page.on('filechooser', () => (picker = true));
  await describe.focus();
  await page.keyboard.press('Space');
  await expect(notice(page)).toContainText('Open a state file first: a description decodes the open file.');
  expect(picker).toBe(false);

  // Once allowed, the same controls act as before.
  await openByInput(page, fixturePath('pc-devstate.bin'));
  await expectOpened(page, 'pc-devstate.bin');
  await expect(goTo).toBeEnabled();
  await expect(goTo).not.toHaveAttribute('aria-describedby');
  await goTo.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('dialog', { name: 'Go to' })).toBeVisible();
  await page.keyboard.press('Escape');
  const undo = page.getByRole('button', { name: 'Undo', exact: true });
  await expect(undo).toHaveAccessibleDescription('Nothing to undo');
  await undo.focus();
  await page.keyboard.press('Enter');
  await expect(notice(page)).toContainText('Nothing to undo.');
});

test('refused controls outside the toolbar (the comparison\'s) are reached by Tab, describe their reason, and Enter says it', async ({ page }) => {
  await page.goto('/');
  await openByInput(page, fixturePath('diff/cmos-before.bin'));
  await expectOpened(page, 'cmos-before.bin');
  await page.getByLabel('Compare with…').setInputFiles(fixturePath('diff/cmos-after.bin'));
  const panel = page.getByRole('region', { name: 'Comparison' });
  await expect(panel.getByRole('status').first()).toHaveText('1 changed, 0 version, 0 only left, 0 only right');
  await page.getByRole('table', { name: 'Sections compared' }).getByRole('button', { name: 'mc146818rtc (0)' }).click();

  // No field ticked: "Take right values of 0 fields" is refused, yet the next stop after the last box.
  await panel.getByLabel('take cmos_index').focus();
  await page.keyboard.press('Tab');
  const take = panel.getByRole('button', { name: 'Take right values of 0 fields into left' });
  await expect(take).toBeFocused();
  await expect(take).toBeDisabled();
  const noTick = 'No field is ticked: tick the fields whose right values to take';
  await expect(take).toHaveAccessibleDescription(noTick);
  await expect(page.locator(`[id="${await take.getAttribute('aria-describedby')}"]`)).toBeVisible();
  await page.keyboard.press('Enter');
  await expect(notice(page)).toContainText(`${noTick}.`);
  await expect(panel.getByText('Taken into the open file')).toHaveCount(0);

  // The ignore list unchanged: its Apply is refused, reached from the text by Tab.
  await panel.getByText(/^Ignored fields/).click();
  await panel.getByLabel(/^Timers and counters/).focus();
  await page.keyboard.press('Tab');
  const apply = panel.getByRole('button', { name: 'Apply', exact: true });
  await expect(apply).toBeFocused();
  await expect(apply).toHaveAccessibleDescription('The list is unchanged: edit it first');
  expect(await seriousAxe(page)).toEqual([]);
  await page.keyboard.press('Enter');
  await expect(notice(page)).toContainText('The list is unchanged: edit it first.');
  await expect(panel.getByRole('status').filter({ hasText: 'applied' })).toHaveCount(0);

  // Once allowed, the same controls act as before.
  await panel.getByLabel('take cmos_index').check();
  await expect(panel.getByRole('button', { name: 'Take right values of 1 field into left' })).not.toHaveAttribute('aria-describedby');
});

test('a 0-byte file\'s hex view says it has no bytes and Enter offers no editor', async ({ page }) => {
  await page.goto('/');
  await dropFile(page, 'empty.bin', new Uint8Array(0));
  await expectOpened(page, 'empty.bin');
  const hex = page.getByRole('region', { name: 'Hex' });
  await expect(hex).toContainText('This file has no bytes');
  await page.locator('#hex-viewport').focus();
  await page.keyboard.press('Enter');
  await page.keyboard.press('a');
  await expect(page.getByRole('form', { name: 'Overwrite bytes' })).toHaveCount(0);
  await expect(hex).toContainText('This file has no bytes');
  expect(await seriousAxe(page)).toEqual([]);
});

test('the arrow keys in the field tree move the selection with the focus: hex view and status line follow', async ({ page }) => {
  await page.goto('/');
  await openByInput(page, fixturePath('q35-devstate.bin'));
  await expectOpened(page, 'q35-devstate.bin');
  await page.keyboard.press('Control+g');
  await page.getByLabel('Go to offset or field').fill(REG0);
  await page.keyboard.press('Enter');
  const selected = tree(page).getByRole('treeitem', { selected: true });
  await expect(selected).toHaveAttribute('aria-label', /^\[0\] = /);
  await expect(statusLine(page)).toContainText('cpu (0) / env.regs[0]');
  await selected.focus();
  await page.keyboard.press('ArrowDown');
  await expect(selected).toHaveAttribute('aria-label', /^\[1\] = /);
  await expect(selected).toBeFocused();
  await expect(statusLine(page)).toContainText('cpu (0) / env.regs[1]');
  await page.keyboard.press('ArrowUp');
  await expect(statusLine(page)).toContainText('cpu (0) / env.regs[0]');
  await expect(sectionsTable(page).locator('tr.selected')).toContainText('cpu');
});

test('the chosen problem shows its whole message, wrapped in the pane and selectable', async ({ page }) => {
  const good = fixtureBytes('q35-migration.bin');
  await page.goto('/');
  await dropFile(page, 'cut.bin', good.subarray(0, Math.floor(good.length * 0.6)));
  await expectOpened(page, 'cut.bin');
  const problems = page.getByRole('region', { name: 'Problems' });
  const row = problems.getByRole('listitem').first();
  // One line a row: at 1280 px the message is cut (the case the review found).
  const message = (await row.locator('.problem-msg').textContent()) ?? '';
  expect(await row.locator('.problem-msg').evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
  await row.getByRole('button').click();
  const full = row.locator('.problem-full');
  await expect(full).toHaveText(message);
  expect(await full.evaluate((el) => el.scrollWidth <= el.clientWidth && getComputedStyle(el).userSelect !== 'none')).toBe(true);
  await expect(row.getByRole('button')).toHaveAttribute('aria-expanded', 'true');
  expect(await seriousAxe(page)).toEqual([]);
});

for (const colorScheme of ['light', 'dark'] as const) {
  test(`under a comparison of two libvirt images (${colorScheme}) the section list keeps at least four rows`, async ({ page }) => {
    await page.emulateMedia({ colorScheme });
    await page.goto('/');
    await openByInput(page, fixturePath('libvirt/gzip.sav'));
    await expectOpened(page, 'gzip.sav');
    await page.getByLabel('Compare with…').setInputFiles(fixturePath('libvirt/bzip2.sav'));
    await expect(page.getByRole('region', { name: 'Comparison' }).getByRole('status')).toContainText('1 changed');
    const sectionRows = await page.locator('.pane.sections .table-scroll').evaluate((el) => Math.floor((el.clientHeight - 34) / 21));
    expect(sectionRows).toBeGreaterThanOrEqual(4);
    const hexRows = await page.locator('.hex-viewport').evaluate((el) => Math.floor(el.clientHeight / 20));
    expect(hexRows).toBeGreaterThanOrEqual(4);
    expect(await seriousAxe(page)).toEqual([]);
  });
}
