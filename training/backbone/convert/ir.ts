/**
 * The converter's intermediate representation: NCHW, batch implicit, one node per TF node that
 * computes something. The TF.js import builds it, the rewrites simplify it, the emitter writes ONNX.
 */
import type { TfTensor } from '../tfjs-graph.js';

export type Shape = [number, number, number]; // C, H, W
export type Pads = [number, number, number, number]; // top, left, bottom, right

export type IrOp =
  | { op: 'input' }
  | {
      op: 'conv';
      x: number;
      w: Float32Array; // [co, ci/group, kh, kw]
      wShape: [number, number, number, number];
      b: Float32Array | null;
      strides: [number, number];
      dil: [number, number];
      pads: Pads;
      group: number;
    }
  | { op: 'pad'; x: number; pads: Pads }
  | { op: 'relu'; x: number }
  | { op: 'clip'; x: number; min: number; max: number }
  | { op: 'prelu'; x: number; slope: Float32Array }
  | { op: 'leakyrelu'; x: number; alpha: number }
  | { op: 'unary'; kind: 'Abs' | 'Sigmoid'; x: number }
  | { op: 'bin'; kind: BinKind; a: number; b: number }
  /** tensor ∘ constant; `c` is a scalar (length 1) or per-channel (length C); constFirst: c ∘ x */
  | { op: 'binc'; kind: BinKind; x: number; c: Float32Array; constFirst: boolean }
  | { op: 'gap'; x: number; keepDims: boolean }
  | { op: 'maxpool'; x: number; k: [number, number]; strides: [number, number]; pads: Pads }
  | { op: 'identity'; x: number };

export type BinKind = 'Add' | 'Sub' | 'Mul' | 'Max' | 'Min';

export interface IrNode {
  id: number;
  tfName: string;
  shape: Shape | [number]; // [C] after a non-keepdims GAP
  def: IrOp;
}

export type Val = { kind: 'ir'; id: number } | { kind: 'const'; t: TfTensor };

export const inputsOf = (d: IrOp): number[] => {
  switch (d.op) {
    case 'input':
      return [];
    case 'bin':
      return [d.a, d.b];
    default:
      return [d.x];
  }
};

export class Ir {
  nodes: IrNode[] = [];
  add(tfName: string, shape: IrNode['shape'], def: IrOp): number {
    const id = this.nodes.length;
    this.nodes.push({ id, tfName, shape, def });
    return id;
  }
  get(id: number): IrNode {
    return this.nodes[id]!;
  }
  consumers(outputs: number[]): Map<number, number> {
    const live = this.liveSet(outputs);
    const c = new Map<number, number>();
    for (const id of live) for (const i of inputsOf(this.get(id).def)) c.set(i, (c.get(i) ?? 0) + 1);
    for (const o of outputs) c.set(o, (c.get(o) ?? 0) + 1); // graph outputs count as consumers
    return c;
  }
  liveSet(outputs: number[]): Set<number> {
    const seen = new Set<number>();
    const stack = [...outputs];
    while (stack.length) {
      const id = stack.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      stack.push(...inputsOf(this.get(id).def));
    }
    return seen;
  }
}

export function expandChannels(v: Float32Array, c: number): Float32Array {
  if (v.length === c) return v;
  if (v.length === 1) return new Float32Array(c).fill(v[0]!);
  throw new Error(`cannot expand ${v.length} values to ${c} channels`);
}
