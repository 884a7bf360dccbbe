// Fuzz cases over every kind of real fixture (issue #10): byte damage (hostile.ts mutate), length
// and count fields set to edge values, and structure-aware damage to the JSON description, the
// embedded one or one supplied beside a file. Case `i` of seed `s` is a pure function of (s, i),
// so any case reproduces alone: `npm run fuzz -- --seed s --from i --cases 1`.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { memorySource } from '../byte-source.ts';
import { sniffContainer } from '../container/sniff.ts';
import type { FieldNode, StreamModel } from '../model.ts';
import { locateVmdesc } from '../vmdesc.ts';
import { FIXTURE_DIR, prng, scanBytes } from './fixtures.ts';
import { mutate } from './hostile.ts';

export interface FuzzInput {
  name: string;
  /** A libvirt, xl or qcow2 file: the case is opened through the container layer. */
  container?: boolean;
  bytes: Uint8Array;
  /** Offsets of header bytes and of integer fields worth setting to edge values. */
  fields: { at: number; size: number }[];
  /** The embedded description: where its text sits. */
  vmdesc?: { lengthAt: number; jsonOffset: number; jsonLength: number; json: unknown };
  /** The description of the same VM that a user would supply (--vmdesc), as JSON text. */
  supplied?: string;
  /** `supplied` parsed, once (fuzzCase never changes it: see mutateJsonText). */
  suppliedJson?: unknown;
}

export interface FuzzCase {
  input: string;
  container?: boolean;
  bytes: Uint8Array;
  /** A supplied description's text, to load as --vmdesc would. */
  supplied?: string;
  history: string[];
}

/**
 * Container files (unpacked when committed gzipped): libvirt raw and gzip-compressed save
 * images, an xl save file, qcow2 images with internal snapshots.
 */
const CONTAINERS = ['libvirt/raw.sav', 'libvirt/xml.sav.gz', 'libvirt/gzip.sav', 'xl/pc-xl.save.gz', 'qcow2/pc-v3.qcow2.gz', 'qcow2/virt-v3.qcow2.gz'];

/**
 * Every state file among the fixtures (QEMU 7.2, 10.0 and 11.1; bare streams, device states,
 * COLO buffers, multifd channels) and the container files, with what the mutators need.
 */
export async function fuzzInputs(opts: { before11?: boolean } = {}): Promise<FuzzInput[]> {
  const out: FuzzInput[] = [];
  const descriptions = new Map<string, string>();
  // before11: the inputs as they were before QEMU 11.1 and the containers joined (case i picks
  // input i modulo their count), so cases found then replay as they were.
  for (const dir of opts.before11 ? ['', 'qemu10'] : ['', 'qemu10', 'qemu11']) {
    const manifest = JSON.parse(readFileSync(join(FIXTURE_DIR, dir, 'manifest.json'), 'utf8')) as { fixtures: { file: string; describedBy?: string }[] };
    const describedBy = new Map(manifest.fixtures.map((f) => [f.file, f.describedBy]));
    // One 14 MiB mapped-ram file (QEMU 10's) is enough: 11.1's is the same layout.
    const skip = (f: string) => f.includes('ram-pattern') || (dir === 'qemu11' && f.includes('mapped-ram'));
    for (const file of readdirSync(join(FIXTURE_DIR, dir)).filter((f) => f.endsWith('.bin') && !skip(f)).sort()) {
      const name = join(dir, file);
      const bytes = new Uint8Array(readFileSync(join(FIXTURE_DIR, name)));
      const input: FuzzInput = { name, bytes, fields: intFields(await scanBytes(bytes)) };
      const text = await embeddedJson(input, bytes, 0);
      if (text !== undefined) descriptions.set(name, text);
      const by = describedBy.get(file);
      if (by && by !== file) input.supplied = join(dir, by);
      out.push(input);
    }
  }
  for (const i of out) i.supplied = i.supplied === undefined ? undefined : descriptions.get(i.supplied);
  for (const name of opts.before11 ? [] : CONTAINERS) {
    const file = readFileSync(join(FIXTURE_DIR, name));
    const bytes = new Uint8Array(name.endsWith('.gz') ? gunzipSync(file) : file);
    const info = (await sniffContainer(memorySource(bytes)))!;
    const input: FuzzInput = { name, container: true, bytes, fields: [] };
    const walk = (ns: FieldNode[] | undefined) => ns?.forEach((n) => (typeof n.value === 'number' && [1, 2, 4, 8].includes(n.size) ? input.fields.push({ at: n.offset, size: n.size }) : walk(n.children)));
    for (const r of info.records) walk(r.fields);
    if (info.inner.codec === 'raw') {
      const { offset, size } = info.inner;
      const inner = bytes.subarray(offset, offset + size);
      for (const f of intFields(await scanBytes(inner))) input.fields.push({ at: f.at + offset, size: f.size });
      await embeddedJson(input, inner, offset);
    }
    out.push(input);
  }
  return out;
}

