import { nodeResolve } from '@rollup/plugin-node-resolve';
import esbuild from 'rollup-plugin-esbuild';

const typescript = () => esbuild({ target: 'es2022', minify: false });
// onnxruntime-web's "extern wasm" builds import their glue .mjs at run time from the
// URLs we give (dist/ort/), instead of inlining it: one copy, loadable by ORT's thread workers.
const resolve = () =>
  nodeResolve({ browser: true, exportConditions: ['onnxruntime-web-use-extern-wasm', 'import', 'module', 'default'] });
// onnxruntime-web reads import.meta.url only to find its own script for its proxy worker, which we
// do not use. webpack follows its `new URL('ort.wasm.min.mjs', import.meta.url)` and fails on a file we
// do not ship; so ORT's modules get no URL of their own.
const ortWithoutOwnUrl = {
  name: 'ort-without-own-url',
  resolveImportMeta: (property, { moduleId }) =>
    property === 'url' && moduleId.includes('onnxruntime-web') ? 'undefined' : null,
};
const quiet = (warning, warn) => {
  // ORT uses eval-free dynamic imports of URLs that rollup cannot resolve statically; that is intended.
  if (warning.code === 'EVAL' || warning.code === 'CIRCULAR_DEPENDENCY') return;
  warn(warning);
};

export default [
  {
    input: 'src/index.ts',
    output: { file: 'dist/jadfer.js', format: 'es' },
    plugins: [resolve(), typescript()],
    onwarn: quiet,
  },
  {
    input: 'src/iife.ts',
    output: { file: 'dist/jadfer.iife.js', format: 'iife', name: 'JADFER' },
    plugins: [resolve(), typescript()],
    onwarn: quiet,
  },
  {
    // Fault injection for tests (`jadfer/testing`): its own file, so the SDK bundles carry none of it.
    input: 'src/testing.ts',
    output: { file: 'dist/jadfer.testing.js', format: 'es' },
    plugins: [resolve(), typescript()],
    onwarn: quiet,
  },
  {
    // `jadfer/analytics/nats`: the kiosk side of fleet analytics. The NATS client stays external
    // (optional peer dependencies, imported when the sink connects), so no SDK bundle carries it.
    input: 'src/analytics/nats.ts',
    output: { file: 'dist/jadfer-analytics-nats.js', format: 'es' },
    external: [/^@nats-io\//],
    plugins: [resolve(), typescript()],
    onwarn: quiet,
  },
  {
    input: {
      'jadfer.worker': 'workers/engine.worker.ts',
      'jadfer.engine': 'src/engine/engine.ts',
      // The engine with fault injection, which only `jadfer/testing` starts: the two above have none.
      'jadfer.testing.worker': 'workers/engine.testing.worker.ts',
      'jadfer.testing.engine': 'src/engine/testing-engine.ts',
    },
    output: {
      dir: 'dist',
      format: 'es',
      entryFileNames: '[name].js',
      chunkFileNames: 'chunks/[name]-[hash].js',
    },
    external: [/^node:/],
    plugins: [resolve(), typescript(), ortWithoutOwnUrl],
    onwarn: quiet,
  },
  {
    // The Node CLI. sharp is a native module: kept external, loaded only by commands that decode images;
    // the NATS client too (optional peer dependencies), loaded only by `jadfer fleet`.
    input: 'cli/index.ts',
    output: { file: 'dist/cli.js', format: 'es' },
    external: [/^node:/, 'sharp', /^@nats-io\//],
    plugins: [nodeResolve({ preferBuiltins: true }), typescript()],
    onwarn: quiet,
  },
];
