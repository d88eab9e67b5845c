// The built ESM entry in Node: the engine runs in-process on onnxruntime-web (WASM).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { ensureDist } from '../dist.js';
import { CONTRACT_SIZE, expectedLabel, writeContractModel } from '../fixtures/contract-model.js';

const dist = new URL('../../dist/jadfer.js', import.meta.url);
const models = new URL('../../test-output/models/', import.meta.url);

before(ensureDist);

test('the built package runs analyze in Node', async () => {
  writeContractModel(models.pathname);
  const { create, JadferError } = await import(dist.href);
  const progress: string[] = [];
  const fer = await create({
    detector: 'none',
    modelUrl: new URL('contract-test.json', models).href,
    onProgress: (e: { stage: string }) => progress.push(e.stage),
  });
  try {
    assert.equal(fer.backend, 'wasm');
    assert.match(fer.fallbackReason, /WebGPU/);
    assert.ok(progress.includes('model') && progress.includes('wasm'), `progress stages: ${progress}`);
    for (const byte of [0, 90, 255]) {
      const gray = new Uint8Array(CONTRACT_SIZE * CONTRACT_SIZE).fill(byte);
      const [face] = await fer.analyze({ data: gray, width: CONTRACT_SIZE, height: CONTRACT_SIZE });
      assert.equal(face.expression.label, expectedLabel(byte));
    }
    // RGB input is converted to the model's gray.
    const rgb = new Uint8Array(10 * 10 * 3).fill(255);
    assert.equal((await fer.analyze({ data: rgb, width: 10, height: 10 }))[0].expression.label, expectedLabel(255));
    await assert.rejects(
      fer.analyze({ data: new Uint8Array(5), width: 2, height: 2 }),
      (e: any) => e instanceof JadferError && e.code === 'E_BAD_INPUT',
    );
    // Image files and URLs need a decoder Node lacks: the error says what to pass instead, before any fetch.
    for (const file of [new Blob([new Uint8Array(8)]), 'https://example.invalid/photo.jpg'])
      await assert.rejects(
        fer.analyze(file),
        (e: any) =>
          e.code === 'E_BAD_INPUT' && /no createImageBitmap.*\{ data, width, height \}.*sharp/.test(e.message),
      );
  } finally {
    await fer.dispose();
  }
  await assert.rejects(
    fer.analyze({ data: new Uint8Array(4), width: 1, height: 1 }),
    (e: any) => e.code === 'E_DISPOSED',
  );
});

test('threads beyond one in Node run on one thread, with a warning, instead of failing the session', () => {
  writeContractModel(models.pathname);
  // A fresh process: ONNX Runtime settles its threads once per process, at its first session.
  const script = `
      const { create } = await import(${JSON.stringify(dist.href)});
      const fer = await create({ detector: 'none', threads: 2, modelUrl: ${JSON.stringify(new URL('contract-test.json', models).href)} });
      const [face] = await fer.analyze({ data: new Uint8Array(${CONTRACT_SIZE * CONTRACT_SIZE}).fill(90), width: ${CONTRACT_SIZE}, height: ${CONTRACT_SIZE} });
      console.log(JSON.stringify({ label: face.expression.label, threads: fer.threads }));
      await fer.dispose();`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout.trim().split('\n').at(-1)!), { label: expectedLabel(90), threads: 1 });
  assert.match(run.stderr, /threads: 2 asked.*1 thread/);
});

