// libvirt save images in the page (issue 11): the container records and XML beside the stream's
// sections; the XML edited within its room and was_running toggled; the download carries them,
// and an unedited raw image downloads byte for byte (libvirt restores such files: src/worker/libvirt-restore.test.ts).
import { expect, test } from '@playwright/test';
import { gunzipSync } from 'node:zlib';
import { editsPane } from './edit-helpers.ts';
import { expectOpened, fixtureBytes, fixturePath, openByInput, readDownload, sectionsTable } from './open-file.ts';

test('a raw libvirt image shows its records, XML and stream; XML and was_running edits download', async ({ page }) => {
  test.setTimeout(90_000);
  await page.goto('/');
  await openByInput(page, fixturePath('libvirt/raw.sav'));
  await expectOpened(page, 'raw.sav');
  const panel = page.getByRole('region', { name: 'libvirt save image' });
  await expect(panel.getByRole('cell', { name: 'QEMU migration stream' })).toBeVisible();
  await expect(panel.getByRole('cell', { name: '0x104b3' })).toBeVisible();
  await expect(panel).toContainText('file offset = stream offset + 0x104b3');
  await expect(panel.getByLabel('Domain XML')).toContainText("<description>vmstate-explorer fixture guest</description>");
  await expect(sectionsTable(page).getByRole('row').filter({ hasText: 'cpu' }).first()).toBeVisible();

  // Too large: refused with libvirt's reason, nothing changes.
  await panel.getByRole('button', { name: 'Edit XML' }).click();
  await panel.getByLabel('Edit domain XML').fill('x'.repeat(70_000));
  await panel.getByRole('button', { name: 'Apply XML' }).click();
  await expect(panel.getByRole('alert')).toContainText('cannot move');
  const xml = (await panel.getByLabel('Edit domain XML').inputValue()) && fixtureXml();
  await panel.getByLabel('Edit domain XML').fill(xml.replace(/<description>.*<\/description>/, '<description>edited in the page</description>'));
  await panel.getByRole('button', { name: 'Apply XML' }).click();
  await expect(panel.getByLabel('Domain XML')).toContainText('<description>edited in the page</description>');
  await panel.getByRole('checkbox').click();
  await expect(panel).toContainText('restore starts the guest running');
  // Both are ordinary edits: in the edit list, and undone and redone like any other.
  await expect(editsPane(page)).toContainText('set libvirt/xml');
  await expect(editsPane(page)).toContainText('set libvirt/was_running');
  await expect(editsPane(page)).toContainText('false → true');
  await page.getByRole('button', { name: 'Undo', exact: true }).click();
  await expect(panel).toContainText('restore leaves it paused');
  await expect(panel.getByLabel('Domain XML')).toContainText('<description>edited in the page</description>');
  await page.getByRole('button', { name: 'Redo', exact: true }).click();
  await expect(panel).toContainText('restore starts the guest running');

  const pending = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download edited file' }).click();
  const out = await readDownload(await pending);
  expect(out.subarray(0, 16).toString('latin1')).toBe('LibvirtQemudSave');
  expect(out.readUInt32LE(24)).toBe(1);
  expect(out.toString('latin1', 92, 2000)).toContain('<description>edited in the page</description>');
  const orig = fixtureBytes('libvirt/raw.sav');
  expect(out.length).toBe(orig.length);
  expect(out.subarray(0x104b3).equals(orig.subarray(0x104b3))).toBe(true);

  // Kept in this browser: after a reload the same image opens with both edits.
  await page.reload();
  await openByInput(page, fixturePath('libvirt/raw.sav'));
  await expectOpened(page, 'raw.sav');
  await expect(page.getByRole('note').filter({ hasText: 'Restored 2 edits to raw.sav' })).toBeVisible();
  await expect(panel.getByLabel('Domain XML')).toContainText('<description>edited in the page</description>');
  await expect(panel).toContainText('restore starts the guest running');
});

test('a gzip image decompresses in the worker; offsets are labelled in the decompressed stream', async ({ page }) => {
  await page.goto('/');
  await openByInput(page, fixturePath('libvirt/gzip.sav'));
  await expectOpened(page, 'gzip.sav');
  const panel = page.getByRole('region', { name: 'libvirt save image' });
  await expect(panel.getByRole('cell', { name: 'gzip-compressed QEMU migration stream' })).toBeVisible();
  const size = gunzipSync(fixtureBytes('libvirt/gzip.sav').subarray(0x104b3)).length;
  await expect(panel).toContainText(`in the decompressed stream (${size} bytes)`);
  // The worker hands DecompressionStream the read buffers themselves (codecs/stream-pair.ts):
  // gzip's trailer CRC-32 covers every decompressed byte, so a buffer reused too early is a problem.
  await expect(page.getByRole('region', { name: 'Problems' })).toContainText('none');
  await expect(sectionsTable(page).getByRole('row').filter({ hasText: 'cpu' }).first()).toBeVisible();
});

function fixtureXml(): string {
  const b = fixtureBytes('libvirt/raw.sav');
  return b.toString('utf8', 92, b.indexOf(0, 92));
}
