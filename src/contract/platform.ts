/** What the client and the engine need to know about where they run. */
/** Node (not Deno, whose `process` shim also has versions.node). */
export function isNode(): boolean {
  return (
    typeof process !== 'undefined' &&
    !!process.versions?.node &&
    typeof (globalThis as { Deno?: unknown }).Deno === 'undefined'
  );
}

export function isDeno(): boolean {
  return typeof (globalThis as { Deno?: unknown }).Deno !== 'undefined';
}

/** ORT threads when the caller sets none: up to 4 when cross-origin isolated, else 1. */
export function defaultThreads(): number {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  const cores = (globalThis.navigator as Navigator | undefined)?.hardwareConcurrency ?? 1;
  if (!isolated) {
    // Only browsers can fix this with headers; elsewhere one thread is simply the default.
    if (typeof document !== 'undefined')
      warnOnce('not cross-origin isolated (no COOP/COEP headers): ONNX Runtime runs on 1 thread');
    return 1;
  }
  return Math.max(1, Math.min(4, cores));
}

let warned = false;
function warnOnce(message: string): void {
  if (warned) return;
  warned = true;
  console.warn(`[jadfer] ${message}`);
}
