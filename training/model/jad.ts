/**
 * Joint Attention Dropping (JAD), training only.
 *
 * Rule, for softmaxed attention weights W [B, H, Q, K]:
 *   1. joint[b,q,k] = mean_h W[b,h,q,k]          — how strongly ALL heads agree on key k
 *   2. drop the k* = max(1, round(r·K)) keys with the highest joint weight
 *      (ties: the lower key index is dropped first, TF.js topk order), in every head
 *   3. renormalise each row over the kept keys: W'[b,h,q,:] = W·keep / Σ(W·keep)
 *   4. a sample gets JAD with probability p (one Bernoulli per sample, shared by its heads and queries)
 * A row whose kept mass is ~0 stays 0 (the query contributes nothing this step).
 * At inference JAD is the identity, so the exported graph has no random or data-dependent drop.
 */
import * as tf from '@tensorflow/tfjs';

/** tf.customGrad's argument type (not re-exported by the tfjs umbrella package). */
type CustomGradientFunc = Parameters<typeof tf.customGrad>[0];

export function jointDropCount(keys: number, ratio: number): number {
  return ratio <= 0 ? 0 : Math.min(keys - 1, Math.max(1, Math.round(ratio * keys)));
}

/** `gate` [B] of 0/1 (1 = apply JAD to this sample); omit to apply to all samples. */
export function jointAttentionDrop(weights: tf.Tensor4D, ratio: number, gate?: tf.Tensor1D): tf.Tensor4D {
  return tf.tidy(() => {
    const K = weights.shape[3];
    const dropCount = jointDropCount(K, ratio);
    if (dropCount === 0) return weights.clone();
    let dropMask = jointTopMask(weights, dropCount); // [B,Q,K]
    if (gate) dropMask = tf.mul(dropMask, gate.reshape([-1, 1, 1]));
    const keep = tf.sub(1, dropMask).expandDims(1); // [B,1,Q,K] broadcast over heads
    const kept = tf.mul(weights, keep);
    const mass = tf.maximum(tf.sum(kept, -1, true), 1e-12);
    return tf.div(kept, mass) as tf.Tensor4D;
  });
}

/**
 * 1 where a key is among the `count` jointly-highest (mean over heads) for its query, else 0.
 * The selection is piecewise constant, so its gradient is zero (TopK has no TF.js gradient).
 */
const jointTopMask = (weights: tf.Tensor4D, count: number): tf.Tensor3D =>
  tf.customGrad(((x: tf.Tensor) => {
    const { indices } = tf.topk(tf.mean(x, 1), count); // [B,Q,count]
    const value = tf.sum(tf.oneHot(indices as tf.Tensor, x.shape[3]!, 1, 0, 'float32'), -2);
    return { value, gradFunc: () => tf.zerosLike(x) };
  }) as CustomGradientFunc)(weights) as tf.Tensor3D;
