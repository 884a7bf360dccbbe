import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { expectOpened, fixturePath, openByInput } from './open-file.ts';

// The Content-Security-Policy in index.html must not break Vite's dev server, which inlines the
// React refresh preamble and injects CSS as <style> elements; preview is what the other specs use.
const PORT = Number(process.env.E2E_DEV_PORT ?? 4319);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
let server: ChildProcess | undefined;

test.beforeAll(async () => {
  // Vite itself, not an npx wrapper, so that stopping it stops the server.
  const vite = fileURLToPath(new URL('../node_modules/vite/bin/vite.js', import.meta.url));
  server = spawn(process.execPath, [vite, '--host', '127.0.0.1', '--port', String(PORT), '--strictPort'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  server.stdout!.on('data', (d) => (output += d));
  server.stderr!.on('data', (d) => (output += d));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (server.exitCode !== null || Date.now() > deadline) throw new Error(`vite dev server did not start:\n${output}`);
    const up = await fetch(`http://127.0.0.1:${PORT}/`).then((r) => r.ok, () => false);
    if (up) break;
    await new Promise((r) => setTimeout(r, 100));
  }
});

test.afterAll(() => {
  server?.kill('SIGTERM');
});

test('the page works under its CSP on the Vite dev server', async ({ page }) => {
  const problems: string[] = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  page.on('pageerror', (e) => problems.push(e.message));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.effectiveDirective} ${e.blockedURI}`));
  });
  await page.goto(`http://127.0.0.1:${PORT}/`);
  await expect(page.getByRole('heading', { name: /Drop a QEMU state file/ })).toBeVisible();
  // Styles arrived (injected by the dev server): the toolbar is laid out as a flex row.
  await expect(page.locator('.toolbar')).toHaveCSS('display', 'flex');
  await page.getByRole('button', { name: 'Open sample' }).click();
  await page.getByRole('menuitem', { name: /q35 migration/ }).click();
  await expectOpened(page, 'q35-migration.bin');
  expect(problems).toEqual([]);
});

test('an lzop image decompresses in a nested worker on the Vite dev server too', async ({ page }) => {
  const workers: string[] = [];
  page.on('worker', (w) => workers.push(w.url()));
  await page.goto(`http://127.0.0.1:${PORT}/`);
  await openByInput(page, fixturePath('libvirt/lzop.sav'));
  await expectOpened(page, 'lzop.sav');
  await expect(page.getByRole('region', { name: 'Problems' })).toContainText('none');
  expect(workers.filter((u) => /inflate-worker/.test(u))).toHaveLength(1);
});
