// `set` finds a field by the name the likely QEMU version gives it (format/likely-layouts.ts): in a
// real QEMU 10.0 device-state file, globalstate/vm_was_suspended (QEMU 10.0 carved it out of bytes
// QEMU 7.2 sent as part of `runstate`, and 7.2's same-size layout used to read the section).
// Oracles: the file decoded with the JSON description QEMU 10.0 wrote for the same VM (its twin
// migration stream), and, where Debian trixie's QEMU 10.0 is at hand (the chroot the fixture
// scripts use; not in CI), real QEMU 10.0 loading both files: resumed with `cont`, the original
// runs and the edited one is suspended, as QEMU's own flag says.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { memorySource } from '../format/byte-source.ts';
import { walkFields } from '../format/edit/find.ts';
import { scanStream } from '../format/scan.ts';
import { FIXTURE_DIR } from '../format/testing/fixtures.ts';
import { loadDescription } from '../format/vmdesc.ts';
import { main } from './main.ts';

const HELDOUT = join(FIXTURE_DIR, 'heldout/qemu-10.0');
const dir = mkdtempSync(join(tmpdir(), 'likely-set-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const input = join(dir, 'pc-10.0-devstate.bin');
writeFileSync(input, gunzipSync(readFileSync(join(HELDOUT, 'pc-devstate.bin.gz'))));
const output = join(dir, 'pc-10.0-suspended.bin');
const PATH = 'globalstate (0)/vm_was_suspended';

/** The leaf at PATH as QEMU 10.0's own description of this VM reads `bytes`. */
async function truthLeaf(bytes: Uint8Array) {
  const vmdesc = await loadDescription(memorySource(new Uint8Array(gunzipSync(readFileSync(join(HELDOUT, 'pc-migration.bin.gz'))))));
  const { model } = await scanStream(memorySource(bytes), { vmdesc });
  return [...walkFields(model.records.find((r) => r.idstr === 'globalstate')!.fields)].find((n) => n.path === PATH);
}

describe('set a field only QEMU 10.0 names, in a QEMU 10.0 device-state file', { timeout: 60_000 }, () => {
  it('inspect --json reads globalstate with QEMU 10.0\'s layout; set changes exactly that byte', async () => {
    let text = '';
    expect(await main(['inspect', '--json', input], (s) => (text += s), () => {})).toBe(0);
    const m = JSON.parse(text);
    expect(m.likely_qemu).toEqual(['10.0']);
    const gs = m.sections.find((s: { idstr?: string }) => s.idstr === 'globalstate');
    expect(gs.described_by).toMatch(/^QEMU 10\.0, /);
    expect(gs.fields.map((f: { name: string }) => f.name)).toEqual(['size', 'runstate', 'has_vm_was_suspended', 'vm_was_suspended', 'unused']);

    let err = '';
    expect(await main(['set', input, `${PATH}=1`, '-o', output], () => {}, (s) => (err += s)), err).toBe(0);
    const [a, b] = [readFileSync(input), readFileSync(output)];
    expect(b.length).toBe(a.length);
    const changed = [...a.keys()].filter((i) => a[i] !== b[i]);
    const before = await truthLeaf(new Uint8Array(a));
    expect(changed).toEqual([before!.offset]);
    expect(before!.value).toBe(0);
    expect((await truthLeaf(new Uint8Array(b)))!.value).toBe(1);
  });

  const trixie = '/var/tmp/trixie';
  it.runIf(existsSync(join(trixie, 'usr/bin/qemu-system-x86_64')))('real QEMU 10.0 loads both; after cont the original runs, the edited one is suspended', async () => {
    const { start, quit, hostPath, WORK } = await import('../../scripts/lib/compat-qemu.mjs');
    const v = { version: '10.0', root: trixie };
    const args: string[] = JSON.parse(readFileSync(join(HELDOUT, 'manifest.json'), 'utf8')).fixtures.find((f: { file: string }) => f.file === 'pc-devstate.bin.gz').args;
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const states: string[] = [];
    for (const file of [input, output]) {
      mkdirSync(hostPath(v, WORK), { recursive: true });
      const inside = `${WORK}/likely-set-${process.pid}.bin`;
      copyFileSync(file, hostPath(v, inside));
      // A device-state file loads with the configuration section turned off (docs/format.md §9).
      const q = await start(v, { binary: 'qemu-system-x86_64' }, [...args, '-global', 'migration.send-configuration=off', '-incoming', `exec:cat ${inside}`]);
      try {
        if (!q.qmp) throw new Error(`QEMU 10.0 did not start: ${q.stderr()}`);
        const qmp = q.qmp;
        let status = '';
        for (let i = 0; i < 1500 && !['completed', 'failed'].includes(status); i++, await sleep(20)) status = (await qmp.execute('query-migrate')).status;
        expect(status, q.stderr()).toBe('completed');
        await qmp.execute('cont');
        await sleep(200);
        states.push((await qmp.execute('query-status')).status);
      } finally {
        await quit(q);
        rmSync(hostPath(v, inside), { force: true });
      }
    }
    expect(states).toEqual(['running', 'suspended']);
  });
});
