/** WASM SIMD kernels vs the TypeScript reference (max abs difference ≤ 1e-5). */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { before, describe, it } from 'node:test';
import { channelAffine, type WarpOptions } from '../../../../src/engine/pipeline/kernels.js';
import { refKernels } from '../../../../src/engine/pipeline/kernels-ref.js';
import { wasmSimdSupported } from '../../../../src/contract/platform.js';
import { createWasmKernels, type WasmKernels } from '../../../../src/engine/pipeline/kernels-wasm.js';
import { letterboxImage } from '../../../../src/engine/pipeline/letterbox.js';
import type { Affine, RgbaImage } from '../../../../src/engine/pipeline/types.js';

const WASM_FILE = new URL('../../../../wasm/build/jadfer-kernels.wasm', import.meta.url);
const TOLERANCE = 1e-5;

/** Deterministic RGBA noise (mulberry32). */
function randomImage(width: number, height: number, seed: number): RgbaImage {
  let s = seed >>> 0;
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < data.length; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    data[i] = ((t ^ (t >>> 14)) >>> 0) & 255;
  }
  return { data, width, height };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const rgbNorm = channelAffine({ color: 'rgb', range: [-1, 1] });
const grayNorm = channelAffine({ color: 'gray', range: [0, 1], mean: [0.5], std: [0.25] });
const imagenetNorm = channelAffine({
  color: 'rgb',
  range: [0, 1],
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
});

/** Rotation by `angle` and scaling by `scale` about the destination centre, landing on (cx, cy). */
function similarity(angle: number, scale: number, cx: number, cy: number, dw: number, dh: number): Affine {
  const c = Math.cos(angle) * scale;
  const s = Math.sin(angle) * scale;
  return [c, -s, cx - (c * dw) / 2 + (s * dh) / 2, s, c, cy - (s * dw) / 2 - (c * dh) / 2];
}

