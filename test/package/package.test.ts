// The published package: what is in the tarball, what installing it adds, its types, its CLI.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { isBuiltin } from 'node:module';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { VERSION } from '../../src/contract/version.js';
import { appWithPackage, folderBytes, packedTarball, ROOT } from './packed.js';

const MB = 1e6;
/** Targets of issue 16. */
const MAX_TARBALL_BYTES = 15 * MB;
const MAX_INSTALLED_BYTES = 60 * MB;

const ALLOWED = [
  /^(package\.json|README\.md|LICENSE|CHANGELOG\.md|bin\/jadfer\.mjs)$/,
  /^dist\/(jadfer|jadfer\.iife|jadfer\.worker|jadfer\.engine|jadfer\.testing(\.worker|\.engine)?|jadfer-analytics-nats|cli)\.js$/,
  // The fleet dashboard's page and Chart.js (with its licence), served by `jadfer fleet serve`.
  /^dist\/fleet\/(index\.html|dashboard\.(js|css)|chart\.umd\.min\.js|chart\.js-LICENSE\.md)$/,
  /^dist\/chunks\/[\w.-]+\.js$/,
  /^dist\/ort\/ort-wasm-simd-threaded(\.jspi)?\.(mjs|wasm)$/,
  /^dist\/models\/[\w.-]+\.(onnx|json)$|^dist\/models\/[\w-]+\.prepared\.bin$|^dist\/models\/LICENSE\.[\w-]+$/,
  /^dist\/wasm\/jadfer-kernels\.wasm$/,
  /^dist\/types\/.+\.d\.ts$/,
];

function tarballFiles(tarball: string): string[] {
  const list = spawnSync('tar', ['tzf', tarball], { encoding: 'utf8' });
  assert.equal(list.status, 0, list.stderr);
  return list.stdout
    .split('\n')
    .filter((line) => line && !line.endsWith('/'))
    .map((line) => line.replace(/^package\//, ''));
}

test('the tarball holds the runtime once and nothing only the repository needs', () => {
  const files = tarballFiles(packedTarball());
  const stray = files.filter((file) => !ALLOWED.some((pattern) => pattern.test(file)));
  assert.deepEqual(stray, [], 'files outside the runtime (source maps, training figures, sources, a second copy)');
  for (const needed of [
    'dist/jadfer.js',
    'dist/jadfer.iife.js',
    'dist/jadfer.worker.js',
    'dist/models/jadfer-base.onnx',
    'dist/models/blazeface-front-128.onnx',
    'dist/models/blazeface-back-256.onnx',
    // The same models prepared for WASM at build time (scripts/prepare-models.ts): what WASM loads.
    'dist/models/jadfer-base.prepared.bin',
    'dist/models/blazeface-front-128.prepared.bin',
    'dist/models/blazeface-back-256.prepared.bin',
    'dist/ort/ort-wasm-simd-threaded.wasm',
    'LICENSE',
    'CHANGELOG.md',
    'dist/types/src/index.d.ts',
  ])
    assert.ok(files.includes(needed), `${needed} is missing`);
  const onnxNames = files.filter((f) => f.endsWith('.onnx')).map((f) => f.split('/').pop());
  assert.equal(new Set(onnxNames).size, onnxNames.length, `a model ships twice: ${onnxNames.join(', ')}`);
  assert.ok(!files.some((f) => f.includes('asyncify')), 'the asyncify ORT build is not shipped');
});

test('runtime dependencies are only what dist/ imports; sharp and the NATS client are optional peers', () => {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  assert.equal(VERSION, manifest.version, 'src/contract/version.ts follows package.json');
  assert.equal(manifest.dependencies, undefined, 'dist/ bundles comlink and onnxruntime-web: nothing to install');
  // sharp for the CLI's image decoding; the NATS client for jadfer/analytics/nats and `jadfer fleet`.
  const peers = ['@nats-io/jetstream', '@nats-io/kv', '@nats-io/nats-core', '@nats-io/transport-node', 'sharp'];
  assert.deepEqual(Object.keys(manifest.peerDependencies ?? {}).sort(), peers);
  for (const peer of peers) assert.equal(manifest.peerDependenciesMeta?.[peer]?.optional, true, peer);
  const app = appWithPackage('deps');
  const dist = join(app, 'node_modules', 'jadfer', 'dist');
  const bare = new Set<string>();
  for (const file of tarballFiles(packedTarball()).filter((f) => /^dist\/.*\.m?js$/.test(f))) {
    const code = readFileSync(join(dist, '..', file), 'utf8');
    for (const match of code.matchAll(/(?:^|[\s;})])(?:import|export)\s*(?:[\w*{}\s,$]+\s*from\s*)?['"]([^'"]+)['"]/g))
      bare.add(match[1]!);
    for (const match of code.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) bare.add(match[1]!);
  }
  // Node builtins are fine: ORT's glue imports 'module' and 'worker_threads' on its Node path.
  const external = [...bare].filter((s) => !s.startsWith('.') && !s.startsWith('node:') && !isBuiltin(s)).sort();
  assert.deepEqual(external, peers, 'bare imports in dist/ (each must be a dependency or an optional peer)');
});

