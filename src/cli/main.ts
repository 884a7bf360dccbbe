// vmstate-explorer command line: a thin front end over src/format (issue #2).
//   inspect FILE [--json | --format table|json|analyze] [--vmdesc DESC] [--no-library]
//   set FILE PATH=VALUE... -o OUT [--vmdesc DESC] [--force] [--save-patch P.json]
//   apply FILE PATCH -o OUT [--vmdesc DESC] [--force]
//   check FILE [--vmdesc DESC]
//   extract FILE -o STREAM        xml FILE        (libvirt save images: format/container/)
import { writeFile } from 'node:fs/promises';
import { formatProblem, type Problem } from '../format/errors.ts';
import { ANALYZE_DIALECTS, analyzeJson, formatAnalyze, type AnalyzeDialect } from '../format/analyze-format.ts';
import { loadDescription, type Vmdesc } from '../format/vmdesc.ts';
import { bundledLibrary } from '../format/library.ts';
import type { DescriptionLibrary } from '../format/descriptions.ts';
import { fileSource } from './node-source.ts';
import { printTable, modelJson } from './print.ts';
import { runEdits, headerAssignment } from './edit-commands.ts';
import { parsePatch } from '../format/edit/patch.ts';
import { readFile } from 'node:fs/promises';
import { checkFile, formatReport, parseTarget } from './compat-command.ts';
import { openInput } from './container-open.ts';
import { containerChange, containerJson, extractStream, outputPrefix, printContainer, printSnapshots } from './container-commands.ts';

export const USAGE = `usage:
  vmstate-explorer inspect FILE [--json | --format table|json|analyze] [--vmdesc DESC] [--no-library]
                   [--analyze-version 7.2|10.0|11.1]   (default: the QEMU that wrote FILE)
  vmstate-explorer set FILE PATH=VALUE [PATH=VALUE ...] -o OUT [--vmdesc DESC] [--force] [--save-patch PATCH.json]
  vmstate-explorer apply FILE PATCH.json -o OUT [--vmdesc DESC] [--force]
  vmstate-explorer check FILE [--vmdesc DESC]
  vmstate-explorer check FILE... --target VERSION[:MACHINE] [--vmdesc DESC]   (VERSION: 7.2, 10.0, 11.1)
  vmstate-explorer extract FILE -o STREAM       (the bare QEMU stream of a libvirt save image)
  vmstate-explorer xml FILE                     (the domain XML of a libvirt save image)
  vmstate-explorer snapshots IMAGE              (the snapshots of a qcow2 image; open one as IMAGE@NAME)

PATH is a field path as printed by 'inspect --json', e.g. "cpu (0)/env.regs[0]",
or a section header field: "timer (0)/#idstr", "timer (0)/#instance_id", "timer (0)/#version_id".
FILE may be a libvirt save image (raw or compressed); its own fields are set with
"libvirt/was_running=1" and "libvirt/xml=@NEW.xml". A compressed image is written raw.
DESC is a JSON VM description, or a migration stream of the same VM to take it from.`;

export interface CliOptions {
  positional: string[];
  flags: Map<string, string | true>;
}

/** --analyze-version: which QEMU's analyze-migration.py to imitate (default: detected). */
function analyzeDialect(o: CliOptions): AnalyzeDialect | undefined {
  const v = o.flags.get('--analyze-version');
  if (v === undefined) return undefined;
  if (!ANALYZE_DIALECTS.includes(v as AnalyzeDialect)) throw new UsageError(`--analyze-version must be one of ${ANALYZE_DIALECTS.join(', ')}`);
  return v as AnalyzeDialect;
}

export function parseArgs(argv: string[]): CliOptions {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  const valued = new Set(['--format', '--vmdesc', '-o', '--output', '--save-patch', '--target', '--analyze-version']);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (valued.has(a)) flags.set(a === '--output' ? '-o' : a, argv[++i] ?? '');
    else if (a.startsWith('--')) flags.set(a, true);
    else positional.push(a);
  }
  return { positional, flags };
}

export async function loadOptions(o: CliOptions): Promise<{ vmdesc?: Vmdesc; library?: DescriptionLibrary }> {
  let vmdesc: Vmdesc | undefined;
  const descPath = o.flags.get('--vmdesc');
  if (typeof descPath === 'string') {
    const src = await fileSource(descPath);
    try {
      vmdesc = await loadDescription(src);
    } finally {
      await src.close();
    }
  }
  return { vmdesc, library: o.flags.has('--no-library') ? undefined : bundledLibrary() };
}

class UsageError extends Error {}

