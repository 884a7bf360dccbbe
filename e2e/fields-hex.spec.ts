import { expect, test, type Page } from '@playwright/test';
import { byteCell, col, expectOpened, fixturePath, openByInput, sectionsTable, statusLine, tableRows } from './open-file.ts';

const hex = (n: number) => `0x${n.toString(16)}`;

/** Opens the q35 migration stream and selects the cpu (0) section; returns its file offset. */
async function openCpu(page: Page): Promise<number> {
  await page.goto('/');
  await openByInput(page, fixturePath('q35-migration.bin'));
  await expectOpened(page, 'q35-migration.bin');
  const row = (await tableRows(page)).find((r) => r[col('Device')] === 'cpu' && r[col('Instance')] === '0')!;
  await sectionsTable(page).getByRole('row').filter({ hasText: row[col('Offset')] }).click();
  // START/FULL header: 0x04, be32 section id, counted idstr "cpu", be32 instance, be32 version.
  return parseInt(row[col('Offset')], 16) + 1 + 4 + 1 + 3 + 4 + 4;
}

const tree = (page: Page) => page.getByRole('tree', { name: 'Fields' });

test('selecting a field highlights exactly its bytes and the status line gives its range', async ({ page }) => {
  const regs = await openCpu(page);
  await expect(statusLine(page)).toContainText('cpu (0)');
  const regsItem = tree(page).getByRole('treeitem', { name: /^env\.regs = 16 elements/ });
  await regsItem.click();
  await page.keyboard.press('ArrowRight');
  await expect(regsItem).toHaveAttribute('aria-expanded', 'true');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  const from = regs + 8;
  await expect(statusLine(page)).toHaveText(`${hex(from)}-${hex(from + 7)} (8 bytes) cpu (0) / env.regs[1]`);
  await expect(tree(page).getByRole('treeitem', { selected: true })).toHaveAttribute('aria-label', /^\[1\] = /);
  for (let o = from - 1; o <= from + 8; o++) {
    const inside = o >= from && o < from + 8;
    await expect(byteCell(page, o)).toHaveClass(inside ? /\bsel\b/ : /^(?!.*\bsel\b)/);
  }
});

test('clicking a byte selects its field in the tree; hovering names it', async ({ page }) => {
  const regs = await openCpu(page);
  const eip = regs + 16 * 8; // env.eip follows the 16 general registers
  await byteCell(page, eip + 6).hover();
  await expect(page.locator('.hex-hover')).toHaveText(`${hex(eip + 6)}  cpu (0) / env.eip  uint64 = 0xfff0 (65520)`);
  await byteCell(page, eip + 6).click();
  await expect(statusLine(page)).toHaveText(`${hex(eip)}-${hex(eip + 7)} (8 bytes) cpu (0) / env.eip`);
  const selected = tree(page).getByRole('treeitem', { selected: true });
  await expect(selected).toHaveAttribute('aria-label', /^env\.eip = 0xfff0 \(65520\), [^,]+, 0x[0-9a-f]+$/);
  // The inspector reads the selected bytes: QEMU's reset EIP, big-endian as in the stream.
  const inspector = page.getByRole('region', { name: 'Data inspector' });
  await expect(inspector.getByRole('row', { name: /^u64/ })).toContainText('65520');
  await expect(inspector.getByRole('row', { name: /^u16/ })).toContainText('0');

  // An offset in another section selects that section.
  const apicRow = (await tableRows(page)).find((r) => r[col('Device')] === 'apic' && r[col('Instance')] === '0')!;
  await page.keyboard.press('Control+g');
  await page.getByLabel('Go to offset or field').fill(apicRow[col('Offset')]);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'apic (0)' })).toBeVisible();
  await expect(sectionsTable(page).getByRole('row', { selected: true })).toContainText('apic');
});

