// The stream scanner: walks the top-level records of any QEMU state file (format.md §0-§2, §4,
// §5) and builds the StreamModel. Reads the file through windows, so memory stays bounded by the
// largest device section, whatever the RAM size.

import type { ByteSource } from './byte-source.ts';
import { Cursor, NeedMoreData, type Window } from './cursor.ts';
import { CancelledError, DecodeError, escapeText, makeProblem, type Problem } from './errors.ts';
import { decodeConfiguration } from './configuration.ts';
import { descriptionCandidates, DeviceIndex, type DescriptionLibrary } from './descriptions.ts';
import { sectionLabel, type FieldNode, type SectionType, type StreamModel, type StreamRecord } from './model.ts';
import { ITERABLE_DECODERS } from './iterable.ts';
import { isMultifdChannel, scanMultifdChannel } from './multifd.ts';
import { RamState, type RamPageSink } from './ram.ts';
import { COMMANDS, findNextHeader, plausibleSectionHeader, QEMU_VM_FILE_MAGIC, QEMU_VM_FILE_VERSION, QEMU_VM_FILE_VERSION_COMPAT, REC } from './records.ts';
import { decodeSectionData, type FramingState } from './section-decoder.ts';
import { readRamSection } from './scan-ram.ts';
import { SectionReuse, type ReuseFrom } from './scan-reuse.ts';
import { settleVersions } from './version-consensus.ts';
import { locateVmdesc, readVmdesc, type Vmdesc } from './vmdesc.ts';
import { WindowReader } from './window-reader.ts';

export interface ScanOptions {
  /** A description supplied by the user (format.md §3.10). */
  vmdesc?: Vmdesc;
  library?: DescriptionLibrary;
  signal?: AbortSignal;
  onProgress?: (scanned: number, total: number) => void;
  sliceSize?: number;
  /** Every RAM page record as it is decoded (ram.ts RamPageSink). */
  ramPages?: RamPageSink;
  /** Another file of the same guest: its byte-identical sections are taken, not decoded (scan-reuse.ts). */
  reuse?: ReuseFrom;
  /** The model once every record is read, before the likely QEMU versions (version-consensus.ts):
   * the section table does not wait for them (issue #12). The scan goes on with it: copy what must not change. */
  beforeSettle?(model: StreamModel): void | Promise<void>;
  /** false: no likely QEMU versions (model.likelyQemu), for a caller that never shows them (the CLI's table). */
  versions?: boolean;
}

export interface ScanResult {
  model: StreamModel;
  /** RAM page index (runs per block), kept beside the model: never copied to the UI whole. */
  ram: RamState;
  vmdesc?: Vmdesc;
}

/** A device section larger than this is treated as damage, not decoded. */
const MAX_SECTION_WINDOW = 256 * 1024 * 1024;
const MIN_WINDOW = 1024 * 1024;

interface Started { idstr: string; instanceId: number; versionId: number }

export async function scanStream(source: ByteSource, opts: ScanOptions = {}): Promise<ScanResult> {
  if (await isMultifdChannel(source)) return scanMultifdChannel(source, { signal: opts.signal, onProgress: opts.onProgress });
  return new Scanner(source, opts).run();
}

class Scanner {
  private readonly reader: WindowReader;
  private readonly model: StreamModel;
  private readonly framing: FramingState = { footers: null, knownIds: new Set() };
  private readonly started = new Map<number, Started>();
  private readonly packageEnds: number[] = [];
  private ram = new RamState(4096);
  private embedded?: DeviceIndex;
  private supplied?: DeviceIndex;
  private vmdesc?: Vmdesc;
  private reuse?: SectionReuse;

  /**
   * How much of the file a record's window starts with (a record needing more asks again). A
   * quarter of a small slice (ByteSource.immediate or .sliceSize): a whole one would refill the
   * window at every record.
   */
  private readonly minWindow: number;

  constructor(private readonly source: ByteSource, private readonly opts: ScanOptions) {
    this.reader = new WindowReader(source, opts.sliceSize);
    this.minWindow = source.immediate || source.sliceSize ? Math.min(MIN_WINDOW, this.reader.sliceSize / 4) : MIN_WINDOW;
    this.model = {
      fileSize: source.size, variant: 'unknown', hasHeader: false, hasConfiguration: false, footers: null,
      pageSize: 4096, records: [], ramBlocks: [], complete: false, problems: [],
    };
    if (opts.vmdesc) this.supplied = new DeviceIndex(opts.vmdesc);
    this.ram.pageSink = opts.ramPages;
  }

