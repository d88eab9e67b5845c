/** Validates create() options: every problem is reported with its path, not just the first. */
import { JadferError } from '../contract/errors.js';
import type { CreateOptions, DetectorOption, DeviceOption, TrackingOptions } from '../contract/types.js';

export interface ResolvedOptions {
  device: DeviceOption;
  modelUrl?: string;
  detector: DetectorOption;
  baseUrl?: string;
  worker: 'auto' | boolean;
  threads?: number;
  maxFaces: number;
  minFaceSize: number;
  allowFallbackAdapter: boolean;
  tracking: TrackingOptions;
  timeouts: { createMs: number; analyzeMs: number };
  strict: boolean;
  onProgress?: CreateOptions['onProgress'];
}

export const DEFAULTS = {
  device: 'auto',
  detector: 'blazeface',
  worker: 'auto',
  maxFaces: 10,
  minFaceSize: 0,
  allowFallbackAdapter: false,
  createMs: 120_000,
  analyzeMs: 30_000,
} as const;

type Check = (value: unknown) => string | undefined;
const oneOf =
  (...values: unknown[]): Check =>
  (v) =>
    values.includes(v) ? undefined : `must be one of ${values.map((x) => JSON.stringify(x)).join(', ')}`;
const string: Check = (v) => (typeof v === 'string' && v.length > 0 ? undefined : 'must be a non-empty string');
const boolean: Check = (v) => (typeof v === 'boolean' ? undefined : 'must be a boolean');
const func: Check = (v) => (typeof v === 'function' ? undefined : 'must be a function');
const integer =
  (min: number, max: number): Check =>
  (v) =>
    Number.isInteger(v) && (v as number) >= min && (v as number) <= max
      ? undefined
      : `must be an integer in [${min}, ${max}]`;
const number =
  (min: number): Check =>
  (v) =>
    typeof v === 'number' && Number.isFinite(v) && v >= min ? undefined : `must be a finite number ≥ ${min}`;

const SCHEMA: Record<keyof CreateOptions, Check> = {
  device: oneOf('auto', 'webgpu', 'wasm'),
  modelUrl: string,
  detector: (v) =>
    typeof v === 'object' && v !== null
      ? typeof (v as { card?: unknown }).card === 'string' && typeof (v as { module?: unknown }).module === 'string'
        ? undefined
        : 'a custom detector needs { card: string, module: string }'
      : oneOf('none', 'blazeface', 'blazeface-back')(v),
  tracking: (v) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? undefined : 'must be an object'),
  baseUrl: string,
  worker: oneOf('auto', true, false),
  threads: integer(1, 64),
  maxFaces: integer(1, 64),
  minFaceSize: number(0),
  allowFallbackAdapter: boolean,
  timeouts: (v) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? undefined : 'must be an object'),
  strict: boolean,
  onProgress: func,
};
const TIMEOUT_SCHEMA: Record<string, Check> = { createMs: number(0), analyzeMs: number(0) };
const SMOOTHING_KINDS: Record<string, Record<string, Check>> = {
  none: {},
  ema: { alpha: (v) => (typeof v === 'number' && v > 0 && v <= 1 ? undefined : 'must be a number in (0, 1]') },
  'one-euro': { minCutoff: number(0), beta: number(0), dCutoff: number(0) },
};
const TRACKING_SCHEMA: Record<string, Check> = {
  reclassifyEveryMs: number(0),
  lostTimeoutMs: number(0),
  confirmHits: integer(1, 100),
  smoothing: (v) => {
    const kind = (v as { kind?: unknown } | null)?.kind;
    if (typeof kind !== 'string' || !SMOOTHING_KINDS[kind]) return "must be { kind: 'none' | 'ema' | 'one-euro', … }";
    const missing = Object.keys(SMOOTHING_KINDS[kind]!).filter(
      (key) => (v as Record<string, unknown>)[key] === undefined,
    );
    return missing.length ? `${kind} needs ${missing.join(', ')}` : undefined;
  },
};

export interface ConfigReport {
  /** Wrong types or values: always fatal. */
  errors: string[];
  /** Unknown keys: fatal in strict mode, a warning otherwise (typos must not pass silently). */
  unknown: string[];
}

export function checkOptions(options: unknown): ConfigReport {
  const report: ConfigReport = { errors: [], unknown: [] };
  if (options === undefined) return report;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    report.errors.push('options: must be an object');
    return report;
  }
  checkObject(options as Record<string, unknown>, SCHEMA, 'options', report);
  const timeouts = (options as CreateOptions).timeouts;
  if (typeof timeouts === 'object' && timeouts !== null)
    checkObject(timeouts as Record<string, unknown>, TIMEOUT_SCHEMA, 'options.timeouts', report);
  const tracking = (options as CreateOptions).tracking;
  if (typeof tracking === 'object' && tracking !== null) {
    checkObject(tracking as Record<string, unknown>, TRACKING_SCHEMA, 'options.tracking', report);
    const smoothing = tracking.smoothing as Record<string, unknown> | undefined;
    const fields = SMOOTHING_KINDS[String(smoothing?.kind)];
    if (smoothing && fields)
      checkObject(smoothing, { kind: () => undefined, ...fields }, 'options.tracking.smoothing', report);
  }
  return report;
}

function checkObject(
  value: Record<string, unknown>,
  schema: Record<string, Check>,
  path: string,
  report: ConfigReport,
): void {
  for (const [key, v] of Object.entries(value)) {
    const check = schema[key];
    if (!check) report.unknown.push(`${path}.${key}: unknown option`);
    else if (v !== undefined) {
      const problem = check(v);
      if (problem) report.errors.push(`${path}.${key}: ${problem} (got ${describe(v)})`);
    }
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'object' || typeof value === 'function') return typeof value;
  return String(value);
}

export function resolveOptions(options: CreateOptions = {}): ResolvedOptions {
  const report = checkOptions(options);
  const strict = options.strict === true;
  const fatal = strict ? [...report.errors, ...report.unknown] : report.errors;
  if (fatal.length > 0) {
    throw new JadferError('E_BAD_CONFIG', `invalid options: ${fatal.join('; ')}`, { details: { problems: fatal } });
  }
  if (report.unknown.length > 0) console.warn(`[jadfer] ignoring ${report.unknown.join('; ')}`);
  return {
    device: options.device ?? DEFAULTS.device,
    ...(options.modelUrl ? { modelUrl: options.modelUrl } : {}),
    detector: options.detector ?? DEFAULTS.detector,
    ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
    worker: options.worker ?? DEFAULTS.worker,
    ...(options.threads ? { threads: options.threads } : {}),
    maxFaces: options.maxFaces ?? DEFAULTS.maxFaces,
    minFaceSize: options.minFaceSize ?? DEFAULTS.minFaceSize,
    allowFallbackAdapter: options.allowFallbackAdapter ?? DEFAULTS.allowFallbackAdapter,
    tracking: options.tracking ?? {},
    timeouts: {
      createMs: options.timeouts?.createMs ?? DEFAULTS.createMs,
      analyzeMs: options.timeouts?.analyzeMs ?? DEFAULTS.analyzeMs,
    },
    strict,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  };
}
