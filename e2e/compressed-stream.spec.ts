// qa10b: a stream saved through gzip (`migrate "exec:gzip -c > vm.gz"`) opened as a stream said only
// "found 1f 8b 08 00". The page's problem, and the comparison's alert, name the compressor and the
// command that gives the stream back (format/compressed-hint.ts, the CLI's words too).
import { spawnSync } from 'node:child_process';
import { expect, test } from '@playwright/test';
import { dropFile, expectOpened, fixtureBytes, fixturePath, openByInput } from './open-file.ts';

/** pc-devstate.bin through the real gzip, as `exec:gzip -c` writes it. */
const gz = () => new Uint8Array(spawnSync('gzip', ['-c'], { input: fixtureBytes('pc-devstate.bin') }).stdout);
const HINT = 'it is a gzip-compressed file (as `migrate "exec:gzip -c > FILE"` writes one), not a QEMU stream: decompress it first, `gzip -dc vm.gz > vm.bin`, and open that';

test('a gzip-compressed stream opened: its problem gives the command that decompresses it', async ({ page }) => {
  await page.goto('/');
  await dropFile(page, 'vm.gz', gz());
  await expectOpened(page, 'vm.gz');
  const problem = page.getByRole('region', { name: 'Problems' }).getByRole('button').filter({ hasText: 'Not a QEMU migration stream' });
  await expect(problem).toHaveCount(1);
  await problem.click();
  await expect(page.locator('.problem-full')).toHaveText(/found 1f 8b 08 00; /);
  await expect(page.locator('.problem-full')).toContainText(HINT);
});

test('comparing with a gzip-compressed stream: the alert gives the same command', async ({ page }) => {
  await page.goto('/');
  await openByInput(page, fixturePath('pc-devstate.bin'));
  await expectOpened(page, 'pc-devstate.bin');
  await dropFile(page, 'vm.gz', gz(), 'compare');
  await expect(page.getByRole('region', { name: 'Comparison' }).getByRole('alert')).toContainText(`vm.gz: error at 0x0 (0): Not a QEMU migration stream`);
  await expect(page.getByRole('region', { name: 'Comparison' }).getByRole('alert')).toContainText(HINT);
});
