/**
 * When create() fails: which file the engine could not load. Each must answer, and not with an HTML
 * page (dev servers answer a missing path with their SPA's index.html, status 200). A worker that
 * cannot load its script reports only "script error"; here a missing file gets its URL and its fix.
 * Only after a failure: HEAD requests that a good start does not need would fill the console
 * (Chromium logs each as net::ERR_ABORTED).
 */
import type { EngineAssets, ModelFiles } from '../contract/engine-api.js';
import { JadferError, type ErrorCode } from '../contract/errors.js';
import type { DeviceOption } from '../contract/options.js';
import type { Backend } from '../contract/types.js';
import { distFolder, type Assets } from './assets.js';

interface AssetCheck {
  url: string;
  /** What the file is, in words, for the message. */
  what: string;
  /** The code create() fails with when this file is missing (the same the engine would use). */
  code: ErrorCode;
  /** A script must come with a JavaScript MIME type, or a module worker refuses it. */
  script?: boolean;
  /** How to fix it, in words. */
  fix: string;
}

const SERVE_DIST_FIX =
  "serve the package's dist/ folder (`npx jadfer copy-assets <public folder>/jadfer`) and pass " +
  "`baseUrl: '/jadfer/'`, or import jadfer through a bundler that emits import.meta.url assets (Vite, webpack 5)";

export interface PreflightFiles {
  baseUrl: string | undefined;
  /** What the engine will load. */
  assets: EngineAssets;
  /** The package's own files (the others are the integrator's: their fix is their option). */
  shipped: Assets;
  useWorker: boolean;
  /** The worker script of the engine build in use, relative to dist/. */
  workerScript: string;
  device: DeviceOption;
}

/**
 * HEAD requests in parallel; the first file found missing or wrong, as an error whose cause is the
 * engine's. Only a definite answer counts: a network error (offline, where the persistent cache may
 * hold the file), a timeout or a server without HEAD (405, 501) finds nothing, and the engine's own
 * error stands.
 */
export async function diagnoseAssets(
  files: PreflightFiles,
  createTimeoutMs: number,
  engineError: unknown,
): Promise<JadferError | undefined> {
  const timeoutMs = Math.min(PREFLIGHT_TIMEOUT_MS, createTimeoutMs);
  const problems = await Promise.all(assetChecks(files).map((check) => problemWith(check, timeoutMs, engineError)));
  return problems.find((problem) => problem !== undefined);
}

/** A HEAD request answers within this, or the file is left for the engine to report. */
const PREFLIGHT_TIMEOUT_MS = 10_000;

/** The files create() needs, with what to do when one is missing. */
function assetChecks(o: PreflightFiles): AssetCheck[] {
  const packageFix = o.baseUrl
    ? `copy the package's dist/ folder to ${o.baseUrl} (\`npx jadfer copy-assets <that folder>\`), or correct options.baseUrl`
    : SERVE_DIST_FIX;
  const shipped = (code: ErrorCode, what: string, url: string | undefined, script = false): AssetCheck[] =>
    url ? [{ url, what, code, fix: packageFix, ...(script ? { script } : {}) }] : [];
  const model = (files: ModelFiles, what: string, isShipped: boolean): AssetCheck[] => [
    ...(isShipped
      ? shipped('E_MODEL_LOAD', `the ${what} card`, files.card)
      : [
          {
            url: files.card,
            what: `the ${what} card`,
            code: 'E_MODEL_LOAD' as const,
            fix: `check the ${what} URL option`,
          },
        ]),
    ...shipped('E_MODEL_LOAD', `the ${what} model`, files.model),
  ];
  const flavours: Backend[] = o.device === 'webgpu' ? ['webgpu'] : ['wasm'];
  // Without baseUrl the worker sits beside this module, unless a bundler moved both (then it put it in place).
  const worker = o.baseUrl ?? distFolder();
  return [
    ...(o.useWorker && worker
      ? shipped('E_WORKER_CRASHED', "jadfer's engine worker script", new URL(o.workerScript, worker).href, true)
      : []),
    ...shipped('E_BACKEND_UNAVAILABLE', "jadfer's SIMD kernels", o.assets.runtime.kernels),
    ...flavours.flatMap((flavour) => [
      ...shipped('E_BACKEND_UNAVAILABLE', 'the ONNX Runtime script', o.assets.runtime.ort[flavour].glue, true),
      ...shipped('E_BACKEND_UNAVAILABLE', 'the ONNX Runtime wasm', o.assets.runtime.ort[flavour].wasm),
    ]),
    ...model(o.assets.classifier, 'classifier', o.assets.classifier === o.shipped.classifier),
    ...(o.assets.detector === 'none' || o.assets.detector.module ? [] : model(o.assets.detector, 'detector', true)),
  ];
}

async function problemWith(check: AssetCheck, timeoutMs: number, cause: unknown): Promise<JadferError | undefined> {
  if (!/^https?:/.test(check.url)) return undefined;
  let response: Response;
  try {
    response = await fetch(check.url, { method: 'HEAD', signal: AbortSignal.timeout(timeoutMs) });
  } catch {
    return undefined;
  }
  if (response.status === 405 || response.status === 501) return undefined;
  const type = response.headers.get('content-type') ?? '';
  let why: string | undefined;
  if (!response.ok) why = `HTTP ${response.status}`;
  else if (/^text\/html/i.test(type))
    why = 'the server answered with an HTML page, as a dev server does for a missing file';
  else if (check.script && !/javascript|ecmascript/i.test(type))
    why = `served as '${type || 'no content-type'}'; a module worker needs a JavaScript MIME type (text/javascript)`;
  if (!why) return undefined;
  return new JadferError(check.code, `${check.what} is not served at ${check.url} (${why}). Fix: ${check.fix}.`, {
    cause,
    details: { url: check.url, status: response.status, contentType: type, fix: check.fix },
  });
}
