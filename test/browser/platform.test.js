import { expect } from 'chai';
import { create, JadferError } from '/dist/jadfer.js';
import { BASE_URL, CONTRACT_MODEL, ENGINE, expectedLabel, grayImageData, rejection } from './helpers.js';

// What differs between engines, and what the SDK does about it. The pages are cross-origin isolated
// (web-test-runner.config.mjs), as a kiosk deployment serves them.
const options = { device: 'wasm', modelUrl: CONTRACT_MODEL, baseUrl: BASE_URL, detector: 'none' };
const sharedMemory = typeof SharedArrayBuffer === 'function';

/** Runs `test`, collecting what the SDK writes with console.warn meanwhile. */
async function withWarnings(test) {
  const realWarn = console.warn;
  const warnings = [];
  console.warn = (...args) => {
    warnings.push(args.join(' '));
    realWarn.apply(console, args);
  };
  try {
    return { result: await test(), warnings };
  } finally {
    console.warn = realWarn;
  }
}

/** Replaces window.Worker for one test; `Replacement` receives the real one. */
async function withWorker(makeReplacement, test) {
  const RealWorker = window.Worker;
  window.Worker = makeReplacement(RealWorker);
  try {
    return await test();
  } finally {
    window.Worker = RealWorker;
  }
}

describe(`platform differences (${ENGINE})`, () => {
  if (sharedMemory) {
    it('threads: SharedArrayBuffer works here, so ONNX Runtime runs on up to 4 threads by default (1 after a stalled threaded start)', async () => {
      expect(crossOriginIsolated).to.equal(true);
      // Firefox ESR sometimes never finishes starting ORT's thread pool (a few starts in a hundred); the
      // supervisor then starts again on 1 thread and says so. Such a start must report 1; the next try
      // must get the full pool, so a second stall in a row still fails.
      for (let attempt = 1; ; attempt++) {
        const { result: fer, warnings } = await withWarnings(() => create(options));
        try {
          const stalled = warnings.some((message) => message.includes('starting again on 1 thread'));
          if (stalled && attempt === 1) {
            expect(fer.threads, 'after a stalled threaded start').to.equal(1);
            continue;
          }
          expect(fer.threads).to.equal(Math.max(1, Math.min(4, navigator.hardwareConcurrency)));
          return;
        } finally {
          await fer.dispose();
        }
      }
    });

    // Firefox ESR sometimes never finishes starting ORT's thread pool; the supervisor's stall watch
    // (retry on 1 thread) starts at the runtime's progress, so a cached runtime must report it too.
    it("a start reports the runtime's progress from the persistent cache too (a threaded start's stall watch starts there)", async () => {
      await (await create(options)).dispose();
      const stages = [];
      const fer = await create({ ...options, onProgress: (event) => stages.push(event.stage) });
      try {
        expect(fer.cache).to.equal('persistent');
        expect(stages).to.include('wasm');
      } finally {
        await fer.dispose();
      }
    });
  } else {
    it('threads: no SharedArrayBuffer in this engine even when cross-origin isolated (WebKitGTK), so 1 thread, whatever was asked', async () => {
      expect(crossOriginIsolated).to.equal(true);
      for (const threads of [undefined, 4]) {
        const fer = await create({ ...options, ...(threads ? { threads } : {}) });
        try {
          expect(fer.threads, `threads: ${threads}`).to.equal(1);
          const [face] = await fer.analyze(grayImageData(120));
          expect(face.expression.label).to.equal(expectedLabel(120));
        } finally {
          await fer.dispose();
        }
      }
    });
  }

  it('module workers are detected: the engine runs in a module worker', async () => {
    const types = [];
    await withWorker(
      (RealWorker) =>
        class CountingWorker extends RealWorker {
          constructor(url, workerOptions) {
            super(url, workerOptions);
            types.push(workerOptions?.type);
          }
        },
      async () => {
        // One thread: a threaded start that stalls (Firefox ESR) is retried in a second worker, and
        // this test counts workers to see their type, not the thread pool.
        const fer = await create({ ...options, threads: 1 });
        await fer.dispose();
      },
    );
    expect(types).to.deep.equal(['module']);
  });

  it("an engine without module workers (Firefox < 114, Safari < 15): 'auto' runs the engine in-process, worker: true is E_BAD_CONFIG", async () => {
    let started = 0;
    await withWorker(
      (RealWorker) =>
        // An old engine's Worker: it never reads options.type.
        class ClassicOnlyWorker extends RealWorker {
          constructor(url, workerOptions) {
            super(url, { name: workerOptions?.name });
            started++;
          }
        },
      async () => {
        const fer = await create(options);
        try {
          const [face] = await fer.analyze(grayImageData(240));
          expect(face.expression.label).to.equal(expectedLabel(240));
        } finally {
          await fer.dispose();
        }
        const error = await rejection(create({ ...options, worker: true }));
        expect(error).to.be.instanceOf(JadferError);
        expect(error.code).to.equal('E_BAD_CONFIG');
      },
    );
    expect(started).to.equal(0, 'no worker was started');
  });

  it('WebAssembly SIMD is here, so our kernels run as wasm-simd', async () => {
    const fer = await create(options);
    try {
      expect(fer.kernels).to.equal('wasm-simd');
    } finally {
      await fer.dispose();
    }
  });
});
