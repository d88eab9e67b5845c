import { JadferError } from '../contract/errors.js';
import type { LandmarkTemplate } from './pipeline/align.js';

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
    /** Faces are written planar: [batch, channels, height, width]. */
    layout: 'NCHW';
    /** Batch-1 shape, [1, C, H, W]. */
    shape: [number, number, number, number];
    dynamicBatch?: boolean;
    /** 'gray' is BT.601 luma. A BGR network folds the channel swap into its first layer at export. */
    color: 'rgb' | 'gray';
    /** Pixel range before mean/std: 0..255 bytes are first mapped linearly onto it. */
    range: [number, number];
    mean: number[];
    std: number[];
  };
  output: { name: string; kind: 'logits' | 'probabilities' };
  labels: string[];
  /** How faces are framed; `template` places detector landmarks in the crop (see pipeline/align.ts). */
  crop?: { description?: string; template?: LandmarkTemplate; [key: string]: unknown };
  training?: Record<string, unknown>;
  metrics?: Record<string, unknown>;
  [key: string]: unknown;
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
  need(
    Array.isArray(card.labels) && card.labels.length > 0 && card.labels.every((l) => typeof l === 'string'),
    'labels',
    'must be a non-empty string array',
  );
  const input = card.input;
  need(typeof input === 'object' && input !== null, 'input', 'must be an object');
  if (input) {
    need(typeof input.name === 'string', 'input.name', 'must be a string');
    need(input.layout === 'NCHW', 'input.layout', "must be 'NCHW'");
    need(
      Array.isArray(input.shape) && input.shape.length === 4 && input.shape.every((d) => Number.isInteger(d) && d > 0),
      'input.shape',
      'must be 4 positive integers',
    );
    need(input.color === 'rgb' || input.color === 'gray', 'input.color', "must be 'rgb' or 'gray'");
    need(
      Array.isArray(input.range) && input.range.length === 2 && input.range.every(Number.isFinite),
      'input.range',
      'must be [min, max]',
    );
    need(Array.isArray(input.mean) && input.mean.every(Number.isFinite), 'input.mean', 'must be numbers');
    need(
      Array.isArray(input.std) && input.std.every((s) => Number.isFinite(s) && s !== 0),
      'input.std',
      'must be non-zero numbers',
    );
  }
  need(
    typeof card.output === 'object' && card.output !== null && typeof card.output.name === 'string',
    'output.name',
    'must be a string',
  );
  need(
    card.output?.kind === 'logits' || card.output?.kind === 'probabilities',
    'output.kind',
    "must be 'logits' or 'probabilities'",
  );
  const template = card.crop?.template;
  if (template !== undefined) {
    const points = (template as Partial<LandmarkTemplate>).points;
    need(
      Array.isArray(points) &&
        points.length >= 2 &&
        points.every((p) => Number.isInteger(p?.index) && Number.isFinite(p?.x) && Number.isFinite(p?.y)),
      'crop.template',
      'needs ≥ 2 points { index, x, y }',
    );
  }
  if (problems.length === 0) {
    const channels = card.input!.shape[1];
    const expected = card.input!.color === 'gray' ? 1 : 3;
    need(
      channels === expected,
      'input.shape',
      `color '${card.input!.color}' needs ${expected} channel(s), the shape has ${channels}`,
    );
    need(
      card.input!.mean.length === 1 || card.input!.mean.length === channels,
      'input.mean',
      `needs 1 or ${channels} values`,
    );
    need(
      card.input!.std.length === 1 || card.input!.std.length === channels,
      'input.std',
      `needs 1 or ${channels} values`,
    );
  }
  if (problems.length > 0) throw cardError(cardUrl, problems);
  return card as ClassifierCard;
}

function cardError(url: string, problems: string[]): JadferError {
  return new JadferError('E_MODEL_LOAD', `invalid model card ${url}: ${problems.join('; ')}`, {
    details: { url, problems },
  });
}
