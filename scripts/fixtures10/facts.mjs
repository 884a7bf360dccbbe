// Layout and post-7.2 facts of the QEMU 10/11 fixtures, found by scripts/lib/stream.mjs (the
// scripts' independent walker), for scripts/make-fixtures-qemu10.mjs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { vmdescOf, walkStream, walkVmsd } from '../lib/stream.mjs';
import { OUT, hex } from './context.mjs';
import { RAM_PATTERN, RAM_PATTERN_ADDR } from './config.mjs';

// ---------------------------------------------------------------------------------------------
// Layout and post-7.2 facts, found by scripts/lib/stream.mjs (the scripts' independent walker)

/**
 * Sets E.layout and E.features10 of manifest entry E from its file in OUT (and the vmdesc JSON of
 * E.describedBy), as scripts/lib/stream.mjs walks them. PATTERN is the RAM pattern the guest was
 * loaded with; sparse(file, size) tells how QEMU wrote a mapped-ram file (only known right after
 * making it: the copy in OUT is not sparse).
 */
export function describeFixture(e, pattern, sparse) {
  const buf = readFileSync(join(OUT, e.file));
  const json = vmdescOf(readFileSync(join(OUT, e.describedBy)));
  const walk = walkStream(buf, json);
  const cfg = walk.configuration;
  e.layout = {
    header: 'QEVM v3 at 0',
    configuration: cfg ?? null,
    records: walk.records,
    fullSections: walk.sections.length,
    footers: walk.sections.every((s) => s.footer !== undefined),
    eofOffset: walk.eofOffset,
    vmdesc: walk.vmdesc ?? null,
    sections: walk.sections.map((s) => [s.offset, s.idstr, s.instanceId, s.version, s.dataLength]),
    sectionsColumns: ['offset', 'idstr', 'instance_id', 'version', 'dataLength'],
  };
  const features = {};
  const sw = walk.records.filter((r) => r.type === 'COMMAND' && r.cmd === 11);
  if (sw.length) {
    const ramEnd = walk.records.find((r) => r.type === 'END' && r.idstr === 'ram');
    features.switchoverStart = sw.map((r) => ({ offset: r.offset, bytes: r.bytes, beforeRamEndAt: ramEnd?.offset ?? null, immediatelyBeforeRamEnd: ramEnd?.offset === r.offset + 5 }));
  }
  if (walk.multifdFlush.length) features.multifdFlush = walk.multifdFlush;
  const capSub = cfg?.subsections.find((s) => s.capabilities);
  if (capSub) features.configurationCapabilities = { offset: capSub.offset, capabilities: capSub.capabilities };
  if (e.describedBy === e.file && json) Object.assign(features, jsonFeatures(buf, json, walk));
  else if (json) {
    features.note = `no vmdesc in this file; section sizes taken from ${e.describedBy}'s JSON and every FULL section checked against its footer`;
    // Are the FULL sections byte-identical to those of the migration of the same VM?
    const other = readFileSync(join(OUT, e.describedBy));
    const otherWalk = walkStream(other, json);
    const differ = [];
    for (const sec of walk.sections) {
      const o = otherWalk.sections.find((x) => x.idstr === sec.idstr && x.instanceId === sec.instanceId);
      const a = buf.subarray(sec.dataOffset, sec.dataOffset + sec.dataLength);
      if (!o || !a.equals(other.subarray(o.dataOffset, o.dataOffset + o.dataLength))) differ.push(sec.idstr);
    }
    features.sectionsComparedWith = { fixture: e.describedBy, sections: walk.sections.length, identicalData: walk.sections.length - differ.length, differ };
  }
  if (e.kind === 'mapped-ram') features.mappedRam = mappedRamFacts(buf, walk, pattern, sparse(e.file, e.size));
  e.features10 = features;
}

