// One fuzz case as a user meets it (scripts/fuzz.ts, src/cli/fuzz.test.ts): a supplied description
// loaded as --vmdesc loads it, the file scanned with the bundled library, the section table
// printed. Lives in cli because the table is the CLI's.
import { memorySource, type ByteSource } from '../format/byte-source.ts';
import { inflate } from '../format/container/inflate.ts';
import { qcow2StateSource } from '../format/container/qcow2.ts';
import { sniffContainer } from '../format/container/sniff.ts';
import type { ContainerInfo } from '../format/container/types.ts';
import { DecodeError } from '../format/errors.ts';
import { bundledLibrary } from '../format/library-bundled.ts';
import type { FuzzCase } from '../format/testing/fuzz-cases.ts';
import { checkHostileSource, problemFault } from '../format/testing/hostile.ts';
import { loadDescription, type Vmdesc } from '../format/vmdesc.ts';
import { nodeDecoder } from './node-codecs.ts';
import { printTable } from './print.ts';

/** Decompressed streams in a fuzz case stop here: far above every fixture's, far below memory. */
const MAX_INFLATED = 64 << 20;

/**
 * A container file as the CLI opens it (container-open.ts), in memory: its own records' problems
 * checked, then its stream as a source. A string says what broke; null: nothing more to check.
 */
async function openContainer(bytes: Uint8Array): Promise<{ source: ByteSource; container?: string } | string | null> {
  const file = memorySource(bytes);
  let info: ContainerInfo | null;
  try {
    info = await sniffContainer(file);
  } catch (e) {
    if (!(e instanceof DecodeError)) return `container: exception ${(e as Error).stack ?? e}`;
    return problemFault(e.toProblem(), bytes.length);
  }
  // Damage that hides the container leaves a file read as a bare stream, as the CLI would.
  if (!info) return { source: file };
  for (const p of [...info.problems, ...info.records.flatMap((r) => r.problems)]) {
    const bad = problemFault(p, bytes.length);
    if (bad) return `${info.kind} container: ${bad}`;
  }
  const { offset, size, codec } = info.inner;
  try {
    if (codec === 'raw') return { source: memorySource(bytes.subarray(offset, offset + size)), container: info.kind };
    if (codec === 'mapped') return info.qcow2?.chosen === undefined ? null : { source: await qcow2StateSource(file, info), container: info.kind };
    if (codec !== 'gzip') return null;
    const chunks: Uint8Array[] = [];
    const r = await inflate(file, offset, size, codec, (chunk) => void chunks.push(chunk.slice()), { limits: { maxBytes: MAX_INFLATED }, decoder: nodeDecoder });
    if (r.problem) {
      const bad = problemFault(r.problem, bytes.length);
      if (bad) return `${info.kind} container, ${codec}: ${bad}`;
    }
    return { source: memorySource(Buffer.concat(chunks)), container: `${info.kind} (${codec})` };
  } catch (e) {
    if (!(e instanceof DecodeError)) return `${info.kind} container: exception ${(e as Error).stack ?? e}`;
    return problemFault(e.toProblem(), bytes.length);
  }
}

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
  const opened = c.container ? await openContainer(c.bytes) : { source: memorySource(c.bytes) };
  if (typeof opened === 'string' || opened === null) return opened;
  const { model, failure } = await checkHostileSource(opened.source, { vmdesc, library: bundledLibrary() });
  if (failure) return `${opened.container ? `stream in ${opened.container}: ` : ''}${failure}`;
  const table = printTable(model!).split('\n').find((l) => !/^[\x20-\x7e]*$/.test(l));
  return table === undefined ? null : `the section table prints raw file text: ${JSON.stringify(table)}`;
}

