// Decoded CPU values agree with what QEMU itself reported: 'info registers', taken by
// scripts/make-fixtures.mjs right before the state was saved. The *-regs fixtures ran a tiny guest
// program (scripts/guests/) that gives every general register a distinct value, so a decoder that
// swapped two registers, read a wrong element size or a wrong byte order would disagree here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findField } from './edit/find.ts';
import type { StreamModel } from './model.ts';
import { FIXTURE_DIR, fixtureBytes, fixtureDescription, scanBytes } from './testing/fixtures.ts';

/** Parses "RAX=0011… R8 =…" (HMP info registers) into register name -> value; the first one wins. */
function parseRegisters(text: string): Map<string, bigint> {
  const regs = new Map<string, bigint>();
  for (const m of text.matchAll(/\b([A-Z][A-Z0-9]*)\s?=([0-9a-f]{4,16})\b/g)) if (!regs.has(m[1])) regs.set(m[1], BigInt('0x' + m[2]));
  return regs;
}

/** A segment line of x86 info registers: "CS =0008 0000000000000000 ffffffff 00af9b00 …". */
function segment(text: string, name: string): bigint[] {
  const m = new RegExp(`^${name} *=([0-9a-f]{4}) ([0-9a-f]{8,16}) ([0-9a-f]{8}) ([0-9a-f]{8})`, 'm').exec(text);
  if (!m) throw new Error(`no ${name} line in info registers`);
  return m.slice(1).map((h) => BigInt('0x' + h));
}

function fieldValue(model: StreamModel, path: string): bigint {
  const f = findField(model, `cpu (0)/${path}`);
  if (!f) throw new Error(`no field cpu (0)/${path}`);
  return BigInt(f.node.value as number | string);
}

async function load(file: string, descFile?: string) {
  const text = readFileSync(join(FIXTURE_DIR, file.replace(/\.bin$/, '.registers.txt')), 'utf8');
  const model = await scanBytes(fixtureBytes(file), descFile ? { vmdesc: await fixtureDescription(descFile) } : {});
  return { text, regs: parseRegisters(text), value: (path: string) => fieldValue(model, path) };
}

// env.regs[] is indexed R_EAX, R_ECX, R_EDX, R_EBX, R_ESP, R_EBP, R_ESI, R_EDI, R_R8… (target/i386/cpu.h).
const X86_32 = ['EAX', 'ECX', 'EDX', 'EBX', 'ESP', 'EBP', 'ESI', 'EDI'];
const X86_64 = ['RAX', 'RCX', 'RDX', 'RBX', 'RSP', 'RBP', 'RSI', 'RDI', 'R8', 'R9', 'R10', 'R11', 'R12', 'R13', 'R14', 'R15'];

describe.each([
  // Guests that never ran: real mode at the reset vector, most registers zero.
  { file: 'pc-devstate.bin', desc: 'pc-migration.bin', names: X86_32, ip: 'EIP', flags: 'EFL', ran: false },
  { file: 'q35-devstate.bin', desc: 'q35-migration.bin', names: X86_32, ip: 'EIP', flags: 'EFL', ran: false },
  // Guests that ran x86-regs.S: long mode, RAX..R15 distinct.
  { file: 'pc-regs-migration.bin', names: X86_64, ip: 'RIP', flags: 'RFL', ran: true },
  { file: 'q35-regs-migration.bin', names: X86_64, ip: 'RIP', flags: 'RFL', ran: true },
])('$file', ({ file, desc, names, ip, flags, ran }) => {
  it('every general register, the instruction pointer and the flags equal QEMU\'s info registers', async () => {
    const { regs, value } = await load(file, desc);
    const expected = names.map((n) => regs.get(n));
    expect(expected.every((v) => v !== undefined), `all of ${names.join(' ')} in info registers`).toBe(true);
    if (ran) expect(new Set(expected).size, 'the guest program set distinct values').toBe(names.length);
    expect(names.map((_, i) => value(`env.regs[${i}]`))).toEqual(expected);
    expect(value('env.eip')).toBe(regs.get(ip));
    expect(value('env.eflags')).toBe(regs.get(flags));
  });

  it('control registers, EFER, FPU/SSE control and the code segment equal QEMU\'s info registers', async () => {
    const { text, regs, value } = await load(file, desc);
    for (const cr of [0, 2, 3, 4]) expect(value(`env.cr[${cr}]`), `CR${cr}`).toBe(regs.get(`CR${cr}`));
    expect(value('env.efer')).toBe(regs.get('EFER'));
    expect(value('env.mxcsr')).toBe(regs.get('MXCSR'));
    expect(value('env.fpuc')).toBe(regs.get('FCW'));
    expect(value('env.dr[7]')).toBe(regs.get('DR7'));
    // env.segs[] is indexed R_ES, R_CS, R_SS, R_DS, R_FS, R_GS: selector, base, limit, flags.
    ['ES', 'CS', 'SS', 'DS'].forEach((name, i) => {
      const [selector, base, limit, segFlags] = segment(text, name);
      expect([value(`env.segs[${i}].selector`), value(`env.segs[${i}].base`), value(`env.segs[${i}].limit`), value(`env.segs[${i}].flags`)], name)
        .toEqual([selector, base, limit, segFlags]);
    });
    if (ran) expect(segment(text, 'CS')[3] & 0x200000n, 'CS is a 64-bit code segment').toBe(0x200000n);
  });
});

describe('virt-regs-migration.bin (aarch64, ran aarch64-regs.S)', () => {
  it('x0..x30, SP, PC and PSTATE equal QEMU\'s info registers', async () => {
    const { regs, value } = await load('virt-regs-migration.bin');
    const names = [...Array.from({ length: 31 }, (_, i) => `X${String(i).padStart(2, '0')}`), 'SP'];
    const expected = names.map((n) => regs.get(n));
    expect(expected.every((v) => v !== undefined)).toBe(true);
    expect(new Set(expected).size, 'the guest program set distinct values').toBe(32);
    // env.xregs[31] is the current stack pointer (target/arm/cpu.h; aarch64_cpu_dump_state prints it as SP).
    expect(names.map((_, i) => value(`env.xregs[${i}]`))).toEqual(expected);
    expect(value('env.pc')).toBe(regs.get('PC'));
    expect(value('cpsr')).toBe(regs.get('PSTATE'));
  });
});
