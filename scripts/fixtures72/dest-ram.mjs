// `node scripts/make-fixtures.mjs --dest-ram A.bin,B.bin`: what a real QEMU 7.2 destination's guest
// RAM holds after loading committed migration fixtures, as per-page hashes in NAME-dest-ram.json
// beside them (the same form as the 10.0/11.1 multifd ones: scripts/lib/dest-ram.mjs). Oracle for
// the CLI's `ram` command on plain precopy streams (src/cli/ram-command.test.ts).
// The destination is the fixture's own command line (scripts/lib/qemu.mjs loadIntoQemu) with
// pc.ram in a shared memory-backend-file (id pc.ram, the block name -m gives, so the stream's
// block matches it), read after the load; pc.bios and pc.rom are read with pmemsave. Input files
// (the loader's pattern, a -bios image) are replaced by decoys of 0xa5 bytes of the same size:
// QEMU 7.2 copies no ROM or loader data into memory while it waits for an incoming migration
// (hw/core/loader.c rom_reset, RUN_STATE_INMIGRATE), so the pages must come from the stream.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { destRamDescription, DEST_RAM_PAGE, pageHashes } from '../lib/dest-ram.mjs';
import { FIXTURES_DIR, REPO_ROOT, fixtureEntry, loadIntoQemu } from '../lib/qemu.mjs';
import { FIX_REL } from './config.mjs';

/** pc.rom: the option-ROM area below the BIOS (hw/i386/pc.c PC_ROM_MIN_VGA .. PC_ROM_MAX). */
const PC_ROM = { addr: 0xc0000, size: 0x20000 };

/**
 * `name`: a fixture of public/fixtures/manifest.json, or with `entry` (its manifest entry) one of
 * another folder's manifest, its `name` relative to public/fixtures.
 */
export async function destinationRam72(name, e = fixtureEntry(name)) {
  const m = e.args.indexOf('-m');
  const ramMiB = Number(e.args[m + 1]);
  if (m < 0 || !Number.isInteger(ramMiB)) throw new Error(`${name}: no -m N in its command line`);
  const dir = mkdtempSync(join(tmpdir(), 'vmstate-dest-ram-'));
  try {
    const decoys = {};
    for (const input of e.inputs ?? []) {
      const path = join(dir, input);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, Buffer.alloc(statSync(join(FIXTURES_DIR, input)).size, 0xa5));
      decoys[`${FIX_REL}/${input}`] = path;
    }
    const mapArgs = (a) => Object.entries(decoys).reduce((s, [from, to]) => s.replace(from, to), a);
    const ramFile = join(dir, 'pc.ram');
    const backend = ['-object', `memory-backend-file,id=pc.ram,size=${ramMiB}M,mem-path=${ramFile},share=on`, '-machine', 'memory-backend=pc.ram'];
    const r = await loadIntoQemu(join(FIXTURES_DIR, name), name, { extraArgs: backend, mapArgs, entry: e });
    try {
      if (!r.ok) throw new Error(`${name}: the destination did not load it (${r.status}): ${r.stderr}`);
      const biosAt = e.args.indexOf('-bios');
      const biosSize = biosAt >= 0 ? statSync(join(REPO_ROOT, e.args[biosAt + 1])).size : 0x40000;
      const bios = { addr: 0x1_0000_0000 - biosSize, size: biosSize };
      const dump = async (region, file) => {
        await r.qmp.execute('pmemsave', { val: region.addr, size: region.size, filename: join(dir, file) });
        return readFileSync(join(dir, file));
      };
      const blocks = [
        pageHashes('pc.ram', `the destination's memory-backend-file (mem-path, share=on) after the incoming migration completed`, readFileSync(ramFile)),
        pageHashes('pc.bios', `pmemsave val=${bios.addr} size=${bios.size} on the destination after the incoming migration completed`, await dump(bios, 'pc.bios')),
        pageHashes('pc.rom', `pmemsave val=${PC_ROM.addr} size=${PC_ROM.size} on the destination after the incoming migration completed (PAM at reset: reads go to the PCI space, where pc.rom is)`, await dump(PC_ROM, 'pc.rom')),
      ];
      return {
        description: destRamDescription('scripts/make-fixtures.mjs --dest-ram (scripts/fixtures72/dest-ram.mjs)'),
        files: [basename(name)], status: r.status, pageSize: DEST_RAM_PAGE,
        destination: {
          inputFiles: (e.inputs ?? []).map((i) => `${statSync(join(FIXTURES_DIR, i)).size} bytes of 0xa5 in place of ${i}`),
          extraArgs: [...backend.map((a) => a.replace(dir, '<tmpdir>')), '-incoming', 'exec:cat FILE'],
          qmp: ['query-migrate until completed', 'pmemsave'],
        },
        blocks,
        qemuVersion: e.qemuVersion,
      };
    } finally {
      await r.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
