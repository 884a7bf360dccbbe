// Defects found by a first-time user's walk through the page (session 9 review), each checked
// where it showed: keyboard focus after an editor closes, the file's own size beside the
// stream's, names of records that have no idstr, a damaged record's status when the Status
// column is scrolled away, and the Go to box keeping an old target that new typing appended to.

import { writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { seriousAxe } from './axe.ts';
import { dropFile, expectOpened, fixtureBytes, fixturePath, openByInput, sectionsTable, statusLine } from './open-file.ts';

test.use({ viewport: { width: 1280, height: 800 } });

test('closing the header editor with Escape gives the focus back to "Edit header"', async ({ page }) => {
  await page.goto('/');
  await openByInput(page, fixturePath('q35-devstate.bin'));
  await expectOpened(page, 'q35-devstate.bin');
  await sectionsTable(page).locator('tr').filter({ has: page.locator('td.c-device', { hasText: /^mc146818rtc$/ }) }).click();
  const open = page.getByRole('button', { name: 'Edit header' });
  await open.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('form', { name: /Header of mc146818rtc/ }).getByLabel('idstr')).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(open).toBeFocused();
  // Cancel too.
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(open).toBeFocused();
});

test('the XML editor takes the focus, Escape cancels it, and the focus returns to "Edit XML"', async ({ page }) => {
  await page.goto('/');
  await openByInput(page, fixturePath('libvirt/gzip.sav'));
  await expectOpened(page, 'gzip.sav');
  const panel = page.getByRole('region', { name: 'libvirt save image' });
  const edit = panel.getByRole('button', { name: 'Edit XML' });
  await edit.click();
  const area = panel.getByLabel('Edit domain XML');
  await expect(area).toBeFocused();
  expect(await seriousAxe(page, '.xml-block')).toEqual([]);
  await page.keyboard.press('Escape');
  await expect(area).toHaveCount(0);
  await expect(edit).toBeFocused();
  // The toggle is named by its field, not only by its state's words.
  await expect(panel.getByRole('checkbox', { name: /^was_running: false/ })).toBeVisible();
});

test('a container file shows its own size and, named apart, its stream\'s', async ({ page }) => {
  await page.goto('/');
  await openByInput(page, fixturePath('libvirt/gzip.sav'));
  await expectOpened(page, 'gzip.sav');
  const size = fixtureBytes('libvirt/gzip.sav').length.toLocaleString('en-US');
  await expect(page.locator('.file-info')).toContainText(`gzip.sav · ${size} bytes libvirt save image · gzip stream 302,021 bytes`);
});

test('records without an idstr are named in the Device column (commands of a postcopy stream)', async ({ page }) => {
  await page.goto('/');
  await openByInput(page, fixturePath('qemu10/pc-postcopy-main.bin'));
  await expectOpened(page, 'pc-postcopy-main.bin');
  const devices = await sectionsTable(page).locator('td.c-device').allTextContents();
  for (const name of ['configuration', 'OPEN_RETURN_PATH', 'POSTCOPY_ADVISE', 'PACKAGED', 'POSTCOPY_LISTEN']) expect(devices).toContain(name);
});

test('a damaged record shows its status in its Type cell when the Status column is out of view', async ({ page }) => {
  // A device-state file cut in its second CPU: the Status column of a 1280 px window is scrolled away.
  const cut = join(tmpdir(), `review-cut-${process.pid}.bin`);
  writeFileSync(cut, fixtureBytes('q35-devstate.bin').subarray(0, 3000));
  await page.goto('/');
  await openByInput(page, cut);
  await expectOpened(page, cut.split('/').pop()!);
  const type = sectionsTable(page).locator('td.c-type', { hasText: 'damaged' });
  await expect(type).toHaveClass(/st-error/);
  await expect(type).toHaveAttribute('title', /^damaged: error \(Missing section footer/);
  const ok = sectionsTable(page).locator('td.c-type', { hasText: 'header' });
  const [bad, good] = await Promise.all([type.evaluate((e) => getComputedStyle(e).color), ok.evaluate((e) => getComputedStyle(e).color)]);
  expect(bad).not.toBe(good);
});

test('Go to opens with the last target selected: typing replaces it', async ({ page }) => {
  await page.goto('/');
  await openByInput(page, fixturePath('q35-devstate.bin'));
  await expectOpened(page, 'q35-devstate.bin');
  await page.keyboard.press('Control+g');
  await page.keyboard.type('0x60b7');
  await page.keyboard.press('Enter');
  await expect(statusLine(page)).toContainText('0x60b7');
  await page.keyboard.press('Control+g');
  await page.keyboard.type('0x8');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('dialog', { name: 'Go to' })).toBeHidden();
  await expect(statusLine(page)).toContainText('timer');
});

test('a libvirt image at 1280 x 800 leaves the section list room for at least ten rows', async ({ page }) => {
  await page.goto('/');
  await openByInput(page, fixturePath('libvirt/raw.sav'));
  await expectOpened(page, 'raw.sav');
  const rows = await page.locator('.pane.sections .table-scroll').evaluate((el) => Math.floor((el.clientHeight - 34) / 21));
  expect(rows).toBeGreaterThanOrEqual(10);
});

