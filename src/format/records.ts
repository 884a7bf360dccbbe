// Top-level record constants and the plausibility checks used to confirm a section's end or,
// for footer-less files, to find the next record by heuristic (format.md §2.1, §2.5).

export const QEMU_VM_FILE_MAGIC = 0x5145564d; // "QEVM", migration/savevm.h
export const QEMU_VM_FILE_VERSION = 3;
export const QEMU_VM_FILE_VERSION_COMPAT = 2;

export const REC = {
  EOF: 0x00,
  SECTION_START: 0x01,
  SECTION_PART: 0x02,
  SECTION_END: 0x03,
  SECTION_FULL: 0x04,
  SUBSECTION: 0x05,
  VMDESCRIPTION: 0x06,
  CONFIGURATION: 0x07,
  COMMAND: 0x08,
  SECTION_FOOTER: 0x7e,
} as const;

/** migration/savevm.c enum qemu_vm_cmd with the payload length each requires (-1: variable). */
export const COMMANDS: Record<number, { name: string; len: number | number[] }> = {
  0: { name: 'INVALID', len: -2 },
  1: { name: 'OPEN_RETURN_PATH', len: 0 },
  2: { name: 'PING', len: 4 },
  3: { name: 'POSTCOPY_ADVISE', len: [0, 16] },
  4: { name: 'POSTCOPY_LISTEN', len: 0 },
  5: { name: 'POSTCOPY_RUN', len: 0 },
  6: { name: 'POSTCOPY_RAM_DISCARD', len: -1 },
  7: { name: 'PACKAGED', len: 4 },
  8: { name: 'ENABLE_COLO', len: 0 },
  9: { name: 'POSTCOPY_RESUME', len: 0 },
  10: { name: 'RECV_BITMAP', len: -1 },
  11: { name: 'SWITCHOVER_START', len: 0 },
};

function be32(b: Uint8Array, i: number): number {
  return ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
}

/** EOF at the very end of the file, or EOF followed by a VMDESCRIPTION record `06 be32 len {`. */
function plausibleEof(b: Uint8Array, i: number, fileEnd: boolean): boolean {
  if (b[i] !== REC.EOF) return false;
  if (fileEnd && i + 1 === b.length) return true;
  if (b[i + 1] !== REC.VMDESCRIPTION || i + 7 > b.length) return false;
  const len = be32(b, i + 2);
  return b[i + 6] === 0x7b && len >= 2 && (!fileEnd || i + 6 + len <= b.length);
}

function printableIdstr(b: Uint8Array, from: number, len: number): boolean {
  for (let i = from; i < from + len; i++) if (b[i] < 0x21 || b[i] > 0x7e) return false;
  return true;
}

/**
 * Does a START/FULL header plausibly begin at bytes[i]? Small section id, a printable idstr,
 * small instance and version ids. Returns the header length or 0. `anyInstance`: right after a
 * footer naming the previous section the instance id may be anything (spapr_iommu's is its LIOBN,
 * 0x80000000; hw/ppc/spapr_iommu.c vmstate_register(…, tcet->liobn, …)).
 */
export function plausibleSectionHeader(b: Uint8Array, i: number, anyInstance = false): number {
  if (b[i] !== REC.SECTION_FULL && b[i] !== REC.SECTION_START) return 0;
  if (i + 6 > b.length) return 0;
  const id = be32(b, i + 1);
  const len = b[i + 5];
  if (id > 0xffffff || len === 0 || i + 6 + len + 8 > b.length) return 0;
  if (!printableIdstr(b, i + 6, len)) return 0;
  const instance = be32(b, i + 6 + len);
  const version = be32(b, i + 10 + len);
  if ((!anyInstance && instance > 0xffffff) || version > 0xffff) return 0;
  return 14 + len;
}

/**
 * Could a record start at bytes[i]? `knownIds` are the section ids START has opened (for
 * PART/END); `fileEnd` tells whether bytes ends at the end of the file.
 */
export function plausibleRecordStart(b: Uint8Array, i: number, knownIds: ReadonlySet<number>, fileEnd: boolean, packageEof = -1, afterFooter = false): boolean {
  // The EOF that ends a PACKAGED sub-stream sits where the package says.
  if (i === packageEof) return b[i] === REC.EOF;
  // At the very end of the file no record follows; the caller reports the missing EOF. A record
  // cut short by the end of the bytes is plausible too: decoding it reports the truncation.
  if (i >= b.length) return true;
  switch (b[i]) {
    case REC.EOF:
      return plausibleEof(b, i, fileEnd) || i + 7 > b.length;
    case REC.SECTION_START:
    case REC.SECTION_FULL:
      return plausibleSectionHeader(b, i, afterFooter) > 0 || i + 6 > b.length || i + 6 + b[i + 5] + 8 > b.length;
    case REC.SECTION_PART:
    case REC.SECTION_END:
      return i + 5 > b.length || knownIds.has(be32(b, i + 1));
    case REC.COMMAND:
      return i + 3 > b.length || (b[i + 1] === 0 && b[i + 2] <= 11);
    default:
      return false;
  }
}

/** Finds `7E <id>` followed by a plausible record, from `from` on; -1 if none in the window. */
export function findFooter(b: Uint8Array, from: number, id: number, knownIds: ReadonlySet<number>, fileEnd: boolean, packageEof = -1): number {
  const id0 = id >>> 24, id1 = (id >>> 16) & 0xff, id2 = (id >>> 8) & 0xff, id3 = id & 0xff;
  for (let i = b.indexOf(REC.SECTION_FOOTER, from); i >= 0 && i + 5 <= b.length; i = b.indexOf(REC.SECTION_FOOTER, i + 1)) {
    if (b[i + 1] === id0 && b[i + 2] === id1 && b[i + 3] === id2 && b[i + 4] === id3 && plausibleRecordStart(b, i + 5, knownIds, fileEnd, packageEof, true)) return i;
  }
  return -1;
}

/** Finds the next plausible START/FULL header or a final EOF, from `from` on; -1 if none. */
export function findNextHeader(b: Uint8Array, from: number, fileEnd: boolean): number {
  // Recovery may search megabytes of RAM pages: the two bytes every candidate starts with are
  // checked inline (a START/FULL section id is at most 0xffffff, so its first byte is 0; an EOF is
  // followed by VMDESCRIPTION or ends the file) before the full checks.
  const n = b.length;
  for (let i = from; i < n; i++) {
    const x = b[i];
    if (x === REC.EOF) {
      if ((b[i + 1] === REC.VMDESCRIPTION || i + 1 === n) && plausibleEof(b, i, fileEnd)) return i;
    } else if ((x === REC.SECTION_FULL || x === REC.SECTION_START) && b[i + 1] === 0 && plausibleSectionHeader(b, i) > 0) return i;
  }
  return -1;
}
