// The HVM_CONTEXT record of a libxc stream: Xen's own saved state of an HVM guest (vCPU registers,
// local APICs, IO-APIC, PIC, PIT, RTC, HPET, MTRRs, ...), the part that on Xen lives in the
// hypervisor and not in QEMU. It is a list of entries, each a descriptor (u16 typecode, u16
// instance, u32 length; Xen public/hvm/save.h) and the structure of that type
// (public/arch-x86/hvm/save.h), little-endian on x86, ended by a typecode-0 entry.

import type { ByteSource } from '../byte-source.ts';
import { DecodeError } from '../errors.ts';
import type { FieldNode } from '../model.ts';

type Member = [name: string, kind: 'u8' | 'u16' | 'u32' | 'u64' | 'bytes', count?: number];

const u64s = (names: string): Member[] => names.split(' ').map((n) => [n, 'u64']);
const u32s = (names: string): Member[] => names.split(' ').map((n) => [n, 'u32']);

/** Layouts of the fixed-size types (save.h); others show as bytes. */
const LAYOUTS: Record<number, { name: string; members: Member[] }> = {
  1: { name: 'HEADER', members: [['magic', 'u32'], ['version', 'u32'], ['changeset', 'u64'], ['cpuid', 'u32'], ['gtsc_khz', 'u32']] },
  2: {
    name: 'CPU',
    members: [
      ['fpu_regs', 'bytes', 512],
      ...u64s('rax rbx rcx rdx rbp rsi rdi rsp r8 r9 r10 r11 r12 r13 r14 r15 rip rflags cr0 cr2 cr3 cr4 dr0 dr1 dr2 dr3 dr6 dr7'),
      ...u32s('cs_sel ds_sel es_sel fs_sel gs_sel ss_sel tr_sel ldtr_sel'),
      ...u32s('cs_limit ds_limit es_limit fs_limit gs_limit ss_limit tr_limit ldtr_limit idtr_limit gdtr_limit'),
      ...u64s('cs_base ds_base es_base fs_base gs_base ss_base tr_base ldtr_base idtr_base gdtr_base'),
      ...u32s('cs_arbytes ds_arbytes es_arbytes fs_arbytes gs_arbytes ss_arbytes tr_arbytes ldtr_arbytes'),
      ...u64s('sysenter_cs sysenter_esp sysenter_eip shadow_gs msr_flags msr_lstar msr_star msr_cstar msr_syscall_mask msr_efer msr_tsc_aux tsc'),
      ['pending_event', 'u32'], ['error_code', 'u32'],
    ],
  },
  3: { name: 'PIC', members: [['irr', 'u8'], ['imr', 'u8'], ['isr', 'u8'], ['irq_base', 'u8'], ['init_state_priority_add', 'u8'], ['mode_bits', 'u8'], ['elcr', 'u8'], ['int_output', 'u8']] },
  4: { name: 'IOAPIC', members: [['base_address', 'u64'], ['ioregsel', 'u32'], ['id', 'u32'], ['redirtbl', 'u64', 48]] },
  5: { name: 'LAPIC', members: [['apic_base_msr', 'u64'], ['disabled', 'u32'], ['timer_divisor', 'u32']] },
  6: { name: 'LAPIC_REGS', members: [['data', 'bytes', 1024]] },
  7: { name: 'PCI_IRQ', members: [['pad', 'u64', 2]] },
  8: { name: 'ISA_IRQ', members: [['pad', 'u64']] },
  9: { name: 'PCI_LINK', members: [['route', 'bytes', 4], ['pad0', 'bytes', 4]] },
  10: { name: 'PIT', members: [['channels', 'bytes', 48], ['speaker_data_on', 'u32'], ['pad0', 'u32']] },
  11: { name: 'RTC', members: [['cmos_data', 'bytes', 14], ['cmos_index', 'u8'], ['pad0', 'u8']] },
  12: { name: 'HPET', members: [['registers', 'bytes', 1024], ['period', 'u64', 3]] },
  13: { name: 'PMTIMER', members: [['tmr_val', 'u32'], ['pm1a_sts', 'u16'], ['pm1a_en', 'u16']] },
  14: { name: 'MTRR', members: [['msr_pat_cr', 'u64'], ['msr_mtrr_var', 'u64', 16], ['msr_mtrr_fixed', 'u64', 11], ['msr_mtrr_cap', 'u64'], ['msr_mtrr_def_type', 'u64']] },
  15: { name: 'VIRIDIAN_DOMAIN', members: [['hypercall_gpa', 'u64'], ['guest_os_id', 'u64']] },
  16: { name: 'CPU_XSAVE', members: [] },
  17: { name: 'VIRIDIAN_VCPU', members: [] },
  18: { name: 'VMCE_VCPU', members: [] },
  19: { name: 'TSC_ADJUST', members: [['tsc_adjust', 'u64']] },
  20: { name: 'CPU_MSR', members: [] },
};
const SIZES = { u8: 1, u16: 2, u32: 4, u64: 8, bytes: 1 } as const;

