// The result of comparing two state files (issue #13): plain data, so it crosses the worker
// boundary by structured clone and prints as JSON from the CLI.

import type { FieldValue, StreamVariant } from '../model.ts';
import type { ContainerFieldDiff } from './container-diff.ts';

export type SectionStatus = 'same' | 'changed' | 'only-left' | 'only-right' | 'version';

/** One side of a differing leaf: its decoded value, how it prints, and where its bytes are. */
export interface FieldSide {
  value: FieldValue;
  /** Typed rendering: integers in hex at the field's width, a buffer byte as 0xNN, timers in ns. */
  text: string;
  type: string;
  offset: number;
  size: number;
}

export interface FieldDiff {
  /** Path inside the section ("cmos_data[63]", "env.regs[0]"): the section label prefixes it. */
  path: string;
  /** Array or buffer the leaf is an element of ("cmos_data", "env.regs"), for grouping. */
  group?: string;
  left?: FieldSide;
  right?: FieldSide;
}

/** Where a section sits in one file. */
export interface SectionRef {
  recordIndex: number;
  versionId: number;
  offset: number;
  size: number;
  dataOffset: number;
  dataSize: number;
  decodedBy?: string;
}

export interface SubsectionDiff {
  /** Path of the subsection node inside the section. */
  path: string;
  status: 'only-left' | 'only-right' | 'version';
  leftVersion?: number;
  rightVersion?: number;
}

export interface SectionDiff {
  /** "idstr (instance)", plus the record kind for records that are not FULL/START. */
  key: string;
  idstr: string;
  instanceId: number;
  status: SectionStatus;
  left?: SectionRef;
  right?: SectionRef;
  fields: FieldDiff[];
  subsections: SubsectionDiff[];
  /** Differences hidden by the ignore list. */
  ignored: number;
  /** Byte differences not listed (a buffer lists at most MAX_BYTE_DIFFS). */
  unlisted: number;
  /** e.g. why the section was compared as bytes. */
  notes: string[];
}

export interface FileSummary {
  name: string;
  size: number;
  variant: StreamVariant;
  machine?: string;
  sections: number;
}

export interface RamBlockDiff {
  name: string;
  leftLength?: number;
  rightLength?: number;
  pages: number;
  /** Pages whose contents differ (by a 64-bit hash per page, see ram-hash.ts). */
  differing: number;
  /** Pages that cannot be compared: XBZRLE or compressed records on either side. */
  unknown: number;
  /** The block exists on one side only. */
  only?: 'left' | 'right';
  pagesPerCell: number;
  /** Per cell: RAM_DIFF_CELL. */
  cells: Uint8Array;
  /** First differing pages (page numbers), for a quick look in the hex view. */
  firstDiffering: number[];
}

export const RAM_DIFF_CELL = { same: 0, differ: 1, unknown: 2 } as const;

export interface RamDiff {
  pageSize: number;
  blocks: RamBlockDiff[];
  differing: number;
}

export interface DiffResult {
  left: FileSummary;
  right: FileSummary;
  sections: SectionDiff[];
  /** True when no section differs (ignored fields excluded). RAM is reported apart. */
  equal: boolean;
  counts: Record<SectionStatus, number>;
  /** The ignore patterns applied. */
  ignore: string[];
  ram?: RamDiff;
  /** Two libvirt save images: was_running and the domain XML, reported apart like RAM (container-diff.ts). */
  container?: ContainerFieldDiff[];
}
