// The hostdev fixtures (public/fixtures/hostdev: ivshmem-plain/-doorbell, vmmouse, ccid-card-emulated,
// cxl-type3 behind pxb-cxl, nvme on 11.1) against what real QEMU did with them:
// scripts/make-compat-hostdev.mjs loaded each file of QEMU A into QEMU B for issue 12's pairs, on
// the VM's own command line as B builds it (public/compat/loads-hostdev.json, with what the check
// predicted before each load first ran). The check runs as the CLI runs it (run.ts: the target's
// facts and reference VM of the file's family from public/compat); each file is decoded with its
// twin stream's description. Every prediction must equal QEMU's verdict, its first message and
// the section it names. The same for the pseries VM with a second PHB, a bridge, DIMM and NVDIMM
// (public/fixtures/values; make-compat-hostdev.mjs --set values -> public/compat/loads-values.json).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { memorySource } from '../byte-source.ts';
import { scanStream } from '../scan.ts';
import { FIXTURE_DIR } from '../testing/fixtures.ts';
import { matches, qemuLine, type Prediction } from '../testing/compat-loads.ts';
import { loadDescription } from '../vmdesc.ts';
import { checkAgainst, CompatData } from './run.ts';

const COMPAT = join(FIXTURE_DIR, '../compat');
const gz = (path: string) => new Uint8Array(gunzipSync(readFileSync(path)));
const data = new CompatData(async (name) => (existsSync(join(COMPAT, `${name}.gz`)) ? gz(join(COMPAT, `${name}.gz`)) : null));
interface Load { from: string; to: string; vm: string; kind: string; file: string; ok: boolean; messages: string[]; firstPrediction: Prediction }
/** Each group of fixtures with its loads: every pair of issue 12, three kinds per VM (nvme-q35 only from 11.1). */
const SETS = [{ set: 'hostdev', count: 63 }, { set: 'values', count: 15 }];

for (const { set, count } of SETS) {
  const dir = join(FIXTURE_DIR, set);
  const loads: Load[] = JSON.parse(readFileSync(join(COMPAT, `loads-${set}.json`), 'utf8')).loads;

  describe(`compatibility check vs real loads of the ${set} VMs`, { timeout: 120_000 }, () => {
    it('has every pair of issue 12, three kinds per VM, each with the prediction made before it', () => {
      expect(loads.length).toBe(count);
      expect(loads.every((l) => l.firstPrediction && typeof l.ok === 'boolean')).toBe(true);
      const first = loads.filter((l) => matches(l, l.firstPrediction)).length;
      console.log(`${set} loads: predicted right before the loads ${first} of ${loads.length} (verdict alone: ${loads.filter((l) => (l.firstPrediction.verdict === 'fails') === !l.ok).length})`);
    });

    it.each(loads.map((l) => [`${l.vm} ${l.from} -> ${l.to} ${l.kind}`, l] as const))('%s', async (_name, l) => {
      const bytes = gz(join(dir, l.file));
      const vmdesc = await loadDescription(memorySource(gz(join(dir, `qemu-${l.from}`, `${l.vm}-migration.bin.gz`))));
      const { model } = await scanStream(memorySource(bytes), { vmdesc });
      const report = await checkAgainst(model, async (o, n) => bytes.subarray(o, o + n), { version: l.to }, data);
      const p: Prediction = { verdict: report.verdict, message: report.first?.message, section: report.first?.section };
      expect(matches(l, p), `QEMU: ${l.ok ? 'loads' : qemuLine(l)}; predicted ${JSON.stringify(p)}`).toBe(true);
    });
  });
}
