import { JadferError } from '../src/errors.js';

/**
 * The classifier model card (`models/<name>.json`). The runtime takes everything it
 * needs to feed the model from here and hard-codes none of it.
 */
export interface ClassifierCard {
  schema: 'jadfer.model-card/v1';
  name: string;
  /** The .onnx file, relative to the card. */
  file: string;
  /** Hex sha256 of the .onnx file; checked before the model is used. */
  sha256?: string;
  task: 'expression-classification';
  input: {
    name: string;
    layout: 'NCHW' | 'NHWC';
    /** Batch-1 shape in `layout` order. */
    shape: [number, number, number, number];
    dynamicBatch?: boolean;
    color: 'rgb' | 'bgr' | 'gray';
    /** Pixel range before mean/std: 0..255 bytes are first mapped linearly onto it. */
    range: [number, number];
    mean: number[];
    std: number[];
  };
  output: { name: string; kind: 'logits' | 'probabilities' };
  labels: string[];
  crop?: Record<string, unknown>;
  training?: Record<string, unknown>;
  metrics?: Record<string, unknown>;
  [key: string]: unknown;
}

/** What preprocessing needs, derived once from the card. */
export interface TensorSpec {
  layout: 'NCHW' | 'NHWC';
  channels: number;
  height: number;
  width: number;
  color: 'rgb' | 'bgr' | 'gray';
  /** v = byte * scale + offset, per channel: range mapping and mean/std folded together. */
  scale: Float32Array;
  offset: Float32Array;
}

export function parseClassifierCard(json: unknown, cardUrl: string): ClassifierCard {
  const problems: string[] = [];
  const card = json as Partial<ClassifierCard> | null;
  const need = (ok: boolean, path: string, what: string) => {
    if (!ok) problems.push(`${path}: ${what}`);
  };
  need(typeof card === 'object' && card !== null, '$', 'must be an object');
  if (typeof card !== 'object' || card === null) throw cardError(cardUrl, problems);
  need(card.schema === 'jadfer.model-card/v1', 'schema', "must be 'jadfer.model-card/v1'");
  need(typeof card.file === 'string' && card.file.length > 0, 'file', 'must name the .onnx file');
  need(card.sha256 === undefined || /^[0-9a-f]{64}$/.test(card.sha256), 'sha256', 'must be 64 hex digits');
  need(Array.isArray(card.labels) && card.labels.length > 0 && card.labels.every((l) => typeof l === 'string'), 'labels', 'must be a non-empty string array');
  const input = card.input;
  need(typeof input === 'object' && input !== null, 'input', 'must be an object');
  if (input) {
    need(typeof input.name === 'string', 'input.name', 'must be a string');
    need(input.layout === 'NCHW' || input.layout === 'NHWC', 'input.layout', "must be 'NCHW' or 'NHWC'");
    need(Array.isArray(input.shape) && input.shape.length === 4 && input.shape.every((d) => Number.isInteger(d) && d > 0), 'input.shape', 'must be 4 positive integers');
    need(['rgb', 'bgr', 'gray'].includes(input.color as string), 'input.color', "must be 'rgb', 'bgr' or 'gray'");
    need(Array.isArray(input.range) && input.range.length === 2 && input.range.every(Number.isFinite), 'input.range', 'must be [min, max]');
    need(Array.isArray(input.mean) && input.mean.every(Number.isFinite), 'input.mean', 'must be numbers');
    need(Array.isArray(input.std) && input.std.every((s) => Number.isFinite(s) && s !== 0), 'input.std', 'must be non-zero numbers');
  }
  need(typeof card.output === 'object' && card.output !== null && typeof card.output.name === 'string', 'output.name', 'must be a string');
  need(card.output?.kind === 'logits' || card.output?.kind === 'probabilities', 'output.kind', "must be 'logits' or 'probabilities'");
  if (problems.length === 0) {
    const spec = tensorSpec(card as ClassifierCard);
    need(card.input!.mean.length === 1 || card.input!.mean.length === spec.channels, 'input.mean', `needs 1 or ${spec.channels} values`);
    need(card.input!.std.length === 1 || card.input!.std.length === spec.channels, 'input.std', `needs 1 or ${spec.channels} values`);
    need(spec.channels === 1 || spec.channels === 3, 'input.shape', 'needs 1 or 3 channels');
  }
  if (problems.length > 0) throw cardError(cardUrl, problems);
  return card as ClassifierCard;
}

function cardError(url: string, problems: string[]): JadferError {
  return new JadferError('E_MODEL_LOAD', `invalid model card ${url}: ${problems.join('; ')}`, { details: { url, problems } });
}

export function tensorSpec(card: ClassifierCard): TensorSpec {
  const { layout, shape, color, range, mean, std } = card.input;
  const [, a, b, c] = shape;
  const [channels, height, width] = layout === 'NCHW' ? [a, b, c] : [c, a, b];
  const scale = new Float32Array(channels);
  const offset = new Float32Array(channels);
  const unit = (range[1] - range[0]) / 255;
  for (let ch = 0; ch < channels; ch++) {
    const m = mean[mean.length === 1 ? 0 : ch]!;
    const s = std[std.length === 1 ? 0 : ch]!;
    scale[ch] = unit / s;
    offset[ch] = (range[0] - m) / s;
  }
  return { layout, channels, height, width, color, scale, offset };
}
