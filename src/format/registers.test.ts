// Decoded CPU values agree with what QEMU itself reported ('info registers', taken right before
// xen-save-devices-state by scripts/make-fixtures.mjs).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findField } from './edit/find.ts';
import { FIXTURE_DIR, fixtureBytes, fixtureDescription, scanBytes } from './testing/fixtures.ts';

/** Parses "EAX=00000000 EBX=..." into a map of register name to value. */
function parseRegisters(text: string): Map<string, bigint> {
  const regs = new Map<string, bigint>();
  for (const m of text.matchAll(/\b([A-Z][A-Z0-9]*)\s?=([0-9a-f]{4,16})\b/g)) if (!regs.has(m[1])) regs.set(m[1], BigInt('0x' + m[2]));
  return regs;
}

describe.each([
  ['pc-devstate.bin', 'pc-migration.bin'],
  ['q35-devstate.bin', 'q35-migration.bin'],
])('%s', (file, descFile) => {
  it('cpu (0) fields equal QEMU\'s info registers', async () => {
    const regs = parseRegisters(readFileSync(join(FIXTURE_DIR, file.replace(/\.bin$/, '.registers.txt')), 'utf8'));
    const model = await scanBytes(fixtureBytes(file), { vmdesc: await fixtureDescription(descFile) });
    const value = (path: string) => {
      const f = findField(model, `cpu (0)/${path}`);
      if (!f) throw new Error(`no field cpu (0)/${path}`);
      return BigInt(f.node.value as number);
    };
    const names = ['EAX', 'ECX', 'EDX', 'EBX', 'ESP', 'EBP', 'ESI', 'EDI'];
    names.forEach((n, i) => expect(value(`env.regs[${i}]`), n).toBe(regs.get(n)));
    expect(value('env.eip')).toBe(regs.get('EIP'));
    expect(value('env.eflags')).toBe(regs.get('EFL'));
    expect(value('env.cr[0]')).toBe(regs.get('CR0'));
    expect(value('env.mxcsr')).toBe(regs.get('MXCSR'));
    expect(value('env.fpuc')).toBe(regs.get('FCW'));
    // CS =f000 ffff0000 0000ffff 00009b00: selector, base, limit, flags.
    expect(value('env.segs[1].selector')).toBe(0xf000n);
    expect(value('env.segs[1].base')).toBe(0xffff0000n);
    expect(value('env.segs[1].limit')).toBe(0xffffn);
    expect(value('env.segs[1].flags')).toBe(0x9b00n);
    expect(value('env.dr[7]')).toBe(regs.get('DR7'));
  });
});
