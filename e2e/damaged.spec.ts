import { expect, test } from '@playwright/test';
import { col, dropFile, embeddedVmdesc, expectOpened, fixtureBytes, statusLine, tableRows } from './open-file.ts';

const good = fixtureBytes('q35-migration.bin');
const devices = embeddedVmdesc(good).devices;

/** Offset of the FULL record of `idstr` instance 0, found by its header bytes (format.md §2.1). */
function fullRecordAt(bytes: Buffer, idstr: string): number {
  const name = Buffer.from(idstr, 'latin1');
  for (let i = bytes.indexOf(name); i >= 0; i = bytes.indexOf(name, i + 1)) {
    const at = i - 6;
    if (at >= 0 && bytes[at] === 0x04 && bytes[i - 1] === name.length && bytes.readUInt32BE(i + name.length) === 0) return at;
  }
  throw new Error(`no FULL record for ${idstr}`);
}

test.beforeEach(async ({ page }) => {
  await page.goto('/');
});

test('a file cut inside a section shows every section before the cut and the problem', async ({ page }) => {
  const apic = fullRecordAt(good, 'apic');
  const cut = apic + 40;
  await dropFile(page, 'cut.bin', good.subarray(0, cut));
  await expectOpened(page, 'cut.bin');
  const before = devices.map((d) => d.name).slice(0, devices.findIndex((d) => d.name === 'apic'));
  const full = (rows: string[][]) => rows.filter((r) => r[col('Type')] === 'FULL');
  expect(full(await tableRows(page)).map((r) => r[col('Device')])).toEqual(before);
  // The cut took the JSON description with it; the intact stream supplies it again, and every
  // section before the cut decodes cleanly.
  await dropFile(page, 'q35-migration.bin', good, 'description');
  await expect(page.locator('.file-info')).toContainText('described by q35-migration.bin');
  const rows = full(await tableRows(page));
  expect(rows.map((r) => `${r[col('Device')]} ${r[col('Decoded by')]} ${r[col('Status')]}`)).toEqual(before.map((d) => `${d} supplied ok`));

  const problems = page.getByRole('region', { name: 'Problems' });
  const first = problems.getByRole('button').filter({ hasText: 'Unexpected end of file' }).first();
  await expect(first).toBeVisible();
  await first.click();
  await expect(statusLine(page)).toHaveText(/^0x[0-9a-f]+ \(1 byte\) damaged$/);
  const damaged = (await tableRows(page)).filter((r) => r[col('Type')] === 'damaged');
  expect(damaged.map((r) => [parseInt(r[col('Offset')], 16), Number(r[col('Size')].replace(/,/g, ''))])).toEqual([[apic, cut - apic]]);
  await expect(page.locator('.file-info')).toContainText('incomplete');
});

test('a corrupted record type is an error; decoding resumes at the next section', async ({ page }) => {
  const bad = Buffer.from(good);
  const hpet = fullRecordAt(bad, 'hpet');
  bad[hpet] = 0x09;
  await dropFile(page, 'corrupt.bin', bad);
  await expectOpened(page, 'corrupt.bin');
  const rows = await tableRows(page);
  const damaged = rows.find((r) => r[col('Type')] === 'damaged')!;
  const from = parseInt(damaged[col('Offset')], 16);
  const size = Number(damaged[col('Size')].replace(/,/g, ''));
  expect(from <= hpet && hpet < from + size).toBe(true);
  expect(damaged[col('Status')]).toMatch(/^error/);
  // Everything after the damaged record is still decoded.
  const after = devices.map((d) => d.name).slice(devices.findIndex((d) => d.name === 'hpet') + 1);
  const shownAfter = rows.slice(rows.indexOf(damaged) + 1).filter((r) => r[col('Type')] === 'FULL');
  expect(shownAfter.map((r) => r[col('Device')])).toEqual(after);
  expect(shownAfter.every((r) => r[col('Status')] === 'ok')).toBe(true);

  const problems = page.getByRole('region', { name: 'Problems' });
  await expect(problems).toContainText('1 error');
  const problem = problems.getByRole('button').first();
  const at = parseInt((await problem.locator('.mono').textContent())!, 16);
  await problem.click();
  await expect(statusLine(page)).toHaveText(`0x${at.toString(16)} (1 byte) damaged`);
  await expect(page.getByRole('region', { name: 'Hex' }).locator(`.hex-bytes [data-offset="${at}"]`)).toHaveClass(/\bcaret\b/);
});
