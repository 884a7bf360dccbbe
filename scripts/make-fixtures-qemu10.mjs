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
//   QEMU10_ROOT=/var/tmp/trixie node scripts/make-fixtures-qemu10.mjs --dest-ram
//       (remakes nothing: replays each multifd fixture's committed main + channel files into a
//        destination QEMU and writes what its RAM holds to <name>-dest-ram.json; a run that makes
//        a multifd fixture writes it too)
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
// The parts live in scripts/fixtures10/: context.mjs (arguments, chroot, output), config.mjs (VMs,
// fixture list), chroot-qemu.mjs (QEMU sessions, load-back), channels.mjs (multifd, postcopy),
// facts.mjs (layout and post-7.2 facts from scripts/lib/stream.mjs).
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ARGS, ONLY, OUT, OUT_REL, QEMU, ROOT, ROOT_VAR, S390X, TARGET, WORK, X86, hex, host, log, sha256 } from './fixtures10/context.mjs';
import { DIRTY_ROM, FIXTURES, RAM_PATTERN, RAM_PATTERN_ADDR, RAM_PATTERN_SEED, RAM_PATTERN_SIZE } from './fixtures10/config.mjs';
import { commandLine, debianPackages, ensureProc, loadBack, makeFixture, qemuVersion, seededBytes } from './fixtures10/chroot-qemu.mjs';
import { destinationRam, makeMultifd, makePostcopy, replayMultifd, replayPostcopy } from './fixtures10/channels.mjs';
import { describeFixture } from './fixtures10/facts.mjs';
import { fixtureEntry } from './lib/fixture-entry.mjs';
import { REPO_ROOT } from './lib/qemu.mjs';

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
    if (ARGS['dest-ram']) await writeDestinationRam(JSON.parse(readFileSync(join(OUT, 'manifest.json'), 'utf8')).fixtures);
    else await build();
  } finally {
    unmount();
  }
}

/**
 * The multifd fixtures' oracle: each one's committed main + channel files (checked against the
 * manifest) replayed into a real destination, whose RAM is written as per-page hashes
 * (channels.mjs destinationRam) to <name>-dest-ram.json beside them.
 */
async function writeDestinationRam(entries) {
  mkdirSync(host(WORK), { recursive: true });
  for (const e of entries.filter((x) => x.kind === 'multifd-main')) {
    const spec = FIXTURES.find((f) => f.file === e.file);
    const files = [e.file, ...spec.channelFiles];
    for (const f of [...files, ...(spec.inputs ?? [])]) {
      const buf = readFileSync(join(OUT, f));
      mkdirSync(dirname(host(`${WORK}/${f}`)), { recursive: true });
      const want = f === e.file ? e : e.capture.multifdChannels.find((c) => c.file === f);
      if (want && (buf.length !== want.size || (want.sha256 && sha256(buf) !== want.sha256))) throw new Error(`${OUT_REL}/${f} is not the file the manifest describes`);
      writeFileSync(host(`${WORK}/${f}`), buf);
    }
    log(`destination RAM after replaying ${files.join(', ')}`);
    const ram = await destinationRam(spec, files);
    ram.qemuVersion = qemuVersion(spec.binary);
    writeFileSync(join(OUT, e.file.replace(/-main\.bin$/, '-dest-ram.json')), JSON.stringify(ram, null, 1) + '\n');
    for (const b of ram.blocks) log(`${b.name}: ${b.zeroPages} zero pages, ${Object.keys(b.pages).length} others`);
  }
}

/** The guest programs the fixtures boot (scripts/guests/, GNU as + objcopy), into OUT and WORK. */
function assembleGuest(src, out) {
  const obj = host(`${WORK}/${out}.o`);
  execFileSync('as', ['--32', '-o', obj, join(REPO_ROOT, 'scripts/guests', src)]);
  execFileSync('objcopy', ['-O', 'binary', '-j', '.text', obj, join(OUT, out)]);
  rmSync(obj);
  copyFileSync(join(OUT, out), host(`${WORK}/${out}`));
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
  // Fixtures in a folder of their own (config.mjs DIRTY_DIR) need it here and in the chroot.
  for (const f of chosen.flatMap((x) => [x.file, ...(x.channelFiles ?? []), ...(x.inputs ?? [])])) {
    mkdirSync(dirname(join(OUT, f)), { recursive: true });
    mkdirSync(dirname(host(`${WORK}/${f}`)), { recursive: true });
  }
  if (chosen.some((f) => f.inputs?.includes(DIRTY_ROM))) assembleGuest('x86-dirty.S', DIRTY_ROM);

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
      ...fixtureEntry(spec, { machineType: made.machineType, qemuVersion: versions[spec.binary], commandLine: commandLine(spec.binary, spec.args), qmp: made.qmpLog }),
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
    if (spec.kind === 'multifd-main') await writeDestinationRam([e]);
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
      determinism: 'guests never run (-S, TCG), RTC base and MACs are fixed, the RAM pattern is seeded: reruns give identical files, except the multifd channel files (how pages are spread over the channels varies; the main channel does not) and pc-multifd-dirty-* (its guest runs scripts/guests/x86-dirty.S while it migrates, so its pages and rounds vary)',
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
