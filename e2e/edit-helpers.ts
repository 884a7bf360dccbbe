// Shared steps of the editing specs: open the device-state fixture with its description, edit a
// field through the tree as a user does, and (with SCREENSHOTS=DIR) keep pictures of the states.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Locator, type Page } from '@playwright/test';
import { expectOpened, fixturePath, openByInput } from './open-file.ts';

export const REG0 = 'cpu (0)/env.regs[0]';
export const CMOS = 'mc146818rtc (0)/cmos_data';

export function tree(page: Page): Locator {
  return page.getByRole('tree', { name: 'Fields' });
}

export function editsPane(page: Page): Locator {
  return page.getByRole('region', { name: 'Edits' });
}

/** Opens FILE with the file input, then DESCRIPTION with "Open description". */
export async function openDescribed(page: Page, file = 'pc-devstate.bin', description = 'pc-migration.bin'): Promise<void> {
  await openByInput(page, fixturePath(file));
  await expectOpened(page, file);
  await page.getByLabel('Open description').setInputFiles(fixturePath(description));
  await expect(page.locator('.file-info')).toContainText(`described by ${description}`);
}

/** Go to PATH (Ctrl+G), then double-click its tree item: the editor opens with focus in it. */
export async function openEditor(page: Page, path: string): Promise<Locator> {
  await page.keyboard.press('Control+g');
  await page.getByLabel('Go to offset or field').fill(path);
  await page.keyboard.press('Enter');
  await tree(page).getByRole('treeitem', { selected: true }).dblclick();
  const input = page.getByLabel(`Value of ${path}`, { exact: true });
  await expect(input).toBeFocused();
  return input;
}

export async function setField(page: Page, path: string, value: string): Promise<void> {
  const input = await openEditor(page, path);
  await input.fill(value);
  await input.press('Enter');
  await expect(input).toBeHidden();
}

/** A screenshot into $SCREENSHOTS when it is set (to look at the states), otherwise nothing. */
export async function shot(page: Page, name: string): Promise<void> {
  const dir = process.env.SCREENSHOTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`) });
}