/** Where the mapped-ram blocks, bitmaps and the RAM pattern's pages are in BUF. */
function mappedRamFacts(buf, walk, pattern, sparse) {
  const start = walk.records.find((r) => r.type === 'START');
  const blocks = start.memSize.blocks;
  const ram = blocks.find((b) => /ram$/.test(b.name));
  const at = ram.mappedRamHeader.pagesOffset + RAM_PATTERN_ADDR;
  const bm = buf.subarray(ram.mappedRamHeader.bitmapOffset, ram.mappedRamHeader.pagesOffset);
  const setPages = [];
  for (const b of blocks) {
    const h = b.mappedRamHeader;
    const nPages = b.usedLength / h.pageSize;
    let set = 0;
    for (let p = 0; p < nPages; p++) if (buf[h.bitmapOffset + (p >> 3)] & (1 << (p & 7))) set++;
    setPages.push({ block: b.name, pages: nPages, written: set });
  }
  return {
    blocks: blocks.map((b) => ({ name: b.name, entryOffset: b.offset, usedLength: b.usedLength, headerOffset: b.mappedRamHeaderOffset, ...b.mappedRamHeader })),
    pagesWrittenPerBlock: setPages,
    streamResumesAt: blocks.at(-1).mappedRamHeader.pagesOffset + blocks.at(-1).usedLength,
    bitmapNote: 'bitmap = BITS_TO_LONGS(pages) host unsigned longs (little-endian on this x86_64 host), bit p set = page p written; written at the end of migration',
    patternPages: { file: RAM_PATTERN, guestPhysAddr: hex(RAM_PATTERN_ADDR), fileOffset: at, verbatim: buf.subarray(at, at + pattern.length).equals(pattern), bitmapBytesNonZero: [...bm].filter((b) => b).length },
    sparse,
  };
}

/** The 10.0-specific facts of the vmdesc JSON, with stream offsets from the record walk. */
function jsonFeatures(buf, json, walk) {
  const f = {};
  const keys = Object.keys(json);
  if (json.configuration) {
    f.configuration = {
      topLevelKeys: keys,
      vmsdName: json.configuration.vmsd_name,
      fields: json.configuration.fields,
      subsections: (json.configuration.subsections ?? []).map((s) => ({ vmsd_name: s.vmsd_name, version: s.version, fields: s.fields })),
    };
  }
  const nullptr = [], runs = [], noIndexLast = [];
  const byDevice = new Map(walk.sections.map((s) => [`${s.idstr}\0${s.instanceId}`, s]));
  json.devices.forEach((dev, di) => {
    const sec = byDevice.get(`${dev.name}\0${dev.instance_id}`);
    if (!sec || !dev.fields) return;
    walkVmsd(buf, dev, sec.dataOffset, `devices[${di}]`, (fld, path, offset, siblings, i) => {
      const where = { device: dev.name, path, field: fld.name, offset };
      if (fld.type === 'nullptr' || fld.type === 'ptr-marker') {
        const n = fld.array_len ?? 1;
        const bytes = buf.subarray(offset, offset + fld.size * n);
        nullptr.push({ ...where, ...(fld.array_len ? { array_len: fld.array_len } : {}), size: fld.size, allBytes0x30: bytes.every((b) => b === 0x30) && bytes.length === n });
      }
      const prev = siblings[i - 1];
      const marker = (t) => t === 'nullptr' || t === 'ptr-marker';
      if (prev && prev.name === fld.name && prev.type !== fld.type && (marker(prev.type) || marker(fld.type))) {
        runs.push({ ...where, previousType: prev.type, type: fld.type });
      }
      if (prev && prev.name === fld.name && prev.index !== undefined && fld.index === undefined && fld.array_len === undefined) {
        noIndexLast.push({ ...where, type: fld.type, previousIndex: prev.index, size: fld.size });
      }
    });
  });
  if (nullptr.length) f.nullptrEntries = nullptr;
  if (runs.length) f.mixedPointerArrayRuns = runs;
  f.indexlessLastElements = { count: noIndexLast.length, entries: noIndexLast };
  return f;
}
