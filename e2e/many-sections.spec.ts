import { expect, test } from '@playwright/test';
import { col, dropFile, expectOpened, fixtureBytes, sectionsTable, statusLine, tableRows } from './open-file.ts';

// Synthetic, built here: the real q35 device-state header, its real timer section repeated 20,000
// times (QEMU's loader accepts repeated sections, format.md §2.6), then EOF. It stands in for a
// stream with very many records, such as a migration with thousands of RAM iterations.
const COPIES = 20_000;

function manySections(): Buffer {
  const dev = fixtureBytes('q35-devstate.bin');
  const name = Buffer.from('timer', 'latin1');
  const at = dev.indexOf(name) - 6;
  // The timer FULL record (header, data, footer) ends where the next one, slirp, starts.
  const next = dev.indexOf(Buffer.from('slirp', 'latin1')) - 6;
  const rec = dev.subarray(at, next);
  return Buffer.concat([dev.subarray(0, 8), ...Array.from({ length: COPIES }, () => rec), Buffer.of(0)]);
}

test('twenty thousand sections: the table renders only rows in view and still navigates', async ({ page }) => {
  await page.goto('/');
  const file = manySections();
  await dropFile(page, 'many.bin', file);
  await expectOpened(page, 'many.bin');
  await expect(page.locator('.sections .count')).toHaveText(`${COPIES + 2} records`);
  const rendered = await sectionsTable(page).locator('tbody tr:not(.spacer)').count();
  expect(rendered).toBeLessThan(150);

  await sectionsTable(page).locator('tbody tr').nth(1).click();
  await page.keyboard.press('End');
  const last = sectionsTable(page).getByRole('row', { selected: true });
  await expect(last).toHaveText(/^EOF/);
  await expect(last).toBeInViewport();
  await expect(last).toBeFocused();
  await expect(statusLine(page)).toHaveText(`0x${(file.length - 1).toString(16)} (1 byte) eof`);
  await page.keyboard.press('ArrowUp');
  const prev = sectionsTable(page).getByRole('row', { selected: true });
  await expect(prev).toBeInViewport();
  const rows = await tableRows(page);
  const shown = rows.find((r) => r[col('Type')] === 'FULL' && parseInt(r[col('Offset')], 16) === file.length - 1 - (file.length - 9) / COPIES);
  expect(shown).toBeDefined();
});
