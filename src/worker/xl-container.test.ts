// The worker opens xl save images (scripts/make-xl-fixtures.mjs, accepted by Xen's verify-stream-v2)
// as the QEMU device state inside their EMULATOR_CONTEXT record, with every libxl/libxc record
// beside it; downloads put the record back around the edited state: byte-identical unedited, and
// after an edit still accepted by Xen's verifier, with the record's length and padding right.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { memorySource } from '../format/byte-source.ts';
import { bundledLibrary } from '../format/library.ts';
import { scanStream } from '../format/scan.ts';
import { FIXTURE_DIR, fixtureBytes } from '../format/testing/fixtures.ts';
import { readXenImage } from '../format/xen/xl-image.ts';
import { verifyXenStream, xenVerifierAvailable } from '../../scripts/lib/xen-verify.mjs';
import { Session } from './session.ts';
import { appliedFile as applied, ask, downloadBytes as download } from './test-support.ts';

const image = new Uint8Array(gunzipSync(readFileSync(join(FIXTURE_DIR, 'xl/pc-xl.save.gz'))));
const open = (s: Session) => ask(s, { type: 'open', file: new Blob([image as Uint8Array<ArrayBuffer>]), name: 'pc-xl.save' });

describe('xl save images in the worker', { timeout: 60_000 }, () => {
  it('opens as the device state inside EMULATOR_CONTEXT, with the Xen records and the HVM vCPU registers beside it', async () => {
    const f = await open(new Session());
    const bare = (await scanStream(memorySource(fixtureBytes('pc-xen-devstate.bin')), { library: bundledLibrary() })).model;
    expect(f.model).toEqual(bare);
    expect(f.container!.kind).toBe('xl');
    const hvm = f.container!.records.find((r) => r.title === 'libxc HVM_CONTEXT')!;
    const cpu = hvm.fields!.find((n) => n.name === 'CPU (0)')!;
    expect(BigInt(cpu.children!.find((c) => c.name === 'rbx')!.value as string)).toBe(0x1111000000000202n);
    expect(f.container!.records.find((r) => r.kind === 'config')?.text).toMatch(/"type":"hvm"/);
  });

  it('downloads byte-identical unedited, and edited with the record length kept right', async () => {
    const s = new Session();
    const f0 = await open(s);
    expect(Buffer.from(await download(s, f0)).equals(Buffer.from(image))).toBe(true);
    const f1 = applied(await ask(s, { type: 'edit', generation: f0.generation, edit: { kind: 'field', path: 'mc146818rtc (0)/cmos_data[63]', value: '0x5a' }, force: false }));
    const edited = await download(s, f1);
    const x = await readXenImage(memorySource(edited));
    expect(x.problems).toEqual([]);
    expect(x.complete).toBe(true);
    const ctx = x.records.find((r) => r.name === 'EMULATOR_CONTEXT')!;
    const inner = edited.subarray(ctx.bodyOffset + 8, ctx.bodyOffset + ctx.length);
    const { model } = await scanStream(memorySource(inner), { library: bundledLibrary() });
    const cmos = [...model.records].find((r) => r.idstr === 'mc146818rtc')!;
    const data = cmos.fields!.find((n) => n.name === 'cmos_data')!;
    expect(inner[data.offset + 63]).toBe(0x5a);
    if (xenVerifierAvailable() || process.env.CI) {
      const file = join(mkdtempSync(join(tmpdir(), 'xl-dl-')), 'edited.save');
      writeFileSync(file, edited);
      const v = verifyXenStream(file, 'xl');
      expect(v.ok, v.output).toBe(true);
    }
  });
});
