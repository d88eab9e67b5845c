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