export async function main(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s), err: (s: string) => void = (s) => process.stderr.write(s)): Promise<number> {
  const o = parseArgs(argv);
  const [command, file, ...rest] = o.positional;
  try {
    if (!command || !file || o.flags.has('--help')) throw new UsageError(USAGE);
    const opts = await loadOptions(o);
    const target = o.flags.get('--target');
    if (command === 'check' && typeof target === 'string') return await checkTarget([file, ...rest], target, opts, out);
    const input = await openInput(file);
    const source = input.stream;
    const container = input.container;
    const problems = (m: { problems: Problem[] }) => [...(container?.problems ?? []), ...m.problems];
    try {
      const { scanStream } = await import('../format/scan.ts');
      switch (command) {
        case 'inspect': {
          const { model } = await scanStream(source, opts);
          const format = o.flags.has('--json') ? 'json' : (o.flags.get('--format') ?? 'table');
          if (format === 'json') out(JSON.stringify(container ? { container: containerJson(container), ...(modelJson(model) as object) } : modelJson(model), null, 1) + '\n');
          else if (format === 'analyze') out(formatAnalyze(await analyzeJson(model, source, analyzeDialect(o))) + '\n');
          else if (format === 'table') out((container ? printContainer(container) : '') + printTable(model));
          else throw new UsageError(`unknown --format ${format}`);
          return firstError(problems(model), err, format === 'table') ? 1 : 0;
        }
        case 'snapshots':
          if (!container?.qcow2) throw new UsageError(`${file} is not a qcow2 image`);
          out(printSnapshots(container));
          return 0;
        case 'extract':
        case 'xml': {
          if (!container) throw new UsageError(`${file} is a bare QEMU stream, not a libvirt save image`);
          for (const p of container.problems) err(formatProblem(p) + '\n');
          if (command === 'xml') {
            if (!container.libvirt?.xml) return 1;
            out(container.libvirt.xml.endsWith('\n') ? container.libvirt.xml : container.libvirt.xml + '\n');
            return 0;
          }
          const output = o.flags.get('-o');
          if (typeof output !== 'string' || !output) throw new UsageError('extract needs -o STREAM');
          out(`wrote ${output} (${await extractStream(input, output)} bytes of QEMU stream)\n`);
          return container.problems.some((p) => p.severity === 'error') ? 1 : 0;
        }
        case 'check': {
          const { model } = await scanStream(source, opts);
          for (const p of problems(model)) err(formatProblem(p) + '\n');
          out(`${file}: ${model.records.length} records, ${model.problems.filter((p) => p.severity === 'error').length} errors, ${model.problems.filter((p) => p.severity === 'warning').length} warnings\n`);
          return problems(model).some((p) => p.severity === 'error') ? 1 : 0;
        }
        case 'set':
        case 'apply': {
          const output = o.flags.get('-o');
          if (typeof output !== 'string' || !output) throw new UsageError('set/apply need -o OUT');
          if (output === file) throw new UsageError('-o must name a new file: the original is never changed');
          const pairs = command === 'set'
            ? rest.map((a): [string, string] => {
                const eq = a.indexOf('=');
                if (eq < 0) throw new UsageError(`expected PATH=VALUE, got "${a}"`);
                return [a.slice(0, eq), a.slice(eq + 1)];
              })
            : [];
          const requests = command === 'set'
            ? pairs.filter(([p]) => !p.startsWith('libvirt/')).map(([p, v]) => headerAssignment(p, v))
            : parsePatch(await readFile(rest[0] ?? '', 'utf8')).edits;
          const wrap = await outputPrefix(input, await containerChange(pairs.filter(([p]) => p.startsWith('libvirt/'))));
          if (wrap.error) {
            err(`vmstate-explorer: ${wrap.error}\n`);
            return 1;
          }
          const r = await runEdits(source, requests, output, { ...opts, force: o.flags.has('--force'), prefix: wrap.prefix });
          for (const w of [...wrap.notes, ...r.warnings]) err(`${r.ok && wrap.notes.includes(w) ? 'note' : 'warning'}: ${w}\n`);
          if (!r.ok) {
            err(`vmstate-explorer: ${r.reason}\n`);
            return 1;
          }
          const patchOut = o.flags.get('--save-patch');
          if (typeof patchOut === 'string') await writeFile(patchOut, JSON.stringify(r.patch, null, 1) + '\n');
          out(`wrote ${output} (${r.size} bytes, ${r.actions} edit(s))\n`);
          return 0;
        }
        default:
          throw new UsageError(`unknown command "${command}"\n${USAGE}`);
      }
    } finally {
      await input.close();
    }
  } catch (e) {
    if (e instanceof UsageError) {
      err(e.message + '\n');
      return 2;
    }
    err(`vmstate-explorer: ${(e as Error).message}\n`);
    return 1;
  }
}

/** `check --target`: a report for one file, one JSON line per file for several; exit 1 if any fails. */
async function checkTarget(files: string[], targetText: string, opts: { vmdesc?: Vmdesc; library?: DescriptionLibrary }, out: (s: string) => void): Promise<number> {
  let target;
  try {
    target = parseTarget(targetText);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  let failed = false;
  for (const f of files) {
    const report = await checkFile(f, target, opts);
    failed ||= report.verdict === 'fails';
    out(files.length === 1 ? formatReport(f, report) : JSON.stringify({ file: f, ...report }) + '\n');
  }
  return failed ? 1 : 0;
}

/** Bad input: a one-line message naming the byte offset, and a non-zero exit. */
function firstError(problems: { severity: string }[], err: (s: string) => void, alreadyShown: boolean): boolean {
  const e = problems.find((p) => p.severity === 'error');
  if (e && !alreadyShown) err(`vmstate-explorer: ${formatProblem(e as never)}\n`);
  return !!e;
}
