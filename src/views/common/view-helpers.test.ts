import { describe, expect, it } from 'vitest';
import { hexToBytes } from '../../format/field-types/index.ts';
import type { FieldNode, StreamModel, StreamRecord } from '../../format/model.ts';
import { searchFields } from '../tree/field-search.ts';
import { copyText, formatValue } from './format-value.ts';
import { parseGoTo } from '../../store/goto-target.ts';
import { asciiOf, readings } from '../hex/inspect-bytes.ts';
import { treeRows } from '../tree/tree-rows.ts';

const leaf = (path: string, type: string, size: number, value: FieldNode['value'], offset = 0): FieldNode => ({
  name: path.split('/').pop()!, path, kind: 'leaf', type, offset, size, value,
});

describe('formatValue', () => {
  it('shows integers in hex and decimal, negative ones as their bit pattern', () => {
    expect(formatValue(leaf('a', 'uint16', 2, 65520))).toBe('0xfff0 (65520)');
    expect(formatValue(leaf('a', 'int32', 4, -1))).toBe('0xffffffff (-1)');
    expect(formatValue(leaf('a', 'uint64', 8, '18446744073709551615'))).toBe('0xffffffffffffffff (18446744073709551615)');
    expect(copyText(leaf('a', 'uint16', 2, 65520))).toBe('0xfff0');
  });
  it('shows timers as not armed or their expiry, buffers as a short preview', () => {
    expect(formatValue(leaf('t', 'timer', 8, null))).toBe('not armed');
    expect(formatValue(leaf('t', 'timer', 8, 1234567))).toBe('expires at 1,234,567 ns');
    expect(formatValue(leaf('b', 'buffer', 10, hexToBytes('00112233445566778899')))).toBe('00 11 22 33 44 55 66 77 … (10 bytes)');
    expect(copyText(leaf('b', 'buffer', 10, hexToBytes('00112233445566778899')))).toBe('00112233445566778899');
    expect(formatValue(leaf('b', 'buffer', 2, hexToBytes('abcd')))).toBe('ab cd (2 bytes)');
  });
});

describe('treeRows', () => {
  const arr: FieldNode = {
    name: 'a', path: 's/a', kind: 'array', type: 'uint8', offset: 0, size: 250,
    children: Array.from({ length: 250 }, (_, i) => leaf(`s/a[${i}]`, 'uint8', 1, i, i)),
  };
  it('keeps arrays collapsed, then groups long ones by 100 with positions in the whole array', () => {
    expect(treeRows([arr], new Set()).map((r) => r.key)).toEqual(['s/a']);
    const open = treeRows([arr], new Set(['s/a']));
    expect(open.map((r) => r.key)).toEqual(['s/a', 's/a#0', 's/a#1', 's/a#2']);
    expect(open[3].group).toEqual({ arrayPath: 's/a', from: 200, to: 250 });
    const group = treeRows([arr], new Set(['s/a', 's/a#2']));
    const first = group.find((r) => r.key === 's/a[200]')!;
    expect(first).toMatchObject({ level: 3, parentKey: 's/a#2', posInSet: 201, setSize: 250 });
    expect(group).toHaveLength(4 + 50);
  });
});

describe('parseGoTo and searchFields', () => {
  const rec: StreamRecord = {
    index: 1, kind: 'section', sectionType: 'full', offset: 8, size: 40, depth: 0, idstr: 'cpu', instanceId: 0, problems: [],
    fields: [leaf('cpu (0)/env.eip', 'uint64', 8, 65520, 20)],
  };
  const model = { fileSize: 100, records: [{ index: 0, kind: 'header', offset: 0, size: 8, depth: 0, problems: [] }, rec] } as unknown as StreamModel;

  it('reads hex, decimal, paths, path suffixes and section titles', () => {
    expect(parseGoTo('0x1F', model)).toEqual({ kind: 'offset', offset: 31 });
    expect(parseGoTo('1fh', model)).toEqual({ kind: 'offset', offset: 31 });
    expect(parseGoTo('31', model)).toEqual({ kind: 'offset', offset: 31 });
    expect(parseGoTo('100', model).kind).toBe('error');
    expect(parseGoTo('cpu (0) / env.eip', model)).toEqual({ kind: 'field', path: 'cpu (0)/env.eip' });
    expect(parseGoTo('env.eip', model)).toEqual({ kind: 'field', path: 'cpu (0)/env.eip' });
    expect(parseGoTo('cpu (0)', model)).toEqual({ kind: 'record', index: 1 });
    expect(parseGoTo('nothing', model).kind).toBe('error');
  });
  it('finds fields by path or by shown value', () => {
    expect(searchFields(model.records, '0xfff0').hits.map((h) => h.node.path)).toEqual(['cpu (0)/env.eip']);
    expect(searchFields(model.records, 'EIP').hits).toHaveLength(1);
    expect(searchFields(model.records, 'esp').hits).toHaveLength(0);
  });
});

describe('inspector readings', () => {
  it('reads both byte orders and keeps every row when bytes run out', () => {
    const r = readings(Uint8Array.of(0xff, 0xfe, 0, 0, 0, 0, 0, 1));
    const get = (l: string) => r.find((x) => x.label === l)!;
    expect(get('u16')).toEqual({ label: 'u16', be: '65534', le: '65279' });
    expect(get('s16')).toEqual({ label: 's16', be: '-2', le: '-257' });
    expect(get('u64').be).toBe('18446181123756130305');
    expect(get('s8')).toEqual({ label: 's8', be: '-1', le: null });
    const short = readings(Uint8Array.of(1, 2));
    expect(short.map((x) => x.label)).toEqual(r.map((x) => x.label));
    expect(short.find((x) => x.label === 'u32')!.be).toBeNull();
    expect(asciiOf(Uint8Array.of(0x41, 0x00, 0x7e, 0x7f))).toBe('A.~.');
  });
});
