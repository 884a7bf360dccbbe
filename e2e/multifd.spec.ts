import { expect, test } from '@playwright/test';
import { expectOpened, fixturePath, openByInput, sectionsTable } from './open-file.ts';

// A multifd channel recording (QEMU 10.0, scripts/make-fixtures-qemu10.mjs) opens on its own: its
// init record and packets in the table, the pages its packets list as a RAM page index.
test('a multifd channel file shows its init record, its packets and their pages', async ({ page }) => {
  await page.goto('/');
  await openByInput(page, fixturePath('qemu10/pc-multifd-channel0.bin'));
  await expectOpened(page, 'pc-multifd-channel0.bin');
  await expect(page.locator('.file-info')).toContainText('multifd-channel');
  const rows = sectionsTable(page).getByRole('row');
  await expect(rows.filter({ hasText: 'multifd-init' })).toHaveCount(1);
  await expect(rows.filter({ hasText: 'multifd-packet' })).toHaveCount(39);
  await expect(page.getByText(/Not a QEMU migration stream/)).toHaveCount(0);
  // The third packet (0xac0) carries 4 normal and 124 zero pages of pc.ram.
  await rows.filter({ hasText: '0xac0' }).click();
  const ram = page.getByRole('region', { name: 'RAM blocks' });
  await expect(ram.getByRole('listitem').filter({ hasText: 'pc.ram' })).toBeVisible();
});
