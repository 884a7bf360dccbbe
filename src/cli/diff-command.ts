// `diff A B [--json] [--vmdesc DESC] [--ignore PATH]... [--no-ram]` (issue #13): exit 0 when
// the two files hold the same device state and RAM, 1 when they differ, 2 on error.
import { formatProblem } from '../format/errors.ts';
import { containerDiff } from '../format/diff/container-diff.ts';
import { diffFiles } from '../format/diff/diff-files.ts';
import { diffJson, diffText, wholeEqual } from '../format/diff/text.ts';
import type { Vmdesc } from '../format/vmdesc.ts';
import type { DescriptionLibrary } from '../format/descriptions.ts';
import { openInput } from './container-open.ts';
import { nodeEqualBytes } from './node-source.ts';

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
  // Through the container layer, as inspect opens a file: a libvirt, xl or qcow2 image
  // (IMAGE@SNAPSHOT too) is compared by the QEMU stream inside it, as the page compares it.
  const li = await openInput(a.left);
  try {
    const ri = await openInput(a.right);
    try {
      const { result, left, right } = await diffFiles({ name: a.left, source: li.stream }, { name: a.right, source: ri.stream }, { ...a, equalBytes: nodeEqualBytes });
      // Two libvirt images: their headers and XML too (an empty list in --json: they agree).
      result.container = containerDiff(li.container, ri.container, a.ignore);
      out(a.json ? JSON.stringify(diffJson(result), null, 1) + '\n' : diffText(result));
      // Bad input: the comparison of what decoded is printed, then the first error, exit 2.
      for (const [name, input, scan] of [[a.left, li, left], [a.right, ri, right]] as const) {
        const e = [...(input.container?.problems ?? []), ...scan.model.problems].find((p) => p.severity === 'error');
        if (e) {
          err(`vmstate-explorer: ${name}: ${formatProblem(e)}\n`);
          return 2;
        }
      }
      return wholeEqual(result) ? 0 : 1;
    } finally {
      await ri.close();
    }
  } finally {
    await li.close();
  }
}
