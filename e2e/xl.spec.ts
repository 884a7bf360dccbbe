// Xen xl save images in the page (issue 14): dropped as a file, the device state inside the
// EMULATOR_CONTEXT record decodes as sections, the libxl/libxc records are listed with the domain
// configuration as text and the HVM context's vCPU registers as fields.
import { expect, test } from '@playwright/test';
import { gunzipSync } from 'node:zlib';
import { dropFile, expectOpened, fixtureBytes, sectionsTable } from './open-file.ts';

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
