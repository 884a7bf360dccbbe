// Real libvirt is the oracle: images edited by the CLI and by the worker (as the page does) are restored by `virsh restore` and the
// guest shows the edit. Runs where virsh and libvirtd exist (.ci/run starts the daemon with
// scripts/libvirt/libvirt.sh; started here if it is not running, and then stopped again).
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EditRequest } from '../format/edit/steps.ts';
import { libvirtFixture, recompressedImage } from '../format/testing/libvirt-fixtures.ts';
import { memoryStorage } from './edit-storage.ts';
import { Session } from './session.ts';
import { ask } from './test-support.ts';

const BIN = join(import.meta.dirname, '../../bin/vmstate-explorer.js');
const SCRIPT = join(import.meta.dirname, '../../scripts/libvirt/libvirt.sh');
const virsh = (...args: string[]) => spawnSync('virsh', ['-q', '-c', 'qemu:///system', ...args], { encoding: 'utf8', timeout: 60_000 });
const reachable = () => existsSync('/usr/bin/virsh') && virsh('version').status === 0;
let startedHere = false;
const canStart = existsSync('/usr/bin/virsh') && existsSync('/usr/sbin/libvirtd') && process.getuid?.() === 0;
const available = reachable() || (canStart && spawnSync('bash', [SCRIPT, 'start', 'raw'], { encoding: 'utf8' }).status === 0 && (startedHere = true) && reachable());

const dir = mkdtempSync(join(tmpdir(), 'vmstate-libvirt-restore-'));
const cli = (...args: string[]) => spawnSync('node', [BIN, ...args], { encoding: 'utf8' });
/** zstd.sav: raw.sav through the real zstd (libvirt 9.0 refuses to write zstd images). */
const bytesOf = (name: string) => (name === 'zstd.sav' ? recompressedImage('zstd') : libvirtFixture(name));
const image = (name: string) => {
  const path = join(dir, name.replace(/\.gz$/, ''));
  writeFileSync(path, bytesOf(name));
  return path;
};
/**
 * The restored guest. CI runs one suite at a time and restores the images as libvirt wrote them
 * (guest vmx-fixture). Elsewhere the runs of several worktrees share one libvirt daemon, and one
 * run's `virsh destroy vmx-fixture` killed another's guest mid-test: each run names its guest
 * anew (as long as vmx-fixture, so the XML keeps its room; with its own UUID) in the image's XML,
 * through our CLI, before restoring. `virsh restore --xml` cannot do it: libvirt's ABI check
 * (virDomainDefCheckABIStability) refuses another name or UUID.
 */
const GUEST = process.env.CI ? 'vmx-fixture' : `vmx-${randomBytes(4).toString('hex').slice(0, 7)}`;
const UUID = randomUUID();
const destroy = () => virsh('destroy', GUEST);

/** `file` with this run's guest name and UUID in its XML (itself in CI). */
function named(file: string): string {
  if (GUEST === 'vmx-fixture') return file;
  const xml = cli('xml', file).stdout.replace('<name>vmx-fixture</name>', `<name>${GUEST}</name>`).replace(/<uuid>[^<]*<\/uuid>/, `<uuid>${UUID}</uuid>`);
  const path = join(dir, `${GUEST}.xml`);
  writeFileSync(path, xml);
  const out = `${file}.${GUEST}`;
  const r = cli('set', file, `libvirt/xml=@${path}`, '-o', out);
  if (r.status !== 0) throw new Error(`renaming the guest in ${file} to ${GUEST}: ${r.stderr}`);
  return out;
}

beforeAll(() => destroy());
afterAll(() => {
  destroy();
  rmSync(dir, { recursive: true, force: true });
  // Another run's guests may still need the daemon this run started: the last one out stops it.
  if (startedHere && !virsh('list', '--name').stdout.trim()) execFileSync('bash', [SCRIPT, 'stop']);
});

