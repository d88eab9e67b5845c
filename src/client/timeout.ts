import { JadferError } from '../contract/errors.js';

/** Every await on the worker gets a limit: a kiosk must fail loudly, never hang. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  if (!Number.isFinite(ms) || ms <= 0) return promise;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new JadferError('E_TIMEOUT', `${what} did not finish within ${ms} ms`, { details: { timeoutMs: ms } })),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
