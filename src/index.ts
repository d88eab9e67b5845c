import { Jadfer } from './client/client.js';
import type { CreateOptions } from './contract/options.js';

export { Jadfer } from './client/client.js';
export { JadferError, ERROR_CODES, isJadferError, type ErrorCode, type JadferErrorOptions } from './contract/errors.js';
export {
  checkOptions,
  type CacheOption,
  type ConfigReport,
  type CreateOptions,
  type DetectorOption,
  type DeviceOption,
  type PriorsOption,
  type SmoothingOptions,
  type TrackingOptions,
} from './contract/options.js';
export { defineJadferCamera } from './client/camera-element.js';
export type { Listener } from './client/emitter.js';
export { drawFaces, faceCaption, placeCaptions, type OverlayOptions } from './client/overlay.js';
export {
  createAnalytics,
  ANALYTICS_SCHEMA,
  type Analytics,
  type AnalyticsOptions,
  type AnalyticsStats,
  type AnalyticsEvent,
  type TrackEvent,
  type WindowEvent,
  type AnalyticsSink,
  type SinkStats,
  DWELL_BUCKETS_MS,
} from './analytics/index.js';
export type * from './contract/types.js';
export { BLAZEFACE_KEYPOINTS, FERPLUS_LABELS } from './contract/labels.js';

export { VERSION } from './contract/version.js';

/**
 * Loads the models and starts the engine (in a Web Worker, in-process in Node); resolves when the
 * first `analyze()` can run. The same as `Jadfer.create`.
 *
 * @example
 * ```ts
 * const fer = await create({ device: 'auto', onProgress: (p) => console.log(p.overall) });
 * const faces = await fer.analyze(document.querySelector('img')!);
 * console.log(faces[0]?.expression.label); // 'happiness'
 * await fer.dispose();
 * ```
 */
export function create(options?: CreateOptions): Promise<Jadfer> {
  return Jadfer.create(options);
}
