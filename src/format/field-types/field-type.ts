// One entry per field type holds the type's whole life: decode, encode, display, the text it edits
// as, parse and the control that edits it (house habit 13, after msgpack-javascript's
// ExtensionCodec, which registers a type's encode and decode as one entry). Changing how `timer`
// reads or writes touches timer.ts only.

import type { Cursor } from '../cursor.ts';
import type { FieldValue } from '../model.ts';

export type ParseResult = { ok: true; bytes: Uint8Array } | { ok: false; reason: string };

/** The control a leaf edits with, what it starts with, and a one-line hint of what it accepts. */
export type EditorKind = 'int' | 'bool' | 'float' | 'timer' | 'bytes' | 'text';
export type Editor = { kind: EditorKind; text: string; checked: boolean; hint: string } | { kind: 'none'; reason: string };

export interface FieldType {
  /** The VMStateInfo name this entry serves ("uint32", "timer", "pci config"). */
  readonly name: string;
  /** False when the type cannot be `size` bytes wide (then the bytes decode as a buffer). */
  fits(size: number): boolean;
  /** True for types shown as bytes (buffers, device-private blobs). */
  readonly bytes?: boolean;
  /** Reads `size` bytes at the cursor. */
  decode(c: Cursor, size: number): FieldValue;
  /** Fewest bytes decode reads, where that is not `size` (a counted string: its length byte). */
  minBytes?(size: number): number;
  /** The exact bytes of a decoded value: an unmodified model re-encodes to the original file. */
  encode(value: FieldValue, size: number): ParseResult;
  /** How the value reads in the tree, the hex tooltips and the search. */
  display(value: FieldValue, size: number): string;
  /** The text the value edits as, in edit lists and patches; parse(text(v)) gives encode(v). */
  text(value: FieldValue, size: number): string;
  /** What the clipboard gets: the full value, not the preview. */
  copy(value: FieldValue, size: number): string;
  /** A value typed by a user; refused with the reason when it does not fit the field. */
  parse(text: string, size: number): ParseResult;
  editor(value: FieldValue, size: number): Editor;
}

/** An entry that encodes by parsing its own text: right for types whose text is exact. */
export function viaText(t: Omit<FieldType, 'encode' | 'copy'> & Partial<Pick<FieldType, 'copy'>>): FieldType {
  return { copy: (v, size) => t.text(v, size), encode: (v, size) => t.parse(t.text(v, size), size), ...t };
}
