// One direction between the tools: cli/ and training/ share common/ and never import each other, src/ (the SDK)
// imports none of them, nothing imports in a circle, and the shipped dist/cli.js carries no training module.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { rollup, type RollupOptions } from 'rollup';
import configs from '../../rollup.config.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
const FOLDERS = ['src', 'workers', 'cli', 'common', 'training'];
/** For each folder, the folders it must never import. */
const FORBIDDEN: Record<string, string[]> = {
  src: ['cli', 'common', 'training'],
  workers: ['cli', 'common', 'training'],
  cli: ['training'],
  common: ['cli', 'training'],
  training: ['cli'],
};

/** Every source file of the folders above, as a path from the repository root. */
function sources(): string[] {
  return FOLDERS.flatMap((folder) =>
    readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
      .filter((file) => /\.(ts|mts|mjs|js)$/.test(file) && !file.endsWith('.d.ts'))
      .map((file) => join(folder, file)),
  );
}

/** The relative imports of a file (static, re-exports, `import type` and dynamic), as paths from the root. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm)].map(
    (m) => m[1]!,
  );
  return specifiers.map((spec) => relative(ROOT, resolve(ROOT, dirname(file), spec)).replace(/\.js$/, '.ts'));
}

const graph = new Map(sources().map((file) => [file, importsOf(file)]));

test('the scan sees the imports it judges (a check of the check)', () => {
  assert.ok(graph.size > 100, `${graph.size} files scanned`);
  assert.ok(graph.get('cli/eval.ts')?.includes('common/ferplus.ts'), 'cli/eval.ts reads FERPlus through common/');
  assert.ok(graph.get('training/train/train.ts')?.includes('common/args.ts'), 'training parses its flags with common/');
});

test('cli/ never imports training/, training/ never imports cli/, src/ imports neither (nor common/)', () => {
  const wrong: string[] = [];
  for (const [file, imports] of graph) {
    const folder = file.split('/')[0]!;
    for (const target of imports)
      if (FORBIDDEN[folder]!.includes(target.split('/')[0]!)) wrong.push(`${file} → ${target}`);
  }
  assert.deepEqual(wrong, []);
});

test('no import cycle in src/, cli/, common/ or training/ (type-only imports included)', () => {
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const visit = (file: string, path: string[]) => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'open') {
      cycles.push([...path.slice(path.indexOf(file)), file].join(' → '));
      return;
    }
    state.set(file, 'open');
    for (const next of graph.get(file) ?? []) if (graph.has(next)) visit(next, [...path, file]);
    state.set(file, 'done');
  };
  for (const file of graph.keys()) visit(file, []);
  assert.deepEqual(cycles, []);
});

test('dist/cli.js, as rollup builds it, bundles no module from training/', async () => {
  const config = (configs as RollupOptions[]).find((c) => c.input === 'cli/index.ts');
  assert.ok(config, 'rollup.config.mjs builds the CLI from cli/index.ts');
  const bundle = await rollup({ ...config, onwarn: () => {} });
  try {
    const { output } = await bundle.generate({ format: 'es' });
    const modules = output.flatMap((chunk) => ('modules' in chunk ? Object.keys(chunk.modules) : []));
    const ours = modules.map((id) => relative(ROOT, id)).filter((id) => !id.startsWith('node_modules'));
    assert.ok(ours.includes('cli/eval.ts'), 'the bundle was seen');
    assert.deepEqual(
      ours.filter((id) => id.startsWith('training/')),
      [],
    );
    assert.ok(ours.includes('common/ferplus.ts'), 'eval reads FERPlus from common/');
  } finally {
    await bundle.close();
  }
});
