// Every TypeScript snippet of the README compiles against the packed package, with the tsconfig the README
// states plus strict, noUncheckedIndexedAccess and skipLibCheck: false; the Deno one with `deno check`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { appWithPackage, appWithSharp, DENO, denoEnv, ROOT } from './packed.js';
import { readmeBlock, readmeBlocks, type ReadmeBlock } from './readme.js';

const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/** The file a snippet names on its first line: `// public/kiosk.ts: …` → public/kiosk.ts. */
function fileOf(block: ReadmeBlock): string {
  const name = /^\/\/ ([\w./-]+\.ts)\b/.exec(block.code)?.[1];
  assert.ok(name, `README.md:${block.line}: a TypeScript snippet names its file on its first line`);
  return name;
}

const isDeno = (block: ReadmeBlock) => /^\/\/ [\w.]+: deno /.test(block.code);

/** The README's tsconfig.json block (JSON with line comments), with the strictest checks on top. */
function strictConfig(files: string[], lib?: string[]): object {
  const stated = JSON.parse(readmeBlock('// tsconfig.json').code.replace(/^\s*\/\/.*$/gm, ''));
  return {
    compilerOptions: {
      ...stated.compilerOptions,
      ...(lib ? { lib } : {}),
      strict: true,
      noUncheckedIndexedAccess: true,
      skipLibCheck: false,
      noEmit: true,
      types: [],
    },
    files,
  };
}

function tsc(app: string, config: object) {
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(config));
  const run = spawnSync(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: app, encoding: 'utf8' });
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
}

test('every TypeScript snippet of the README compiles, strictly, with the lib it states', () => {
  const snippets = readmeBlocks().filter((block) => block.lang === 'ts' && !isDeno(block));
  assert.ok(snippets.length >= 2, 'the README has TypeScript snippets');
  const files = Object.fromEntries(snippets.map((block) => [fileOf(block), block.code]));
  const app = appWithPackage('readme-ts', files);
  const compiled = tsc(app, strictConfig(Object.keys(files)));
  assert.ok(compiled.ok, compiled.output);

  // What the README says each setting is for: without esnext.disposable, `await using` has no types.
  const stated = (strictConfig([]) as { compilerOptions: { lib: string[] } }).compilerOptions.lib;
  const withoutDisposable = tsc(
    app,
    strictConfig(
      Object.keys(files),
      stated.filter((lib) => lib !== 'esnext.disposable'),
    ),
  );
  assert.ok(!withoutDisposable.ok);
  assert.match(withoutDisposable.output, /AsyncDisposable/);
});

test('the <script> global: `JADFER` is typed with jadfer/global, and unknown without it', () => {
  const kiosk = readmeBlock('// public/kiosk.ts').code;
  assert.match(kiosk, /^import type \{\} from 'jadfer\/global';$/m);
  const app = appWithPackage('global', { 'without.ts': kiosk.replace(/^import type .*$/m, 'export {};') });
  const run = tsc(app, strictConfig(['without.ts']));
  assert.match(run.output, /TS2304: Cannot find name 'JADFER'/);
});

test('labels, scores and keypoints complete in the editor, and a custom model may name its own', () => {
  const app = appWithPackage('labels', {
    'labels.ts': [
      "import type { ExpressionScores, FaceResult, FerPlusLabel, Keypoints, Label } from 'jadfer';",
      "import { FERPLUS_LABELS } from 'jadfer';",
      // The union is the eight, exactly, and the runtime list is the same eight.
      'const all: Record<FerPlusLabel, true> = { neutral: true, happiness: true, surprise: true, sadness: true, anger: true, disgust: true, fear: true, contempt: true };',
      'const listed: readonly FerPlusLabel[] = FERPLUS_LABELS;',
      "const custom: Label = 'boredom';",
      // A known label is optional (a custom model may lack it); any label reads as a number when iterated.
      'declare const scores: ExpressionScores;',
      'const happy: number | undefined = scores.happiness;',
      'for (const [label, p] of Object.entries(scores)) console.log(label.toUpperCase(), p.toFixed(2));',
      'declare const points: Keypoints; const nose: { x: number; y: number } | undefined = points.noseTip;',
      'declare const face: FaceResult; const eye = face.keypoints?.rightEye?.x;',
      'console.log(all, listed, custom, happy, nose, eye);',
      '// @ts-expect-error: a known label may be absent (a custom model), so it is not a number for sure',
      'const sure: number = scores.happiness;',
      'console.log(sure);',
    ].join('\n'),
  });
  const run = tsc(app, strictConfig(['labels.ts']));
  assert.ok(run.ok, run.output);
});

test('the Deno snippet type-checks with deno check, strictly', () => {
  const snippets = readmeBlocks().filter((block) => block.lang === 'ts' && isDeno(block));
  assert.equal(snippets.length, 1, 'one Deno snippet');
  const app = appWithSharp('deno-check', {
    [fileOf(snippets[0]!)]: snippets[0]!.code,
    'deno.json': JSON.stringify({ compilerOptions: { strict: true, noUncheckedIndexedAccess: true } }),
  });
  const run = spawnSync(DENO, ['check', fileOf(snippets[0]!)], {
    cwd: app,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...denoEnv() },
  });
  assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
});
