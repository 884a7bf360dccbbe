import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { loadIntoQemu } from '../scripts/lib/qemu.mjs';
import { CMOS, editsPane, openDescribed, openEditor, REG0, setField, shot, tree } from './edit-helpers.ts';
import { byteCell, fixtureBytes, readDownload, sectionsTable } from './open-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'vmstate-e2e-edit-'));
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Offsets where two files differ. */
function differences(a: Uint8Array, b: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) out.push(i);
  return out;
}

test('edit a CPU register and an RTC CMOS byte, undo, redo, download: real QEMU 7.2 loads the values', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto('/');
  await openDescribed(page);

  await setField(page, REG0, '0x1234abcd');
  const reg = tree(page).getByRole('treeitem', { selected: true });
  await expect(reg).toHaveAttribute('aria-label', /^\[0\] = 0x1234abcd \(305441741\), [^,]+, 0x[0-9a-f]+, edited$/);
  const regRange = (await page.getByRole('status', { name: 'Selection' }).textContent())!.match(/^0x([0-9a-f]+)-0x([0-9a-f]+)/)!;
  const regAt = parseInt(regRange[1], 16);
  await expect(byteCell(page, regAt + 7)).toHaveClass(/\bed\b/);
  await expect(byteCell(page, regAt + 7)).toHaveText('cd');
  await expect(byteCell(page, regAt + 3)).not.toHaveClass(/\bed\b/);
  await expect(sectionsTable(page).locator('tr[data-edited]')).toHaveCount(1);
  await expect(sectionsTable(page).locator('tr[data-edited]')).toContainText('cpu');

  const cmos = await openEditor(page, CMOS);
  await shot(page, 'edit-1-cmos-editor');
  const hex = (await cmos.inputValue()).split(/\s+/);
  expect(hex).toHaveLength(128);
  hex[63] = '5a';
  await cmos.fill(hex.join(' '));
  await cmos.press('Enter');
  await expect(cmos).toBeHidden();
  const list = editsPane(page).getByRole('listitem').filter({ has: page.getByRole('button', { name: /^Revert/ }) });
  await expect(list).toHaveCount(2);
  await expect(list.nth(0)).toContainText(`set ${REG0}`);
  await expect(list.nth(0)).toContainText('0 → 0x1234abcd');
  await expect(list.nth(1)).toContainText(`set ${CMOS}[63]`);
  await expect(list.nth(1)).toContainText('0x00 → 0x5a');
  await shot(page, 'edit-2-two-edits');

  // Undo and redo move whole actions, from the keyboard and the toolbar.
  await tree(page).getByRole('treeitem', { selected: true }).focus();
  await page.keyboard.press('Control+z');
  await expect(list).toHaveCount(1);
  await expect(tree(page).getByRole('treeitem', { selected: true })).not.toHaveAttribute('aria-label', /edited/);
  await page.keyboard.press('Control+Shift+z');
  await expect(list).toHaveCount(2);
  await page.getByRole('button', { name: 'Undo', exact: true }).click();
  await page.getByRole('button', { name: 'Undo', exact: true }).click();
  await expect(list).toHaveCount(0);
  await expect(sectionsTable(page).locator('tr[data-edited]')).toHaveCount(0);
  await page.keyboard.press('Control+y');
  await expect(list).toHaveCount(1);
  await page.getByRole('button', { name: 'Redo', exact: true }).click();
  await expect(list).toHaveCount(2);
  await expect(tree(page).getByRole('treeitem', { name: /^cmos_data = .*, edited$/ })).toBeVisible();

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download edited file' }).click()]);
  expect(download.suggestedFilename()).toBe('pc-devstate-edited.bin');
  const edited = await readDownload(download);
  const original = fixtureBytes('pc-devstate.bin');
  const cmosAt = Number((await tree(page).getByRole('treeitem', { name: /^cmos_data = / }).locator('.ti-off').textContent())!);
  // EAX is 8 big-endian bytes: only the low four change; CMOS byte 0x3f is the 64th of the buffer.
  expect(differences(original, edited)).toEqual([regAt + 4, regAt + 5, regAt + 6, regAt + 7, cmosAt + 63]);

  const out = join(dir, 'pc-devstate-edited.bin');
  writeFileSync(out, edited);
  const q = await loadIntoQemu(out, 'pc-devstate');
  try {
    expect(q.stderr).not.toMatch(/error|fail/i);
    expect(q.ok).toBe(true);
    expect(await q.qmp!.hmp('info registers -a')).toMatch(/CPU#0[\s\S]*EAX=1234abcd/);
    await q.qmp!.hmp('o /b 0x70 0x3f');
    expect(await q.qmp!.hmp('i /b 0x71')).toMatch(/\[0x0071\] = 0x5a\b/);
  } finally {
    await q.close();
  }
});

