// Real QEMU is the reference: files edited by the CLI are loaded by QEMU 7.2 configured like the
// fixture's producer (`-incoming "exec:cat FILE"`, format.md §9), and QEMU reports the new values.
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { loadIntoQemu } from '../../scripts/lib/qemu.mjs';
import { bytesToHex } from '../format/field-types/index.ts';
import { findField } from '../format/edit/find.ts';
import { FIXTURE_DIR, fixtureDescription, scanBytes } from '../format/testing/fixtures.ts';
import { main } from './main.ts';

const hasQemu = (() => {
  try {
    execFileSync('qemu-system-x86_64', ['--version']);
    return true;
  } catch {
    return false;
  }
})();
// CI installs QEMU; a developer machine without it skips these loudly, CI never does.
const qemuIt = hasQemu || process.env.CI ? it : it.skip;

const dir = mkdtempSync(join(tmpdir(), 'vmstate-oracle-'));
const fixture = (f: string) => join(FIXTURE_DIR, f);
const open: { close(): Promise<void> }[] = [];
afterAll(async () => {
  for (const q of open) await q.close();
  rmSync(dir, { recursive: true, force: true });
});

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, (s) => (out += s), (s) => (err += s));
  return { code, out, err };
}

describe('edited files load into real QEMU 7.2', { timeout: 120_000 }, () => {
  qemuIt('a CPU register and an RTC CMOS byte of a device-state file', async () => {
    const out = join(dir, 'pc-edited.bin');
    const r = await cli('set', fixture('pc-devstate.bin'), 'cpu (0)/env.regs[0]=0x1234abcd', 'cpu (1)/env.regs[3]=77', 'mc146818rtc (0)/cmos_data[63]=0x5a', '-o', out, '--vmdesc', fixture('pc-migration.bin'));
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const q = await loadIntoQemu(out, 'pc-devstate');
    open.push(q);
    expect(q.stderr).not.toMatch(/error|fail/i);
    expect(q.ok).toBe(true);
    const qmp = q.qmp!;
    const regs = await qmp.hmp('info registers -a');
    expect(regs).toMatch(/CPU#0[\s\S]*EAX=1234abcd/);
    expect(regs).toMatch(/CPU#1[\s\S]*EBX=0000004d/);
    // Read CMOS byte 0x3f through the RTC's index/data ports.
    await qmp.hmp('o /b 0x70 0x3f');
    expect(await qmp.hmp('i /b 0x71')).toMatch(/\[0x0071\] = 0x5a\b/);
  });

  qemuIt('a renamed section (device moved to another PCI slot) in a migration stream', async () => {
    // Renaming the idstr makes QEMU look the section up by the new name: a name that does not
    // exist must be refused with QEMU's message, which is what a moved device would fix.
    const out = join(dir, 'renamed.bin');
    const r = await cli('set', fixture('q35-migration.bin'), 'timer (0)/#idstr=timex', '-o', out);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const q = await loadIntoQemu(out, 'q35-migration');
    open.push(q);
    expect(q.ok).toBe(false);
    expect(q.stderr).toContain("Unknown savevm section or instance 'timex' 0");
    // Its framing is still exact: every other section decodes where it did.
    const model = await scanBytes(new Uint8Array(readFileSync(out)));
    expect(model.problems.filter((p) => p.severity === 'error')).toEqual([]);
  });

  qemuIt('a forced read-only PCI config change is refused by QEMU as our guard predicted', async () => {
    const model = await scanBytes(new Uint8Array(readFileSync(fixture('pc-devstate.bin'))), { vmdesc: await fixtureDescription('pc-migration.bin') });
    const path = '0000:00:00.0/I440FX (0)/parent_obj.config[0]';
    const config = bytesToHex(findField(model, path)!.node.value as Uint8Array);
    const edited = 'ff' + config.slice(2);
    const refused = await cli('set', fixture('pc-devstate.bin'), `${path}=${edited}`, '-o', join(dir, 'nope.bin'), '--vmdesc', fixture('pc-migration.bin'));
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('get_pci_config_device: Bad config data');
    const out = join(dir, 'pci-forced.bin');
    const forced = await cli('set', fixture('pc-devstate.bin'), `${path}=${edited}`, '-o', out, '--vmdesc', fixture('pc-migration.bin'), '--force');
    expect(forced.code).toBe(0);
    expect(forced.err).toContain('warning:');
    const q = await loadIntoQemu(out, 'pc-devstate');
    open.push(q);
    expect(q.ok).toBe(false);
    expect(q.stderr).toContain('get_pci_config_device: Bad config data: i=0x0 read: ff device: 86');
  });

  qemuIt('an unmodified copy from `set` with no assignment is byte-identical and loads', async () => {
    const out = join(dir, 'copy.bin');
    expect((await cli('set', fixture('pc-xen-devstate.bin'), '-o', out)).code).toBe(0);
    expect(Buffer.compare(readFileSync(out), readFileSync(fixture('pc-xen-devstate.bin')))).toBe(0);
    const q = await loadIntoQemu(out, 'pc-xen-devstate');
    open.push(q);
    expect(q.ok).toBe(true);
  });
});
