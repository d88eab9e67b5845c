// <jadfer-camera>'s attributes are one list (ATTRIBUTES in src/client/camera-element.ts): every attribute the
// element reads is in it, documented there, and observed. (Its behaviour in browsers: test/browser/camera-element.test.js.)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

const source = readFileSync(new URL('../../../src/client/camera-element.ts', import.meta.url), 'utf8');

test('every attribute the element reads is in ATTRIBUTES, and ATTRIBUTES is what it observes', () => {
  const list = /const ATTRIBUTES = \{([\s\S]*?)\} as const;/.exec(source)?.[1];
  assert.ok(list, 'camera-element.ts declares ATTRIBUTES');
  const listed = [...list.matchAll(/^\s*'?([a-z-]+)'?:/gm)].map((m) => m[1]!);
  const read = [...source.matchAll(/\b(?:get|has)Attribute\('([a-z-]+)'\)/g)].map((m) => m[1]!);
  assert.ok(read.length >= 7, `the scan sees the reads (${read.length})`);
  assert.deepEqual([...new Set(read)].sort(), [...listed].sort());
  assert.match(source, /static observedAttributes = Object\.keys\(ATTRIBUTES\);/);
});
