import { expect, test } from '@playwright/test';
import { col, dropFile, expectOpened, fixtureBytes, sectionsTable, statusLine } from './open-file.ts';

// Synthetic, built here: the real q35 device-state header, its real timer section repeated 20,000
// times (QEMU's loader accepts repeated sections, format.md §2.6), then EOF. It stands in for a
// stream with very many records, such as a migration with thousands of RAM iterations.
const COPIES = 20_000;

/** The timer FULL record (header, data, footer) of q35-devstate.bin: it ends where slirp's starts. */
function timerRecord(): Buffer {
  const dev = fixtureBytes('q35-devstate.bin');
  const at = dev.indexOf(Buffer.from('timer', 'latin1')) - 6;
  const next = dev.indexOf(Buffer.from('slirp', 'latin1')) - 6;
  return dev.subarray(at, next);
}

function manySections(): Buffer {
  const dev = fixtureBytes('q35-devstate.bin');
  const rec = timerRecord();
  return Buffer.concat([dev.subarray(0, 8), ...Array.from({ length: COPIES }, () => rec), Buffer.of(0)]);
}

test('twenty thousand sections: the table renders only rows in view and still navigates', async ({ page }) => {
  test.setTimeout(150_000);
  await page.goto('/');
  const file = manySections();
  await dropFile(page, 'many.bin', file);
  // 20,000 records take seconds to scan on a loaded machine (load 20 on 2 cores: over 10 s).
  await expect(page.getByRole('progressbar', { name: 'Scanning many.bin' })).toBeHidden({ timeout: 90_000 });
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
  // The previous record is the last timer copy; its cells as the bytes built above say (header:
  // type 04, be32 section id, counted idstr, be32 instance, be32 version).
  const rec = timerRecord();
  const expected = {
    Type: 'FULL', 'Section ID': String(rec.readUInt32BE(1)), Device: 'timer',
    Instance: String(rec.readUInt32BE(6 + 'timer'.length)), Version: String(rec.readUInt32BE(10 + 'timer'.length)),
    Offset: `0x${(8 + (COPIES - 1) * rec.length).toString(16)}`, Size: rec.length.toLocaleString('en-US'),
  };
  const cells = await prev.locator('td').allTextContents();
  expect(Object.fromEntries(Object.keys(expected).map((k) => [k, cells[col(k as keyof typeof expected)]]))).toEqual(expected);
  const end = 8 + COPIES * rec.length - 1;
  await expect(statusLine(page)).toHaveText(`${expected.Offset}-0x${end.toString(16)} (${rec.length} bytes) timer (0)`);
});
