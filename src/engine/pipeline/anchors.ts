/**
 * MediaPipe's SSD anchor generation (mediapipe/calculators/tflite/ssd_anchors_calculator.cc),
 * as used by the BlazeFace graphs. Anchors are in normalised [0, 1] input coordinates.
 */
import type { SsdAnchorOptions } from '../model-card.js';

export interface Anchor {
  x: number;
  y: number;
  w: number;
  h: number;
}

function layerScale(min: number, max: number, index: number, count: number): number {
  return count === 1 ? (min + max) / 2 : min + ((max - min) * index) / (count - 1);
}

export function generateSsdAnchors(o: SsdAnchorOptions): Anchor[] {
  if (o.strides.length !== o.numLayers) throw new Error('strides must have numLayers entries');
  const anchors: Anchor[] = [];
  let layer = 0;
  while (layer < o.numLayers) {
    const ratios: number[] = [];
    const scales: number[] = [];
    // Consecutive layers with the same stride share one feature map.
    let last = layer;
    while (last < o.numLayers && o.strides[last] === o.strides[layer]) {
      const scale = layerScale(o.minScale, o.maxScale, last, o.numLayers);
      if (last === 0 && o.reduceBoxesInLowestLayer) {
        ratios.push(1, 2, 0.5);
        scales.push(0.1, scale, scale);
      } else {
        for (const ratio of o.aspectRatios) {
          ratios.push(ratio);
          scales.push(scale);
        }
        if (o.interpolatedScaleAspectRatio > 0) {
          const next = last === o.numLayers - 1 ? 1 : layerScale(o.minScale, o.maxScale, last + 1, o.numLayers);
          scales.push(Math.sqrt(scale * next));
          ratios.push(o.interpolatedScaleAspectRatio);
        }
      }
      last++;
    }
    const stride = o.strides[layer]!;
    const rows = Math.ceil(o.inputSizeHeight / stride);
    const cols = Math.ceil(o.inputSizeWidth / stride);
    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < cols; x++) {
        for (let k = 0; k < ratios.length; k++) {
          const root = Math.sqrt(ratios[k]!);
          anchors.push({
            x: (x + o.anchorOffsetX) / cols,
            y: (y + o.anchorOffsetY) / rows,
            w: o.fixedAnchorSize ? 1 : scales[k]! * root,
            h: o.fixedAnchorSize ? 1 : scales[k]! / root,
          });
        }
      }
    }
    layer = last;
  }
  return anchors;
}
