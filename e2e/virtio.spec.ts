// A Xen device-state file (no footers, no description) opened with the bundled libraries: every
// section, the virtio ones included, is framed exactly, and a virtio state's parts are fields.
import { expect, test } from '@playwright/test';
import { col, expectOpened, fixturePath, openByInput, statusLine, tableRows } from './open-file.ts';

test('a footer-less Xen file frames its virtio sections exactly and shows their queues as fields', async ({ page }) => {
  await page.goto('/');
  await openByInput(page, fixturePath('pc-xen-devstate.bin'));
  await expectOpened(page, 'pc-xen-devstate.bin');
  const rows = await tableRows(page);
  const sections = rows.filter((r) => r[col('Type')] === 'FULL');
  expect(sections.filter((r) => /virtio/.test(r[col('Device')])).length).toBe(4);
  for (const r of sections) expect(`${r[col('Device')]} ${r[col('Decoded by')]} ${r[col('Status')]}`).toMatch(/ bundled( · [\d.]+)? ok$/);
  // virtio-blk on PCI with -smp 2: two virtqueues (virtio_save's be32 queue count).
  const path = '0000:00:0a.0/virtio-blk (0)/virtio.num_queues';
  await page.keyboard.press('Control+g');
  await page.getByLabel('Go to offset or field').fill(path);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('tree', { name: 'Fields' }).getByRole('treeitem', { selected: true })).toHaveAttribute('aria-label', /^num_queues = 0x2 \(2\), uint32, 0x[0-9a-f]+$/);
  await expect(statusLine(page)).toContainText('(4 bytes) 0000:00:0a.0/virtio-blk (0) / virtio.num_queues');
});
