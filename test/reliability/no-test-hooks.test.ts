// Production builds carry no fault injection (issue 29, finding 11): the production engine's worker and
// in-process module, with every chunk they load, never mention the hooks, and the SDK bundles hand their
// engine to no one (no registered symbol, no hook method). `jadfer/testing` starts its own test engine.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { ensureDist } from '../dist.js';
import { record } from './record.js';

const DIST = 'dist';
await ensureDist(); // test/dist.ts: builds dist/ when it is missing or stale, or fails saying why
const HOOKS = /simulateDeviceLoss|simulateCrash|simulated engine crash|engineForTests/;

/** A module and every module it imports, statically or dynamically, by relative path. */
function moduleGraph(entry: string, seen = new Set<string>()): string[] {
  if (seen.has(entry)) return [];
  seen.add(entry);
  const text = readFileSync(entry, 'utf8');
  for (const [, path] of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g))
    moduleGraph(join(dirname(entry), path!), seen);
  return [...seen];
}

test('the production engine (worker and in-process module, with their chunks) has no fault injection', () => {
  for (const entry of ['jadfer.worker.js', 'jadfer.engine.js']) {
    const graph = moduleGraph(join(DIST, entry));
    assert.ok(
      graph.some((file) => file.includes('chunks/')),
      `${entry} loads its chunks (${graph})`,
    );
    for (const file of graph) assert.doesNotMatch(readFileSync(file, 'utf8'), HOOKS, file);
  }
  // The test engine has them, so the pattern would see them.
  assert.match(readFileSync(join(DIST, 'jadfer.testing.engine.js'), 'utf8'), HOOKS);
  record({ hostile: 1 });
});

test('the SDK bundles register no symbol and name no hook', () => {
  for (const bundle of ['jadfer.js', 'jadfer.iife.js']) {
    const text = readFileSync(join(DIST, bundle), 'utf8');
    assert.doesNotMatch(text, /Symbol\.for\(/, bundle);
    assert.doesNotMatch(text, HOOKS, bundle);
    assert.doesNotMatch(text, /jadfer\.testing\.worker\.js/, `${bundle} never starts the test engine`);
  }
});
