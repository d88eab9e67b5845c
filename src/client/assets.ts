/**
 * Where the SDK's files are. Every default is written out as `new URL('./file', import.meta.url)`:
 * the one form Vite and webpack 5 find with no configuration, copy into the app's build (renamed by
 * content hash) and rewrite. `baseUrl` replaces them all with the shipped names under one folder
 * (the `<script>` build, `jadfer copy-assets`, a CDN-free static host).
 */
import type { ModelFiles, RuntimeFiles } from '../contract/engine-api.js';
import { VERSION } from '../contract/version.js';

/** The built-in detectors, by their option name. */
export type BuiltInDetector = 'blazeface' | 'blazeface-back';

export interface Assets {
  runtime: RuntimeFiles;
  classifier: ModelFiles;
  detectors: Record<BuiltInDetector, ModelFiles>;
}

/** The shipped layout of dist/, relative to its folder: what `baseUrl` and `copy-assets` use. */
export const ASSET_PATHS = {
  worker: 'jadfer.worker.js',
  engine: 'jadfer.engine.js',
  kernels: 'wasm/jadfer-kernels.wasm',
  ort: {
    wasm: { glue: 'ort/ort-wasm-simd-threaded.mjs', wasm: 'ort/ort-wasm-simd-threaded.wasm' },
    webgpu: { glue: 'ort/ort-wasm-simd-threaded.jspi.mjs', wasm: 'ort/ort-wasm-simd-threaded.jspi.wasm' },
  },
  classifier: {
    card: 'models/jadfer-base.json',
    model: 'models/jadfer-base.onnx',
    prepared: 'models/jadfer-base.prepared.bin',
  },
  detectors: {
    blazeface: {
      card: 'models/blazeface-front-128.json',
      model: 'models/blazeface-front-128.onnx',
      prepared: 'models/blazeface-front-128.prepared.bin',
    },
    'blazeface-back': {
      card: 'models/blazeface-back-256.json',
      model: 'models/blazeface-back-256.onnx',
      prepared: 'models/blazeface-back-256.prepared.bin',
    },
  },
} as const;

/**
 * A runtime file's URL with the SDK version in its query: an HTTP cache, or the persistent cache,
 * never serves one version's file to another (bundlers also put a content hash in the name).
 */
const versioned = (url: URL) => {
  // Not a data: URL: Vite inlines small files (our 2 KB kernels) as one.
  if (url.protocol !== 'data:') url.searchParams.set('v', VERSION);
  return url.href;
};
const href = (url: URL) => url.href;

/**
 * The files next to this module, in the literal form bundlers rewrite. A test checks that these
 * are ASSET_PATHS (test/sdk/client/assets.test.ts): bundlers need the literals, so the names are written twice.
 */
export function bundledAssets(): Assets {
  return {
    runtime: {
      kernels: versioned(new URL('./wasm/jadfer-kernels.wasm', import.meta.url)),
      ort: {
        wasm: {
          glue: versioned(new URL('./ort/ort-wasm-simd-threaded.mjs', import.meta.url)),
          wasm: versioned(new URL('./ort/ort-wasm-simd-threaded.wasm', import.meta.url)),
        },
        webgpu: {
          glue: versioned(new URL('./ort/ort-wasm-simd-threaded.jspi.mjs', import.meta.url)),
          wasm: versioned(new URL('./ort/ort-wasm-simd-threaded.jspi.wasm', import.meta.url)),
        },
      },
    },
    classifier: {
      card: href(new URL('./models/jadfer-base.json', import.meta.url)),
      model: href(new URL('./models/jadfer-base.onnx', import.meta.url)),
      prepared: href(new URL('./models/jadfer-base.prepared.bin', import.meta.url)),
    },
    detectors: {
      blazeface: {
        card: href(new URL('./models/blazeface-front-128.json', import.meta.url)),
        model: href(new URL('./models/blazeface-front-128.onnx', import.meta.url)),
        prepared: href(new URL('./models/blazeface-front-128.prepared.bin', import.meta.url)),
      },
      'blazeface-back': {
        card: href(new URL('./models/blazeface-back-256.json', import.meta.url)),
        model: href(new URL('./models/blazeface-back-256.onnx', import.meta.url)),
        prepared: href(new URL('./models/blazeface-back-256.prepared.bin', import.meta.url)),
      },
    },
  };
}

/** The same files under `base` (a folder URL), with their shipped names. */
export function assetsUnder(base: string): Assets {
  const at = (path: string) => new URL(path, base).href;
  const atVersioned = (path: string) => versioned(new URL(path, base));
  const model = (files: { card: string; model: string; prepared: string }) => ({
    card: at(files.card),
    model: at(files.model),
    prepared: at(files.prepared),
  });
  const { ort } = ASSET_PATHS;
  return {
    runtime: {
      kernels: atVersioned(ASSET_PATHS.kernels),
      ort: {
        wasm: { glue: atVersioned(ort.wasm.glue), wasm: atVersioned(ort.wasm.wasm) },
        webgpu: { glue: atVersioned(ort.webgpu.glue), wasm: atVersioned(ort.webgpu.wasm) },
      },
    },
    classifier: model(ASSET_PATHS.classifier),
    detectors: {
      blazeface: model(ASSET_PATHS.detectors.blazeface),
      'blazeface-back': model(ASSET_PATHS.detectors['blazeface-back']),
    },
  };
}

/**
 * This module's URL, read once. Not `new URL('.', import.meta.url)`: bundlers take that for an
 * asset and break it. webpack bakes in the file: path it built from; in a page, the page stands in.
 */
const moduleUrl: string = import.meta.url;

/** The folder user-given relative URLs (modelUrl, a custom detector) resolve against without baseUrl. */
export function sdkFolder(): string {
  const page = (globalThis as { location?: { href?: string } }).location?.href;
  if (moduleUrl.startsWith('file:') && page && /^https?:/.test(page)) return page;
  return new URL('.', moduleUrl).href;
}

/**
 * dist/'s folder when the files sit beside this module with their shipped names (the SDK is served
 * from dist/ as it is); undefined when a bundler moved or renamed them.
 */
export function distFolder(): string | undefined {
  const folder = sdkFolder();
  return bundledAssets().classifier.card === new URL(ASSET_PATHS.classifier.card, folder).href ? folder : undefined;
}
