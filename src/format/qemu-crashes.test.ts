// The QEMU crashes NOT-COVERED.md reports as QEMU's, not the probe's (scripts/library/not-covered.mjs
// QEMU_CRASHES), re-run against the real QEMU of each version: the reproducer must still crash, and the
// near configuration that works must still migrate, or the report is stale. Oracle: QEMU itself (how it
// ended, and query-migrate). Skipped for a QEMU that is not installed (7.2 on the host, 10.0 and 11.1
// in the chroots of scripts/lib/qemu.mjs).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { QEMUS, startQemu } from '../../scripts/lib/qemu.mjs';
import { waitForMigration } from '../../scripts/lib/qmp.mjs';

/** startQemu's options as its JS source has them (the inferred type knows only timeoutMs). */
type Qemu = { qmp: { execute(cmd: string, args?: object): Promise<unknown> }; proc: { signalCode: string | null; exitCode: number | null }; exited: Promise<number>; close(): Promise<void> };
const start = startQemu as unknown as (binary: string, args: string[], o: { chroot?: string }) => Promise<Qemu>;

const installed = (q: { chroot: string | null }) => existsSync(join(q.chroot ?? '/', 'usr/bin/qemu-system-x86_64'));

/** Migrates a stopped pc VM with DEVICES to /dev/null: 'completed', another migration status, or the signal that killed QEMU. */
async function migrate(chroot: string | null, devices: string[]): Promise<string> {
  const q = await start('qemu-system-x86_64', ['-S', '-display', 'none', '-nodefaults', '-M', 'pc', '-m', '64', ...devices], { chroot: chroot ?? undefined });
  const ended = q.exited.then(() => `killed by ${q.proc.signalCode ?? `exit ${q.proc.exitCode}`}`);
  try {
    await q.qmp.execute('migrate', { uri: 'exec:cat > /dev/null' });
    return await Promise.race([waitForMigration(q.qmp, { timeoutMs: 20_000 }).then((s: { status: string }) => s.status), ended]);
  } catch {
    // A QEMU that died closes QMP: its end is the answer.
    return ended;
  } finally {
    await q.close().catch(() => {});
  }
}

const CHR = ['-chardev', 'null,id=c1', '-chardev', 'null,id=c2', '-chardev', 'null,id=c3', '-chardev', 'null,id=c4'];

describe('QEMU crashes NOT-COVERED.md reports with a configuration QEMU accepts', { timeout: 60_000 }, () => {
  for (const q of QEMUS) {
    it.skipIf(!installed(q))(`QEMU ${q.version}: pci-serial-2x crashes saving though both ports have a chardev; pci-serial-4x migrates`, async () => {
      expect(await migrate(q.chroot, [...CHR, '-device', 'pci-serial-2x,chardev1=c1,chardev2=c2'])).toBe('killed by SIGSEGV');
      expect(await migrate(q.chroot, [...CHR, '-device', 'pci-serial-4x,chardev1=c1,chardev2=c2,chardev3=c3,chardev4=c4'])).toBe('completed');
    });
  }
  const q111 = QEMUS.find((q) => q.version === '11.1')!;
  it.skipIf(!installed(q111))('QEMU 11.1: nvme without a drive of its own crashes saving; with one, and an nvme-ns beside it, it migrates', async () => {
    const disks = ['-blockdev', 'null-co,node-name=d0,size=1048576', '-blockdev', 'null-co,node-name=d1,size=1048576'];
    expect(await migrate(q111.chroot, ['-device', 'nvme,serial=x'])).toBe('killed by SIGSEGV');
    expect(await migrate(q111.chroot, [...disks, '-device', 'nvme,id=n0,serial=x', '-device', 'nvme-ns,bus=n0,drive=d1'])).toBe('killed by SIGSEGV');
    expect(await migrate(q111.chroot, [...disks, '-device', 'nvme,id=n0,serial=x,drive=d0', '-device', 'nvme-ns,bus=n0,drive=d1'])).toBe('completed');
  });
});
