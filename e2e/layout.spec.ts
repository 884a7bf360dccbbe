// Layout at the window sizes people use: every column of the section table fits a 1400 px wide
// window (also with a desktop's 15 px scrollbar, which headless Chromium overlays), long names can be read in full, panes and columns resize by mouse and keyboard, and the
// sizes a person chose survive a reload.

import { expect, test, type Page } from '@playwright/test';
import { expectOpened, fixturePath, openByInput, sectionsTable } from './open-file.ts';

const LONG_IDSTR = '0000:00:02.0/virtio-net';

async function openMigration(page: Page): Promise<void> {
  await page.goto('/');
  await openByInput(page, fixturePath('q35-migration.bin'));
  await expectOpened(page, 'q35-migration.bin');
}

/** Each header cell's box against the scroll viewport's visible box (its client area, scrollbars excluded). */
async function headerFit(page: Page) {
  return sectionsTable(page).evaluate((table) => {
    const scroll = table.closest('.table-scroll') as HTMLElement;
    const r = scroll.getBoundingClientRect();
    const view = { left: r.left + scroll.clientLeft, right: r.left + scroll.clientLeft + scroll.clientWidth };
    return [...table.querySelectorAll('thead th')].map((th) => {
      const b = th.getBoundingClientRect();
      // The label (a sort button) must fit the cell's content box: the cell cuts what overflows.
      const label = th.querySelector('button') as HTMLElement;
      const cs = getComputedStyle(th);
      const content = th.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
      return { name: th.textContent?.trim() ?? '', inside: b.left >= view.left - 0.5 && b.right <= view.right + 0.5, clipped: label.scrollWidth > content + 0.5 || label.scrollWidth > label.clientWidth };
    });
  });
}

async function width(page: Page, selector: string): Promise<number> {
  return page.locator(selector).evaluate((el) => el.getBoundingClientRect().width);
}

/** Cells whose content is cut, by column, among the rows shown (Device and Type cut long names by design). */
async function cutCells(page: Page) {
  return sectionsTable(page).evaluate((table) => {
    const cut: string[] = [];
    for (const td of table.querySelectorAll<HTMLElement>('tbody tr:not(.spacer) td')) {
      const col = [...td.classList].find((c) => c.startsWith('c-') && c !== 'c-num') ?? '';
      if (col === 'c-device' || col === 'c-type') continue;
      // Status: the badge must show; the message after it is what a wider pane is for.
      const el = col === 'c-status' ? (td.querySelector('.badge') as HTMLElement) : td;
      const box = td.getBoundingClientRect();
      const cs = getComputedStyle(td);
      const right = box.right - parseFloat(cs.paddingRight);
      if (col === 'c-status' ? el.getBoundingClientRect().right > right + 0.5 : td.scrollWidth > td.clientWidth) cut.push(`${col} ${td.textContent}`);
    }
    return cut;
  });
}

for (const [w, h, scrollbar] of [[1400, 900, false], [1400, 900, true], [1500, 900, false], [1920, 1080, false]] as const) {
  test.describe(`at ${w} x ${h}${scrollbar ? ' with a 15 px scrollbar' : ''}`, () => {
    test.use({ viewport: { width: w, height: h } });

    test('every column header of the section table is inside its viewport and not cut, nor are the values', async ({ page }) => {
      await page.goto('/');
      // Headless Chromium hides scrollbars (Playwright passes --hide-scrollbars); a desktop's takes
      // 15 px of the pane, which a border of that width stands in for.
      if (scrollbar) await page.addStyleTag({ content: '.sections .table-scroll { border-right: 15px solid #888; }' });
      await openByInput(page, fixturePath('q35-migration.bin'));
      await expectOpened(page, 'q35-migration.bin');
      const scroll = page.locator('.sections .table-scroll');
      if (scrollbar) expect(await scroll.evaluate((el) => (el as HTMLElement).offsetWidth - el.clientWidth)).toBe(15);
      const fit = await headerFit(page);
      expect(fit.map((h) => h.name)).toEqual(['Type', 'Section ID', 'Device', 'Instance', 'Version', 'Offset', 'Size', 'Decoded by', 'Status']);
      expect(fit.filter((h) => !h.inside || h.clipped)).toEqual([]);
      // Nothing to scroll to sideways either.
      expect(await scroll.evaluate((el) => el.scrollWidth - el.clientWidth)).toBe(0);
      expect(await cutCells(page)).toEqual([]);
      // A WARNING badge, the widest status, fits its column too.
      const badge = await sectionsTable(page).evaluate((table) => {
        const td = table.querySelector('tbody tr:not(.spacer) td.c-status') as HTMLElement;
        const b = td.querySelector('.badge') as HTMLElement;
        const text = b.textContent;
        b.textContent = 'warning';
        const fits = b.getBoundingClientRect().right <= td.getBoundingClientRect().right - parseFloat(getComputedStyle(td).paddingRight) + 0.5;
        b.textContent = text;
        return fits;
      });
      expect(badge).toBe(true);
    });
  });
}

