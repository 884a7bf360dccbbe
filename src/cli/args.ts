// The CLI's arguments, parsed strictly (node:util parseArgs): an unknown option, an option another
// command takes, a missing value or a stray argument is a usage error (exit 2), never ignored.
import { readFileSync } from 'node:fs';
import { parseArgs as parseNodeArgs } from 'node:util';

export const USAGE = `usage:
  vmstate-explorer inspect FILE [--json | --format table|json|analyze] [--analyze-version 7.2|10.0|11.1] [--vmdesc DESC] [--no-library]
  vmstate-explorer set FILE PATH=VALUE [PATH=VALUE ...] -o OUT [--vmdesc DESC] [--force] [--save-patch PATCH.json]
  vmstate-explorer apply FILE PATCH.json -o OUT [--vmdesc DESC] [--force]
  vmstate-explorer check FILE [--vmdesc DESC]
  vmstate-explorer check FILE... --target VERSION[:MACHINE] [--vmdesc DESC]   (VERSION: 7.2, 10.0, 11.1)
  vmstate-explorer extract FILE -o STREAM       (the bare QEMU stream of a libvirt, xl or qcow2 image)
  vmstate-explorer xml FILE                     (the domain XML of a libvirt save image)
  vmstate-explorer snapshots IMAGE              (the snapshots of a qcow2 image; open one as IMAGE@NAME)
  vmstate-explorer diff A B [--json] [--vmdesc DESC] [--ignore PATH]... [--no-ram]
  vmstate-explorer ram FILE [CHANNEL...] -o DIR [--block NAME]...   (guest RAM, one file per RAM block)
  vmstate-explorer --version | --help

PATH is a field path as printed by 'inspect --json', e.g. "cpu (0)/env.regs[0]",
or a section header field: "timer (0)/#idstr", "timer (0)/#instance_id", "timer (0)/#version_id".
FILE may be a libvirt save image (raw or compressed); its own fields are set with
"libvirt/was_running=1" and "libvirt/xml=@NEW.xml". A compressed image is written raw.
FILE may be an xl save image (its HVM context fields: "hvm CPU (0)/rax=0x10") or a qcow2
image's snapshot (IMAGE@SNAPSHOT, edited in place: no size changes); set and apply write the
whole image to OUT.
DESC is a JSON VM description, or a migration stream of the same VM to take it from.
OUT and PATCH.json must not exist: the CLI never overwrites a file.
diff exits 0 when A and B hold the same device state and RAM, 1 when they differ, 2 on error;
--ignore PATH hides a field (or a section, with * for any characters), e.g. 'timer (0)/cpu_ticks_offset'.
ram writes each RAM block as the destination QEMU would hold it after receiving FILE (and, for a
multifd migration, its CHANNEL files after it): DIR/BLOCK.bin, the block's full length, each page
from its last write, zero pages and pages never sent left as holes, and DIR/manifest.json (each
block's file, length and page size). --block NAME writes only that block. DIR must not exist and
is written only on success: the files are made in a hidden .DIR.partial-* beside it, then renamed
(removed if the run fails or is interrupted).`;

const OPTIONS = {
  json: { type: 'boolean' },
  format: { type: 'string' },
  'analyze-version': { type: 'string' },
  vmdesc: { type: 'string' },
  'no-library': { type: 'boolean' },
  output: { type: 'string', short: 'o' },
  force: { type: 'boolean' },
  'save-patch': { type: 'string' },
  target: { type: 'string' },
  ignore: { type: 'string', multiple: true },
  'no-ram': { type: 'boolean' },
  block: { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const;

type OptionName = keyof typeof OPTIONS;

/** Which options each command takes, and how many positional arguments after the command. */
const COMMANDS: Record<string, { options: OptionName[]; args: [min: number, max: number] }> = {
  inspect: { options: ['json', 'format', 'analyze-version', 'vmdesc', 'no-library'], args: [1, 1] },
  check: { options: ['vmdesc', 'no-library', 'target'], args: [1, Infinity] },
  set: { options: ['output', 'vmdesc', 'force', 'save-patch', 'no-library'], args: [1, Infinity] },
  apply: { options: ['output', 'vmdesc', 'force', 'no-library'], args: [2, 2] },
  extract: { options: ['output'], args: [1, 1] },
  xml: { options: [], args: [1, 1] },
  snapshots: { options: [], args: [1, 1] },
  diff: { options: ['json', 'vmdesc', 'no-library', 'ignore', 'no-ram'], args: [2, 2] },
  ram: { options: ['output', 'block'], args: [1, Infinity] },
};

export interface CliOptions {
  command?: string;
  positional: string[];
  values: { [K in OptionName]?: K extends 'ignore' | 'block' ? string[] : (typeof OPTIONS)[K]['type'] extends 'string' ? string : boolean };
}

export class UsageError extends Error {}

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
    if (!spec.options.includes(k)) throw new UsageError(`${command} takes no option --${k}`);
  }
  const [min, max] = spec.args;
  if (positional.length < min) throw new UsageError(`${command} needs ${command === 'apply' ? 'FILE and PATCH.json' : command === 'diff' ? 'two files, A and B' : 'FILE'}`);
  if (positional.length > max) throw new UsageError(`unexpected argument "${positional[max]}" after ${command} ${positional.slice(0, max).join(' ')}`);
  if (command === 'check' && positional.length > 1 && values.target === undefined) throw new UsageError('check takes several files only with --target');
  if (values.json && values.format !== undefined && values.format !== 'json') throw new UsageError('--json and --format disagree');
  if (values.format !== undefined && !['table', 'json', 'analyze'].includes(values.format)) throw new UsageError(`unknown --format ${values.format} (table, json or analyze)`);
  // Without --format analyze nothing reads the version: a run that ignored it would print a table the
  // person believes was analysed against that QEMU.
  if (values['analyze-version'] !== undefined && values.format !== 'analyze') throw new UsageError('--analyze-version goes with --format analyze');
  if ((command === 'set' || command === 'apply' || command === 'extract' || command === 'ram') && !values.output) throw new UsageError(`${command} needs -o ${command === 'extract' ? 'STREAM' : command === 'ram' ? 'DIR' : 'OUT'}`);
  return { command, positional, values };
}

/** The package's version, from the package.json above this file (source or compiled). */
export function version(): string {
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
