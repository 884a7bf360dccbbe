import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { seriousAxe } from './axe.ts';
import { dropFiles, expectOpened, fixturePath, sectionsTable } from './open-file.ts';

// A real QEMU 10.0 multifd migration (scripts/make-fixtures-qemu10.mjs): the main channel and its
// two channel files picked together. The RAM view then takes each page from the file that last
// wrote it (format/multifd-merge.ts; checked page by page against a real destination's RAM in
// src/format/multifd-merge.test.ts); files that do not belong are refused with the reason.
const dir = 'qemu10/';
const MAIN = 'pc-multifd-main.bin';
const CH = ['pc-multifd-channel0.bin', 'pc-multifd-channel1.bin'];

test('main channel and two channel files open together; a page of pc.bios comes from channel 1', async ({ page }) => {
  await page.goto('/');
  await page.getByLabel('Open state file').setInputFiles([CH[1], MAIN, CH[0]].map((f) => fixturePath(dir + f)));
  await expectOpened(page, MAIN);
  const panel = page.getByRole('region', { name: 'Multifd channels' });
  await expect(panel).toContainText(`${CH[0]}: channel 0, 39 packets`);
  await expect(panel).toContainText(`${CH[1]}: channel 1, 36 packets`);
  await expect(page.getByRole('alert')).toHaveCount(0);

  // The RAM START section: every page of pc.ram counted once over the three files.
  await sectionsTable(page).getByRole('row').filter({ hasText: '0x1b' }).first().click();
  const ram = page.getByRole('region', { name: 'RAM blocks' });
  await expect(ram).toContainText('and its 2 multifd channel file(s)');
  await expect(ram.getByRole('listitem').filter({ hasText: 'pc.ram' })).toContainText('8,188 zero · 4 data');

  // pc.bios page 0x3f000: sent in channel 1's packet at 0xa840 (packet_num 67), its bytes at 0xad80.
  const bios = ram.getByRole('listitem').filter({ has: page.getByText('pc.bios', { exact: true }) });
  await bios.getByLabel('Page of pc.bios').fill('0x3f000');
  await bios.getByRole('button', { name: 'Show page' }).click();
  const shown = ram.getByRole('region', { name: 'Page 63 of pc.bios' });
  await expect(shown).toContainText(`data page, last written in ${CH[1]} at 0xad80 (packet 0xa840, packet_num 67)`);
  await expect(shown.locator('pre')).toContainText('8d 42 0b 66 b9 b0 00 18');
  await expect(shown).toContainText('Read-only');

  // Channel 1's own records: its init record and packets.
  await panel.getByRole('button', { name: 'Records' }).nth(1).click();
  const records = panel.getByRole('table', { name: `Records of ${CH[1]}` });
  await expect(records.getByRole('row').filter({ hasText: 'multifd-init (channel 1)' })).toHaveCount(1);
  await expect(records.getByRole('row').filter({ hasText: '0xa840' })).toContainText('pc.bios');

  // The channels panel, its records and the page viewer pass axe as the other states do (a11y.spec.ts).
  expect(await seriousAxe(page)).toEqual([]);
});

test('files that do not belong are refused with the reason; the others join', async ({ page }) => {
  await page.goto('/');
  await page.getByLabel('Open state file').setInputFiles(fixturePath(dir + MAIN));
  await expectOpened(page, MAIN);
  const ch0 = readFileSync(fixturePath(dir + CH[0]));
  const otherUuid = Buffer.from(readFileSync(fixturePath(dir + CH[1])));
  otherUuid[8] ^= 0xff;
  await page.getByLabel('Add multifd channels…').setInputFiles([
    { name: CH[0], mimeType: 'application/octet-stream', buffer: ch0 },
    { name: 'copy-of-channel0.bin', mimeType: 'application/octet-stream', buffer: ch0 },
    { name: 'other-migration.bin', mimeType: 'application/octet-stream', buffer: otherUuid },
    { name: 'second-main.bin', mimeType: 'application/octet-stream', buffer: readFileSync(fixturePath(dir + MAIN)) },
  ]);
  const refused = page.getByRole('list', { name: 'Files not added' });
  await expect(refused).toContainText(`copy-of-channel0.bin: channel id 0 is already ${CH[0]}`);
  await expect(refused).toContainText('other-migration.bin: another migration: its UUID ff');
  await expect(refused).toContainText('second-main.bin: a second main channel');
  await expect(page.locator('.notice, [role="alert"]').filter({ hasText: 'Not added beside' }).first()).toBeVisible();
  await expect(page.getByRole('region', { name: 'Multifd channels' })).toContainText(`${CH[0]}: channel 0`);
});

test('dropped together they open together; several files dropped on "description" are refused, not dropped', async ({ page }) => {
  await page.goto('/');
  await dropFiles(page, [CH[0], MAIN, CH[1]].map((name) => ({ name, bytes: readFileSync(fixturePath(dir + name)) })));
  await expectOpened(page, MAIN);
  await expect(page.getByRole('region', { name: 'Multifd channels' })).toContainText(`${CH[1]}: channel 1`);
  await dropFiles(page, CH.map((name) => ({ name, bytes: readFileSync(fixturePath(dir + name)) })), 'description');
  await expect(page.getByRole('alert')).toContainText(`2 files dropped on "use as the description", which takes one: nothing was done with ${CH[0]}, ${CH[1]}.`);
  await expect(page.locator('.file-info strong')).toHaveText(MAIN);
});

// A running guest (scripts/guests/x86-dirty.S) rewrote pc.ram page 0x10000 while it migrated: sent
// in channel 0 (packet_num 3, pass 1) and again in channel 1 (packet_num 75); the page viewer shows
// the later one, which the real destination kept (multifd-dirty/pc-multifd-dirty-dest-ram.json).
test('a page sent twice is shown from its last write, in the other channel', async ({ page }) => {
  const sub = `${dir}multifd-dirty/`;
  await page.goto('/');
  await page.getByLabel('Open state file').setInputFiles(['pc-multifd-dirty-main.bin', 'pc-multifd-dirty-channel0.bin', 'pc-multifd-dirty-channel1.bin'].map((f) => fixturePath(sub + f)));
  await expectOpened(page, 'pc-multifd-dirty-main.bin');
  await expect(page.getByRole('region', { name: 'Multifd channels' })).toContainText('overwritten by a later packet');
  await sectionsTable(page).getByRole('row').filter({ hasText: '0x1b' }).first().click();
  const ram = page.getByRole('region', { name: 'RAM blocks' }).getByRole('listitem').filter({ has: page.getByText('pc.ram', { exact: true }) });
  await ram.getByLabel('Page of pc.ram').fill('0x10000');
  await ram.getByRole('button', { name: 'Show page' }).click();
  const shown = ram.getByRole('region', { name: 'Page 16 of pc.ram' });
  await expect(shown).toContainText('data page, last written in pc-multifd-dirty-channel1.bin at 0xe240 (packet 0xdd00, packet_num 75)');
  await expect(shown.locator('pre')).toContainText('39 3a 01 00');
});
