// create({ priors: 'unadjusted' }) takes the card's logit adjustment out of the scores: softmax(logits
// + τ·log π − shift), π the training frequencies. The shipped default carries one (τ and its shift in its card).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, test } from 'node:test';
import { ensureDist } from '../dist.js';
import { Rng } from '../../training/model/rng.js';
import { Teacher } from '../../training/train/teacher.js';

const dist = new URL('../../dist/jadfer.js', import.meta.url);
const model = new URL('../../models/jadfer-base.json', import.meta.url);
const size = 48;

before(ensureDist);

test("priors: 'unadjusted' rescales each face's scores by the training frequencies to the power τ, and the shift out", async () => {
  const { create } = await import(dist.href);
  const card = JSON.parse(readFileSync(model, 'utf8'));
  const { tau, trainCounts, shift } = card.architecture.logitAdjustment as {
    tau: number;
    trainCounts: number[];
    shift?: number[];
  };
  assert.ok(tau > 0, 'the default model carries a logit adjustment');
  const rng = new Rng(5);
  const face = Uint8Array.from({ length: size * size }, () => 60 + rng.int(120));
  const balanced = await create({ detector: 'none', modelUrl: model.href, cache: 'none' });
  const unadjusted = await create({ detector: 'none', modelUrl: model.href, cache: 'none', priors: 'unadjusted' });
  try {
    const scores = async (fer: any) =>
      (await fer.analyze({ data: face, width: size, height: size }))[0].expression.scores as Record<string, number>;
    const [a, b] = [await scores(balanced), await scores(unadjusted)];
    const labels = card.labels as string[];
    const weighted = labels.map((label, k) => a[label]! * trainCounts[k]! ** tau * Math.exp(-(shift?.[k] ?? 0)));
    const total = weighted.reduce((s, x) => s + x, 0);
    for (const [k, label] of labels.entries())
      assert.ok(Math.abs(b[label]! - weighted[k]! / total) < 1e-4, `${label}: ${b[label]} vs ${weighted[k]! / total}`);
    const neutral = labels.indexOf('neutral');
    assert.ok(b.neutral! > a.neutral!, 'the most frequent class gains');
    assert.equal(trainCounts.indexOf(Math.max(...trainCounts)), neutral);
  } finally {
    await Promise.all([balanced.dispose(), unadjusted.dispose()]);
  }
});

test('an unknown priors value is a typed configuration error', async () => {
  const { create } = await import(dist.href);
  await assert.rejects(create({ detector: 'none', priors: 'uniform' }), (error: any) => {
    assert.equal(error.code, 'E_BAD_CONFIG');
    assert.match(error.message, /priors/);
    return true;
  });
});

test('a distillation teacher is the shipped model as trained: its adjustment taken out', async () => {
  const { create } = await import(dist.href);
  const card = JSON.parse(readFileSync(model, 'utf8'));
  const labels = card.labels as string[];
  const rng = new Rng(6);
  const face = Uint8Array.from({ length: size * size }, () => 60 + rng.int(120));
  const teacher = await Teacher.open(model.pathname);
  const [balanced, unadjusted] = await Promise.all([
    create({ detector: 'none', modelUrl: model.href, cache: 'none' }),
    create({ detector: 'none', modelUrl: model.href, cache: 'none', priors: 'unadjusted' }),
  ]);
  try {
    const taught = await teacher.probabilities([face], [false], 1);
    const scores = async (fer: any) =>
      (await fer.analyze({ data: face, width: size, height: size }))[0].expression.scores as Record<string, number>;
    const gap = (scored: Record<string, number>) =>
      Math.max(...labels.map((l, k) => Math.abs(scored[l]! - taught[k]!)));
    // The teacher resizes with the training pipeline's resampler, the SDK with its own: close, not equal.
    const fromUnadjusted = gap(await scores(unadjusted));
    assert.ok(fromUnadjusted < 0.01, `teacher vs priors 'unadjusted': ${fromUnadjusted}`);
    assert.ok(gap(await scores(balanced)) > 0.02, 'the adjusted scores are another distribution');
  } finally {
    await Promise.all([balanced.dispose(), unadjusted.dispose(), teacher.release()]);
  }
});