test('the manifest says where the project lives and what it is: repository, homepage, bugs, keywords', () => {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  for (const url of [manifest.homepage, manifest.repository?.url, manifest.bugs?.url])
    assert.match(url ?? '', /^(git\+)?https:\/\/\S+$/, 'an https URL');
  assert.equal(manifest.repository.type, 'git');
  assert.ok(manifest.keywords?.length >= 5, 'keywords for the registry search');
  // A reserved .invalid host marks the placeholder used while the repository is not public.
  if (/\.invalid\//.test(manifest.repository.url))
    console.warn(
      '*** package.json: repository, homepage and bugs are placeholders (.invalid) until the repository is public ***',
    );
});

test(`the tarball is at most ${MAX_TARBALL_BYTES / MB} MB; installing it adds at most ${MAX_INSTALLED_BYTES / MB} MB`, () => {
  const tarball = statSync(packedTarball()).size;
  const app = appWithPackage('size');
  const installed = folderBytes(join(app, 'node_modules'));
  console.log(`PACKAGE ${JSON.stringify({ tarballBytes: tarball, installedBytes: installed })}`);
  assert.ok(tarball <= MAX_TARBALL_BYTES, `tarball ${(tarball / MB).toFixed(1)} MB`);
  assert.ok(installed <= MAX_INSTALLED_BYTES, `node_modules after install ${(installed / MB).toFixed(1)} MB`);
});

test('the public types compile with skipLibCheck: false on lib ES2022, and `await using` on ESNext', () => {
  const app = appWithPackage('types', {
    'es2022.ts': [
      "import { create, JadferError, type FaceResult, type CreateOptions } from 'jadfer';",
      "const options: CreateOptions = { device: 'wasm', onProgress: (p) => console.log(p.stage, p.loaded) };",
      'const fer = await create(options);',
      'const faces: FaceResult[] = await fer.analyze({ data: new Uint8Array(4), width: 1, height: 1 });',
      'console.log(faces[0]?.expression.label, JadferError.name, fer.backend);',
      'await fer[Symbol.asyncDispose]();',
    ].join('\n'),
    'esnext.ts': [
      "import { create } from 'jadfer';",
      'await using fer = await create();',
      'console.log(fer.backend);',
    ].join('\n'),
  });
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  for (const [lib, file] of [
    ['ES2022', 'es2022.ts'],
    ['ESNext', 'esnext.ts'],
  ] as const) {
    const config = join(app, `tsconfig.${lib}.json`);
    writeFileSync(
      config,
      JSON.stringify({
        compilerOptions: {
          target: lib,
          module: 'ESNext',
          moduleResolution: 'Bundler',
          lib: [lib, 'DOM', 'DOM.Iterable'],
          types: [],
          strict: true,
          skipLibCheck: false,
          noEmit: true,
        },
        files: [file],
      }),
    );
    const run = spawnSync(process.execPath, [tsc, '-p', config], { cwd: app, encoding: 'utf8' });
    assert.equal(run.status, 0, `${lib}: ${run.stdout}${run.stderr}`);
  }
});

test('the CLI without sharp: `info` works, `analyze` says to install sharp (E_MISSING_DEPENDENCY)', () => {
  const app = appWithPackage('cli');
  const bin = join(app, 'node_modules', '.bin', 'jadfer');
  const info = spawnSync(bin, ['info', '--json'], { cwd: app, encoding: 'utf8', timeout: 60_000 });
  assert.equal(info.status, 0, info.stderr);
  assert.equal(JSON.parse(info.stdout).name, 'jadfer-base');
  const help = spawnSync(bin, ['--help'], { cwd: app, encoding: 'utf8', timeout: 60_000 });
  assert.match(help.stdout, /\n  analyze /);
  assert.doesNotMatch(help.stdout, /\btrain\b/, 'training needs a checkout: the package does not offer it');
  writeFileSync(join(app, 'photo.jpg'), 'not needed: sharp is missing before any file is read');
  const analyze = spawnSync(bin, ['analyze', 'photo.jpg'], { cwd: app, encoding: 'utf8', timeout: 120_000 });
  assert.equal(analyze.status, 1, analyze.stdout + analyze.stderr);
  assert.match(analyze.stderr, /E_MISSING_DEPENDENCY: .*sharp.*npm install sharp/);
  assert.doesNotMatch(analyze.stderr, /\n\s+at /, 'one line, no stack trace');
});

test('`jadfer copy-assets <dir>` copies what a page needs, and only that', () => {
  const app = appWithPackage('copy');
  const bin = join(app, 'node_modules', '.bin', 'jadfer');
  const run = spawnSync(bin, ['copy-assets', 'public/jadfer'], { cwd: app, encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /baseUrl/);
  const copied = join(app, 'public', 'jadfer');
  for (const file of [
    'jadfer.js',
    'jadfer.iife.js',
    'jadfer.worker.js',
    'ort/ort-wasm-simd-threaded.wasm',
    'ort/ort-wasm-simd-threaded.mjs',
    'wasm/jadfer-kernels.wasm',
    'models/jadfer-base.onnx',
    'models/blazeface-front-128.json',
  ])
    assert.ok(existsSync(join(copied, file)), `${file} was not copied`);
  assert.ok(!existsSync(join(copied, 'types')) && !existsSync(join(copied, 'cli.js')), 'no types or CLI in a page');
});
