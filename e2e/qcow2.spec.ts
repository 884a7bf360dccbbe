// qcow2 images in the page (issue 14): the snapshot list of a real QEMU 7.2 image
// (scripts/make-qcow2-fixtures.mjs), each snapshot with a VM state opened by click or keyboard
// and shown with the CMOS byte its manifest records, offsets in both coordinates checked against
// the image file's own bytes, the disk-only snapshot refused with its reason, and an edit in the
// snapshot chosen second downloaded in place and restored by real QEMU (`-loadvm`).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { afterLoadvm, qcow2Entry, qcow2Image, qemuImgCheck } from '../src/format/testing/qcow2-qemu.ts';
import { CMOS, editsPane, openEditor, REG0, setField } from './edit-helpers.ts';
import { byteCell, expectOpened, openByInput, readDownload, statusLine } from './open-file.ts';

const entry = qcow2Entry('pc-v3.qcow2');
const image = qcow2Image(entry);
const written = entry.cmos!.after!;
const dir = mkdtempSync(join(tmpdir(), 'vmstate-e2e-qcow2-'));
const imagePath = join(dir, 'pc-v3.qcow2');
writeFileSync(imagePath, image);
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

const panel = (page: Page) => page.getByRole('region', { name: /^qcow2 v3 disk image/ });
const snapshots = (page: Page) => page.getByRole('table', { name: 'Snapshots' });
const heading = (page: Page) => page.locator('.file-info');

/** Where the selection starts, in both coordinates, as the status line says. */
async function selectionAt(page: Page): Promise<{ state: number; host: number }> {
  const text = (await statusLine(page).textContent()) ?? '';
  const m = /^VM state 0x([0-9a-f]+).* · image file 0x([0-9a-f]+)$/.exec(text);
  if (!m) throw new Error(`status line "${text}"`);
  return { state: parseInt(m[1], 16), host: parseInt(m[2], 16) };
}

/** The CMOS byte the fixture script wrote, as the hex view shows it; its image-file offset must hold it. */
async function cmosByte(page: Page): Promise<number> {
  await page.keyboard.press('Control+g');
  await page.getByLabel('Go to offset or field').fill(CMOS);
  await page.keyboard.press('Enter');
  const data = await selectionAt(page);
  const cell = byteCell(page, data.state + written.index);
  // The hover line names the byte under the mouse in both coordinates.
  await cell.hover();
  const hover = (await page.locator('.hex-hover').textContent()) ?? '';
  const m = / · image file 0x([0-9a-f]+)$/.exec(hover);
  if (!m) throw new Error(`hover line "${hover}"`);
  const host = parseInt(m[1], 16);
  const shown = parseInt((await cell.textContent())!, 16);
  // The host offset the page gives is where the image file holds that very byte.
  expect(image[host], `image byte at 0x${host.toString(16)}`).toBe(shown);
  expect(data.host).toBe(host - written.index); // one cluster holds the whole field in this image
  return shown;
}

async function chosen(page: Page, name: string, id: string): Promise<void> {
  await expectOpened(page, 'pc-v3.qcow2');
  await expect(heading(page)).toContainText(`snapshot "${name}" (id ${id})`);
  await expect(snapshots(page).locator('tr[aria-current="true"]')).toContainText(name);
}