export interface HvmEntry {
  typecode: number;
  name: string;
  instance: number;
  /** Offset of the 8-byte descriptor and of the data, in the file. */
  offset: number;
  dataOffset: number;
  length: number;
  fields: FieldNode[];
}

/** Decodes the entries of an HVM_CONTEXT body at [offset, offset + length) of `src`. */
export async function readHvmContext(src: ByteSource, offset: number, length: number): Promise<HvmEntry[]> {
  const bytes = await src.read(offset, length);
  if (bytes.length < length) throw new DecodeError('truncated', offset + bytes.length, `an HVM context of ${length} bytes`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: HvmEntry[] = [];
  for (let pos = 0; ; ) {
    if (pos + 8 > length) throw new DecodeError('truncated', offset + pos, 'an HVM save descriptor (8 bytes) or the END entry');
    const typecode = v.getUint16(pos, true);
    const instance = v.getUint16(pos + 2, true);
    const len = v.getUint32(pos + 4, true);
    if (pos + 8 + len > length) throw new DecodeError('bad-image', offset + pos + 4, `an HVM entry of ${len} bytes inside the ${length}-byte context`);
    const layout = LAYOUTS[typecode];
    const name = typecode === 0 ? 'END' : layout?.name ?? `type ${typecode}`;
    const label = `hvm ${name} (${instance})`;
    out.push({ typecode, name, instance, offset: offset + pos, dataOffset: offset + pos + 8, length: len, fields: decodeMembers(v, pos + 8, len, offset, layout?.members ?? [], label) });
    pos += 8 + len;
    if (typecode === 0) return out;
  }
}

function decodeMembers(v: DataView, at: number, len: number, base: number, members: Member[], label: string): FieldNode[] {
  const nodes: FieldNode[] = [];
  let pos = at;
  for (const [name, kind, count = 1] of members) {
    const size = SIZES[kind] * (kind === 'bytes' ? count : 1);
    const total = kind === 'bytes' ? size : size * count;
    if (pos + total > at + len) break; // older, shorter layouts (e.g. CPU without msr_tsc_aux)
    const leaf = (i: number | null, p: number): FieldNode => ({
      name: i === null ? name : `[${i}]`, path: `${label}/${name}${i === null ? '' : `[${i}]`}`, kind: 'leaf',
      type: kind === 'bytes' ? 'buffer' : `le ${kind.replace('u', 'uint')}`, offset: base + p, size: kind === 'bytes' ? count : SIZES[kind],
      value: read(v, p, kind, count),
    });
    if (kind === 'bytes' || count === 1) nodes.push(leaf(null, pos));
    else nodes.push({ name, path: `${label}/${name}`, kind: 'array', type: `le ${kind.replace('u', 'uint')}`, offset: base + pos, size: total, children: Array.from({ length: count }, (_, i) => leaf(i, pos + i * SIZES[kind])) });
    pos += total;
  }
  if (pos < at + len) nodes.push({ name: 'rest', path: `${label}/rest`, kind: 'opaque', type: 'buffer', offset: base + pos, size: at + len - pos });
  return nodes;
}

function read(v: DataView, p: number, kind: Member[1], count: number): string | number | Uint8Array {
  switch (kind) {
    case 'u8': return v.getUint8(p);
    case 'u16': return v.getUint16(p, true);
    case 'u32': return v.getUint32(p, true);
    case 'u64': {
      const x = v.getBigUint64(p, true);
      return x <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(x) : x.toString();
    }
    // Byte buffers hold their bytes, as in the stream model, so the field types edit them alike.
    default:
      return new Uint8Array(v.buffer, v.byteOffset + p, count).slice();
  }
}
