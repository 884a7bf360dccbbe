import { expect, test } from '@playwright/test';
import { expectOpened, fixtureBytes, fixturePath, openByInput, readDownload, sectionsTable } from './open-file.ts';

interface Manifest {
  fixtures: { file: string; ramPattern?: { file: string; guestPhysAddr: string } }[];
}

test('RAM sections list their blocks, picture their pages and download a block as raw bytes', async ({ page }) => {
  const manifest = JSON.parse(fixtureBytes('manifest.json').toString('utf8')) as Manifest;
  const { ramPattern } = manifest.fixtures.find((f) => f.file === 'pc-ram-migration.bin')!;
  const at = parseInt(ramPattern!.guestPhysAddr, 16);
  const pattern = fixtureBytes(ramPattern!.file);

  await page.goto('/');
  await openByInput(page, fixturePath('pc-ram-migration.bin'));
  await expectOpened(page, 'pc-ram-migration.bin');
  await sectionsTable(page).getByRole('row').filter({ hasText: 'START' }).click();
  const ram = page.getByRole('region', { name: 'RAM blocks' });
  const block = ram.getByRole('listitem').filter({ hasText: 'pc.ram' });
  await expect(block).toContainText('16 MiB');
  // QEMU loaded the pattern as 16 pages at 1 MiB; the rest of the 16 MiB guest was never written.
  await expect(block).toContainText('4,080 zero · 16 data · 0 other');
  await expect(ram.getByRole('img', { name: /^pc\.ram: 4080 zero, 16 data, 0 other pages; 1 page\(s\) per cell/ })).toBeVisible();
  await expect(ram.getByRole('listitem')).toHaveCount(6);

  const downloading = page.waitForEvent('download');
  await ram.getByRole('button', { name: 'Download pc.ram' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('pc.ram.raw');
  const image = await readDownload(download);
  expect(image.length).toBe(16 * 1024 * 1024);
  expect(image.subarray(at, at + pattern.length).equals(pattern)).toBe(true);
  expect(image.subarray(0, at).every((b) => b === 0)).toBe(true);
});
