import { Jadfer } from './client.js';
import type { CreateOptions } from './types.js';

export { Jadfer } from './client.js';
export { JadferError, ERROR_CODES, isJadferError, type ErrorCode } from './errors.js';
export { checkOptions, type ConfigReport } from './config.js';
export { defineJadferCamera } from './camera-element.js';
export {
  createAnalytics,
  ANALYTICS_SCHEMA,
  type Analytics,
  type AnalyticsOptions,
  type AnalyticsStats,
  type AnalyticsEvent,
  type TrackEvent,
  type SummaryEvent,
} from './analytics/index.js';
export type * from './types.js';

export const VERSION = '0.1.0';

/** `const fer = await create({ device: 'auto' })`: the same as `Jadfer.create`. */
export function create(options?: CreateOptions): Promise<Jadfer> {
  return Jadfer.create(options);
}
