/** Stable error codes. Integrators switch on these; never rename one. */
export const ERROR_CODES = [
  'E_BAD_CONFIG',
  'E_BAD_INPUT',
  'E_BACKEND_UNAVAILABLE',
  'E_MODEL_LOAD',
  'E_MODEL_INTEGRITY',
  'E_DEVICE_LOST',
  'E_WORKER_CRASHED',
  'E_TIMEOUT',
  'E_BUSY',
  'E_DISPOSED',
  'E_MISSING_DEPENDENCY',
  'E_INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface JadferErrorOptions {
  cause?: unknown;
  /** Machine-readable context: the URL that failed, the config problems, … */
  details?: Record<string, unknown>;
}

export class JadferError extends Error {
  override readonly name = 'JadferError';
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: JadferErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options.details) this.details = options.details;
  }
}

/**
 * Whether `value` is a `JadferError` (with this `code`, when given), also across realms and the worker
 * boundary, where `instanceof` may not hold.
 *
 * @example
 * ```ts
 * try {
 *   await fer.analyze(input);
 * } catch (error) {
 *   if (isJadferError(error, 'E_BAD_INPUT')) console.warn('not an image:', error.message);
 *   else throw error;
 * }
 * ```
 */
export function isJadferError(value: unknown, code?: ErrorCode): value is JadferError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { name?: unknown }).name === 'JadferError' &&
    (ERROR_CODES as readonly unknown[]).includes((value as { code?: unknown }).code) &&
    (code === undefined || (value as { code: unknown }).code === code)
  );
}

/** Wraps anything thrown into a JadferError, keeping the original as `cause`. */
export function toJadferError(error: unknown, code: ErrorCode, message?: string): JadferError {
  if (isJadferError(error)) return error;
  const text = message ?? (error instanceof Error ? error.message : String(error));
  return new JadferError(code, text, { cause: error });
}

/** Plain-data form of an error chain: what crosses a worker boundary. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
  details?: Record<string, unknown>;
  cause?: SerializedError | { value: unknown };
}

const MAX_CAUSE_DEPTH = 8;

export function serializeError(error: unknown, depth = 0): SerializedError {
  if (!(error instanceof Error) && !isJadferError(error)) {
    return { name: 'Error', message: String(error) };
  }
  const e = error as Error & { code?: unknown; details?: Record<string, unknown> };
  const out: SerializedError = { name: e.name, message: e.message };
  if (e.stack) out.stack = e.stack;
  if (typeof e.code === 'string') out.code = e.code;
  if (e.details) out.details = safeClone(e.details);
  if (e.cause !== undefined && depth < MAX_CAUSE_DEPTH) {
    out.cause = e.cause instanceof Error ? serializeError(e.cause, depth + 1) : { value: safeClone(e.cause) };
  }
  return out;
}

export function deserializeError(data: SerializedError): Error {
  const cause =
    data.cause === undefined ? undefined : 'value' in data.cause ? data.cause.value : deserializeError(data.cause);
  let error: Error;
  if (data.name === 'JadferError' && (ERROR_CODES as readonly string[]).includes(data.code ?? '')) {
    error = new JadferError(data.code as ErrorCode, data.message, {
      cause,
      ...(data.details ? { details: data.details } : {}),
    });
  } else {
    error = new Error(data.message, cause === undefined ? undefined : { cause });
    error.name = data.name;
    if (data.code !== undefined) (error as Error & { code?: string }).code = data.code;
  }
  if (data.stack) error.stack = data.stack;
  return error;
}

/** Structured clone drops functions and fails on some objects: keep only what survives JSON. */
function safeClone<T>(value: T): T {
  try {
    return JSON.parse(JSON.stringify(value)) as T;
  } catch {
    return String(value) as unknown as T;
  }
}
