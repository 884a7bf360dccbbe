// Before/after evidence for a change meant to leave the page's look alone (e.g. moving CSS between
// files): in 16 states (6 views, light and dark, 1280x800; two of them also at 1920x1080) it saves
// a screenshot and every element's computed style, ::before/::after included, and compares two
// such runs. Computed styles are exact where screenshots are not: two runs of one build differ
// in a few dozen pixels (text drawn while bytes arrive), never in a computed style.
//
//   npx vite preview --outDir OLD --port 5523 & npx vite preview --port 5524 &
//   node scripts/style-snapshots.mjs http://127.0.0.1:5523/ /tmp/before
//   node scripts/style-snapshots.mjs http://127.0.0.1:5524/ /tmp/after
//   node scripts/style-snapshots.mjs --diff /tmp/before /tmp/after

import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { chromium } from '@playwright/test';

const FIXTURES = fileURLToPath(new URL('../public/fixtures/', import.meta.url));
const COMPAT = fileURLToPath(new URL('../public/compat/', import.meta.url));
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'] });

/** Every element's path and computed style, properties sorted (custom properties come in no set order). */
function styles() {
  const rows = [];
  for (const el of document.querySelectorAll('*')) {
    const path = [];
    for (let e = el; e && e !== document.documentElement; e = e.parentElement) path.unshift(`${e.tagName}.${[...e.classList].join('.')}`);
    for (const pseudo of [null, '::before', '::after']) {
      const cs = getComputedStyle(el, pseudo);
      if (pseudo && (cs.content === 'none' || cs.content === 'normal')) continue;
      const props = [];
      for (let i = 0; i < cs.length; i++) props.push(`${cs[i]}:${cs.getPropertyValue(cs[i])}`);
      rows.push(`${path.join('>')}${pseudo ?? ''} ${props.sort().join(';')}`);
    }
  }
  return rows;
}

async function drop(page, name, bytes) {
  await page.evaluate(({ name, b64 }) => {
    const dt = new DataTransfer();
    dt.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], name));
    for (const type of ['dragenter', 'dragover', 'drop']) document.body.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
  }, { name, b64: Buffer.from(bytes).toString('base64') });
}

const opened = (page) => page.locator('.app[data-open-state="done"]').waitFor();

const STATES = {
  empty: async (page) => page.getByRole('button', { name: 'Go to…' }).focus(),
  devstate: async (page) => {
    await page.getByLabel('Open state file').setInputFiles(FIXTURES + 'pc-devstate.bin');
    await opened(page);
    await page.getByRole('table', { name: 'Sections' }).getByRole('row').filter({ hasText: 'mc146818rtc' }).first().click();
    await page.locator('.ti').nth(2).click();
  },
  compare: async (page) => {
    await page.getByLabel('Open state file').setInputFiles(FIXTURES + 'libvirt/gzip.sav');
    await opened(page);
    await page.getByLabel('Compare with…').setInputFiles(FIXTURES + 'libvirt/bzip2.sav');
    await page.getByRole('region', { name: 'Comparison' }).getByRole('status').first().filter({ hasText: 'changed' }).waitFor();
    await page.getByRole('table', { name: 'Sections compared' }).getByRole('button').first().click();
  },
  xl: async (page) => {
    await drop(page, 'pc-xl.save', gunzipSync(readFileSync(FIXTURES + 'xl/pc-xl.save.gz')));
    await opened(page);
    await page.locator('summary', { hasText: 'libxc HVM_CONTEXT' }).click();
  },
  compat: async (page) => {
    await drop(page, 'pc-7.2-devstate.bin', gunzipSync(readFileSync(COMPAT + 'pc-7.2-devstate.bin.gz')));
    await opened(page);
    await page.getByRole('button', { name: 'Check against QEMU…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Check against QEMU' });
    await dialog.getByLabel('QEMU version').selectOption('10.0');
    await dialog.getByLabel('Machine type (optional)').press('Enter');
    await dialog.locator('[data-verdict]').waitFor();
  },
  multifd: async (page) => {
    await page.getByLabel('Open state file').setInputFiles(['pc-multifd-main.bin', 'pc-multifd-channel0.bin', 'pc-multifd-channel1.bin'].map((f) => FIXTURES + 'qemu10/' + f));
    await opened(page);
    await page.getByRole('region', { name: 'Multifd channels' }).getByRole('button', { name: 'Records' }).first().click();
    await page.getByRole('table', { name: /Records of/ }).waitFor();
  },
};

