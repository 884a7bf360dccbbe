// Makes the benchmark's inputs with real QEMU 7.2 (issue #5): migration streams of pc guests
// whose RAM is nearly all random data (filled through -device loader), and an idle guest.
// Cached in $BENCH_DIR (default /tmp/vmstate-bench); never committed.
import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { startQemu } from './lib/qemu.mjs';
import { fileSource } from '../src/cli/node-source.ts';
import { subSource } from '../src/format/byte-source.ts';
import { devicesFirst } from '../src/format/devices-first.ts';
import { sniffContainer } from '../src/format/container/sniff.ts';
import { waitForMigration } from './lib/qmp.mjs';

export const BENCH_DIR = process.env.BENCH_DIR ?? '/tmp/vmstate-bench';
const MiB = 1024 * 1024;

/** One 1000 MiB file of xorshift noise, reused by every loader (each loader file must be < 2 GiB). */
async function noiseFile(): Promise<string> {
  const path = join(BENCH_DIR, 'noise-1000m.bin');
  if (existsSync(path) && statSync(path).size === 1000 * MiB) return path;
  const out = createWriteStream(path);
  let x = 0x9e3779b9;
  const chunk = new Uint32Array(MiB / 4);
  for (let i = 0; i < 1000; i++) {
    for (let k = 0; k < chunk.length; k++) {
      x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
      chunk[k] = x >>> 0;
    }
    if (!out.write(Buffer.from(chunk.buffer.slice(0)))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return path;
}

async function migrate(name: string, args: string[], hmp: string[] = []): Promise<string> {
  const path = join(BENCH_DIR, name);
  if (existsSync(path)) return path;
  // The loaders read up to 4000 MiB of noise before QMP answers: 20 s is too short on a busy machine.
  const q = await startQemu('qemu-system-x86_64', ['-M', 'pc', '-nodefaults', '-display', 'none', '-S', ...args], { timeoutMs: 180_000 });
  // The default max-bandwidth throttles migration to a file (format.md §12).
  await q.qmp.execute('migrate-set-parameters', { 'max-bandwidth': 64 * 1024 * MiB });
  for (const line of hmp) await q.qmp.hmp(line);
  await q.qmp.execute('migrate', { uri: `exec:cat > ${path}.part && mv ${path}.part ${path}` });
  const info = await waitForMigration(q.qmp, { timeoutMs: 30 * 60_000 });
  await q.qmp.execute('quit').catch(() => {});
  if (info.status !== 'completed') throw new Error(`migration of ${name} ended ${info.status}`);
  for (let i = 0; i < 100 && !existsSync(path); i++) await new Promise((r) => setTimeout(r, 50));
  return path;
}

const loader = (noise: string, addr: number) => ['-device', `loader,file=${noise},addr=0x${addr.toString(16)},force-raw=on`];

/** The 4 GiB guest's memory: pc with 3 GiB below the PCI hole, 1 GiB from 4 GiB up, all noise. */
const RANDOM_4G = (noise: string) => ['-m', '4G', ...[0x1000000, 0x40000000, 0x80000000, 0x100000000].flatMap((a) => loader(noise, a))];

/** Only the 1 GiB random stream (BENCH_ONLY=cli needs no more). */
export async function random1gInput(): Promise<string> {
  mkdirSync(BENCH_DIR, { recursive: true });
  return migrate('random-1g.mig', ['-m', '1G', ...loader(await noiseFile(), 0x1000000)]);
}

/**
 * The comparison's second 4 GiB stream (issue #13): the same guest with three 4-byte words
 * written by `-device loader,data=` into pages the noise leaves zero, and CMOS byte 0x3f set over
 * HMP before the migration: 3 RAM pages and 2 RTC fields differ from random-4g.mig.
 */
export async function diffInputs(): Promise<{ left: string; right: string; differingPages: number }> {
  const { random4g } = await benchInputs();
  const noise = await noiseFile();
  const word = (addr: number) => ['-device', `loader,addr=0x${addr.toString(16)},data=0x5a5a5a5a,data-len=4`];
  const right = await migrate('random-4g-b.mig', [...RANDOM_4G(noise), ...word(0x3f900000), ...word(0x7fa00000), ...word(0xbfb00000)], ['o /b 0x70 0x3f', 'o /b 0x71 0x5a']);
  return { left: random4g, right, differingPages: 3 };
}

export async function benchInputs(): Promise<{ idle: string; random1g: string; random4g: string }> {
  mkdirSync(BENCH_DIR, { recursive: true });
  const noise = await noiseFile();
  const idle = await migrate('idle-1g.mig', ['-m', '1G']);
  const random1g = await random1gInput();
  const random4g = await migrate('random-4g.mig', RANDOM_4G(noise));
  return { idle, random1g, random4g };
}

/**
 * A qcow2 image of a pc guest with 4 GiB of RAM (1000 MiB of it noise, the rest zero pages) and a
 * 4 GiB disk never written (qcow2 allocates nothing for it: the file holds tables and the VM
 * states only), with two snapshots made by real `savevm`: "before", then CMOS byte 0x3f set to
 * 0x5a through HMP `o`, then "after". Each VM state is ~1 GiB, so the image is ~2 GiB.
 */
export async function qcow2Input(): Promise<string> {
  mkdirSync(BENCH_DIR, { recursive: true });
  const path = join(BENCH_DIR, 'guest-4g.qcow2');
  if (existsSync(path)) return path;
  const part = `${path}.part`;
  rmSync(part, { force: true });
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', part, '4G']);
  const disk = ['-drive', `file=${part},if=none,id=d0,format=qcow2`, '-device', 'ide-hd,drive=d0'];
  const q = await startQemu('qemu-system-x86_64', ['-M', 'pc', '-nodefaults', '-display', 'none', '-S', '-m', '4G', ...loader(await noiseFile(), 0x1000000), ...disk]);
  try {
    for (const cmd of ['savevm before', 'o /b 0x70 0x3f', 'o /b 0x71 0x5a', 'savevm after']) {
      const out = (await q.qmp.hmp(cmd)).trim();
      if (out) throw new Error(`${cmd}: ${out}`);
    }
  } finally {
    await q.qmp.execute('quit').catch(() => {});
    await q.exited;
  }
  renameSync(part, path);
  return path;
}

/**
 * A raw `virsh save` image of a pc guest with 4 GiB of RAM filled as random-4g.mig's is, made by
 * real libvirt (scripts/libvirt/make-bench-4g.sh, which also has `virsh save-image-dumpxml` read
 * it back; needs root). Checked here by our own decoder: a version-2 libvirt header with
 * `compressed` = 0 (raw), the guest's XML, and a QEMU stream holding the 4000 MiB of noise whose device sections
 * devicesFirst() finds from its own description. ~4 GiB, two minutes to make.
 */
export async function libvirt4gInput(): Promise<string> {
  mkdirSync(BENCH_DIR, { recursive: true });
  const path = join(BENCH_DIR, 'libvirt-4g.raw.sav');
  if (!existsSync(path)) {
    console.log(`  making ${path} with real libvirt (scripts/libvirt/make-bench-4g.sh, ~2 min)...`);
    execFileSync('bash', [join(import.meta.dirname, 'libvirt/make-bench-4g.sh'), path, await noiseFile()], { stdio: 'inherit' });
  }
  const source = await fileSource(path);
  try {
    const info = await sniffContainer(source);
    const h = info?.libvirt?.header;
    if (!info || !h || h.version !== 2 || h.format !== 0 || info.inner.codec !== 'raw') throw new Error(`${path} is not a raw version-2 libvirt save image (${info?.title ?? 'no container'})`);
    if (!info.libvirt!.xml.includes("<memory unit='KiB'>4194304</memory>")) throw new Error(`${path}: the domain XML does not give 4 GiB of memory`);
    if (info.inner.size < 4000 * MiB) throw new Error(`${path}: its QEMU stream has ${info.inner.size} bytes, less than the 4000 MiB of noise loaded into the guest`);
    const found = await devicesFirst(subSource(source, info.inner.offset, info.inner.size));
    if (!found.ok) throw new Error(`${path}: no device sections found from the stream's description: ${found.reason}`);
  } finally {
    await source.close();
  }
  return path;
}

/**
 * What a running system holds in RAM, for the compressed images (issue 11): the host's own programs,
 * libraries and text, read in sorted path order (so the same host gives the same bytes), each
 * kind up to its share of ~100 MiB: 40 MiB of /usr/bin ELF executables, 36 MiB of
 * /usr/lib/x86_64-linux-gnu shared objects, 24 MiB of text (uncompressed files of /usr/share/doc,
 * then C headers of /usr/include). Files over 8 MiB are skipped, so each share holds many files.
 * The list of files read goes beside it (realistic-ram.txt), so a reader can see what was used.
 */
const REALISTIC_SHARES = [
  { what: 'ELF executables from /usr/bin', dirs: ['/usr/bin'], bytes: 40 * MiB, keep: (p: string, head: Buffer) => head.subarray(0, 4).toString('latin1') === '\x7fELF' && !p.endsWith('.so') },
  { what: 'shared objects from /usr/lib/x86_64-linux-gnu', dirs: ['/usr/lib/x86_64-linux-gnu'], bytes: 36 * MiB, keep: (p: string, head: Buffer) => /\.so(\.|$)/.test(p) && head.subarray(0, 4).toString('latin1') === '\x7fELF' },
  { what: 'text: /usr/share/doc (uncompressed files), then /usr/include headers', dirs: ['/usr/share/doc', '/usr/include'], bytes: 24 * MiB, keep: (p: string, head: Buffer) => !/\.(gz|bz2|xz|zst|png|jpg|gif|pdf|ico)$/.test(p) && !head.subarray(0, 512).includes(0) },
];

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

export const REALISTIC_RAM = join(BENCH_DIR, 'realistic-ram.bin');

/** What realisticRam() put into the guest, one line per share ("what: N files, B bytes"), for the bench's output. */
export function realisticSummary(): string[] {
  const list = `${REALISTIC_RAM.replace(/\.bin$/, '')}.txt`;
  return existsSync(list) ? readFileSync(list, 'utf8').split('\n').filter((l) => l.startsWith('# ')).map((l) => l.slice(2)) : [];
}

function realisticRam(): string {
  const list = `${REALISTIC_RAM.replace(/\.bin$/, '')}.txt`;
  if (existsSync(REALISTIC_RAM) && existsSync(list)) return REALISTIC_RAM;
  const parts: Buffer[] = [];
  const lines: string[] = [];
  for (const share of REALISTIC_SHARES) {
    let taken = 0;
    let files = 0;
    for (const path of share.dirs.flatMap(filesUnder)) {
      if (taken >= share.bytes) break;
      let size: number;
      try {
        size = statSync(path).size;
      } catch {
        continue;
      }
      if (size === 0 || size > 8 * MiB) continue;
      const data = readFileSync(path);
      if (!share.keep(path, data)) continue;
      const piece = data.subarray(0, share.bytes - taken);
      parts.push(piece);
      taken += piece.length;
      files++;
      lines.push(`${piece.length}\t${path}`);
    }
    lines.push(`# ${share.what}: ${files} files, ${taken} bytes`);
  }
  writeFileSync(`${REALISTIC_RAM}.part`, Buffer.concat(parts));
  writeFileSync(list, `${lines.join('\n')}\n`);
  renameSync(`${REALISTIC_RAM}.part`, REALISTIC_RAM);
  return REALISTIC_RAM;
}

/**
 * A migration stream of a pc guest with 128 MiB of RAM whose memory holds realisticRam()'s ~100 MiB
 * of programs, libraries and text (loaded at 16 MiB by -device loader; the rest is zero pages, as
 * a guest's free memory mostly is), made by real QEMU 7.2. The compressed images around it
 * (bench-compressed.ts) are the "realistic" rows of the compressed bench.
 */
export async function realisticInput(): Promise<string> {
  mkdirSync(BENCH_DIR, { recursive: true });
  return migrate('realistic-128m.mig', ['-m', '128M', ...loader(realisticRam(), 0x1000000)]);
}
