// A small builder for state that QEMU writes with code rather than a vmsd (virtio_save, a device's
// vdc->save): it reads leaves at a cursor and collects them as FieldNodes under one path prefix,
// and hands described runs to the vmsd decoder, so both come out as the same kind of nodes
// (encode.ts writes them back byte for byte).
// Frame only (ctx.build false, as in vmsd-decoder.ts): the same reads and checks, but no node is
// made; counts come back from `num` (and `value`) as numbers. Trying which description fits a
// section then makes no virtio trees to throw away (a PCI device's state is ~2,000 nodes).

import type { Cursor } from '../cursor.ts';
import { DecodeError } from '../errors.ts';
import { decodeLeaf, fieldType } from '../field-types/index.ts';
import type { FieldNode } from '../model.ts';
import type { VmdescField, VmsdDesc } from '../vmdesc.ts';
import { decodeBody, type DecodeContext } from '../vmsd-decoder.ts';

/** Frame only: what leaf, struct and array return in place of the node they did not make. */
const FRAMED: FieldNode = Object.freeze({ name: '', path: '', kind: 'leaf', type: '', offset: 0, size: 0 });

export class Part {
  readonly nodes: FieldNode[] = [];
  /** Frame only: the numbers read at this level, by name (what `value` gives back without nodes). */
  private numbers?: Map<string, number>;

  /** `prefix` ends with '.' (inside a field) or '/' (a section's root). */
  constructor(readonly c: Cursor, readonly prefix: string, readonly ctx: DecodeContext) {}

  leaf(name: string, type: string, size: number): FieldNode {
    const offset = this.c.pos;
    if (!this.ctx.build) {
      // What decodeLeaf reads, without copying bytes (vmsd-decoder.ts skipLeaf).
      const t = fieldType(type, size);
      if (t.bytes) this.c.skip(size, t.name);
      else this.remember(name, t.decode(this.c, size));
      return FRAMED;
    }
    const value = decodeLeaf(this.c, type, size);
    const node: FieldNode = { name, path: this.prefix + name, kind: 'leaf', type, offset, size, value };
    this.nodes.push(node);
    return node;
  }

  /** An unsigned big-endian integer leaf, returned as a number. */
  num(name: string, size: 1 | 2 | 4): number {
    const type = `uint${size * 8}`;
    if (!this.ctx.build) {
      const v = decodeLeaf(this.c, type, size) as number;
      this.remember(name, v);
      return v;
    }
    return this.leaf(name, type, size).value as number;
  }

  private remember(name: string, v: unknown): void {
    if (typeof v === 'number') (this.numbers ??= new Map()).set(name, v);
  }

  /** A count read from the file that must not exceed `max` (what QEMU's loader accepts). */
  count(name: string, size: 1 | 2 | 4, max: number, why: string): number {
    const at = this.c.pos;
    const n = this.num(name, size);
    if (n > max) throw new DecodeError('bad-field', at, `${why}: at most ${max}, found ${n}`, this.prefix + name);
    return n;
  }

  /** Fields (and subsections) as a vmsd describes them, decoded in place. */
  body(body: Partial<VmsdDesc> & { fields?: VmdescField[] }): void {
    this.nodes.push(...decodeBody(this.c, body, this.prefix, this.ctx));
  }

  /** A struct node named `name` whose children `fill` reads. */
  struct(name: string, vmsdName: string | undefined, fill: (p: Part) => void, version?: number): FieldNode {
    const offset = this.c.pos;
    const inner = new Part(this.c, this.ctx.build ? `${this.prefix}${name}.` : '', this.ctx);
    fill(inner);
    if (!this.ctx.build) return FRAMED;
    const node: FieldNode = { name, path: this.prefix + name, kind: 'struct', type: 'struct', offset, size: this.c.pos - offset, vmsdName, version, children: inner.nodes };
    this.nodes.push(node);
    return node;
  }

  /** An array node of `n` elements, each a struct `fill` reads. */
  array(name: string, n: number, vmsdName: string, fill: (p: Part, i: number) => void): FieldNode {
    const offset = this.c.pos;
    if (!this.ctx.build) {
      for (let i = 0; i < n; i++) fill(new Part(this.c, '', this.ctx), i);
      return FRAMED;
    }
    const path = this.prefix + name;
    const children: FieldNode[] = [];
    for (let i = 0; i < n; i++) {
      const start = this.c.pos;
      const inner = new Part(this.c, `${path}[${i}].`, this.ctx);
      fill(inner, i);
      children.push({ name: `[${i}]`, path: `${path}[${i}]`, kind: 'struct', type: 'struct', offset: start, size: this.c.pos - start, vmsdName, children: inner.nodes });
    }
    const node: FieldNode = { name, path, kind: 'array', type: 'struct', offset, size: this.c.pos - offset, children };
    this.nodes.push(node);
    return node;
  }

  /** The value of a leaf read earlier at this level. */
  value(name: string): number {
    if (!this.ctx.build) return this.numbers?.get(name) ?? 0;
    const v = this.nodes.find((n) => n.name === name)?.value;
    return typeof v === 'number' ? v : 0;
  }
}
