// vmstate-explorer command line: a thin front end over src/format. The commands and options are in
// args.ts (parsed strictly); files open through the container layer (container-open.ts), so a
// libvirt, xl or qcow2 image is inspected, checked and edited like a bare stream.
// Start-up (issue #10): only args.ts is imported up front; each command imports what it uses when
// it runs, so `--version` compiles none of it and `inspect` none of the editing or comparing code.
import { existsSync } from 'node:fs';
import type { AnalyzeDialect } from '../format/analyze-format.ts';
import type { ByteSource } from '../format/byte-source.ts';
import type { DescriptionLibrary } from '../format/descriptions.ts';
import type { Problem } from '../format/errors.ts';
import type { StreamModel } from '../format/model.ts';
import type { Vmdesc } from '../format/vmdesc.ts';
import { parseArgs, USAGE, UsageError, version, type CliOptions } from './args.ts';

export { parseArgs, USAGE } from './args.ts';

type Options = { vmdesc?: Vmdesc; library?: DescriptionLibrary };

/**
 * The supplied description, and the description libraries when the file needs them: only a file
 * without an embedded description does, and reading the libraries costs start-up time. `arch`:
 * only the libraries of the file's architecture, when their pack is there (tableScan).
 */
export async function loadOptions(o: CliOptions, file: ByteSource | null, arch = false): Promise<Options & { narrowed?: boolean }> {
  let vmdesc: Vmdesc | undefined;
  const descPath = o.values.vmdesc;
  const { loadDescription, locateVmdesc } = await import('../format/vmdesc.ts');
  if (descPath !== undefined) {
    // Through the container layer: a libvirt, xl or qcow2 image gives the description of the
    // stream inside it (its own bytes were read as broken JSON: "UTF-8 text ...; found byte 0x80").
    const { openInput } = await import('./container-open.ts');
    const input = await openInput(descPath);
    try {
      vmdesc = await loadDescription(input.stream);
    } catch (e) {
      throw new Error(`${descPath}: ${(e as Error).message}`);
    } finally {
      await input.close();
    }
  }
  if (o.values['no-library'] || (file && (await locateVmdesc(file)))) return { vmdesc };
  const { archLibrary, diskLibrary } = await import('./library-files.ts');
  const narrow = arch && file && file.size <= NARROW_MAX ? await archLibrary(file) : null;
  return narrow ? { vmdesc, library: narrow, narrowed: true } : { vmdesc, library: await diskLibrary() };
}

/**
 * Files up to this size are decoded for the table with their architecture's libraries first: the
 * libraries' share of the work, and so the gain, is a small file's; a damaged file is scanned
 * twice (tableScan), which a multi-GiB stream without a description of its own should not be.
 */
const NARROW_MAX = 16 << 20;

/**
 * The scan behind the section table and `check`, which print neither field trees, likely QEMU
 * versions (their trial decodes are skipped: ~4% of a small file's run) nor which machines'
 * descriptions decoded a section: decoded with the libraries of the file's architecture
 * (library-files.ts archLibrary), as the page decodes it. Where that decode has anything to
 * report (a problem, a section no description framed) the file is scanned again with every
 * library, so what is reported is what every library gives; a clean decode gives the same table
 * (arch-library.test.ts compares both on every device-state fixture).
 */
async function tableScan(o: CliOptions, source: ByteSource): Promise<StreamModel> {
  const { scanStream } = await import('../format/scan.ts');
  const { narrowed, ...opts } = await loadOptions(o, source, true);
  const { model } = await scanStream(source, { ...opts, versions: false });
  if (!narrowed || isClean(model)) return model;
  return (await scanStream(source, { ...(await loadOptions(o, source)), versions: false })).model;
}

/** Nothing to report: no problem anywhere, every device section decoded by a description. */
const isClean = (m: StreamModel) =>
  m.problems.length === 0 && m.records.every((r) => r.problems.length === 0 && !r.heuristic && (r.kind !== 'section' || (r.sectionType !== 'full' && r.sectionType !== 'start') || (r.decodedBy ?? 'none') !== 'none'));

/** Refuses an output that exists, in one line, before any work is done. */
function refuseExisting(path: string | undefined, what: string): void {
  if (path !== undefined && existsSync(path)) throw new Error(`${path} already exists: ${what} is never overwritten; remove it or name another file`);
}

/** Node's file errors as one line: "FILE: no such file or directory". */
function fileError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'EEXIST' && err.path) return `${err.path} already exists: it is never overwritten; remove it or name another file`;
  if (err.syscall && err.path && err.code) return `${err.path}: ${err.message.replace(/^\w+: /, '').replace(/, \w+( '.*')?$/, '')}`;
  return err.message.split('\n')[0];
}

/** --analyze-version: which QEMU's analyze-migration.py to imitate (default: detected). */
function analyzeDialect(o: CliOptions, ANALYZE_DIALECTS: readonly AnalyzeDialect[]): AnalyzeDialect | undefined {
  const v = o.values['analyze-version'];
  if (v === undefined) return undefined;
  if (!ANALYZE_DIALECTS.includes(v as AnalyzeDialect)) throw new UsageError(`--analyze-version must be one of ${ANALYZE_DIALECTS.join(', ')}`);
  return v as AnalyzeDialect;
}

