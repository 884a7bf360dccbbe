// Issue #10: what a person does while a file opens is carried out once it can be, or visibly
// refused with the reason. The page's worker messages go through a gate (an init script around
// Worker's postMessage and message listener) that holds one open at a chosen phase, so each
// phase is reached every time, not by luck of timing.

import { expect, test, type Page } from '@playwright/test';
import { editsPane, REG0, setField, tree } from './edit-helpers.ts';
import { expectOpened, fixturePath, openByInput, sectionsTable, statusLine } from './open-file.ts';

type Hold = 'reading' | 'outline';

/** Installs the gate before the page's scripts run; it holds nothing until `hold` is called. */
async function installGate(page: Page): Promise<void> {
  await page.addInitScript(() => {
    type Msg = { kind: 'reply'; id: number } | { kind: 'event'; event: { id: number; type: string } };
    const gate = { hold: null as string | null, open: -1, held: [] as (() => void)[] };
    const w = window as unknown as { __gate: { hold(h: string): void; release(): void } };
    w.__gate = {
      hold: (h) => void (gate.hold = h),
      release: () => {
        gate.hold = null;
        for (const deliver of gate.held.splice(0)) deliver();
      },
    };
    const post = Worker.prototype.postMessage;
    Worker.prototype.postMessage = function (this: Worker, msg: { id: number; request: { type: string } }, transfer?: Transferable[]) {
      if (gate.hold && msg?.request?.type === 'open') gate.open = msg.id;
      return post.call(this, msg, { transfer: transfer ?? [] });
    } as Worker['postMessage'];
    const listen = Worker.prototype.addEventListener;
    Worker.prototype.addEventListener = function (this: Worker, type: string, fn: EventListenerOrEventListenerObject, opts?: boolean | AddEventListenerOptions) {
      if (type !== 'message' || typeof fn !== 'function') return listen.call(this, type, fn, opts);
      return listen.call(this, type, (e: Event) => {
        const m = (e as MessageEvent<Msg>).data;
        const id = m.kind === 'reply' ? m.id : m.event.id;
        // 'reading': nothing of the open reaches the page; 'outline': all but the full model.
        const held = gate.hold !== null && id === gate.open && (gate.hold === 'reading' || m.kind === 'reply');
        if (held || gate.held.length) gate.held.push(() => fn(e));
        else fn(e);
      }, opts);
    } as Worker['addEventListener'];
  });
}

const app = (page: Page) => page.locator('.app');
const notice = (page: Page) => page.locator('.notice');
const waiting = (page: Page) => page.getByRole('note', { name: 'Waiting for the open' });

/** Opens FILE with the open held at `hold`, and waits until the page is there. */
async function openHeld(page: Page, file: string, hold: Hold): Promise<void> {
  await page.evaluate((h) => (window as unknown as { __gate: { hold(h: string): void } }).__gate.hold(h), hold);
  await openByInput(page, fixturePath(file));
  await expect(app(page)).toHaveAttribute('data-open-state', hold);
}

const release = (page: Page) => page.evaluate(() => (window as unknown as { __gate: { release(): void } }).__gate.release());

test.beforeEach(async ({ page }) => {
  await installGate(page);
  await page.goto('/');
});

test('a description picked while the field trees arrive is applied once the file has opened', async ({ page }) => {
  await openHeld(page, 'pc-devstate.bin', 'outline');
  await expect(sectionsTable(page)).toBeVisible();
  await page.getByLabel('Open description').setInputFiles(fixturePath('pc-migration.bin'));
  await expect(waiting(page)).toHaveText('Then: describe with pc-migration.bin');
  await release(page);
  await expect(page.locator('.file-info')).toContainText('described by pc-migration.bin');
  await expect(app(page)).toHaveAttribute('data-open-state', 'done');
  await expect(sectionsTable(page).getByRole('row', { name: /cpu_common/ }).first()).toContainText('supplied');
});

test('a description picked the moment the file name appears is never lost (no gate, 5 tries)', async ({ page }) => {
  for (let i = 0; i < 5; i++) {
    const file = i % 2 ? 'q35-devstate.bin' : 'pc-devstate.bin';
    const desc = i % 2 ? 'q35-migration.bin' : 'pc-migration.bin';
    await openByInput(page, fixturePath(file));
    await expect(page.locator('.file-info strong')).toHaveText(file);
    await page.getByLabel('Open description').setInputFiles(fixturePath(desc));
    await expect(page.locator('.file-info')).toContainText(`described by ${desc}`);
  }
});