test.describe('at 1500 x 900', () => {
  test.use({ viewport: { width: 1500, height: 900 } });

  test('a long device name is readable on hover and in full in the selected section header', async ({ page }) => {
    await openMigration(page);
    const cell = sectionsTable(page).locator('td.c-device', { hasText: LONG_IDSTR });
    // Whatever the column's width, the cell's title holds the whole name (and the VMSD's).
    await expect(cell).toHaveAttribute('title', `${LONG_IDSTR} (vmsd virtio-net)`);
    await cell.click();
    const head = page.getByRole('region', { name: 'Field pane' }).getByRole('heading', { level: 3 });
    await expect(head).toHaveText(`${LONG_IDSTR} (0)`);
    expect(await head.evaluate((h) => h.scrollWidth <= h.clientWidth)).toBe(true);
    // A record type cut in its column ("configuration") has it as its title and in the facts line.
    const type = sectionsTable(page).locator('td.c-type', { hasText: 'configuration' });
    await expect(type).toHaveAttribute('title', 'configuration');
    await type.click();
    await expect(page.locator('.record-summary p').first()).toContainText('configuration');
  });

  test('a cell cut by a narrowed column gets its full text as a title on hover', async ({ page }) => {
    await openMigration(page);
    const handle = page.getByRole('separator', { name: 'Resize the Offset column' });
    await handle.focus();
    for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowLeft');
    await expect(handle).toHaveAttribute('aria-valuenow', '40');
    const cell = sectionsTable(page).locator('tbody tr:not(.spacer)').last().locator('td').nth(5);
    const text = (await cell.textContent()) ?? '';
    expect(text).toMatch(/^0x[0-9a-f]{5,}$/);
    expect(await cell.evaluate((td) => td.scrollWidth > td.clientWidth)).toBe(true);
    await cell.hover();
    await expect(cell).toHaveAttribute('title', text);
  });
});

test.describe('at 1280 x 800', () => {
  test.use({ viewport: { width: 1280, height: 800 } });

  test('panes resize with the keyboard and by dragging, and keep their sizes after a reload', async ({ page }) => {
    await openMigration(page);
    const sep = page.getByRole('separator', { name: 'Resize the section list and the field pane' });
    const before = await width(page, '.sections');
    await sep.focus();
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
    const afterKeys = await width(page, '.sections');
    expect(afterKeys).toBeGreaterThan(before + 10);

    const hexSep = page.getByRole('separator', { name: 'Resize the field pane and the hex view' });
    const box = (await hexSep.boundingBox())!;
    const hexBefore = await width(page, '.col-right');
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x - 100, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    const hexAfter = await width(page, '.col-right');
    expect(hexAfter).toBeGreaterThan(hexBefore + 80);
    // The field pane was at its minimum: the section list gave the room.
    const sectionsAfter = await width(page, '.sections');

    await page.reload();
    await openByInput(page, fixturePath('q35-migration.bin'));
    await expectOpened(page, 'q35-migration.bin');
    expect(Math.abs((await width(page, '.sections')) - sectionsAfter)).toBeLessThan(3);
    expect(Math.abs((await width(page, '.col-right')) - hexAfter)).toBeLessThan(3);
  });

  test('a column widened by dragging its header edge stays wide after a reload', async ({ page }) => {
    await openMigration(page);
    const th = sectionsTable(page).locator('th.c-type');
    const cell = sectionsTable(page).locator('td.c-type', { hasText: 'configuration' });
    expect(await cell.evaluate((td) => td.scrollWidth > td.clientWidth)).toBe(true);
    const before = await th.evaluate((el) => el.getBoundingClientRect().width);
    const handle = page.getByRole('separator', { name: 'Resize the Type column' });
    const box = (await handle.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 90, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    const after = await th.evaluate((el) => el.getBoundingClientRect().width);
    expect(after - before).toBeGreaterThan(80);
    // The whole type now fits.
    expect(await cell.evaluate((td) => td.scrollWidth <= td.clientWidth)).toBe(true);
    // Saved after the drag settles.
    await page.waitForTimeout(500);
    await page.reload();
    await openByInput(page, fixturePath('q35-migration.bin'));
    await expectOpened(page, 'q35-migration.bin');
    expect(Math.abs((await th.evaluate((el) => el.getBoundingClientRect().width)) - after)).toBeLessThan(2);
    // Double-click restores the default width.
    await handle.dblclick();
    expect(Math.abs((await th.evaluate((el) => el.getBoundingClientRect().width)) - before)).toBeLessThan(2);
  });
});

test.describe('at 1920 x 1080', () => {
  test.use({ viewport: { width: 1920, height: 1080 } });

  test('the device column takes the room a wide window gives: a long idstr shows in full', async ({ page }) => {
    await openMigration(page);
    const cell = sectionsTable(page).locator('td.c-device', { hasText: LONG_IDSTR });
    expect(await cell.evaluate((td) => td.scrollWidth <= td.clientWidth)).toBe(true);
    expect((await headerFit(page)).filter((h) => !h.inside || h.clipped)).toEqual([]);
  });
});
