/** IR simplification passes (each rule returns true when it changed something). */
import { expandChannels, type Ir, type IrOp } from './ir.js';

function rewriteUses(ir: Ir, from: number, to: number) {
  for (const n of ir.nodes) {
    const d = n.def;
    if (d.op === 'bin') {
      if (d.a === from) d.a = to;
      if (d.b === from) d.b = to;
    } else if (d.op !== 'input' && d.x === from) d.x = to;
  }
}

type Rule = (
  ir: Ir,
  id: number,
  single: (id: number) => boolean,
  replace: (from: number, to: number) => void,
) => boolean;

/** Structural folds and idiom matching (run first, while Max/Min/Relu are still explicit). */
const phase1: Rule[] = [
  (ir, id, _single, replace) => {
    const d = ir.get(id).def;
    if (d.op !== 'identity') return false;
    replace(id, d.x);
    return true;
  },
  // Pad → Conv
  (ir, id, single) => {
    const d = ir.get(id).def;
    if (d.op !== 'conv') return false;
    const src = ir.get(d.x).def;
    if (src.op !== 'pad' || !single(d.x)) return false;
    const p = src.pads;
    d.pads = [d.pads[0] + p[0], d.pads[1] + p[1], d.pads[2] + p[2], d.pads[3] + p[3]];
    d.x = src.x;
    return true;
  },
  // per-channel affine constant after a Conv → folded into its weights / bias
  (ir, id, single, replace) => {
    const d = ir.get(id).def;
    if (d.op !== 'binc' || d.constFirst || !(d.kind === 'Mul' || d.kind === 'Add' || d.kind === 'Sub')) return false;
    const cv = ir.get(d.x).def;
    if (cv.op !== 'conv' || !single(d.x)) return false;
    const co = cv.wShape[0];
    const c = expandChannels(d.c, co);
    const per = cv.w.length / co;
    if (!cv.b) cv.b = new Float32Array(co);
    for (let o = 0; o < co; o++) {
      if (d.kind === 'Mul') {
        for (let k = 0; k < per; k++) cv.w[o * per + k]! *= c[o]!;
        cv.b[o]! *= c[o]!;
      } else cv.b[o]! += d.kind === 'Add' ? c[o]! : -c[o]!;
    }
    replace(id, d.x);
    return true;
  },
  // PReLU idioms
  (ir, id, single) => {
    const n = ir.get(id);
    const d = n.def;
    if (d.op !== 'bin' || d.kind !== 'Add') return false;
    const m =
      matchPreluMaxMin(ir, d.a, d.b, single) ??
      matchPreluMaxMin(ir, d.b, d.a, single) ??
      matchPreluAbs(ir, d.a, d.b, single) ??
      matchPreluAbs(ir, d.b, d.a, single);
    if (!m) return false;
    n.def = { op: 'prelu', x: m.x, slope: m.slope };
    return true;
  },
];

/** Activation clean-up. */
const phase2: Rule[] = [
  // PReLU of a non-negative input (Relu / Clip≥0 output) is that input
  (ir, id, _single, replace) => {
    const d = ir.get(id).def;
    if (d.op !== 'prelu' || !isNonNegative(ir.get(d.x).def)) return false;
    replace(id, d.x);
    return true;
  },
  // Max / Min with a scalar constant → Clip
  (ir, id) => {
    const n = ir.get(id);
    const d = n.def;
    if (d.op !== 'binc' || !(d.kind === 'Max' || d.kind === 'Min') || d.c.length !== 1) return false;
    n.def =
      d.kind === 'Max'
        ? { op: 'clip', x: d.x, min: d.c[0]!, max: Infinity }
        : { op: 'clip', x: d.x, min: -Infinity, max: d.c[0]! };
    return true;
  },
  // Clip ∘ (Relu | Clip) → one Clip; Clip(0, ∞) → Relu
  (ir, id, single) => {
    const n = ir.get(id);
    const d = n.def;
    if (d.op !== 'clip') return false;
    const src = ir.get(d.x).def;
    const inner = src.op === 'relu' ? { x: src.x, min: 0, max: Infinity } : src.op === 'clip' ? src : null;
    if (inner && single(d.x)) {
      const lo = Math.max(inner.min, d.min);
      const hi = Math.min(inner.max, d.max);
      if (lo <= hi) {
        n.def = { op: 'clip', x: inner.x, min: lo, max: hi };
        return true;
      }
    }
    if (d.min === 0 && d.max === Infinity) {
      n.def = { op: 'relu', x: d.x };
      return true;
    }
    return false;
  },
];

