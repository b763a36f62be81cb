import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The layers of src/, lowest first. A module may import from its own folder and from folders
 * in lower layers, never from its layer's siblings or from above: the store knows nothing of
 * GitHub, the domain types know nothing of the store, and so on (docs/architecture.md).
 */
const LAYERS: readonly (readonly string[])[] = [
  ['security', 'sandbox'],
  ['agents', 'workspace'],
  ['config'],
  ['domain'],
  ['jobs'],
  ['telemetry'],
  ['github', 'triggers', 'broker'],
  ['pipeline'],
  ['handlers', 'web'],
  ['.'], // app.ts and main.ts wire everything together
];

const src = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

/** The top folder of src/ a file belongs to ('.' for src/*.ts). */
function folderOf(file: string): string {
  const parts = relative(src, file).split('/');
  return parts.length === 1 ? '.' : parts[0]!;
}

function layerOf(folder: string): number {
  return LAYERS.findIndex((layer) => layer.includes(folder));
}

/** Relative imports of a module: static, type-only, re-exports and dynamic imports alike. */
export function relativeImports(code: string): string[] {
  const found = code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)'(\.{1,2}\/[^']+)'/gm);
  return [...found].map((m) => m[1]!);
}

describe('layers', () => {
  const files = sourceFiles(src);

  it('places every folder of src/ in a layer', () => {
    const unplaced = [...new Set(files.map(folderOf))].filter((f) => layerOf(f) < 0);
    expect(unplaced).toEqual([]);
  });

  it('imports only downward', () => {
    const upward: string[] = [];
    for (const file of files) {
      const from = folderOf(file);
      for (const spec of relativeImports(readFileSync(file, 'utf8'))) {
        const to = folderOf(resolve(dirname(file), spec));
        if (to === from) continue;
        if (layerOf(to) >= layerOf(from)) upward.push(`${relative(src, file)} -> ${spec}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('sees every kind of import (the check can fail)', () => {
    const code = [
      "import { a } from '../jobs/runner.js';",
      "import type { B } from './b.js';",
      "export * from '../github/x.js';",
      "const m = await import('../pipeline/run-job.js');",
      "import '../side-effect.js';",
      "import { c } from 'node:fs';",
    ].join('\n');
    expect(relativeImports(code)).toEqual([
      '../jobs/runner.js',
      './b.js',
      '../github/x.js',
      '../pipeline/run-job.js',
      '../side-effect.js',
    ]);
  });
});