test("fault injection is only in jadfer/testing's test engine: its create() has it, the production engine has none", async () => {
  writeContractModel(models.pathname);
  const modelUrl = new URL('contract-test.json', models).href;
  const { create } = await import(dist.href);
  const testing = await import(new URL('../../dist/jadfer.testing.js', import.meta.url).href);
  const fer = await testing.create({ detector: 'none', modelUrl });
  try {
    assert.equal('simulateDeviceLoss' in fer, false);
    assert.equal('simulateWorkerCrash' in fer, false);
    assert.equal(await testing.simulateDeviceLoss(fer), false, 'on WASM there is no device to lose');
  } finally {
    await fer.dispose();
  }
  await assert.rejects(testing.simulateDeviceLoss(fer), (e: any) => e.code === 'E_DISPOSED');
  const production = await create({ detector: 'none', modelUrl });
  try {
    await assert.rejects(testing.simulateWorkerCrash(production), (e: any) => e.code === 'E_BAD_CONFIG');
    await assert.rejects(testing.simulateDeviceLoss(production), (e: any) => e.code === 'E_BAD_CONFIG');
    assert.equal((await production.analyze({ data: new Uint8Array(48 * 48), width: 48, height: 48 })).length, 1);
  } finally {
    await production.dispose();
  }
});

test('the package.json exports resolve to built files', async () => {
  const pkg = (await import(pathToFileURL('package.json').href, { with: { type: 'json' } })).default;
  for (const condition of ['types', 'browser', 'deno', 'worker', 'default'])
    assert.ok(pkg.exports['.'][condition], condition);
  assert.equal(pkg.exports['./iife'], './dist/jadfer.iife.js');
  assert.equal(pkg.sideEffects, false);
  for (const file of [
    pkg.exports['.'].default,
    pkg.exports['./iife'],
    pkg.exports['.'].types,
    pkg.exports['./testing'].default,
    pkg.exports['./testing'].types,
  ])
    assert.ok(existsSync(file), file);
});

test('reclassifyEveryMs: a confirmed track reuses its scores until it is due', async () => {
  writeContractModel(models.pathname);
  const { create } = await import(dist.href);
  const fer = await create({
    detector: 'none',
    modelUrl: new URL('contract-test.json', models).href,
    tracking: { confirmHits: 1, reclassifyEveryMs: 60_000, smoothing: { kind: 'none' } },
  });
  try {
    const gray = (byte: number) => ({
      data: new Uint8Array(CONTRACT_SIZE * CONTRACT_SIZE).fill(byte),
      width: CONTRACT_SIZE,
      height: CONTRACT_SIZE,
    });
    async function* frames() {
      yield gray(0);
      await new Promise((resolve) => setTimeout(resolve, 50));
      yield gray(255);
    }
    const labels: string[] = [];
    for await (const result of fer.stream(frames())) labels.push(result.faces[0].expression.label);
    // The second frame is bright, but the stable track is not due for reclassification.
    assert.deepEqual(labels, [expectedLabel(0), expectedLabel(0)]);
  } finally {
    await fer.dispose();
  }
});

test('a stream that ends by its own end or by an error is forgotten by the engine (its tracks freed)', async () => {
  writeContractModel(models.pathname);
  const { create } = await import(dist.href);
  // In Node the engine runs in-process from this module: its endStream calls are observable.
  const { EngineEndpoint } = await import(new URL('../../dist/jadfer.engine.js', import.meta.url).href);
  const ended: number[] = [];
  const endStream = EngineEndpoint.prototype.endStream;
  EngineEndpoint.prototype.endStream = function (this: unknown, stream: number) {
    ended.push(stream);
    return endStream.call(this, stream);
  };
  const fer = await create({ detector: 'none', modelUrl: new URL('contract-test.json', models).href });
  try {
    const frame = { data: new Uint8Array(CONTRACT_SIZE * CONTRACT_SIZE), width: CONTRACT_SIZE, height: CONTRACT_SIZE };
    async function* failing() {
      yield frame;
      throw new Error('camera unplugged');
    }
    let results = 0;
    await assert.rejects(async () => {
      for await (const _ of fer.stream(failing())) results++;
    }, /camera unplugged/);
    assert.equal(results, 1);
    assert.equal(ended.length, 1, 'the failed stream was ended in the engine');
    async function* finite() {
      yield frame;
    }
    for await (const _ of fer.stream(finite())) results++;
    assert.equal(results, 2);
    assert.equal(ended.length, 2, 'the finished stream was ended in the engine');
    assert.notEqual(ended[0], ended[1]);
  } finally {
    EngineEndpoint.prototype.endStream = endStream;
    await fer.dispose();
  }
});
