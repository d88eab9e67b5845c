/**
 * How options are checked, everywhere: create()'s (options.ts), createAnalytics()'s, and a call's
 * (stream()'s `fps`). A schema maps each key to a Check; checkObject collects every problem with its
 * path, and enforceReport turns them into one E_BAD_CONFIG.
 */
import { JadferError } from './errors.js';

/** undefined when the value is good, else what is wrong with it, in words ("must be …"). */
export type Check = (value: unknown) => string | undefined;

export const oneOf =
  (...values: readonly unknown[]): Check =>
  (v) =>
    values.includes(v) ? undefined : `must be one of ${values.map((x) => JSON.stringify(x)).join(', ')}`;
export const string: Check = (v) => (typeof v === 'string' && v.length > 0 ? undefined : 'must be a non-empty string');
export const boolean: Check = (v) => (typeof v === 'boolean' ? undefined : 'must be a boolean');
export const func: Check = (v) => (typeof v === 'function' ? undefined : 'must be a function');
export const object: Check = (v) =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? undefined : 'must be an object';
export const integer =
  (min: number, max: number): Check =>
  (v) =>
    Number.isInteger(v) && (v as number) >= min && (v as number) <= max
      ? undefined
      : `must be an integer in [${min}, ${max}]`;
export const number =
  (min: number): Check =>
  (v) =>
    typeof v === 'number' && Number.isFinite(v) && v >= min ? undefined : `must be a finite number ≥ ${min}`;
export const positive: Check = (v) =>
  typeof v === 'number' && Number.isFinite(v) && v > 0 ? undefined : 'must be a positive number';
export const fraction: Check = (v) =>
  typeof v === 'number' && v >= 0 && v <= 1 ? undefined : 'must be a number in [0, 1]';

export interface ConfigReport {
  /** Wrong types or values: always fatal. */
  errors: string[];
  /** Unknown keys: fatal in strict mode, a warning otherwise (typos must not pass silently). */
  unknown: string[];
}

/** Checks each key of `value` against `schema`, adding what is wrong to `report` under `path`. */
export function checkObject(
  value: Record<string, unknown>,
  schema: Record<string, Check>,
  path: string,
  report: ConfigReport,
): void {
  for (const [key, v] of Object.entries(value)) {
    // `__proto__`, `valueOf`, …: never options, and the schemas' own prototype must not answer for them.
    if (key in Object.prototype) {
      report.errors.push(`${path}.${key}: not an option (a name every object has)`);
      continue;
    }
    const check = hasOwn(schema, key) ? schema[key] : undefined;
    if (!check) report.unknown.push(`${path}.${key}: unknown option`);
    else if (v !== undefined) {
      const problem = check(v);
      if (problem) report.errors.push(`${path}.${key}: ${problem} (got ${describe(v)})`);
    }
  }
}

/** One value, checked as checkObject would: E_BAD_CONFIG naming it, its problem and what it got. */
export function checkValue(path: string, value: unknown, check: Check): void {
  const problem = check(value);
  if (!problem) return;
  const line = `${path}: ${problem} (got ${describe(value)})`;
  throw new JadferError('E_BAD_CONFIG', line, { details: { problems: [line] } });
}

/**
 * E_BAD_CONFIG listing every problem (unknown keys too when `strict`); otherwise unknown keys are
 * warned about once, with the word for what they were passed to (`what`: "options").
 */
export function enforceReport(report: ConfigReport, strict: boolean, what = 'options'): void {
  const fatal = strict ? [...report.errors, ...report.unknown] : report.errors;
  if (fatal.length > 0)
    throw new JadferError('E_BAD_CONFIG', `invalid ${what}: ${fatal.join('; ')}`, { details: { problems: fatal } });
  if (report.unknown.length > 0) console.warn(`[jadfer] ignoring ${report.unknown.join('; ')}`);
}

export const hasOwn = (object: object, key: string): boolean => Object.prototype.hasOwnProperty.call(object, key);

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'object' || typeof value === 'function') return typeof value;
  return String(value);
}

/**
 * The keys of `defaults`, each from `given` where it is set there. Unknown keys (already
 * warned about) are left out, so they never reach what uses the options.
 */
export function withDefaults<T extends object>(defaults: T, given: object): T {
  const set = given as Partial<T>;
  return Object.fromEntries(Object.entries(defaults).map(([key, value]) => [key, set[key as keyof T] ?? value])) as T;
}
