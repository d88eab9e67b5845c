/**
 * Weighted non-maximum suppression, MediaPipe style (non_max_suppression_calculator.cc,
 * WEIGHTED): the best-scoring detection absorbs every detection overlapping it by more
 * than the IoU threshold, and its box and landmarks become their score-weighted mean.
 * It steadies boxes between frames compared with plain NMS.
 */
import type { Box, Detection } from './types.js';

export function iou(a: Box, b: Box): number {
  const x0 = Math.max(a.x, b.x);
  const y0 = Math.max(a.y, b.y);
  const x1 = Math.min(a.x + a.width, b.x + b.width);
  const y1 = Math.min(a.y + a.height, b.y + b.height);
  const inter = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
}

export function weightedNms(detections: Detection[], iouThreshold: number, maxDetections = Infinity): Detection[] {
  let remaining = [...detections].sort((a, b) => b.score - a.score);
  const kept: Detection[] = [];
  while (remaining.length > 0 && kept.length < maxDetections) {
    const top = remaining[0]!;
    // The best joins its own cluster even where its IoU with itself is 0 (an empty box).
    const cluster: Detection[] = [top];
    const rest: Detection[] = [];
    for (const d of remaining.slice(1)) (iou(top.box, d.box) > iouThreshold ? cluster : rest).push(d);
    kept.push(blend(cluster, top.score));
    remaining = rest;
  }
  return kept;
}

/** Score-weighted mean of box corners and landmarks; keeps the best score. */
function blend(cluster: Detection[], score: number): Detection {
  let total = 0;
  let x0 = 0,
    y0 = 0,
    x1 = 0,
    y1 = 0;
  const landmarks = cluster[0]!.landmarks.map(() => ({ x: 0, y: 0 }));
  for (const d of cluster) {
    const w = d.score;
    total += w;
    x0 += w * d.box.x;
    y0 += w * d.box.y;
    x1 += w * (d.box.x + d.box.width);
    y1 += w * (d.box.y + d.box.height);
    d.landmarks.forEach((p, i) => {
      landmarks[i]!.x += w * p.x;
      landmarks[i]!.y += w * p.y;
    });
  }
  for (const p of landmarks) {
    p.x /= total;
    p.y /= total;
  }
  return {
    box: { x: x0 / total, y: y0 / total, width: (x1 - x0) / total, height: (y1 - y0) / total },
    score,
    landmarks,
  };
}
