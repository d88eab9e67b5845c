/**
 * Variety loss for the SB paths (training only).
 *
 *   L_var = 2 / (N(N−1)) · Σ_{i<j} cos(A_i, A_j),   averaged over the batch
 *
 * A_i ∈ R^T is path i's spatial attention map (softmax over the h·w positions, so A_i ≥ 0 and
 * cos ∈ [0, 1]). L_var = 0 iff the paths attend to disjoint positions, 1 iff they coincide.
 * Compared with DAN's partition loss log(1 + N/σ²) it cannot be lowered by blowing up one path's
 * scale, and unlike DDAMFN's P / Σ MSE it is bounded, so its weight means the same for any N, T.
 */
import * as tf from '@tensorflow/tfjs';

export function varietyLoss(maps: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const N = maps.shape[1]!;
    if (N < 2) return tf.scalar(0);
    const unit = tf.div(maps, tf.maximum(tf.norm(maps, 'euclidean', -1, true), 1e-12)); // [B,N,T]
    const gram = tf.matMul(unit, unit, false, true); // [B,N,N]
    const offDiagonal = tf.sub(tf.sum(gram, [1, 2]), tf.sum(tf.square(unit), [1, 2])); // Σ_{i≠j}
    return tf.mean(tf.div(offDiagonal, N * (N - 1))) as tf.Scalar;
  });
}
