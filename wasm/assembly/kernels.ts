// jadfer pixel kernels, AssemblyScript → WebAssembly SIMD.
// Built by scripts/build-wasm.mjs; loaded by src/engine/pipeline/kernels-wasm.ts.
// Semantics follow src/engine/pipeline/kernels-ref.ts exactly (read that file first):
// coordinates in float64 (so floor() picks the same taps), colours in f32x4 lanes (R, G, B, A).
// No allocator: the host owns linear memory above heapBase() and passes pointers.

const LUMA_R: f32 = 0.299;
const LUMA_G: f32 = 0.587;
const LUMA_B: f32 = 0.114;
// Keeps float → int conversion in range for absurd matrices; such taps are outside anyway.
const COORD_LIMIT: f64 = 1.0e9;

export function heapBase(): usize {
  return (__heap_base + 15) & ~15;
}

// One RGBA8 pixel widened to f32x4.
@inline function loadPixel(ptr: usize): v128 {
  let v = v128.load32_zero(ptr);
  v = i16x8.extend_low_i8x16_u(v);
  v = i32x4.extend_low_i16x8_u(v);
  return f32x4.convert_i32x4_u(v);
}

// A tap that may fall outside the image: clamp to the edge or return the border colour.
@inline function loadTap(src: usize, sw: i32, sh: i32, ix: i32, iy: i32, constant: bool, border: v128): v128 {
  if (ix < 0 || iy < 0 || ix >= sw || iy >= sh) {
    if (constant) return border;
    ix = ix < 0 ? 0 : ix >= sw ? sw - 1 : ix;
    iy = iy < 0 ? 0 : iy >= sh ? sh - 1 : iy;
  }
  return loadPixel(src + ((<usize>(iy * sw + ix)) << 2));
}

@inline function clampCoord(v: f64): f64 {
  return v < -COORD_LIMIT ? -COORD_LIMIT : v > COORD_LIMIT ? COORD_LIMIT : v;
}

// Writes one output pixel: gray (1 channel) or RGB in planar (NCHW) or interleaved (NHWC) layout.
@inline function storePixel(dst: usize, p: i32, plane: i32, planar: bool, channels: i32, rgb: v128, gain: v128, bias: v128): void {
  if (channels == 1) {
    const luma = f32x4.extract_lane(rgb, 0) * LUMA_R + f32x4.extract_lane(rgb, 1) * LUMA_G + f32x4.extract_lane(rgb, 2) * LUMA_B;
    store<f32>(dst + (<usize>p << 2), luma * f32x4.extract_lane(gain, 0) + f32x4.extract_lane(bias, 0));
    return;
  }
  const v = f32x4.add(f32x4.mul(rgb, gain), bias);
  if (planar) {
    store<f32>(dst + (<usize>p << 2), f32x4.extract_lane(v, 0));
    store<f32>(dst + (<usize>(plane + p) << 2), f32x4.extract_lane(v, 1));
    store<f32>(dst + (<usize>(2 * plane + p) << 2), f32x4.extract_lane(v, 2));
  } else {
    const o = dst + <usize>p * 12;
    store<f32>(o, f32x4.extract_lane(v, 0));
    store<f32>(o, f32x4.extract_lane(v, 1), 4);
    store<f32>(o, f32x4.extract_lane(v, 2), 8);
  }
}

