// An xl image edited inside both kinds of record — a CMOS byte of QEMU's device state in
// EMULATOR_CONTEXT and a vCPU register in HVM_CONTEXT — still passes Xen's own verify-stream-v2
// (scripts/lib/xen-verify.mjs; .ci/run installs it), and its EMULATOR_CONTEXT still loads into
// QEMU 7.2 (the -incoming recipe of docs/format.md §9), which then reports the edited CMOS byte.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { memorySource, subSource } from '../byte-source.ts';
import { planFieldEdit } from '../edit/plan.ts';
import { bundledLibrary } from '../library-bundled.ts';
import { scanStream } from '../scan.ts';
import { FIXTURE_DIR } from '../testing/fixtures.ts';
import { loadIntoQemu } from '../../../scripts/lib/qemu.mjs';
import { verifyXenStream, xenVerifierAvailable } from '../../../scripts/lib/xen-verify.mjs';
import { readHvmContext } from './hvm-context.ts';
import { readXenImage } from './xl-image.ts';

const hasQemu = (() => {
  try {
    return /version 7\.2\./.test(execFileSync('qemu-system-x86_64', ['--version'], { encoding: 'utf8' }));
  } catch {
    return false;
  }
})();

describe.runIf((hasQemu && xenVerifierAvailable()) || process.env.CI)('an edited xl image and the real tools', () => {
  it('passes verify-stream-v2 and its device state loads into QEMU 7.2 with the edit', async () => {
    const bytes = new Uint8Array(gunzipSync(readFileSync(join(FIXTURE_DIR, 'xl/pc-xl.save.gz'))));
    const img = await readXenImage(memorySource(bytes));
    const ctx = img.records.find((r) => r.name === 'EMULATOR_CONTEXT')!;
    const inner = subSource(memorySource(bytes), ctx.bodyOffset + 8, ctx.length - 8);
    const { model } = await scanStream(inner, { library: bundledLibrary() });
    const plan = planFieldEdit(model, 'mc146818rtc (0)/cmos_data[63]', '0x5a');
    if (!plan.ok) throw new Error(plan.reason);
    const edited = bytes.slice();
    for (const s of plan.change.splices) {
      expect(s.inserted.length).toBe(s.removed.length);
      edited.set(s.inserted, ctx.bodyOffset + 8 + s.offset);
    }
    const hvm = img.records.find((r) => r.name === 'HVM_CONTEXT')!;
    const rax = (await readHvmContext(memorySource(bytes), hvm.bodyOffset, hvm.length)).find((e) => e.name === 'CPU')!.fields.find((f) => f.name === 'rax')!;
    new DataView(edited.buffer).setBigUint64(rax.offset, 0xdeadbeefn, true);

    const dir = mkdtempSync(join(tmpdir(), 'xl-edit-'));
    writeFileSync(join(dir, 'edited.save'), edited);
    const verdict = verifyXenStream(join(dir, 'edited.save'), 'xl');
    expect(verdict.ok, verdict.output).toBe(true);
    expect((await readHvmContext(memorySource(edited), hvm.bodyOffset, hvm.length)).find((e) => e.name === 'CPU')!.fields.find((f) => f.name === 'rax')!.value).toBe(0xdeadbeef);

    writeFileSync(join(dir, 'devstate.bin'), edited.subarray(ctx.bodyOffset + 8, ctx.bodyOffset + ctx.length));
    const r = await loadIntoQemu(join(dir, 'devstate.bin'), 'pc-xen-devstate');
    try {
      expect(r.ok, r.stderr).toBe(true);
      await r.qmp!.hmp('o /b 0x70 0x3f');
      expect((await r.qmp!.hmp('i /b 0x71')).trim()).toMatch(/= 0x5a$/);
    } finally {
      await r.close();
    }
  });
});
