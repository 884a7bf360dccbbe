// Test support (Node only): the real-QEMU qcow2 fixtures (scripts/make-qcow2-fixtures.mjs) and the
// two checks real programs make on an image we wrote: `qemu-img check`, and QEMU 7.2 restoring a
// snapshot with `-loadvm NAME` and reporting what it restored (a CMOS byte through ports 0x70/0x71,
// the registers). Used by the format tests and the page's e2e specs alike.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { startQemu } from '../../../scripts/lib/qemu.mjs';
import { FIXTURE_DIR } from './fixtures.ts';

export interface Qcow2Entry {
  file: string;
  gz: string;
  binary: string;
  /** Restores a snapshot of this image with `-loadvm NAME` added; the image path is the fixture's. */
  args: string[];
  snapshots: { id: string; name: string; 'vm-state-size': number }[];
  cmos?: Record<string, { index: number; value: number } | null>;
}

export function qcow2Entry(file: string): Qcow2Entry {
  const m: { images: Qcow2Entry[] } = JSON.parse(readFileSync(join(FIXTURE_DIR, 'qcow2/manifest.json'), 'utf8'));
  const e = m.images.find((x) => x.file === file);
  if (!e) throw new Error(`no qcow2 fixture ${file}`);
  return e;
}

export function qcow2Image(entry: Qcow2Entry): Uint8Array {
  return new Uint8Array(gunzipSync(readFileSync(join(FIXTURE_DIR, 'qcow2', entry.gz))));
}

/** True when this host runs the QEMU 7.2 the fixtures were made with. */
export const hasQemu72 = (() => {
  try {
    return /version 7\.2\./.test(execFileSync('qemu-system-x86_64', ['--version'], { encoding: 'utf8' }));
  } catch {
    return false;
  }
})();

/** `qemu-img check`: throws with its output unless the image is clean. */
export function qemuImgCheck(path: string): string {
  return execFileSync('qemu-img', ['check', path], { encoding: 'utf8' });
}

/** What QEMU reports after `-loadvm snapshot` on the image at `path` (run as the fixture was). */
export async function afterLoadvm(entry: Qcow2Entry, path: string, snapshot: string, cmosIndex: number): Promise<{ cmos: number; registers: string }> {
  const fixture = `public/fixtures/qcow2/${entry.file}`;
  const args = entry.args.map((a) => a.replace(fixture, path));
  if (!args.some((a) => a.includes(path))) throw new Error(`the fixture's arguments do not name ${fixture}`);
  const q = await startQemu(entry.binary, [...args, '-loadvm', snapshot]);
  try {
    await q.qmp.hmp(`o /b 0x70 0x${cmosIndex.toString(16)}`);
    const read = (await q.qmp.hmp('i /b 0x71')).trim();
    const m = /= 0x([0-9a-f]+)$/.exec(read);
    if (!m) throw new Error(`HMP i /b 0x71 answered "${read}"`);
    return { cmos: parseInt(m[1], 16), registers: await q.qmp.hmp('info registers') };
  } finally {
    await q.qmp.execute('quit').catch(() => {});
    await q.exited;
  }
}
