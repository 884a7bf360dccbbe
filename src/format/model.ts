// The decoded view of a stream: plain data (no classes), so it crosses the worker boundary by
// structured clone and prints as JSON from the CLI.

import type { Problem } from './errors.ts';

/**
 * Value of a decoded leaf: integers above 2^53 are decimal strings, buffers are their bytes
 * (field-types/bytes.ts; a large buffer keeps a preview of its first bytes).
 */
export type FieldValue = number | string | boolean | null | Uint8Array;

export interface FieldNode {
  /** Field name as in the vmdesc ("env.regs", "config[0]"), "[i]" for an element, or a subsection name. */
  name: string;
  /** Unique within the file and accepted by `set`, e.g. "cpu (0)/env.regs[0]". */
  path: string;
  /** 'leaf': a value of one field type (field-types/); the rest hold children or opaque bytes. */
  kind: 'leaf' | 'struct' | 'array' | 'subsection' | 'opaque' | 'list';
  /** VMStateInfo name from the vmdesc ("uint32", "timer", "struct", "subsection", ...). */
  type: string;
  /** Absolute file offset and size of every byte this node covers. */
  offset: number;
  size: number;
  value?: FieldValue;
  /** Subsections and versioned structs: the version read from (or implied for) the stream. */
  version?: number;
  vmsdName?: string;
  children?: FieldNode[];
}

export type SectionType = 'start' | 'part' | 'end' | 'full';
export type RecordKind = 'header' | 'configuration' | 'section' | 'command' | 'eof' | 'vmdesc' | 'trailing' | 'damaged'
  /** A multifd channel (multifd.ts): its init record and its packets. */
  | 'multifd-init' | 'multifd-packet';
export type DescriptionSource = 'vmdesc' | 'supplied' | 'bundled' | 'builtin' | 'none';

export interface RamSummary {
  /** Page records by kind in this section. */
  zero: number;
  pages: number;
  xbzrle: number;
  compressed: number;
  memSize?: number;
  /** Blocks announced by a MEM_SIZE record (START section). */
  blocks?: { name: string; length: number }[];
}

export interface StreamRecord {
  index: number;
  kind: RecordKind;
  sectionType?: SectionType;
  /** Offset of the record's first (type) byte and the size of the whole record incl. footer. */
  offset: number;
  size: number;
  /** 1 inside a PACKAGED command's sub-stream. */
  depth: number;
  sectionId?: number;
  idstr?: string;
  instanceId?: number;
  versionId?: number;
  /** Where the device data starts and how long it is (excludes header and footer). */
  dataOffset?: number;
  dataSize?: number;
  /** Offset of the 0x7E footer, when the record has one. */
  footerOffset?: number;
  command?: { cmd: number; name: string; length: number };
  decodedBy?: DescriptionSource;
  vmsdName?: string;
  /** decodedBy 'bundled': the QEMU versions and machines of the description ("QEMU 10.0, pc-q35-10.0"). */
  describedBy?: string;
  describedVersions?: string[];
  fields?: FieldNode[];
  /** True when the decoded fields cover exactly the bytes up to the footer / next record. */
  exact?: boolean;
  /** The section end was found by a heuristic search: display only, never edit. */
  heuristic?: boolean;
  ram?: RamSummary;
  problems: Problem[];
}

export type StreamVariant = 'devstate' | 'devstate-xen' | 'colo' | 'migration' | 'multifd-channel' | 'unknown';

export interface RamBlockInfo {
  name: string;
  length: number;
  zero: number;
  pages: number;
  xbzrle: number;
  compressed: number;
}

export interface StreamModel {
  fileSize: number;
  variant: StreamVariant;
  hasHeader: boolean;
  hasConfiguration: boolean;
  /** null while unknown (no section decoded far enough to tell). */
  footers: boolean | null;
  machine?: string;
  pageSize: number;
  records: StreamRecord[];
  ramBlocks: RamBlockInfo[];
  vmdesc?: { offset: number; size: number; devices: number };
  /** The QEMU versions (newest first) whose library descriptions frame every library-decoded section (version-consensus.ts). */
  likelyQemu?: string[];
  /** True when the record loop reached the top-level EOF. */
  complete: boolean;
  problems: Problem[];
}

export function sectionLabel(idstr: string, instanceId: number): string {
  return `${idstr} (${instanceId})`;
}

export function recordTitle(r: StreamRecord): string {
  if (r.kind === 'section') return sectionLabel(r.idstr ?? `#${r.sectionId}`, r.instanceId ?? 0);
  if (r.kind === 'command') return r.command?.name ?? 'command';
  return r.kind;
}
