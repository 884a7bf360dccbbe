#!/usr/bin/env node
// Creates real QEMU 10.0 fixtures in public/fixtures/qemu10/ (Debian trixie's qemu-system-x86 and
// qemu-system-s390x, run from a debootstrap chroot) and writes public/fixtures/qemu10/manifest.json;
// with `--qemu 11.1` the same fixtures from QEMU 11.1 (Debian forky) in public/fixtures/qemu11/.
// They carry the stream features that appeared after 7.2 (docs format.md §10): the vmdesc JSON's
// "configuration" member, "nullptr" entries and mixed NULL/non-NULL pointer arrays split into runs,
// struct arrays whose last element has no "index", the SWITCHOVER_START command, the mapped-ram
// file layout and (main channel of a multifd migration) RAM MULTIFD_FLUSH records. The nullptr
// fixture is an s390x one: no x86 device in 10.0 has an array of pointers (see nullptrSources in
// the manifest).
//
//   QEMU10_ROOT=/var/tmp/trixie node scripts/make-fixtures-qemu10.mjs
//   node scripts/make-fixtures-qemu10.mjs --qemu 11.1 --root /var/tmp/forky    (or QEMU11_ROOT=…)
//   … --only pc-postcopy-main.bin     (remake some fixtures, keep the others and their manifest entries)
//   node scripts/make-fixtures-qemu10.mjs [--qemu 11.1] --relayout
//       (no QEMU, no root: recompute every entry's layout and features10 in the manifest from the
//        committed files with scripts/lib/stream.mjs; `git diff` then shows what the walker changed)
//
// forky's Release file may carry a Valid-Until date in the past (a frozen mirror); apt inside the
// chroot must then be told to accept it:
//   echo 'Acquire::Check-Valid-Until "false";' > $QEMU11_ROOT/etc/apt/apt.conf.d/99no-valid-until
//
// Making the chroot (as root, on a Debian/Ubuntu host that reaches deb.debian.org; ~1 minute):
//   apt-get install -y debootstrap
//   debootstrap --variant=minbase trixie /var/tmp/trixie http://deb.debian.org/debian
//   chroot /var/tmp/trixie apt-get install -y --no-install-recommends qemu-system-x86 qemu-system-s390x
// (chroot's apt-get needs no /proc for this; if it complains, mount proc first as below.)
// The script must run as root (chroot(2)). It mounts proc on $QEMU10_ROOT/proc when it is not
// mounted yet and unmounts it again at the end; the minbase /dev nodes are enough for TCG.
//
// - QEMU is started by scripts/lib/qemu.mjs startQemu with its chroot option, as
//   `chroot $QEMU10_ROOT qemu-system-… ARGS -qmp unix:/tmp/vmstate-qmp-…/qmp.sock,…` (the socket is
//   reached from outside through $QEMU10_ROOT/tmp/…); every path in ARGS and in the QMP commands is
//   a path inside the chroot under /tmp/vmstate-qemu10 (the script's work directory, emptied
//   first). Finished files are copied to public/fixtures/qemu10/.
// - Guests never run (-S, TCG), RTC base and MACs are fixed, the RAM pattern is seeded.
// - Each file is walked by scripts/lib/stream.mjs (the scripts' independent walker, no code from
//   src/: section sizes from the vmdesc JSON, RAM records incl. mapped-ram headers, PACKAGED
//   contents at depth 1) far enough to locate the 10.0-specific parts; offsets go to manifest.json. Then each file is loaded back into a fresh QEMU 10.0 ("loadsBack"), and a
//   few single-byte mutations of the 10.0-specific parts are loaded to record QEMU's verdict.
// Fails loudly if QEMU10_ROOT is unset, QEMU is missing there or is not 10.0 (ALLOW_ANY_QEMU=1
// overrides the version check).
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import net from 'node:net';
import { parseArgs } from 'node:util';
import { waitForMigration } from './lib/qmp.mjs';
import { REPO_ROOT, shQuote, startQemu } from './lib/qemu.mjs';
import { vmdescOf, walkStream, walkVmsd } from './lib/stream.mjs';

const ARGS = parseArgs({ options: { qemu: { type: 'string', default: '10.0' }, root: { type: 'string' }, only: { type: 'string' }, relayout: { type: 'boolean' } } }).values;
/** Which QEMU the fixtures are made with: its Debian suite, output folder and chroot variable. */
const TARGETS = {
  '10.0': { suite: 'trixie', tag: 'qemu10', rootEnv: 'QEMU10_ROOT' },
  '11.1': { suite: 'forky', tag: 'qemu11', rootEnv: 'QEMU11_ROOT' },
};
const QEMU = ARGS.qemu;
const TARGET = TARGETS[QEMU];
if (!TARGET) throw new Error(`--qemu must be one of ${Object.keys(TARGETS).join(', ')}`);
const ONLY = ARGS.only ? new Set(ARGS.only.split(',')) : null;
const OUT_REL = `public/fixtures/${TARGET.tag}`;
const OUT = resolve(REPO_ROOT, OUT_REL);
const WORK = `/tmp/vmstate-${TARGET.tag}`; // inside the chroot
const X86 = 'qemu-system-x86_64';
const S390X = 'qemu-system-s390x';
const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => console.log(`[${TARGET.tag}]`, ...a);
const hex = (n) => `0x${n.toString(16)}`;

const ROOT_ARG = ARGS.root ?? process.env[TARGET.rootEnv];
const ROOT = ROOT_ARG ? resolve(ROOT_ARG) : null;
const ROOT_VAR = `$${TARGET.rootEnv}`;
const host = (p) => join(ROOT, p); // chroot path -> host path

