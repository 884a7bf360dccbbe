// Issue #11: two libvirt save images compared in the page. raw.sav (real libvirt 9.0) against the
// copy the CLI's own `set` makes with was_running=1 and another <description> (what `virsh
// save-image-edit --running` does): the same stream, so the devices and RAM agree, and the page
// read "same device state" with nothing else. It now names both differences, as `diff` does.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { seriousAxe } from './axe.ts';
import { expectOpened, fixturePath, openByInput } from './open-file.ts';

const BIN = join(import.meta.dirname, '../bin/vmstate-explorer.js');
const dir = mkdtempSync(join(tmpdir(), 'vmstate-e2e-compare-libvirt-'));
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('raw.sav against a copy with was_running and the description changed: both named, never "same"', async ({ page, context }) => {
  const raw = fixturePath('libvirt/raw.sav');
  const xml = spawnSync('node', [BIN, 'xml', raw], { encoding: 'utf8' }).stdout;
  const xmlFile = join(dir, 'other.xml');
  writeFileSync(xmlFile, xml.replace('<description>vmstate-explorer fixture guest</description>', '<description>edited before restore</description>'));
  const edited = join(dir, 'edited.sav');
  expect(spawnSync('node', [BIN, 'set', raw, 'libvirt/was_running=1', `libvirt/xml=@${xmlFile}`, '-o', edited]).status).toBe(0);
  expect(spawnSync('node', [BIN, 'diff', raw, edited]).status).toBe(1);

  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.goto('/');
  await openByInput(page, raw);
  await expectOpened(page, 'raw.sav');
  await page.getByLabel('Compare with…').setInputFiles(edited);
  const panel = page.getByRole('region', { name: 'Comparison' });
  await expect(panel.getByRole('status').first()).toHaveText('devices the same · RAM: 0 pages differ · libvirt: was_running, domain XML differ');
  await expect(panel).not.toContainText(/same device state|equal|identical/);
  const box = panel.getByRole('region', { name: 'libvirt image compared' });
  await expect(box.getByRole('heading')).toHaveText('libvirt image: 2 differences');
  await expect(box.getByRole('listitem').first()).toContainText('was_running false → true');
  await expect(box.getByRole('listitem').nth(1)).toContainText('domain XML changed: 1 line differs');
  const line = xml.split('\n').findIndex((l) => l.includes('<description>')) + 1;
  const changes = [`@@ -${line} +${line} @@`, '-  <description>vmstate-explorer fixture guest</description>', '+  <description>edited before restore</description>'];
  // The XML as text: the tags are characters of the block, not elements.
  const text = box.getByLabel('domain XML changes');
  await expect(text).toHaveText(changes.join('\n'));
  expect(await text.evaluate((el) => el.children.length)).toBe(0);
  await box.getByRole('button', { name: 'Copy domain XML changes' }).click();
  await expect(box.getByText('Copied')).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(changes.join('\n') + '\n');
  expect(await seriousAxe(page)).toEqual([]);
});

test('a long XML change shows 40 lines and "N more lines"; Copy takes all of them', async ({ page, context }) => {
  const raw = fixturePath('libvirt/raw.sav');
  const xml = spawnSync('node', [BIN, 'xml', raw], { encoding: 'utf8' }).stdout;
  const added = Array.from({ length: 60 }, (_, i) => `  <!-- note ${i} -->`);
  writeFileSync(join(dir, 'long.xml'), xml.replace('  <memory', `${added.join('\n')}\n  <memory`));
  const long = join(dir, 'long.sav');
  expect(spawnSync('node', [BIN, 'set', raw, `libvirt/xml=@${join(dir, 'long.xml')}`, '-o', long]).status).toBe(0);

  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.goto('/');
  await openByInput(page, raw);
  await expectOpened(page, 'raw.sav');
  await page.getByLabel('Compare with…').setInputFiles(long);
  const box = page.getByRole('region', { name: 'libvirt image compared' });
  await expect(box.getByRole('listitem')).toHaveCount(1);
  await expect(box.getByRole('listitem')).toContainText('domain XML changed: 60 lines differ');
  const at = xml.split('\n').findIndex((l) => l.includes('<memory')) + 1;
  const all = [`@@ -${at - 1},0 +${at},60 @@`, ...added.map((l) => `+${l}`)];
  await expect(box.getByLabel('domain XML changes')).toHaveText(all.slice(0, 40).join('\n'));
  await expect(box).toContainText('21 more lines');
  await box.getByRole('button', { name: 'Copy domain XML changes' }).click();
  await expect(box.getByText('Copied')).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(all.join('\n') + '\n');
});
