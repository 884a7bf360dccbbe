import { expect, test } from '@playwright/test';
import { col, dropFile, expectOpened, sectionsTable, tableRows } from './open-file.ts';

// Synthetic, built here: a QEVM v3 stream with one FULL section whose idstr is markup, 4 bytes of
// data and its footer, then EOF (format.md §1, §2.1). Names in a state file are attacker-chosen.
const IDSTR = '<img src=x onerror="window.__pwned=1">';

function hostile(): Buffer {
  const id = Buffer.from(IDSTR, 'latin1');
  const be32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  return Buffer.concat([
    Buffer.from('QEVM', 'latin1'), be32(3),
    Buffer.of(0x04), be32(1), Buffer.of(id.length), id, be32(0), be32(1), Buffer.from('ABCD'), Buffer.of(0x7e), be32(1),
    Buffer.of(0x00),
  ]);
}

test('names from the file are shown as text, never as markup', async ({ page }) => {
  await page.goto('/');
  await dropFile(page, 'hostile.bin', hostile());
  await expectOpened(page, 'hostile.bin');
  const rows = await tableRows(page);
  expect(rows.map((r) => r[col('Device')])).toContain(IDSTR);
  await sectionsTable(page).getByRole('row', { name: /FULL 1/ }).click();
  await expect(page.getByRole('heading', { name: `${IDSTR} (0)` })).toBeVisible();
  await page.getByLabel('Search fields').fill('img');
  await expect(page.getByRole('list', { name: 'Search results' })).toContainText(IDSTR);
  expect(await page.locator('img').count()).toBe(0);
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
});