// ---------------------------------------------------------------------------------------------
// VM configurations (paths are inside the chroot)

const COMMON = ['-nodefaults', '-display', 'none', '-S', '-rtc', 'base=2024-01-01T00:00:00,clock=vm'];
const nullDisk = (node) => ['-blockdev', `null-co,node-name=${node},size=1048576,read-zeroes=on`];

const Q35 = [
  '-M', 'q35', '-m', '64', '-smp', '2', ...COMMON, // ich9-ahci is built in
  '-audiodev', 'none,id=snd0',
  '-netdev', 'user,id=net0', // adds the old-style "slirp" section
  '-device', 'e1000e,netdev=net0,mac=52:54:00:12:36:56,romfile=',
  '-device', 'virtio-net-pci,mac=52:54:00:12:36:57,romfile=', // no netdev ("has no peer" warning)
  '-device', 'qemu-xhci,id=xhci', '-device', 'usb-tablet,bus=xhci.0',
  '-device', 'intel-hda', '-device', 'hda-duplex,audiodev=snd0',
  ...nullDisk('vblk'), '-device', 'virtio-blk-pci,drive=vblk',
];

const PC = [
  '-M', 'pc', '-m', '32', '-smp', '2', ...COMMON,
  '-audiodev', 'none,id=snd0',
  '-device', 'e1000,mac=52:54:00:12:36:58,romfile=',
  '-chardev', 'null,id=ser0', '-device', 'isa-serial,chardev=ser0',
  '-device', 'piix3-usb-uhci,id=uhci', '-device', 'usb-tablet,bus=uhci.0',
  '-device', 'AC97,audiodev=snd0',
  '-device', 'lsi53c895a,id=scsi0', ...nullDisk('scsidisk'), '-device', 'scsi-hd,drive=scsidisk,bus=scsi0.0',
  ...nullDisk('vblk'), '-device', 'virtio-blk-pci,drive=vblk',
  '-device', 'virtio-rng-pci',
];

// s390-ccw-virtio: the channel subsystem's "css" field is an array of 256 pointers (one per CSSID)
// of which only css[0xfe], the virtual CSS, is non-NULL -> nullptr runs in the JSON.
const S390 = ['-M', 's390-ccw-virtio', '-m', '64', ...COMMON, '-device', 'virtio-rng-ccw'];

const RAM_PATTERN = 'ram-pattern.bin';
const RAM_PATTERN_SIZE = 16 * 1024;
const RAM_PATTERN_SEED = 'vmstate-explorer qemu10 ram-pattern v1';
const RAM_PATTERN_ADDR = 0x100000;
const MAPPED = ['-M', 'pc', '-m', '8', ...COMMON,
  '-device', `loader,file=${WORK}/${RAM_PATTERN},addr=${hex(RAM_PATTERN_ADDR)},force-raw=on`];
const MAPPED_CAPS = [{ capability: 'mapped-ram', state: true }];

// multifd over a unix socket: the main channel (a QEVM stream with RAM MULTIFD_FLUSH records and no
// page records) and the multifd channels (not QEVM streams) are captured by a tee between the source
// and a destination QEMU. Only the main channel is a stream our decoder reads.
const MULTIFD = ['-M', 'pc', '-m', '32', ...COMMON,
  '-device', `loader,file=${WORK}/${RAM_PATTERN},addr=${hex(RAM_PATTERN_ADDR)},force-raw=on`];
const MULTIFD_CAPS = [{ capability: 'multifd', state: true }];
const MULTIFD_CHANNELS = 2;

// postcopy over a unix socket, both sides with postcopy-ram: the source is slowed down so that the
// precopy phase is still running when migrate-start-postcopy arrives. The main channel then holds
// POSTCOPY_ADVISE, precopy RAM, a PACKAGED command (POSTCOPY_LISTEN, the device sections, PING,
// POSTCOPY_RUN; no EOF), then the remaining RAM, RAM END and EOF, and no vmdesc (format.md §5.2).
// Same VM as the multifd fixture, whose vmdesc describes it (describedBy).
const POSTCOPY = MULTIFD;
const POSTCOPY_CAPS = [{ capability: 'postcopy-ram', state: true }];
const POSTCOPY_PRECOPY_BANDWIDTH = 32 * 1024;

const FIXTURES = [
  { file: 'q35-migration.bin', kind: 'migration', machine: 'q35', binary: X86, args: Q35 },
  { file: 'pc-migration.bin', kind: 'migration', machine: 'pc', binary: X86, args: PC },
  { file: 'pc-devstate.bin', kind: 'devstate', machine: 'pc', binary: X86, args: PC, describedBy: 'pc-migration.bin' },
  { file: 's390x-migration.bin', kind: 'migration', machine: 's390-ccw-virtio', binary: S390X, args: S390 },
  { file: 'pc-mapped-ram.bin', kind: 'mapped-ram', machine: 'pc', binary: X86, args: MAPPED, migrationCapabilities: MAPPED_CAPS, inputs: [RAM_PATTERN] },
  { file: 'pc-multifd-main.bin', kind: 'multifd-main', machine: 'pc', binary: X86, args: MULTIFD, migrationCapabilities: MULTIFD_CAPS, inputs: [RAM_PATTERN],
    channelFiles: Array.from({ length: MULTIFD_CHANNELS }, (_, i) => `pc-multifd-channel${i}.bin`) },
  { file: 'pc-postcopy-main.bin', kind: 'postcopy-main', machine: 'pc', binary: X86, args: POSTCOPY, migrationCapabilities: POSTCOPY_CAPS, inputs: [RAM_PATTERN], describedBy: 'pc-multifd-main.bin' },
];

