/** JADFER head configuration. Defaults and their reasons are in DESIGN.md. */
export interface FeatureShape {
  h: number;
  w: number;
  c: number;
}

export interface JadferConfig {
  /** Spatial-branch attention paths (N). */
  paths: number;
  /** Token / embedding width D. */
  dim: number;
  /** Attention heads in CB and SCI (dim % heads == 0). */
  heads: number;
  /** Self-attention layers in the contextual branch. */
  layers: number;
  /** Hidden width per SB path for its attention-score MLP. */
  pathHidden: number;
  /** Transformer MLP width = mlpRatio·dim. */
  mlpRatio: number;
  /** JAD: fraction of keys dropped per query (jointly highest across heads). */
  jadRatio: number;
  /** JAD: probability that a sample gets JAD in a training step. */
  jadProb: number;
  /** Dropout on projected tokens and on the fused embedding (training only). */
  dropout: number;
  /** Trunk blocks after the cached feature node that are fine-tuned with the heads (trunk-tail.ts). */
  tailBlocks: number;
  /**
   * The tail's shapes when it changes resolution or width, i.e. when it starts before the trunk's
   * last stride (training from pixels: the whole trunk after its stem). Absent: every block keeps
   * `featureShape`, as the tails that start at conv_pw_9 do.
   */
  tailLayout?: TailLayout;
  numClasses: number;
  /** The map the heads read: the trunk tail's output, or the cached features when there is no tail. */
  featureShape: FeatureShape;
}

/** A MobileNet v1 block: depthwise 3×3 at `stride`, then pointwise to `channels`. */
export interface TailBlock {
  stride: 1 | 2;
  channels: number;
}

export interface TailLayout {
  /** The map the first tail block reads (the frozen part's output). */
  input: FeatureShape;
  blocks: TailBlock[];
}

export const DEFAULT_CONFIG: Omit<JadferConfig, 'featureShape' | 'numClasses'> = {
  paths: 4,
  dim: 128,
  heads: 4,
  layers: 1,
  pathHidden: 32,
  mlpRatio: 2,
  jadRatio: 0.1,
  jadProb: 0.5,
  dropout: 0.1,
  tailBlocks: 0,
};

export function makeConfig(
  featureShape: FeatureShape,
  numClasses: number,
  overrides: Partial<JadferConfig> = {},
): JadferConfig {
  // Runs recorded before the trunk tail existed have no tailBlocks: they had none.
  const config: JadferConfig = { ...DEFAULT_CONFIG, featureShape, numClasses, ...overrides };
  if (config.dim % config.heads !== 0) throw new Error(`dim ${config.dim} not divisible by heads ${config.heads}`);
  return config;
}
