/**
 * Multinomial logistic regression on standardised features (TF.js, full batch, Adam),
 * with the L2 strength picked on a held-out slice of the training features.
 */
import { tf } from './tfjs-env.js';

export interface ProbeResult {
  l2: number;
  holdoutAcc: number;
  valAcc: number;
  /** Per-l2 hold-out accuracies, for the record. */
  sweep: { l2: number; holdoutAcc: number }[];
}

export function standardise(train: Float32Array, n: number, d: number): { mean: Float32Array; std: Float32Array } {
  const mean = new Float32Array(d);
  const std = new Float32Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += train[i * d + j]! / n;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) {
      const v = train[i * d + j]! - mean[j]!;
      std[j]! += (v * v) / n;
    }
  for (let j = 0; j < d; j++) std[j] = Math.sqrt(std[j]!) + 1e-6;
  return { mean, std };
}

function applyStd(x: Float32Array, n: number, d: number, s: { mean: Float32Array; std: Float32Array }): Float32Array {
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) out[i * d + j] = (x[i * d + j]! - s.mean[j]!) / s.std[j]!;
  return out;
}

/** Fits W,b and returns a predictor. Deterministic (zero init, full batch). */
export function fitLogReg(
  x: Float32Array,
  y: Int32Array,
  n: number,
  d: number,
  classes: number,
  l2: number,
  iters = 300,
  lr = 0.01,
) {
  const W = tf.variable(tf.zeros([d, classes]));
  const b = tf.variable(tf.zeros([classes]));
  const X = tf.tensor2d(x, [n, d]);
  const Y = tf.oneHot(tf.tensor1d(y, 'int32'), classes).toFloat();
  const opt = tf.train.adam(lr);
  for (let it = 0; it < iters; it++) {
    const cost = opt.minimize(
      () =>
        tf.add(
          tf.losses.softmaxCrossEntropy(Y, tf.add(tf.matMul(X, W), b)),
          tf.mul(l2, tf.sum(tf.square(W))),
        ) as tf.Scalar,
      true,
      [W, b],
    );
    cost?.dispose();
  }
  tf.dispose([X, Y]);
  opt.dispose();
  return {
    predict(xt: Float32Array, m: number): Int32Array {
      return tf.tidy(() => tf.argMax(tf.add(tf.matMul(tf.tensor2d(xt, [m, d]), W), b), 1).dataSync() as Int32Array);
    },
    dispose() {
      tf.dispose([W, b]);
    },
  };
}

const accuracy = (p: Int32Array, y: Int32Array) => p.reduce((s, v, i) => s + (v === y[i] ? 1 : 0), 0) / y.length;

export function linearProbe(
  trainX: Float32Array,
  trainY: Int32Array,
  valX: Float32Array,
  valY: Int32Array,
  d: number,
  classes = 8,
  l2s = [1e-4, 1e-3, 1e-2, 1e-1],
): ProbeResult {
  const n = trainY.length;
  const m = valY.length;
  // hold out the last 20% of the (already shuffled) training features to pick l2
  const nFit = Math.floor(n * 0.8);
  const sFit = standardise(trainX.subarray(0, nFit * d), nFit, d);
  const xFit = applyStd(trainX.subarray(0, nFit * d), nFit, d, sFit);
  const xHold = applyStd(trainX.subarray(nFit * d), n - nFit, d, sFit);
  const sweep = l2s.map((l2) => {
    const model = fitLogReg(xFit, trainY.subarray(0, nFit), nFit, d, classes, l2);
    const acc = accuracy(model.predict(xHold, n - nFit), trainY.subarray(nFit));
    model.dispose();
    return { l2, holdoutAcc: acc };
  });
  const best = sweep.reduce((a, b) => (b.holdoutAcc > a.holdoutAcc ? b : a));
  const sAll = standardise(trainX, n, d);
  const model = fitLogReg(applyStd(trainX, n, d, sAll), trainY, n, d, classes, best.l2);
  const valAcc = accuracy(model.predict(applyStd(valX, m, d, sAll), m), valY);
  model.dispose();
  return { l2: best.l2, holdoutAcc: best.holdoutAcc, valAcc, sweep };
}
