/**
 * `jadfer eval` on whole photos: a folder per class (`<dir>/<label>/<photo>`), each photo through the
 * full pipeline (detector, alignment, classifier) as an integrator's `analyze()` would run it. The
 * largest face is the photo's answer; a photo where no face is found counts as wrong (its own
 * column, `NO_FACE`) and is listed, so a detector miss is never hidden as a skip.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { JadferError } from '../src/contract/errors.js';
import type { CreateOptions } from '../src/contract/options.js';
import { byLabel } from '../common/metrics.js';
import { decodeRgba } from '../common/sharp.js';
import type { FaceResult } from '../src/contract/types.js';
import type { Cli } from './command.js';
import type { EvalReport } from '../common/eval-report.js';
import { largestFace, MIN_CLASS_PHOTOS, NO_FACE, overScoredClasses } from '../common/photo-scoring.js';
import { loadModels } from './models.js';

export const PHOTO_USAGE = `Photo folders (<dir>/<label>/<photo>, no label.csv): whole photos through the full pipeline (the
default detector, alignment, classifier). The largest face is the photo's answer; a photo with no face counts
as wrong (the confusion's 'no face' column; the photos are listed in noFace). Mean per-class accuracy and
macro F1 are over the classes with at least 20 photos (scoredClasses); overall accuracy is over every photo.
--only keeps the photos a list names (one <label>/<photo> a line: a split of the set).`;

export interface Photo {
  /** `<label>/<file>`, relative to the set's folder (the form `--only` lists). */
  path: string;
  label: number;
}

/** True when `dir` holds no FERPlus label.csv but folders named after the model's labels. */
export function isPhotoFolderSet(dir: string, labels: readonly string[]): boolean {
  return !existsSync(join(dir, 'label.csv')) && labels.some((l) => existsSync(join(dir, l)));
}

/**
 * The photos of a folder-per-class set, sorted, labelled by their folder (in `labels` order).
 * `only`: the `<label>/<file>` paths to keep (a split's list); a listed photo that is missing is an error.
 */
export function readPhotoFolders(dir: string, labels: readonly string[], only?: ReadonlySet<string>): Photo[] {
  const photos: Photo[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (!statSync(join(dir, name)).isDirectory()) continue;
    const label = labels.indexOf(name);
    if (label < 0)
      throw new JadferError('E_BAD_INPUT', `folder '${name}' in ${dir} is not one of the model's labels`, {
        details: { labels },
      });
    for (const file of readdirSync(join(dir, name)).sort())
      if (/\.(jpe?g|png|webp)$/i.test(file) && (!only || only.has(`${name}/${file}`)))
        photos.push({ path: `${name}/${file}`, label });
  }
  if (only) {
    const found = new Set(photos.map((p) => p.path));
    const missing = [...only].filter((p) => !found.has(p));
    if (missing.length)
      throw new JadferError('E_BAD_INPUT', `${missing.length} listed photos are not in ${dir}, e.g. ${missing[0]}`);
  }
  if (!photos.length) throw new JadferError('E_BAD_INPUT', `no photos in ${dir}`);
  return photos;
}

/** A split list: one `<label>/<file>` per line; blank lines and `#` comments are ignored. */
export function readPhotoList(file: string): Set<string> {
  return new Set(
    readFileSync(file, 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#')),
  );
}

export interface PhotoOutcome {
  photo: Photo;
  /** Index into the labels; -1 when no face was found. */
  predicted: number;
  faces: number;
  /** The judged face's probabilities in label order (absent without a face). */
  scores?: number[];
}

/** Decodes each photo to RGBA (EXIF orientation applied and the pixel limit enforced, as `jadfer analyze` does) and runs `analyze` on it. */
export async function classifyPhotos(
  dir: string,
  photos: readonly Photo[],
  labels: readonly string[],
  analyze: (frame: { data: Uint8Array; width: number; height: number }) => Promise<FaceResult[]>,
  onProgress: (done: number) => void = () => undefined,
): Promise<PhotoOutcome[]> {
  const outcomes: PhotoOutcome[] = [];
  for (const photo of photos) {
    onProgress(outcomes.length + 1);
    const faces = await analyze(await decodeRgba(join(dir, photo.path)));
    const face = largestFace(faces);
    if (!face) {
      outcomes.push({ photo, predicted: -1, faces: 0 });
      continue;
    }
    const scores = labels.map((l) => (face.expression.scores as Record<string, number>)[l] ?? 0);
    outcomes.push({ photo, predicted: labels.indexOf(face.expression.label), faces: faces.length, scores });
  }
  return outcomes;
}

/** What the scoring needs from the caller: the label order and the one metrics definition. */
export interface PhotoEvalDeps {
  labels: readonly string[];
  score: (confusion: number[][]) => {
    n: number;
    correct: number;
    accuracy: number;
    perClass: { n: number; correct: number; accuracy: number; predicted: number; precision: number; f1: number }[];
    confusion: number[][];
  };
}

/** Scores a folder-per-class photo set through the full pipeline: `jadfer eval --data <photo folders>`. */
export async function evaluatePhotos(
  dataDir: string,
  options: Pick<CreateOptions, 'mirror' | 'priors' | 'modelUrl'>,
  only: ReadonlySet<string> | undefined,
  cli: Cli,
  { labels: classes, score }: PhotoEvalDeps,
): Promise<EvalReport> {
  const started = performance.now();
  const photos = readPhotoFolders(dataDir, classes, only);
  const fer = await loadModels({ device: 'wasm', ...options }, cli);
  let outcomes: PhotoOutcome[];
  try {
    outcomes = await classifyPhotos(
      dataDir,
      photos,
      classes,
      (frame) => fer.analyze(frame),
      (done) => cli.progress.update(`scoring ${done}/${photos.length}`),
    );
  } finally {
    cli.progress.clear();
    await fer.dispose();
  }
  const labels = [...classes, NO_FACE];
  const confusion = labels.map(() => new Array<number>(labels.length).fill(0));
  for (const o of outcomes) confusion[o.photo.label]![o.predicted < 0 ? classes.length : o.predicted]!++;
  const metrics = score(confusion);
  const { meanClassAccuracy, macroF1, classes: scoredClasses } = overScoredClasses(metrics.perClass, labels);
  const withFace = outcomes.filter((o) => o.scores);
  return {
    model: fer.model.name,
    data: dataDir,
    n: metrics.n,
    correct: metrics.correct,
    accuracy: metrics.accuracy,
    meanClassAccuracy,
    macroF1,
    labels,
    perClass: byLabel(labels, metrics.perClass),
    confusion: metrics.confusion,
    skipped: {},
    ms: performance.now() - started,
    scores: withFace.map((o) => o.scores!),
    truth: withFace.map((o) => o.photo.label),
    scoredClasses,
    noFace: outcomes.filter((o) => o.predicted < 0).map((o) => o.photo.path),
  };
}
