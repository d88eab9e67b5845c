/**
 * sharp, imported on first use: it is a native module, and a bundled training run carried to a
 * machine without it (a lent GPU) still loads everything that does not decode images.
 */
export async function loadSharp(): Promise<typeof import('sharp').default> {
  return (await import('sharp')).default;
}
