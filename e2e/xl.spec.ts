// Xen xl save images in the page (issue 14): dropped as a file, the device state inside the
// EMULATOR_CONTEXT record decodes as sections, the libxl/libxc records are listed with the domain
// configuration as text and the HVM context's vCPU registers as fields.
import { expect, test } from '@playwright/test';
import { gunzipSync } from 'node:zlib';
import { editsPane } from './edit-helpers.ts';
import { dropFile, expectOpened, fixtureBytes, readDownload, sectionsTable } from './open-file.ts';

test('an xl save image shows its Xen records, the HVM vCPU registers and the QEMU device state', async ({ page }) => {
  await page.goto('/');
  await dropFile(page, 'pc-xl.save', gunzipSync(fixtureBytes('xl/pc-xl.save.gz')));
  await expectOpened(page, 'pc-xl.save');
  const panel = page.getByRole('region', { name: 'Xen xl save image' });
  await expect(panel.getByRole('cell', { name: 'libxc HVM_CONTEXT' })).toBeVisible();
  await expect(panel.getByRole('cell', { name: 'QEMU device state (xen-save-devices-state)' })).toBeVisible();
  await expect(panel).toContainText('file offset = stream offset + 0x367b');
  await panel.locator('summary', { hasText: 'domain configuration (JSON)' }).click();
  await expect(panel.locator('pre')).toContainText('"name":"vmstate-fixture"');
  await panel.locator('summary', { hasText: 'libxc HVM_CONTEXT' }).click();
  await expect(panel).toContainText('rbx = 0x1111000000000202');
  await expect(sectionsTable(page).getByRole('row').filter({ hasText: 'mc146818rtc' }).first()).toBeVisible();
});

test('an HVM register edited in the page is an ordinary edit: in the edit list, undone and redone, in the download', async ({ page }) => {
  test.setTimeout(90_000);
  await page.goto('/');
  const image = gunzipSync(fixtureBytes('xl/pc-xl.save.gz'));
  await dropFile(page, 'pc-xl.save', image);
  await expectOpened(page, 'pc-xl.save');
  const panel = page.getByRole('region', { name: 'Xen xl save image' });
  await panel.locator('summary', { hasText: 'libxc HVM_CONTEXT' }).click();
  await panel.getByRole('button', { name: 'Edit hvm CPU (0)/rax' }).click();
  await panel.getByLabel('New value of hvm CPU (0)/rax').fill('0x100');
  await panel.getByLabel('New value of hvm CPU (0)/rax').press('Enter');
  await expect(panel).toContainText('rax = 0x100 (256)');
  await panel.getByRole('button', { name: 'Edit hvm CPU (0)/rax' }).click();
  await panel.getByLabel('New value of hvm CPU (0)/rax').fill('0xdeadbeef');
  await panel.getByRole('button', { name: 'Set', exact: true }).click();
  await expect(panel).toContainText('rax = 0xdeadbeef');
  await expect(editsPane(page)).toContainText('set hvm CPU (0)/rax');
  await page.getByRole('button', { name: 'Undo', exact: true }).click();
  await expect(panel).toContainText('rax = 0x100 (256)');
  await page.getByRole('button', { name: 'Redo', exact: true }).click();
  await expect(panel).toContainText('rax = 0xdeadbeef');

  const pending = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download edited file' }).click();
  const out = await readDownload(await pending);
  expect(out.length).toBe(image.length);
  // Only rax's eight bytes differ (0x1111000000000101 in the fixture), little-endian as save.h has it.
  const differ = [...out].flatMap((b, i) => (b !== image[i] ? [i] : []));
  expect(image.readBigUInt64LE(differ[0])).toBe(0x1111000000000101n);
  expect(differ.at(-1)! - differ[0]).toBeLessThan(8);
  expect(out.readBigUInt64LE(differ[0])).toBe(0xdeadbeefn);
});
