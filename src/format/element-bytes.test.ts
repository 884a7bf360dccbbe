// The element-count bound (element-bytes.ts) on real files: never above what real QEMU wrote, and a
// count no file can hold refused where its field starts, before any element is read.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memorySource } from './byte-source.ts';
import { Cursor } from './cursor.ts';
import { deviceBody } from './descriptions.ts';
import { minElementBytes } from './element-bytes.ts';
import { DecodeError } from './errors.ts';
import type { FieldNode, StreamModel } from './model.ts';
import { FIXTURE_DIR, fixtureBytes, scanBytes } from './testing/fixtures.ts';
import { withEmbeddedJson } from './testing/fuzz-cases.ts';
import { loadDescription, locateVmdesc, type VmdescField, type VmsdDesc } from './vmdesc.ts';
import { decodeBody, newContext } from './vmsd-decoder.ts';
import { locateJsonPath } from './vmdesc-schema.ts';

/** Every real stream with its own description (QEMU 7.2, 10.0, 11.1). */
function describedStreams(): string[] {
  return ['', 'qemu10', 'qemu11'].flatMap((dir) => readdirSync(join(FIXTURE_DIR, dir)).filter((f) => f.endsWith('.bin')).map((f) => (dir ? `${dir}/${f}` : f)));
}

/**
 * Each decoded element of each described field, against the bound of the entries of that name
 * (QEMU 10.0 splits a pointer array into runs of structs and NULL markers under one name).
 * Returns how many elements were compared; pushes each element smaller than its bound.
 */
function compare(body: Partial<VmsdDesc>, nodes: FieldNode[], bad: string[]): number {
  let n = 0;
  const fields = body.fields ?? [];
  for (const node of nodes) {
    if (node.kind === 'subsection') {
      const sub = body.subsections?.find((s) => s.vmsd_name === node.vmsdName);
      if (sub) n += compare(sub, node.children ?? [], bad);
      continue;
    }
    const entries = fields.filter((f) => f.name === node.name);
    if (!entries.length) continue;
    const least = Math.min(...entries.map((f) => minElementBytes(f)));
    const elements = node.kind === 'array' ? (node.children ?? []) : [node];
    for (const [k, el] of elements.entries()) {
      n++;
      if (el.size < least) bad.push(`${el.path}: ${el.size} bytes, bound ${least}`);
      const f: VmdescField = entries[Math.min(k, entries.length - 1)];
      const nested = f.type === 'struct' ? f.struct : f.type === 'vstruct' || f.type === 'tmp' ? f : undefined;
      if (nested && el.children) n += compare(nested, el.children, bad);
    }
  }
  return n;
}

const text = (r: unknown) => JSON.stringify(r, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v));

/** qemu11/q35-migration.bin with ICH9LPC's chip_config (16,384 bytes: uint8, array_len 16384) given another array_len. */
async function chipConfig(arrayLen: number) {
  const bytes = fixtureBytes('qemu11/q35-migration.bin');
  const loc = (await locateVmdesc(memorySource(bytes)))!;
  const raw = new TextDecoder().decode(bytes.subarray(loc.jsonOffset, loc.jsonOffset + loc.jsonLength));
  const json = JSON.parse(raw) as { devices: { name: string; fields: VmdescField[] }[] };
  const d = json.devices.findIndex((x) => x.name === '0000:00:1f.0/ICH9LPC');
  const f = json.devices[d].fields.findIndex((x) => x.name === 'chip_config');
  expect(json.devices[d].fields[f]).toMatchObject({ type: 'uint8', size: 1, array_len: 16384 });
  json.devices[d].fields[f].array_len = arrayLen;
  const mutated = withEmbeddedJson(bytes, { lengthAt: loc.recordOffset + 1, jsonOffset: loc.jsonOffset, jsonLength: loc.jsonLength }, JSON.stringify(json));
  return { bytes, mutated, loc, keys: ['devices', d, 'fields', f, 'array_len'] };
}

const ich9 = (m: StreamModel) => m.records.find((r) => r.idstr === '0000:00:1f.0/ICH9LPC')!;

