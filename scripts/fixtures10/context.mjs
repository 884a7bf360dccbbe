// Where and with which QEMU scripts/make-fixtures-qemu10.mjs works: its arguments, the chroot,
// the output folder, small helpers shared by its parts.
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../lib/qemu.mjs';

export const ARGS = parseArgs({ options: { qemu: { type: 'string', default: '10.0' }, root: { type: 'string' }, only: { type: 'string' }, relayout: { type: 'boolean' }, 'dest-ram': { type: 'boolean' } } }).values;
/** Which QEMU the fixtures are made with: its Debian suite, output folder and chroot variable. */
const TARGETS = {
  '10.0': { suite: 'trixie', tag: 'qemu10', rootEnv: 'QEMU10_ROOT' },
  '11.1': { suite: 'forky', tag: 'qemu11', rootEnv: 'QEMU11_ROOT' },
};
export const QEMU = ARGS.qemu;
export const TARGET = TARGETS[QEMU];
if (!TARGET) throw new Error(`--qemu must be one of ${Object.keys(TARGETS).join(', ')}`);
export const ONLY = ARGS.only ? new Set(ARGS.only.split(',')) : null;
export const OUT_REL = `public/fixtures/${TARGET.tag}`;
export const OUT = resolve(REPO_ROOT, OUT_REL);
export const WORK = `/tmp/vmstate-${TARGET.tag}`; // inside the chroot
export const X86 = 'qemu-system-x86_64';
export const S390X = 'qemu-system-s390x';
export const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const log = (...a) => console.log(`[${TARGET.tag}]`, ...a);
export const hex = (n) => `0x${n.toString(16)}`;

const ROOT_ARG = ARGS.root ?? process.env[TARGET.rootEnv];
export const ROOT = ROOT_ARG ? resolve(ROOT_ARG) : null;
export const ROOT_VAR = `$${TARGET.rootEnv}`;
export const host = (p) => join(ROOT, p); // chroot path -> host path
