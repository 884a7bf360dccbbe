import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// Text from a state file is untrusted: the page renders it only through React's escaping. This
// keeps every way of injecting markup out of the page's own code.
const ROOTS = ['../views', '../store', '../worker', '../main.tsx'].map((p) => new URL(p, import.meta.url).pathname);
const FORBIDDEN = ['dangerouslySetInnerHTML', 'innerHTML', 'outerHTML', 'insertAdjacentHTML', 'document.write', 'eval(', 'new Function('];

function sources(path: string): string[] {
  if (statSync(path).isFile()) return [path];
  return readdirSync(path).flatMap((f) => sources(join(path, f)));
}

describe('page code', () => {
  it('never turns strings into markup or code', () => {
    const files = ROOTS.flatMap(sources).filter((f) => /\.(ts|tsx)$/.test(f) && !f.endsWith('.test.ts'));
    expect(files.length).toBeGreaterThan(20);
    const hits = files.flatMap((f) => FORBIDDEN.filter((w) => readFileSync(f, 'utf8').includes(w)).map((w) => `${f}: ${w}`));
    expect(hits).toEqual([]);
  });
});
