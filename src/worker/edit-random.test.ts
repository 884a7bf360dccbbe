// Seeded random sequences of field edits, raw overwrites, reverts, undo and redo through the
// worker, checked after every step against a plain byte model: a stack of whole-file snapshots.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { memorySource } from '../format/byte-source.ts';
import { walkFields } from '../format/edit/find.ts';
import { INT_TYPES, writeInt } from '../format/field-types/index.ts';
import type { FieldNode, StreamModel } from '../format/model.ts';
import { bundledLibrary } from '../format/library-bundled.ts';
import { scanStream } from '../format/scan.ts';
import { prng } from '../format/testing/fixtures.ts';
import { compareFraming } from '../format/verify.ts';
import type { ByteRange } from '../format/byte-range.ts';
import type { OpenedFile } from './protocol.ts';
import { Session } from './session.ts';
import { ask } from './test-support.ts';

const ORIGINAL = new Uint8Array(readFileSync(new URL('../../public/fixtures/q35-devstate.bin', import.meta.url)));

function diffSpans(a: Uint8Array, b: Uint8Array): ByteRange[] {
  const out: ByteRange[] = [];
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue;
    const last = out[out.length - 1];
    if (last && last.to === i) last.to = i + 1;
    else out.push({ from: i, to: i + 1 });
  }
  return out;
}

function intLeaves(model: StreamModel): FieldNode[] {
  const out: FieldNode[] = [];
  for (const r of model.records) for (const n of walkFields(r.fields)) if (!n.children && INT_TYPES[n.type]?.bytes === n.size) out.push(n);
  return out;
}

