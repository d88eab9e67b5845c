/**
 * The JADFER heads, defined once over `Ops<T>`:
 *   tail: the fine-tuned last trunk blocks, if any (trunk-tail.ts)
 *   feature map [B,h,w,C] → tokens [B,T,D]
 *   SB : N attention paths → spatial maps A [B,N,T] and path embeddings P [B,N,D]
 *   CB : `layers` pre-LN self-attention blocks over tokens (+ learned positions), with JAD
 *   SCI: one pre-LN cross-attention block, P queries CB tokens, with JAD
 *   fuse: [mean_N(SCI out) ‖ mean_T(CB out)] → LN → dropout → linear → logits
 * Shapes only use -1 for the batch, so the ONNX graph keeps a dynamic batch.
 */
import type { JadferConfig } from './config.js';
import type { Ops } from './ops.js';
import { trunkTail } from './trunk-tail.js';

export interface JadferOutputs<T> {
  logits: T;
  /** Spatial attention maps of the SB paths [B, N, T] (softmax over T); the Variety loss reads these. */
  attentionMaps: T;
  /** Fused expression embedding [B, 2·dim]. */
  embedding: T;
}

export function buildJadfer<T>(ops: Ops<T>, config: JadferConfig, featureMap: T): JadferOutputs<T> {
  const { h, w, c } = config.featureShape;
  const T_ = h * w;
  const D = config.dim;

  // Stem: backbone scales vary, so normalise per token before projecting to D.
  let tokens = ops.reshape(trunkTail(ops, config, featureMap), [-1, T_, c]);
  tokens = ops.layerNorm('stem.ln', tokens, c);
  tokens = ops.dense('stem.proj', tokens, c, D);
  tokens = ops.dropout(tokens, config.dropout);

  const { maps, pathEmbeddings } = spatialBranch(ops, config, tokens, T_);
  const context = contextualBranch(ops, config, tokens, T_);
  const interacted = interaction(ops, config, pathEmbeddings, context, T_);

  const fused = ops.concat([ops.mean(interacted, 1, false), ops.mean(context, 1, false)], -1);
  let embedding = ops.layerNorm('head.ln', fused, 2 * D);
  embedding = ops.dropout(embedding, config.dropout);
  const logits = ops.dense('head.cls', embedding, 2 * D, config.numClasses);
  return { logits, attentionMaps: maps, embedding };
}

/**
 * SB: each path n has its own score MLP (D → pathHidden → 1, GELU) over the tokens; a softmax
 * over the T positions gives its spatial map A_n, and P_n = Σ_t A_n[t]·token_t is its attended
 * embedding (attention pooling, as DAN's spatial heads but with a normalised map).
 */
function spatialBranch<T>(ops: Ops<T>, config: JadferConfig, tokens: T, T_: number) {
  const { paths: N, pathHidden: Hd, dim: D } = config;
  const hidden = ops.gelu(ops.dense('sb.hidden', tokens, D, N * Hd)); // [B,T,N·Hd]
  // Per-path score vector: elementwise product + sum (a broadcast MatMul has no TF.js gradient).
  const scoreWeight = ops.param('sb.score', [N, Hd], { kind: 'normal', std: 0.02 });
  const perPath = ops.sum(ops.mul(ops.reshape(hidden, [-1, T_, N, Hd]), scoreWeight), -1); // [B,T,N]
  const scores = ops.transpose(perPath, [0, 2, 1]); // [B,N,T]
  const maps = ops.softmax(scores);
  let pathEmbeddings = ops.matMul(maps, tokens); // [B,N,D]
  // A per-path identity so the SCI queries stay distinguishable even if two maps coincide.
  pathEmbeddings = ops.add(pathEmbeddings, ops.param('sb.path_embed', [N, D], { kind: 'normal', std: 0.02 }));
  pathEmbeddings = ops.dense('sb.out', pathEmbeddings, D, D);
  return { maps, pathEmbeddings };
}

/** CB: ViT-style encoder over the h·w tokens with a learned positional embedding. */
function contextualBranch<T>(ops: Ops<T>, config: JadferConfig, tokens: T, T_: number): T {
  const D = config.dim;
  let x = ops.add(tokens, ops.param('cb.pos', [T_, D], { kind: 'normal', std: 0.02 }));
  for (let l = 0; l < config.layers; l++) {
    const p = `cb.${l}`;
    const normed = ops.layerNorm(`${p}.ln1`, x, D);
    x = ops.add(x, attention(ops, config, p + '.attn', normed, normed, T_, T_));
    x = ops.add(x, mlp(ops, config, p + '.mlp', ops.layerNorm(`${p}.ln2`, x, D)));
  }
  return ops.layerNorm('cb.ln_out', x, D);
}

/** SCI: SB path embeddings (queries) attend to CB tokens (keys/values). */
function interaction<T>(ops: Ops<T>, config: JadferConfig, queries: T, context: T, T_: number): T {
  const D = config.dim;
  const N = config.paths;
  const q = ops.layerNorm('sci.ln_q', queries, D);
  const kv = ops.layerNorm('sci.ln_kv', context, D);
  let x = ops.add(queries, attention(ops, config, 'sci.attn', q, kv, N, T_));
  x = ops.add(x, mlp(ops, config, 'sci.mlp', ops.layerNorm('sci.ln2', x, D)));
  return ops.layerNorm('sci.ln_out', x, D);
}

/** Multi-head attention with JAD on the softmaxed weights. */
function attention<T>(
  ops: Ops<T>,
  config: JadferConfig,
  name: string,
  queryIn: T,
  keyValueIn: T,
  Lq: number,
  Lk: number,
): T {
  const D = config.dim;
  const H = config.heads;
  const dh = D / H;
  const split = (x: T, L: number, perm: number[]) => ops.transpose(ops.reshape(x, [-1, L, H, dh]), perm);
  const q = split(ops.dense(`${name}.q`, queryIn, D, D), Lq, [0, 2, 1, 3]); // [B,H,Lq,dh]
  const k = split(ops.dense(`${name}.k`, keyValueIn, D, D), Lk, [0, 2, 3, 1]); // [B,H,dh,Lk]
  const v = split(ops.dense(`${name}.v`, keyValueIn, D, D), Lk, [0, 2, 1, 3]); // [B,H,Lk,dh]
  let weights = ops.softmax(ops.scale(ops.matMul(q, k), 1 / Math.sqrt(dh))); // [B,H,Lq,Lk]
  weights = ops.jad(weights, config.jadRatio, config.jadProb);
  const out = ops.reshape(ops.transpose(ops.matMul(weights, v), [0, 2, 1, 3]), [-1, Lq, D]);
  return ops.dense(`${name}.o`, out, D, D);
}

function mlp<T>(ops: Ops<T>, config: JadferConfig, name: string, x: T): T {
  const D = config.dim;
  const hidden = config.mlpRatio * D;
  return ops.dense(`${name}.fc2`, ops.gelu(ops.dense(`${name}.fc1`, x, D, hidden)), hidden, D);
}
