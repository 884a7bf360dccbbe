// "Check against QEMU ..." and the library candidate picker in the page (issue 12), on real files
// of public/compat whose real cross-version load is recorded in loads.json (made by
// scripts/make-compat-fixtures.mjs with QEMU 7.2, 10.0 and 11.1): the page's verdict, message and
// section must be QEMU's.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { expect, test, type Page } from '@playwright/test';
import { editsPane, setField } from './edit-helpers.ts';
import { dropFile, expectOpened, sectionsTable } from './open-file.ts';

const COMPAT = new URL('../public/compat/', import.meta.url);
interface Load { from: string; to: string; vm: string; kind: string; ok: boolean; messages: string[] }
const loads: Load[] = JSON.parse(readFileSync(new URL('loads.json', COMPAT), 'utf8')).loads;
const recorded = (from: string, to: string, vm: string, kind: string) => loads.find((l) => l.from === from && l.to === to && l.vm === vm && l.kind === kind)!;

async function open(page: Page, name: string) {
  await page.goto('/');
  await dropFile(page, name, gunzipSync(readFileSync(new URL(`${name}.gz`, COMPAT))));
  await expectOpened(page, name);
}

/** Opens the dialog and runs a check with the keyboard only. */
async function checkWithKeys(page: Page, version: string) {
  await page.getByRole('button', { name: 'Check against QEMU…' }).focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Check against QEMU' });
  await expect(dialog.getByLabel('QEMU version')).toBeFocused();
  await dialog.getByLabel('QEMU version').selectOption(version);
  await page.keyboard.press('Tab');
  await expect(dialog.getByLabel('Machine type (optional)')).toBeFocused();
  await page.keyboard.press('Enter'); // Enter in the text field submits the form
  return dialog;
}

test('a 7.2 device-state file fails into 10.0 as QEMU did: message, section link, copy', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const l = recorded('7.2', '10.0', 'pc', 'devstate');
  expect(l.ok).toBe(false);
  await open(page, 'pc-7.2-devstate.bin');
  const dialog = await checkWithKeys(page, '10.0');
  const report = dialog.getByRole('region', { name: 'Compatibility report' });
  await expect(report.locator('[data-verdict]')).toHaveAttribute('data-verdict', 'fails');
  const message = (await report.locator('.compat-message').textContent())!;
  const qemuLine = l.messages.find((m) => !m.startsWith('warning:'))!;
  expect(qemuLine.startsWith(message), `${message} vs ${qemuLine}`).toBe(true);
  const named = /of device '([^']+)'/.exec(l.messages.join(' '))![1];
  await expect(report.locator('.compat-first').getByRole('button', { name: `${named} (0)` })).toBeVisible();
  await expect(report).toContainText('nothing checks the machine type');

  await report.getByRole('button', { name: 'Copy message' }).click();
  await expect(report.getByRole('status')).toHaveText(/Copied/);
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(message);

  // The section link selects the section in the explorer and closes the dialog.
  await report.locator('.compat-first').getByRole('button', { name: `${named} (0)` }).click();
  await expect(dialog).toBeHidden();
  await expect(sectionsTable(page).getByRole('row', { selected: true })).toContainText('e1000e');
});

test('an 11.1 device-state file loads into 10.0 as QEMU did', async ({ page }) => {
  const l = recorded('11.1', '10.0', 'pc', 'devstate');
  expect(l.ok).toBe(true);
  await open(page, 'pc-11.1-devstate.bin');
  const dialog = await checkWithKeys(page, '10.0');
  const verdict = dialog.locator('[data-verdict]');
  await expect(verdict).toBeVisible();
  expect(await verdict.getAttribute('data-verdict')).not.toBe('fails');
  await expect(dialog).toContainText('nothing checks the machine type');
});

// With the libraries of 7.2, 10.0 and 11.1 the first fit for a 7.2 e1000e is 7.2's own layout;
// the person can read it with the 10.0/11.1 one instead and come back, and neither is an edit.
test('a section is switched to another version\'s candidate and back to the 7.2 one, without an edit', async ({ page }) => {
  await open(page, 'pc-7.2-devstate.bin');
  await sectionsTable(page).getByRole('row').filter({ hasText: 'e1000e' }).first().click();
  const summary = page.locator('.record-summary');
  await expect(summary).toContainText('decoded by bundled (QEMU 7.2');
  const pick = async (version: string) => {
    if (!(await summary.getByLabel('Decode with').isVisible())) await summary.getByRole('button', { name: 'Other descriptions…' }).click();
    const picker = summary.getByLabel('Decode with');
    await expect(picker).toBeVisible();
    const option = picker.locator('option', { hasText: `QEMU ${version}` }).first();
    await picker.selectOption((await option.getAttribute('value'))!);
  };
  await pick('10.0');
  await expect(summary).toContainText('decoded by bundled (QEMU 10.0');
  await pick('7.2');
  await expect(summary).toContainText('decoded by bundled (QEMU 7.2');
  // A way of reading, not an edit: nothing to undo.
  await expect(page.getByRole('button', { name: 'Undo', exact: true })).toBeDisabled();

  // The choice outlives an edit (the worker decodes the file again after it) and its undo.
  await pick('10.0');
  await expect(summary).toContainText('decoded by bundled (QEMU 10.0');
  // A byte only 10.0's layout names (7.2's calls it core.itr_intr_pending, a bool).
  const UNUSED = '0000:00:02.0/e1000e (0)/unused[0]';
  await setField(page, UNUSED, '5a');
  await expect(editsPane(page)).toContainText(`set ${UNUSED}`);
  const e1000e = async () => {
    await sectionsTable(page).getByRole('row').filter({ hasText: 'e1000e' }).first().click();
    await expect(summary).toContainText('decoded by bundled (QEMU 10.0');
  };
  await e1000e();
  await page.getByRole('button', { name: 'Undo', exact: true }).click();
  await expect(page.getByRole('button', { name: 'Undo', exact: true })).toBeDisabled();
  await e1000e();
});

// A QEMU 10.0 device-state file: its globalstate fits 7.2's layout first (same size), but the file's
// likely QEMU is 10.0, so the page reads it with 10.0's (format/likely-layouts.ts) and names the
// field 10.0 has and 7.2 lacks; 7.2's reading stays one choice away.
test('a QEMU 10.0 file\'s globalstate is read with 10.0\'s layout; 7.2\'s is offered', async ({ page }) => {
  await open(page, 'pc-10.0-devstate.bin');
  await sectionsTable(page).getByRole('row').filter({ hasText: 'globalstate' }).first().click();
  const summary = page.locator('.record-summary');
  await expect(summary).toContainText('decoded by bundled (QEMU 10.0');
  await expect(page.getByRole('treeitem', { name: /vm_was_suspended/ }).first()).toBeVisible();
  await summary.getByRole('button', { name: 'Other descriptions…' }).click();
  const picker = summary.getByLabel('Decode with');
  await expect(picker.locator('option:checked')).toContainText('QEMU 10.0');
  await expect(picker.locator('option', { hasText: 'QEMU 7.2' })).toHaveCount(1);
});