// Affine warp with bilinear sampling and n×n supersampling; m maps destination → source.
export function warpAffine(
  src: usize, sw: i32, sh: i32,
  dst: usize, dw: i32, dh: i32,
  m0: f64, m1: f64, m2: f64, m3: f64, m4: f64, m5: f64,
  planar: bool, channels: i32,
  g0: f32, g1: f32, g2: f32, b0: f32, b1: f32, b2: f32,
  constant: bool, borderValue: f32, n: i32,
): void {
  const border = f32x4.splat(borderValue);
  const gain = f32x4(g0, g1, g2, 0);
  const bias = f32x4(b0, b1, b2, 0);
  const fn = <f64>n;
  const inv = f32x4.splat(<f32>(1.0 / (fn * fn)));
  const plane = dw * dh;
  const rowBytes = <usize>sw << 2;
  const invN = 1.0 / fn;
  for (let y = 0; y < dh; y++) {
    for (let x = 0; x < dw; x++) {
      let acc = f32x4.splat(0);
      // Source point of the pixel's first sub-sample; the others step by m·invN (the
      // reference recomputes each point; rounding differs by ~1e-13, far inside tolerance).
      const px0 = <f64>x + 0.5 * invN;
      const py0 = <f64>y + 0.5 * invN;
      const sx00 = m0 * px0 + m1 * py0 + m2 - 0.5;
      const sy00 = m3 * px0 + m4 * py0 + m5 - 0.5;
      for (let j = 0; j < n; j++) {
        const oy = <f64>j * invN;
        for (let i = 0; i < n; i++) {
          const ox = <f64>i * invN;
          const sx = clampCoord(sx00 + m0 * ox + m1 * oy);
          const sy = clampCoord(sy00 + m3 * ox + m4 * oy);
          const fx0 = Math.floor(sx);
          const fy0 = Math.floor(sy);
          const x0 = <i32>fx0;
          const y0 = <i32>fy0;
          const fx = sx - fx0;
          const fy = sy - fy0;
          let p00: v128, p10: v128, p01: v128, p11: v128;
          if (x0 >= 0 && y0 >= 0 && x0 + 1 < sw && y0 + 1 < sh) {
            const base = src + ((<usize>(y0 * sw + x0)) << 2);
            p00 = loadPixel(base);
            p10 = loadPixel(base + 4);
            p01 = loadPixel(base + rowBytes);
            p11 = loadPixel(base + rowBytes + 4);
          } else {
            p00 = loadTap(src, sw, sh, x0, y0, constant, border);
            p10 = loadTap(src, sw, sh, x0 + 1, y0, constant, border);
            p01 = loadTap(src, sw, sh, x0, y0 + 1, constant, border);
            p11 = loadTap(src, sw, sh, x0 + 1, y0 + 1, constant, border);
          }
          acc = f32x4.add(acc, f32x4.mul(p00, f32x4.splat(<f32>((1 - fx) * (1 - fy)))));
          acc = f32x4.add(acc, f32x4.mul(p10, f32x4.splat(<f32>(fx * (1 - fy)))));
          acc = f32x4.add(acc, f32x4.mul(p01, f32x4.splat(<f32>((1 - fx) * fy))));
          acc = f32x4.add(acc, f32x4.mul(p11, f32x4.splat(<f32>(fx * fy))));
        }
      }
      storePixel(dst, y * dw + x, plane, planar, channels, f32x4.mul(acc, inv), gain, bias);
    }
  }
}

// RGBA8 → planar float, 4 pixels per step: byte shuffles against zero widen R, G, B to i32 lanes.
export function rgbaToPlanar(src: usize, count: i32, dst: usize, channels: i32, g0: f32, g1: f32, g2: f32, b0: f32, b1: f32, b2: f32): void {
  const zero = i32x4.splat(0);
  const G0 = f32x4.splat(g0), G1 = f32x4.splat(g1), G2 = f32x4.splat(g2);
  const B0 = f32x4.splat(b0), B1 = f32x4.splat(b1), B2 = f32x4.splat(b2);
  const LR = f32x4.splat(LUMA_R), LG = f32x4.splat(LUMA_G), LB = f32x4.splat(LUMA_B);
  const plane = <usize>count << 2;
  let p = 0;
  for (; p + 4 <= count; p += 4) {
    const v = v128.load(src + (<usize>p << 2));
    const r = f32x4.convert_i32x4_u(i8x16.shuffle(v, zero, 0, 16, 16, 16, 4, 16, 16, 16, 8, 16, 16, 16, 12, 16, 16, 16));
    const g = f32x4.convert_i32x4_u(i8x16.shuffle(v, zero, 1, 16, 16, 16, 5, 16, 16, 16, 9, 16, 16, 16, 13, 16, 16, 16));
    const b = f32x4.convert_i32x4_u(i8x16.shuffle(v, zero, 2, 16, 16, 16, 6, 16, 16, 16, 10, 16, 16, 16, 14, 16, 16, 16));
    const o = dst + (<usize>p << 2);
    if (channels == 1) {
      const luma = f32x4.add(f32x4.add(f32x4.mul(r, LR), f32x4.mul(g, LG)), f32x4.mul(b, LB));
      v128.store(o, f32x4.add(f32x4.mul(luma, G0), B0));
    } else {
      v128.store(o, f32x4.add(f32x4.mul(r, G0), B0));
      v128.store(o + plane, f32x4.add(f32x4.mul(g, G1), B1));
      v128.store(o + 2 * plane, f32x4.add(f32x4.mul(b, G2), B2));
    }
  }
  const gain = f32x4(g0, g1, g2, 0);
  const bias = f32x4(b0, b1, b2, 0);
  for (; p < count; p++) {
    storePixel(dst, p, count, true, channels, loadPixel(src + (<usize>p << 2)), gain, bias);
  }
}
