#!/usr/bin/env node
// The API reference: TypeDoc reads the TSDoc of the public entry points (typedoc.json) and writes
// docs/api/ (HTML) with warnings as errors. Then every public function, and every method of the
// Jadfer class, must show an @example: the reference is where an integrator starts.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const json = join(root, 'test-output', 'api.json');
mkdirSync(join(root, 'test-output'), { recursive: true });
try {
  execFileSync(join(root, 'node_modules', '.bin', 'typedoc'), ['--json', json], { cwd: root, stdio: 'inherit' });
} catch {
  console.error('API reference: TypeDoc failed (its warnings are errors here): see above');
  process.exit(1);
}

const FUNCTION = 64;
const METHOD = 2048;
const missing = [];
function walk(node, path) {
  for (const child of node.children ?? []) {
    const name = [...path, child.name].join('.');
    const own = child.kind === FUNCTION || (child.kind === METHOD && path.at(-1) === 'Jadfer');
    // [asyncDispose] is dispose() under `await using`, whose example shows it.
    if (own && !child.name.startsWith('[')) {
      const tags = (child.signatures ?? []).flatMap((signature) => signature.comment?.blockTags ?? []);
      if (!tags.some((tag) => tag.tag === '@example')) missing.push(name);
    }
    walk(child, [...path, child.name]);
  }
}
walk(JSON.parse(readFileSync(json, 'utf8')), []);
if (missing.length) {
  console.error(`API reference: no @example on ${missing.join(', ')}`);
  process.exit(1);
}
console.log('API reference in docs/api/ (every public function with an @example)');
