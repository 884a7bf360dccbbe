// A JSON description is input (issue #10 part 6): checked against its schema, with the JSON path
// and the byte offset of what is wrong, in one line; real QEMU descriptions all pass.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memorySource } from './byte-source.ts';
import { latin1Bytes } from './cursor.ts';
import { encodeSectionHeader } from './encode.ts';
import { DecodeError, formatProblem } from './errors.ts';
import { FIXTURE_DIR, fixtureBytes, scanBytes } from './testing/fixtures.ts';
import { loadDescription, locateVmdesc, parseVmdesc } from './vmdesc.ts';
import { jsonPath, locateJsonPath, MAX_JSON_DEPTH } from './vmdesc-schema.ts';

const be32 = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
const QEVM = [0x51, 0x45, 0x56, 0x4d, 0, 0, 0, 3];

function refusal(text: string, offset = 0): DecodeError {
  try {
    parseVmdesc(text, offset);
  } catch (e) {
    if (e instanceof DecodeError) return e;
    throw e;
  }
  throw new Error(`accepted: ${text.slice(0, 80)}`);
}

/** A migration stream of one FULL section with an embedded description `json`. */
function streamWith(json: string): Uint8Array {
  const body = latin1Bytes(json);
  return Uint8Array.from([...QEVM, ...encodeSectionHeader(4, 0, 'dev', 0, 1), 7, 0x7e, ...be32(0), 0, 6, ...be32(body.length), ...body]);
}

const device = (fields: string) => `{"page_size": 4096, "devices": [{"name": "dev", "instance_id": 0, "vmsd_name": "dev", "version": 1, "fields": ${fields}}]}`;

