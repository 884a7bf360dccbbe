// `npm run bench`, the comparison's Node figures (issue #13), on two 4 GiB streams of one guest
// that differ in 3 RAM pages and 2 RTC fields (bench-inputs.ts diffInputs):
//   device differences from the ends of both files (devices first on both sides, then
//   diffSections), against the 0.5 s target;
//   the whole comparison as `diff A B` makes it (both files scanned, then every RAM page compared,
//   both files read side by side: ram-paired.ts) against one core scan of one file, target <= 2.5x.
import { devicesFirst } from '../src/format/devices-first.ts';
import { diffFiles } from '../src/format/diff/diff-files.ts';
import { diffSections } from '../src/format/diff/sections.ts';
import { scanStream } from '../src/format/scan.ts';
import { bundledLibrary } from '../src/format/library-bundled.ts';
import { fileSource, nodeEqualBytes } from '../src/cli/node-source.ts';
import { preliminaryModel } from '../src/worker/preliminary.ts';
import { loadavg } from 'node:os';
import { diffInputs } from './bench-inputs.ts';

const RUNS = 5;
const fmt = (ms: number) => `${ms.toFixed(ms < 100 ? 1 : 0)} ms`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const v = await fn();
  return [performance.now() - t, v];
}

export async function benchDiff(): Promise<void> {
  const { left, right, differingPages } = await diffInputs();
  const ls = await fileSource(left);
  const rs = await fileSource(right);
  try {
    const library = bundledLibrary();
    const devices: number[] = [];
    const scans: number[] = [];
    const full: number[] = [];
    let summary = '';
    for (let i = 0; i < RUNS; i++) {
      const [dms, d] = await timed(async () => {
        const [l, r] = await Promise.all([preliminaryModel(ls, library), preliminaryModel(rs, library)]);
        if (!l.ok || !r.ok) throw new Error(`devices first failed: ${l.ok ? '' : l.reason} ${r.ok ? '' : r.reason}`);
        return diffSections({ name: 'left', model: l.model, read: ls.read }, { name: 'right', model: r.model, read: rs.read });
      });
      devices.push(dms);
      const changed = d.sections.filter((s) => s.status !== 'same').map((s) => `${s.key}: ${s.fields.map((f) => f.path).join(', ')}`);
      const [sms] = await timed(() => scanStream(ls));
      scans.push(sms);
      const [fms, f] = await timed(() => diffFiles({ name: 'left', source: ls }, { name: 'right', source: rs }, { library, equalBytes: nodeEqualBytes }));
      full.push(fms);
      summary = `devices first: ${changed.join('; ') || 'none changed'}; full: ${f.result.ram?.differing} RAM pages differ (expected ${differingPages}), ${f.result.counts.changed} section(s) changed`;
    }
    // Devices-first alone, for the record: what the 0.5 s is spent on.
    const [firstOnly] = await timed(() => devicesFirst(rs, { library }));
    const dev = median(devices);
    const ratio = median(full) / median(scans);
    console.log(`\ncomparison of two 4 GiB streams (median of ${RUNS}, interleaved; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}): ${summary}`);
    console.log(`  device differences, devices first on both sides: ${devices.map(fmt).join(', ')}  (one side's devicesFirst alone ${fmt(firstOnly)}; target < 500 ms: ${dev < 500 ? 'met' : 'MISSED'})`);
    console.log(`  one core scan of one file:                        ${scans.map(fmt).join(', ')}`);
    console.log(`  whole comparison (2 scans, every page compared):  ${full.map(fmt).join(', ')}`);
    console.log(`  ratio whole comparison / one scan ${ratio.toFixed(2)} (target <= 2.5: ${ratio <= 2.5 ? 'met' : 'MISSED'})`);
  } finally {
    await ls.close();
    await rs.close();
  }
}