// ---------------------------------------------------------------------------------------------
// QEMU inside the chroot

function chrootRun(cmd, args) {
  return execFileSync('chroot', [ROOT, cmd, ...args], { encoding: 'utf8' });
}

function qemuVersion(binary) {
  let out;
  try {
    out = chrootRun(binary, ['--version']);
  } catch (e) {
    throw new Error(`${binary} cannot be run in ${ROOT} (${e.message.split('\n')[0]}); see the header of this script for making the chroot`);
  }
  const m = /QEMU emulator version (\S+)/.exec(out);
  if (!m) throw new Error(`cannot parse ${binary} --version output: ${out}`);
  if (!m[1].startsWith(`${QEMU}.`) && !process.env.ALLOW_ANY_QEMU) {
    throw new Error(`${binary} in ${ROOT} is QEMU ${m[1]}; these fixtures must be made with QEMU ${QEMU} (ALLOW_ANY_QEMU=1 overrides)`);
  }
  return out.split('\n')[0].replace(/^QEMU emulator version /, '');
}

function debianPackages() {
  const out = chrootRun('dpkg-query', ['-W', '-f', '${Package} ${Version}\\n', 'qemu-system-x86', 'qemu-system-s390x', 'qemu-system-common', 'qemu-system-data', 'seabios']);
  return Object.fromEntries(out.trim().split('\n').map((l) => l.split(' ')));
}

/**
 * QEMU in the chroot with a QMP socket: scripts/lib/qemu.mjs startQemu (the one launcher) runs
 * `chroot ROOT BINARY ARGS -qmp unix:/tmp/vmstate-qmp-…/qmp.sock,…` and reaches the socket through
 * ROOT/tmp. Resolves { qmp, proc, exited, close, stderr(), exitCode() }; rejects with QEMU's own
 * message (and .exitCode, .stderr) as soon as QEMU exits during the start.
 */
const startChrootQemu = (binary, args) => startQemu(binary, args, { chroot: ROOT });

const commandLine = (binary, args) =>
  ['chroot', ROOT_VAR, binary, ...args, '-qmp', 'unix:/tmp/vmstate-qmp-<tmp>/qmp.sock,server=on,wait=off']
    .map((w) => (w === ROOT_VAR ? w : shQuote(w))).join(' ');

const cleanStderr = (s) => s.split('\n').map((l) => l.trim()).filter((l) => l && !/has no peer/.test(l)).join('\n');

/** Runs one producing session; QMP commands are logged for the manifest. */
async function makeFixture(spec) {
  const inside = `${WORK}/${spec.file}`;
  rmSync(host(inside), { force: true });
  const q = await startChrootQemu(spec.binary, spec.args);
  const qmpLog = [];
  const run = async (execute, args) => {
    qmpLog.push(args === undefined ? { execute } : { execute, arguments: args });
    try {
      return await q.qmp.execute(execute, args);
    } catch (e) {
      throw Object.assign(new Error(`${spec.file}: QMP ${execute} failed: ${e.message}\n${q.stderr()}`), { qmpError: e.message });
    }
  };
  try {
    const machines = await q.qmp.execute('query-machines'); // read-only, resolves the alias
    const mt = machines.find((m) => m.name === spec.machine || m.alias === spec.machine)?.name ?? null;
    if (spec.kind === 'devstate') {
      await run('xen-save-devices-state', { filename: inside, live: false });
    } else {
      if (spec.migrationCapabilities) await run('migrate-set-capabilities', { capabilities: spec.migrationCapabilities });
      await run('migrate-set-parameters', { 'max-bandwidth': 1073741824 });
      const uri = spec.kind === 'mapped-ram' ? `file:${inside}` : `exec:cat > ${inside}`;
      await run('migrate', { uri });
      qmpLog.push({ execute: 'query-migrate', repeated: 'polled until status "completed"' });
      const st = await waitForMigration(q.qmp);
      if (st.status !== 'completed') throw new Error(`${spec.file}: migration ${st.status}: ${st['error-desc'] ?? ''}\n${q.stderr()}`);
    }
    await q.close();
    return { qmpLog, machineType: mt, stderr: cleanStderr(q.stderr()) };
  } catch (e) {
    q.proc.kill('SIGKILL');
    await q.exited;
    throw e;
  }
}

const MULTIFD_MAGIC = 0x11223344;
const multifdParams = { 'multifd-channels': MULTIFD_CHANNELS };

/** A destination QEMU waiting on unix socket SOCKIN (inside the chroot) for a multifd migration. */
async function multifdDestination(spec, sockIn) {
  rmSync(host(sockIn), { force: true });
  const q = await startChrootQemu(spec.binary, [...spec.args, '-incoming', 'defer']);
  await q.qmp.execute('migrate-set-capabilities', { capabilities: spec.migrationCapabilities });
  await q.qmp.execute('migrate-set-parameters', multifdParams);
  await q.qmp.execute('migrate-incoming', { uri: `unix:${sockIn}` });
  while (!existsSync(host(sockIn))) await sleep(20);
  return q;
}

/** Polls the incoming side until completed/failed (or QEMU exits); returns the status text. */
async function incomingResult(q, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const info = await q.qmp.execute('query-migrate');
      if (info.status === 'completed') return `completed (run state ${(await q.qmp.execute('query-status')).status})`;
      if (info.status === 'failed' || info.status === 'cancelled') return info.status;
      if (Date.now() > deadline) return `timeout (${info.status ?? 'no status'})`;
      await sleep(20);
    }
  } catch {
    return 'exited';
  }
}

