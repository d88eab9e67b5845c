// The engine's backend: the order it tries, the reasons it collects, and the move to WASM on a lost device,
// against a fake host (no ONNX Runtime: what the sessions do is the engine's, tested in engine.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JadferError, isJadferError } from '../../../src/contract/errors.js';
import type { Backend, BackendEvent } from '../../../src/contract/types.js';
import { Backends, planBackends, probeBeforeWorker, type BackendHost } from '../../../src/engine/backends.js';
import type { GpuDevice, OnnxRuntime } from '../../../src/engine/onnx-runtime.js';

/** A WebGPU device whose loss is destroy(), as a driver reset would be. */
function fakeDevice(): GpuDevice {
  let lose!: (why: string) => void;
  const lost = new Promise<string>((resolve) => (lose = resolve));
  return { lost, destroy: () => lose('destroyed') };
}

/** A host whose sessions open or fail per backend, recording what happened. */
function fakeHost(fails: Partial<Record<Backend, Error>> = {}) {
  const opened: Backend[] = [];
  const switched: BackendEvent[] = [];
  const devices: GpuDevice[] = [];
  const host: BackendHost = {
    runtime: async (backend) =>
      ({
        backend,
        useOwnGpuDevice: async () => {
          const device = fakeDevice();
          devices.push(device);
          return device;
        },
      }) as unknown as OnnxRuntime,
    openSessions: async (runtime) => {
      const { backend } = runtime as unknown as { backend: Backend };
      const failure = fails[backend];
      if (failure) throw failure;
      opened.push(backend);
    },
    switched: (event) => switched.push(event),
  };
  return { host, opened, switched, devices };
}

test("the plan: a named device alone; 'auto' is WebGPU then WASM, or WASM with the probe's reason", async () => {
  assert.deepEqual(await planBackends('wasm', false), { order: ['wasm'] });
  assert.deepEqual(await planBackends('webgpu', false), { order: ['webgpu'] });
  assert.deepEqual(await planBackends('auto', false, 'no adapter'), { order: ['wasm'], skippedWebGpu: 'no adapter' });
  // Node has no navigator.gpu: the engine's own probe says so.
  assert.deepEqual(await planBackends('auto', false), {
    order: ['wasm'],
    skippedWebGpu: 'WebGPU is not available in this environment (no navigator.gpu)',
  });
  assert.equal(await probeBeforeWorker('auto', true, false), undefined, 'only Deno probes before its worker');
});

test('the first backend whose sessions open wins; the reasons for those before it are the fallback reason', async () => {
  const { host, opened } = fakeHost({ webgpu: new JadferError('E_BACKEND_UNAVAILABLE', 'no JSPI') });
  const backends = new Backends(host);
  const choice = await backends.start({ order: ['webgpu', 'wasm'] }, 'auto');
  assert.deepEqual(choice, { backend: 'wasm', fallbackReason: 'webgpu: no JSPI' });
  assert.deepEqual(opened, ['wasm']);
  assert.equal(backends.current, 'wasm');
  const asked = await new Backends(fakeHost().host).start({ order: ['wasm'] }, 'wasm');
  assert.deepEqual(asked, { backend: 'wasm' }, 'no reason when the backend is the one asked for');
  const skipped = await new Backends(fakeHost().host).start({ order: ['wasm'], skippedWebGpu: 'no adapter' }, 'auto');
  assert.deepEqual(skipped, { backend: 'wasm', fallbackReason: 'no adapter' });
});

test('a bad model is thrown at once; when no backend opens, E_BACKEND_UNAVAILABLE says why each failed', async () => {
  const badModel = new JadferError('E_MODEL_LOAD', 'not an ONNX model');
  await assert.rejects(
    new Backends(fakeHost({ webgpu: badModel }).host).start({ order: ['webgpu', 'wasm'] }, 'auto'),
    (error) => error === badModel,
  );
  const none = fakeHost({ webgpu: new Error('lost'), wasm: new JadferError('E_BACKEND_UNAVAILABLE', 'no SIMD') });
  await assert.rejects(
    new Backends(none.host).start({ order: ['webgpu', 'wasm'], skippedWebGpu: 'slow adapter' }, 'auto'),
    (error) =>
      isJadferError(error, 'E_BACKEND_UNAVAILABLE') &&
      JSON.stringify(error.details) ===
        JSON.stringify({ tried: ['webgpu', 'wasm'], failures: ['slow adapter', 'webgpu: lost', 'wasm: no SIMD'] }),
  );
});

test('a lost WebGPU device moves the sessions to WASM, once, and says so with E_DEVICE_LOST', async () => {
  const { host, opened, switched, devices } = fakeHost();
  const backends = new Backends(host);
  await backends.start({ order: ['webgpu', 'wasm'] }, 'auto');
  assert.equal(backends.current, 'webgpu');
  assert.equal(backends.gpuDevice, devices[0]);
  backends.gpuDevice!.destroy();
  await devices[0]!.lost;
  assert.ok(backends.recovering, 'frames can wait for the recovery');
  await backends.recovering;
  assert.equal(backends.recovering, undefined);
  assert.equal(backends.current, 'wasm');
  assert.equal(backends.gpuDevice, undefined);
  assert.deepEqual(opened, ['webgpu', 'wasm']);
  assert.deepEqual(switched, [
    { backend: 'wasm', previous: 'webgpu', reason: 'E_DEVICE_LOST: the WebGPU device was lost (destroyed)' },
  ]);
});

test('after dispose, a lost device starts no recovery', async () => {
  const { host, opened, devices } = fakeHost();
  const backends = new Backends(host);
  await backends.start({ order: ['webgpu'] }, 'webgpu');
  backends.dispose();
  await devices[0]!.lost;
  assert.equal(backends.recovering, undefined);
  assert.deepEqual(opened, ['webgpu']);
});

test('a frame caught by a device loss is rerun once after the recovery; other failures are thrown', async () => {
  const { host, devices } = fakeHost();
  const backends = new Backends(host);
  await backends.start({ order: ['webgpu', 'wasm'] }, 'auto');
  const runs: boolean[] = [];
  const answer = await backends.run(async (rerun) => {
    runs.push(rerun);
    if (!rerun) {
      devices[0]!.destroy(); // the device is lost while the frame runs on it
      await devices[0]!.lost;
      throw new Error('the run was suspended on the lost device');
    }
    return backends.current;
  });
  assert.deepEqual(runs, [false, true]);
  assert.equal(answer, 'wasm');
  const bad = new Error('a bad frame');
  await assert.rejects(
    backends.run(async () => {
      throw bad;
    }),
    (error) => error === bad,
  );
});
