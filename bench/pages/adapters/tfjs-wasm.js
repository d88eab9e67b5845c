// The TF.js WASM binaries both baselines run on. Neither package ships them: they come from
// @tensorflow/tfjs-backend-wasm 4.22.0 in node_modules, the version both bundles embed.
export const TFJS_WASM_DIR = '/node_modules/@tensorflow/tfjs-backend-wasm/dist/';

/**
 * Points the library's embedded TF.js at the local binaries and fixes its thread count; call
 * before the backend starts. Threads need crossOriginIsolated, and the threaded build starts its
 * pthreads from blob: URLs (see the CSP note in bench/compare.ts).
 *
 * tfjs-backend-wasm caps its pool at navigator.hardwareConcurrency / 2 whatever setThreadsCount
 * asks (src/cc/backend.cc: `num_cores = emscripten_num_logical_cores() / 2`, it assumes two
 * hyper-threads per core), so on a 2-vCPU machine it would run 1 thread where ONNX Runtime runs 2.
 * For the same thread count in every system, this page shows TF.js 2 × threads logical cores;
 * tfjsBackendInfo() reads back the count the pool really has.
 */
export function configureTfjsWasm(tf, threads) {
  if (navigator.hardwareConcurrency < 2 * threads)
    Object.defineProperty(navigator, 'hardwareConcurrency', { value: 2 * threads, configurable: true });
  tf.setWasmPaths(TFJS_WASM_DIR);
  tf.setThreadsCount(threads);
}

/** What the backend actually runs: its name and, on WASM, its thread count. */
export function tfjsBackendInfo(tf) {
  const backend = tf.getBackend();
  return { backend, threads: backend === 'wasm' ? tf.getThreadsCount() : undefined };
}
