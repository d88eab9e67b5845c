/**
 * Loader for the AssemblyScript SIMD kernels (wasm/build/jadfer-kernels.wasm).
 * Same function signatures as kernels-ref.ts, so the engine can swap them.
 *
 * Memory: the module has no allocator. Each call lays out [source RGBA | output floats]
 * above the module's heap base, grows linear memory when a frame needs more, copies
 * the source in and the result out. The copy (~0.1 ms for 640×480) keeps the API
 * identical to the reference and safe against callers reusing their buffers.
 */
import { checkImage, tensorLength, type PixelKernels, type WarpOptions } from './kernels.js';
import type { Affine, PixelNorm, RgbaImage } from './types.js';

interface KernelExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  warpAffine(
    src: number,
    sw: number,
    sh: number,
    dst: number,
    dw: number,
    dh: number,
    m0: number,
    m1: number,
    m2: number,
    m3: number,
    m4: number,
    m5: number,
    planar: number,
    channels: number,
    g0: number,
    g1: number,
    g2: number,
    b0: number,
    b1: number,
    b2: number,
    constant: number,
    borderValue: number,
    n: number,
  ): void;
  rgbaToPlanar(
    src: number,
    count: number,
    dst: number,
    channels: number,
    g0: number,
    g1: number,
    g2: number,
    b0: number,
    b1: number,
    b2: number,
  ): void;
}

export type WasmSource = BufferSource | WebAssembly.Module | URL | string;

export interface WasmKernels extends PixelKernels {
  /** Bytes of linear memory currently reserved (grows on demand, never shrinks). */
  readonly memoryBytes: number;
}

const PAGE = 65536;
const align16 = (n: number) => (n + 15) & ~15;

async function instantiate(source: WasmSource): Promise<WebAssembly.Instance> {
  if (source instanceof WebAssembly.Module) return WebAssembly.instantiate(source, {});
  if (typeof source === 'string' || source instanceof URL) {
    const response = await fetch(source);
    if (!response.ok) throw new Error(`cannot fetch ${String(source)}: ${response.status}`);
    if (
      typeof WebAssembly.instantiateStreaming === 'function' &&
      response.headers.get('content-type') === 'application/wasm'
    ) {
      return (await WebAssembly.instantiateStreaming(response, {})).instance;
    }
    return (await WebAssembly.instantiate(await response.arrayBuffer(), {})).instance;
  }
  return (await WebAssembly.instantiate(source, {})).instance;
}

export async function createWasmKernels(source: WasmSource): Promise<WasmKernels> {
  const exports = (await instantiate(source)).exports as unknown as KernelExports;
  const base = exports.heapBase();

  /** Ensures memory for `bytes` above the heap base and returns the layout start. */
  const reserve = (bytes: number): number => {
    const need = base + bytes;
    const have = exports.memory.buffer.byteLength;
    if (need > have) exports.memory.grow(Math.ceil((need - have) / PAGE));
    return base;
  };

  /** Copies the source in; returns pointers to source and output regions. */
  const stage = (src: RgbaImage, outFloats: number) => {
    checkImage(src);
    const srcBytes = align16(src.width * src.height * 4);
    const srcPtr = reserve(srcBytes + outFloats * 4 + 16);
    new Uint8Array(exports.memory.buffer, srcPtr, src.width * src.height * 4).set(
      src.data.subarray(0, src.width * src.height * 4),
    );
    return { srcPtr, dstPtr: srcPtr + srcBytes };
  };

  const collect = (dstPtr: number, length: number, out?: Float32Array): Float32Array => {
    const view = new Float32Array(exports.memory.buffer, dstPtr, length);
    if (!out) return view.slice();
    out.set(view);
    return out;
  };

  const gains = (norm: PixelNorm) =>
    [norm.gain[0]!, norm.gain[1] ?? 0, norm.gain[2] ?? 0, norm.bias[0]!, norm.bias[1] ?? 0, norm.bias[2] ?? 0] as const;

  return {
    get memoryBytes() {
      return exports.memory.buffer.byteLength;
    },
    warpAffine(src: RgbaImage, m: Affine, options: WarpOptions, out?: Float32Array): Float32Array {
      const { dstWidth: dw, dstHeight: dh, norm } = options;
      const length = tensorLength(dw, dh, norm);
      const { srcPtr, dstPtr } = stage(src, length);
      const n = Math.max(1, Math.floor(options.supersample ?? 1));
      const [g0, g1, g2, b0, b1, b2] = gains(norm);
      exports.warpAffine(
        srcPtr,
        src.width,
        src.height,
        dstPtr,
        dw,
        dh,
        m[0],
        m[1],
        m[2],
        m[3],
        m[4],
        m[5],
        options.layout === 'nchw' ? 1 : 0,
        norm.channels,
        g0,
        g1,
        g2,
        b0,
        b1,
        b2,
        options.border === 'constant' ? 1 : 0,
        options.borderValue ?? 0,
        n,
      );
      return collect(dstPtr, length, out);
    },
    rgbaToPlanar(src: RgbaImage, norm: PixelNorm, out?: Float32Array): Float32Array {
      const length = tensorLength(src.width, src.height, norm);
      const { srcPtr, dstPtr } = stage(src, length);
      const [g0, g1, g2, b0, b1, b2] = gains(norm);
      exports.rgbaToPlanar(srcPtr, src.width * src.height, dstPtr, norm.channels, g0, g1, g2, b0, b1, b2);
      return collect(dstPtr, length, out);
    },
  };
}
