import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JadferError } from '../../../src/contract/errors.js';
import { readFileSync } from 'node:fs';
import {
  MAX_MODEL_BYTES,
  parseBlazeFaceCard,
  parseClassifierCard,
  parseDetectorCard,
} from '../../../src/engine/model-card.js';
import { buildContractModel } from '../../fixtures/contract-model.js';

const contractCard = () => buildContractModel().card as Record<string, any>;

test('the contract card parses', () => {
  const card = parseClassifierCard(contractCard(), 'file:///m.json');
  assert.deepEqual(card.input.shape, [1, 1, 48, 48]);
  assert.equal(card.labels.length, 8);
});

test('colour and channel count must agree', () => {
  const card = contractCard();
  assert.throws(
    () => parseClassifierCard({ ...card, input: { ...card.input, color: 'rgb' } }, 'x'),
    (e: unknown) =>
      e instanceof JadferError && (e.details!.problems as string[]).some((p) => p.startsWith('input.shape')),
  );
});

test('a broken card lists all of its problems', () => {
  const card = contractCard();
  try {
    parseClassifierCard(
      { ...card, labels: [], sha256: 'abc', input: { ...card.input, std: [0], layout: 'CHW' } },
      'file:///m.json',
    );
    assert.fail('should throw');
  } catch (error) {
    assert.ok(error instanceof JadferError);
    assert.equal(error.code, 'E_MODEL_LOAD');
    const paths = (error.details!.problems as string[]).map((p) => p.split(':')[0]);
    assert.deepEqual(paths.sort(), ['input.layout', 'input.std', 'labels', 'sha256']);
  }
});

test("a logit adjustment's shift must be one finite number per label", () => {
  const card = contractCard();
  const adjusted = (shift: unknown) => ({
    ...card,
    architecture: {
      ...card.architecture,
      logitAdjustment: { tau: 0.3, trainCounts: card.labels.map(() => 10), shift },
    },
  });
  assert.equal(parseClassifierCard(adjusted(card.labels.map(() => 0.1)), 'x').labels.length, 8);
  for (const bad of [[0.1, 0.2], card.labels.map(() => Number.NaN), 'up'])
    assert.throws(
      () => parseClassifierCard(adjusted(bad), 'x'),
      (e: unknown) =>
        e instanceof JadferError &&
        (e.details!.problems as string[]).some((p) => p.startsWith('architecture.logitAdjustment.shift')),
    );
});

test('a crop template in the card must be usable points', () => {
  const card = contractCard();
  const ok = parseClassifierCard(
    {
      ...card,
      crop: {
        template: {
          points: [
            { index: 0, x: 0.3, y: 0.4 },
            { index: 1, x: 0.7, y: 0.4 },
          ],
        },
      },
    },
    'x',
  );
  assert.equal(ok.crop?.template?.points.length, 2);
  assert.throws(
    () => parseClassifierCard({ ...card, crop: { template: { points: [{ index: 0, x: 0.3 }] } } }, 'x'),
    (e: unknown) => e instanceof JadferError && (e.details!.problems as string[])[0]!.startsWith('crop.template'),
  );
});

const blazeFaceCard = () => JSON.parse(readFileSync('models/blazeface-front-128.json', 'utf8'));
const problemPaths = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof JadferError && error.code === 'E_MODEL_LOAD');
    return (error.details!.problems as string[]).map((p) => p.split(':')[0]).sort();
  }
  assert.fail('should throw');
};

test('detector cards are checked too: the shipped BlazeFace cards parse, a broken one lists its problems', () => {
  for (const name of ['blazeface-front-128', 'blazeface-back-256']) {
    const card = parseBlazeFaceCard(JSON.parse(readFileSync(`models/${name}.json`, 'utf8')), name);
    assert.equal(card.input.layout, 'NHWC');
  }
  const card = blazeFaceCard();
  assert.deepEqual(
    problemPaths(() =>
      parseBlazeFaceCard(
        {
          ...card,
          sha256: 7,
          input: { ...card.input, shape: [1, 128, 128] },
          outputs: { ...card.outputs, regressors: [] },
          anchors: { ...card.anchors, strides: 'x' },
          decode: { ...card.decode, minScoreThresh: undefined },
        },
        'x',
      ),
    ),
    ['anchors.strides', 'decode.minScoreThresh', 'input.shape', 'outputs.regressors', 'outputs.regressors', 'sha256'],
  );
});

test("a custom detector's card needs only its model file, its sha256 and size, but what it has must be valid", () => {
  const file = { file: 'd.onnx', sha256: 'a'.repeat(64), bytes: 1000 };
  assert.equal(parseDetectorCard({ ...file, anchors: 'mine' }, 'x').anchors, 'mine');
  assert.deepEqual(
    problemPaths(() => parseDetectorCard({ name: 3 }, 'x')),
    ['bytes', 'file', 'name', 'sha256'],
  );
  assert.deepEqual(
    problemPaths(() => parseDetectorCard({ ...file, input: { ...blazeFaceCard().input, color: 'bgr' } }, 'x')),
    ['input.color'],
  );
});

test('cards must name their sha256 and a size under the ceiling: a card cannot ask for a 20 GiB download', () => {
  const card = contractCard();
  const { sha256: _, ...unhashed } = card;
  assert.deepEqual(
    problemPaths(() => parseClassifierCard(unhashed, 'x')),
    ['sha256'],
  );
  for (const bytes of [undefined, 0, -1, 1.5, '100', 20 * 2 ** 30, MAX_MODEL_BYTES + 1])
    assert.deepEqual(
      problemPaths(() => parseClassifierCard({ ...card, bytes }, 'x')),
      ['bytes'],
      String(bytes),
    );
  assert.equal(parseClassifierCard({ ...card, bytes: MAX_MODEL_BYTES }, 'x').bytes, MAX_MODEL_BYTES);
});
