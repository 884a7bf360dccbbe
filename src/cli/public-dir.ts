// Data files the CLI reads from the checkout's public/ folder (description libraries, compatibility
// targets). The CLI runs both from src/cli (tests, tsx) and compiled into dist-cli/
// (bin/vmstate-explorer.js), at different depths, so the folder is found by looking upwards for
// a file known to be in it rather than by a fixed relative path.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

const found = new Map<string, string>();

/** The absolute path of public/`sub`, the first one above this module that holds `marker`. */
export function publicDir(sub: string, marker: string): string {
  let dir = found.get(sub);
  if (dir) return dir;
  for (let d = import.meta.dirname; ; d = dirname(d)) {
    if (existsSync(join(d, 'public', sub, marker))) {
      dir = join(d, 'public', sub);
      found.set(sub, dir);
      return dir;
    }
    if (dirname(d) === d) throw new Error(`public/${sub}/${marker} not found above ${import.meta.dirname}: this checkout lacks its data files`);
  }
}
