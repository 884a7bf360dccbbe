// Which folder may import which (house habit 14, after Perfetto's tools/check_imports.py). Every
// import of every file under src is read with TypeScript's own parser, so multi-line, type-only,
// re-exports and dynamic imports are all seen; the first arrow that runs the wrong way fails.
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = import.meta.dirname;

type Layer = 'format' | 'worker' | 'store' | 'views' | 'cli' | 'root';

/** The folders a layer may import values from; `types` may be imported with `import type` only. */
const ALLOWED: Record<Layer, { values: Layer[]; types?: Layer[] }> = {
  format: { values: ['format'] },
  worker: { values: ['format', 'worker'] },
  store: { values: ['format', 'worker', 'store'] },
  views: { values: ['store', 'format', 'views'], types: ['worker'] },
  cli: { values: ['format', 'cli'] },
  // src/main.tsx is the composition root: it starts the worker client, hands it to the store and
  // mounts the views.
  root: { values: ['views', 'store', 'worker', 'root'] },
};

/** Packages a layer may use: the format core runs unchanged in the worker, Node and tests. */
const PACKAGES: Record<Layer, RegExp> = {
  // valibot: the schema check of a JSON description (format/vmdesc-schema.ts), pure and small.
  // fzstd (+ xxhash-wasm for its checksums), xz-decompress, unbzip2-stream's block decoder: the compressors of libvirt save images
  // (format/container/codecs), pure JavaScript or WebAssembly with no Node built-ins.
  format: /^(valibot|fzstd|xxhash-wasm|xz-decompress|unbzip2-stream\/lib\/bzip2\.js)$/,
  worker: /^$/,
  store: /^(zustand|react)(\/|$)/,
  views: /^(react|react-dom|zustand|@tanstack\/|react-resizable-panels)/,
  cli: /^node:/,
  root: /^(react|react-dom)(\/|$)/,
};

interface Import {
  spec: string;
  typeOnly: boolean;
  line: number;
}

function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: Import[] = [];
  const add = (spec: ts.Expression | undefined, typeOnly: boolean, node: ts.Node) => {
    if (spec && ts.isStringLiteral(spec)) out.push({ spec: spec.text, typeOnly, line: sf.getLineAndCharacterOfPosition(node.getStart()).line + 1 });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const named = clause?.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings.elements : undefined;
      // `import type {…}` or every name marked `type`: erased at build time.
      const typeOnly = !!clause && (clause.isTypeOnly || (!clause.name && !!named && named.length > 0 && named.every((e) => e.isTypeOnly)));
      add(node.moduleSpecifier, typeOnly, node);
    } else if (ts.isExportDeclaration(node)) {
      add(node.moduleSpecifier, node.isTypeOnly, node);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node.arguments[0], false, node);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node.argument.literal as ts.Expression, true, node);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

function* files(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* files(p);
    else if (/\.(ts|tsx)$/.test(e.name) && !e.name.endsWith('.d.ts')) yield p;
  }
}

const layerOf = (file: string): Layer | null => {
  const rel = relative(SRC, file);
  if (rel.startsWith('..')) return null;
  const top = rel.split(/[\\/]/)[0];
  return top === rel ? 'root' : (top as Layer) in ALLOWED ? (top as Layer) : null;
};

/** Tests and the format core's test fixtures may use Node and the repository's scripts. */
const isTestCode = (file: string) => /\.test\.tsx?$/.test(file) || relative(SRC, file).split(/[\\/]/).includes('testing') || file.endsWith('test-support.ts');

/** Every wrong arrow of one file, as "file:line imports spec (why)". */
export function violations(file: string, imports: Import[] = importsOf(file)): string[] {
  const from = layerOf(file)!;
  const test = isTestCode(file);
  const out: string[] = [];
  const where = (i: Import) => `${relative(SRC, file)}:${i.line} imports ${i.spec}`;
  for (const i of imports) {
    if (i.spec.startsWith('.')) {
      const target = resolve(dirname(file), i.spec);
      const to = layerOf(target);
      if (to === null) {
        if (!test) out.push(`${where(i)} (outside src)`);
        continue;
      }
      const rule = ALLOWED[from];
      if (rule.values.includes(to) || (i.typeOnly && rule.types?.includes(to))) continue;
      out.push(`${where(i)} (${from} may not import ${rule.types?.includes(to) ? `values from ${to}` : to})`);
    } else {
      const builtin = i.spec.startsWith('node:') || builtinModules.includes(i.spec);
      if (test && (builtin || /^(vitest|typescript)$/.test(i.spec))) continue;
      if (i.typeOnly || PACKAGES[from].test(i.spec) || (from === 'cli' && builtin)) continue;
      // CSS is bundled by Vite for the page.
      if (from === 'views' && /\.css$/.test(i.spec)) continue;
      out.push(`${where(i)} (${from} may not use the package ${i.spec})`);
    }
  }
  return out;
}

const all = [...files(SRC)];

describe('layers: which folder may import which', () => {
  it('finds the files of every layer', () => {
    const layers = new Set(all.map(layerOf));
    for (const l of Object.keys(ALLOWED)) expect(layers, l).toContain(l);
  });

  it('has no arrow running the wrong way', () => {
    expect(all.flatMap((f) => violations(f))).toEqual([]);
  });

  it('keeps the format core free of the DOM, the worker scope and Node globals', () => {
    const bad = all
      .filter((f) => layerOf(f) === 'format' && !isTestCode(f))
      .filter((f) => /\b(document\.\w|window\.\w|localStorage|postMessage\(|process\.\w|require\(|import\.meta\.env)/.test(readFileSync(f, 'utf8')));
    expect(bad.map((f) => relative(SRC, f))).toEqual([]);
  });

  // The checker itself must be able to fail: each wrong arrow below is caught.
  it.each([
    ['format/x.ts', '../worker/protocol.ts', false, /format may not import worker/],
    ['format/x.ts', 'node:fs', false, /may not use the package node:fs/],
    ['worker/x.ts', '../store/samples.ts', false, /worker may not import store/],
    ['views/x.ts', '../worker/protocol.ts', false, /views may not import values from worker/],
    ['cli/x.ts', '../worker/client.ts', true, /cli may not import worker/],
    ['store/x.ts', '../views/App.tsx', false, /store may not import views/],
    ['worker/x.ts', '../../scripts/lib/qemu.mjs', false, /outside src/],
  ])('refuses %s importing %s', (file, spec, typeOnly, why) => {
    expect(violations(join(SRC, file), [{ spec, typeOnly, line: 1 }]).join('\n')).toMatch(why);
  });

  it.each([
    ['views/x.ts', '../worker/protocol.ts', true],
    ['store/x.ts', '../worker/client.ts', false],
    ['cli/x.ts', '../format/scan.ts', false],
    ['worker/x.test.ts', 'node:fs', false],
  ])('allows %s importing %s', (file, spec, typeOnly) => {
    expect(violations(join(SRC, file), [{ spec, typeOnly, line: 1 }])).toEqual([]);
  });
});
