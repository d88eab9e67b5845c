// Inputs that used to escape the error contract (issue 29, findings 8–10), in Node where the engine runs
// in-process: each now ends in a JadferError with a code. Stream sources that fail, model cards that lie
// (input shape, repeated labels, no hash), a detector card given as a data: URL, option keys that every
// object has, `analyze(image, null)`, and a wrong baseUrl.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { ensureDist } from '../dist.js';
import { CONTRACT_SIZE, expectedLabel, writeContractModel } from '../fixtures/contract-model.js';
import { record } from './record.js';

const dist = new URL('../../dist/jadfer.js', import.meta.url);
await ensureDist(); // test/dist.ts: builds dist/ when it is missing or stale, or fails saying why
const dir = mkdtempSync(join(tmpdir(), 'jadfer-bad-inputs-'));
const card = () => JSON.parse(readFileSync(join(dir, 'contract-test.json'), 'utf8'));
const contractUrl = () => pathToFileURL(join(dir, 'contract-test.json')).href;
const modelFile = () => pathToFileURL(join(dir, 'contract-test.onnx')).href;
const gray = (byte: number) => ({
  data: new Uint8Array(CONTRACT_SIZE * CONTRACT_SIZE).fill(byte),
  width: CONTRACT_SIZE,
  height: CONTRACT_SIZE,
});
/** A variant of the contract card, written beside the model; returns its URL. */
function cardWith(name: string, changes: Record<string, unknown>): string {
  writeFileSync(join(dir, `${name}.json`), JSON.stringify({ ...card(), ...changes }));
  return pathToFileURL(join(dir, `${name}.json`)).href;
}
let cases = 0;
/** Asserts that `promise` rejects with a JadferError of `code`, whose message matches `message`. */
async function refused(promise: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  cases++;
  await assert.rejects(promise, (error: { name?: string; code?: string; message: string }) => {
    assert.equal(error.name, 'JadferError', `${error.name}: ${error.message}`);
    assert.equal(error.code, code, error.message);
    if (message) assert.match(error.message, message);
    return true;
  });
}

let sdk: { create: (options?: object) => Promise<any> };
before(async () => {
  writeContractModel(dir);
  sdk = await import(dist.href);
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
  record({ hostile: cases });
});

describe('stream source failures reach the caller', () => {
  let fer: any;
  before(async () => {
    fer = await sdk.create({ detector: 'none', modelUrl: contractUrl() });
  });
  after(() => fer?.dispose());

  test('a source of no supported kind: stream() throws E_BAD_INPUT at once', () => {
    for (const source of [42, null, 'frames', { not: 'iterable' }]) {
      cases++;
      assert.throws(
        () => fer.stream(source),
        (error: { code?: string }) => error.code === 'E_BAD_INPUT',
        String(source),
      );
    }
  });

  test('a source that throws: the frames before it are answered, then the iterator throws E_BAD_INPUT with the cause', async () => {
    async function* frames() {
      yield gray(0);
      await new Promise((resolve) => setTimeout(resolve, 50));
      throw new Error('camera unplugged');
    }
    const labels: string[] = [];
    let caught: any;
    try {
      for await (const result of fer.stream(frames())) labels.push(result.faces[0].expression.label);
    } catch (error) {
      caught = error;
    }
    cases++;
    assert.equal(caught?.code, 'E_BAD_INPUT', String(caught));
    assert.match(caught.message, /the stream source failed: camera unplugged/);
    assert.equal(caught.cause?.message, 'camera unplugged');
    assert.deepEqual(labels, [expectedLabel(0)]);
  });

  test('a ReadableStream that errors ends the stream with E_BAD_INPUT', async () => {
    const source = new ReadableStream({
      pull: (controller) => controller.error(new Error('track ended badly')),
    });
    await refused(
      (async () => {
        for await (const _ of fer.stream(source));
      })(),
      'E_BAD_INPUT',
      /track ended badly/,
    );
  });

  test('an instance keeps working after a source failed', async () => {
    assert.equal((await fer.analyze(gray(255)))[0].expression.label, expectedLabel(255));
  });
});

