import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isJadferError, JadferError } from '../src/index.js';
import type { FaceResult } from '../src/contract/types.js';
import {
  decodeRgba,
  DEFAULT_MAX_PIXELS,
  IMAGE_EXTENSIONS,
  imageLimits,
  loadSharp,
  probeImage,
} from '../common/sharp.js';
import { overlaySvg } from './annotate.js';
import { defineCommand, JSON_FLAG, type Cli } from './command.js';
import { annotationPaths, collectImages, type ImageInput } from './inputs.js';
import { loadModels, modelUrl } from './models.js';

export interface AnalyzedFile {
  file: string;
  width?: number;
  height?: number;
  faces?: FaceResult[];
  /** The annotated PNG written for it (--annotate). */
  annotated?: string;
  error?: { code: string; message: string; details?: Record<string, unknown> };
}

export const analyzeCommand = defineCommand({
  summary: 'find faces and expressions in image files or folders',
  synopsis: '<images or folders...>',
  description: `Detects the faces in each image and recognises their expressions, on this machine. A folder gives
the images in it (by extension: ${IMAGE_EXTENSIONS.map((e) => e.slice(1)).join(', ')}); --recursive walks its subfolders too.
Every input is checked before the models load; an input that fails is reported (stderr, and in --json) and the
others go on. Exit 0 when every image was analysed, 1 when one failed, 2 for a usage error.`,
  positionals: { min: 1, max: Infinity },
  flags: {
    json: {
      ...JSON_FLAG,
      help: 'print one JSON object: { model, detector, backend, files: [{ file, width, height, faces | error }] }',
    },
    recursive: { type: 'boolean', short: 'r', help: 'walk the subfolders of a folder too' },
    annotate: {
      type: 'string',
      value: '<dir>',
      help: `write <dir>/<name>.png with boxes, landmarks and labels (a folder's images keep their subfolders;
two inputs of the same name get -2, -3…), and say each file written`,
    },
    detector: {
      type: 'string',
      value: '<name>',
      sdk: 'detector',
      help: 'blazeface-back (default: faces from ~32 px, kiosk to signage), blazeface (near faces only) or none',
    },
    model: { type: 'string', value: '<card.json>', help: 'a classifier model card (default: the shipped model)' },
    mirror: { type: 'boolean', sdk: 'mirror', help: 'classify each face with its mirror image too and average them' },
    priors: {
      type: 'string',
      value: '<p>',
      sdk: 'priors',
      help: `balanced (default: every expression counts alike) or unadjusted (the training data's
frequencies: more neutral and happy, fewer rare expressions)`,
    },
    'max-faces': {
      type: 'string',
      value: '<n>',
      default: '32',
      number: {},
      sdk: 'maxFaces',
      help: 'at most n faces per image (default 32)',
    },
    'min-detection-confidence': {
      type: 'string',
      value: '<c>',
      number: {},
      sdk: 'minDetectionConfidence',
      help: `a face counts only from this detection score, 0–1 (the SDK's minDetectionConfidence, default 0.6;
face-api's and human's minConfidence)`,
    },
    'max-megapixels': {
      type: 'string',
      value: '<n>',
      number: { min: 0.001 },
      help: `refuse an image that declares more megapixels (default ${DEFAULT_MAX_PIXELS / 1e6}: a small file can
declare a huge image), and a file over 8 bytes per allowed pixel`,
    },
  },
  async run({ values, positionals, sdkOptions }, cli) {
    const limits = imageLimits(values['max-megapixels'] === undefined ? undefined : values['max-megapixels'] * 1e6);
    // Everything that can be wrong with the inputs is found before the models load (10-15 s).
    const model = await modelUrl(values.model);
    await loadSharp();
    const { inputs, notes } = await collectImages(positionals, values.recursive);
    for (const note of notes) cli.note(note);
    if (inputs.length === 0) throw new JadferError('E_BAD_INPUT', 'no images to analyse');
    const results: AnalyzedFile[] = [];
    const ready: { input: ImageInput; result: AnalyzedFile }[] = [];
    for (const [i, input] of inputs.entries()) {
      cli.progress.update(`checking ${i + 1}/${inputs.length} ${input.file}`);
      const result: AnalyzedFile = { file: input.file };
      results.push(result);
      try {
        const { width, height } = await probeImage(input.file, limits);
        Object.assign(result, { width, height });
        ready.push({ input, result });
      } catch (error) {
        fail(result, error, cli);
      }
    }
    cli.progress.clear();
    const outputs = values.annotate
      ? annotationPaths(
          ready.map((r) => r.input),
          values.annotate,
        )
      : [];
    if (values.annotate) for (const dir of new Set([values.annotate, ...outputs.map(dirname)])) await makeFolder(dir);

    const summary: Record<string, unknown> = {};
    if (ready.length > 0) {
      const fer = await loadModels({ ...sdkOptions, ...model }, cli);
      Object.assign(summary, { model: fer.model.name, detector: fer.detector, backend: fer.backend });
      const sharp = await loadSharp();
      try {
        for (const [i, { input, result }] of ready.entries()) {
          cli.progress.update(`analysing ${i + 1}/${ready.length} ${input.file}`);
          try {
            const image = await decodeRgba(input.file, limits);
            Object.assign(result, { width: image.width, height: image.height });
            result.faces = await fer.analyze(image);
            const out = outputs[i];
            if (out) {
              await sharp(input.file, { limitInputPixels: limits.maxPixels })
                .rotate()
                .composite([{ input: Buffer.from(overlaySvg(image.width, image.height, result.faces)) }])
                .png()
                .toFile(out)
                .catch((error: Error) => {
                  throw new JadferError('E_BAD_INPUT', `--annotate: cannot write ${out}: ${error.message}`, {
                    cause: error,
                    details: { path: out },
                  });
                });
              result.annotated = out;
            }
          } catch (error) {
            fail(result, error, cli);
          }
          if (!cli.json && !result.error) printHuman(result, cli);
        }
      } finally {
        cli.progress.clear();
        await fer.dispose();
      }
    }
    if (cli.json) cli.printJson({ ...summary, files: results });
    return results.some((r) => r.error) ? 1 : 0;
  },
});

/** Records a file's failure in its result and says it on stderr; a bug (not a typed error) is no file's fault. */
function fail(result: AnalyzedFile, error: unknown, cli: Cli): void {
  if (!isJadferError(error)) throw error;
  result.error = { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) };
  cli.note(`${cli.name}: ${error.code}: ${error.message}`);
}

async function makeFolder(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
    throw new JadferError(
      'E_BAD_INPUT',
      `--annotate: cannot create the folder ${dir} (${error.code ?? error.message})`,
      {
        cause: error,
        details: { path: dir },
      },
    );
  });
}

function printHuman(result: AnalyzedFile, cli: Cli): void {
  const faces = result.faces!;
  cli.out(`${result.file} (${result.width}×${result.height}): ${faces.length} face${faces.length === 1 ? '' : 's'}`);
  faces.forEach((face, i) => {
    const { x, y, width, height } = face.box;
    const top = Object.entries(face.expression.scores)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([label, score]) => `${label} ${(score * 100).toFixed(0)}%`)
      .join(', ');
    cli.out(`  #${i + 1} box ${x.toFixed(0)},${y.toFixed(0)} ${width.toFixed(0)}×${height.toFixed(0)}  ${top}`);
  });
  if (result.annotated) cli.out(`  wrote ${result.annotated}`);
}
