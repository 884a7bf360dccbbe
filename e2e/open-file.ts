// The one helper the specs share: where the fixtures are, and the ways a user opens a file
// (file input, drag and drop, sample menu), plus reading a download back.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, type Download, type Locator, type Page } from '@playwright/test';

export const FIXTURES_DIR = fileURLToPath(new URL('../public/fixtures/', import.meta.url));

export function fixturePath(name: string): string {
  return `${FIXTURES_DIR}${name}`;
}

export function fixtureBytes(name: string): Buffer {
  return readFileSync(fixturePath(name));
}

/** Picks a file with the "Open state file" input, as a user would. */
export async function openByInput(page: Page, filePath: string): Promise<void> {
  await page.getByLabel('Open state file').setInputFiles(filePath);
}

/**
 * Drops `bytes` as a file named `name` with real drag events (dragenter, dragover, drop) carrying
 * a DataTransfer, on `target` (default: the page body).
 */
export async function dropFile(page: Page, name: string, bytes: Uint8Array, target: 'body' | 'state' | 'description' | 'compare' = 'body'): Promise<void> {
  await dropFiles(page, [{ name, bytes }], target);
}

/** Drops several files at once (one DataTransfer), as dropFile does one. */
export async function dropFiles(page: Page, files: { name: string; bytes: Uint8Array }[], target: 'body' | 'state' | 'description' | 'compare' = 'body'): Promise<void> {
  const encoded = files.map((f) => ({ name: f.name, base64: Buffer.from(f.bytes).toString('base64') }));
  await page.evaluate(
    async ({ encoded, target }) => {
      const dt = new DataTransfer();
      for (const f of encoded) dt.items.add(new File([Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0))], f.name));
      const fire = (el: Element, type: string) => el.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
      fire(document.body, 'dragenter');
      fire(document.body, 'dragover');
      // The overlay's targets render after dragenter.
      let el: Element | null = document.body;
      for (let i = 0; target !== 'body' && i < 100; i++) {
        el = document.querySelector(`[data-drop="${target}"]`);
        if (el) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      if (!el) throw new Error(`no drop target ${target}`);
      fire(el, 'dragover');
      fire(el, 'drop');
    },
    { encoded, target },
  );
}

export function sectionsTable(page: Page): Locator {
  return page.getByRole('table', { name: 'Sections' });
}

/**
 * Waits for the real end of `name`'s open: its final model is in (data-open-state="done" on the
 * same render that names it), not the first sign of it. The section table shows while the field
 * trees are still on their way, and a description or an edit then would be refused or wait.
 * The end comes later than the first sign; on a shared CI machine a whole open can take seconds.
 */
export async function expectOpened(page: Page, name: string, timeout = 30_000): Promise<void> {
  await expect(page.locator('.app[data-open-state="done"] .file-info strong')).toHaveText(name, { timeout });
  await expect(sectionsTable(page)).toBeVisible();
}

/** Body rows of the section table as arrays of cell texts (rendered rows only, no spacers). */
export async function tableRows(page: Page): Promise<string[][]> {
  return sectionsTable(page)
    .locator('tbody tr:not(.spacer)')
    .evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')));
}

export const COLUMNS = ['Type', 'Section ID', 'Device', 'Instance', 'Version', 'Offset', 'Size', 'Decoded by', 'Status'] as const;
export const col = (name: (typeof COLUMNS)[number]) => COLUMNS.indexOf(name);

export function statusLine(page: Page): Locator {
  return page.getByRole('status', { name: 'Selection' });
}

export function byteCell(page: Page, offset: number): Locator {
  return page.getByRole('region', { name: 'Hex' }).locator(`.hex-bytes [data-offset="${offset}"]`);
}

export async function readDownload(download: Download): Promise<Buffer> {
  const path = await download.path();
  return readFileSync(path);
}

/** The vmdesc JSON QEMU appended to a migration stream (format.md §4), read without the app. */
export function embeddedVmdesc(stream: Buffer): { devices: { name: string; instance_id: number }[] } {
  const start = stream.lastIndexOf(Buffer.from('{"page_size"'));
  if (start < 5 || stream[start - 5] !== 0x06) throw new Error('no VMDESCRIPTION record');
  const len = stream.readUInt32BE(start - 4);
  return JSON.parse(stream.subarray(start, start + len).toString('utf8'));
}
