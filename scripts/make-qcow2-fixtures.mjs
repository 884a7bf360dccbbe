#!/usr/bin/env node
// Makes qcow2 images with internal snapshots using real QEMU 7.2 `savevm` and `qemu-img`, into
// public/fixtures/qcow2/, with a manifest that records for each image what QEMU itself reports
// (`qemu-img info --output=json`: the snapshot table) and, per snapshot with a VM state, the stream
// QEMU writes when it restores that snapshot (`-loadvm NAME`) and migrates it ("IMAGE.SNAP.stream"),
// the independent oracle for the VM state our reader extracts. All files are stored gzipped.
//
//   node scripts/make-qcow2-fixtures.mjs
//
// Images (64 MiB disks, 32-128 MiB guests, paused TCG guests, fixed RTC so runs repeat):
// - pc-v3.qcow2:   pc, snapshots "before" and "after" with CMOS byte 0x3f set to 0x5a between them
//                  through HMP `o` (ports 0x70/0x71), plus a disk-only snapshot "disk-only" made
//                  with blockdev-snapshot-internal-sync.
// - q35-v3.qcow2, virt-v3.qcow2: one snapshot "s1" each (aarch64 virt needs -seed: format.md §12).
// - pc-v2.qcow2:   compat=0.10 (version 2 header), one snapshot.
// - pc-holes.qcow2: 4 KiB clusters; before the save the disk gets data in interleaved runs and
//                  every other run is discarded, so the VM state is allocated in the holes and
//                  stored in several extents.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join, resolve } from 'node:path';
import { waitForMigration } from './lib/qmp.mjs';
import { REPO_ROOT, shQuote, startQemu } from './lib/qemu.mjs';

const REL = 'public/fixtures/qcow2';
const DIR = resolve(REPO_ROOT, REL);
const log = (...a) => console.log('[qcow2]', ...a);
const COMMON = ['-nodefaults', '-display', 'none', '-S', '-rtc', 'base=2024-01-01T00:00:00,clock=vm'];

const MACHINES = {
  pc: { binary: 'qemu-system-x86_64', args: [...COMMON, '-M', 'pc', '-m', '32'], disk: (f) => ['-drive', `file=${f},if=none,id=d0,format=qcow2,node-name=disk0`, '-device', 'ide-hd,drive=d0'] },
  q35: { binary: 'qemu-system-x86_64', args: [...COMMON, '-M', 'q35', '-m', '32'], disk: (f) => ['-drive', `file=${f},if=none,id=d0,format=qcow2,node-name=disk0`, '-device', 'ide-hd,drive=d0,bus=ide.0'] },
  virt: { binary: 'qemu-system-aarch64', args: [...COMMON, '-M', 'virt', '-cpu', 'cortex-a57', '-m', '128', '-seed', '1'], disk: (f) => ['-drive', `file=${f},if=none,id=d0,format=qcow2,node-name=disk0`, '-device', 'virtio-blk-device,drive=d0'] },
};

function qemuImg(...args) {
  return execFileSync('qemu-img', args, { cwd: REPO_ROOT, encoding: 'utf8' });
}

async function withQemu(machine, image, extra, fn) {
  const m = MACHINES[machine];
  const q = await startQemu(m.binary, [...m.args, ...m.disk(image), ...extra], { cwd: REPO_ROOT });
  try {
    return await fn(q.qmp);
  } finally {
    try { await q.qmp.execute('quit'); } catch { /* already gone */ }
    await q.exited;
  }
}

async function savevm(qmp, name) {
  const out = await qmp.hmp(`savevm ${name}`);
  if (out.trim()) throw new Error(`savevm ${name}: ${out.trim()}`);
}

/** Restores `snap` in a fresh QEMU and migrates it to `out`: what QEMU itself thinks the state is. */
async function streamOfSnapshot(machine, image, snap, out) {
  await withQemu(machine, image, ['-loadvm', snap], async (qmp) => {
    await qmp.execute('migrate-set-parameters', { 'max-bandwidth': 1 << 30 });
    await qmp.execute('migrate', { uri: `exec:cat > ${shQuote(out)}` });
    const info = await waitForMigration(qmp);
    if (info.status !== 'completed') throw new Error(`migrate of ${image}@${snap}: ${JSON.stringify(info)}`);
  });
}