/** Notes where the stream `bytes` (at `shift` in the input) embeds its description; returns its text. */
async function embeddedJson(input: FuzzInput, bytes: Uint8Array, shift: number): Promise<string | undefined> {
  const loc = await locateVmdesc(memorySource(bytes));
  if (!loc) return undefined;
  const text = new TextDecoder().decode(bytes.subarray(loc.jsonOffset, loc.jsonOffset + loc.jsonLength));
  input.vmdesc = { lengthAt: shift + loc.recordOffset + 1, jsonOffset: shift + loc.jsonOffset, jsonLength: loc.jsonLength, json: JSON.parse(text) };
  return text;
}

/** Header fields of every record and the integer leaves of every field tree. */
function intFields(m: StreamModel): { at: number; size: number }[] {
  const out: { at: number; size: number }[] = [];
  const walk = (ns: FieldNode[] | undefined) => {
    for (const n of ns ?? []) {
      if (typeof n.value === 'number' && [1, 2, 4, 8].includes(n.size)) out.push({ at: n.offset, size: n.size });
      walk(n.children);
    }
  };
  for (const r of m.records) {
    out.push({ at: r.offset, size: 1 });
    if (r.dataOffset !== undefined && r.dataOffset > r.offset + 1) {
      for (let at = r.offset + 1; at + 4 <= r.dataOffset; at += 4) out.push({ at, size: 4 });
      out.push({ at: r.offset + 5, size: 1 }); // the idstr length of START/FULL
    }
    walk(r.fields);
  }
  return out;
}

