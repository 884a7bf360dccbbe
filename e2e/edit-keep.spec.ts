import { expect, test } from '@playwright/test';
import { editsPane, openDescribed, REG0, setField, shot, tree } from './edit-helpers.ts';
import { byteCell, expectOpened, fixtureBytes, fixturePath, openByInput, readDownload, sectionsTable } from './open-file.ts';

const revertButtons = (page: import('@playwright/test').Page) => editsPane(page).getByRole('button', { name: /^Revert/ });

test('edits survive a reload of the page and come back when the same file is opened', async ({ page }) => {
  await page.goto('/');
  await openDescribed(page);
  await setField(page, REG0, '0xbeef');
  await setField(page, 'cpu (1)/env.regs[3]', '77');
  await page.keyboard.press('Control+z');
  await expect(revertButtons(page)).toHaveCount(1);

  // Leaving with edits that were not downloaded asks first.
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.type());
    void d.accept();
  });
  await page.reload();
  expect(dialogs).toEqual(['beforeunload']);

  await openByInput(page, fixturePath('pc-devstate.bin'));
  await expectOpened(page, 'pc-devstate.bin');
  await expect(page.getByRole('note').filter({ hasText: 'Restored 1 edit to pc-devstate.bin' })).toBeVisible();
  await expect(revertButtons(page)).toHaveCount(1);
  await expect(editsPane(page)).toContainText(`set ${REG0}`);
  await expect(page.getByRole('button', { name: 'Redo', exact: true })).toBeEnabled();
  await page.keyboard.press('Control+g');
  await page.getByLabel('Go to offset or field').fill(REG0);
  await page.keyboard.press('Enter');
  await expect(tree(page).getByRole('treeitem', { selected: true })).toHaveAttribute('aria-label', /^\[0\] = 0xbeef \(48879\), [^,]+, 0x[0-9a-f]+, edited$/);
  await shot(page, 'keep-1-restored');

  // Downloaded: nothing left to lose, so leaving does not ask.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download edited file' }).click()]);
  expect((await readDownload(download)).length).toBe(fixtureBytes('pc-devstate.bin').length);
  await page.reload();
  expect(dialogs).toEqual(['beforeunload']);
});

test('a section header is renamed (the record grows), marked, reverted, and the file is the original again', async ({ page }) => {
  await page.goto('/');
  await openDescribed(page);
  const timer = sectionsTable(page).getByRole('row').filter({ hasText: 'timer' });
  await timer.click();
  const size = Number(await timer.locator('td').nth(6).textContent());
  await page.getByRole('button', { name: 'Edit header' }).click();
  const form = page.getByRole('form', { name: 'Header of timer (0)' });
  await form.getByLabel('idstr').fill('timer-moved');
  await shot(page, 'keep-2a-header-form');
  await form.getByRole('button', { name: 'Apply' }).click();
  await expect(form).toBeHidden();
  const moved = sectionsTable(page).getByRole('row').filter({ hasText: 'timer-moved' });
  await expect(moved).toHaveAttribute('data-edited', 'true');
  await expect(moved.locator('td').nth(6)).toHaveText(String(size + 'timer-moved'.length - 'timer'.length));
  await expect(page.getByRole('heading', { name: 'timer-moved (0)' })).toBeVisible();
  await expect(editsPane(page)).toContainText('timer 0 v2 → timer-moved 0 v2');
  await shot(page, 'keep-2-header');

  await page.getByRole('button', { name: 'Revert header of timer (0)' }).click();
  await expect(revertButtons(page)).toHaveCount(2);
  await expect(sectionsTable(page).locator('tr[data-edited]')).toHaveCount(0);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download edited file' }).click()]);
  expect(Buffer.compare(await readDownload(download), fixtureBytes('pc-devstate.bin'))).toBe(0);
});

test('bytes are overwritten in the hex view; framing bytes are refused with the reason', async ({ page }) => {
  await page.goto('/');
  await openDescribed(page);
  await sectionsTable(page).getByRole('row').filter({ hasText: 'kvm-tpr-opt' }).click();
  const offset = parseInt((await sectionsTable(page).getByRole('row', { selected: true }).locator('td').nth(5).textContent())!, 16);
  // The first byte of the record is its type: framing.
  await byteCell(page, offset).click();
  await page.keyboard.press('Enter');
  const bytes = page.getByLabel(`Bytes at 0x${offset.toString(16)}`, { exact: true });
  await expect(bytes).toBeFocused();
  await bytes.fill('00');
  await bytes.press('Enter');
  const bar = page.getByRole('form', { name: 'Overwrite bytes' });
  await expect(bar.getByRole('alert')).toContainText('touch the framing of kvm-tpr-opt');
  await expect(bar.getByRole('button', { name: 'Force this edit' })).toBeVisible();
  await shot(page, 'keep-3-hex-refused');
  await bytes.press('Escape');
  await expect(bar).toBeHidden();

  // Typing hex digits on a data byte overwrites from the caret.
  const data = offset + 40;
  await byteCell(page, data).click();
  await page.keyboard.type('7');
  const typed = page.getByLabel(`Bytes at 0x${data.toString(16)}`, { exact: true });
  await expect(typed).toHaveValue('7');
  await typed.pressSequentially('e 01');
  await typed.press('Enter');
  await expect(typed).toBeHidden();
  await expect(byteCell(page, data)).toHaveText('7e');
  await expect(byteCell(page, data)).toHaveClass(/\bed\b/);
  await expect(byteCell(page, data + 1)).toHaveText('01');
  await expect(editsPane(page)).toContainText(`bytes at 0x${data.toString(16)}`);
  await shot(page, 'keep-4-hex-edited');
});
