import { describe, expect, it } from 'vitest';
import type { DiffResult, FieldDiff } from '../../format/diff/types.ts';
import { compareSummary, fieldRows, hexWindow, sideText } from './compare-rows.ts';

const byte = (i: number): FieldDiff => ({
  path: `cmos_data[${i}]`, group: 'cmos_data',
  left: { value: 0, text: '0x00', type: 'uint8', offset: 100 + i, size: 1 },
  right: { value: i, text: `0x${i.toString(16).padStart(2, '0')}`, type: 'uint8', offset: 100 + i, size: 1 },
});
const index: FieldDiff = { path: 'cmos_index', left: { value: 0, text: '0x00', type: 'uint8', offset: 228, size: 1 }, right: { value: 63, text: '0x3f', type: 'uint8', offset: 228, size: 1 } };

describe('comparison rows', () => {
  it('groups the elements of one array, counted, and opens the group on demand', () => {
    const fields = [byte(3), byte(9), index];
    expect(fieldRows(fields, new Set()).map((r) => (r.kind === 'group' ? `${r.group} x${r.count}` : r.field.path))).toEqual(['cmos_data x2', 'cmos_index']);
    expect(fieldRows(fields, new Set(['cmos_data'])).map((r) => r.key)).toEqual(['group:cmos_data', 'cmos_data[3]', 'cmos_data[9]', 'cmos_index']);
  });

  it('keeps a lone element as a plain row', () => {
    expect(fieldRows([byte(63)], new Set()).map((r) => r.kind)).toEqual(['field']);
  });

  it('shows integers in hex with their decimal, and a missing side as a dash', () => {
    expect(sideText(index.right)).toBe('0x3f (63)');
    expect(sideText(undefined)).toBe('—');
  });

  it('shows whole rows around a field, clipped to the file', () => {
    expect(hexWindow(100, 1, 1000)).toEqual({ from: 64, to: 192 });
    expect(hexWindow(5, 1, 40)).toEqual({ from: 0, to: 40 });
  });

  it('says "same device state" only when nothing compared differs: not beside a libvirt or RAM difference', () => {
    const file = { name: 'a', size: 1, variant: 'migration' as const, sections: 1 };
    const base: DiffResult = { left: file, right: file, sections: [], equal: true, counts: { same: 1, changed: 0, 'only-left': 0, 'only-right': 0, version: 0 }, ignore: [] };
    expect(compareSummary(base)).toBe('same device state');
    expect(compareSummary({ ...base, container: [] })).toBe('same device state');
    const running = { path: 'libvirt/was_running' as const, left: 'false', right: 'true' };
    expect(compareSummary({ ...base, container: [running] })).toBe('devices the same · libvirt: was_running differs');
    expect(compareSummary({ ...base, container: [running, { path: 'libvirt/xml', left: 'a', right: 'b', line: 4, lines: 1, hunks: [] }] })).toBe('devices the same · libvirt: was_running, domain XML differ');
    expect(compareSummary({ ...base, ram: { pageSize: 4096, blocks: [], differing: 3 } })).toBe('devices the same · RAM: 3 pages differ');
  });
});
