#!/usr/bin/env node
// Makes Xen `xl save` images in public/fixtures/xl/ around the real QEMU 7.2 device-state file that
// was written the way Xen's QEMU writes it (public/fixtures/pc-xen-devstate.bin: no footers, no
// configuration, no globalstate; scripts/make-fixtures.mjs), with the hypervisor's part (libxc
// stream: policies, memory pages, TSC info, HVM context per Xen's save.h, HVM params) built by
// scripts/lib/xen-image-writer.mjs. Each image is checked with Xen's own verify-stream-v2
// (scripts/lib/xen-verify.mjs) and its expected contents are written to manifest.json.
//
//   node scripts/make-xl-fixtures.mjs
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { join, resolve } from 'node:path';
import { REPO_ROOT } from './lib/qemu.mjs';
import { hvmCpu, hvmEntry, libxcHeaders, libxlHeader, pageData, record, u32, u64, xlHeader } from './lib/xen-image-writer.mjs';
import { verifyXenStream } from './lib/xen-verify.mjs';

const DIR = resolve(REPO_ROOT, 'public/fixtures/xl');
const devstate = readFileSync(resolve(REPO_ROOT, 'public/fixtures/pc-xen-devstate.bin'));

// Distinct values in every general register, so a decoder that swaps two is caught.
const REGS = Object.fromEntries(['rax', 'rbx', 'rcx', 'rdx', 'rbp', 'rsi', 'rdi', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'].map((n, i) => [n, 0x1111000000000000n + BigInt(i + 1) * 0x0101n]));
Object.assign(REGS, { rip: 0xfff0n, rflags: 0x2n, cr0: 0x60000010n, cr2: 0n, cr3: 0n, cr4: 0n });

const page = (pfn, fill) => ({ pfn, data: Buffer.alloc(4096, fill) });

function hvmContext(vcpus) {
  const header = Buffer.concat([u32(0x54381286), u32(1), u64(0), u32(0x000606a6), u32(2_000_000)]);
  const entries = [hvmEntry(1, 0, header)];
  for (let i = 0; i < vcpus; i++) entries.push(hvmEntry(2, i, hvmCpu({ ...REGS, rax: REGS.rax + BigInt(i) })));
  for (let i = 0; i < vcpus; i++) entries.push(hvmEntry(5, i, Buffer.concat([u64(0xfee00900), u32(0), u32(0)])));
  const rtc = Buffer.alloc(16);
  rtc[14] = 0x0a; // cmos_index
  entries.push(hvmEntry(11, 0, rtc), hvmEntry(13, 0, Buffer.concat([u32(0x1234), Buffer.from([1, 0, 0, 0])])));
  entries.push(hvmEntry(0, 0, Buffer.alloc(0)));
  return Buffer.concat(entries);
}

function libxcStream({ vcpus }) {
  const cpuid = Buffer.concat([u32(0), u32(0xffffffff), u32(0xd), u32(0x756e6547), u32(0x6c65746e), u32(0x49656e69)]);
  const msr = Buffer.concat([u64(0xce), u32(0), u32(0)]);
  return Buffer.concat([
    libxcHeaders(),
    record(17, cpuid), record(18, msr), record(16),
    pageData([page(0, 0x11), page(1, 0x22), { pfn: 2, type: 0xf }]),
    pageData([page(0x100, 0x33)]),
    record(8, Buffer.concat([u32(0), u32(2_000_000), u64(0), u32(1), u32(0)])),
    record(9, hvmContext(vcpus)),
    record(10, Buffer.concat([u32(2), u32(0), u64(2), u64(0xfeff0), u64(5), u64(1)])),
    record(0),
  ]);
}

function emulator(type, body) {
  return record(type, Buffer.concat([u32(2 /* qemu upstream */), u32(0), body]));
}

const IMAGES = [
  {
    file: 'pc-xl.save', vcpus: 1, config: JSON.stringify({ c_info: { type: 'hvm', name: 'vmstate-fixture' }, b_info: { max_vcpus: 1, max_memkb: 131072 } }),
    xenstore: Buffer.from(['physmap/f0000/start_addr', 'f0000', 'physmap/f0000/size', '10000', ''].join('\0'), 'latin1'),
  },
  { file: 'pc-xl-2vcpu-noconfig.save', vcpus: 2, config: undefined, xenstore: Buffer.alloc(0) },
];

mkdirSync(DIR, { recursive: true });
const manifest = { generatedBy: 'scripts/make-xl-fixtures.mjs', emulatorContextFrom: 'pc-xen-devstate.bin', registers: Object.fromEntries(Object.entries(REGS).map(([k, v]) => [k, `0x${v.toString(16)}`])), images: [] };
for (const img of IMAGES) {
  const bytes = Buffer.concat([
    xlHeader(img.config), libxlHeader(),
    record(1), libxcStream(img),
    emulator(2, img.xenstore), emulator(3, devstate),
    record(0),
  ]);
  // Stored gzipped (the pages and the device state are mostly zeros); verified as written.
  const path = join(mkdtempSync(join(tmpdir(), 'xl-fixture-')), img.file);
  writeFileSync(path, bytes);
  writeFileSync(join(DIR, `${img.file}.gz`), gzipSync(bytes, { level: 9 }));
  const verdict = verifyXenStream(path, 'xl');
  if (!verdict.ok) throw new Error(`verify-stream-v2 refused ${img.file}:\n${verdict.output}`);
  manifest.images.push({ file: img.file, gz: `${img.file}.gz`, vcpus: img.vcpus, hasConfig: img.config !== undefined, size: bytes.length, verifier: verdict.summary, verifierRecords: verdict.output.split('\n').filter((l) => /Record:/.test(l)).map((l) => l.trim()) });
  console.log('[xl]', img.file, bytes.length, 'bytes; verify-stream-v2:', verdict.summary);
}
writeFileSync(join(DIR, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