test('an edit that breaks a load-time rule is refused with the guard reason; force is offered', async ({ page }) => {
  await page.goto('/');
  await openDescribed(page);
  const path = '0000:00:00.0/I440FX (0)/parent_obj.config[0]';
  const config = await openEditor(page, path);
  await config.fill(`ff${(await config.inputValue()).slice(2)}`);
  await config.press('Enter');
  const editor = page.getByRole('group', { name: `Edit ${path}` });
  await expect(editor.getByRole('alert')).toContainText('PCI config byte 0x0 (ids/revision/class/header type) is read-only; QEMU rejects the change ("get_pci_config_device: Bad config data")');
  await expect(editor.getByRole('button', { name: 'Force this edit' })).toBeVisible();
  await shot(page, 'edit-3-refused');
  await config.press('Escape');
  await expect(editor).toBeHidden();

  // A typing mistake is answered at once, without a change.
  const reg = await openEditor(page, REG0);
  await reg.fill('0x1ffffffffffffffff');
  await reg.press('Enter');
  await expect(page.getByRole('group', { name: `Edit ${REG0}` }).getByRole('alert')).toHaveText(`${REG0}: 0x1ffffffffffffffff does not fit in 64 bits (uint64)`);
  await reg.press('Escape');

  // An "equal" field: allowed, but only after its warning was seen.
  const nirq = await openEditor(page, 'PCIBUS (0)/nirq');
  await nirq.fill('5');
  await nirq.press('Enter');
  const warning = page.getByRole('group', { name: 'Edit PCIBUS (0)/nirq' }).getByRole('alert');
  await expect(warning).toContainText('must equal the destination');
  await shot(page, 'edit-4-confirm');
  await warning.getByRole('button', { name: 'Apply anyway' }).click();
  await expect(nirq).toBeHidden();
  await expect(editsPane(page).getByRole('listitem').first()).toContainText('⚠');
  await expect(editsPane(page).getByRole('listitem').first()).toContainText('must equal');
});

test('a bool is a toggle, a timer a value or "not armed"; each edit reverts from the list', async ({ page }) => {
  await page.goto('/');
  await openDescribed(page);
  const bool = '0000:00:01.3/piix4_pm (0)/smb.i2c_enable';
  const toggle = await openEditor(page, bool);
  await expect(toggle).not.toBeChecked();
  await toggle.check();
  await toggle.press('Enter');
  await expect(toggle).toBeHidden();
  await expect(tree(page).getByRole('treeitem', { selected: true })).toHaveAttribute('aria-label', /^i2c_enable = true, [^,]+, 0x[0-9a-f]+, edited$/);

  const timer = 'hpet (0)/timer[0].qemu_timer';
  // Not armed: the value field is disabled until the box (which has the focus) is unticked.
  await page.keyboard.press('Control+g');
  await page.getByLabel('Go to offset or field').fill(timer);
  await page.keyboard.press('Enter');
  await tree(page).getByRole('treeitem', { selected: true }).dblclick();
  const editor = page.getByRole('group', { name: `Edit ${timer}` });
  const value = editor.getByLabel(`Value of ${timer}`, { exact: true });
  await expect(value).toBeDisabled();
  await expect(editor.getByLabel('not armed')).toBeFocused();
  await page.keyboard.press('Space');
  await expect(value).toBeEnabled();
  await value.fill('1000000');
  await shot(page, 'edit-5-timer');
  await value.press('Enter');
  await expect(editor).toBeHidden();
  await expect(tree(page).getByRole('treeitem', { selected: true })).toHaveAttribute('aria-label', /^qemu_timer = expires at 1,000,000 ns, [^,]+, 0x[0-9a-f]+, edited$/);
  await expect(editsPane(page)).toContainText('not armed → 1000000');

  await page.getByRole('button', { name: `Revert set ${timer}` }).click();
  await expect(tree(page).getByRole('treeitem', { selected: true })).toHaveAttribute('aria-label', /^qemu_timer = not armed, [^,]+, 0x[0-9a-f]+$/);
  await page.getByRole('button', { name: `Revert set ${bool}` }).click();
  await expect(editsPane(page).getByRole('button', { name: /^Revert/ })).toHaveCount(4);
  await expect(sectionsTable(page).locator('tr[data-edited]')).toHaveCount(0);
});