const IMAGES = [
  {
    file: 'pc-v3.qcow2', machine: 'pc', create: ['-o', 'compat=1.1'],
    async save(qmp) {
      await savevm(qmp, 'before');
      await qmp.hmp('o /b 0x70 0x3f');
      await qmp.hmp('o /b 0x71 0x5a');
      await savevm(qmp, 'after');
      await qmp.execute('blockdev-snapshot-internal-sync', { device: 'disk0', name: 'disk-only' });
    },
    cmos: { before: null, after: { index: 0x3f, value: 0x5a } },
  },
  { file: 'q35-v3.qcow2', machine: 'q35', create: ['-o', 'compat=1.1'], save: (qmp) => savevm(qmp, 's1') },
  { file: 'virt-v3.qcow2', machine: 'virt', create: ['-o', 'compat=1.1'], save: (qmp) => savevm(qmp, 's1') },
  { file: 'pc-v2.qcow2', machine: 'pc', create: ['-o', 'compat=0.10'], save: (qmp) => savevm(qmp, 's1') },
  {
    file: 'pc-holes.qcow2', machine: 'pc', create: ['-o', 'compat=1.1,cluster_size=4096'],
    prepare(rel) {
      // 64 runs of 16 KiB; discarding every other one leaves free clusters between used ones.
      const cmds = [];
      for (let i = 0; i < 64; i++) cmds.push('-c', `write -P ${0x40 + (i % 32)} ${i * 32}k 16k`);
      for (let i = 0; i < 64; i += 2) cmds.push('-c', `discard ${i * 32}k 16k`);
      execFileSync('qemu-io', ['-f', 'qcow2', ...cmds, rel], { cwd: REPO_ROOT, stdio: 'ignore' });
    },
    save: (qmp) => savevm(qmp, 's1'),
  },
];

/** Images and streams are mostly zero clusters and pages: kept gzipped (the tests unpack them). */
function gzipInPlace(rel) {
  const abs = resolve(REPO_ROOT, rel);
  writeFileSync(`${abs}.gz`, gzipSync(readFileSync(abs), { level: 9 }));
  rmSync(abs);
  return `${rel.split('/').pop()}.gz`;
}

async function main() {
  const version = execFileSync('qemu-system-x86_64', ['--version'], { encoding: 'utf8' }).split('\n')[0];
  if (!/version 7\.2\./.test(version) && !process.env.ALLOW_ANY_QEMU) throw new Error(`needs QEMU 7.2, found: ${version}`);
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  const manifest = { qemu: version, generatedBy: 'scripts/make-qcow2-fixtures.mjs', images: [] };
  for (const img of IMAGES) {
    const rel = join(REL, img.file);
    log(img.file);
    qemuImg('create', '-q', '-f', 'qcow2', ...img.create, rel, '64M');
    img.prepare?.(rel);
    await withQemu(img.machine, rel, [], (qmp) => img.save(qmp));
    const info = JSON.parse(qemuImg('info', '--output=json', rel));
    const streams = {};
    for (const s of info.snapshots ?? []) {
      if (!s['vm-state-size']) continue;
      const out = `${rel}.${s.name}.stream`;
      await streamOfSnapshot(img.machine, rel, s.name, out);
      streams[s.name] = gzipInPlace(out);
    }
    const m = MACHINES[img.machine];
    manifest.images.push({
      file: img.file, gz: gzipInPlace(rel), machine: img.machine, binary: m.binary,
      // The arguments that restore a snapshot of this image: add `-loadvm NAME`.
      args: [...m.args, ...m.disk(rel)],
      clusterSize: info['cluster-size'], compat: info['format-specific']?.data?.compat,
      snapshots: info.snapshots ?? [], streams, cmos: img.cmos,
    });
  }
  writeFileSync(join(DIR, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
  log('wrote', join(REL, 'manifest.json'));
  log(readFileSync(join(DIR, 'manifest.json'), 'utf8').length, 'bytes of manifest');
}

await main();