describe('element-count bound', () => {
  it('is never above an element real QEMU wrote (every field of every described stream)', async () => {
    let compared = 0;
    for (const name of describedStreams()) {
      const bytes = fixtureBytes(name);
      if (!(await locateVmdesc(memorySource(bytes)))) continue;
      const desc = await loadDescription(memorySource(bytes));
      const m = await scanBytes(bytes);
      const bad: string[] = [];
      for (const r of m.records) {
        const d = desc.devices.find((x) => x.name === r.idstr && x.instance_id === r.instanceId);
        if (d && r.decodedBy === 'vmdesc') compared += compare(deviceBody(d), r.fields ?? [], bad);
      }
      expect(bad, name).toEqual([]);
    }
    expect(compared).toBeGreaterThan(50_000);
  });

  it('refuses an array_len no file can hold at the field, before reading an element; keeps every record before', async () => {
    // 2147483647: the largest count QEMU can write (the schema refuses more), 1 byte each.
    const { bytes, mutated } = await chipConfig(0x7fffffff);
    const good = await scanBytes(bytes);
    const at = ich9(good).fields!.find((n) => n.name === 'chip_config')!.offset;
    const m = await scanBytes(mutated);
    const problems = [...m.problems, ...m.records.flatMap((r) => r.problems)].filter((p) => p.severity === 'error');
    expect(problems[0]).toMatchObject({ code: 'truncated', offset: at });
    expect(problems[0].message).toMatch(/^2147483647 elements of "chip_config" \(at least 2147483647 bytes\), but the file has \d+ left$/);
    const kept = m.records.filter((r) => r.offset < ich9(good).offset);
    expect(kept.length).toBeGreaterThan(10);
    for (const r of kept) expect(text(r), `record ${r.index}`).toBe(text(good.records[r.index]));
  });

  it('spends fewer nodes on that section than its valid decode (349,198 before the bound)', async () => {
    const { bytes, mutated } = await chipConfig(0x7fffffff);
    const rec = ich9(await scanBytes(bytes));
    const spent = async (file: Uint8Array) => {
      const desc = await loadDescription(memorySource(file));
      const d = desc.devices.find((x) => x.name === rec.idstr)!;
      const ctx = newContext(true);
      const c = new Cursor({ bytes: file, base: 0, atEnd: true, fileSize: file.length }, rec.dataOffset!, 'ICH9LPC');
      let error: unknown;
      try {
        decodeBody(c, deviceBody(d), 'ICH9LPC/', ctx);
      } catch (e) {
        error = e;
      }
      return { nodes: newContext(true).nodeBudget - ctx.nodeBudget, error };
    };
    const valid = await spent(bytes);
    const bounded = await spent(mutated);
    expect(valid.error).toBeUndefined();
    expect(bounded.error).toBeInstanceOf(DecodeError);
    // The valid section holds chip_config's 16,384 elements; the bounded decode stops before it
    // (852 nodes: the fields before). Before the bound, the 1-byte elements were decoded one by
    // one up to the end of the file (349,198 nodes with case 803616's 0xffffffff).
    expect(valid.nodes).toBeGreaterThan(16_384);
    expect(bounded.nodes).toBeLessThan(1_000);
  });

  it('an array_len QEMU cannot write (case 803616: 0xffffffff) is refused by the schema at its JSON offset', async () => {
    const { mutated, loc, keys } = await chipConfig(0xffffffff);
    const m = await scanBytes(mutated);
    const p = m.problems.find((x) => x.code === 'bad-vmdesc' && /array_len/.test(x.message))!;
    expect(p.message).toBe(`$.devices[${keys[1]}].fields[${keys[3]}].array_len must be <=2147483647, found 4294967295`);
    const json = new TextDecoder().decode(mutated.subarray(loc.jsonOffset, loc.jsonOffset + 200_000));
    expect(p.offset).toBe(loc.jsonOffset + locateJsonPath(json.slice(0, json.lastIndexOf('}') + 1), keys));
  });

  it('counts what each kind of element reads at least', () => {
    const u8 = { name: 'b', type: 'uint8', size: 1 };
    expect(minElementBytes({ name: 's', type: 'struct', size: 9, struct: { vmsd_name: 'x', version: 1, fields: [{ ...u8, array_len: 4 }, { name: 'w', type: 'uint32', size: 4 }] } })).toBe(8);
    // A NULL pointer in a 7.2 pointer array; an empty queue; a counted string.
    expect(minElementBytes({ name: 'p', type: 'struct', size: 1, struct: {} })).toBe(1);
    expect(minElementBytes({ name: 'q', type: 'qtailq', size: 0, vmsd_name: 'e', fields: [u8] })).toBe(1);
    expect(minElementBytes({ name: 'c', type: 'capability', size: 0 })).toBe(1);
    // Lengths that are data: virtio state, sizes and counts read from siblings.
    expect(minElementBytes({ name: 'v', type: 'virtio', size: 500 })).toBe(0);
    expect(minElementBytes({ name: 'n', type: 'buffer', size: 0, size_from: 'len' })).toBe(0);
    expect(minElementBytes({ name: 't', type: 'tmp', size: 4, vmsd_name: 't', fields: [{ ...u8, array_len_from: 'n' }, u8] })).toBe(1);
  });
});
