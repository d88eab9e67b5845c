/**
 * WASM SIMD vs TypeScript pixel kernels.
 *   letterbox: 640×480 RGBA → 128×128×3 NHWC [-1, 1] (supersample 1 and auto = 4×4)
 *   warp:      5 faces → 112×112×3 NCHW (rotated similarity, auto supersampling)
 *   planar:    640×480 RGBA → 3×480×640 NCHW
 * Prints JSON (one line) then a table. Run: node --import tsx bench/kernels.ts
 */
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { alignmentMatrix } from '../src/engine/pipeline/align.js';
import { autoSupersample, channelAffine, type PixelKernels } from '../src/engine/pipeline/kernels.js';
import { refKernels } from '../src/engine/pipeline/kernels-ref.js';
import { createWasmKernels } from '../src/engine/pipeline/kernels-wasm.js';
import { letterboxImage } from '../src/engine/pipeline/letterbox.js';
import type { Detection, RgbaImage } from '../src/engine/pipeline/types.js';

const wasmFile = new URL('../wasm/build/jadfer-kernels.wasm', import.meta.url);
if (!fs.existsSync(wasmFile)) execFileSync(process.execPath, ['scripts/build-wasm.mjs'], { stdio: 'inherit' });
const wasm = await createWasmKernels(fs.readFileSync(wasmFile));

let seed = 42;
const frame: RgbaImage = {
  data: Uint8Array.from({ length: 640 * 480 * 4 }, () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24),
  width: 640,
  height: 480,
};
const rgb = channelAffine({ color: 'rgb', range: [-1, 1] });
const faces: Detection[] = [0, 1, 2, 3, 4].map((k) => {
  const cx = 80 + k * 120,
    cy = 240,
    s = 90,
    t = 0.1 * (k - 2);
  const eye = (dx: number) => ({ x: cx + dx * Math.cos(t), y: cy - 20 + dx * Math.sin(t) });
  return {
    box: { x: cx - s / 2, y: cy - s / 2, width: s, height: s },
    score: 1,
    landmarks: [eye(-20), eye(20), { x: cx, y: cy + 5 }, { x: cx, y: cy + 25 }],
  };
});
const faceMatrices = faces.map((f) => alignmentMatrix(f, 112, 112));

/** Median ms per call over enough repetitions to last ~targetMs. */
function time(fn: () => void, targetMs = 400): number {
  for (let i = 0; i < 3; i++) fn();
  const samples: number[] = [];
  const end = performance.now() + targetMs;
  while (performance.now() < end || samples.length < 5) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1]!;
}

const cases: Array<[string, (k: PixelKernels) => void]> = [
  ['letterbox 640×480→128×128 (1 sample)', (k) => letterboxImage(k, frame, 128, 128, rgb, { supersample: 1 })],
  ['letterbox 640×480→128×128 (auto 4×4)', (k) => letterboxImage(k, frame, 128, 128, rgb)],
  [
    'warp 5 faces→112×112×3 NCHW',
    (k) =>
      faceMatrices.forEach((m) =>
        k.warpAffine(frame, m, {
          dstWidth: 112,
          dstHeight: 112,
          layout: 'nchw',
          norm: rgb,
          border: 'clamp',
          supersample: autoSupersample(m),
        }),
      ),
  ],
  ['rgbaToPlanar 640×480 NCHW', (k) => k.rgbaToPlanar(frame, rgb)],
];

const results = cases.map(([name, run]) => {
  const ts = time(() => run(refKernels));
  const w = time(() => run(wasm));
  return { name, tsMs: +ts.toFixed(3), wasmMs: +w.toFixed(3), speedup: +(ts / w).toFixed(1) };
});
console.log(JSON.stringify({ bench: 'kernels', node: process.version, results }));
console.table(results);
