// The virtqueue reader on each transport against an oracle outside it: every reference VM in
// public/compat was saved before any guest ran, so each saved vring.num is the size QEMU allocated
// the queue with, which the compat script asked the same QEMU binary for over QMP
// (x-query-virtio-queue-status vring-num-default, the `virtio` facts). A misplaced reader finds
// other bytes there.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { memorySource } from '../byte-source.ts';
import { DecodeError } from '../errors.ts';
import type { FieldNode } from '../model.ts';
import { scanStream } from '../scan.ts';
import { FIXTURE_DIR } from '../testing/fixtures.ts';
import { loadDescription } from '../vmdesc.ts';
import type { CompatTarget } from './check.ts';
import { readVirtioBlob, virtioTransport } from './virtio-blob.ts';

const DIR = join(FIXTURE_DIR, '../compat');
const gz = (name: string) => new Uint8Array(gunzipSync(readFileSync(join(DIR, name))));
function* walk(nodes: readonly FieldNode[] | undefined): Generator<FieldNode> {
  for (const n of nodes ?? []) yield n, yield* walk(n.children);
}

const VMS = [
  { vm: 'pc', arch: 'x86_64', transport: 'pci' },
  { vm: 'q35', arch: 'x86_64', transport: 'pci' },
  { vm: 'virt', arch: 'aarch64', transport: 'pci' },
  { vm: 'pseries', arch: 'ppc64', transport: 'pci' },
  { vm: 's390-ccw-virtio', arch: 's390x', transport: 'ccw' },
  // The held-out VMs (scripts/make-compat-heldout.mjs): virtio-mmio, and two devices on CCW.
  { vm: 'microvm-rng', arch: 'x86_64', transport: 'mmio' },
  { vm: 'pc-balloon', arch: 'x86_64', transport: 'pci' },
  { vm: 's390-balloon-net', arch: 's390x', transport: 'ccw' },
  { vm: 'q35-serial-scsi', arch: 'x86_64', transport: 'pci' },
  { vm: 'pseries-net-balloon', arch: 'ppc64', transport: 'pci' },
  // virtio-balloon on virtio-mmio (3 queues of 18 bytes) beside virtio-net-pci.
  { vm: 'virt-balloon-mmio', arch: 'aarch64', transport: 'pci+mmio' },
] as const;

describe('virtqueues read from real virtio state on each transport', { timeout: 60_000 }, () => {
  for (const { vm, arch, transport } of VMS) {
    for (const v of ['7.2', '10.0', '11.1']) {
      it(`${vm} ${v}: each saved vring.num is QEMU ${v}'s allocated size`, async () => {
        const bytes = gz(`${vm}-${v}-devstate.bin.gz`);
        const { model } = await scanStream(memorySource(bytes), { vmdesc: await loadDescription(memorySource(gz(`${vm}-${v}-migration.bin.gz`))) });
        const facts = (JSON.parse(new TextDecoder().decode(gz(`qemu-${v}-${arch}.json.gz`))) as CompatTarget).virtio!;
        let seen = 0;
        for (const r of model.records) {
          for (const n of walk(r.fields)) {
            if (n.type !== 'virtio') continue;
            const t = virtioTransport(r.idstr!)!;
            expect(transport === 'pci+mmio' ? ['pci', 'mmio'] : [transport]).toContain(t);
            const blob = readVirtioBlob(bytes.subarray(n.offset, n.offset + n.size), t, n.offset);
            expect(blob.queues.map((q) => q.num)).toEqual(facts.queueSizes[r.vmsdName!]);
            seen++;
          }
        }
        expect(seen).toBeGreaterThan(0);
      });
    }
  }

  it('names the transport from the qdev path QEMU gives the section', () => {
    expect(virtioTransport('0000:00:03.0/virtio-rng')).toBe('pci');
    expect(virtioTransport('0000:00:1c.0:00.0/virtio-net')).toBe('pci');
    expect(virtioTransport('pci@800000020000000:00.0/virtio-rng')).toBe('pci');
    expect(virtioTransport('/fe.0.0000/virtio-rng')).toBe('ccw');
    expect(virtioTransport('virtio-mmio@000000000a003e00/virtio-rng')).toBe('mmio');
    expect(virtioTransport('virtio-rng')).toBe(null);
  });

  it('refuses a CCW state with a subsection it does not know, naming its offset', async () => {
    const bytes = gz('s390-ccw-virtio-10.0-devstate.bin.gz');
    const { model } = await scanStream(memorySource(bytes), { vmdesc: await loadDescription(memorySource(gz('s390-ccw-virtio-10.0-migration.bin.gz'))) });
    const n = model.records.flatMap((r) => [...walk(r.fields)]).find((x) => x.type === 'virtio')!;
    const blob = bytes.slice(n.offset, n.offset + n.size);
    const at = 366 + 2; // the first subsection's name, after vmstate_subch_dev's fields
    expect(new TextDecoder().decode(blob.subarray(at, at + 18))).toBe('s390_subch_dev/orb');
    blob[at] = 'x'.charCodeAt(0);
    const e = (() => {
      try {
        readVirtioBlob(blob, 'ccw', n.offset);
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(DecodeError);
    expect((e as DecodeError).offset).toBe(n.offset + 366);
    expect((e as DecodeError).message).toMatch(/found 'x390_subch_dev\/orb'/);
  });
});
