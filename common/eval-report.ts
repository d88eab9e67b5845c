/** What `jadfer eval` reports, on a FERPlus split or on photo folders (eval.ts, eval-photos.ts). */
import type { ClassScore } from './metrics.js';

export interface EvalReport {
  model: string;
  data: string;
  n: number;
  correct: number;
  accuracy: number;
  /** Mean per-class accuracy (macro recall), over the classes with samples. */
  meanClassAccuracy: number;
  /** Mean per-class F1 (precision and recall), over the classes with samples. */
  macroF1: number;
  labels: readonly string[];
  perClass: Record<string, ClassScore>;
  /** confusion[truth][predicted], in `labels` order. */
  confusion: number[][];
  skipped: Record<string, number>;
  ms: number;
  /** Per scored image, in split order: its probabilities (label order) and its true label (written by --scores). */
  scores?: number[][];
  truth?: number[];
  /** Photo folders: the classes the means are over, and the photos without a face. */
  scoredClasses?: string[];
  noFace?: string[];
}
