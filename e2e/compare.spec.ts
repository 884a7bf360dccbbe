// The comparison in the page (issue #13): a second file chosen with "Compare with…" or dropped,
// sections aligned, fields left and right, bytes side by side, right values taken as an edit,
// the ignore list kept in this browser, the JSON export.
import { expect, test, type Page } from '@playwright/test';
import { editsPane } from './edit-helpers.ts';
import { dropFile, expectOpened, fixtureBytes, fixturePath, openByInput, readDownload, statusLine } from './open-file.ts';

const comparison = (page: Page) => page.getByRole('region', { name: 'Comparison' });
const sections = (page: Page) => page.getByRole('table', { name: 'Sections compared' });

test.beforeEach(async ({ page }) => {
  await page.goto('/');
});

test('compare the CMOS pair: one section changed, its two fields, bytes side by side, right values taken into the open file', async ({ page }) => {
  await openByInput(page, fixturePath('diff/cmos-before.bin'));
  await expectOpened(page, 'cmos-before.bin');
  await page.getByLabel('Compare with…').setInputFiles(fixturePath('diff/cmos-after.bin'));
  const panel = comparison(page);
  await expect(panel.getByRole('status').first()).toHaveText('1 changed, 0 version, 0 only left, 0 only right');
  // "Only changed" is on: the one changed section.
  await expect(sections(page).locator('tbody tr')).toHaveCount(1);
  await sections(page).getByRole('button', { name: 'mc146818rtc (0)' }).click();
  const fields = page.getByRole('table', { name: 'Fields of mc146818rtc (0) compared' });
  await expect(fields.locator('tbody tr')).toHaveText([/cmos_data\[63\]\s*0x00 \(0\)\s*0x5a \(90\)/, /cmos_index\s*0x00 \(0\)\s*0x3f \(63\)/]);
  // A difference selected: both files' bytes, and the open file's tree and hex view follow.
  await fields.getByText('cmos_data[63]').click();
  await expect(statusLine(page)).toContainText('cmos_data');
  const right = page.getByRole('figure', { name: 'Right' });
  await expect(right.locator('.hb.sel')).toHaveText('5a');
  await expect(page.getByRole('figure', { name: 'Left (open file)' }).locator('.hb.sel')).toHaveText('00');

  await panel.getByRole('button', { name: 'Take all right values of mc146818rtc (0)' }).click();
  await expect(panel.getByText('Taken into the open file')).toBeVisible();
  await expect(panel.getByRole('status').first()).toHaveText('same device state');
  await expect(editsPane(page)).toContainText('mc146818rtc (0)/cmos_data[63]');

  const [download] = await Promise.all([page.waitForEvent('download'), panel.getByRole('button', { name: 'Export JSON' }).click()]);
  expect(download.suggestedFilename()).toBe('cmos-before-vs-cmos-after.diff.json');
  const json = JSON.parse((await readDownload(download)).toString('utf8'));
  expect(json.equal).toBe(true);
});

test('a dropped stream against a device-state file of another QEMU run: RAM per block; the ignore list is kept in this browser', async ({ page }) => {
  await openByInput(page, fixturePath('diff/regs-1-migration.bin'));
  await expectOpened(page, 'regs-1-migration.bin');
  await dropFile(page, 'regs-2-migration.bin', fixtureBytes('diff/regs-2-migration.bin'), 'compare');
  const panel = comparison(page);
  await expect(panel.getByRole('region', { name: 'RAM compared' })).toContainText(/pc\.ram\s*\d+ of 8,192 pages differ/);
  await expect(panel.getByRole('img', { name: 'pc.ram: where pages differ' })).toBeVisible();
  // The built-in list hides the clocks: timer (0) is not listed as changed.
  await expect(sections(page).getByRole('button', { name: 'timer (0)' })).toHaveCount(0);
  await panel.getByText(/Ignored fields/).click();
  await panel.getByLabel(/one field path per line/).fill('cpu (0)');
  await panel.getByRole('button', { name: 'Apply' }).click();
  await expect(sections(page).getByRole('button', { name: 'timer (0)' })).toBeVisible();
  await expect(sections(page).getByRole('button', { name: 'cpu (0)' })).toHaveCount(0);
  expect(await page.evaluate(() => localStorage.getItem('vmstate-explorer.compare-ignore'))).toBe('["cpu (0)"]');

  await page.reload();
  await openByInput(page, fixturePath('diff/regs-1.bin'));
  await expectOpened(page, 'regs-1.bin');
  await page.getByLabel('Compare with…').setInputFiles(fixturePath('diff/regs-2.bin'));
  await expect(sections(page).getByRole('button', { name: 'timer (0)' })).toBeVisible();
  await expect(sections(page).getByRole('button', { name: 'cpu (0)' })).toHaveCount(0);
  await panel.getByRole('button', { name: 'Close comparison' }).click();
  await expect(panel).toHaveCount(0);
});

