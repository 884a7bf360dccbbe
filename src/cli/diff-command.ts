// `diff A B [--json] [--vmdesc DESC] [--ignore PATH]... [--no-ram]` (issue #13): exit 0 when
// the two files hold the same device state and RAM, 1 when they differ, 2 on error.
import { formatProblem } from '../format/errors.ts';
import { diffFiles } from '../format/diff/diff-files.ts';
import { diffJson, diffText } from '../format/diff/text.ts';
import type { Vmdesc } from '../format/vmdesc.ts';
import type { DescriptionLibrary } from '../format/descriptions.ts';
import { fileSource, nodeEqualBytes } from './node-source.ts';

export interface DiffArgs {
  left: string;
  right: string;
  json: boolean;
  ignore: string[];
  ram: boolean;
  vmdesc?: Vmdesc;
  library?: DescriptionLibrary;
}

export async function runDiff(a: DiffArgs, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const ls = await fileSource(a.left);
  try {
    const rs = await fileSource(a.right);
    try {
      const { result, left, right } = await diffFiles({ name: a.left, source: ls }, { name: a.right, source: rs }, { ...a, equalBytes: nodeEqualBytes });
      out(a.json ? JSON.stringify(diffJson(result), null, 1) + '\n' : diffText(result));
      // Bad input: the comparison of what decoded is printed, then the first error, exit 2.
      for (const [name, scan] of [[a.left, left], [a.right, right]] as const) {
        const e = scan.model.problems.find((p) => p.severity === 'error');
        if (e) {
          err(`vmstate-explorer: ${name}: ${formatProblem(e)}\n`);
          return 2;
        }
      }
      return result.equal && !result.ram?.differing && !result.ram?.blocks.some((b) => b.only || b.unknown) ? 0 : 1;
    } finally {
      await rs.close();
    }
  } finally {
    await ls.close();
  }
}