const EDGE = [0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0xffff, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

export function fuzzCase(inputs: FuzzInput[], seed: number, index: number): FuzzCase {
  const rnd = prng((Math.imul(seed, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0);
  const input = inputs[index % inputs.length];
  const history: string[] = [];
  let bytes = input.bytes;
  let supplied: string | undefined;
  const kind = rnd();
  if (input.supplied && kind < 0.12) {
    supplied = input.supplied;
    if (rnd() < 0.8) supplied = mutateJsonText((input.suppliedJson ??= JSON.parse(supplied)), rnd, history, 'supplied');
  } else if (input.vmdesc && kind < 0.35) {
    bytes = withEmbeddedJson(bytes, input.vmdesc, mutateJsonText(input.vmdesc.json, rnd, history, 'embedded'));
  }
  const n = supplied === undefined && history.length === 0 ? 1 + Math.floor(rnd() * 3) : Math.floor(rnd() * 2);
  for (let k = 0; k < n; k++) {
    if (rnd() < 0.3 && input.fields.length && bytes.length === input.bytes.length) {
      const f = input.fields[Math.floor(rnd() * input.fields.length)];
      const value = rnd() < 0.7 ? EDGE[Math.floor(rnd() * EDGE.length)] : Math.floor(rnd() * 2 ** 32);
      bytes = bytes.slice();
      for (let b = 0; b < f.size; b++) bytes[f.at + f.size - 1 - b] = b < 4 ? (value >>> (8 * b)) & 0xff : rnd() < 0.5 ? 0 : 0xff;
      history.push(`set ${f.size}-byte field at ${f.at} to 0x${value.toString(16)}`);
    } else {
      const m = mutate(bytes, rnd);
      bytes = m.bytes;
      history.push(JSON.stringify(m.mutation));
    }
  }
  return { input: input.name, container: input.container, bytes, supplied, history };
}

/** `bytes` with the embedded description at `v` replaced by `json` (its length record updated). */
export function withEmbeddedJson(bytes: Uint8Array, v: { lengthAt: number; jsonOffset: number; jsonLength: number }, json: string): Uint8Array {
  const text = new TextEncoder().encode(json);
  const out = new Uint8Array(bytes.length - v.jsonLength + text.length);
  out.set(bytes.subarray(0, v.lengthAt));
  new DataView(out.buffer).setUint32(v.lengthAt, text.length);
  out.set(text, v.jsonOffset);
  out.set(bytes.subarray(v.jsonOffset + v.jsonLength), v.jsonOffset + text.length);
  return out;
}

const DEEP = '\u0000deep\u0000';

/** A copy of the description with one to three structural changes, as JSON text. */
function mutateJsonText(json: unknown, rnd: () => number, history: string[], which: string): string {
  // Copy on write: only the objects on the path to a change are copied (shallowly), so the
  // shared parsed description is never touched. A structuredClone of a description of hundreds
  // of KiB per case cost more than decoding most files. Copies keep member order, so the cases
  // are the same as with a whole clone.
  type Container = Record<string | number, unknown>;
  const copies = new Set<unknown>();
  const copy = (v: Container): Container => {
    const c = (Array.isArray(v) ? [...v] : { ...v }) as Container;
    copies.add(c);
    return c;
  };
  const doc = copy(json as Container);
  let deep = '';
  for (let k = 0, n = 1 + Math.floor(rnd() * 3); k < n; k++) {
    // A random walk from the root picks a member or element to change.
    const path: (string | number)[] = [];
    let parent: Container = doc;
    let key: string | number = 'devices';
    for (let d = 0; d < 12; d++) {
      let v = parent[key];
      if (!v || typeof v !== 'object' || rnd() < 0.15) break;
      const keys: (string | number)[] = Array.isArray(v) ? v.map((_, i) => i) : Object.keys(v);
      if (!keys.length) break;
      if (!copies.has(v)) parent[key] = v = copy(v as Container);
      path.push(key);
      parent = v as Container;
      key = keys[Math.floor(rnd() * keys.length)];
    }
    path.push(key);
    const pick = Math.floor(rnd() * 9);
    const what = ['null', 'a string', 'an array', 'an object', 'true', 'a huge number', 'a negative or fractional number', 'deep nesting', 'nothing'][pick];
    history.push(`${which} description: ${path.join('.')} := ${what}`);
    if (pick === 8) {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
      continue;
    }
    parent[key] = [
      null,
      rnd() < 0.5 ? '' : 'x\u0000\n\u00ff\u2028"\\',
      [],
      {},
      true,
      [1e300, 2 ** 53, 2 ** 32, 0xffffffff, 2 ** 31][Math.floor(rnd() * 5)],
      [-1, 0.5, -0, 1e-300][Math.floor(rnd() * 4)],
      DEEP,
    ][pick];
    if (pick === 7) {
      const levels = [300, 20_000][Math.floor(rnd() * 2)];
      deep = rnd() < 0.5 ? '{"fields":['.repeat(levels) + ']}'.repeat(levels) : '['.repeat(levels) + ']'.repeat(levels);
    }
  }
  // Deep nesting goes in as text: JSON.stringify of a 20,000-deep object would recurse.
  return JSON.stringify(doc).replace(JSON.stringify(DEEP), deep || 'null');
}