/** `breakFraming`: the chance per step of a forced overwrite of a section footer, which QEMU would misread. */
async function runSequence(seed: number, steps: number, breakFraming = 0): Promise<boolean> {
  const rnd = prng(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
  const s = new Session();
  let f: OpenedFile = await ask(s, { type: 'open', file: new Blob([ORIGINAL]), name: 'q35-devstate.bin' });
  // The plain model: the file after each applied action, and the undone ones.
  const done: { bytes: Uint8Array; id: number; offset: number; before: Uint8Array }[] = [];
  const undone: typeof done = [];
  const current = () => done.at(-1)?.bytes ?? ORIGINAL;
  const log: string[] = [`seed ${seed}`];

  for (let step = 0; step < steps; step++) {
    const r = rnd();
    const leaves = intLeaves(f.model);
    const footers = f.model.records.filter((x) => x.footerOffset !== undefined);
    if (breakFraming && rnd() < breakFraming && footers.length) {
      const at = pick(footers).footerOffset!;
      const bytes = Uint8Array.of(current()[at] ^ 0xff);
      log.push(`footer 0x${at.toString(16)} = ${bytes[0]}`);
      const reply = await ask(s, { type: 'edit', generation: f.generation, edit: { kind: 'raw', offset: at, bytes }, force: true });
      expect(reply.status, log.join('\n')).toBe('applied');
      if (reply.status === 'applied') {
        const next = current().slice();
        const before = next.slice(at, at + 1);
        next.set(bytes, at);
        f = reply.file;
        done.push({ bytes: next, id: f.edits.done.at(-1)!.id, offset: at, before });
        undone.length = 0;
      }
    } else if (r < 0.35) {
      const leaf = pick(leaves);
      const value = BigInt(Math.floor(rnd() * 2 ** 31)) % (1n << BigInt(leaf.size * 8));
      log.push(`set ${leaf.path} = ${value}`);
      const reply = await ask(s, { type: 'edit', generation: f.generation, edit: { kind: 'field', path: leaf.path, value: String(value) }, force: true });
      if (reply.status === 'applied') {
        const bytes = current().slice();
        const before = bytes.slice(leaf.offset, leaf.offset + leaf.size);
        bytes.set(writeInt(value, leaf.size), leaf.offset);
        f = reply.file;
        done.push({ bytes, id: f.edits.done.at(-1)!.id, offset: leaf.offset, before });
        undone.length = 0;
      } else log.push(`  ${reply.status}`);
    } else if (r < 0.55) {
      const leaf = pick(leaves);
      const n = 1 + Math.floor(rnd() * leaf.size);
      const at = leaf.offset + Math.floor(rnd() * (leaf.size - n + 1));
      const bytes = Uint8Array.from({ length: n }, () => Math.floor(rnd() * 256));
      log.push(`raw 0x${at.toString(16)} = ${[...bytes].join(',')}`);
      const reply = await ask(s, { type: 'edit', generation: f.generation, edit: { kind: 'raw', offset: at, bytes }, force: true });
      if (reply.status === 'applied') {
        const next = current().slice();
        const before = next.slice(at, at + n);
        next.set(bytes, at);
        f = reply.file;
        done.push({ bytes: next, id: f.edits.done.at(-1)!.id, offset: at, before });
        undone.length = 0;
      } else log.push(`  ${reply.status}`);
    } else if (r < 0.65 && done.length) {
      const target = pick(done);
      log.push(`revert ${target.id}`);
      const reply = await ask(s, { type: 'edit', generation: f.generation, edit: { kind: 'revert', id: target.id }, force: false });
      if (reply.status === 'applied') {
        const next = current().slice();
        next.set(target.before, target.offset);
        f = reply.file;
        done.push({ bytes: next, id: f.edits.done.at(-1)!.id, offset: target.offset, before: current().slice(target.offset, target.offset + target.before.length) });
        undone.length = 0;
      } else log.push(`  ${reply.status}`);
    } else if (r < 0.85) {
      log.push('undo');
      f = await ask(s, { type: 'undo', generation: f.generation });
      if (done.length) undone.push(done.pop()!);
    } else {
      log.push('redo');
      f = await ask(s, { type: 'redo', generation: f.generation });
      if (undone.length) done.push(undone.pop()!);
    }
    const served = (await ask(s, { type: 'bytes', generation: f.generation, offset: 0, length: ORIGINAL.length + 64 })).bytes;
    const history = log.join('\n');
    expect(diffSpans(current(), served), history).toEqual([]);
    expect(served.length, history).toBe(ORIGINAL.length);
    expect(f.edits.done.length, history).toBe(done.length);
    expect(f.edits.undone.length, history).toBe(undone.length);
    expect(f.edits.changed, history).toEqual(diffSpans(ORIGINAL, current()));
  }
  // The download is checked whether it is given or refused: the oracle decodes the plain model's
  // bytes (not the worker's piece table) and compares their framing with the original's, so a
  // refusal must name the same reasons and a download must be the plain model's bytes.
  const dl = await ask(s, { type: 'download', generation: f.generation });
  const oracle = compareFraming(await plainModel(ORIGINAL), await plainModel(current()));
  log.push(`download: ${dl.ok ? 'given' : `refused (${dl.reasons.join('; ')})`}; oracle: ${oracle.ok ? 'frames' : oracle.reasons.join('; ')}`);
  const history = log.join('\n');
  expect(dl.ok, history).toBe(oracle.ok);
  if (dl.ok) expect(diffSpans(current(), new Uint8Array(await dl.blob.arrayBuffer())), history).toEqual([]);
  else expect(dl.reasons, history).toEqual(oracle.reasons);
  return dl.ok;
}

/** The oracle's decode of a whole-file snapshot, with the description the worker uses. */
async function plainModel(bytes: Uint8Array): Promise<StreamModel> {
  return (await scanStream(memorySource(bytes), { library: bundledLibrary() })).model;
}

describe('random edit sequences through the worker', { timeout: 120_000 }, () => {
  for (const seed of [1, 7, 2024]) {
    it(`seed ${seed}: served bytes, history and changed spans follow a plain byte model`, () => runSequence(seed, 30));
  }
  // With forced overwrites of section footers mixed in, some sequences end with a file that no
  // longer frames: the refusal branch of the download check is taken, not only the given one.
  it('a refused download is refused for the reasons the oracle finds', async () => {
    const outcomes = [];
    for (const seed of [3, 5]) outcomes.push(await runSequence(seed, 20, 0.15));
    expect(outcomes, 'downloads given per seed 3, 5').toContain(false);
  });
});