async function snapshot(base, out) {
  mkdirSync(out, { recursive: true });
  for (const colorScheme of ['light', 'dark']) {
    for (const [width, height] of [[1280, 800], [1920, 1080]]) {
      const page = await browser.newPage({ viewport: { width, height }, colorScheme });
      for (const [name, reach] of Object.entries(STATES)) {
        if (width === 1920 && name !== 'devstate' && name !== 'compare') continue;
        await page.goto(base);
        await reach(page);
        await page.mouse.move(0, 0);
        await page.waitForTimeout(700);
        const tag = `${name}-${colorScheme}-${width}`;
        await page.screenshot({ path: `${out}/${tag}.png` });
        writeFileSync(`${out}/${tag}.css.txt`, (await page.evaluate(styles)).join('\n'));
        console.log(tag);
      }
      await page.close();
    }
  }
}

/** Pixels whose colour differs and the box around them, decoded by the browser itself (no PNG library needed). */
async function pixelsDiffering(page, a, b) {
  return page.evaluate(async ([x, y]) => {
    const pixels = async (b64) => {
      const bitmap = await createImageBitmap(await (await fetch(`data:image/png;base64,${b64}`)).blob());
      const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
      canvas.getContext('2d').drawImage(bitmap, 0, 0);
      return canvas.getContext('2d').getImageData(0, 0, bitmap.width, bitmap.height).data;
    };
    const [p, q] = [await pixels(x), await pixels(y)];
    if (p.length !== q.length) return 'the sizes differ';
    const width = (await createImageBitmap(await (await fetch(`data:image/png;base64,${x}`)).blob())).width;
    let n = 0;
    const box = [Infinity, Infinity, -1, -1];
    for (let i = 0; i < p.length; i += 4) {
      if (p[i] === q[i] && p[i + 1] === q[i + 1] && p[i + 2] === q[i + 2]) continue;
      n++;
      const [px, py] = [(i / 4) % width, Math.floor(i / 4 / width)];
      box.splice(0, 4, Math.min(box[0], px), Math.min(box[1], py), Math.max(box[2], px), Math.max(box[3], py));
    }
    return n ? `${n} (in x ${box[0]}-${box[2]}, y ${box[1]}-${box[3]})` : '0';
  }, [a.toString('base64'), b.toString('base64')]);
}

async function diff(a, b) {
  const page = await browser.newPage();
  let styled = 0;
  for (const f of readdirSync(a).sort()) {
    const [x, y] = [readFileSync(`${a}/${f}`), readFileSync(`${b}/${f}`)];
    if (f.endsWith('.png')) {
      console.log(`${f}: ${Buffer.compare(x, y) === 0 ? '0' : await pixelsDiffering(page, x, y)} pixels differ`);
      continue;
    }
    const [p, q] = [x.toString().split('\n'), y.toString().split('\n')];
    const differing = p.map((line, i) => (line === q[i] ? -1 : i)).filter((i) => i >= 0);
    if (p.length !== q.length || differing.length) styled++;
    console.log(`${f}: ${p.length} elements, ${differing.length} computed styles differ${p.length !== q.length ? ` (${q.length} elements after)` : ''}`);
    for (const i of differing.slice(0, 2)) console.log(`  before: ${p[i].slice(0, 300)}\n  after:  ${(q[i] ?? '').slice(0, 300)}`);
  }
  console.log(styled ? `${styled} states differ in computed style` : 'every computed style equal');
}

const args = process.argv.slice(2);
if (args[0] === '--diff') await diff(args[1], args[2]);
else await snapshot(args[0], args[1]);
await browser.close();
