import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { memorySource } from '../format/byte-source.ts';
import { libraryFor } from './library-fetch.ts';
import { preliminaryFirst, preliminaryModel } from './preliminary.ts';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../../public/fixtures/${name}`, import.meta.url)));

/** Real streams of QEMU 7.2, 10.0 and 11.1 on x86 pc/q35, aarch64 virt and s390x, with their JSON description. */
const STREAMS = ['q35-migration.bin', 'pc-migration.bin', 'virt-migration.bin', 'qemu10/q35-migration.bin', 'qemu10/s390x-migration.bin', 'qemu11/pc-migration.bin', 'diff/qemu10-migration.bin'];

describe('devices first without waiting for the library', () => {
  it.each(STREAMS)('%s: the model equals the one decoded with the library, which is never asked for', async (name) => {
    const source = memorySource(fixture(name));
    let asked = 0;
    const got = await preliminaryFirst(source, () => {
      asked++;
      return libraryFor(source);
    });
    const withLibrary = await preliminaryModel(source, await libraryFor(source));
    if (!got.ok) throw new Error(got.reason);
    expect(got.model.records.filter((r) => r.kind === 'section').length).toBeGreaterThan(5);
    expect(asked).toBe(0);
    expect(got).toEqual(withLibrary);
  });

  it('asks for the library when a section does not decode with its own description, and then decodes as before', async () => {
    // q35-migration.bin with one rule broken: the vmdesc names the CPUs' poll_control_msr
    // subsection "...msX" (same length, so the device sizes still lead to every header), and the
    // strict vmdesc decode of each CPU stops at the subsection the bytes name.
    const bytes = fixture('q35-migration.bin');
    const text = new TextDecoder('latin1').decode(bytes);
    const from = text.lastIndexOf('{"page_size"');
    const renamed = text.slice(from).replaceAll('"cpu/poll_control_msr"', '"cpu/poll_control_msX"');
    expect(renamed).not.toBe(text.slice(from));
    const edited = new Uint8Array(bytes);
    edited.set(Uint8Array.from(renamed, (ch) => ch.charCodeAt(0)), from);
    const source = memorySource(edited);
    let asked = 0;
    const got = await preliminaryFirst(source, () => {
      asked++;
      return libraryFor(source);
    });
    if (!got.ok) throw new Error(got.reason);
    expect(asked).toBe(1);
    const cpus = got.model.records.filter((r) => r.kind === 'section' && r.idstr === 'cpu');
    expect(cpus.length).toBeGreaterThan(0);
    for (const r of cpus) expect(r.decodedBy).toBe('bundled');
    expect(got).toEqual(await preliminaryModel(source, await libraryFor(source)));
    // Without the library those sections are not decoded: asking for it was needed.
    const own = await preliminaryModel(source);
    if (!own.ok) throw new Error(own.reason);
    expect(own.model.records.filter((r) => r.kind === 'section' && r.idstr === 'cpu').every((r) => r.decodedBy !== 'bundled' && r.decodedBy !== 'vmdesc')).toBe(true);
  });
});