export async function main(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s), err: (s: string) => void = (s) => process.stderr.write(s)): Promise<number> {
  try {
    const o = parseArgs(argv);
    if (o.values.help) {
      out(USAGE + '\n');
      return 0;
    }
    if (o.values.version) {
      out(version() + '\n');
      return 0;
    }
    const { command, positional: [file, ...rest] } = o as Required<CliOptions>;
    const { openInput, splitSnapshot } = await import('./container-open.ts');
    const output = o.values.output;
    if (output !== undefined && (output === file || output === splitSnapshot(file).path)) throw new UsageError('-o must name a new file: the original is never changed');
    refuseExisting(output, 'the output');
    refuseExisting(o.values['save-patch'], 'a patch file');
    if (command === 'diff') return await diff(file, rest[0], o, out, err);
    if (command === 'ram') return await ram(file, rest, o, out, err);
    if (command === 'check' && o.values.target !== undefined) return await checkTarget([file, ...rest], o.values.target, await loadOptions(o, null), out);
    const input = await openInput(file);
    try {
      const { stream: source, container } = input;
      const { formatProblem } = await import('../format/errors.ts');
      // An image whose error left no stream at all (a snapshot that is not there, a header cut
      // short) reports that error alone, not also "found an empty file" for the stream it lacks.
      const noStream = source.size === 0 && !!container?.problems.some((p) => p.severity === 'error');
      const problems = (m: { problems: Problem[] }) => [...(container?.problems ?? []), ...(noStream ? [] : m.problems)];
      const needs = () => loadOptions(o, source);
      const { scanStream } = await import('../format/scan.ts');
      switch (command) {
        case 'inspect': {
          const format = o.values.json ? 'json' : (o.values.format ?? 'table');
          // The table shows no likely QEMU versions: tableScan skips their trial decodes (~4% of a small
          // file's run) and reads with the file's architecture's libraries.
          let model: StreamModel;
          if (format === 'table') model = await tableScan(o, source);
          else {
            const opts = await needs();
            const scanned = (await scanStream(source, opts)).model;
            // Fields are printed as the likely QEMU version's layouts read them (likely-layouts.ts).
            model = (await (await import('../format/likely-layouts.ts')).likelyLayouts(scanned, source, opts.library)).model;
          }
          const { modelJson, printTable } = await import('./print.ts');
          const { containerJson, printContainer } = await import('./container-commands.ts');
          if (format === 'json') out(JSON.stringify(container ? { container: containerJson(container), ...(modelJson(model) as object) } : modelJson(model), null, 1) + '\n');
          else if (format === 'analyze') {
            const { ANALYZE_DIALECTS, analyzeJson, formatAnalyze } = await import('../format/analyze-format.ts');
            out(formatAnalyze(await analyzeJson(model, source, analyzeDialect(o, ANALYZE_DIALECTS))) + '\n');
          } else out((container ? printContainer(container) : '') + printTable(model));
          return firstError(problems(model), err, format === 'table', formatProblem) ? 1 : 0;
        }
        case 'check': {
          const model = await tableScan(o, source);
          for (const p of problems(model)) err(formatProblem(p) + '\n');
          const all = problems(model);
          out(`${file}: ${model.records.length} records, ${all.filter((p) => p.severity === 'error').length} errors, ${all.filter((p) => p.severity === 'warning').length} warnings\n`);
          return problems(model).some((p) => p.severity === 'error') ? 1 : 0;
        }
        case 'snapshots':
          if (!container?.qcow2) throw new UsageError(`${file} is not a qcow2 image`);
          out((await import('./container-commands.ts')).printSnapshots(container));
          return 0;
        case 'extract':
        case 'xml': {
          if (!container) throw new UsageError(`${file} is a bare QEMU stream, not a libvirt, xl or qcow2 image`);
          for (const p of container.problems) err(formatProblem(p) + '\n');
          if (command === 'xml') {
            // An xl or qcow2 image has no domain XML: said so (it exited 1 with nothing printed).
            if (container.kind !== 'libvirt') throw new UsageError(`${file} is ${container.kind === 'xl' ? 'an xl' : `a ${container.kind}`} image, not a libvirt save image: it has no domain XML`);
            if (!container.libvirt?.xml) return 1;
            out(container.libvirt.xml.endsWith('\n') ? container.libvirt.xml : container.libvirt.xml + '\n');
            return 0;
          }
          out(`wrote ${output} (${await (await import('./container-commands.ts')).extractStream(input, output!)} bytes of QEMU stream)\n`);
          return container.problems.some((p) => p.severity === 'error') ? 1 : 0;
        }
        default: {
          const { containerAssignment } = await import('./container-commands.ts');
          const { isContainerPath } = await import('../format/container/field-edit.ts');
          const { headerAssignment, runEdits } = await import('./edit-commands.ts');
          const { readFile, rm } = await import('node:fs/promises');
          const pairs = command === 'set'
            ? rest.map((a): [string, string] => {
                const eq = a.indexOf('=');
                if (eq < 0) throw new UsageError(`expected PATH=VALUE, got "${a}"`);
                return [a.slice(0, eq), a.slice(eq + 1)];
              })
            : [];
          const requests = command === 'set'
            ? await Promise.all(pairs.map(([p, v]) => (isContainerPath(p) ? containerAssignment(p, v) : headerAssignment(p, v))))
            : (await import('../format/edit/patch.ts')).parsePatch(await readFile(rest[0], 'utf8')).edits;
          // No stream to edit (a disk-only or missing snapshot, a cut header): the image's own
          // error, not "no field" for a path the missing stream would have had.
          if (noStream) {
            firstError(problems({ problems: [] }), err, false, formatProblem);
            return 1;
          }
          const r = await runEdits(input, requests, output!, { ...(await needs()), force: o.values.force });
          for (const w of r.warnings) err(`warning: ${w}\n`);
          if (!r.ok) {
            err(`vmstate-explorer: ${r.reason}\n`);
            return 1;
          }
          for (const n of r.notes) err(`note: ${n}\n`);
          const patchOut = o.values['save-patch'];
          if (patchOut !== undefined) {
            // Both files or neither: OUT was made by this run a moment ago, so it is ours to remove.
            const { writeNewBytes } = await import('./new-file.ts');
            await writeNewBytes(patchOut, new TextEncoder().encode(JSON.stringify(r.patch, null, 1) + '\n')).catch(async (e) => {
              await rm(output!, { force: true });
              throw e;
            });
          }
          out(`wrote ${output} (${r.size} bytes, ${r.actions} edit(s))\n`);
          return 0;
        }
      }
    } finally {
      await input.close();
    }
  } catch (e) {
    if (e instanceof UsageError) {
      err(e.message === USAGE ? `${USAGE}\n` : `vmstate-explorer: ${e.message} (see 'vmstate-explorer --help')\n`);
      return 2;
    }
    err(`vmstate-explorer: ${fileError(e)}\n`);
    return 1;
  }
}