test('comparing with a file that is not a stream says so, and the explorer under the comparison keeps its hex rows', async ({ page }) => {
  await page.goto('/');
  await openByInput(page, fixturePath('pc-devstate.bin'));
  await expectOpened(page, 'pc-devstate.bin');
  await dropFile(page, 'random.bin', Uint8Array.from({ length: 5000 }, (_, i) => (i * 151 + 77) & 0xff), 'compare');
  const panel = page.getByRole('region', { name: 'Comparison' });
  await expect(panel.getByRole('alert')).toContainText('random.bin: error at 0x0 (0): Not a QEMU migration stream');
  await expect(panel).toContainText('53 only left');
  const hexRows = await page.locator('.hex-viewport').evaluate((el) => Math.floor(el.clientHeight / 20));
  expect(hexRows).toBeGreaterThanOrEqual(4);
  const sectionRows = await page.locator('.pane.sections .table-scroll').evaluate((el) => Math.floor((el.clientHeight - 34) / 21));
  expect(sectionRows).toBeGreaterThanOrEqual(4);
  // The panes that scroll there (the inspector) can be reached by keyboard: axe's serious rules pass.
  expect(await seriousAxe(page)).toEqual([]);
});

test('the sample menu answers the menu keys: arrows move, Escape closes back to its button', async ({ page }) => {
  await page.goto('/');
  const button = page.getByRole('button', { name: 'Open sample' });
  await button.focus();
  await page.keyboard.press('Enter');
  const items = page.getByRole('menu', { name: 'Samples' }).getByRole('menuitem');
  await expect(items.first()).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(items.nth(1)).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(items.first()).toBeFocused();
  await page.keyboard.press('End');
  await expect(items.last()).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(items).toHaveCount(0);
  await expect(button).toBeFocused();
});

test('a qcow2 image\'s line names its snapshot once, beside the image\'s size and the VM state\'s', async ({ page }) => {
  const image = join(tmpdir(), `review-${process.pid}.qcow2`);
  writeFileSync(image, gunzipSync(fixtureBytes('qcow2/pc-v3.qcow2.gz')));
  await page.goto('/');
  await openByInput(page, image);
  await expectOpened(page, image.split('/').pop()!);
  const line = page.locator('.file-info');
  await expect(line).toContainText(`· snapshot "after" (id 2) · 1.4 MiB qcow2 image · VM state 387,381 bytes ·`);
  expect(((await line.textContent()) ?? '').match(/snapshot "after"/g)).toHaveLength(1);
});

test('opening another qcow2 snapshot from the keyboard leaves the focus in the snapshot list', async ({ page }) => {
  const image = join(tmpdir(), `review-keys-${process.pid}.qcow2`);
  writeFileSync(image, gunzipSync(fixtureBytes('qcow2/pc-v3.qcow2.gz')));
  await page.goto('/');
  await openByInput(page, image);
  await expectOpened(page, image.split('/').pop()!);
  await page.getByRole('button', { name: 'Open snapshot before' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('.file-info')).toContainText('snapshot "before" (id 1)');
  await expect(page.locator('.app')).toHaveAttribute('data-open-state', 'done');
  await expect(page.getByRole('table', { name: 'Snapshots' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Open snapshot after' })).toBeFocused();
});

test('an HVM field editor takes the focus and gives it back to its "edit" button (Escape, then Enter)', async ({ page }) => {
  await page.goto('/');
  await dropFile(page, 'pc-xl.save', gunzipSync(fixtureBytes('xl/pc-xl.save.gz')));
  await expectOpened(page, 'pc-xl.save');
  const panel = page.getByRole('region', { name: 'Xen xl save image' });
  await panel.locator('summary', { hasText: 'libxc HVM_CONTEXT' }).click();
  const edit = panel.getByRole('button', { name: 'Edit hvm CPU (0)/rax' });
  await edit.focus();
  await page.keyboard.press('Enter');
  const input = panel.getByLabel('New value of hvm CPU (0)/rax');
  await expect(input).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(edit).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(input).toBeFocused();
  await page.keyboard.press('Control+a');
  await page.keyboard.type('0x100');
  await page.keyboard.press('Enter');
  await expect(panel).toContainText('rax = 0x100');
  await expect(edit).toBeFocused();
});

test('"Add multifd channels…" is offered for a multifd main channel only, so the toolbar keeps one row of buttons at 1280 px', async ({ page }) => {
  await page.goto('/');
  await openByInput(page, fixturePath('libvirt/raw.sav'));
  await expectOpened(page, 'raw.sav');
  await expect(page.getByLabel('Add multifd channels…')).toHaveCount(0);
  const rows = await page.locator('.toolbar > :not(.file-info):not(h1)').evaluateAll((els) => new Set(els.map((e) => Math.round(e.getBoundingClientRect().top))).size);
  expect(rows).toBe(1);
  await openByInput(page, fixturePath('qemu10/pc-multifd-main.bin'));
  await expectOpened(page, 'pc-multifd-main.bin');
  await expect(page.getByLabel('Add multifd channels…')).toHaveCount(1);
});
