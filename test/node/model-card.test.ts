import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JadferError } from '../../src/contract/errors.js';
import { parseClassifierCard } from '../../src/engine/model-card.js';
import { buildContractModel } from '../fixtures/contract-model.js';

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