  async run(): Promise<ScanResult> {
    const pos = await this.header();
    if (pos >= 0) {
      await this.loadEmbeddedVmdesc();
      // Only bundled descriptions decode both files alike; an own or supplied one may not.
      if (this.opts.reuse && !this.embedded && !this.supplied) this.reuse = new SectionReuse(this.opts.reuse);
      await this.records(pos);
    }
    const m = this.model;
    m.footers = this.framing.footers;
    m.ramBlocks = [...this.ram.blocks.values()].map((b) => b.info());
    m.variant = !m.hasHeader ? (m.records.length ? 'colo' : 'unknown') : m.hasConfiguration ? 'migration' : m.footers === false ? 'devstate-xen' : 'devstate';
    m.problems = m.records.flatMap((r) => r.problems).concat(m.problems);
    // Every byte is read: what remains reads only what the records already located.
    this.opts.onProgress?.(m.fileSize, m.fileSize);
    await this.opts.beforeSettle?.(m);
    if (this.opts.versions !== false) m.likelyQemu = await settleVersions(m.records, this.reader, this.framing, this.opts.library, this.reuse && ((r) => this.reuse!.source(r)));
    return { model: m, ram: this.ram, vmdesc: this.vmdesc };
  }

  private push(r: Omit<StreamRecord, 'index' | 'depth' | 'problems'> & { problems?: Problem[]; depth?: number }): StreamRecord {
    const rec: StreamRecord = { index: this.model.records.length, depth: this.packageEnds.length, problems: [], ...r };
    this.model.records.push(rec);
    return rec;
  }

