/**
 * Where dist/ is served from. Read at load time: in the IIFE build rollup maps
 * import.meta.url to document.currentScript, which is only set while the script runs.
 */
export const scriptBaseUrl: string = new URL('.', import.meta.url).href;
