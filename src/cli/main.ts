// vmstate-explorer command line: a thin front end over src/format (issue #2).
//   inspect FILE [--json | --format table|json|analyze] [--vmdesc DESC] [--no-library]
//   set FILE PATH=VALUE... -o OUT [--vmdesc DESC] [--force] [--save-patch P.json]
//   apply FILE PATCH -o OUT [--vmdesc DESC] [--force]
//   check FILE [--vmdesc DESC]
// Arguments are parsed strictly (node:util parseArgs): an unknown option, an option another
// command takes, a missing value or a stray argument is a usage error (exit 2), never ignored.
import { existsSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs as parseNodeArgs } from 'node:util';
import { formatProblem } from '../format/errors.ts';
import { analyzeJson, formatAnalyze } from '../format/analyze-format.ts';
import { loadDescription, locateVmdesc, type Vmdesc } from '../format/vmdesc.ts';
import type { ByteSource } from '../format/byte-source.ts';
import type { DescriptionLibrary } from '../format/descriptions.ts';
import { fileSource } from './node-source.ts';
import { printTable, modelJson } from './print.ts';
import { runEdits, headerAssignment } from './edit-commands.ts';
import { parsePatch } from '../format/patch.ts';

export const USAGE = `usage:
  vmstate-explorer inspect FILE [--json | --format table|json|analyze] [--vmdesc DESC] [--no-library]
  vmstate-explorer set FILE PATH=VALUE [PATH=VALUE ...] -o OUT [--vmdesc DESC] [--force] [--save-patch PATCH.json]
  vmstate-explorer apply FILE PATCH.json -o OUT [--vmdesc DESC] [--force]
  vmstate-explorer check FILE [--vmdesc DESC]
  vmstate-explorer --version | --help

PATH is a field path as printed by 'inspect --json', e.g. "cpu (0)/env.regs[0]",
or a section header field: "timer (0)/#idstr", "timer (0)/#instance_id", "timer (0)/#version_id".
DESC is a JSON VM description, or a migration stream of the same VM to take it from.
OUT and PATCH.json must not exist: the CLI never overwrites a file.`;

const OPTIONS = {
  json: { type: 'boolean' },
  format: { type: 'string' },
  vmdesc: { type: 'string' },
  'no-library': { type: 'boolean' },
  output: { type: 'string', short: 'o' },
  force: { type: 'boolean' },
  'save-patch': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const;

type OptionName = keyof typeof OPTIONS;

/** Which options each command takes, and how many positional arguments after the command. */
const COMMANDS: Record<string, { options: OptionName[]; args: [min: number, max: number] }> = {
  inspect: { options: ['json', 'format', 'vmdesc', 'no-library'], args: [1, 1] },
  check: { options: ['vmdesc', 'no-library'], args: [1, 1] },
  set: { options: ['output', 'vmdesc', 'force', 'save-patch', 'no-library'], args: [1, Infinity] },
  apply: { options: ['output', 'vmdesc', 'force', 'no-library'], args: [2, 2] },
};

export interface CliOptions {
  command?: string;
  positional: string[];
  values: { [K in OptionName]?: (typeof OPTIONS)[K]['type'] extends 'string' ? string : boolean };
}

class UsageError extends Error {}

const optionName = (k: OptionName) => `--${k}`;

/** Strict parse: throws UsageError with one line saying what is wrong. */
export function parseArgs(argv: string[]): CliOptions {
  let parsed;
  try {
    parsed = parseNodeArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    const code = (e as { code?: string }).code;
    const arg = /'([^']*)'/.exec((e as Error).message)?.[1] ?? '';
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`unknown option ${arg}`);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new UsageError(`option ${arg.split(' ')[0]} needs a value`);
    throw new UsageError((e as Error).message.split('\n')[0]);
  }
  const [command, ...positional] = parsed.positionals;
  const values = parsed.values as CliOptions['values'];
  if (values.help || values.version) return { command, positional, values };
  if (!command) throw new UsageError(argv.length ? 'no command given' : USAGE);
  const spec = COMMANDS[command];
  if (!spec) throw new UsageError(`unknown command "${command}"`);
  for (const k of Object.keys(values) as OptionName[]) {
    if (!spec.options.includes(k)) throw new UsageError(`${command} takes no option ${optionName(k)}`);
  }
  const [min, max] = spec.args;
  if (positional.length < min) throw new UsageError(`${command} needs ${command === 'apply' ? 'FILE and PATCH.json' : 'FILE'}`);
  if (positional.length > max) throw new UsageError(`unexpected argument "${positional[max]}" after ${command} ${positional.slice(0, max).join(' ')}`);
  if (values.json && values.format !== undefined && values.format !== 'json') throw new UsageError('--json and --format disagree');
  if (values.format !== undefined && !['table', 'json', 'analyze'].includes(values.format)) throw new UsageError(`unknown --format ${values.format} (table, json or analyze)`);
  if ((command === 'set' || command === 'apply') && !values.output) throw new UsageError(`${command} needs -o OUT`);
  return { command, positional, values };
}