// In CI (.ci/run installs and starts libvirt) a missing libvirt is a failure, not a skip.
describe.skipIf(!available && !process.env.CI)('virsh restore of images edited by the CLI', { timeout: 120_000 }, () => {
  async function restore(file: string): Promise<void> {
    destroy();
    const r = virsh('restore', named(file));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  }
  const hmp = (cmd: string) => virsh('qemu-monitor-command', '--hmp', GUEST, cmd).stdout;

  it.each(['raw.sav', 'gzip.sav', 'xz.sav'])('%s with a CPU register, a CMOS byte and a new <description> restores with them', async (name) => {
    const src = image(name);
    const xml = cli('xml', src).stdout.replace(/<description>.*<\/description>/, '<description>edited by vmstate-explorer</description>');
    writeFileSync(join(dir, 'new.xml'), xml);
    const out = join(dir, `edited-${name}`);
    rmSync(out, { force: true });
    const r = cli('set', src, 'cpu (0)/env.regs[0]=0x1234abcd', 'mc146818rtc (0)/cmos_data[63]=0x5a', `libvirt/xml=@${join(dir, 'new.xml')}`, '-o', out);
    expect(r.status).toBe(0);
    await restore(out);
    expect(virsh('domstate', GUEST).stdout.trim()).toBe('paused');
    expect(hmp('info registers')).toMatch(/EAX=1234abcd/);
    hmp('o /b 0x70 0x3f');
    expect(hmp('i /b 0x71')).toMatch(/\[0x0071\] = 0x5a\b/);
    expect(virsh('dumpxml', GUEST).stdout).toContain('<description>edited by vmstate-explorer</description>');
  });

  it.each(['raw.sav', 'gzip.sav', 'bzip2.sav', 'xz.sav', 'lzop.sav', 'zstd.sav'])('%s edited in the worker (register, CMOS, XML, was_running; kept across a reload, downloaded raw) restores with the edits', async (name) => {
    const storage = memoryStorage();
    const s = new Session({ storage });
    const bytes = bytesOf(name);
    const f0 = await ask(s, { type: 'open', file: new Blob([bytes as Uint8Array<ArrayBuffer>]), name });
    const edit = async (generation: number, edit: EditRequest) => {
      const r = await ask(s, { type: 'edit', generation, edit, force: false });
      if (r.status !== 'applied') throw new Error(JSON.stringify(r));
      return r.file;
    };
    const f1 = await edit(f0.generation, { kind: 'field', path: 'cpu (0)/env.regs[0]', value: '0x1234abcd' });
    const f2 = await edit(f1.generation, { kind: 'field', path: 'mc146818rtc (0)/cmos_data[63]', value: '0x5a' });
    const xml = f2.container!.libvirt!.xml.replace(/<description>.*<\/description>/, '<description>edited in the page</description>');
    // The XML and was_running are ordinary edits: a toggle and its undo leave the XML edit alone.
    const f3 = await edit(f2.generation, { kind: 'container', path: 'libvirt/xml', value: xml });
    const f4 = await edit(f3.generation, { kind: 'container', path: 'libvirt/was_running', value: 'true' });
    await ask(s, { type: 'undo', generation: f4.generation });
    // A reload (a new worker, the same browser storage) finds all three edits.
    const t = new Session({ storage });
    const g = await ask(t, { type: 'open', file: new Blob([bytes as Uint8Array<ArrayBuffer>]), name });
    expect(g.restored).toEqual({ count: 3 });
    const d = await ask(t, { type: 'download', generation: g.generation, compressed: 'raw' });
    if (!d.ok) throw new Error(d.reasons.join());
    const out = join(dir, `page-${name}`);
    writeFileSync(out, new Uint8Array(await d.blob.arrayBuffer()));
    await restore(out);
    expect(virsh('domstate', GUEST).stdout.trim()).toBe('paused');
    expect(hmp('info registers')).toMatch(/EAX=1234abcd/);
    hmp('o /b 0x70 0x3f');
    expect(hmp('i /b 0x71')).toMatch(/\[0x0071\] = 0x5a\b/);
    expect(virsh('dumpxml', GUEST).stdout).toContain('<description>edited in the page</description>');
  });

  it('was_running set by the CLI: the restored guest runs; the original stays paused', async () => {
    await restore(image('raw.sav'));
    expect(virsh('domstate', GUEST).stdout.trim()).toBe('paused');
    const out = join(dir, 'running.sav');
    rmSync(out, { force: true });
    expect(cli('set', image('raw.sav'), 'libvirt/was_running=1', '-o', out).status).toBe(0);
    await restore(out);
    expect(virsh('domstate', GUEST).stdout.trim()).toBe('running');
  });
});
