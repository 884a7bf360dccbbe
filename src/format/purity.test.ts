// House rule 1: the format core imports no React, DOM, worker, store or Node built-ins, so the
// same code serves the CLI, the worker and the tests. Test files and testing/ may use Node.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const dir = import.meta.dirname;
// Feature folders of the core (diff/) are held to the same rule; '../' may reach the core only.
const coreFiles = readdirSync(dir, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.startsWith('testing') && !f.startsWith('vmdesc-library'));

describe('format core purity', () => {
  it('has core files to check', () => expect(coreFiles.length).toBeGreaterThan(10));
  it.each(coreFiles)('%s imports only the core', (f) => {
    const src = readFileSync(join(dir, f), 'utf8');
    const imports = [...src.matchAll(/^\s*(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]);
    const inFolder = f.includes('/');
    expect(imports.filter((i) => !i.startsWith('./') && !(inFolder && /^\.\.\/[\w-]+\.ts$/.test(i)))).toEqual([]);
    expect(src).not.toMatch(/\b(document\.\w|window\.\w|localStorage|postMessage\(|process\.\w|require\()/);
  });
});