/** The package's version, from the package.json above this file (source or compiled). */
function version(): string {
  for (const up of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'vmstate-explorer') return `vmstate-explorer ${pkg.version}`;
    } catch {
      // not here: try one level up
    }
  }
  return 'vmstate-explorer (version unknown)';
}

/**
 * The supplied description, and the bundled library when the file needs it: only a file without
 * an embedded description does, and loading the library (650 KB of JSON) costs start-up time.
 */
export async function loadOptions(o: CliOptions, file: ByteSource): Promise<{ vmdesc?: Vmdesc; library?: DescriptionLibrary }> {
  let vmdesc: Vmdesc | undefined;
  const descPath = o.values.vmdesc;
  if (descPath !== undefined) {
    const src = await fileSource(descPath);
    try {
      vmdesc = await loadDescription(src);
    } catch (e) {
      throw new Error(`${descPath}: ${(e as Error).message}`);
    } finally {
      await src.close();
    }
  }
  if (o.values['no-library'] || (await locateVmdesc(file))) return { vmdesc };
  const { bundledLibrary } = await import('../format/library.ts');
  return { vmdesc, library: bundledLibrary() };
}

/** Refuses an output that exists, in one line, before any work is done. */
function refuseExisting(path: string | undefined, what: string): void {
  if (path !== undefined && existsSync(path)) throw new Error(`${path} already exists: ${what} is never overwritten; remove it or name another file`);
}

/** Node's file errors as one line: "FILE: no such file or directory". */
function fileError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'EEXIST' && err.path) return `${err.path} already exists: it is never overwritten; remove it or name another file`;
  if (err.syscall && err.path && err.code) return `${err.path}: ${err.message.replace(/^\w+: /, '').replace(/, \w+ '.*'$/, '')}`;
  return err.message.split('\n')[0];
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
    const output = o.values.output;
    if (output !== undefined && output === file) throw new UsageError('-o must name a new file: the original is never changed');
    refuseExisting(output, 'the output');
    refuseExisting(o.values['save-patch'], 'a patch file');
    const source = await fileSource(file);
    try {
      const opts = await loadOptions(o, source);
      const { scanStream } = await import('../format/scan.ts');
      switch (command) {
        case 'inspect': {
          const { model } = await scanStream(source, opts);
          const format = o.values.json ? 'json' : (o.values.format ?? 'table');
          if (format === 'json') out(JSON.stringify(modelJson(model), null, 1) + '\n');
          else if (format === 'analyze') out(formatAnalyze(await analyzeJson(model, source)) + '\n');
          else out(printTable(model));
          return firstError(model.problems, err, format === 'table') ? 1 : 0;
        }
        case 'check': {
          const { model } = await scanStream(source, opts);
          for (const p of model.problems) err(formatProblem(p) + '\n');
          out(`${file}: ${model.records.length} records, ${model.problems.filter((p) => p.severity === 'error').length} errors, ${model.problems.filter((p) => p.severity === 'warning').length} warnings\n`);
          return model.problems.some((p) => p.severity === 'error') ? 1 : 0;
        }
        default: {
          const requests = command === 'set'
            ? rest.map((a) => {
                const eq = a.indexOf('=');
                if (eq < 0) throw new UsageError(`expected PATH=VALUE, got "${a}"`);
                return headerAssignment(a.slice(0, eq), a.slice(eq + 1));
              })
            : parsePatch(await readFile(rest[0], 'utf8')).edits;
          const r = await runEdits(source, requests, output!, { ...opts, force: o.values.force });
          for (const w of r.warnings) err(`warning: ${w}\n`);
          if (!r.ok) {
            err(`vmstate-explorer: ${r.reason}\n`);
            return 1;
          }
          const patchOut = o.values['save-patch'];
          if (patchOut !== undefined) await writeFile(patchOut, JSON.stringify(r.patch, null, 1) + '\n', { flag: 'wx' });
          out(`wrote ${output} (${r.size} bytes, ${r.actions} edit(s))\n`);
          return 0;
        }
      }
    } finally {
      await source.close();
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

/** Bad input: a one-line message naming the byte offset, and a non-zero exit. */
function firstError(problems: { severity: string }[], err: (s: string) => void, alreadyShown: boolean): boolean {
  const e = problems.find((p) => p.severity === 'error');
  if (e && !alreadyShown) err(`vmstate-explorer: ${formatProblem(e as never)}\n`);
  return !!e;
}