test('the snapshot list opens each VM state by click and keyboard; the CMOS byte differs as recorded; disk-only is refused', async ({ page }) => {
  test.setTimeout(90_000);
  await page.goto('/');
  await openByInput(page, imagePath);
  await chosen(page, 'after', '2');
  const rows = snapshots(page).locator('tbody tr');
  await expect(rows).toHaveCount(entry.snapshots.length);
  for (const [i, s] of entry.snapshots.entries()) {
    await expect(rows.nth(i)).toContainText(s.name);
    await expect(rows.nth(i).locator('td').first()).toHaveText(s.id);
  }
  await expect(rows.nth(2)).toContainText('disk only: no VM state');
  await expect(panel(page)).toContainText('image file offset');
  expect(await cmosByte(page)).toBe(written.value);

  await snapshots(page).getByRole('button', { name: 'Open snapshot before' }).click();
  await chosen(page, 'before', '1');
  expect(await cmosByte(page)).not.toBe(written.value);

  // The keyboard: Tab reaches the row's button, Enter presses it.
  await snapshots(page).getByRole('button', { name: 'Open snapshot after' }).focus();
  await page.keyboard.press('Enter');
  await chosen(page, 'after', '2');
  expect(await cmosByte(page)).toBe(written.value);

  // aria-disabled, not disabled: it stays focusable and a press says why.
  const diskOnly = snapshots(page).getByRole('button', { name: 'Open snapshot disk-only' });
  await expect(diskOnly).toHaveAttribute('title', /is disk-only: it holds no VM state/);
  await diskOnly.focus();
  await page.keyboard.press('Enter');
  await expect(panel(page).getByRole('alert')).toContainText('snapshot "disk-only" (id 3) is disk-only: it holds no VM state');
  await expect(heading(page)).toContainText('snapshot "after" (id 2)');

  // Problems, the field tooltip and the inspector give both coordinates too.
  await expect(page.getByRole('region', { name: 'Data inspector' })).toContainText(/at VM state 0x[0-9a-f]+, image file 0x[0-9a-f]+/);
  const offTitle = await page.getByRole('tree', { name: 'Fields' }).getByRole('treeitem', { selected: true }).locator('.ti-off').getAttribute('title');
  expect(offTitle).toMatch(/^VM state offset 0x[0-9a-f]+ \(image file offset 0x[0-9a-f]+\)$/);
});

test('an edit in the snapshot chosen second: kept across a choice the person declines, downloaded in place, restored by QEMU -loadvm', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto('/');
  await openByInput(page, imagePath);
  await chosen(page, 'after', '2');
  await snapshots(page).getByRole('button', { name: 'Open snapshot before' }).click();
  await chosen(page, 'before', '1');

  await setField(page, REG0, '0x12345678');
  const cmos = await openEditor(page, CMOS);
  const bytes = (await cmos.inputValue()).split(/\s+/);
  bytes[written.index] = '77';
  await cmos.fill(bytes.join(' '));
  await cmos.press('Enter');
  await expect(cmos).toBeHidden();
  await expect(editsPane(page).getByRole('listitem')).toHaveCount(2);

  // Choosing another snapshot now asks first; declined, nothing changes and the page says why.
  page.once('dialog', (d) => void d.dismiss());
  await snapshots(page).getByRole('button', { name: 'Open snapshot after' }).click();
  await expect(panel(page).getByRole('alert')).toContainText('Kept snapshot "before" (id 1) open with its unsaved edits');
  await expect(editsPane(page).getByRole('listitem')).toHaveCount(2);

  const pending = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download edited file' }).click();
  const out = await readDownload(await pending);
  expect(out.length).toBe(image.length);
  const file = join(dir, 'edited.qcow2');
  writeFileSync(file, out);
  qemuImgCheck(file);
  const before = await afterLoadvm(entry, file, 'before', written.index);
  expect(before.cmos).toBe(0x77);
  expect(before.registers).toMatch(/EAX=12345678/);
  // The other snapshot's clusters are untouched.
  expect((await afterLoadvm(entry, file, 'after', written.index)).cmos).toBe(written.value);

  // The page does not reopen files after a reload; the edits are kept per VM state in this
  // browser (IndexedDB) and come back when the image is opened and "before" chosen again.
  await page.reload();
  await openByInput(page, imagePath);
  await chosen(page, 'after', '2');
  await expect(editsPane(page).getByRole('listitem')).toHaveCount(0);
  await snapshots(page).getByRole('button', { name: 'Open snapshot before' }).click();
  await chosen(page, 'before', '1');
  await expect(page.getByText('Restored 2 edits to pc-v3.qcow2 kept in this browser')).toBeVisible();
  await expect(editsPane(page).getByRole('listitem')).toHaveCount(2);
});
