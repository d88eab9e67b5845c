/**
 * The shipped BlazeFace models: card hashes and shapes, and that the rewritten graphs
 * (scripts/optimize-blazeface.mjs) give the same outputs as the upstream ONNX
 * (max abs diff ≤ 1e-5; in practice 0) at the upstream 256×256 / 128×128 input, and, for a graph whose
 * spatial dimensions were freed, that it runs at its card's input with the card's output shapes.
 * Upstream comes from `node scripts/fetch-blazeface.mjs`.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import * as ortNode from 'onnxruntime-node';

const models = ['blazeface-front-128', 'blazeface-back-256'] as const;
const modelUrl = (f: string) => new URL(`../../models/${f}`, import.meta.url);
const upstreamUrl = (f: string) => new URL(`../../.cache/blazeface/package/${f}`, import.meta.url);

for (const name of models) {
  const card = JSON.parse(fs.readFileSync(modelUrl(`${name}.json`), 'utf8'));
  const upstream = upstreamUrl(card.provenance.upstreamFile);
  const haveUpstream = fs.existsSync(upstream);
  if (!haveUpstream)
    console.warn(
      `\n*** SKIPPING ${name} equivalence: run node scripts/fetch-blazeface.mjs to fetch the upstream ONNX ***\n`,
    );

  describe(name, () => {
    it('card sha256, schema and licence file match the shipped files', () => {
      const bytes = fs.readFileSync(modelUrl(card.file));
      assert.equal(crypto.createHash('sha256').update(bytes).digest('hex'), card.sha256);
      assert.equal(card.bytes, bytes.length);
      assert.equal(card.schema, 'jadfer.detector-card/v1');
      assert.equal(card.provenance.licence, 'Apache-2.0');
      assert.match(fs.readFileSync(modelUrl(card.provenance.licenceFile), 'utf8'), /Apache License\s+Version 2\.0/);
    });

    it(
      'rewritten graph has no ConstantOfShape and outputs what the upstream graph outputs',
      { skip: !haveUpstream && 'upstream ONNX not fetched' },
      async () => {
        const opts = { intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: 3 as const };
        const ours = await ortNode.InferenceSession.create(fs.readFileSync(modelUrl(card.file)), opts);
        const theirs = await ortNode.InferenceSession.create(fs.readFileSync(upstream), opts);
        assert.deepEqual(ours.outputNames, theirs.outputNames);
        assert.ok(!fs.readFileSync(modelUrl(card.file)).includes('ConstantOfShape'));
        const feedOf = (shape: number[]) => {
          const data = new Float32Array(shape.reduce((a, b) => a * b));
          for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 12.9898) * 0.99;
          return { [card.input.name]: new ortNode.Tensor('float32', data, shape) };
        };
        const upstreamShape = (theirs.inputMetadata[0] as { shape: readonly number[] }).shape.slice();
        const [a, b] = [await ours.run(feedOf(upstreamShape)), await theirs.run(feedOf(upstreamShape))];
        for (const key of theirs.outputNames) {
          const x = a[key]!.data as Float32Array,
            y = b[key]!.data as Float32Array;
          assert.deepEqual(a[key]!.dims, b[key]!.dims);
          let max = 0;
          for (let i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i]! - y[i]!));
          assert.ok(max <= 1e-5, `${key}: max diff ${max}`);
        }
        const atCardSize = await ours.run(feedOf(card.input.shape));
        for (const spec of card.outputs.scores.concat(card.outputs.regressors))
          assert.deepEqual(atCardSize[spec.name]!.dims, spec.shape, spec.name);
      },
    );
  });
}
