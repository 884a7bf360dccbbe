import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { warmUp } from './warm-up.ts';

const fixture = (name: string) => new Blob([readFileSync(new URL(`../../public/fixtures/${name}`, import.meta.url))]);

describe('warm-up decode of the default sample', () => {
  it('decodes a real device-state file to the end', async () => {
    expect(await warmUp(fixture('q35-devstate.bin'), new AbortController().signal)).toBe('warmed');
  });

  it('stops when a request arrives, without decoding on', async () => {
    // Counts the reads of the sample; the abort comes with the first one.
    const counted = (onRead: () => void): Blob => {
      const blob = fixture('q35-migration.bin');
      const like = { size: blob.size, slice: (...a: Parameters<Blob['slice']>) => (onRead(), blob.slice(...a)) };
      return like as unknown as Blob;
    };
    let whole = 0;
    expect(await warmUp(counted(() => whole++), new AbortController().signal)).toBe('warmed');
    const stop = new AbortController();
    let stopped = 0;
    expect(await warmUp(counted(() => (stopped++, stop.abort())), stop.signal)).toBe('stopped');
    // Both passes read the header, the tail and the body: an ignored abort reads all of it again.
    expect(whole).toBeGreaterThanOrEqual(4);
    expect(stopped).toBeLessThan(whole / 2);
  });

  it('is harmless when the sample cannot be read', async () => {
    const unreadable = { size: 64, slice: () => { throw new Error('gone'); } } as unknown as Blob;
    expect(await warmUp(unreadable, new AbortController().signal)).toBe('failed');
  });
});
