import { describe, expect, it } from 'vitest';
import { fileKey, WHOLE_FILE_LIMIT } from './file-key.ts';

describe('fileKey', () => {
  it('hashes a small file whole: any changed byte changes the key, the name does not matter', async () => {
    const bytes = new Uint8Array(4096).map((_, i) => i * 7);
    const a = await fileKey(new File([bytes], 'a.bin'));
    expect(a).toMatch(/^sha256:4096:[0-9a-f]{64}$/);
    expect(await fileKey(new File([bytes], 'b.bin'))).toBe(a);
    const changed = bytes.slice();
    changed[2048] ^= 1;
    expect(await fileKey(new Blob([changed]))).not.toBe(a);
  });

  it('samples a large file: head, tail and evenly spaced slices, plus the size', async () => {
    const size = WHOLE_FILE_LIMIT + 3 * 1024 * 1024;
    const bytes = new Uint8Array(size).map((_, i) => (i * 31) >> 3);
    const key = await fileKey(new Blob([bytes]));
    expect(key).toMatch(new RegExp(`^sampled-sha256:${size}:[0-9a-f]{64}$`));
    const tail = bytes.slice();
    tail[size - 1] ^= 0xff;
    expect(await fileKey(new Blob([tail]))).not.toBe(key);
    const head = bytes.slice();
    head[10] ^= 0xff;
    expect(await fileKey(new Blob([head]))).not.toBe(key);
    // A byte between the samples is not hashed: restoring checks the edited bytes instead.
    const between = bytes.slice();
    between[1024 * 1024 + 70 * 1024] ^= 0xff;
    expect(await fileKey(new Blob([between]))).toBe(key);
    expect(await fileKey(new Blob([bytes.subarray(0, size - 1)]))).not.toBe(key);
  });
});
