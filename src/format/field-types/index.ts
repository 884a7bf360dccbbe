// The field-type registry: every leaf type's entry, found by its VMStateInfo name and size.
// A type the registry does not know, or an integer of the wrong width, decodes as plain bytes.

import type { Cursor } from '../cursor.ts';
import type { FieldNode, FieldValue } from '../model.ts';
import { boolType } from './bool.ts';
import { BYTE_TYPES, bytesType } from './bytes.ts';
import { capabilityType } from './capability.ts';
import type { FieldType } from './field-type.ts';
import { floatTypes } from './float.ts';
import { integerTypes } from './integers.ts';
import { leIntegerTypes } from './le-integers.ts';
import { nullptrType, ptrMarkerType } from './nullptr.ts';
import { timerType } from './timer.ts';

const REGISTRY = new Map<string, FieldType>();
for (const t of [...integerTypes, ...leIntegerTypes, boolType, timerType, ...floatTypes, capabilityType, nullptrType, ptrMarkerType]) REGISTRY.set(t.name, t);
for (const name of BYTE_TYPES) REGISTRY.set(name, bytesType(name));

/** The entry for `type` at `size` bytes. */
export function fieldType(type: string, size: number): FieldType {
  const t = REGISTRY.get(type);
  return t && t.fits(size) ? t : bytesType(type);
}

/** The entry a decoded leaf uses: opaque regions are plain bytes whatever their type. */
export const leafType = (n: Pick<FieldNode, 'kind' | 'type' | 'size'>): FieldType => (n.kind === 'opaque' ? bytesType('buffer') : fieldType(n.type, n.size));

/** Every leaf type decoded with meaning (not as opaque bytes). */
export function isLeafType(type: string, size: number): boolean {
  return REGISTRY.get(type)?.fits(size) ?? false;
}

/** Every registered type's entry by name (what isLeafType tests `fits` of), for a decoder's own lookup table. */
export const registeredTypes = (): Iterable<[string, FieldType]> => REGISTRY.entries();

export const decodeLeaf = (c: Cursor, type: string, size: number): FieldValue => fieldType(type, size).decode(c, size);

export type { Editor, EditorKind, FieldType, ParseResult } from './field-type.ts';
export { BYTES_VALUE_LIMIT, bytesPreview, bytesToHex, hexToBytes, spacedHex, valueBytes } from './bytes.ts';
export { INT_TYPES, intText, readInt, writeInt } from './integers.ts';
export { NULLPTR_MARKER, PTR_VALID_MARKER } from './nullptr.ts';
