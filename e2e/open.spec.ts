import { writeFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { col, dropFile, embeddedVmdesc, expectOpened, fixtureBytes, fixturePath, openByInput, sectionsTable, tableRows } from './open-file.ts';

test.beforeEach(async ({ page }) => {
  await page.goto('/');
});

test('the empty page says what to drop', async ({ page }) => {
  await expect(page.getByRole('heading', { name: /Drop a QEMU state file/ })).toBeVisible();
  await expect(page.getByText('no byte of them leaves your machine')).toBeVisible();
});

test('a device-state file dropped on the page lists every device QEMU saved, in order', async ({ page }) => {
  await dropFile(page, 'q35-devstate.bin', fixtureBytes('q35-devstate.bin'));
  await expectOpened(page, 'q35-devstate.bin');
  const rows = await tableRows(page);
  // The migration stream of the same VM lists its devices in its JSON description; the
  // device-state file holds the same FULL sections in the same order (format.md §2.6).
  const devices = embeddedVmdesc(fixtureBytes('q35-migration.bin')).devices.map((d) => `${d.name}/${d.instance_id}`);
  expect(rows.map((r) => r[col('Type')])).toEqual(['header', ...devices.map(() => 'FULL'), 'EOF']);
  expect(rows.slice(1, -1).map((r) => `${r[col('Device')]}/${r[col('Instance')]}`)).toEqual(devices);
  // No description inside a device-state file: the bundled libraries (fetched from /library) decode them,
  // the virtio states (whose length belongs to this VM) by their own layout: every section fits.
  for (const r of rows.slice(1, -1)) expect(`${r[col('Decoded by')]} ${r[col('Status')]}`).toMatch(/^bundled( · [\d.]+)? ok/);
});

test('a migration stream picked with the file input accounts for every byte', async ({ page }) => {
  const bytes = fixtureBytes('q35-migration.bin');
  await openByInput(page, fixturePath('q35-migration.bin'));
  await expectOpened(page, 'q35-migration.bin');
  const rows = await tableRows(page);
  // A record without an idstr names itself in the Device column, where its narrow Type is cut.
  expect(rows.slice(0, 5).map((r) => `${r[col('Type')]} ${r[col('Device')]}`.trim())).toEqual(['header', 'configuration configuration', 'START ram', 'PART ram', 'END ram']);
  expect(rows.slice(-2).map((r) => r[col('Type')])).toEqual(['EOF', 'vmdesc']);
  let next = 0;
  for (const r of rows) {
    expect(parseInt(r[col('Offset')], 16)).toBe(next);
    next += Number(r[col('Size')].replace(/,/g, ''));
  }
  expect(next).toBe(bytes.length);
  expect(rows.every((r) => r[col('Status')] === 'ok')).toBe(true);
  await expect(page.locator('.file-info')).toContainText('pc-q35-7.2');
});

test('the sample menu opens the real q35 device state decoded with its migration stream', async ({ page }) => {
  await page.getByRole('button', { name: 'Open sample' }).click();
  await page.getByRole('menuitem', { name: /q35 device state/ }).click();
  await expectOpened(page, 'q35-devstate.bin');
  await expect(page.locator('.file-info')).toContainText('described by q35-migration.bin');
  const rows = await tableRows(page);
  const sections = rows.filter((r) => r[col('Type')] === 'FULL');
  expect(sections.length).toBeGreaterThan(20);
  expect(sections.every((r) => r[col('Decoded by')] === 'supplied' && r[col('Status')] === 'ok')).toBe(true);
});

test('a description dropped on its target re-decodes the open file', async ({ page }) => {
  await openByInput(page, fixturePath('q35-devstate.bin'));
  await expectOpened(page, 'q35-devstate.bin');
  await expect(sectionsTable(page).getByRole('row', { name: /cpu_common/ }).first()).toContainText('bundled');
  await dropFile(page, 'q35-migration.bin', fixtureBytes('q35-migration.bin'), 'description');
  await expect(page.locator('.file-info')).toContainText('described by q35-migration.bin');
  await expect(sectionsTable(page).getByRole('row', { name: /cpu_common/ }).first()).toContainText('supplied');
});

test('sorting, filtering and arrow keys in the section table', async ({ page }) => {
  await openByInput(page, fixturePath('q35-migration.bin'));
  await expectOpened(page, 'q35-migration.bin');
  const table = sectionsTable(page);
  await table.getByRole('button', { name: 'Size' }).click();
  await table.getByRole('button', { name: 'Size' }).click();
  await expect(table.getByRole('columnheader', { name: 'Size' })).toHaveAttribute('aria-sort', 'descending');
  const sizes = (await tableRows(page)).map((r) => Number(r[col('Size')].replace(/,/g, '')));
  expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
  expect((await tableRows(page))[0][col('Type')]).toBe('PART');

  await page.getByLabel('Filter sections').fill('i8259');
  await expect(table.locator('tbody tr')).toHaveCount(2);
  await table.locator('tbody tr').first().click();
  await expect(table.locator('tbody tr').first()).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('ArrowDown');
  await expect(table.locator('tbody tr').nth(1)).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('heading', { name: 'i8259 (1)' })).toBeVisible();
  await page.keyboard.press('ArrowUp');
  await expect(page.getByRole('heading', { name: 'i8259 (0)' })).toBeVisible();
});

test('a JSON description picked with "Open description" decodes a device-state file; values copy', async ({ page, context }, info) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const json = info.outputPath('q35-vmdesc.json');
  writeFileSync(json, JSON.stringify(embeddedVmdesc(fixtureBytes('q35-migration.bin'))));
  await openByInput(page, fixturePath('q35-devstate.bin'));
  await expectOpened(page, 'q35-devstate.bin');
  await page.getByLabel('Open description').setInputFiles(json);
  await expect(page.locator('.file-info')).toContainText('described by q35-vmdesc.json');
  await sectionsTable(page).getByRole('row', { name: /^FULL \d+ cpu 0 / }).click();
  await page.getByRole('tree', { name: 'Fields' }).getByRole('treeitem', { name: /^env\.eip = / }).click();
  await page.getByRole('button', { name: 'Copy value of cpu (0)/env.eip' }).click();
  await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe('0xfff0');
  await page.getByRole('tree', { name: 'Fields' }).getByRole('treeitem', { name: /^env\.eflags = / }).focus();
  await page.keyboard.press('Control+c');
  await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe('0x2');
});