test('go to takes hex and decimal offsets and field paths', async ({ page }) => {
  await openCpu(page);
  await page.keyboard.press('Control+g');
  await page.getByLabel('Go to offset or field').fill('0x100');
  await page.keyboard.press('Enter');
  await expect(statusLine(page)).toContainText(/^0x[0-9a-f]+(-0x[0-9a-f]+)? \(\d+ bytes?\) ram \(0\)/);
  await expect(page.getByRole('region', { name: 'Hex' }).locator('.hex-off', { hasText: /^00000100$/ })).toBeVisible();

  await page.keyboard.press('Control+g');
  await page.getByLabel('Go to offset or field').fill('700000');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('region', { name: 'Hex' }).locator('.hex-off', { hasText: /^000aae60$/ })).toBeVisible();
  await expect(byteCell(page, 700000)).toHaveClass(/\bcaret\b/);

  await page.keyboard.press('Control+g');
  await page.getByLabel('Go to offset or field').fill('cpu (1) / env.eip');
  await page.keyboard.press('Enter');
  await expect(statusLine(page)).toHaveText(/\(8 bytes\) cpu \(1\) \/ env\.eip$/);
  await expect(page.getByRole('heading', { name: 'cpu (1)' })).toBeVisible();

  await page.keyboard.press('Control+g');
  await page.getByLabel('Go to offset or field').fill('0x99999999');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('alert')).toContainText('past the end of the file');
});

test('search finds fields by path and by value across sections', async ({ page }) => {
  await openCpu(page);
  await page.getByLabel('Search fields').fill('0xfff0');
  const results = page.getByRole('list', { name: 'Search results' });
  await expect(results.getByRole('button', { name: /cpu \(0\) \/ env\.eip/ })).toBeVisible();
  await results.getByRole('button', { name: /cpu \(1\) \/ env\.eip/ }).click();
  await expect(statusLine(page)).toHaveText(/cpu \(1\) \/ env\.eip$/);
  await page.getByLabel('Search fields').fill('segs[1].base');
  await expect(results.getByRole('listitem')).toHaveCount(2);
});

test('a 32768-element array opens in groups of 100', async ({ page }) => {
  await openCpu(page);
  await page.getByLabel('Filter sections').fill('e1000e');
  await sectionsTable(page).locator('tbody tr').first().click();
  const mac = tree(page).getByRole('treeitem', { name: /^core\.mac = 32768 elements/ });
  await mac.click();
  await page.keyboard.press('ArrowRight');
  const groups = tree(page).locator('[role="treeitem"][aria-level="2"]');
  await expect(groups).toHaveCount(328);
  await expect(groups.first()).toHaveAttribute('aria-label', '[0…99] = 100 elements');
  await expect(groups.last()).toHaveAttribute('aria-label', '[32700…32767] = 68 elements');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowRight');
  await expect(tree(page).locator('[role="treeitem"][aria-level="3"]')).toHaveCount(100);
  await expect(tree(page).locator('[role="treeitem"][aria-level="3"]').first()).toHaveAttribute('aria-setsize', '32768');
});

test('PageDown pressed faster than the page draws moves the caret page by page without a React error', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await openCpu(page);
  const viewport = page.locator('#hex-viewport');
  await viewport.focus();
  await page.keyboard.press('Control+Home');
  await expect(statusLine(page)).toHaveText(/^0x0 \(1 byte\)/);
  // "Bytes 0 to N of SIZE": N bytes are fully visible, the distance one PageDown moves the caret.
  const pageBytes = Number((await viewport.getAttribute('aria-label'))!.match(/^Bytes 0 to (\d+) of/)![1]);
  const presses = 300;
  // All presses in one task, with only microtasks between them (React draws each press in one):
  // nothing else gets to run in between, as when keys arrive faster than frames. Each press that
  // left a follow-up render behind counted as one more nested update, and React gave up at 50
  // with error #185.
  await viewport.evaluate(async (el, n) => {
    for (let i = 0; i < n; i++) {
      el.dispatchEvent(new KeyboardEvent('keydown', { key: 'PageDown', bubbles: true, cancelable: true }));
      for (let k = 0; k < 5; k++) await Promise.resolve();
    }
  }, presses);
  const caret = presses * pageBytes;
  await expect(statusLine(page)).toHaveText(new RegExp(`^${hex(caret)} `));
  await expect(byteCell(page, caret)).toHaveClass(/\bcaret\b/);
  await expect(byteCell(page, caret)).toBeVisible();
  expect(errors).toEqual([]);
});