test('Go to is refused with the reason before the sections show, waits for fields still loading, and search follows', async ({ page }) => {
  await openHeld(page, 'pc-devstate.bin', 'reading');
  const goTo = page.getByRole('button', { name: 'Go to…' });
  await expect(goTo).toBeDisabled();
  await expect(goTo).toHaveAttribute('title', 'Go to is possible once the sections of pc-devstate.bin are shown');
  await page.keyboard.press('Control+g');
  await expect(notice(page)).toContainText('Go to is possible once the sections of pc-devstate.bin are shown.');
  await expect(page.getByRole('dialog', { name: 'Go to' })).toBeHidden();
  await release(page);
  await expectOpened(page, 'pc-devstate.bin');

  await openHeld(page, 'q35-devstate.bin', 'outline');
  // Its sections are decoded by the bundled library: the likely QEMU version comes with the fields.
  await expect(page.locator('.file-info')).toContainText('loading fields and the likely QEMU version');
  await expect(page.locator('.file-info')).not.toContainText('fits QEMU');
  await expect(goTo).toBeEnabled();
  await page.keyboard.press('Control+g');
  await page.getByLabel('Go to offset or field').fill(REG0);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('dialog', { name: 'Go to' })).toBeHidden();
  await expect(waiting(page)).toHaveText(`Then: go to ${REG0}`);
  const search = page.getByLabel('Search fields');
  await search.fill('regs[1]');
  await expect(page.getByRole('note').filter({ hasText: 'The fields of q35-devstate.bin are still loading; matches follow when they arrive.' })).toBeVisible();
  await release(page);
  await expectOpened(page, 'q35-devstate.bin');
  await expect(page.locator('.file-info')).toContainText('fits QEMU 7.2');
  await expect(statusLine(page)).toContainText('cpu (0) / env.regs[0]');
  await expect(tree(page).getByRole('treeitem', { selected: true })).toHaveAttribute('aria-label', /^\[0\] = 0x0 \(0\), uint64, 0x[0-9a-f]+$/);
  await expect(page.getByRole('list', { name: 'Search results' }).getByRole('button', { name: /cpu \(0\) \/ env\.regs\[1\](?!\d)/ })).toBeVisible();
});

test('download, edits and undo are refused with the reason while the file opens, then work', async ({ page }) => {
  await openHeld(page, 'pc-devstate.bin', 'outline');
  const reason = (what: string) => `${what} is possible once pc-devstate.bin has finished opening`;
  const download = page.getByRole('button', { name: 'Download edited file' });
  const undo = page.getByRole('button', { name: 'Undo' });
  await expect(download).toBeDisabled();
  await expect(download).toHaveAttribute('title', reason('Downloading the edited file'));
  await expect(undo).toBeDisabled();
  await expect(undo).toHaveAttribute('title', reason('Undo'));
  await expect(editsPane(page).getByRole('button', { name: 'Export patch' })).toHaveAttribute('title', reason('Exporting the edits'));
  await expect(editsPane(page).locator('label.file-button')).toHaveAttribute('title', reason('Applying a patch'));
  await page.keyboard.press('Control+z');
  await expect(notice(page)).toContainText(`${reason('Undo')}.`);
  // A hex digit typed in the hex view would overwrite a byte.
  await page.locator('#hex-viewport').focus();
  await page.keyboard.press('a');
  await expect(notice(page)).toContainText(`${reason('Editing')}.`);
  await expect(page.getByRole('form', { name: 'Overwrite bytes' })).toBeHidden();

  await release(page);
  await expectOpened(page, 'pc-devstate.bin');
  await expect(undo).toHaveAttribute('title', 'Nothing to undo');
  const [file] = await Promise.all([page.waitForEvent('download'), download.click()]);
  expect(file.suggestedFilename()).toBe('pc-devstate-edited.bin');
  await setField(page, REG0, '0x1234');
  await expect(undo).toBeEnabled();
  await page.keyboard.press('Control+z');
  await expect(tree(page).getByRole('treeitem', { selected: true })).toHaveAttribute('aria-label', /^\[0\] = 0x0 \(0\), uint64, 0x[0-9a-f]+$/);
});

// Issue #12 (time to the section table): before any file the next open's panes wait mounted on
// standby, hidden and inert; the first open shows those very elements, and the hex view mounts
// once the table is on screen. Nothing of them can be seen, focused or read out before.
test('the first open shows the panes mounted on standby: never seen, focused or read out before', async ({ page }) => {
  const standby = page.locator('main.workspace.standby');
  await expect(standby).toBeAttached();
  await expect(standby).toBeHidden();
  await expect(standby).toHaveAttribute('aria-hidden', 'true');
  expect(await standby.evaluate((el) => (el as HTMLElement).inert)).toBe(true);
  await expect(page.getByRole('heading', { name: /Drop a QEMU state file/ })).toBeVisible();
  await expect(page.getByRole('table', { name: 'Sections' })).toHaveCount(0);
  // Tab goes through the page's controls and never into the standby panes.
  for (let i = 0; i < 12; i++) {
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => !!document.activeElement?.closest('main.workspace'))).toBe(false);
  }
  await standby.evaluate((el) => el.setAttribute('data-e2e-standby', 'yes'));
  await openByInput(page, fixturePath('q35-devstate.bin'));
  await expectOpened(page, 'q35-devstate.bin');
  await expect(page.locator('main.workspace')).toHaveAttribute('data-e2e-standby', 'yes');
  await expect(page.locator('main.workspace.standby')).toHaveCount(0);
  await expect(page.locator('#hex-viewport')).toBeVisible();
});
