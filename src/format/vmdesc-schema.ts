// The JSON VM description comes from the file (or from a file the user supplied), so it is input
// like any other: before the decoder walks it, it is checked against the shape QEMU writes
// (migration/vmstate.c vmsd_desc_field_start / vmsd_desc_field_end, migration/savevm.c
// qemu_savevm_state_complete_precopy_non_iterable) with valibot, a small schema library that
// runs unchanged in the worker and in Node. Unknown members are allowed: newer QEMU adds some.
// A failure names the JSON path and the byte offset of the offending value in the file.
import * as v from 'valibot';
import { DecodeError, escapeText } from './errors.ts';
import type { Vmdesc } from './vmdesc.ts';

/**
 * Deepest nesting of JSON objects and arrays accepted. QEMU nests three or four levels per vmsd
 * (field, struct, fields) and the decoder stops at 64 vmsds (vmsd-decoder.ts MAX_DEPTH); the
 * bound keeps the schema check (which recurses) and every walker after it off the stack limit.
 */
export const MAX_JSON_DEPTH = 256;

const count = v.pipe(v.number(), v.safeInteger(), v.minValue(0));
const u32 = v.pipe(v.number(), v.safeInteger(), v.minValue(0), v.maxValue(0xffffffff));
// QEMU counts elements in an int (vmstate.c vmstate_n_elems) and writes that count as array_len,
// and an element's number as index (vmsd_desc_field_start): neither can pass INT32_MAX.
const elements = v.pipe(v.number(), v.safeInteger(), v.minValue(0), v.maxValue(0x7fffffff));

// The recursive parts refer to each other through v.lazy, built once (a getter that built the
// schema would build it again at every node: 10x slower). Typed as GenericSchema so TypeScript
// can name them.
const fieldRef: v.GenericSchema = v.lazy(() => field);
const vmsdRef: v.GenericSchema = v.lazy(() => vmsd);
const fieldList = v.optional(v.array(fieldRef));
const vmsdList = v.optional(v.array(vmsdRef));

const vmsd = v.looseObject({
  vmsd_name: v.string(),
  version: u32,
  fields: fieldList,
  subsections: vmsdList,
});

const field = v.looseObject({
  name: v.string(),
  type: v.string(),
  size: count,
  array_len: v.optional(elements),
  index: v.optional(elements),
  // 7.2 writes a NULL pointer of a pointer array as an empty struct: every member is optional.
  struct: v.optional(v.looseObject({
    vmsd_name: v.optional(v.string()),
    version: v.optional(u32),
    fields: fieldList,
    subsections: vmsdList,
  })),
  vmsd_name: v.optional(v.string()),
  version: v.optional(u32),
  fields: fieldList,
  subsections: vmsdList,
  size_from: v.optional(v.string()),
  array_len_from: v.optional(v.string()),
});

const device = v.looseObject({
  name: v.string(),
  instance_id: u32,
  vmsd_name: v.optional(v.string()),
  version: v.optional(u32),
  size: v.optional(count),
  fields: fieldList,
  subsections: vmsdList,
});

const description = v.looseObject({
  page_size: v.optional(v.number()),
  devices: v.array(device),
  configuration: v.optional(vmsd),
});

/** Checks parsed JSON against the schema; throws DecodeError naming the path and byte offset. */
export function validateVmdesc(json: unknown, text: string, offset: number): Vmdesc {
  const deep = tooDeep(text);
  if (deep >= 0) {
    throw new DecodeError('bad-vmdesc', offset + byteLength(text, deep), `a description nested at most ${MAX_JSON_DEPTH} levels deep`);
  }
  const r = v.safeParse(description, json, { abortEarly: true });
  if (r.success) return r.output as Vmdesc;
  const issue = r.issues[0];
  const keys = (issue.path ?? []).map((p) => p.key as string | number);
  const at = locateJsonPath(text, keys);
  const what = issue.received === 'undefined' ? 'present' : issue.expected ? `${issue.expected}, found ${issue.received}` : issue.message;
  throw new DecodeError('bad-vmdesc', offset + byteLength(text, at), `${jsonPath(keys)} must be ${escapeText(what)}`);
}

/** `$.devices[3].fields[0].size`, escaped: keys come from the file. */
export function jsonPath(keys: (string | number)[]): string {
  return '$' + keys.map((k) => (typeof k === 'number' ? `[${k}]` : /^[A-Za-z_][\w]*$/.test(k) ? `.${k}` : `[${JSON.stringify(escapeText(k))}]`)).join('');
}

/** UTF-8 length of text[0, at): offsets in messages are byte offsets in the file. */
function byteLength(text: string, at: number): number {
  return new TextEncoder().encode(text.slice(0, at)).length;
}

/** Index of the first bracket that opens level MAX_JSON_DEPTH + 1, or -1. Text is valid JSON. */
function tooDeep(text: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x22) i = stringEnd(text, i);
    else if (ch === 0x7b || ch === 0x5b) {
      if (++depth > MAX_JSON_DEPTH) return i;
    } else if (ch === 0x7d || ch === 0x5d) depth--;
  }
  return -1;
}

/** Index of the closing quote of the string that opens at `i`. */
function stringEnd(text: string, i: number): number {
  for (i++; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x5c) i++;
    else if (ch === 0x22) return i;
  }
  return i;
}

const WS = /[ \t\r\n]/;

/**
 * Where the value at `keys` starts in `text` (valid JSON, depth already bounded), or where its
 * deepest existing ancestor starts. Iterative on purpose: a recursive JSON walker is what a
 * deeply nested description would overflow (JSON.parse itself copes).
 */
export function locateJsonPath(text: string, keys: (string | number)[]): number {
  const path: (string | number)[] = [];
  const inObject: boolean[] = [];
  let best = 0;
  let i = 0;
  const skipWs = () => {
    while (i < text.length && WS.test(text[i])) i++;
  };
  const readKey = () => {
    skipWs();
    const end = stringEnd(text, i);
    const key = JSON.parse(text.slice(i, end + 1)) as string;
    i = end + 1;
    skipWs();
    i++; // ':'
    return key;
  };
  for (;;) {
    skipWs();
    // A value starts at i, at `path`.
    let matched = path.length <= keys.length;
    for (let k = 0; matched && k < path.length; k++) matched = path[k] === keys[k];
    if (matched) {
      best = i;
      if (path.length === keys.length) return i;
    }
    const ch = text[i];
    if (ch === '{' || ch === '[') {
      i++;
      skipWs();
      if (text[i] === '}' || text[i] === ']') i++;
      else {
        inObject.push(ch === '{');
        path.push(ch === '{' ? readKey() : 0);
        continue;
      }
    } else if (ch === '"') i = stringEnd(text, i) + 1;
    else while (i < text.length && !/[,\]} \t\r\n]/.test(text[i])) i++;
    // After a value: the next member or element, or close containers.
    for (;;) {
      skipWs();
      if (!inObject.length || i >= text.length) return best;
      if (text[i] === ',') {
        i++;
        const last = path.length - 1;
        path[last] = inObject[inObject.length - 1] ? readKey() : (path[last] as number) + 1;
        break;
      }
      i++; // '}' or ']'
      inObject.pop();
      path.pop();
    }
  }
}
