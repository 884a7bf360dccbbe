#!/usr/bin/env node
// Held-out real files for the description libraries (issue 12, "Targets"): for QEMU 7.2 (host), 10.0
// (/var/tmp/trixie) and 11.1 (/var/tmp/forky) and each machine the libraries cover, one VM whose device
// mix no library probe used (several devices at once, the guest run for a moment where its firmware
// allows), saved twice without changing state in between:
//   <machine>-devstate.bin.gz   QMP xen-save-devices-state (header, sections with footers, EOF, no JSON)
//   <machine>-migration.bin.gz  `migrate` to a file: the same sections plus RAM and the vmdesc JSON,
//                               the truth the library-only decode is compared with
// gzipped (test-only files; RAM is mostly zero pages). These files must never be used to make a library.
// Written to public/fixtures/heldout/qemu-<version>/ with manifest.json (arguments, QEMU version, sizes).
//
// Usage (as root: chroot(2)): node scripts/make-fixtures-heldout.mjs [--only 10.0] [--machines pc,q35]
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chosenQemus, qemuVersionText, REPO_ROOT, startQemu } from './lib/qemu.mjs';
import { waitForMigration } from './lib/qmp.mjs';

const argv = process.argv.slice(2);
const opt = (n) => (argv.includes(n) ? argv[argv.indexOf(n) + 1] : null);
const QEMUS = chosenQemus(argv);
const COMMON = ['-nodefaults', '-display', 'none', '-S'];
/** `run`: let the guest (its firmware) run this long before stopping it; 0 keeps it at reset state. */
const MACHINES = [
  { label: 'pc', binary: 'qemu-system-x86_64', run: 300, args: ['-M', 'pc', '-m', '64', '-smp', '2', '-rtc', 'base=2024-01-01T00:00:00,clock=vm', '-vga', 'std',
    '-device', 'e1000e', '-device', 'virtio-balloon-pci', '-device', 'qemu-xhci', '-device', 'usb-tablet', '-device', 'virtio-rng-pci', '-device', 'i6300esb'] },
  { label: 'q35', binary: 'qemu-system-x86_64', run: 300, args: ['-M', 'q35', '-m', '64', '-smp', '2', '-rtc', 'base=2024-01-01T00:00:00,clock=vm', '-vga', 'std',
    '-device', 'e1000e', '-device', 'virtio-serial-pci', '-device', 'qemu-xhci', '-device', 'usb-kbd', '-device', 'virtio-rng-pci'] },
  { label: 'virt-gicv2', binary: 'qemu-system-aarch64', run: 200, args: ['-M', 'virt,gic-version=2', '-cpu', 'cortex-a57', '-m', '64', '-smp', '2', '-seed', '1',
    '-device', 'virtio-rng-device', '-device', 'virtio-balloon-device', '-device', 'virtio-net-pci', '-device', 'qemu-xhci', '-device', 'usb-kbd'] },
  { label: 'virt-gicv3', binary: 'qemu-system-aarch64', run: 200, args: ['-M', 'virt,gic-version=3', '-cpu', 'cortex-a57', '-m', '64', '-smp', '2', '-seed', '1',
    '-device', 'virtio-keyboard-device', '-device', 'virtio-rng-pci', '-device', 'virtio-serial-device', '-device', 'virtio-balloon-pci'] },
  { label: 'pseries', binary: 'qemu-system-ppc64', run: 300, args: ['-M', 'pseries', '-m', '256', '-smp', '2', '-chardev', 'null,id=c0', '-device', 'spapr-vty,chardev=c0',
    '-device', 'virtio-rng-pci', '-device', 'virtio-balloon-pci', '-device', 'qemu-xhci', '-device', 'usb-kbd'] },
  { label: 's390-ccw-virtio', binary: 'qemu-system-s390x', run: 0, args: ['-M', 's390-ccw-virtio', '-m', '128', '-smp', '2',
    '-device', 'virtio-rng-ccw', '-device', 'virtio-balloon-ccw', '-device', 'virtio-serial-ccw', '-device', 'virtio-net-ccw'] },
].filter((m) => !opt('--machines') || opt('--machines').split(',').includes(m.label));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function make(q, m, work) {
  const inside = (p) => (q.chroot ? p.slice(q.chroot.length) : p);
  const args = [...m.args, ...COMMON];
  const vm = await startQemu(m.binary, args, { chroot: q.chroot ?? undefined });
  try {
    if (m.run) {
      await vm.qmp.execute('cont');
      await sleep(m.run);
      await vm.qmp.execute('stop');
    }
    const dev = join(work, `${m.label}-devstate.bin`);
    const mig = join(work, `${m.label}-migration.bin`);
    await vm.qmp.execute('xen-save-devices-state', { filename: inside(dev), live: false });
    await vm.qmp.execute('migrate-set-parameters', { 'max-bandwidth': 1e12 });
    await vm.qmp.execute('migrate', { uri: `exec:cat > ${inside(mig)}` });
    const st = await waitForMigration(vm.qmp);
    if (st.status !== 'completed') throw new Error(`migration ${st.status}: ${st['error-desc'] ?? ''}`);
    await sleep(300); // exec:cat may still be flushing
    return { args, devstate: readFileSync(dev), migration: readFileSync(mig) };
  } finally {
    await vm.close();
  }
}

for (const q of QEMUS) {
  const outRel = `public/fixtures/heldout/qemu-${q.version}`;
  const out = resolve(REPO_ROOT, outRel);
  mkdirSync(out, { recursive: true });
  const work = join(q.chroot ?? '', `/tmp/heldout-${process.pid}`);
  mkdirSync(work, { recursive: true });
  const qemu = qemuVersionText(q.chroot);
  const fixtures = [];
  for (const m of MACHINES) {
    try {
      const r = await make(q, m, work);
      for (const [kind, buf] of [['devstate', r.devstate], ['migration', r.migration]]) {
        const file = `${m.label}-${kind}.bin.gz`;
        const gz = gzipSync(buf, { level: 9 });
        writeFileSync(join(out, file), gz);
        fixtures.push({ file, kind, machine: m.label, binary: m.binary, args: r.args, ranMs: m.run, bytes: buf.length, gzBytes: gz.length });
        console.error(`${outRel}/${file}: ${buf.length} bytes (${gz.length} gzipped)`);
      }
    } catch (e) {
      console.error(`QEMU ${q.version} ${m.label}: ${e.message.split('\n')[0]}`);
      process.exitCode = 1;
    }
  }
  rmSync(work, { recursive: true, force: true });
  writeFileSync(join(out, 'manifest.json'), JSON.stringify({
    description: 'Held-out files (scripts/make-fixtures-heldout.mjs): never used to make a description library. Each machine: a device-state file and a migration stream of the same stopped VM (the truth).',
    qemu, fixtures }, null, 1) + '\n');
}
