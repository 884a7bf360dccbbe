// Migrations over sockets for scripts/make-fixtures-qemu10.mjs: multifd and postcopy recorded
// between a real source and destination, and replayed into a fresh destination.
import net from 'node:net';
import { dirname } from 'node:path';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loggedQmp, machineTypeOf, waitForMigration } from '../lib/qmp.mjs';
import { DEST_RAM_PAGE, destRamDescription, pageHashes } from '../lib/dest-ram.mjs';
import { WORK, host, log, sleep } from './context.mjs';
import { MULTIFD_CHANNELS, POSTCOPY_PRECOPY_BANDWIDTH } from './config.mjs';
import { cleanStderr, startChrootQemu } from './chroot-qemu.mjs';

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
export async function makeMultifd(spec) {
  const teeIn = `${WORK}/tee.sock`, dstIn = `${WORK}/dst.sock`;
  const dst = await multifdDestination(spec, dstIn);
  const tee = await startRelay(teeIn, dstIn);
  const conns = tee.conns;
  const q = await startChrootQemu(spec.binary, spec.args);
  const { run, log: qmpLog } = loggedQmp(q);
  try {
    const mt = await machineTypeOf(q.qmp, spec.machine); // read-only, resolves the alias
    await run('migrate-set-capabilities', { capabilities: spec.migrationCapabilities });
    await run('migrate-set-parameters', { ...multifdParams, 'max-bandwidth': spec.maxBandwidth ?? 1073741824 });
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
export async function makePostcopy(spec) {
  const relayIn = `${WORK}/relay.sock`, dstIn = `${WORK}/dst.sock`;
  const dst = await incomingDestination(spec, dstIn, spec.migrationCapabilities);
  const relay = await startRelay(relayIn, dstIn);
  const q = await startChrootQemu(spec.binary, spec.args);
  const { run, log: qmpLog } = loggedQmp(q);
  try {
    const mt = await machineTypeOf(q.qmp, spec.machine); // read-only, resolves the alias
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
export async function replayPostcopy(spec, file) {
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
export async function replayMultifd(spec, files) {
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

/** pc.ram's size in the multifd VMs (-m 32); pc.bios ends at 4 GiB (SeaBIOS 256 KiB, or the -bios image). */
const DEST_RAM_MB = 32;
const SEABIOS_SIZE = 0x40000;
/**
 * What a real destination QEMU received from the committed main + channel files: the files are
 * replayed as replayMultifd does into a destination whose pc.ram is a shared memory-backend-file
 * (id pc.ram, the block name the source's -m gives, so the migration matches it), then pc.ram is
 * read from that file and pc.bios with pmemsave. The other blocks (fw_cfg ROM blobs) are in no
 * guest-physical address and no file, so they are not dumped. Oracle for src/format/multifd-merge.ts.
 */
export async function destinationRam(spec, files) {
  const dir = `${WORK}/dest-ram-${process.pid}`;
  mkdirSync(host(dir), { recursive: true });
  const ramFile = `${dir}/pc.ram`, biosFile = `${dir}/pc.bios`, dstIn = `${dir}/in.sock`;
  // Input files (the loader's pattern, a -bios image) are decoys of 0xa5 bytes, same size: QEMU does
  // not copy ROM or loader data into RAM on an incoming migration (hw/core/loader.c rom_reset), so
  // what RAM holds must come from the files. -S: a guest that ran on the source stays stopped here.
  let args = spec.args;
  const sizes = {};
  for (const input of spec.inputs ?? []) {
    sizes[input] = statSync(host(`${WORK}/${input}`)).size;
    mkdirSync(dirname(host(`${dir}/${input}`)), { recursive: true });
    writeFileSync(host(`${dir}/${input}`), Buffer.alloc(sizes[input], 0xa5));
    args = args.map((a) => a.replace(`${WORK}/${input}`, `${dir}/${input}`));
  }
  if (!args.includes('-S')) args = [...args, '-S'];
  const biosAt = spec.args.indexOf('-bios');
  const bios = biosAt >= 0 ? sizes[spec.args[biosAt + 1].slice(WORK.length + 1)] : SEABIOS_SIZE;
  const PC_BIOS = { addr: 0x1_0000_0000 - bios, size: bios };
  const backend = ['-object', `memory-backend-file,id=pc.ram,size=${DEST_RAM_MB}M,mem-path=${ramFile},share=on`, '-machine', 'memory-backend=pc.ram'];
  const q = await startChrootQemu(spec.binary, [...args, ...backend, '-incoming', 'defer']);
  try {
    await q.qmp.execute('migrate-set-capabilities', { capabilities: spec.migrationCapabilities });
    await q.qmp.execute('migrate-set-parameters', multifdParams);
    await q.qmp.execute('migrate-incoming', { uri: `unix:${dstIn}` });
    while (!existsSync(host(dstIn))) await sleep(20);
    for (const f of files) {
      const sock = net.createConnection(host(dstIn));
      sock.on('error', () => {});
      sock.end(readFileSync(host(`${WORK}/${f}`)));
    }
    const status = await incomingResult(q);
    if (!status.startsWith('completed')) throw new Error(`destination RAM: the replay ended ${status}\n${q.stderr()}`);
    await q.qmp.execute('pmemsave', { val: PC_BIOS.addr, size: PC_BIOS.size, filename: biosFile });
    const blocks = [
      pageHashes('pc.ram', `the destination's memory-backend-file (mem-path, share=on) after the incoming migration completed`, readFileSync(host(ramFile))),
      pageHashes('pc.bios', `pmemsave val=${PC_BIOS.addr} size=${PC_BIOS.size} on the destination after the incoming migration completed`, readFileSync(host(biosFile))),
    ];
    await q.close();
    return {
      description: destRamDescription('scripts/make-fixtures-qemu10.mjs --dest-ram (scripts/fixtures10/channels.mjs destinationRam)'),
      files, status, pageSize: DEST_RAM_PAGE,
      destination: { inputFiles: (spec.inputs ?? []).map((i) => `${sizes[i]} bytes of 0xa5 in place of ${i}`), extraArgs: [...(spec.args.includes('-S') ? [] : ['-S']), ...backend, '-incoming', 'defer'], qmp: ['migrate-set-capabilities', 'migrate-set-parameters', 'migrate-incoming', 'query-migrate until completed', 'pmemsave'] },
      blocks,
    };
  } catch (e) {
    q.proc.kill('SIGKILL');
    throw e;
  } finally {
    rmSync(host(dir), { recursive: true, force: true });
  }
}