  /** QEVM magic and version (savevm.c qemu_loadvm_state_header), or a headerless COLO buffer. */
  private async header(): Promise<number> {
    const head = await this.source.read(0, 300);
    const be32 = (i: number) => ((head[i] << 24) | (head[i + 1] << 16) | (head[i + 2] << 8) | head[i + 3]) >>> 0;
    if (head.length >= 4 && be32(0) === QEMU_VM_FILE_MAGIC) {
      const size = Math.min(8, head.length);
      const rec = this.push({ kind: 'header', offset: 0, size });
      if (head.length < 8) {
        rec.problems.push(makeProblem('truncated', head.length, 'a 4-byte stream version after the QEVM magic'));
        return -1;
      }
      const version = be32(4);
      if (version === QEMU_VM_FILE_VERSION_COMPAT) {
        rec.problems.push(makeProblem('obsolete-version', 4, 'version 3; version 2 is refused by QEMU ("SaveVM v2 format is obsolete and don\'t work anymore")'));
        return -1;
      }
      if (version !== QEMU_VM_FILE_VERSION) {
        rec.problems.push(makeProblem('bad-version', 4, `version 3, found ${version} ("Unsupported migration stream version")`));
        return -1;
      }
      this.model.hasHeader = true;
      return 8;
    }
    // migration/colo.c: the checkpoint device buffer starts directly with a section record.
    if (plausibleSectionHeader(head, 0) > 0) return 0;
    const shown = [...head.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    this.model.problems.push(makeProblem('bad-magic', 0, `the magic "QEVM" (51 45 56 4d) or a section header of a COLO buffer; found ${shown || 'an empty file'}`));
    return -1;
  }

  private async loadEmbeddedVmdesc(): Promise<void> {
    if (!this.model.hasHeader) return;
    const loc = await locateVmdesc(this.source);
    if (loc) {
      try {
        this.vmdesc = await readVmdesc(this.source, loc);
        this.embedded = new DeviceIndex(this.vmdesc);
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
        this.model.problems.push(e.toProblem());
      }
    }
    const pageSize = this.vmdesc?.page_size ?? this.opts.vmdesc?.page_size ?? 4096;
    this.setPageSize(pageSize, 0);
  }

  private setPageSize(size: number, at: number): void {
    if (!Number.isInteger(Math.log2(size)) || size < 512 || size > 1 << 20) {
      this.model.problems.push(makeProblem('bad-vmdesc', at, `a power-of-two page size, found ${size}`));
      return;
    }
    this.model.pageSize = size;
    this.ram.pageSize = size;
  }

  private checkCancel(pos: number): void {
    if (this.opts.signal?.aborted) throw new CancelledError();
    this.opts.onProgress?.(pos, this.source.size);
  }

  private async records(start: number): Promise<void> {
    let pos = start;
    let minWindow = this.minWindow;
    for (;;) {
      this.checkCancel(pos);
      if (pos >= this.source.size) {
        this.model.problems.push(makeProblem('truncated', pos, 'an EOF record (0x00) ending the section list (QEMU fails with "Input/output error")'));
        return;
      }
      const win = await this.reader.at(pos, minWindow);
      try {
        const next = await this.record(win, pos);
        minWindow = this.minWindow;
        if (next === null) return;
        pos = next;
      } catch (e) {
        if (e instanceof NeedMoreData) {
          minWindow = Math.max(minWindow * 2, e.from + e.needed - pos + this.minWindow);
          if (minWindow <= MAX_SECTION_WINDOW) continue;
          e = new DecodeError('limit', pos, `a record that ends within ${MAX_SECTION_WINDOW / 1048576} MiB`);
        }
        if (!(e instanceof DecodeError)) throw e;
        const resume = await this.recover(pos, e);
        if (resume === null) return;
        pos = resume;
        minWindow = this.minWindow;
      }
    }
  }

  /** Records the damage; resumes at the next plausible record if one is near, else stops. */
  private async recover(pos: number, e: DecodeError): Promise<number | null> {
    const size = this.source.size;
    let resume = -1;
    if (e.code !== 'truncated') {
      const win = await this.reader.at(pos, Math.min(64 * 1024 * 1024, size - pos));
      const i = findNextHeader(win.bytes, pos + 1 - win.base, win.atEnd);
      if (i >= 0) resume = win.base + i;
    }
    const end = resume >= 0 ? resume : size;
    this.push({ kind: 'damaged', offset: pos, size: end - pos, problems: [e.toProblem()] });
    return resume >= 0 ? resume : null;
  }

  /** Decodes the record at `pos`; returns the next record's offset, or null after the last. */
  private async record(win: Window, pos: number): Promise<number | null> {
    const c = new Cursor(win, pos);
    const type = c.u8('record type');
    switch (type) {
      case REC.EOF:
        return this.eof(win, pos);
      case REC.SECTION_START:
      case REC.SECTION_FULL: {
        const sectionId = c.be32('section_id');
        const idAt = c.pos;
        const idstr = c.countedString('idstr');
        if (idstr.length === 0) throw new DecodeError('bad-idstr', idAt, `an idstr of 1-255 bytes for section ${sectionId} ("Unable to read ID string")`);
        const instanceId = c.be32('instance_id');
        const versionId = c.be32('version_id');
        const info = { idstr, instanceId, versionId };
        this.started.set(sectionId, info);
        if (type === REC.SECTION_START) this.framing.knownIds.add(sectionId);
        return this.section(win, pos, type === REC.SECTION_START ? 'start' : 'full', sectionId, info, c.pos);
      }
      case REC.SECTION_PART:
      case REC.SECTION_END: {
        const sectionId = c.be32('section_id');
        const info = this.started.get(sectionId);
        if (!info) throw new DecodeError('unknown-section', pos, `a section id opened by START; ${sectionId} was never started ("Unknown savevm section ${sectionId}")`);
        return this.section(win, pos, type === REC.SECTION_PART ? 'part' : 'end', sectionId, info, c.pos);
      }
      case REC.CONFIGURATION:
        if (pos !== 8 || this.model.hasConfiguration) break;
        return this.configuration(c, pos);
      case REC.COMMAND:
        return this.command(c, pos);
    }
    throw new DecodeError('unknown-record', pos, `a record type (0x00-0x04, 0x07 after the header, 0x08); found 0x${type.toString(16)} ("Unknown savevm section type ${type}")`);
  }

  private async section(win: Window, pos: number, sectionType: SectionType, sectionId: number, info: Started, dataStart: number): Promise<number> {
    const label = sectionLabel(info.idstr, info.instanceId);
    const base = { kind: 'section' as const, sectionType, offset: pos, sectionId, ...info, dataOffset: dataStart };
    if (info.idstr === 'ram' && info.instanceId === 0) return this.ramSection(pos, base, label);
    const builtin = ITERABLE_DECODERS[info.idstr];
    if (builtin) {
      const c = new Cursor(win, dataStart, label);
      const fields = builtin(c, `${label}/`);
      const footer = this.footerAfter(c, info.idstr, sectionId, label);
      const end = c.pos + (footer ? 5 : 0);
      this.push({ ...base, size: end - pos, dataSize: c.pos - dataStart, footerOffset: footer ? c.pos : undefined, decodedBy: 'builtin', fields, exact: true });
      return end;
    }
    const reused = this.reuse?.take(win, pos, dataStart, sectionId, label, sectionType, info.versionId, this.framing);
    if (reused) {
      this.push({ ...base, ...reused });
      return pos + reused.size;
    }
    const candidates = sectionType === 'full' || sectionType === 'start'
      ? descriptionCandidates(info.idstr, info.instanceId, info.versionId, { embedded: this.embedded, supplied: this.supplied, library: this.opts.library })
      : [];
    const d = decodeSectionData(win, dataStart, sectionId, info, candidates, this.framing);
    const end = d.dataEnd + (d.footer ? 5 : 0);
    this.push({
      ...base, size: end - pos, dataSize: d.dataEnd - dataStart, footerOffset: d.footer ? d.dataEnd : undefined,
      decodedBy: d.decodedBy, vmsdName: d.vmsdName, describedBy: d.describedBy, describedVersions: d.describedVersions, fields: d.fields, exact: d.exact, heuristic: d.heuristic || undefined, problems: d.problems,
    });
    return end;
  }

  /** RAM sections can be gigabytes: decoded across window refills (scan-ram.ts). */
  private async ramSection(pos: number, base: Omit<StreamRecord, 'index' | 'depth' | 'problems' | 'size'>, label: string): Promise<number> {
    if (base.versionId !== 4) throw new DecodeError('bad-ram', pos, `RAM section version 4, found ${base.versionId}`, label);
    const { dataEnd, summary } = await readRamSection(this.reader, this.ram, base.dataOffset!, label, this.minWindow, (at) => this.checkCancel(at));
    const win = await this.reader.at(dataEnd, 5);
    const footer = this.footerAfter(new Cursor(win, dataEnd, label), 'ram', base.sectionId!, label);
    const end = dataEnd + (footer ? 5 : 0);
    this.push({ ...base, size: end - pos, dataSize: dataEnd - base.dataOffset!, footerOffset: footer ? dataEnd : undefined, decodedBy: 'builtin', exact: true, ram: summary });
    return end;
  }

  /** savevm.c check_section_footer: is `7E <id>` next? Learns the file's footer mode on first use. */
  private footerAfter(c: Cursor, idstr: string, sectionId: number, label: string): boolean {
    const peek = c.peek(5);
    const footer = this.framing.footers !== false && peek !== null && peek[0] === REC.SECTION_FOOTER &&
      ((peek[1] << 24) | (peek[2] << 16) | (peek[3] << 8) | peek[4]) >>> 0 === sectionId;
    if (this.framing.footers === true && !footer) throw new DecodeError('missing-footer', c.pos, `a footer 7E ${sectionId.toString(16).padStart(8, '0')} ("Missing section footer for ${escapeText(idstr)}")`, label);
    if (this.framing.footers === null) this.framing.footers = footer;
    return footer;
  }

  private configuration(c: Cursor, pos: number): number {
    const conf = decodeConfiguration(c);
    this.model.machine = conf.machine;
    this.model.hasConfiguration = true;
    if (conf.pageBits !== undefined) this.setPageSize(2 ** conf.pageBits, pos);
    this.ram.ignoreShared = conf.capabilities.includes('x-ignore-shared');
    this.ram.mappedRam = conf.capabilities.includes('mapped-ram');
    this.push({ kind: 'configuration', offset: pos, size: c.pos - pos, dataOffset: pos + 1, dataSize: c.pos - pos - 1, decodedBy: 'builtin', vmsdName: 'configuration', fields: conf.fields, exact: true, problems: conf.problems });
    return c.pos;
  }

  /** migration/savevm.c loadvm_process_command (format.md §5.2). */
  private command(c: Cursor, pos: number): number {
    const cmd = c.be16('command');
    const len = c.be16('command length');
    const payloadAt = c.pos;
    const payload = c.bytes(len, 'command payload');
    const known = COMMANDS[cmd];
    const name = known?.name ?? `CMD_${cmd}`;
    const problems: Problem[] = [];
    const allowed = known ? (Array.isArray(known.len) ? known.len : [known.len]) : [];
    if (!known || known.len === -2) problems.push(makeProblem('bad-command', pos, `a known command; MIG_CMD 0x${cmd.toString(16)} unknown (len 0x${len.toString(16)})`));
    else if (!allowed.includes(-1) && !allowed.includes(len)) problems.push(makeProblem('bad-command', pos, `${escapeText(name)} received with bad length - expecting ${allowed.join(' or ')}, got ${len}`));
    const fields: FieldNode[] = [];
    if (len > 0) fields.push({ name: 'payload', path: `${name}@${pos}/payload`, kind: 'opaque', type: 'buffer', offset: payloadAt, size: len, value: [...payload].map((b) => b.toString(16).padStart(2, '0')).join('') });
    this.push({ kind: 'command', offset: pos, size: c.pos - pos, command: { cmd, name, length: len }, fields, decodedBy: 'builtin', problems });
    if (cmd === 5 && this.packageEnds.length > 0) return this.leavePackage(c.pos);
    if (cmd === 7 && len === 4) {
      // PACKAGED: a nested record stream of N bytes follows, ending with its own EOF.
      const n = ((payload[0] << 24) | (payload[1] << 16) | (payload[2] << 8) | payload[3]) >>> 0;
      if (c.pos + n > this.source.size) {
        problems.push(makeProblem('bad-command', pos, `a package of at most ${this.source.size - c.pos} bytes (what the file holds), found ${n}`));
      } else {
        this.packageEnds.push(c.pos + n);
        this.framing.packageEof = c.pos + n - 1;
      }
    }
    return c.pos;
  }

  /**
   * POSTCOPY_RUN inside a package: savevm.c loadvm_postcopy_handle_run returns LOADVM_QUIT, which
   * ends every nested load loop; the package has no EOF and whatever follows RUN in it is never
   * read. The rest of the main stream (RAM, EOF) is read by the postcopy listen thread.
   */
  private leavePackage(pos: number): number {
    const end = this.packageEnds[0];
    this.packageEnds.length = 0;
    this.framing.packageEof = undefined;
    if (pos > end) {
      // QEMU reads the package into a buffer of its length: a command running past it fails.
      // Carry on after the command, never back at the package's end (fuzz seed 20261204 case 6519).
      const run = this.model.records[this.model.records.length - 1];
      run.problems.push(makeProblem('bad-command', run.offset, `the package to end at 0x${end.toString(16)}, POSTCOPY_RUN in it ends at 0x${pos.toString(16)}`));
      return pos;
    }
    if (pos < end) {
      this.push({ kind: 'trailing', offset: pos, size: end - pos, depth: 1, problems: [makeProblem('trailing-data', pos, `nothing after POSTCOPY_RUN in the package; ${end - pos} byte(s) follow, which QEMU never reads`)] });
    }
    return end;
  }

  private async eof(win: Window, pos: number): Promise<number | null> {
    const rec = this.push({ kind: 'eof', offset: pos, size: 1 });
    const packageEnd = this.packageEnds.pop();
    const outer = this.packageEnds[this.packageEnds.length - 1];
    this.framing.packageEof = outer === undefined ? undefined : outer - 1;
    if (packageEnd !== undefined) {
      if (pos + 1 !== packageEnd) rec.problems.push(makeProblem('bad-command', pos, `the package to end at 0x${packageEnd.toString(16)}, its EOF is at 0x${pos.toString(16)}`));
      return pos + 1;
    }
    this.model.complete = true;
    return this.afterEof(win, pos + 1);
  }

  /** VMDESCRIPTION, then anything QEMU never reads (format.md §4, §7 step 7). */
  private async afterEof(_win: Window, pos: number): Promise<null> {
    const size = this.source.size;
    if (pos >= size) return null;
    const win = await this.reader.at(pos, Math.min(size - pos, 5));
    const c = new Cursor(win, pos);
    if (c.u8() === REC.VMDESCRIPTION && size - pos >= 5) {
      const len = c.be32('vmdesc length');
      const end = Math.min(size, pos + 5 + len);
      const rec = this.push({ kind: 'vmdesc', offset: pos, size: end - pos, dataOffset: pos + 5, dataSize: end - pos - 5 });
      if (pos + 5 + len > size) rec.problems.push(makeProblem('truncated', size, `${len} bytes of JSON description, ${size - pos - 5} present`));
      if (this.vmdesc) this.model.vmdesc = { offset: pos, size: end - pos, devices: this.vmdesc.devices.length };
      else rec.problems.push(makeProblem('bad-vmdesc', pos + 5, 'a readable JSON VM description here'));
      pos = end;
    }
    if (pos < size) {
      this.push({ kind: 'trailing', offset: pos, size: size - pos, problems: [makeProblem('trailing-data', pos, `nothing after the end of the stream; ${size - pos} byte(s) follow, which QEMU ignores`)] });
    }
    return null;
  }
}
