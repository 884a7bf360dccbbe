import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { CMOS, editsPane, openDescribed, openEditor, REG0, setField, shot, tree } from './edit-helpers.ts';
import { expectOpened, fixturePath, openByInput, readDownload } from './open-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'vmstate-e2e-patch-'));
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('edits export as a JSON patch that applies to another file, and a mismatch is refused with the reason', async ({ page }) => {
  // Two whole opens, a description and four edits that each decode the file again: 44-57 s at a
  // load of 25 on 2 cores (measured), past the 60 s default once in three runs.
  test.slow();
  await page.goto('/');
  await openDescribed(page);
  await setField(page, REG0, '0x1234');
  const cmos = await openEditor(page, CMOS);
  const hex = (await cmos.inputValue()).split(/\s+/);
  hex[63] = '5a';
  await cmos.fill(hex.join(' '));
  await cmos.press('Enter');
  await expect(cmos).toBeHidden();

  const [download] = await Promise.all([page.waitForEvent('download'), editsPane(page).getByRole('button', { name: 'Export patch' }).click()]);
  expect(download.suggestedFilename()).toBe('pc-devstate.patch.json');
  const patch = JSON.parse((await readDownload(download)).toString('utf8'));
  expect(patch).toEqual({
    format: 'vmstate-explorer-patch',
    version: 1,
    edits: [
      { kind: 'field', path: REG0, before: '0', after: '0x1234' },
      { kind: 'field', path: `${CMOS}[63]`, before: '0x00', after: '0x5a' },
    ],
  });
  const patchFile = join(dir, 'pc-devstate.patch.json');
  writeFileSync(patchFile, JSON.stringify(patch));

  // Another file: the q35 machine's device state has the same register and CMOS byte. The
  // edits to this one were not downloaded, so the page asks first.
  const asked: string[] = [];
  page.once('dialog', (d) => {
    asked.push(d.message());
    void d.accept();
  });
  await openByInput(page, fixturePath('q35-devstate.bin'));
  await expectOpened(page, 'q35-devstate.bin');
  expect(asked).toEqual(['Discard the unsaved edits to pc-devstate.bin and open q35-devstate.bin?']);
  await editsPane(page).getByLabel('Apply patch…').setInputFiles(patchFile);
  const rows = editsPane(page).getByRole('listitem').filter({ has: page.getByRole('button', { name: /^Revert/ }) });
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('apply pc-devstate.patch.json (2 edits)');
  await expect(rows.first()).toContainText('0x00 → 0x5a');
  await page.keyboard.press('Control+g');
  await page.getByLabel('Go to offset or field').fill(REG0);
  await page.keyboard.press('Enter');
  await expect(tree(page).getByRole('treeitem', { selected: true })).toHaveAttribute('aria-label', /^\[0\] = 0x1234 \(4660\), [^,]+, 0x[0-9a-f]+, edited$/);

  // Applied twice, the register no longer holds what the patch expects: nothing changes.
  await editsPane(page).getByLabel('Apply patch…').setInputFiles(patchFile);
  await expect(editsPane(page).getByRole('alert')).toContainText(`Refused: edit 1 of 2: ${REG0}: the target holds 4660, the patch expects 0`);
  await expect(rows).toHaveCount(1);
  await shot(page, 'patch-1-refused');
});