describe('model cards are not trusted beyond what can be checked', () => {
  test('a declared input shape that the model does not have: E_MODEL_LOAD at create()', async () => {
    const input = { ...card().input, shape: [1, 1, 96, 96] };
    await refused(
      sdk.create({ detector: 'none', modelUrl: cardWith('wrong-shape', { input }) }),
      'E_MODEL_LOAD',
      /input 'input' is \[batch,1,48,48\] in the model, the card says \[1,1,96,96\]/,
    );
  });

  test('a 60000×60000 input: refused by the card check', async () => {
    const input = { ...card().input, shape: [1, 1, 60000, 60000] };
    await refused(
      sdk.create({ detector: 'none', modelUrl: cardWith('huge-input', { input }) }),
      'E_MODEL_LOAD',
      /input.shape: sides above 4096 are refused/,
    );
  });

  test('repeated labels: E_MODEL_LOAD (their scores would merge)', async () => {
    const labels = [...card().labels];
    labels[7] = labels[0];
    await refused(
      sdk.create({ detector: 'none', modelUrl: cardWith('repeated-labels', { labels }) }),
      'E_MODEL_LOAD',
      /labels: must be distinct \(repeated: neutral\)/,
    );
  });

  test('no sha256: E_MODEL_LOAD', async () => {
    await refused(
      sdk.create({ detector: 'none', modelUrl: cardWith('no-hash', { sha256: undefined }) }),
      'E_MODEL_LOAD',
      /sha256: must be 64 hex digits/,
    );
  });

  test('a detector card given as a data: URL works when it names its model absolutely, else E_MODEL_LOAD', async () => {
    const onnx = readFileSync(join(dir, 'contract-test.onnx'));
    const detectorCard = {
      file: modelFile(),
      sha256: createHash('sha256').update(onnx).digest('hex'),
      bytes: onnx.byteLength,
    };
    const module = new URL('../fixtures/whole-frame-detector.mjs', import.meta.url).href;
    const dataUrl = (json: object) => `data:application/json,${encodeURIComponent(JSON.stringify(json))}`;
    const fer = await sdk.create({ detector: { card: dataUrl(detectorCard), module }, modelUrl: contractUrl() });
    try {
      const [face] = await fer.analyze(gray(255));
      assert.equal(face.expression.label, expectedLabel(255));
    } finally {
      await fer.dispose();
    }
    await refused(
      sdk.create({
        detector: { card: dataUrl({ ...detectorCard, file: 'beside.onnx' }), module },
        modelUrl: contractUrl(),
      }),
      'E_MODEL_LOAD',
      /must name its model by an absolute URL/,
    );
  });
});

describe('errors outside the codes', () => {
  test('option keys every object has (__proto__, hasOwnProperty, valueOf, constructor): E_BAD_CONFIG', async () => {
    for (const key of ['__proto__', 'hasOwnProperty', 'valueOf', 'constructor', 'toString']) {
      const options = JSON.parse(`{ "detector": "none", ${JSON.stringify(key)}: 1 }`);
      await refused(sdk.create(options), 'E_BAD_CONFIG', new RegExp(`options.${key}: not an option`));
    }
    await refused(
      sdk.create({ detector: 'none', tracking: { smoothing: { kind: 'toString' } } }),
      'E_BAD_CONFIG',
      /options.tracking.smoothing/,
    );
    await refused(
      sdk.create(JSON.parse('{ "detector": "none", "timeouts": { "__proto__": { "createMs": 1 } } }')),
      'E_BAD_CONFIG',
      /options.timeouts.__proto__/,
    );
  });

  test('analyze(image, null) and stream(source, null): E_BAD_CONFIG', async () => {
    const fer = await sdk.create({ detector: 'none', modelUrl: contractUrl() });
    try {
      await refused(fer.analyze(gray(0), null), 'E_BAD_CONFIG', /analyze options: must be an object \(got null\)/);
      cases++;
      assert.throws(
        () => fer.stream([gray(0)], null),
        (error: { code?: string }) => error.code === 'E_BAD_CONFIG',
      );
    } finally {
      await fer.dispose();
    }
  });

  test('a wrong baseUrl in Node: a JadferError naming the URL', async () => {
    const wrong = pathToFileURL(join(dir, 'no-such-dist/')).href;
    await refused(
      sdk.create({ detector: 'none', modelUrl: contractUrl(), baseUrl: wrong }),
      'E_BACKEND_UNAVAILABLE',
      new RegExp(`cannot be loaded from ${wrong}jadfer\\.engine\\.js`),
    );
  });
});
