/**
 * A Slice kernel for TF.js's wasm backend that copies only the slice. The stock kernel starts with
 * readSync, which copies the WHOLE input out of the wasm heap into a fresh ArrayBuffer on every call:
 * the 9 taps of each depthwise gradient and the flat AdamW's split (one Slice per param) then cost
 * 35 % of a step when the whole trunk trains (measured with tf.profile, faceres-112, batch 16: Slice
 * 380 ms + SplitV 320 ms of 2.3 s). Registered over the stock kernels (Slice, and SplitV, which calls
 * the stock slice directly) when the wasm backend is chosen.
 */
import * as tf from '@tensorflow/tfjs';

interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/** Copies `size` elements from `begin` of a row-major `shape` source into a dense destination. */
export function copySlice(
  src: ArrayLike<number> & { subarray(a: number, b: number): ArrayLike<number> },
  shape: number[],
  begin: number[],
  size: number[],
  dst: { set(a: ArrayLike<number>, at: number): void },
): void {
  const rank = shape.length;
  const strides = new Array<number>(rank);
  for (let d = rank - 1, s = 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d]!;
  }
  // Trailing dims taken whole join the innermost run, which is one contiguous copy.
  let k = rank - 1;
  while (k > 0 && size[k] === shape[k]) k--;
  const run = size[k]! * strides[k]!;
  const index = new Array<number>(k).fill(0);
  const total = size.reduce((a, b) => a * b, 1);
  for (let at = 0; at < total; at += run) {
    let from = begin[k]! * strides[k]!;
    for (let d = 0; d < k; d++) from += (begin[d]! + index[d]!) * strides[d]!;
    dst.set(src.subarray(from, from + run), at);
    for (let d = k - 1; d >= 0; d--) {
      if (++index[d]! < size[d]!) break;
      index[d] = 0;
    }
  }
}

export function registerWasmSlice(): void {
  const stock = tf.getKernel('Slice', 'wasm');
  if (!stock || (stock.kernelFunc as { jadfer?: boolean }).jadfer) return;
  const kernelFunc = (({ inputs, attrs, backend }) => {
    const x = inputs.x!;
    if (x.dtype === 'string') return stock.kernelFunc({ inputs, attrs, backend });
    const [begin, size] = tf.slice_util.parseSliceParams(
      x as tf.Tensor,
      attrs!.begin as number[],
      attrs!.size as number[],
    ) as [number[], number[]];
    const wasm = backend as unknown as WasmBackend;
    const out = wasm.makeOutput(size, x.dtype);
    // Views only after makeOutput: growing the heap for the output detaches earlier views.
    copySlice(wasm.typedArrayFromHeap(x), x.shape, begin, size, wasm.typedArrayFromHeap(out));
    return out;
  }) as tf.KernelFunc & { jadfer?: boolean };
  kernelFunc.jadfer = true;
  tf.unregisterKernel('Slice', 'wasm');
  tf.registerKernel({ kernelName: 'Slice', backendName: 'wasm', kernelFunc });

  // The stock SplitV calls the stock slice directly, one full copy of the input per part.
  const splitV = (({ inputs, attrs, backend }) => {
    const x = inputs.x!;
    const axis = tf.util.parseAxisParam(attrs!.axis as number, x.shape)[0]!;
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, attrs!.numOrSizeSplits as number | number[], axis);
    const wasm = backend as unknown as WasmBackend;
    const begin = x.shape.map(() => 0);
    return sizes.map((part) => {
      const size = [...x.shape];
      size[axis] = part;
      const out = wasm.makeOutput(size, x.dtype);
      copySlice(wasm.typedArrayFromHeap(x), x.shape, begin, size, wasm.typedArrayFromHeap(out));
      begin[axis]! += part;
      return out;
    });
  }) as tf.KernelFunc;
  tf.unregisterKernel('SplitV', 'wasm');
  tf.registerKernel({ kernelName: 'SplitV', backendName: 'wasm', kernelFunc: splitV });
}
