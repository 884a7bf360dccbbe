// One fuzz case as a user meets it (scripts/fuzz.ts, src/cli/fuzz.test.ts): a supplied description
// loaded as --vmdesc loads it, the file scanned with the bundled library, the section table
// printed. Lives in cli because the table is the CLI's.
import { memorySource } from '../format/byte-source.ts';
import { DecodeError } from '../format/errors.ts';
import { bundledLibrary } from '../format/library-bundled.ts';
import type { FuzzCase } from '../format/testing/fuzz-cases.ts';
import { checkHostile, problemFault } from '../format/testing/hostile.ts';
import { loadDescription, type Vmdesc } from '../format/vmdesc.ts';
import { printTable } from './print.ts';

/** Runs one case; returns what broke, or null. */
export async function runCase(c: FuzzCase): Promise<string | null> {
  let vmdesc: Vmdesc | undefined;
  if (c.supplied !== undefined) {
    const text = new TextEncoder().encode(c.supplied);
    try {
      vmdesc = await loadDescription(memorySource(text));
    } catch (e) {
      if (!(e instanceof DecodeError)) return `supplied description: exception ${(e as Error).stack ?? e}`;
      return problemFault(e.toProblem(), text.length);
    }
  }
  const { model, failure } = await checkHostile(c.bytes, { vmdesc, library: bundledLibrary() });
  if (failure) return failure;
  const table = printTable(model!).split('\n').find((l) => !/^[\x20-\x7e]*$/.test(l));
  return table === undefined ? null : `the section table prints raw file text: ${JSON.stringify(table)}`;
}

