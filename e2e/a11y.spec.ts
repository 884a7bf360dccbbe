// Accessibility: axe-core (through @axe-core/playwright) checks the page in each of its main states
// against WCAG 2.1 A and AA; no serious or critical violation is allowed, in light and dark.

import { gunzipSync } from 'node:zlib';
import { expect, test, type Page } from '@playwright/test';
import { seriousViolations } from './axe.ts';
import { CMOS, openDescribed, openEditor, REG0, tree } from './edit-helpers.ts';
import { dropFile, expectOpened, fixtureBytes, fixturePath, openByInput, sectionsTable } from './open-file.ts';

/** Runs axe on the whole page; fails listing each serious or critical rule with the elements it names. */
async function expectAccessible(page: Page, state: string): Promise<void> {
  const bad = await seriousViolations(page);
  const report = bad.map((v) => `${v.id} (${v.impact}): ${v.help}\n${v.nodes.slice(0, 5).map((n) => `  ${n.target.join(' ')}: ${n.failureSummary?.replace(/\s+/g, ' ')}`).join('\n')}`);
  expect(report, `axe in state "${state}"`).toEqual([]);
}

for (const colorScheme of ['light', 'dark'] as const) {
  test.describe(`${colorScheme} mode`, () => {
    test.use({ colorScheme, viewport: { width: 1500, height: 900 } });

    test('the empty start page', async ({ page }) => {
      await page.goto('/');
      await expect(page.getByRole('heading', { name: /Drop a QEMU state file/ })).toBeVisible();
      await expectAccessible(page, 'empty');
    });

    test('a device-state file with a section selected, its field tree, a field editor and the Go to dialog', async ({ page }) => {
      // Three axe runs over a page with a tree, a hex view and a table: slow on a shared machine.
      test.setTimeout(240_000);
      await page.goto('/');
      await openDescribed(page);
      await page.keyboard.press('Control+g');
      await page.getByLabel('Go to offset or field').fill(REG0);
      await page.keyboard.press('Enter');
      await expect(tree(page).getByRole('treeitem', { selected: true })).toBeVisible();
      await expect(sectionsTable(page).locator('tr.selected')).toContainText('cpu');
      await expectAccessible(page, 'field tree');

      const editor = await openEditor(page, CMOS);
      await expect(editor).toBeVisible();
      await expectAccessible(page, 'field editor');
      await editor.press('Escape');
      await expect(editor).toBeHidden();

      await page.keyboard.press('Control+g');
      await expect(page.getByRole('dialog')).toBeVisible();
      await expectAccessible(page, 'Go to dialog');
    });

    test('a migration stream with its RAM blocks', async ({ page }) => {
      await page.goto('/');
      await openByInput(page, fixturePath('pc-ram-migration.bin'));
      await expectOpened(page, 'pc-ram-migration.bin');
      await sectionsTable(page).getByRole('row').filter({ hasText: 'START' }).click();
      await expect(page.getByRole('region', { name: 'RAM blocks' }).getByRole('img').first()).toBeVisible();
      await expectAccessible(page, 'RAM');
    });

    test('a damaged file with its problems', async ({ page }) => {
      const good = fixtureBytes('q35-migration.bin');
      await page.goto('/');
      // Cut in the middle of the device sections: everything before is kept, the rest is a problem.
      await dropFile(page, 'cut.bin', good.subarray(0, Math.floor(good.length * 0.6)));
      await expectOpened(page, 'cut.bin');
      const problems = page.getByRole('region', { name: 'Problems' });
      await expect(problems.getByRole('button').first()).toBeVisible();
      await problems.getByRole('button').first().click();
      await expect(sectionsTable(page).locator('tr.selected')).toHaveCount(1);
      await expectAccessible(page, 'damaged file');
    });

    test('a qcow2 image with its snapshot list and a refused disk-only snapshot', async ({ page }) => {
      await page.goto('/');
      await dropFile(page, 'pc-v3.qcow2', gunzipSync(fixtureBytes('qcow2/pc-v3.qcow2.gz')));
      await expectOpened(page, 'pc-v3.qcow2');
      const list = page.getByRole('table', { name: 'Snapshots' });
      await list.getByRole('button', { name: 'Open snapshot disk-only' }).focus();
      await page.keyboard.press('Enter');
      await expect(page.getByRole('alert')).toContainText('disk-only');
      await expectAccessible(page, 'qcow2 snapshots');
    });
  });
}
