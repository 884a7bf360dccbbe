// The fixture scripts' own stream walker: the independent check of the fixtures' layout.
//
// Why it is separate from src/format: the facts it records in the manifests (where every record,
// section, footer, RAM flush and the EOF are) are what the tests hold the decoder to. Had they
// come from the decoder, a decoder bug would be written into the manifest and then "confirmed".
// So this file imports nothing from src/, keeps its own tables (written from QEMU's
// migration/savevm.h, savevm.c, ram.c and hw/s390x/s390-stattrib.c, not copied from src), and
// works differently: it never guesses a section's end. The size of every FULL section comes from
// a vmdesc JSON (the file's own, or that of a migration of the same VM), and every section must be
// followed by its footer (or by the next record, in footer-less files) exactly there. A file it
// cannot walk that way is an error, not a best effort.
//
//   walkStream(buf, json) -> { records, sections, configuration, footers, eofOffset, vmdesc,
//                              multifdFlush, caps, pageSize, hasHeader }
//   vmdescOf(buf)         -> the JSON QEMU appended after EOF, or null
//   walkVmsd(buf, desc, offset, path, visit) -> end offset (visit(field, path, offset, siblings, i))

const hex = (n) => `0x${n.toString(16)}`;

/** Record type bytes (migration/savevm.h QEMU_VM_*). */
const EOF = 0x00, START = 0x01, PART = 0x02, END = 0x03, FULL = 0x04, SUBSECTION = 0x05;
const VMDESCRIPTION = 0x06, CONFIGURATION = 0x07, COMMAND = 0x08, FOOTER = 0x7e;
const SECTION_NAMES = { [START]: 'START', [PART]: 'PART', [END]: 'END', [FULL]: 'FULL' };

/** RAM record flags (migration/ram.c RAM_SAVE_FLAG_*), in the low bits of each be64 address. */
const RAM_FLAGS = { 0x2: 'ZERO', 0x4: 'MEM_SIZE', 0x8: 'PAGE', 0x10: 'EOS', 0x20: 'CONTINUE', 0x40: 'XBZRLE', 0x200: 'MULTIFD_FLUSH' };
const RAM_KNOWN = 0x27e;

/** Commands (migration/savevm.c enum qemu_vm_cmd, MIG_CMD_*). */
const COMMANDS = { 1: 'OPEN_RETURN_PATH', 2: 'PING', 3: 'POSTCOPY_ADVISE', 4: 'POSTCOPY_LISTEN', 5: 'POSTCOPY_RUN', 6: 'POSTCOPY_RAM_DISCARD', 7: 'PACKAGED', 8: 'ENABLE_COLO', 9: 'POSTCOPY_RESUME', 10: 'RECV_BITMAP', 11: 'SWITCHOVER_START' };
const CMD_POSTCOPY_RUN = 5, CMD_PACKAGED = 7;

class Cursor {
  constructor(buf, pos = 0) { this.buf = buf; this.pos = pos; }
  need(n) { if (this.pos + n > this.buf.length) throw new Error(`${n} byte(s) needed at ${hex(this.pos)}, the file ends at ${hex(this.buf.length)}`); }
  u8() { this.need(1); return this.buf[this.pos++]; }
  be16() { this.need(2); const v = this.buf.readUInt16BE(this.pos); this.pos += 2; return v; }
  be32() { this.need(4); const v = this.buf.readUInt32BE(this.pos); this.pos += 4; return v; }
  be64() { this.need(8); const v = this.buf.readBigUInt64BE(this.pos); this.pos += 8; return v; }
  str() { const n = this.u8(); this.need(n); const s = this.buf.subarray(this.pos, this.pos + n).toString('latin1'); this.pos += n; return s; }
}

/** Bytes covered by one JSON field entry: `size` is per element for compressed arrays (array_len). */
const entryBytes = (f) => f.size * (f.array_len ?? 1);

/**
 * Walks the fields (and subsections) of DESC whose data starts at OFFSET, calling visit(field, path,
 * offset, siblings, index) for every field entry; recurses into struct/tmp/vstruct (inline bytes).
 * Checks every subsection header against the bytes. Returns the end offset.
 */
export function walkVmsd(buf, desc, offset, path, visit = () => {}) {
  let at = offset;
  const fields = desc.fields ?? [];
  fields.forEach((f, i) => {
    const p = `${path}/fields[${i}]`;
    visit(f, p, at, fields, i);
    if (f.type === 'struct' && f.struct) walkVmsd(buf, f.struct, at, `${p}/struct`, visit);
    else if ((f.type === 'tmp' || f.type === 'vstruct') && f.fields) walkVmsd(buf, f, at, p, visit);
    at += entryBytes(f);
  });
  (desc.subsections ?? []).forEach((s, i) => {
    const c = new Cursor(buf, at);
    if (c.u8() !== SUBSECTION || c.str() !== s.vmsd_name) throw new Error(`subsection ${s.vmsd_name} not at ${hex(at)} (${path})`);
    c.be32();
    at = walkVmsd(buf, s, c.pos, `${path}/subsections[${i}]`, visit);
  });
  return at;
}