/** `check --target`: a report for one file, one JSON line per file for several; exit 1 if any fails. */
async function checkTarget(files: string[], targetText: string, opts: Options, out: (s: string) => void): Promise<number> {
  const { checkFile, formatReport, parseTarget } = await import('./compat-command.ts');
  let target;
  try {
    target = parseTarget(targetText);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  let failed = false;
  for (const f of files) {
    let report;
    try {
      report = await checkFile(f, target, opts);
    } catch (e) {
      // One file that cannot be opened (gone, a directory, unreadable) is that file's line: the
      // rest of a save directory is still checked (it stopped the whole run).
      if (files.length === 1) throw e;
      failed = true;
      out(JSON.stringify({ file: f, error: fileError(e) }) + '\n');
      continue;
    }
    failed ||= report.verdict === 'fails';
    out(files.length === 1 ? formatReport(f, report) : JSON.stringify({ file: f, ...report }) + '\n');
  }
  return failed ? 1 : 0;
}

/** `diff A B`: exit 0 equal, 1 different, 2 on error (a usage error is 2 as well). */
async function diff(left: string, right: string, o: CliOptions, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  try {
    const opts = await loadOptions(o, null);
    const { runDiff } = await import('./diff-command.ts');
    return await runDiff({ left, right, json: !!o.values.json, ignore: o.values.ignore ?? [], ram: !o.values['no-ram'], ...opts }, out, err);
  } catch (e) {
    err(`vmstate-explorer: ${fileError(e)}\n`);
    return 2;
  }
}

/** `ram FILE [CHANNEL...] -o DIR`: exit 0 written (warnings on stderr), 1 refused or damaged input, nothing written. */
async function ram(file: string, channels: string[], o: CliOptions, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const { runRam, RamRefused } = await import('./ram-command.ts');
  const { openInput } = await import('./container-open.ts');
  for (const c of channels) if (c === o.values.output) throw new UsageError('-o must name a new directory: the inputs are never changed');
  try {
    const r = await runRam({ file, channels, out: o.values.output!, blocks: o.values.block, scanOptions: (source) => loadOptions(o, source) }, openInput, err);
    out(`wrote ${r.dir} (${r.blocks} RAM block(s), ${r.bytes} bytes of pages)\n`);
    return 0;
  } catch (e) {
    if (!(e instanceof RamRefused)) throw e;
    for (const line of e.message.split('\n')) err(`vmstate-explorer: ${line}\n`);
    return 1;
  }
}

/** Bad input: a one-line message naming the byte offset, and a non-zero exit. */
function firstError(problems: { severity: string }[], err: (s: string) => void, alreadyShown: boolean, formatProblem: (p: never) => string): boolean {
  const e = problems.find((p) => p.severity === 'error');
  if (e && !alreadyShown) err(`vmstate-explorer: ${formatProblem(e as never)}\n`);
  return !!e;
}