/**
 * multifd: source -> tee (this script, on unix socket WORK/tee.sock) -> destination QEMU. Every
 * connection the source opens is recorded (source-to-destination bytes). The main channel starts
 * with "QEVM", each multifd channel with its 64-byte initial packet (be32 magic 0x11223344, be32
 * version 1, 16-byte uuid, u8 channel id, reserved zeros).
 */
async function makeMultifd(spec) {
  const teeIn = `${WORK}/tee.sock`, dstIn = `${WORK}/dst.sock`;
  const dst = await multifdDestination(spec, dstIn);
  const tee = await startRelay(teeIn, dstIn);
  const conns = tee.conns;
  const q = await startChrootQemu(spec.binary, spec.args);
  const qmpLog = [];
  const run = async (execute, args) => {
    qmpLog.push(args === undefined ? { execute } : { execute, arguments: args });
    return q.qmp.execute(execute, args);
  };
  try {
    const machines = await q.qmp.execute('query-machines');
    const mt = machines.find((m) => m.name === spec.machine || m.alias === spec.machine)?.name ?? null;
    await run('migrate-set-capabilities', { capabilities: spec.migrationCapabilities });
    await run('migrate-set-parameters', { ...multifdParams, 'max-bandwidth': 1073741824 });
    await run('migrate', { uri: `unix:${teeIn}` });
    qmpLog.push({ execute: 'query-migrate', repeated: 'polled until status "completed"' });
    const st = await waitForMigration(q.qmp);
    if (st.status !== 'completed') throw new Error(`${spec.file}: migration ${st.status}: ${st['error-desc'] ?? ''}\n${q.stderr()}`);
    const dstStatus = await incomingResult(dst);
    await q.close();
    await dst.close();
    await tee.close();
    const channels = conns.map((c, i) => ({ order: i, bytes: Buffer.concat(c.chunks), backBytes: c.back }));
    const main = channels.filter((c) => c.bytes.length >= 4 && c.bytes.readUInt32BE(0) === 0x5145564d);
    const mfd = channels.filter((c) => c.bytes.length >= 25 && c.bytes.readUInt32BE(0) === MULTIFD_MAGIC);
    if (main.length !== 1 || mfd.length !== MULTIFD_CHANNELS) throw new Error(`${spec.file}: ${channels.length} connections, ${main.length} main, ${mfd.length} multifd`);
    writeFileSync(host(`${WORK}/${spec.file}`), main[0].bytes);
    const channelInfo = [];
    for (const c of mfd) {
      const id = c.bytes[24];
      const file = spec.channelFiles[id];
      writeFileSync(host(`${WORK}/${file}`), c.bytes);
      channelInfo.push({ file, channelId: id, connectionOrder: c.order, size: c.bytes.length, bytesFromDestination: c.backBytes });
    }
    return {
      qmpLog, machineType: mt, stderr: cleanStderr(q.stderr()),
      extra: {
        capture: {
          how: `source migrates to unix:${teeIn}; this script relays every connection to a destination QEMU (same args + -incoming defer, multifd on, multifd-channels ${MULTIFD_CHANNELS}, migrate-incoming unix:${dstIn}) and records the source-to-destination bytes`,
          destinationResult: dstStatus,
          ...(cleanStderr(dst.stderr()) ? { destinationStderr: cleanStderr(dst.stderr()) } : {}),
          mainChannel: { connectionOrder: main[0].order, size: main[0].bytes.length, bytesFromDestination: main[0].backBytes },
          multifdChannels: channelInfo.sort((a, b) => a.channelId - b.channelId),
        },
      },
    };
  } catch (e) {
    q.proc.kill('SIGKILL'); dst.proc.kill('SIGKILL');
    tee.close();
    throw e;
  }
}

/** A unix-socket relay at chroot path SOCKIN to DSTIN recording each connection's bytes both ways. */
async function startRelay(sockIn, dstIn) {
  const conns = [];
  const server = net.createServer((src) => {
    const rec = { chunks: [], back: 0 };
    conns.push(rec);
    const out = net.createConnection(host(dstIn));
    src.on('data', (d) => { rec.chunks.push(Buffer.from(d)); out.write(d); });
    out.on('data', (d) => { rec.back += d.length; src.write(d); });
    src.on('end', () => out.end());
    out.on('end', () => src.end());
    src.on('error', () => out.destroy());
    out.on('error', () => src.destroy());
  });
  rmSync(host(sockIn), { force: true });
  await new Promise((res) => server.listen(host(sockIn), res));
  return { conns, close: () => new Promise((res) => server.close(res)) };
}

/** A destination QEMU waiting on unix socket SOCKIN with capabilities CAPS (and PARAMS). */
async function incomingDestination(spec, sockIn, caps, params) {
  rmSync(host(sockIn), { force: true });
  const q = await startChrootQemu(spec.binary, [...spec.args, '-incoming', 'defer']);
  await q.qmp.execute('migrate-set-capabilities', { capabilities: caps });
  if (params) await q.qmp.execute('migrate-set-parameters', params);
  await q.qmp.execute('migrate-incoming', { uri: `unix:${sockIn}` });
  while (!existsSync(host(sockIn))) await sleep(20);
  return q;
}

/**
 * postcopy: source -> relay -> destination, both with postcopy-ram. The source migrates slowly
 * (max-bandwidth POSTCOPY_PRECOPY_BANDWIDTH) and is switched to postcopy as soon as the migration is
 * active; the main channel's source-to-destination bytes are the fixture.
 */
