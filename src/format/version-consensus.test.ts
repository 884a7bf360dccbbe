// The order settleVersions tries versions in (newest first) without building an ICU collator: the
// same order as localeCompare's numeric collation gives, which it replaced.
import { describe, expect, it } from 'vitest';
import { byNewest } from './version-consensus.ts';
import { prng } from './testing/fixtures.ts';

describe('byNewest', () => {
  it('orders QEMU versions as numeric collation does, newest first', () => {
    const seed = 20261204;
    const rnd = prng(seed);
    const pool = ['7.2', '10.0', '11.1', '8.2', '9.0', '10.1', '2.12', '11.0', '7.10', '10', '10.0.1'];
    for (let n = 0; n < 200; n++) {
      const list = pool.filter(() => rnd() < 0.6).sort(() => rnd() - 0.5);
      const expected = [...list].sort((a, b) => b.localeCompare(a, 'en', { numeric: true }));
      expect([...list].sort(byNewest), `seed ${seed} case ${n}`).toEqual(expected);
    }
    expect(['7.2', '11.1', '10.0'].sort(byNewest)).toEqual(['11.1', '10.0', '7.2']);
  });
});
