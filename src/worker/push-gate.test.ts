// The gate between inflate and a queueing decoder in the nested worker (push-gate.ts): pushes
// reach the decoder in order, at most `ahead` unsettled, none while the writer is blocked, and
// Cancel rejects what is held. The oracle is a stand-in decoder that records what it was given
// and settles each push when the test says, and the real gzip program's output through a real
// DecompressionStream behind the gate.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CancelledError } from '../format/errors.ts';
import type { Decoder } from '../format/container/codecs/decoder.ts';
import { gzipDecoder } from '../format/container/codecs/gzip.ts';
import { gatePushes } from './push-gate.ts';
import { seeded } from './testing/seeded.ts';

function standIn() {
  const got: number[] = [];
  const pending: (() => void)[] = [];
  const d: Decoder = {
    slice: 4,
    queued: true,
    push: (chunk) => new Promise<void>((r) => (got.push(chunk[0]), pending.push(r))),
    end: async () => undefined,
    cancel: async () => undefined,
  };
  return { d, got, settleOne: () => pending.shift()?.(), unsettled: () => pending.length };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('the push gate', () => {
  it('passes pushes on in order, at most `ahead` unsettled, none while blocked', async () => {
    const s = standIn();
    let blocked = false;
    const gate = gatePushes(s.d, () => blocked, 2);
    const done: number[] = [];
    const pushes = [1, 2, 3, 4, 5].map((n) => gate.decoder.push(new Uint8Array([n])).then(() => void done.push(n)));
    await tick();
    expect(s.got).toEqual([1, 2]);
    s.settleOne();
    await tick();
    expect(s.got).toEqual([1, 2, 3]);
    expect(done).toEqual([1]);
    blocked = true;
    s.settleOne();
    await tick();
    expect(s.got).toEqual([1, 2, 3]); // the writer lags: nothing more goes in
    blocked = false;
    gate.open();
    await tick();
    expect(s.got).toEqual([1, 2, 3, 4]);
    while (s.unsettled() > 0 || done.length < 5) {
      s.settleOne();
      await tick();
    }
    await Promise.all(pushes);
    expect(s.got).toEqual([1, 2, 3, 4, 5]);
    expect(done).toEqual([1, 2, 3, 4, 5]);
  });

  it('Cancel rejects the held pushes with CancelledError and passes none on', async () => {
    const s = standIn();
    const gate = gatePushes(s.d, () => true, 2);
    const held = gate.decoder.push(new Uint8Array([1]));
    gate.cancel();
    await expect(held).rejects.toBeInstanceOf(CancelledError);
    await expect(gate.decoder.push(new Uint8Array([2]))).rejects.toBeInstanceOf(CancelledError);
    expect(s.got).toEqual([]);
  });

  it('a real DecompressionStream behind the gate gives what gzip compressed (4 MiB of seeded bytes, seed 5)', async () => {
    const data = seeded(5, 4 << 20);
    const gz = new Uint8Array(spawnSync('gzip', ['-1c'], { input: data, maxBuffer: 1 << 30 }).stdout);
    const out: Uint8Array[] = [];
    // Node's stream reads a chunk after its write settled, so it gets copies (gzip.ts).
    const gate = gatePushes(gzipDecoder((c) => void out.push(c.slice()), true), () => false);
    const pushes = [];
    for (let p = 0; p < gz.length; p += 32 << 10) pushes.push(gate.decoder.push(gz.subarray(p, p + (32 << 10))));
    await Promise.all(pushes);
    await gate.decoder.end();
    expect(Buffer.compare(Buffer.concat(out), data)).toBe(0);
  });
});