async function makePostcopy(spec) {
  const relayIn = `${WORK}/relay.sock`, dstIn = `${WORK}/dst.sock`;
  const dst = await incomingDestination(spec, dstIn, spec.migrationCapabilities);
  const relay = await startRelay(relayIn, dstIn);
  const q = await startChrootQemu(spec.binary, spec.args);
  const qmpLog = [];
  const run = async (execute, args) => {
    qmpLog.push(args === undefined ? { execute } : { execute, arguments: args });
    return q.qmp.execute(execute, args);
  };
  try {
    const machines = await q.qmp.execute('query-machines');
    const mt = machines.find((m) => m.name === spec.machine || m.alias === spec.machine)?.name ?? null;
    await run('migrate-set-capabilities', { capabilities: spec.migrationCapabilities });
    await run('migrate-set-parameters', { 'max-bandwidth': POSTCOPY_PRECOPY_BANDWIDTH });
    await run('migrate', { uri: `unix:${relayIn}` });
    qmpLog.push({ execute: 'query-migrate', repeated: 'polled until status "active"' });
    for (let st = ''; st !== 'active'; st = (await q.qmp.execute('query-migrate')).status) {
      if (st === 'completed' || st === 'failed') throw new Error(`${spec.file}: migration ${st} before postcopy could start`);
      await sleep(10);
    }
    await run('migrate-start-postcopy');
    qmpLog.push({ execute: 'query-migrate', repeated: 'polled until status "completed"' });
    const deadline = Date.now() + 120_000;
    let st;
    const seen = new Set();
    for (;;) {
      st = await q.qmp.execute('query-migrate');
      seen.add(st.status);
      if (['completed', 'failed', 'cancelled'].includes(st.status) || Date.now() > deadline) break;
      await sleep(20);
    }
    if (st.status !== 'completed') throw new Error(`${spec.file}: migration ${st.status}: ${st['error-desc'] ?? ''}\n${q.stderr()}`);
    if (!seen.has('postcopy-active')) log(`${spec.file}: postcopy-active was never observed (states: ${[...seen].join(', ')})`);
    const dstStatus = await incomingResult(dst);
    await q.close();
    await dst.close();
    await relay.close();
    if (relay.conns.length !== 1) throw new Error(`${spec.file}: ${relay.conns.length} connections, expected the main channel only`);
    const main = relay.conns[0];
    const bytes = Buffer.concat(main.chunks);
    writeFileSync(host(`${WORK}/${spec.file}`), bytes);
    return {
      qmpLog, machineType: mt, stderr: cleanStderr(q.stderr()),
      extra: {
        capture: {
          how: `source migrates to unix:${relayIn} (max-bandwidth ${POSTCOPY_PRECOPY_BANDWIDTH}, migrate-start-postcopy once active); this script relays the connection to a destination QEMU (same args + -incoming defer, postcopy-ram on, migrate-incoming unix:${dstIn}) and records the source-to-destination bytes`,
          sourceStatesSeen: [...seen],
          destinationResult: dstStatus,
          ...(cleanStderr(dst.stderr()) ? { destinationStderr: cleanStderr(dst.stderr()) } : {}),
          mainChannel: { size: bytes.length, bytesFromDestination: main.back },
        },
      },
    };
  } catch (e) {
    q.proc.kill('SIGKILL'); dst.proc.kill('SIGKILL');
    relay.close();
    throw e;
  }
}

/** Replays the stored postcopy main channel into a fresh destination with postcopy-ram. */
async function replayPostcopy(spec, file) {
  const dstIn = `${WORK}/replay.sock`;
  const dst = await incomingDestination(spec, dstIn, spec.migrationCapabilities);
  const sock = net.createConnection(host(dstIn));
  sock.on('error', () => {});
  sock.on('data', () => {}); // the return path: page requests and acks, ignored
  sock.write(readFileSync(host(`${WORK}/${file}`)));
  const status = await incomingResult(dst);
  const ok = status.startsWith('completed');
  if (!ok) await Promise.race([dst.exited, sleep(10_000)]);
  sock.destroy();
  const exitCode = dst.exitCode();
  await dst.close();
  return { ok, status, exitCode, stderr: cleanStderr(dst.stderr()), recipe: {
    extraArgs: ['-incoming', 'defer'],
    qmp: [{ execute: 'migrate-set-capabilities', arguments: { capabilities: spec.migrationCapabilities } },
      { execute: 'migrate-incoming', arguments: { uri: `unix:${dstIn}` } }],
    then: `one connection, the file written completely and kept open (the destination's return-path messages are read and dropped): ${file}`,
  } };
}

/** Replays the stored main + channel files into a fresh destination QEMU (one connection each). */
async function replayMultifd(spec, files) {
  const dstIn = `${WORK}/replay.sock`;
  const dst = await multifdDestination(spec, dstIn);
  for (const f of files) {
    const sock = net.createConnection(host(dstIn));
    sock.on('error', () => {});
    sock.end(readFileSync(host(`${WORK}/${f}`)));
  }
  const status = await incomingResult(dst);
  const ok = status.startsWith('completed');
  if (!ok) await Promise.race([dst.exited, sleep(10_000)]);
  const exitCode = dst.exitCode();
  await dst.close();
  return { ok, status, exitCode, stderr: cleanStderr(dst.stderr()), recipe: {
    extraArgs: ['-incoming', 'defer'],
    qmp: [{ execute: 'migrate-set-capabilities', arguments: { capabilities: spec.migrationCapabilities } },
      { execute: 'migrate-set-parameters', arguments: multifdParams },
      { execute: 'migrate-incoming', arguments: { uri: `unix:${dstIn}` } }],
    then: `one connection per file, in this order, each written completely then half-closed: ${files.join(', ')}`,
  } };
}

