// The saves of the device fixtures whose truth is a twin stream (scripts/make-virtio-fixtures.mjs,
// make-tpm-fixtures.mjs): of one stopped VM a device-state file with footers and its migration
// stream (the stream's JSON describes both), of a second VM with Xen's framing a device-state file
// without footers; then the gzipped files and their manifest (src/format/testing/virtio-twins.ts).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { waitForMigration } from './qmp.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const XEN_GLOBALS = ['-global', 'migration.send-section-footer=off', '-global', 'migration.send-configuration=off', '-global', 'migration.store-global-state=off'];
export const COMMON = ['-nodefaults', '-display', 'none', '-S'];

/**
 * VM's xen-save-devices-state into DEV, then its migration stream into MIG (x-ignore-shared: guest
 * RAM that is a shared backend is not sent); paths on this host, `inside(p)` as QEMU sees them.
 */
export async function saveDevstateAndStream(vm, dev, mig, inside) {
  await vm.qmp.execute('xen-save-devices-state', { filename: inside(dev), live: false });
  await vm.qmp.execute('migrate-set-capabilities', { capabilities: [{ capability: 'x-ignore-shared', state: true }] });
  await vm.qmp.execute('migrate-set-parameters', { 'max-bandwidth': 1e12 });
  await vm.qmp.execute('migrate', { uri: `exec:cat > ${inside(mig)}` });
  const st = await waitForMigration(vm.qmp);
  if (st.status !== 'completed') throw new Error(`migration ${st.status}: ${st['error-desc'] ?? ''}`);
  await sleep(300); // exec:cat may still be flushing
  return { devstate: readFileSync(dev), migration: readFileSync(mig) };
}

/** VM's xen-save-devices-state into DEV (a VM started with XEN_GLOBALS: no footers). */
export async function saveNoFooter(vm, dev, inside) {
  await vm.qmp.execute('xen-save-devices-state', { filename: inside(dev), live: false });
  return readFileSync(dev);
}

/**
 * Writes machine M's files (FILES: kind → bytes; ARGS its command line) gzipped into OUTDIR and
 * returns their manifest entries, each with EXTRA (the backends' versions, …) and, for the
 * migration stream, STREAM_EXTRA.
 */
export function writeTwinFiles(outDir, outRel, m, args, files, extra = {}, streamExtra = {}) {
  return Object.entries(files).map(([kind, buf]) => {
    const file = `${m.label}-${kind}.bin.gz`;
    const gz = gzipSync(buf, { level: 9 });
    writeFileSync(join(outDir, file), gz);
    console.error(`${outRel}/${file}: ${buf.length} bytes (${gz.length} gzipped)`);
    const twin = kind === 'migration' ? streamExtra : { describedBy: `${m.label}-migration.bin.gz`, footers: kind === 'devstate' };
    return { file, kind: kind === 'migration' ? 'migration' : 'devstate', ...twin, machine: m.label, binary: m.binary,
      args: kind === 'nofooter-devstate' ? [...args, ...XEN_GLOBALS] : args, ...extra, bytes: buf.length, gzBytes: gz.length };
  });
}

/**
 * OUTDIR/manifest.json, with EXTRA's keys after the fixtures (e.g. QEMU's refusals); when only the
 * machines MADE were remade (--machines), the others' entries stay.
 */
export function writeManifest(outDir, fixtures, { made = null, description, qemu, extra = {} }) {
  const path = join(outDir, 'manifest.json');
  const kept = made && existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')).fixtures.filter((f) => !made.has(f.machine)) : [];
  writeFileSync(path, JSON.stringify({ description, qemu, fixtures: [...kept, ...fixtures], ...extra }, null, 1) + '\n');
}
