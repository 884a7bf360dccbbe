// Writes Xen `xl save` images from their parts, following Xen's specifications
// (docs/specs/libxl-migration-stream.pandoc, libxc-migration-stream.pandoc, tools/xl/xl.h,
// public/arch-x86/hvm/save.h). Real Xen cannot run on the project's machines, so this writer is how
// the fixtures are made; every image it writes is checked by Xen's own verify-stream-v2
// (scripts/lib/xen-verify.mjs). It is separate from src/format/xen on purpose: the reader is tested
// against bytes it did not write itself. x86 images: everything little-endian except the libxl and
// libxc stream identifiers, which the specs fix as big-endian.

const XL_MAGIC = Buffer.from('Xen saved domain, xl format\n \0 \r', 'latin1');

const u32 = (v) => { const b = Buffer.alloc(4); b.writeUInt32LE(v >>> 0); return b; };
const u16 = (v) => { const b = Buffer.alloc(2); b.writeUInt16LE(v); return b; };
const u64 = (v) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); return b; };

/** One stream record: u32 type, u32 length, body, zero padding to a multiple of 8. */
export function record(type, body = Buffer.alloc(0)) {
  const pad = (8 - (body.length % 8)) % 8;
  return Buffer.concat([u32(type), u32(body.length), body, Buffer.alloc(pad)]);
}

export function xlHeader(configJson) {
  const config = configJson === undefined ? Buffer.alloc(0) : Buffer.from(configJson + '\0', 'utf8');
  const optional = Buffer.concat([u32(config.length), config]);
  // mandatory flags: 2 = stream v2, 1 = the optional data holds a JSON configuration.
  return Buffer.concat([XL_MAGIC, u32(0x01020304), u32(2 | (config.length ? 1 : 0)), u32(0), u32(optional.length), optional]);
}

export function libxlHeader() {
  const b = Buffer.alloc(16);
  b.writeBigUInt64BE(0x4c6962786c466d74n, 0); // "LibxlFmt"
  b.writeUInt32BE(2, 8); // version
  b.writeUInt32BE(0, 12); // options: little-endian records
  return b;
}

export function libxcHeaders({ version = 3, xenMajor = 4, xenMinor = 17 } = {}) {
  const ih = Buffer.alloc(24);
  ih.writeBigUInt64BE(0xffffffffffffffffn, 0);
  ih.writeUInt32BE(0x58454e46, 8); // "XENF"
  ih.writeUInt32BE(version, 12);
  const dh = Buffer.concat([u32(2 /* x86 HVM */), u16(12 /* page shift */), u16(0), u32(xenMajor), u32(xenMinor)]);
  return Buffer.concat([ih, dh]);
}

/** PAGE_DATA: count, reserved, pfns (type in bits 60-63), then 4 KiB per normal page. */
export function pageData(pages) {
  const pfns = pages.map((p) => u64((BigInt(p.type ?? 0) << 60n) | BigInt(p.pfn)));
  const data = pages.filter((p) => (p.type ?? 0) <= 4).map((p) => p.data);
  return record(1, Buffer.concat([u32(pages.length), u32(0), ...pfns, ...data]));
}

/** One HVM save entry: u16 typecode, u16 instance, u32 length, data (public/hvm/save.h). */
export function hvmEntry(typecode, instance, data) {
  return Buffer.concat([u16(typecode), u16(instance), u32(data.length), data]);
}

/** struct hvm_hw_cpu (save.h), 1024 bytes: the general registers and a few others filled in. */
export function hvmCpu(regs) {
  const b = Buffer.alloc(1024);
  const order = ['rax', 'rbx', 'rcx', 'rdx', 'rbp', 'rsi', 'rdi', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'rip', 'rflags', 'cr0', 'cr2', 'cr3', 'cr4'];
  order.forEach((name, i) => b.writeBigUInt64LE(BigInt(regs[name] ?? 0), 512 + i * 8));
  b.writeUInt32LE(0xf000, 512 + 28 * 8); // cs_sel
  return b;
}

export { u16, u32, u64 };
