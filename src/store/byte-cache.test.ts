import { describe, expect, it } from 'vitest';
import { ByteCache, PAGE_SIZE } from './byte-cache.ts';

/** A fetch whose answers the test hands out one by one, and a frame the test runs by hand. */
function setup(pages = 100) {
  const asked: number[] = [];
  const answers = new Map<number, () => void>();
  const fetch = (offset: number, length: number) =>
    new Promise<Uint8Array>((resolve) => {
      const p = offset / PAGE_SIZE;
      asked.push(p);
      answers.set(p, () => resolve(new Uint8Array(length).fill(p)));
    });
  const frames: (() => void)[] = [];
  const cache = new ByteCache(pages * PAGE_SIZE, fetch, 128, (fn) => frames.push(fn));
  const answer = async (p: number) => {
    answers.get(p)!();
    answers.delete(p);
    await new Promise((r) => setTimeout(r, 0));
  };
  return { cache, asked, answer, frames };
}

describe('ByteCache', () => {
  it('peek never loads; want asks for the missing pages, a few at a time', async () => {
    const { cache, asked, answer } = setup();
    expect(cache.peek(0)).toBeUndefined();
    expect(asked).toEqual([]);
    cache.want(0, 10 * PAGE_SIZE);
    expect(asked).toEqual([0, 1, 2, 3]);
    await answer(1);
    expect(asked).toEqual([0, 1, 2, 3, 4]);
    expect(cache.peek(PAGE_SIZE + 5)).toEqual(new Uint8Array(PAGE_SIZE).fill(1));
  });

  it('forgets pages an earlier want queued once the view has moved on', async () => {
    const { cache, asked, answer } = setup();
    cache.want(0, 10 * PAGE_SIZE);
    cache.want(50 * PAGE_SIZE, 52 * PAGE_SIZE);
    for (const p of [0, 1, 2, 3]) await answer(p);
    // Pages 4-9 were never asked for: only the rows now shown are.
    expect(asked).toEqual([0, 1, 2, 3, 50, 51]);
    // Pages already cached or on their way are not asked for twice.
    cache.want(0, 2 * PAGE_SIZE);
    expect(asked).toEqual([0, 1, 2, 3, 50, 51]);
  });

  it('tells its listeners once per frame however many pages arrived in it', async () => {
    const { cache, answer, frames } = setup();
    let calls = 0;
    cache.subscribe(() => calls++);
    cache.want(0, 3 * PAGE_SIZE);
    const before = cache.getVersion();
    await answer(0);
    await answer(1);
    expect(frames).toHaveLength(1);
    expect(calls).toBe(0);
    frames.shift()!();
    expect(calls).toBe(1);
    expect(cache.getVersion()).toBe(before + 1);
    await answer(2);
    expect(frames).toHaveLength(1);
  });
});