function parseRam(c, st, rec) {
  const counts = {};
  for (;;) {
    const at = c.pos;
    const v = c.be64();
    const flags = Number(v & BigInt(st.pageSize - 1));
    const addr = v & ~BigInt(st.pageSize - 1);
    const names = Object.entries(RAM_FLAGS).filter(([b]) => flags & b).map(([, n]) => n);
    if (flags & ~RAM_KNOWN || !names.length) throw new Error(`RAM record with flags ${hex(flags)} at ${hex(at)}`);
    const key = names.join('|');
    counts[key] = (counts[key] ?? 0) + 1;
    if (flags & 0x10) { rec.eosOffset = at; break; }
    if (flags & 0x200) st.multifdFlush.push(at);
    if (flags & 0x4) {
      rec.memSize = { offset: at, totalBytes: Number(addr), blocks: [] };
      let left = Number(addr);
      while (left > 0) {
        const b = { offset: c.pos, name: c.str() };
        b.usedLength = Number(c.be64());
        if (st.caps.includes('x-ignore-shared')) b.addr = Number(c.be64());
        if (st.caps.includes('mapped-ram')) {
          b.mappedRamHeaderOffset = c.pos;
          b.mappedRamHeader = { version: c.be32(), pageSize: Number(c.be64()), bitmapOffset: Number(c.be64()), pagesOffset: Number(c.be64()) };
          c.pos = b.mappedRamHeader.pagesOffset + b.usedLength; // the writer seeks past the page area
        }
        left -= b.usedLength;
        rec.memSize.blocks.push(b);
      }
      continue;
    }
    if (!(flags & 0x20) && (flags & 0x4a)) st.lastBlock = c.str();
    if (flags & 0x2) c.pos += 1;
    else if (flags & 0x8) c.pos += st.pageSize;
    else if (flags & 0x40) throw new Error(`XBZRLE page at ${hex(at)}: not expected in these fixtures`);
  }
  rec.ramRecords = counts;
}

/** s390 storage attributes (hw/s390x/s390-stattrib.c): be64 gfn<<12|flags; MORE carries be64 count + bytes. */
function parseStattrib(c, rec) {
  const counts = {};
  for (;;) {
    const at = c.pos;
    const flags = Number(c.be64() & 0xfffn);
    const name = { 1: 'EOS', 2: 'MORE', 4: 'ERROR', 8: 'DONE' }[flags];
    if (!name) throw new Error(`storage attribute record with flags ${hex(flags)} at ${hex(at)}`);
    counts[name] = (counts[name] ?? 0) + 1;
    if (name === 'EOS') break;
    if (name === 'MORE') c.pos += Number(c.be64());
  }
  rec.stattribRecords = counts;
}

/** CONFIGURATION (savevm.c vmstate_configuration): be32 length + machine type, then optional subsections. */
function parseConfiguration(buf, c, st, at) {
  const rec = { type: 'CONFIGURATION', offset: at, machineType: null, subsections: [] };
  const len = c.be32();
  rec.machineType = buf.subarray(c.pos, c.pos + len).toString('latin1');
  c.pos += len;
  while (buf[c.pos] === SUBSECTION) {
    const s = { offset: c.pos };
    c.u8(); s.name = c.str(); s.version = c.be32();
    if (s.name === 'configuration/capabilities') {
      const n = c.be32();
      s.capabilities = [];
      for (let i = 0; i < n; i++) s.capabilities.push(c.str());
      st.caps.push(...s.capabilities);
    } else if (s.name === 'configuration/uuid') { s.uuid = buf.subarray(c.pos, c.pos + 16).toString('hex'); c.pos += 16; }
    else if (s.name === 'configuration/target-page-bits') { s.bits = c.be32(); st.pageSize = 2 ** s.bits; }
    else throw new Error(`unknown configuration subsection ${s.name} at ${hex(s.offset)}`);
    rec.subsections.push(s);
  }
  rec.end = c.pos;
  return rec;
}

/**
 * Walks the top-level records of BUF (a QEVM stream, or a headerless COLO buffer). JSON (the file's
 * own vmdesc, or that of the migration of the same VM) gives the size of every FULL section. A
 * PACKAGED command's package is walked as records of depth 1 (`depth` on each record, FULL
 * sections included) up to its announced end; a postcopy package (POSTCOPY_LISTEN, the device
 * sections, PING, POSTCOPY_RUN) has no EOF and must end exactly after its POSTCOPY_RUN.
 * A stream without JSON (a postcopy main channel carries none) is walked with the JSON of a
 * migration of the same VM: this walker never searches for a footer to end a section.
 */