/**
 * Loads chroot file INSIDE into a fresh QEMU configured like SPEC. Migration streams and device-state
 * files via -incoming "exec:cat FILE" (device-state files need send-configuration=off, format.md §2.4);
 * with capabilities via -incoming defer + migrate-set-capabilities + migrate-incoming (file: for
 * mapped-ram). Resolves { ok, status, exitCode, stderr, recipe }.
 */
async function loadBack(spec, inside, { timeoutMs = 60_000 } = {}) {
  const extra = spec.kind === 'devstate' ? ['-global', 'migration.send-configuration=off'] : [];
  const uri = spec.kind === 'mapped-ram' ? `file:${inside}` : `exec:cat ${inside}`;
  const caps = spec.migrationCapabilities ?? [];
  const incoming = caps.length ? 'defer' : uri;
  const args = [...spec.args, ...extra, '-incoming', incoming];
  const recipe = { extraArgs: [...extra, '-incoming', incoming], ...(caps.length ? { qmp: [
    { execute: 'migrate-set-capabilities', arguments: { capabilities: caps } },
    { execute: 'migrate-incoming', arguments: { uri } }] } : {}) };
  let q;
  try {
    q = await startChrootQemu(spec.binary, args);
  } catch (e) {
    return { ok: false, status: 'exited', exitCode: e.exitCode ?? null, stderr: cleanStderr(e.stderr ?? e.message), recipe };
  }
  const done = async (ok, status) => {
    if (!ok && q.exitCode() === null) {
      const t = setTimeout(() => q.proc.kill('SIGKILL'), 10_000); // 10.0 exits(1) after a failed load
      await q.exited;
      clearTimeout(t);
    }
    const exitCode = q.exitCode();
    await q.close();
    return { ok, status, exitCode, stderr: cleanStderr(q.stderr()), recipe };
  };
  try {
    if (caps.length) {
      await q.qmp.execute('migrate-set-capabilities', { capabilities: caps });
      await q.qmp.execute('migrate-incoming', { uri });
    }
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const info = await q.qmp.execute('query-migrate');
      if (info.status === 'completed') {
        const st = await q.qmp.execute('query-status');
        return done(true, `completed (run state ${st.status})`);
      }
      if (info.status === 'failed' || info.status === 'cancelled') return done(false, info.status);
      if (Date.now() > deadline) return done(false, `timeout (${info.status ?? 'no status'})`);
      await sleep(20);
    }
  } catch {
    return done(false, 'exited'); // QMP closed: QEMU exited during the load
  }
}

// ---------------------------------------------------------------------------------------------
// Layout and post-7.2 facts, found by scripts/lib/stream.mjs (the scripts' independent walker)

/**
 * Sets E.layout and E.features10 of manifest entry E from its file in OUT (and the vmdesc JSON of
 * E.describedBy), as scripts/lib/stream.mjs walks them. PATTERN is the RAM pattern the guest was
 * loaded with; sparse(file, size) tells how QEMU wrote a mapped-ram file (only known right after
 * making it: the copy in OUT is not sparse).
 */
