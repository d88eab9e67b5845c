// run-from-model.ts rebuilds a run folder from a shipped model; with --backbone, the same weights
// run on the same trunk at another input size (the default ships this way: trained at 160, run at 128).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runFromModel } from '../../../training/export/run-from-model.js';
import { ParamStore } from '../../../training/model/params.js';
import { POSITIONS_PARAM } from '../../../training/model/positions.js';
import type { RunConfig } from '../../../training/train/trainer.js';

const card = 'models/jadfer-accurate.json';

test('--backbone rescales the feature map, the tail input and the positions, and records it', () => {
  const out = mkdtempSync(join(tmpdir(), 'jadfer-resize-'));
  try {
    const source = JSON.parse(readFileSync('models/jadfer-accurate.training/config.json', 'utf8')) as RunConfig;
    runFromModel(card, out, 'faceres-128');
    const run = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as RunConfig;
    assert.equal(source.features.backbone, 'faceres-160');
    assert.deepEqual(run.model.featureShape, { h: 8, w: 8, c: 512 });
    assert.deepEqual(run.model.tailLayout?.input, { h: 64, w: 64, c: 32 });
    assert.deepEqual(run.model.tailLayout?.blocks, source.model.tailLayout?.blocks);
    assert.equal(run.features.backbone, 'faceres-128');
    assert.equal(run.train.images?.backbone, 'faceres-128');
    assert.deepEqual(run.resized, { from: 'faceres-160', to: 'faceres-128' });
    const params = ParamStore.load(join(out, 'best', 'params'));
    assert.deepEqual(params.get(POSITIONS_PARAM)?.shape, [64, source.model.dim]);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('--backbone refuses another trunk', () => {
  const out = mkdtempSync(join(tmpdir(), 'jadfer-resize-'));
  try {
    assert.throws(() => runFromModel(card, out, 'mobileface'), /not the trunk this model was trained on/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
