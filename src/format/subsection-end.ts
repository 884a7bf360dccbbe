// Where a subsection's decode leaves the cursor, judged by what follows (vmsd-decoder.ts
// pickSubsection): the loader reads another subsection, a footer or the next record there.

import type { Cursor } from './cursor.ts';

/** migration/vmstate.c: the byte before each subsection (QEMU_VM_SUBSECTION). */
export const QEMU_VM_SUBSECTION = 0x05;

/**
 * latin1(bytes).startsWith(text), without making the string: asked after every struct whose next
 * byte is 0x05, the strings were a third of a q35 device-state decode in the worker (issue #12).
 */
export function startsWithText(bytes: Uint8Array, text: string): boolean {
  if (bytes.length < text.length) return false;
  for (let i = 0; i < text.length; i++) if (bytes[i] !== text.charCodeAt(i)) return false;
  return true;
}

/**
 * How well the bytes after a subsection fit what QEMU reads next: 3 another subsection of the owner
 * or (top level) a section footer 0x7e; 2 a full/start section header with a printable idstr; 1 any
 * other record type byte (savevm.h QEMU_VM_EOF … QEMU_VM_COMMAND) or the window's end; 0 nothing.
 * Inside a struct the parent's next field follows: any end is as good (1).
 */
export function endScore(t: Cursor, owner: string, depth: number): number {
  const head = t.peek(1);
  if (!head) return 1;
  const next = head[0];
  if (next === QEMU_VM_SUBSECTION) {
    const len = t.peek(2)?.[1] ?? 0;
    const name = t.peek(2 + len);
    return name && startsWithText(name.subarray(2), owner) ? 3 : 0;
  }
  if (depth > 0) return 1;
  if (next === 0x7e) return 3;
  if (next === 0x01 || next === 0x04) {
    const h = t.peek(6);
    const idstr = h ? t.peek(6 + h[5])?.subarray(6) : null;
    if (idstr && idstr.length > 0 && idstr.every((b) => b >= 0x20 && b < 0x7f)) return 2;
  }
  return next <= 0x04 || next === 0x08 ? 1 : 0;
}

