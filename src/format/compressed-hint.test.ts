// The page's words for a compressed stream dropped as one (session.ts adds them to the model): the
// scan's own "Not a QEMU migration stream ... found 1f 8b" kept, the compressor and the command after
// it. The CLI refuses the same files with the same hint (cli.test.ts, which runs the command).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { memorySource } from './byte-source.ts';
import { compressedHint, withCompressedHint } from './compressed-hint.ts';
import { scanStream } from './scan.ts';
import { FIXTURE_DIR } from './testing/fixtures.ts';

describe('compressed-stream hint', () => {
  it('joins the hint to the bad-magic problem of a gzip file, and leaves a real stream alone', async () => {
    const stream = readFileSync(join(FIXTURE_DIR, 'pc-devstate.bin'));
    const gz = memorySource(new Uint8Array(gzipSync(stream)));
    const { model } = await scanStream(gz);
    const hinted = await withCompressedHint(model, gz, 'vm.gz');
    expect(hinted.problems).toHaveLength(1);
    expect(hinted.problems[0].message).toBe(`${model.problems[0].message}; it is a gzip-compressed file (as \`migrate "exec:gzip -c > FILE"\` writes one), not a QEMU stream: decompress it first, \`gzip -dc vm.gz > vm.bin\`, and open that`);
    expect(model.problems[0].message).toMatch(/found 1f 8b/);
    const plain = memorySource(new Uint8Array(stream));
    const clean = (await scanStream(plain)).model;
    expect(await withCompressedHint(clean, plain, 'pc-devstate.bin')).toBe(clean);
  });

  it('names the output beside the input, quoted for the shell where needed', () => {
    const xz = new Uint8Array([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0, 0]);
    expect(compressedHint(xz, '/srv/state.bin.xz')).toMatch(/`xz -dc \/srv\/state\.bin\.xz > \/srv\/state\.bin`/);
    expect(compressedHint(xz, "it's here")).toMatch(/`xz -dc 'it'\\''s here' > 'it'\\''s here\.bin'`/);
    expect(compressedHint(new Uint8Array([0x51, 0x45, 0x56, 0x4d]), 'vm.gz')).toBeNull();
  });
});