test('a description-less device-state file against a migration stream, and against a COLO buffer of the same guest', async ({ page }) => {
  await openByInput(page, fixturePath('diff/cmos-after.bin'));
  await expectOpened(page, 'cmos-after.bin');
  await page.getByLabel('Compare with…').setInputFiles(fixturePath('diff/cmos-after-migration.bin'));
  const panel = comparison(page);
  // The devices align (the RTC is the same); the stream's configuration and RAM are only right.
  // globalstate changed for real: xen-save-devices-state stores the runstate "running" whatever it
  // is (migration/savevm.c qmp_xen_save_devices_state: global_state_store_running()), the stream
  // of the paused (-S) guest says "prelaunch". hpet is the same: the libraries decode the left
  // one with QEMU 7.2's layout, as the stream's own description does (the CLI test covers a
  // section whose bytes agree under two layouts, with a 10.0 description supplied).
  await expect(panel.getByRole('status').first()).toHaveText(/^1 changed, 0 version, 0 only left, 2 only right/);
  await expect(sections(page).getByRole('button', { name: 'globalstate (0)' })).toBeVisible();
  await expect(sections(page).getByRole('button', { name: 'hpet (0)' })).toHaveCount(0);
  await expect(sections(page).getByRole('button', { name: 'configuration' })).toBeVisible();
  await expect(sections(page).getByRole('button', { name: 'ram (0)' })).toBeVisible();
  await expect(sections(page).getByRole('button', { name: 'mc146818rtc (0)' })).toHaveCount(0);
  await panel.getByLabel('Only changed').uncheck();
  await expect(sections(page).getByRole('row', { name: /mc146818rtc \(0\)\s*same/ })).toBeVisible();
  await expect(sections(page).getByRole('row', { name: /hpet \(0\)\s*same/ })).toBeVisible();
  await panel.getByRole('button', { name: 'Close comparison' }).click();

  // A COLO checkpoint buffer has no file header: every offset is 8 lower, the fields still align.
  await openByInput(page, fixturePath('diff/cmos-before.bin'));
  await expectOpened(page, 'cmos-before.bin');
  await page.getByLabel('Compare with…').setInputFiles(fixturePath('diff/cmos-after-colo.bin'));
  await expect(panel.getByRole('status').first()).toHaveText('1 changed, 0 version, 0 only left, 0 only right');
  await sections(page).getByRole('button', { name: 'mc146818rtc (0)' }).click();
  const fields = page.getByRole('table', { name: 'Fields of mc146818rtc (0) compared' });
  await expect(fields.locator('tbody tr')).toHaveText([/cmos_data\[63\]\s*0x00 \(0\)\s*0x5a \(90\)/, /cmos_index\s*0x00 \(0\)\s*0x3f \(63\)/]);
  await fields.getByText('cmos_index').click();
  // Each side's bytes with its own fields: the same field 8 bytes apart.
  const left = page.getByRole('figure', { name: 'Left (open file)' });
  const right = page.getByRole('figure', { name: 'Right' });
  await expect(left.locator('figcaption')).toContainText('0xf9a');
  await expect(right.locator('figcaption')).toContainText('0xf92');
  await expect(left.getByRole('list', { name: /fields in view/ })).toContainText('0xf9a cmos_index');
  await expect(right.getByRole('list', { name: /fields in view/ })).toContainText('0xf92 cmos_index');
  await expect(right.locator('.hb.sel')).toHaveText('3f');
  // A byte of another listed difference, picked on the right, selects it.
  await fields.getByText('cmos_data[63]').click();
  await expect(right.locator('.hb.sel')).toHaveText('5a');
  await right.locator('.hb[title="0xf92 mc146818rtc (0)/cmos_index"]').click();
  await expect(fields.getByRole('row', { selected: true })).toContainText('cmos_index');
  await expect(right.locator('.hb.sel')).toHaveText('3f');
});