export function simplify(ir: Ir, outputs: number[]): number[] {
  const out = outputs.slice();
  const replace = (from: number, to: number) => {
    rewriteUses(ir, from, to);
    for (let i = 0; i < out.length; i++) if (out[i] === from) out[i] = to;
  };
  for (const rules of [phase1, phase2]) {
    for (let round = 0; ; round++) {
      if (round > 10000) throw new Error('simplify: did not converge');
      const uses = ir.consumers(out);
      const single = (id: number) => (uses.get(id) ?? 0) === 1 && !out.includes(id);
      let changed = false;
      for (const id of [...ir.liveSet(out)].sort((p, q) => p - q)) {
        if (rules.some((r) => r(ir, id, single, replace))) {
          changed = true;
          break;
        }
      }
      if (!changed) break;
    }
  }
  return out;
}

function isNonNegative(d: IrOp): boolean {
  return d.op === 'relu' || (d.op === 'clip' && d.min >= 0);
}

/** a = Max(x, 0) [or Clip(x, 0, ∞)], b = Mul(Min(x, 0), g) → PRelu(x, g). */
function matchPreluMaxMin(
  ir: Ir,
  a: number,
  b: number,
  single: (id: number) => boolean,
): { x: number; slope: Float32Array } | null {
  const da = ir.get(a).def;
  const db = ir.get(b).def;
  const maxX =
    da.op === 'binc' && da.kind === 'Max' && da.c.length === 1 && da.c[0] === 0 ? da.x : da.op === 'relu' ? da.x : null;
  if (maxX === null || !single(a) || !single(b)) return null;
  if (db.op !== 'binc' || db.kind !== 'Mul') return null;
  const dm = ir.get(db.x).def;
  if (dm.op !== 'binc' || dm.kind !== 'Min' || dm.c.length !== 1 || dm.c[0] !== 0 || dm.x !== maxX || !single(db.x))
    return null;
  const shape = ir.get(maxX).shape;
  return { x: maxX, slope: expandChannels(Float32Array.from(db.c), shape[0]) };
}

/**
 * TF-slim PReLU as the TF.js converter leaves it: a + m * (x - |x|) with a = Relu(x) → PRelu(x, 2m),
 * or a = x → PRelu(x, 1 + 2m).
 */
function matchPreluAbs(
  ir: Ir,
  a: number,
  b: number,
  single: (id: number) => boolean,
): { x: number; slope: Float32Array } | null {
  const db = ir.get(b).def;
  if (db.op !== 'binc' || db.kind !== 'Mul' || !single(b)) return null;
  const ds = ir.get(db.x).def;
  if (ds.op !== 'bin' || ds.kind !== 'Sub' || !single(db.x)) return null;
  const dabs = ir.get(ds.b).def;
  if (dabs.op !== 'unary' || dabs.kind !== 'Abs' || dabs.x !== ds.a || !single(ds.b)) return null;
  const x = ds.a;
  const c = ir.get(x).shape[0];
  const m = expandChannels(Float32Array.from(db.c), c);
  const da = ir.get(a).def;
  if (a === x) return { x, slope: m.map((v) => 1 + 2 * v) };
  if (da.op === 'relu' && da.x === x && single(a)) return { x, slope: m.map((v) => 2 * v) };
  return null;
}
