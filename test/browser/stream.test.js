import { expect } from 'chai';
import { create, JadferError } from '/dist/jadfer.js';
import { BASE_URL, CONTRACT_MODEL, expectedLabel, grayImageData, rejection } from './helpers.js';

describe('stream() and dispose()', () => {
  let fer;
  // Raw scores (no temporal smoothing), every frame classified (no staggering), so each frame's
  // label is the contract model's answer.
  beforeEach(async () => {
    fer = await create({
      device: 'wasm',
      modelUrl: CONTRACT_MODEL,
      baseUrl: BASE_URL,
      detector: 'none',
      tracking: { smoothing: { kind: 'none' }, reclassifyEveryMs: 0 },
    });
  });
  afterEach(() => fer?.dispose());

  it('a source faster than inference drops stale frames instead of queueing them', async () => {
    const template = grayImageData(170, 320, 240);
    let produced = 0;
    let maxOpen = 0;
    // Frames not yet closed (a VideoFrame reads format null once closed or transferred away).
    let live = [];
    const countOpen = () => (live = live.filter((frame) => frame.format !== null)).length;
    async function* camera() {
      for (;;) {
        const frame = new VideoFrame(await createImageBitmap(template), { timestamp: produced * 33_000 });
        live.push(frame);
        maxOpen = Math.max(maxOpen, countOpen());
        produced++;
        yield frame;
      }
    }
    const results = [];
    for await (const result of fer.stream(camera())) {
      results.push(result);
      // A slow consumer, too: the source must not pile up behind it either.
      await new Promise((resolve) => setTimeout(resolve, 25));
      if (results.length === 15) break;
    }
    expect(results.every((r) => r.faces[0].expression.label === expectedLabel(170))).to.equal(true);
    expect(results.map((r) => r.index)).to.deep.equal([...Array(15).keys()]);
    const last = results.at(-1);
    expect(last.droppedTotal).to.be.greaterThan(0);
    expect(last.droppedTotal).to.equal(results.reduce((sum, r) => sum + r.dropped, 0));
    // Every frame is analysed or dropped; only those dropped after the last result go unreported.
    expect(results.length + last.droppedTotal).to.be.at.most(produced);
    expect(produced).to.be.greaterThan(results.length * 2);
    expect(maxOpen).to.be.at.most(3);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(countOpen()).to.equal(0);
    expect(results.every((r) => r.latencyMs > 0 && r.backend === 'wasm')).to.equal(true);
  });

  it('honours fps and emits typed result events', async () => {
    const seen = [];
    fer.on('result', (result) => seen.push(result.index));
    const frames = Array.from({ length: 6 }, () => grayImageData(40));
    const started = performance.now();
    const results = [];
    for await (const result of fer.stream(frames, { fps: 20 })) results.push(result);
    expect(results.length).to.be.greaterThan(0);
    expect(seen).to.deep.equal(results.map((r) => r.index));
    if (results.length > 1) expect(performance.now() - started).to.be.at.least((results.length - 1) * 50 - 5);
  });

  it('a bad frame in a stream is reported as an error event, and the stream goes on', async () => {
    const errors = [];
    const labels = [];
    fer.on('error', (error) => errors.push(error));
    // Each frame waits for the previous one's outcome, so none is dropped however slow the machine.
    const until = async (done) => {
      while (!done()) await new Promise((resolve) => setTimeout(resolve, 10));
    };
    async function* frames() {
      yield grayImageData(0);
      await until(() => labels.length === 1);
      yield { data: new Uint8Array(7), width: 3, height: 3 };
      await until(() => errors.length === 1);
      yield grayImageData(255);
    }
    for await (const result of fer.stream(frames())) labels.push(result.faces[0].expression.label);
    expect(labels).to.deep.equal([expectedLabel(0), expectedLabel(255)]);
    expect(errors.map((e) => e.code)).to.deep.equal(['E_BAD_INPUT']);
  });

  it('reads a ReadableStream of VideoFrames', async () => {
    const canvas = new OffscreenCanvas(64, 48);
    canvas.getContext('2d').putImageData(grayImageData(100), 0, 0);
    let n = 0;
    const readable = new ReadableStream({
      pull(controller) {
        if (n === 5) return controller.close();
        controller.enqueue(new VideoFrame(canvas, { timestamp: n++ * 1000 }));
      },
    });
    const results = [];
    for await (const result of fer.stream(readable)) results.push(result);
    expect(results.length).to.be.within(1, 5);
    expect(results[0].faces[0].expression.label).to.equal(expectedLabel(100));
  });

  it('dispose() is idempotent, ends open streams and rejects later calls with E_DISPOSED', async () => {
    async function* endless() {
      for (;;) {
        yield grayImageData(90);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
    const stream = fer.stream(endless());
    expect((await stream.next()).done).to.equal(false);
    await Promise.all([fer.dispose(), fer.dispose()]);
    await fer[Symbol.asyncDispose]();
    expect(fer.isDisposed).to.equal(true);
    expect((await stream.next()).done).to.equal(true);
    const error = await rejection(fer.analyze(grayImageData(1)));
    expect(error).to.be.instanceOf(JadferError);
    expect(error.code).to.equal('E_DISPOSED');
    expect(() => fer.stream([])).to.throw(JadferError);
  });

  it('two instances and interleaved analyze/stream calls stay independent', async () => {
    const other = await create({ device: 'wasm', modelUrl: CONTRACT_MODEL, baseUrl: BASE_URL, detector: 'none' });
    try {
      const frames = Array.from({ length: 4 }, () => grayImageData(255));
      const streamed = (async () => {
        const labels = [];
        for await (const r of other.stream(frames)) labels.push(r.faces[0].expression.label);
        return labels;
      })();
      const direct = await Promise.all(
        [0, 100, 200].map((b) => fer.analyze(grayImageData(b)).then((f) => f[0].expression.label)),
      );
      expect(direct).to.deep.equal([0, 100, 200].map(expectedLabel));
      expect(new Set(await streamed)).to.deep.equal(new Set([expectedLabel(255)]));
    } finally {
      await other.dispose();
    }
  });

  it('tracks faces across stream frames and smooths their scores (EMA)', async () => {
    const smoothed = await create({
      device: 'wasm',
      modelUrl: CONTRACT_MODEL,
      baseUrl: BASE_URL,
      detector: 'none',
      // Every frame reclassified (the default staggers them), so the second frame's scores are smoothed.
      tracking: { smoothing: { kind: 'ema', alpha: 0.4 }, reclassifyEveryMs: 0 },
    });
    try {
      async function* frames() {
        yield grayImageData(0);
        await new Promise((resolve) => setTimeout(resolve, 100));
        yield grayImageData(255);
      }
      const results = [];
      for await (const result of smoothed.stream(frames())) results.push(result);
      expect(results).to.have.length(2);
      const [first, second] = results.map((r) => r.faces[0]);
      expect(first.trackId).to.be.a('number');
      expect(second.trackId).to.equal(first.trackId);
      // Raw scores from the unsmoothed instance; the first observation passes through.
      const [dark] = await fer.analyze(grayImageData(0));
      const [bright] = await fer.analyze(grayImageData(255));
      for (const [label, raw] of Object.entries(dark.expression.scores)) {
        expect(first.expression.scores[label], label).to.be.closeTo(raw, 1e-5);
        // s = 0.4 · new + 0.6 · old: the jump to 'contempt' is damped, not instant.
        expect(second.expression.scores[label], label).to.be.closeTo(
          0.4 * bright.expression.scores[label] + 0.6 * raw,
          1e-5,
        );
      }
      expect(second.expression.label).to.equal('neutral');
      // Single images are never tracked.
      expect((await smoothed.analyze(grayImageData(0)))[0].trackId).to.equal(undefined);
    } finally {
      await smoothed.dispose();
    }
  });

  it('a <video> that nothing connects to a camera gets a console warning saying so', async () => {
    const warnings = [];
    const warn = console.warn;
    console.warn = (...args) => warnings.push(args.join(' '));
    const video = document.createElement('video');
    const stream = fer.stream(video);
    const next = stream.next();
    try {
      const deadline = performance.now() + 30_000;
      while (!warnings.some((w) => w.includes('<video>')) && performance.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      console.warn = warn;
      await stream.return();
      await next;
    }
    const warning = warnings.find((w) => w.includes('<video>'));
    expect(warning).to.match(/no source \(no srcObject, no src\).*getUserMedia/);
    expect(warnings.filter((w) => w.includes('<video>'))).to.have.length(1);
  });
});
