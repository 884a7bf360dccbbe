import { describe, expect, it } from 'vitest';
import { hexToBytes } from '../../format/field-types/index.ts';
import type { FieldNode } from '../../format/model.ts';
import { isChanged } from '../../store/edit-marks.ts';
import { bufferEdit, changeText, checkValue, editorFor, editorValue, textChange } from './field-editing.ts';

const leaf = (type: string, size: number, value: FieldNode['value'], kind: FieldNode['kind'] = 'leaf'): FieldNode => ({ name: 'f', path: 'dev (0)/f', kind, type, offset: 100, size, value });

describe('field editors', () => {
  it('picks a control and a starting text per type', () => {
    expect(editorFor(leaf('uint64', 8, 4660))).toMatchObject({ kind: 'int', text: '0x1234', hint: 'uint64: 0 … 0xffffffffffffffff; decimal or 0x hex' });
    expect(editorFor(leaf('int32', 4, -1))).toMatchObject({ kind: 'int', text: '0xffffffff', hint: 'int32: -2147483648 … 2147483647; decimal or 0x hex' });
    expect(editorFor(leaf('bool', 1, true))).toMatchObject({ kind: 'bool', checked: true });
    expect(editorFor(leaf('bool', 1, 2))).toMatchObject({ kind: 'bool', checked: true });
    expect(editorFor(leaf('CPU_Double_U', 8, 1.5))).toMatchObject({ kind: 'float', text: '1.5' });
    expect(editorFor(leaf('timer', 8, null))).toMatchObject({ kind: 'timer', checked: true, text: '' });
    expect(editorFor(leaf('timer', 8, 123))).toMatchObject({ kind: 'timer', checked: false, text: '123' });
    expect(editorFor(leaf('buffer', 3, hexToBytes('a1b2c3')))).toMatchObject({ kind: 'bytes', text: 'a1 b2 c3' });
    expect(editorFor(leaf('buffer', 20, new Uint8Array(20)))).toMatchObject({ text: `${'00 '.repeat(15)}00\n${'00 '.repeat(3)}00` });
    expect(editorFor(leaf('unknown', 5000, Uint8Array.of(0xab), 'opaque'))).toMatchObject({ kind: 'none' });
    expect(editorFor(leaf('nullptr', 1, 'nullptr'))).toMatchObject({ kind: 'none', reason: 'a NULL-pointer placeholder must stay 0x30' });
    expect(editorFor({ ...leaf('struct', 8, undefined, 'struct'), children: [] })).toBeNull();
  });

  it('sends what the codecs read and catches typing mistakes before the worker', () => {
    expect(editorValue('bool', '', false)).toBe('false');
    expect(editorValue('timer', '55', true)).toBe('not armed');
    expect(editorValue('int', '0x10', false)).toBe('0x10');
    expect(checkValue(leaf('uint8', 1, 0), '256')).toBe('dev (0)/f: 256 does not fit in 8 bits (uint8)');
    expect(checkValue(leaf('uint8', 1, 0), '-1')).toBeNull();
    expect(checkValue(leaf('buffer', 2, new Uint8Array(2)), 'aa bb cc')).toBe('dev (0)/f: 3 bytes given, the field holds 2');
    expect(checkValue(leaf('buffer', 2, new Uint8Array(2)), 'aa\nbb')).toBeNull();
  });

  it('names a single changed buffer byte by its index', () => {
    const cmos = leaf('buffer', 4, Uint8Array.of(0, 1, 2, 3));
    expect(bufferEdit(cmos, '00 01 5a 03')).toEqual({ path: 'dev (0)/f[2]', value: '0x5a' });
    expect(bufferEdit(cmos, '00 01 5a 5b')).toEqual({ path: 'dev (0)/f', value: '00 01 5a 5b' });
    expect(bufferEdit(cmos, '00 01 02 03')).toEqual({ path: 'dev (0)/f', value: '00 01 02 03' });
  });

  it('says what changed in long hex values byte by byte', () => {
    const before = '00'.repeat(20);
    expect(changeText('0', '0x1234')).toBe('0 → 0x1234');
    expect(changeText(before, `${'00'.repeat(3)}5a${'00'.repeat(16)}`, true)).toBe('[3] 00 → 5a');
    expect(changeText(before, 'ff'.repeat(20), true)).toBe('[0] 00 → ff, [1] 00 → ff, [2] 00 → ff, [3] 00 → ff and 16 more bytes');
  });

  it('finds changed spans overlapping a range', () => {
    const spans = [{ from: 10, to: 12 }, { from: 20, to: 21 }];
    expect([[0, 10], [0, 11], [11, 15], [12, 20], [20, 21], [21, 99]].map(([a, b]) => isChanged(spans, a, b))).toEqual([false, true, true, false, true, false]);
    expect(isChanged([], 0, 100)).toBe(false);
  });
});

describe('textChange', () => {
  it('shows a short value whole, and a long text (a domain XML) by its first changed line', () => {
    expect(textChange('false', 'true')).toBe('false → true');
    const xml = (d: string) => `<domain>\n  <name>g</name>\n  <description>${d}</description>\n${'  <x/>\n'.repeat(20)}</domain>`;
    expect(textChange(xml('old'), xml('new'))).toBe(`line 3: <description>old</description> → <description>new</description> (${xml('old').length} → ${xml('new').length} characters)`);
  });
});
