import { Jadfer } from './client/client.js';
import type { CreateOptions } from './contract/options.js';

export { Jadfer } from './client/client.js';
export { JadferError, ERROR_CODES, isJadferError, type ErrorCode } from './contract/errors.js';
export {
  checkOptions,
  type ConfigReport,
  type CreateOptions,
  type DetectorOption,
  type DeviceOption,
  type PriorsOption,
  type SmoothingOptions,
  type TrackingOptions,
} from './contract/options.js';
export { defineJadferCamera } from './client/camera-element.js';
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
export { FERPLUS_LABELS } from './contract/labels.js';

export { VERSION } from './contract/version.js';

/** `const fer = await create({ device: 'auto' })`: the same as `Jadfer.create`. */
export function create(options?: CreateOptions): Promise<Jadfer> {
  return Jadfer.create(options);
}
