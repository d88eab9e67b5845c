/**
 * Training from the faces themselves instead of cached feature maps: each batch is augmented afresh
 * (a random similarity jitter and a coin-flip mirror, drawn from the trainer's checkpointed Rng),
 * preprocessed exactly as the SDK does (preprocess.ts), and run through the frozen start of the trunk
 * (up to `featureNode`, e.g. the stem conv1) on the training backend. Everything after that node is
 * the trainable trunk tail plus the heads, so with `featureNode` = the stem the whole trunk learns.
 * This is the path for a GPU: on this 2-core VM the full trunk trains at a few samples per second.
 */
import type { GraphModel } from '@tensorflow/tfjs-converter';
import * as tf from '@tensorflow/tfjs';
import { CANDIDATES, candidatePath } from '../backbone/candidates.js';
import { blockIndex } from '../backbone/tail-weights.js';
import { writeGrayFace } from '../backbone/preprocess.js';
import { loadGraphModelFromDisk } from '../backbone/tfjs-env.js';
import { jitterFace, KIOSK_AUGMENT, kioskAugment } from '../data/augment.js';
import { loadDataset, readOrSkip } from '../data/datasets.js';
import { FER_SIZE } from '../../common/ferplus.js';
import type { Rng } from '../model/rng.js';
import type { SplitMeta, TrainingSplit } from './features.js';

export interface ImageSource {
  /** A --dataset spec (training/data/datasets.ts): ferplus, fer2013-csv=…, folder=…, pack=…. */
  dataset: string;
  backbone: string;
  /** The trunk node the frozen part ends at; the tail starts after it. */
  featureNode: string;
  /** Read at most this many images per split (tests, smoke runs). */
  limit?: number;
  /** Training-time augmentation: a mild similarity jitter (default), or kiosk conditions (augment.ts KIOSK_AUGMENT). */
  augment?: Augmentation;
}

export const AUGMENTATIONS = ['jitter', 'kiosk'] as const;
export type Augmentation = (typeof AUGMENTATIONS)[number];

/** The faces of one batch as the model sees them: augmented 48×48 gray, and whether each is mirrored. */
export interface FaceViews {
  faces: Uint8Array[];
  flips: boolean[];
}

/** The stem's output: the earliest node a tail can start from (MobileNet block 0). */
export const TRUNK_STEM = 'conv1_relu/clip_by_value';

/** How many MobileNet blocks lie after `node` up to the backbone's feature node (the one the heads read). */
export function blocksBetween(node: string, backbone: string): number {
  const candidate = CANDIDATES[backbone];
  if (!candidate) throw new Error(`unknown backbone ${backbone} (training/backbone/candidates.ts)`);
  const heads = candidate.features[0]!.node;
  const [from, to] = [blockIndex(node), blockIndex(heads)];
  if (from === undefined || to === undefined || to < from)
    throw new Error(`${node} is not a MobileNet block output before ${heads}`);
  return to - from;
}

export class ImageSplit implements TrainingSplit {
  readonly viewCount = 0;

  private constructor(
    readonly meta: SplitMeta,
    private readonly faces: Uint8Array[],
    private readonly trunkStart: GraphModel,
    private readonly source: ImageSource,
  ) {}

  static async open(source: ImageSource, split: string, trunkStart?: GraphModel): Promise<ImageSplit> {
    const candidate = CANDIDATES[source.backbone];
    if (!candidate) throw new Error(`unknown backbone ${source.backbone} (training/backbone/candidates.ts)`);
    const loaded = await loadDataset(source.dataset, split, source.limit);
    if (source.limit !== undefined) loaded.items.splice(source.limit);
    const faces: Uint8Array[] = [];
    const kept: typeof loaded.items = [];
    for (const item of loaded.items) {
      const face = await readOrSkip(item, loaded.skipped);
      if (!face) continue;
      faces.push(face);
      kept.push(item);
    }
    if (faces.length === 0) throw new Error(`${source.dataset} ${split}: no readable images`);
    const model =
      trunkStart ?? (await loadGraphModelFromDisk(candidatePath(candidate), candidate.spec.inputSize)).model;
    const size = candidate.spec.inputSize;
    const [, h, w, c] = tf.tidy(
      () => (model.execute(tf.zeros([1, size, size, 3]), source.featureNode) as tf.Tensor).shape,
    ) as number[];
    const meta: SplitMeta = {
      backbone: source.backbone,
      featureNode: source.featureNode,
      n: faces.length,
      h: h!,
      w: w!,
      c: c!,
      files: kept.map((k) => k.file),
      labels: kept.map((k) => k.label),
      votes: kept.map((k) => k.votes),
      skipped: loaded.skipped,
    };
    return new ImageSplit(meta, faces, model, source);
  }

  /** The same frozen trunk start for another split (one copy of its weights). */
  openSibling(split: string): Promise<ImageSplit> {
    return ImageSplit.open(this.source, split, this.trunkStart);
  }

  /** The batch's faces: with `rng`, each augmented and mirrored at random; without, as they are. */
  views(indices: number[], rng?: Rng): FaceViews {
    const faces: Uint8Array[] = [];
    const flips: boolean[] = [];
    for (const index of indices) {
      const face = this.faces[index]!;
      if (!rng) {
        faces.push(face);
        flips.push(false);
        continue;
      }
      // Draw the same numbers whatever the outcomes, so the stream of draws stays aligned.
      const view = 1 + rng.int(0x7fffffff);
      const flip = rng.int(2) === 1;
      const kiosk = this.source.augment === 'kiosk' && rng.next() < KIOSK_AUGMENT.share;
      faces.push(kiosk ? kioskAugment(face, rng) : jitterFace(face, index, view));
      flips.push(flip);
    }
    return { faces, flips };
  }

  /** Preprocessed NHWC input of the trunk. */
  pixels({ faces, flips }: FaceViews): Float32Array {
    const spec = CANDIDATES[this.source.backbone]!.spec;
    const out = new Float32Array(faces.length * spec.inputSize * spec.inputSize * 3);
    faces.forEach((face, i) => writeGrayFace(out, i, face, FER_SIZE, spec, 'nhwc', flips[i]));
    return out;
  }

  batch(indices: number[], rng?: Rng): Promise<tf.Tensor4D> {
    return this.trunk(this.views(indices, rng));
  }

  /** The faces through the frozen start of the trunk: the map the trained blocks read. */
  async trunk(views: FaceViews): Promise<tf.Tensor4D> {
    const size = CANDIDATES[this.source.backbone]!.spec.inputSize;
    const input = tf.tensor4d(this.pixels(views), [views.faces.length, size, size, 3]);
    const map = this.trunkStart.execute(input, this.meta.featureNode) as tf.Tensor4D;
    input.dispose();
    return map;
  }

  close(): void {
    // The trunk start is shared between splits and lives as long as the process.
  }
}