describe('wasm kernels', () => {
  let wasm: WasmKernels;
  before(async () => {
    if (!fs.existsSync(WASM_FILE)) execFileSync(process.execPath, ['scripts/build-wasm.mjs'], { stdio: 'inherit' });
    wasm = await createWasmKernels(fs.readFileSync(WASM_FILE));
  });

  it('runs on a runtime with WebAssembly SIMD', () => {
    assert.equal(wasmSimdSupported(), true);
  });

  it('channelAffine maps 0 and 255 to the range ends', () => {
    assert.ok(Math.abs(0 * rgbNorm.gain[0]! + rgbNorm.bias[0]! - -1) < 1e-12);
    assert.ok(Math.abs(255 * rgbNorm.gain[2]! + rgbNorm.bias[2]! - 1) < 1e-12);
    assert.ok(
      Math.abs(127.5 * grayNorm.gain[0]! + grayNorm.bias[0]!) < 1e-12,
      'gray mid-level is 0 after (x - 0.5) / 0.25',
    );
  });

  for (const [label, norm] of [
    ['rgb', rgbNorm],
    ['gray', grayNorm],
    ['imagenet', imagenetNorm],
  ] as const) {
    it(`rgbaToPlanar matches the reference (${label}, odd sizes)`, () => {
      for (const [w, h, seed] of [
        [1, 1, 1],
        [3, 5, 2],
        [17, 9, 3],
        [101, 67, 4],
      ] as const) {
        const src = randomImage(w, h, seed);
        const d = maxAbsDiff(refKernels.rgbaToPlanar(src, norm), wasm.rgbaToPlanar(src, norm));
        assert.ok(d <= TOLERANCE, `${w}×${h}: ${d}`);
      }
    });
  }

  const cases: Array<[string, RgbaImage, Affine, Omit<WarpOptions, 'norm'>]> = [
    [
      '1×1 source, clamp',
      randomImage(1, 1, 5),
      [0.1, 0, -0.3, 0, 0.1, 0.2],
      { dstWidth: 7, dstHeight: 5, layout: 'nchw', border: 'clamp' },
    ],
    [
      '1×1 source, constant',
      randomImage(1, 1, 6),
      [0.5, 0, -1, 0, 0.5, -1],
      { dstWidth: 5, dstHeight: 5, layout: 'nhwc', border: 'constant', borderValue: 17 },
    ],
    [
      'rotated crop across the left/top border',
      randomImage(63, 41, 7),
      similarity(0.4, 1.7, 3, 2, 23, 19),
      { dstWidth: 23, dstHeight: 19, layout: 'nchw', border: 'clamp' },
    ],
    [
      'rotated crop across the right/bottom border, constant',
      randomImage(63, 41, 8),
      similarity(-0.7, 2.3, 60, 39, 13, 11),
      { dstWidth: 13, dstHeight: 11, layout: 'nchw', border: 'constant', borderValue: 128 },
    ],
    [
      'crop entirely outside',
      randomImage(9, 9, 9),
      [1, 0, 500, 0, 1, -500],
      { dstWidth: 4, dstHeight: 3, layout: 'nhwc', border: 'constant' },
    ],
    [
      'supersampled 3×3 shrink',
      randomImage(131, 97, 10),
      similarity(0.1, 4.2, 65, 48, 29, 21),
      { dstWidth: 29, dstHeight: 21, layout: 'nchw', border: 'clamp', supersample: 3 },
    ],
    [
      'enlarging warp',
      randomImage(15, 11, 11),
      similarity(1.2, 0.23, 7, 5, 37, 33),
      { dstWidth: 37, dstHeight: 33, layout: 'nhwc', border: 'clamp' },
    ],
  ];
  for (const [label, src, m, options] of cases) {
    for (const [normLabel, norm] of [
      ['rgb', rgbNorm],
      ['gray', grayNorm],
    ] as const) {
      it(`warpAffine matches the reference: ${label} (${normLabel})`, () => {
        const full = { ...options, norm };
        const expected = refKernels.warpAffine(src, m, full);
        const d = maxAbsDiff(expected, wasm.warpAffine(src, m, full));
        assert.ok(d <= TOLERANCE, `max abs diff ${d}`);
      });
    }
  }

  it('letterbox through WASM matches the reference and pads with the border colour', () => {
    const src = randomImage(97, 61, 12);
    const ref = letterboxImage(refKernels, src, 32, 32, rgbNorm);
    const out = letterboxImage(wasm, src, 32, 32, rgbNorm);
    assert.ok(maxAbsDiff(ref.data, out.data) <= TOLERANCE);
    assert.ok(ref.letterbox.padY > 5 && ref.letterbox.padX === 0);
    // Row 0 lies in the top padding: black → -1 after [-1, 1] normalisation.
    for (let i = 0; i < 32 * 3; i++) assert.ok(Math.abs(out.data[i]! + 1) < 1e-6);
  });

  it('identity warp reproduces pixels exactly', () => {
    const src = randomImage(5, 4, 13);
    const out = wasm.warpAffine(src, [1, 0, 0, 0, 1, 0], {
      dstWidth: 5,
      dstHeight: 4,
      layout: 'nchw',
      norm: channelAffine({ color: 'rgb', range: [0, 255] }),
      border: 'clamp',
    });
    for (let p = 0; p < 20; p++) assert.ok(Math.abs(out[p]! - src.data[p * 4]!) < 1e-4, `pixel ${p}`);
  });

  it('writes into a caller buffer and grows memory for large frames', () => {
    const src = randomImage(1500, 1100, 14);
    const out = new Float32Array(1500 * 1100 * 3);
    const before = wasm.memoryBytes;
    const result = wasm.rgbaToPlanar(src, rgbNorm, out);
    assert.equal(result, out);
    assert.ok(wasm.memoryBytes > before && wasm.memoryBytes >= 1500 * 1100 * 16);
    assert.ok(maxAbsDiff(refKernels.rgbaToPlanar(src, rgbNorm), out) <= TOLERANCE);
  });
});
