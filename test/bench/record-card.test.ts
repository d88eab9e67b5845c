// The bench writes a card's performance section itself; it refuses a card of another model.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { performanceSection, recordPerformance } from '../../bench/record-card.js';

const sdk = {
  classifier: { model: 'jadfer-x', backend: 'wasm', threads: 2, p50: 12.345, p95: 15.06 },
  crossOriginIsolated: true,
};
const oneFace = { p50: 20.04, p95: 26.61, detector: 'blazeface-back-256' };
const machine = { cpus: 2, cpu: 'AMD EPYC', chromium: '156.0', loadAverage1m: { before: 0.5, after: 1.25 } };

test('performance section: rounded classifier and one-face numbers, and the conditions they were measured in', () => {
  const section = performanceSection(sdk, oneFace, machine, '2026-11-27T12:34:56.000Z', 'npm run bench -- --record');
  assert.equal(section.classifierP50Ms, 12.3);
  assert.equal(section.classifierP95Ms, 15.1);
  assert.equal(section.oneFaceP50Ms, 20);
  assert.equal(section.oneFaceP95Ms, 26.6);
  assert.match(
    section.note,
    /Chromium 156\.0 headless, onnxruntime-web wasm, 2 thread\(s\) \(cross-origin isolated\), 2-core AMD EPYC, 2026-11-27 12:34 UTC/,
  );
  assert.match(section.note, /load average 0\.50 before, 1\.25 after/);
  assert.match(section.note, /one face: 640×480 frame end to end with blazeface-back-256/);
  assert.equal(section.command, 'npm run bench -- --record');
});

test('recordPerformance replaces only the performance section, and only on the measured model’s card', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jadfer-card-'));
  const path = join(dir, 'jadfer-x.json');
  writeFileSync(path, JSON.stringify({ name: 'jadfer-x', sha256: 'abc', performance: { classifierP50Ms: 99 } }));
  const section = performanceSection(sdk, oneFace, machine, '2026-11-27T12:34:56.000Z', 'npm run bench');
  recordPerformance(path, section, 'jadfer-x');
  const card = JSON.parse(readFileSync(path, 'utf8'));
  assert.equal(card.sha256, 'abc');
  assert.deepEqual(card.performance, section);
  assert.throws(() => recordPerformance(path, section, 'jadfer-y'), /is jadfer-x, but the bench measured jadfer-y/);
});
