import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JadferError } from '../../src/errors.js';
import { parseClassifierCard, tensorSpec } from '../../workers/model-card.js';
import { buildContractModel } from '../fixtures/contract-model.js';

test('the contract card parses and folds range, mean and std into scale/offset', () => {
  const card = parseClassifierCard(buildContractModel().card, 'file:///m.json');
  const spec = tensorSpec(card);
  assert.deepEqual([spec.channels, spec.height, spec.width, spec.layout], [1, 48, 48, 'NCHW']);
  assert.ok(Math.abs(spec.scale[0]! * 255 + spec.offset[0]! - 1) < 1e-6, 'byte 255 maps to 1');
  assert.equal(spec.offset[0], 0);
});

test('ImageNet-style normalisation gives (v - mean) / std per channel', () => {
  const card = buildContractModel().card as Record<string, any>;
  const spec = tensorSpec(
    parseClassifierCard({ ...card, input: { ...card.input, shape: [1, 3, 112, 112], color: 'rgb', range: [0, 1], mean: [0.5, 0.4, 0.3], std: [0.25, 0.2, 0.1] } }, 'x'),
  );
  const byte = 200;
  [0.5, 0.4, 0.3].forEach((mean, c) => {
    const expected = (byte / 255 - mean) / [0.25, 0.2, 0.1][c]!;
    assert.ok(Math.abs(byte * spec.scale[c]! + spec.offset[c]! - expected) < 1e-5);
  });
});

test('a broken card lists all of its problems', () => {
  const card = buildContractModel().card as Record<string, any>;
  try {
    parseClassifierCard({ ...card, labels: [], sha256: 'abc', input: { ...card.input, std: [0], layout: 'CHW' } }, 'file:///m.json');
    assert.fail('should throw');
  } catch (error) {
    assert.ok(error instanceof JadferError);
    assert.equal(error.code, 'E_MODEL_LOAD');
    const paths = (error.details!.problems as string[]).map((p) => p.split(':')[0]);
    assert.deepEqual(paths.sort(), ['input.layout', 'input.std', 'labels', 'sha256']);
  }
});
