// vmstate-explorer command line: a thin front end over src/format (issue #2).
//   inspect FILE [--json | --format table|json|analyze] [--vmdesc DESC] [--no-library]
//   set FILE PATH=VALUE... -o OUT [--vmdesc DESC] [--force] [--save-patch P.json]
//   apply FILE PATCH -o OUT [--vmdesc DESC] [--force]
//   check FILE [--vmdesc DESC]
//   diff A B [--json] [--vmdesc DESC] [--ignore PATH]... [--no-ram]
import { writeFile } from 'node:fs/promises';
import { formatProblem } from '../format/errors.ts';
import { analyzeJson, formatAnalyze } from '../format/analyze-format.ts';
import { loadDescription, type Vmdesc } from '../format/vmdesc.ts';
import { bundledLibrary } from '../format/library.ts';
import type { DescriptionLibrary } from '../format/descriptions.ts';
import { fileSource } from './node-source.ts';
import { printTable, modelJson } from './print.ts';
import { runEdits, headerAssignment } from './edit-commands.ts';
import { parsePatch } from '../format/patch.ts';
import { readFile } from 'node:fs/promises';
import { ignoreArgs, runDiff } from './diff-command.ts';

export const USAGE = `usage:
  vmstate-explorer inspect FILE [--json | --format table|json|analyze] [--vmdesc DESC] [--no-library]
  vmstate-explorer set FILE PATH=VALUE [PATH=VALUE ...] -o OUT [--vmdesc DESC] [--force] [--save-patch PATCH.json]
  vmstate-explorer apply FILE PATCH.json -o OUT [--vmdesc DESC] [--force]
  vmstate-explorer check FILE [--vmdesc DESC]
  vmstate-explorer diff A B [--json] [--vmdesc DESC] [--ignore PATH]... [--no-ram]

PATH is a field path as printed by 'inspect --json', e.g. "cpu (0)/env.regs[0]",
or a section header field: "timer (0)/#idstr", "timer (0)/#instance_id", "timer (0)/#version_id".
DESC is a JSON VM description, or a migration stream of the same VM to take it from.
diff exits 0 when A and B hold the same device state and RAM, 1 when they differ, 2 on error;
--ignore PATH hides a field (or a section, with * for any characters), e.g. 'timer (0)/cpu_ticks_offset'.`;

export interface CliOptions {
  positional: string[];
  flags: Map<string, string | true>;
}

export function parseArgs(argv: string[]): CliOptions {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  const valued = new Set(['--format', '--vmdesc', '-o', '--output', '--save-patch', '--ignore']);
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
    if (command === 'diff') return await diff(o, argv, out, err);
    const opts = await loadOptions(o);
    const source = await fileSource(file);
    try {
      const { scanStream } = await import('../format/scan.ts');
      switch (command) {
        case 'inspect': {
          const { model } = await scanStream(source, opts);
          const format = o.flags.has('--json') ? 'json' : (o.flags.get('--format') ?? 'table');
          if (format === 'json') out(JSON.stringify(modelJson(model), null, 1) + '\n');
          else if (format === 'analyze') out(formatAnalyze(await analyzeJson(model, source)) + '\n');
          else if (format === 'table') out(printTable(model));
          else throw new UsageError(`unknown --format ${format}`);
          return firstError(model.problems, err, format === 'table') ? 1 : 0;
        }
        case 'check': {
          const { model } = await scanStream(source, opts);
          for (const p of model.problems) err(formatProblem(p) + '\n');
          out(`${file}: ${model.records.length} records, ${model.problems.filter((p) => p.severity === 'error').length} errors, ${model.problems.filter((p) => p.severity === 'warning').length} warnings\n`);
          return model.problems.some((p) => p.severity === 'error') ? 1 : 0;
        }
        case 'set':
        case 'apply': {
          const output = o.flags.get('-o');
          if (typeof output !== 'string' || !output) throw new UsageError('set/apply need -o OUT');
          if (output === file) throw new UsageError('-o must name a new file: the original is never changed');
          const requests = command === 'set'
            ? rest.map((a) => {
                const eq = a.indexOf('=');
                if (eq < 0) throw new UsageError(`expected PATH=VALUE, got "${a}"`);
                return headerAssignment(a.slice(0, eq), a.slice(eq + 1));
              })
            : parsePatch(await readFile(rest[0] ?? '', 'utf8')).edits;
          const r = await runEdits(source, requests, output, { ...opts, force: o.flags.has('--force') });
          for (const w of r.warnings) err(`warning: ${w}\n`);
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
      await source.close();
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

async function diff(o: CliOptions, argv: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const [, left, right, extra] = o.positional;
  if (!right || extra !== undefined) {
    err(`diff takes two files\n${USAGE}\n`);
    return 2;
  }
  try {
    const opts = await loadOptions(o);
    return await runDiff({ left, right, json: o.flags.has('--json'), ignore: ignoreArgs(argv), ram: !o.flags.has('--no-ram'), ...opts }, out, err);
  } catch (e) {
    err(`vmstate-explorer: ${(e as Error).message}\n`);
    return 2;
  }
}

/** Bad input: a one-line message naming the byte offset, and a non-zero exit. */
function firstError(problems: { severity: string }[], err: (s: string) => void, alreadyShown: boolean): boolean {
  const e = problems.find((p) => p.severity === 'error');
  if (e && !alreadyShown) err(`vmstate-explorer: ${formatProblem(e as never)}\n`);
  return !!e;
}
