// Single rules of the record layer, on real bytes where QEMU writes them and on small crafted
// streams where QEMU 7.2 never does (PACKAGED only appears in postcopy streams).
import { describe, expect, it } from 'vitest';
import { findField } from './edit/find.ts';
import { fixtureBytes, gaps, scanBytes } from './testing/fixtures.ts';

const be32 = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];

describe('configuration section', () => {
  it('decodes machine type, capabilities and UUID subsections (x-ignore-shared changes RAM records)', async () => {
    const m = await scanBytes(fixtureBytes('pc-config-migration.bin'));
    expect(m.machine).toBe('pc-i440fx-7.2');
    expect(findField(m, 'configuration/configuration/capabilities.capabilities[0]')?.node.value).toBe('x-ignore-shared');
    expect(findField(m, 'configuration/configuration/uuid.uuid')?.node.size).toBe(16);
    // With x-ignore-shared every MEM_SIZE entry carries a guest address: decoding the RAM
    // records right proves the capability was applied.
    expect(m.records.filter((r) => r.ram).every((r) => r.problems.length === 0)).toBe(true);
    expect(m.ramBlocks.find((b) => b.name === 'pc.ram')?.length).toBe(16 * 1024 * 1024);
  });

  it('aarch64 virt carries target-page-bits', async () => {
    const m = await scanBytes(fixtureBytes('virt-migration.bin'));
    expect(findField(m, 'configuration/configuration/target-page-bits.target_page_bits')?.node.value).toBe(12);
    expect(m.pageSize).toBe(4096);
  });
});

describe('PACKAGED command', () => {
  it('decodes the nested record stream at depth 1 and goes on after it', async () => {
    const dev = fixtureBytes('pc-devstate.bin');
    const whole = await scanBytes(dev);
    const timer = whole.records[1];
    const inner = [...dev.subarray(timer.offset, timer.offset + timer.size), 0];
    const file = Uint8Array.from([...dev.subarray(0, 8), 8, 0, 7, 0, 4, ...be32(inner.length), ...inner, ...dev.subarray(timer.offset + timer.size)]);
    const m = await scanBytes(file);
    expect(gaps(m)).toEqual([]);
    expect(m.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(m.records[1]).toMatchObject({ kind: 'command', command: { cmd: 7, name: 'PACKAGED', length: 4 }, depth: 0 });
    expect(m.records[2]).toMatchObject({ kind: 'section', idstr: 'timer', depth: 1 });
    expect(m.records[3]).toMatchObject({ kind: 'eof', depth: 1 });
    expect(m.records[4]).toMatchObject({ idstr: whole.records[2].idstr, depth: 0 });
    expect(m.complete).toBe(true);
  });

  it('a command with the wrong length is reported with QEMU\'s words', async () => {
    const dev = fixtureBytes('pc-devstate.bin');
    const file = Uint8Array.from([...dev.subarray(0, 8), 8, 0, 2, 0, 1, 9, ...dev.subarray(8)]);
    const m = await scanBytes(file);
    expect(m.problems.find((p) => p.code === 'bad-command')?.message).toBe('PING received with bad length - expecting 4, got 1');
    expect(m.records.length).toBe(whole(await scanBytes(dev)) + 1);
  });
});

const whole = (m: { records: unknown[] }) => m.records.length;

describe('damage belongs to the record it is in', () => {
  it('a corrupted type byte fails the next record, not the intact section before it', async () => {
    const bytes = fixtureBytes('q35-migration.bin').slice();
    const clean = await scanBytes(bytes);
    const hpet = clean.records.find((r) => r.idstr === 'hpet')!;
    bytes[hpet.offset] = 0x09;
    const m = await scanBytes(bytes);
    const before = m.records[hpet.index - 1];
    expect(before).toMatchObject({ kind: 'section', idstr: clean.records[hpet.index - 1].idstr, exact: true, problems: [] });
    expect(m.records[hpet.index]).toMatchObject({ kind: 'damaged', offset: hpet.offset });
    expect(m.records[hpet.index].problems[0].message).toMatch(/found 0x9 \("Unknown savevm section type 9"\)/);
  });
});
