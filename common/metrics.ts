/**
 * The one definition of the classification metrics every scorer reports (`jadfer eval`, the
 * trainer's validation, weight averaging, the baselines): a confusion matrix, per-class accuracy
 * (recall), overall accuracy, mean per-class accuracy (macro recall) and macro F1.
 *
 * Mean per-class accuracy weighs each class alike, so a model that never predicts a rare class
 * (FERPlus contempt is 0.8 % of valid) cannot hide it behind the frequent ones. It is the mean
 * over the classes that have samples: a split without a class says nothing about it. Macro F1
 * also counts a class's false calls: a model that says "contempt" to many neutral faces gains
 * macro recall but loses macro F1.
 */

export interface ClassScore {
  /** Samples whose true label is this class. */
  n: number;
  /** Of those, how many were predicted as this class. */
  correct: number;
  /** correct / n (recall); 0 when the class has no samples. */
  accuracy: number;
  /** Samples predicted as this class, and correct / predicted (0 when it is never predicted). */
  predicted: number;
  precision: number;
  /** Harmonic mean of precision and recall (0 when either is). */
  f1: number;
}

export interface ClassificationMetrics {
  n: number;
  correct: number;
  /** Overall accuracy: correct / n. */
  accuracy: number;
  /** Mean per-class accuracy (macro recall) over the classes with samples. */
  meanClassAccuracy: number;
  /** Mean per-class F1 over the classes with samples. */
  macroF1: number;
  /** Per class, in label order. */
  perClass: ClassScore[];
  /** confusion[truth][predicted], in label order. */
  confusion: number[][];
}

/** Counts predictions against true labels, then scores them. */
export class ConfusionMatrix {
  readonly counts: number[][];

  constructor(readonly classes: number) {
    this.counts = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  }

  add(truth: number, predicted: number): void {
    const row = this.counts[truth];
    if (!row || predicted < 0 || predicted >= this.classes)
      throw new RangeError(`class out of range: truth ${truth}, predicted ${predicted} (${this.classes} classes)`);
    row[predicted]!++;
  }

  metrics(): ClassificationMetrics {
    return scoreConfusion(this.counts);
  }
}

/** Scores a confusion matrix (confusion[truth][predicted]). */
export function scoreConfusion(confusion: readonly (readonly number[])[]): ClassificationMetrics {
  const perClass = confusion.map((row, k) => {
    const n = row.reduce((a, b) => a + b, 0);
    const correct = row[k] ?? 0;
    const predicted = confusion.reduce((a, r) => a + (r[k] ?? 0), 0);
    const [accuracy, precision] = [n ? correct / n : 0, predicted ? correct / predicted : 0];
    const f1 = accuracy + precision > 0 ? (2 * accuracy * precision) / (accuracy + precision) : 0;
    return { n, correct, accuracy, predicted, precision, f1 };
  });
  const n = perClass.reduce((a, c) => a + c.n, 0);
  const correct = perClass.reduce((a, c) => a + c.correct, 0);
  const present = perClass.filter((c) => c.n > 0);
  return {
    n,
    correct,
    accuracy: n ? correct / n : 0,
    meanClassAccuracy: present.length ? present.reduce((a, c) => a + c.accuracy, 0) / present.length : 0,
    macroF1: present.length ? present.reduce((a, c) => a + c.f1, 0) / present.length : 0,
    perClass,
    confusion: confusion.map((row) => [...row]),
  };
}

/** Index of the largest value (the first one on a tie). */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/** Per-class scores keyed by label, for reports and model cards. */
export function byLabel<T>(labels: readonly string[], perClass: readonly T[]): Record<string, T> {
  return Object.fromEntries(labels.map((label, k) => [label, perClass[k]!]));
}
