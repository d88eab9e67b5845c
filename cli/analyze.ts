import { mkdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { create, isJadferError, JadferError } from '../src/index.js';
import type { DetectorOption, PriorsOption } from '../src/contract/options.js';
import type { FaceResult } from '../src/contract/types.js';
import { loadSharp } from '../common/sharp.js';
import { overlaySvg } from './annotate.js';
import { numberOption, parseCommandLine } from '../common/args.js';
import type { Command } from './command.js';

const USAGE = `Usage: jadfer analyze <image files...> [options]

Detects the faces in each image and recognises their expressions, on this machine.

Options:
  --json                 print one JSON object: { files: [{ file, width, height, faces | error }] }
  --annotate <dir>       write <dir>/<name>.png with boxes, landmarks and labels
  --detector <name>      blazeface-back (default: faces from ~32 px, kiosk to signage), blazeface (near faces only) or none
  --model <card.json>    a classifier model card (default: the shipped model)
  --mirror               classify each face with its mirror image too and average them
  --priors <p>           balanced (default: every expression counts alike) or unadjusted (the training data's
                         frequencies: more neutral and happy, fewer rare expressions)
  --max-faces <n>        at most n faces per image (default 32)`;

export interface AnalyzedFile {
  file: string;
  width?: number;
  height?: number;
  faces?: FaceResult[];
  error?: { code: string; message: string };
}

export const analyzeCommand: Command = {
  summary: 'find faces and expressions in image files',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseCommandLine(args, {
      options: {
        json: { type: 'boolean', default: false },
        mirror: { type: 'boolean', default: false },
        priors: { type: 'string', default: 'balanced' },
        annotate: { type: 'string' },
        detector: { type: 'string' }, // the SDK's default detector unless given
        model: { type: 'string' },
        'max-faces': { type: 'string' },
      },
      positionals: { min: 1, max: Infinity },
    });
    const maxFaces = numberOption(values['max-faces'], 'max-faces', { integer: true, min: 1 }) ?? 32;
    const sharp = await loadSharp();
    const annotateDir = values.annotate;
    const json = values.json;
    const fer = await create({
      ...(values.detector ? { detector: values.detector as DetectorOption } : {}),
      maxFaces,
      mirror: values.mirror,
      priors: values.priors as PriorsOption,
      ...(values.model ? { modelUrl: pathToFileURL(values.model).href } : {}),
    });
    const results: AnalyzedFile[] = [];
    try {
      if (annotateDir) await mkdir(annotateDir, { recursive: true });
      for (const file of positionals) {
        const result: AnalyzedFile = { file };
        try {
          const decoded = await sharp(file)
            .rotate() // respect EXIF orientation, as a viewer would
            .ensureAlpha()
            .raw()
            .toBuffer({ resolveWithObject: true })
            .catch((error: Error) => {
              throw new JadferError('E_BAD_INPUT', `cannot decode ${file}: ${error.message}`, { cause: error });
            });
          const { width, height } = decoded.info;
          Object.assign(result, { width, height });
          result.faces = await fer.analyze({
            data: new Uint8Array(decoded.data.buffer, decoded.data.byteOffset, decoded.data.byteLength),
            width,
            height,
          });
          if (annotateDir) {
            const out = join(annotateDir, `${basename(file, extname(file))}.png`);
            await sharp(file)
              .rotate()
              .composite([{ input: Buffer.from(overlaySvg(width, height, result.faces)) }])
              .png()
              .toFile(out);
          }
        } catch (error) {
          result.error = { code: isJadferError(error) ? error.code : 'E_INTERNAL', message: (error as Error).message };
        }
        results.push(result);
        if (!json) printHuman(result);
      }
    } finally {
      await fer.dispose();
    }
    if (json)
      console.log(
        JSON.stringify(
          { model: fer.model.name, detector: fer.detector, backend: fer.backend, files: results },
          null,
          2,
        ),
      );
    return results.some((r) => r.error) ? 1 : 0;
  },
};

function printHuman(result: AnalyzedFile): void {
  if (result.error) {
    console.log(`${result.file}: ${result.error.code}: ${result.error.message}`);
    return;
  }
  const faces = result.faces!;
  console.log(
    `${result.file} (${result.width}×${result.height}): ${faces.length} face${faces.length === 1 ? '' : 's'}`,
  );
  faces.forEach((face, i) => {
    const { x, y, width, height } = face.box;
    const top = Object.entries(face.expression.scores)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([label, score]) => `${label} ${(score * 100).toFixed(0)}%`)
      .join(', ');
    console.log(`  #${i + 1} box ${x.toFixed(0)},${y.toFixed(0)} ${width.toFixed(0)}×${height.toFixed(0)}  ${top}`);
  });
}