export function walkStream(buf, json) {
  const c = new Cursor(buf);
  const st = { caps: [], pageSize: json?.page_size ?? 4096, records: [], sections: [], multifdFlush: [], hasHeader: false, configuration: null };
  if (buf.length >= 8 && buf.readUInt32BE(0) === 0x5145564d) {
    if (buf.readUInt32BE(4) !== 3) throw new Error(`QEVM version ${buf.readUInt32BE(4)}, expected 3`);
    st.hasHeader = true;
    c.pos = 8;
  }
  const devices = [...(json?.devices ?? [])];
  const takeDevice = (name, instance) => {
    const i = devices.findIndex((d) => d.name === name && d.instance_id === instance);
    if (i < 0) throw new Error(`no vmdesc entry for ${name} ${instance}`);
    return devices.splice(i, 1)[0];
  };
  const sectionNames = new Map();
  const packageEnds = [];
  for (;;) {
    while (packageEnds.length && c.pos === packageEnds.at(-1)) packageEnds.pop();
    if (packageEnds.length && c.pos > packageEnds.at(-1)) throw new Error(`a record crosses the end of its package at ${hex(packageEnds.at(-1))}`);
    const depth = packageEnds.length;
    const at = c.pos;
    const type = c.u8();
    if (type === EOF && depth === 0) { st.eofOffset = at; break; }
    if (type === EOF) { st.records.push({ type: 'EOF', offset: at, depth }); continue; }
    if (type === CONFIGURATION && at === 8 && st.hasHeader) {
      st.configuration = parseConfiguration(buf, c, st, at);
      continue;
    }
    if (type === COMMAND) {
      const cmd = c.be16(), len = c.be16();
      c.need(len);
      const rec = { type: 'COMMAND', offset: at, cmd, name: COMMANDS[cmd] ?? null, len, bytes: buf.subarray(at, at + 5 + len).toString('hex'), ...(depth ? { depth } : {}) };
      st.records.push(rec);
      if (cmd === CMD_PACKAGED) {
        rec.packageLength = buf.readUInt32BE(c.pos);
        packageEnds.push(c.pos + len + rec.packageLength);
      }
      c.pos += len;
      // QEMU leaves the package at POSTCOPY_RUN (savevm.c loadvm_postcopy_handle_run returns
      // LOADVM_QUIT; the package has no EOF) and drops whatever else the package holds. Its writer
      // (postcopy_start) puts POSTCOPY_RUN last, so anything after it is an error here.
      if (cmd === CMD_POSTCOPY_RUN && depth && c.pos !== packageEnds.at(-1)) {
        throw new Error(`POSTCOPY_RUN at ${hex(at)} is not the last record of its package, which ends at ${hex(packageEnds.at(-1))}`);
      }
      continue;
    }
    if (!SECTION_NAMES[type]) throw new Error(`unexpected record type ${hex(type)} at ${hex(at)}`);
    const rec = { type: SECTION_NAMES[type], offset: at, sectionId: c.be32(), ...(depth ? { depth } : {}) };
    if (type === START || type === FULL) {
      rec.idstr = c.str(); rec.instanceId = c.be32(); rec.version = c.be32();
      sectionNames.set(rec.sectionId, rec.idstr);
    } else rec.idstr = sectionNames.get(rec.sectionId);
    rec.dataOffset = c.pos;
    if (rec.idstr === 'ram') parseRam(c, st, rec);
    else if (rec.idstr === 's390-storage_attributes') parseStattrib(c, rec);
    else if (type === FULL) {
      const dev = takeDevice(rec.idstr, rec.instanceId);
      c.pos = dev.fields ? walkVmsd(buf, dev, c.pos, `devices[${json.devices.indexOf(dev)}]`) : c.pos + dev.size;
    } else throw new Error(`iterable section ${rec.idstr} at ${hex(at)} not handled`);
    rec.dataLength = c.pos - rec.dataOffset;
    const hasFooter = buf[c.pos] === FOOTER;
    st.footers ??= hasFooter; // all sections or none (format.md §2.3)
    if (hasFooter !== st.footers) throw new Error(`section ${rec.idstr} at ${hex(at)}: footer ${hasFooter ? 'present' : 'missing'} (decoded size wrong?)`);
    if (hasFooter) { c.u8(); rec.footer = c.be32(); if (rec.footer !== rec.sectionId) throw new Error(`footer mismatch at ${hex(c.pos - 5)}`); }
    (type === FULL ? st.sections : st.records).push(rec);
  }
  const rest = buf.length - st.eofOffset - 1;
  if (rest > 0) {
    if (buf[st.eofOffset + 1] !== VMDESCRIPTION || buf.readUInt32BE(st.eofOffset + 2) !== rest - 5) throw new Error('bytes after EOF are not a vmdesc');
    st.vmdesc = { offset: st.eofOffset + 1, jsonOffset: st.eofOffset + 6, jsonLength: rest - 5 };
  }
  return st;
}

/** The vmdesc JSON QEMU appended after EOF (06, be32 length, the JSON up to the end), or null. */
export function vmdescOf(buf) {
  for (let j = buf.lastIndexOf('{"'); j >= 6; j = buf.lastIndexOf('{"', j - 1)) {
    if (buf[j - 5] === VMDESCRIPTION && buf.readUInt32BE(j - 4) === buf.length - j) return JSON.parse(buf.subarray(j).toString('utf8'));
  }
  return null;
}