function describeFixture(e, pattern, sparse) {
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

// ---------------------------------------------------------------------------------------------

/** Deterministic pseudo-random bytes: SHA-256 in counter mode over a fixed seed. */
function seededBytes(seed, size) {
  const out = Buffer.alloc(size);
  for (let off = 0, i = 0; off < size; i++) off += createHash('sha256').update(`${seed}:${i}`).digest().copy(out, off);
  return out;
}

function ensureProc() {
  if (existsSync(host('/proc/self'))) return () => {};
  execFileSync('mount', ['-t', 'proc', 'proc', host('/proc')]);
  log(`mounted proc on ${host('/proc')}`);
  return () => {
    const r = spawnSync('umount', [host('/proc')]);
    if (r.status === 0) log(`unmounted ${host('/proc')}`);
    else console.error(`umount ${host('/proc')} failed: ${r.stderr}`);
  };
}

/**
 * --relayout: the manifest's layout and features10 recomputed from the committed files, which must
 * still be the ones the manifest describes (size, sha256). Everything else in the manifest is kept,
 * including mapped-ram's `sparse` (how QEMU wrote the file, not visible in the committed copy).
 */
function relayout() {
  const path = join(OUT, 'manifest.json');
  const manifest = JSON.parse(readFileSync(path, 'utf8'));
  const pattern = seededBytes(RAM_PATTERN_SEED, RAM_PATTERN_SIZE);
  for (const e of manifest.fixtures.filter((f) => !ONLY || ONLY.has(f.file))) {
    const buf = readFileSync(join(OUT, e.file));
    if (buf.length !== e.size || sha256(buf) !== e.sha256) throw new Error(`${OUT_REL}/${e.file} is not the file its manifest entry describes (size or sha256 differ)`);
    const sparse = e.features10?.mappedRam?.sparse;
    describeFixture(e, pattern, () => sparse);
    log(`${e.file.padEnd(22)} ${e.layout.records.length} records, ${e.layout.fullSections} FULL sections, EOF at ${e.layout.eofOffset}`);
  }
  writeFileSync(path, JSON.stringify(manifest, null, 2) + '\n');
}

async function main() {
  if (ARGS.relayout) return relayout();
  if (!ROOT) throw new Error(`set ${TARGET.rootEnv} or --root to a Debian ${TARGET.suite} chroot with qemu-system-x86 and qemu-system-s390x (see the header of this script)`);
  if (process.getuid?.() !== 0) throw new Error('must run as root (chroot)');
  const unmount = ensureProc();
  try {
    await build();
  } finally {
    unmount();
  }
}

async function build() {
  const versions = { [X86]: qemuVersion(X86), [S390X]: qemuVersion(S390X) };
  const packages = debianPackages();
  rmSync(host(WORK), { recursive: true, force: true });
  mkdirSync(host(WORK), { recursive: true });
  mkdirSync(OUT, { recursive: true });
  const previous = ONLY && existsSync(join(OUT, 'manifest.json')) ? JSON.parse(readFileSync(join(OUT, 'manifest.json'), 'utf8')) : null;
  const chosen = FIXTURES.filter((f) => !ONLY || ONLY.has(f.file));
  if (ONLY && chosen.length !== ONLY.size) throw new Error(`--only names unknown fixtures; known: ${FIXTURES.map((f) => f.file).join(', ')}`);
  const remade = new Set(chosen.flatMap((f) => [f.file, ...(f.channelFiles ?? [])]));
  for (const f of readdirSync(OUT)) if (f.endsWith('.bin') && (!ONLY || remade.has(f))) rmSync(join(OUT, f));

  const pattern = seededBytes(RAM_PATTERN_SEED, RAM_PATTERN_SIZE);
  writeFileSync(join(OUT, RAM_PATTERN), pattern);
  writeFileSync(host(`${WORK}/${RAM_PATTERN}`), pattern);

  const entries = [];
  for (const spec of chosen) {
    log(`making ${spec.file}`);
    const made = spec.kind === 'multifd-main' ? await makeMultifd(spec) : spec.kind === 'postcopy-main' ? await makePostcopy(spec) : await makeFixture(spec);
    for (const f of [spec.file, ...(spec.channelFiles ?? [])]) {
      copyFileSync(host(`${WORK}/${f}`), join(OUT, f));
      chmodSync(join(OUT, f), 0o644); // QEMU creates some files 0600/0640
    }
    const buf = readFileSync(join(OUT, spec.file));
    entries.push({
      file: spec.file,
      kind: spec.kind,
      machine: spec.machine,
      machineType: made.machineType,
      binary: spec.binary,
      qemuVersion: versions[spec.binary],
      args: spec.args,
      commandLine: commandLine(spec.binary, spec.args),
      qmp: made.qmpLog,
      ...(spec.migrationCapabilities ? { migrationCapabilities: spec.migrationCapabilities } : {}),
      ...(spec.inputs ? { inputs: spec.inputs } : {}),
      size: buf.length,
      sha256: sha256(buf),
      describedBy: spec.describedBy ?? spec.file,
      ...(spec.channelFiles ? { channelFiles: spec.channelFiles } : {}),
      ...(made.extra ?? {}),
      ...(made.stderr ? { producerStderr: made.stderr } : {}),
    });
  }

  // Structure and 10.0-specific facts.
  const sparse = (file, size) => {
    const du = statSync(host(`${WORK}/${file}`)).blocks * 512; // as QEMU wrote it (the copy here is not sparse)
    return { apparentSize: size, diskUsageAsWrittenByQemu: du, holes: du < size };
  };
  for (const e of entries) describeFixture(e, pattern, sparse);

  // Load everything back.
  for (const e of entries) {
    log(`loading back ${e.file}`);
    const spec = FIXTURES.find((f) => f.file === e.file);
    const r = spec.kind === 'multifd-main' ? await replayMultifd(spec, [e.file, ...spec.channelFiles])
      : spec.kind === 'postcopy-main' ? await replayPostcopy(spec, e.file) : await loadBack(spec, `${WORK}/${e.file}`);
    e.loadsBack = r.ok;
    e.loadResult = { status: r.status, exitCode: r.exitCode, recipe: r.recipe, ...(r.stderr ? { stderr: r.stderr } : {}) };
  }

  // Mutations of the 10.0-specific parts: what does QEMU 10.0 say?
  const mutations = [];
  const mutate = async (file, what, offset, value) => {
    const e = entries.find((x) => x.file === file);
    const spec = FIXTURES.find((f) => f.file === file);
    if (!e) return; // not remade in this run (--only): its previous mutations are kept
    const buf = Buffer.from(readFileSync(join(OUT, file)));
    const old = buf[offset];
    buf[offset] = value;
    const name = `mutated-${file}`;
    writeFileSync(host(`${WORK}/${name}`), buf);
    const r = await loadBack(spec, `${WORK}/${name}`);
    rmSync(host(`${WORK}/${name}`));
    mutations.push({ fixture: e.file, mutation: `${what}: byte at ${offset} ${hex(old)} -> ${hex(value)}`, loads: r.ok, status: r.status, exitCode: r.exitCode, stderr: r.stderr });
  };
  const q35 = entries.find((x) => x.file === 'q35-migration.bin');
  const sw = q35?.features10.switchoverStart?.[0];
  if (sw) await mutate(q35.file, 'SWITCHOVER_START cmd 0x000b -> 0x000c', sw.offset + 2, 0x0c);
  if (sw) await mutate(q35.file, 'SWITCHOVER_START len 0 -> 1', sw.offset + 4, 0x01);
  const s390 = entries.find((x) => x.file === 's390x-migration.bin');
  const np = s390?.features10.nullptrEntries?.[0];
  if (np) await mutate(s390.file, `first nullptr placeholder of ${np.device} ${np.field}`, np.offset, 0x31);
  const mr = entries.find((x) => x.file === 'pc-mapped-ram.bin');
  const blk = mr?.features10.mappedRam.blocks[0];
  if (blk) await mutate(mr.file, `mapped-ram header version of block ${blk.name} 1 -> 2`, blk.headerOffset + 3, 0x02);
  const cap = mr?.features10.configurationCapabilities;
  if (cap) await mutate(mr.file, 'configuration/capabilities count 1 -> 0', cap.offset + 1 + 1 + 'configuration/capabilities'.length + 4 + 3, 0x00);

  const manifest = {
    description: `Fixtures made with the real QEMU ${QEMU} (Debian ${TARGET.suite}) by scripts/make-fixtures-qemu10.mjs; regenerate with \`${TARGET.rootEnv}=/path/to/${TARGET.suite}-chroot node scripts/make-fixtures-qemu10.mjs --qemu ${QEMU}\` (see the script header for the chroot).`,
    qemuVersions: versions,
    debianPackages: packages,
    chroot: {
      recipe: [
        `debootstrap --variant=minbase ${TARGET.suite} ${ROOT_VAR} http://deb.debian.org/debian${TARGET.suite === 'forky' ? ' /usr/share/debootstrap/scripts/sid   (an older debootstrap has no forky script; sid\'s is the same)' : ''}`,
        ...(TARGET.suite === 'forky' ? [`echo 'Acquire::Check-Valid-Until "false";' > ${ROOT_VAR}/etc/apt/apt.conf.d/99no-valid-until   (the mirror's Release file had expired)`] : []),
        `chroot ${ROOT_VAR} apt-get install -y --no-install-recommends qemu-system-x86 qemu-system-s390x`,
        `mount -t proc proc ${ROOT_VAR}/proc   (done by the script when needed, unmounted at the end)`,
      ],
    },
    conventions: {
      paths: `args and QMP file names are paths inside the chroot; the script works in ${WORK} (inside the chroot) and copies the results here`,
      qmpSocket: `commandLine shows the -qmp option scripts/lib/qemu.mjs startQemu adds (a fresh directory under the chroot's /tmp, reached from outside through ${ROOT_VAR})`,
      determinism: 'guests never run (-S, TCG), RTC base and MACs are fixed, the RAM pattern is seeded: reruns give identical files, except the multifd channel files (how pages are spread over the channels varies; the main channel does not)',
      kinds: {
        migration: 'QMP migrate to exec:cat: header, configuration, RAM START/PART/END, SWITCHOVER_START command, FULL sections, EOF, vmdesc',
        devstate: 'QMP xen-save-devices-state: header, FULL sections (+footers), EOF; no configuration, no vmdesc',
        'mapped-ram': 'QMP migrate to file: with capability mapped-ram: RAM pages at fixed file offsets (format.md §10)',
        'postcopy-main': 'main channel of a postcopy migration (postcopy-ram on both sides, migrate-start-postcopy during precopy) recorded between a real source and destination: POSTCOPY_ADVISE, precopy RAM, PACKAGED (POSTCOPY_LISTEN, device sections, PING, POSTCOPY_RUN, no EOF), the rest of the RAM, RAM END, EOF; no vmdesc',
        'multifd-main': 'main channel of a multifd migration over a unix socket (a QEVM stream: RAM records are MEM_SIZE, MULTIFD_FLUSH and EOS only; no page records); channelFiles are the multifd channels (not QEVM streams: a 64-byte initial packet = be32 magic 0x11223344, be32 version 1, 16-byte uuid, u8 channel id, 39 reserved zero bytes; then multifd packets carrying the pages)',
      },
      describedBy: 'fixture whose trailing vmdesc JSON describes this file',
      layout: 'offsets found by walking the records with the vmdesc JSON sizes (FULL sections), a RAM record parser and the footers; sections = [offset, idstr, instance_id, version, dataLength]',
      features10: 'the post-7.2 features found in the file; JSON paths are into the vmdesc ("devices[i]/fields[j]/struct/fields[k]"), offsets are byte offsets of the field data in this file',
      loadsBack: `the unmodified file loaded into a fresh QEMU ${QEMU} with the producer\'s arguments (loadResult.recipe) until query-migrate says "completed"`,
      mutations: `single-byte changes of the post-7.2 parts and QEMU ${QEMU}'s verdict on them`,
    },
    nullptrSources: 'In the QEMU 10.0.13 source only VMSTATE_ARRAY_OF_POINTER(_TO_STRUCT) fields can produce "nullptr" entries; their users are s390x s390_css.css (256 CSS image pointers, only the virtual CSS 0xfe is set -> NULL slots), spapr-vlan rx_pool (ppc), clock arrays of bcm2835/npcm7xx/stm32l4x5 and the allwinner-a10 ptimer array (all slots set). No x86 device has one, so the x86 fixtures carry no nullptr; s390x-migration.bin does.',
    ramPattern: { file: RAM_PATTERN, size: RAM_PATTERN_SIZE, seed: `${RAM_PATTERN_SEED} (SHA-256 counter mode)`, loadedAt: hex(RAM_PATTERN_ADDR) },
    mutations: [...(previous?.mutations ?? []).filter((m) => !remade.has(m.fixture)), ...mutations],
    fixtures: [...(previous?.fixtures ?? []).filter((f) => !remade.has(f.file)), ...entries]
      .sort((a, b) => FIXTURES.findIndex((f) => f.file === a.file) - FIXTURES.findIndex((f) => f.file === b.file)),
  };
  writeFileSync(join(OUT, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  rmSync(host(WORK), { recursive: true, force: true });

  for (const e of entries) log(`${e.file.padEnd(22)} ${String(e.size).padStart(9)}  loadsBack=${e.loadsBack}`);
  for (const m of mutations) log(`mutation ${m.fixture}: ${m.mutation} -> loads=${m.loads} ${m.stderr.split('\n')[0]}`);
  if (entries.some((e) => !e.loadsBack)) process.exitCode = 1;
}

main().catch((e) => {
  console.error(`make-fixtures-qemu10: ${e.stack ?? e.message}`);
  process.exit(1);
});