describe('JSON description schema', () => {
  it('every description written by real QEMU (7.2, 10.0 and 11.1 fixtures) passes', async () => {
    let checked = 0;
    for (const sub of ['', 'qemu10', 'qemu11']) {
      for (const f of readdirSync(join(FIXTURE_DIR, sub)).filter((n) => n.endsWith('.bin'))) {
        const src = memorySource(fixtureBytes(sub ? `${sub}/${f}` : f));
        if (!(await locateVmdesc(src))) continue;
        const d = await loadDescription(src);
        expect(d.devices.length, f).toBeGreaterThan(0);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(16);
  });

  it.each([
    ['a null where a field belongs', device('[null]'), '$.devices[0].fields[0]', 'Object'],
    ['a null size', device('[{"name": "x", "type": "uint8", "size": null}]'), '$.devices[0].fields[0].size', 'number, found null'],
    ['fields that are not an array', device('7'), '$.devices[0].fields', 'Array, found 7'],
    ['a size that is no integer', device('[{"name": "x", "type": "uint8", "size": 1.5}]'), '$.devices[0].fields[0].size', '1.5'],
    ['a huge array_len', device('[{"name": "x", "type": "uint8", "size": 1, "array_len": 1e300}]'), '$.devices[0].fields[0].array_len', '1e+300'],
    // QEMU counts elements in an int (vmstate.c vmstate_n_elems): fuzz case 803616 wrote 0xffffffff.
    ['an array_len past INT32_MAX', device('[{"name": "x", "type": "uint8", "size": 1, "array_len": 2147483648}]'), '$.devices[0].fields[0].array_len', '<=2147483647, found 2147483648'],
    ['an index past INT32_MAX', device('[{"name": "x", "index": 4294967295, "type": "uint8", "size": 1}]'), '$.devices[0].fields[0].index', '4294967295'],
    ['a negative instance id', '{"devices": [{"name": "d", "instance_id": -1}]}', '$.devices[0].instance_id', '-1'],
    ['a struct whose fields hold a string', device('[{"name": "s", "type": "struct", "size": 1, "struct": {"fields": ["x"]}}]'), '$.devices[0].fields[0].struct.fields[0]', 'Object'],
    ['no devices', '{"page_size": 4096}', '$.devices', 'present'],
  ])('%s: names the JSON path and the offset of the value', (_what, text, path, found) => {
    const e = refusal(text, 1000);
    expect(e.code).toBe('bad-vmdesc');
    expect(e.expected).toContain(`${path} must be `);
    expect(e.expected).toContain(found);
    // The offset points at the offending value (or, when it is missing, its parent) in the file.
    const at = e.offset - 1000;
    const parent = path.slice(0, path.lastIndexOf(path.endsWith(']') ? '[' : '.'));
    expect([path, parent].some((p) => {
      const keys = [...p.matchAll(/\.(\w+)|\[(\d+)\]/g)].map((m) => (m[1] ?? Number(m[2])));
      return locateJsonPath(text, keys) === at;
    }), `offset ${at} in ${text}`).toBe(true);
    expect(e.message.split('\n')).toHaveLength(1);
  });

  it('an object nested 20,000 deep is refused at the bracket that passes the limit, without a stack overflow', () => {
    const text = device('[{"name": "x", "type": "struct", "size": 1, "struct": ' + '{"a": ['.repeat(10_000) + ']}'.repeat(10_000) + '}]');
    const e = refusal(text, 16);
    expect(e.expected).toBe(`a description nested at most ${MAX_JSON_DEPTH} levels deep`);
    let depth = 0;
    let at = 0;
    for (; at < text.length && depth <= MAX_JSON_DEPTH; at++) depth += text[at] === '{' || text[at] === '[' ? 1 : text[at] === '}' || text[at] === ']' ? -1 : 0;
    expect(e.offset).toBe(16 + at - 1);
  });

  it('offsets are byte offsets in the file, past multi-byte UTF-8 names', () => {
    const text = '{"devices": [{"name": "d\u00e9\u00e9", "instance_id": null}]}';
    const e = refusal(text);
    const bytes = new TextEncoder().encode(text);
    expect(e.offset).toBe(Buffer.from(bytes).indexOf('null')); // after two 2-byte characters
    expect(e.offset).toBe(text.indexOf('null') + 2);
  });

  it('JSON paths escape keys from the file', () => {
    expect(jsonPath(['devices', 3, 'fields', 'we\nird"'])).toBe('$.devices[3].fields["we\\\\x0aird\\""]');
  });

  it('an embedded description with a null field is reported at its offset in the stream; the sections still frame', async () => {
    const json = device('[null]');
    const file = streamWith(json);
    const m = await scanBytes(file);
    const p = m.problems.find((x) => x.code === 'bad-vmdesc' && x.message.includes('$.devices[0].fields[0]'));
    expect(p, JSON.stringify(m.problems)).toBeDefined();
    expect(p!.offset).toBe(file.length - json.length + json.indexOf('null'));
    expect(m.records.map((r) => r.kind)).toEqual(['header', 'section', 'eof', 'vmdesc']);
    for (const q of m.problems) expect(formatProblem(q)).toMatch(/^\S+ at 0x[0-9a-f]+ \(\d+\): [\x20-\x7e]+$/);
  });

  it('broken JSON is one escaped line naming where the text starts', () => {
    const e = refusal('{"devices": [\u0000\n\u00ff', 77);
    expect(e.code).toBe('bad-vmdesc');
    expect(e.offset).toBeGreaterThanOrEqual(77);
    expect(e.message).toMatch(/^[\x20-\x7e]+$/);
  });
});

describe('JSON description text', () => {
  // Found by `npm run fuzz -- --seed 20260` (case 2090): two bytes inserted into the JSON of
  // pc-config-migration.bin became U+FFFD characters, and the parser's position, turned back into
  // bytes, pointed past the end of the file.
  it('bytes that are not UTF-8 are reported at their own offset, inside the file', async () => {
    const json = device('[]');
    const file = streamWith(json);
    const at = file.length - json.length + json.indexOf('"dev"') + 2;
    const bad = Uint8Array.from([...file.subarray(0, at), 0xfb, 0xf7, ...file.subarray(at)]);
    new DataView(bad.buffer).setUint32(file.length - json.length - 4, json.length + 2);
    const m = await scanBytes(bad);
    const p = m.problems.find((x) => x.code === 'bad-vmdesc' && x.message.startsWith('UTF-8'));
    expect(p, JSON.stringify(m.problems)).toBeDefined();
    expect(p!.offset).toBe(at);
    expect(p!.message).toBe('UTF-8 text in the JSON description; found byte 0xfb');
    for (const q of m.problems) expect(q.offset).toBeLessThanOrEqual(bad.length);
  });

  it('a JSON syntax error after multi-byte characters is reported at its byte offset', async () => {
    const text = '{"devices": [{"name": "\u00e9\u00e9"}, ]}';
    const bytes = new TextEncoder().encode(text);
    const e = await loadDescription(memorySource(bytes)).then(() => null, (x: DecodeError) => x);
    expect(e).toBeInstanceOf(DecodeError);
    if (/position/.test(e!.message)) expect(e!.offset).toBe(Buffer.from(bytes).indexOf(']'));
    expect(e!.offset).toBeLessThan(bytes.length);
  });
});
