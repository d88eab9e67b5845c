import { expect } from 'chai';
import { create, JadferError } from '/dist/jadfer.js';
import { BASE_URL, MODELS, rejection, record } from '../helpers.js';

/**
 * Creates an instance on a broken model file: one injected fault. The broken cards carry the contract
 * model's sha256 and the persistent cache is keyed by it, so where an earlier page of this browser cached
 * that model (Firefox keeps one profile for all test files) it would stand in for the broken file: these
 * tests read the network.
 */
function open(model, extra = {}) {
  record({ faults: 1 });
  return create({
    device: 'wasm',
    modelUrl: `${MODELS}${model}`,
    baseUrl: BASE_URL,
    detector: 'none',
    cache: 'none',
    ...extra,
  });
}

describe('error codes survive the worker boundary', () => {
  it('a missing model file: E_MODEL_LOAD with the URL and status', async () => {
    const error = await rejection(open('missing.json'));
    expect(error).to.be.instanceOf(JadferError);
    expect(error.code).to.equal('E_MODEL_LOAD');
    expect(error.details.url).to.match(/does-not-exist\.onnx$/);
    expect(error.details.status).to.equal(404);
  });

  it('a model that is not ONNX: E_MODEL_LOAD with ORT’s error as the cause', async () => {
    const error = await rejection(open('garbage.json'));
    expect(error.code).to.equal('E_MODEL_LOAD');
    expect(error.cause).to.be.instanceOf(Error);
    expect(error.cause.message.length).to.be.greaterThan(0);
  });

  it('a model whose sha256 does not match its card: E_MODEL_INTEGRITY', async () => {
    const error = await rejection(open('tampered.json'));
    expect(error.code).to.equal('E_MODEL_INTEGRITY');
    expect(error.details.expected).to.match(/^[0-9a-f]{64}$/);
    expect(error.details.actual).to.not.equal(error.details.expected);
  });

  it('an invalid card: E_MODEL_LOAD listing each problem', async () => {
    const error = await rejection(open('bad-card.json'));
    expect(error.code).to.equal('E_MODEL_LOAD');
    expect(error.details.problems.join()).to.contain('input.color');
  });

  it('bad options: E_BAD_CONFIG with paths, before any worker starts', async () => {
    const error = await rejection(create({ device: 'tpu', maxFaces: -1, baseUrl: BASE_URL }));
    expect(error.code).to.equal('E_BAD_CONFIG');
    expect(error.details.problems.some((p) => p.startsWith('options.device'))).to.equal(true);
    expect(error.details.problems.some((p) => p.startsWith('options.maxFaces'))).to.equal(true);
    const strict = await rejection(create({ strict: true, devcie: 'wasm', baseUrl: BASE_URL }));
    expect(strict.details.problems).to.deep.equal(['options.devcie: unknown option']);
  });

  it('a worker script that cannot load: E_WORKER_CRASHED, no hang', async () => {
    const error = await rejection(
      create({ device: 'wasm', baseUrl: `${location.origin}/no-such-dist/`, modelUrl: `${MODELS}contract-test.json` }),
    );
    expect(error.code).to.equal('E_WORKER_CRASHED');
  });
});
