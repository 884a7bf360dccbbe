// Every real-QEMU fixture decodes with no unexplained bytes and re-encodes byte for byte.
import { describe, expect, it } from 'vitest';
import { fixtureBytes, fixtureDescription, gaps, manifest, roundTripMismatches, scanBytes } from './testing/fixtures.ts';

const fixtures = manifest().fixtures;

describe.each(fixtures)('$file', (fx) => {
  it('decodes exactly with its embedded or matching description, and round-trips', async () => {
    const bytes = fixtureBytes(fx.file);
    const vmdesc = fx.describedBy && fx.describedBy !== fx.file ? await fixtureDescription(fx.describedBy) : undefined;
    const model = await scanBytes(bytes, { vmdesc });
    expect(gaps(model)).toEqual([]);
    expect(model.complete).toBe(true);
    expect(model.problems.filter((p) => p.severity !== 'info')).toEqual([]);
    const sections = model.records.filter((r) => r.kind === 'section');
    expect(sections.length).toBeGreaterThan(10);
    for (const s of sections) {
      expect(s.exact, `${s.idstr} exact`).toBe(true);
      expect(s.decodedBy, `${s.idstr} decodedBy`).not.toBe('none');
    }
    expect(await roundTripMismatches(bytes, model)).toEqual([]);
  });

  it('reports its variant and framing', async () => {
    const model = await scanBytes(fixtureBytes(fx.file));
    const expected = { devstate: 'devstate', 'devstate-xen': 'devstate-xen', colo: 'colo', migration: 'migration', 'migration-xen': 'devstate-xen' }[fx.kind];
    // A Xen-like migration has no configuration section, so it looks like a device-state file
    // that also carries RAM.
    if (fx.kind !== 'migration-xen') expect(model.variant).toBe(expected);
    expect(model.footers).toBe(!fx.kind.endsWith('xen'));
    expect(model.hasHeader).toBe(fx.kind !== 'colo');
  });
});

describe('without any description', () => {
  it('a footer-less Xen file still frames every section by heuristic, display only', async () => {
    const model = await scanBytes(fixtureBytes('pc-xen-devstate.bin'));
    const withDesc = await scanBytes(fixtureBytes('pc-xen-devstate.bin'), { vmdesc: await fixtureDescription('pc-migration.bin') });
    expect(gaps(model)).toEqual([]);
    const offsets = (m: typeof model) => m.records.map((r) => `${r.offset}:${r.size}`);
    expect(offsets(model)).toEqual(offsets(withDesc));
    expect(model.records.filter((r) => r.kind === 'section').every((r) => r.heuristic && r.decodedBy === 'none')).toBe(true);
  });

  it('a file with footers is delimited by them exactly', async () => {
    const model = await scanBytes(fixtureBytes('q35-devstate.bin'));
    const withDesc = await scanBytes(fixtureBytes('q35-devstate.bin'), { vmdesc: await fixtureDescription('q35-migration.bin') });
    expect(model.records.map((r) => r.size)).toEqual(withDesc.records.map((r) => r.size));
    expect(model.records.some((r) => r.heuristic)).toBe(false);
  });
});
