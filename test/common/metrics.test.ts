// common/metrics.ts: the one definition of overall, per-class and mean per-class accuracy.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { argmax, byLabel, ConfusionMatrix, scoreConfusion } from '../../common/metrics.js';

test('overall accuracy follows the frequent class; mean per-class accuracy weighs every class alike', () => {
  // 90 of class 0, all right; 10 of class 1, all called class 0: 90 % overall, 50 % per class.
  const m = new ConfusionMatrix(2);
  for (let i = 0; i < 90; i++) m.add(0, 0);
  for (let i = 0; i < 10; i++) m.add(1, 0);
  const scored = m.metrics();
  assert.equal(scored.n, 100);
  assert.equal(scored.correct, 90);
  assert.equal(scored.accuracy, 0.9);
  assert.equal(scored.meanClassAccuracy, 0.5);
  assert.deepEqual(scored.perClass, [
    { n: 90, correct: 90, accuracy: 1, predicted: 100, precision: 0.9, f1: (2 * 0.9) / 1.9 },
    { n: 10, correct: 0, accuracy: 0, predicted: 0, precision: 0, f1: 0 },
  ]);
  assert.equal(scored.macroF1, 0.9 / 1.9);
  assert.deepEqual(scored.confusion, [
    [90, 0],
    [10, 0],
  ]);
});

test('a class without samples counts 0 in its row and is left out of the mean', () => {
  const scored = scoreConfusion([
    [3, 1, 0],
    [0, 0, 0],
    [1, 0, 1],
  ]);
  assert.deepEqual(scored.perClass[1], { n: 0, correct: 0, accuracy: 0, predicted: 1, precision: 0, f1: 0 });
  // Class 0: recall 3/4, precision 3/4; class 2: recall 1/2, precision 1; class 1 has no samples.
  assert.equal(scored.macroF1, (3 / 4 + (2 * 0.5) / 1.5) / 2);
  assert.equal(scored.meanClassAccuracy, (3 / 4 + 1 / 2) / 2);
  assert.equal(scored.accuracy, 4 / 6);
  assert.deepEqual(scoreConfusion([]), {
    n: 0,
    correct: 0,
    accuracy: 0,
    meanClassAccuracy: 0,
    macroF1: 0,
    perClass: [],
    confusion: [],
  });
});

test('calling a rare class often raises macro recall but lowers macro F1', () => {
  // 90 neutral, 10 rare. A: the rare class never called. B: called for 5 rare faces and 40 neutral ones.
  const a = scoreConfusion([
    [90, 0],
    [10, 0],
  ]);
  const b = scoreConfusion([
    [50, 40],
    [5, 5],
  ]);
  assert.ok(b.meanClassAccuracy > a.meanClassAccuracy);
  assert.ok(b.macroF1 < a.macroF1, `${b.macroF1} vs ${a.macroF1}`);
});

test('the shipped jadfer-base card: its recorded confusion matrix gives its recorded accuracy', async () => {
  const { readFileSync } = await import('node:fs');
  const card = JSON.parse(readFileSync('models/jadfer-base.json', 'utf8'));
  const scored = scoreConfusion(card.metrics.confusion);
  assert.equal(scored.n, card.metrics.n);
  assert.equal(scored.accuracy, card.metrics.validationAccuracy);
  assert.deepEqual(
    byLabel(
      card.labels,
      scored.perClass.map((c) => c.accuracy),
    ),
    card.metrics.perClass,
  );
});

test('out-of-range classes are refused; argmax takes the first of equal maxima', () => {
  const m = new ConfusionMatrix(3);
  assert.throws(() => m.add(3, 0), RangeError);
  assert.throws(() => m.add(0, -1), RangeError);
  assert.equal(argmax([0.1, 0.7, 0.7, 0.2]), 1);
  assert.equal(argmax(Float32Array.from([5])), 0);
});

test('the bench comparison reads both figures for every system: the card for jadfer, RESULTS.md for the baselines', async () => {
  const { readAccuracy } = await import('../../bench/compare.js');
  const accuracy = readAccuracy();
  for (const [system, a] of Object.entries(accuracy)) {
    assert.ok(a.accuracy > 0.5 && a.accuracy < 1, `${system} accuracy ${a.accuracy}`);
    assert.ok(a.meanClassAccuracy > 0.3 && a.meanClassAccuracy < 1, `${system} mean ${a.meanClassAccuracy}`);
  }
  assert.equal(accuracy.human.meanClassAccuracy, 0.57);
  assert.equal(accuracy.faceapi.meanClassAccuracy, 0.6019);
});
