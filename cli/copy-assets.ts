import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCommandLine } from './args.js';
import type { Command } from './command.js';

const USAGE = `Usage: jadfer copy-assets <dir> [--model <card.json>]...

Copies what a page needs from this package into <dir>, for hosts that serve files by hand (no
bundler): the ESM and <script> builds, the engine worker and its chunks, ONNX Runtime, our wasm
kernels and the shipped models. Then serve <dir> and pass its URL as baseUrl, for example
  npx jadfer copy-assets public/jadfer   →   create({ baseUrl: '/jadfer/' })
or load <dir>/jadfer.iife.js with a <script> tag (it finds the rest beside itself).

--model <card.json>   also copy this model card and the .onnx it names (repeatable), e.g. the
                      repository's models/jadfer-accurate.json; pass modelUrl: '/jadfer/models/<name>.json'`;

/** dist/, beside this built file (dist/cli.js). */
const DIST = dirname(fileURLToPath(import.meta.url));
/** Not needed in a page: the type declarations and the CLI itself. */
const SKIP = new Set(['types', 'cli.js']);

export const copyAssetsCommand: Command = {
  summary: 'copy the files a page needs into a folder you serve (then pass baseUrl)',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseCommandLine(args, {
      options: { model: { type: 'string', multiple: true, default: [] } },
      positionals: { min: 1, max: 1 },
    });
    const target = positionals[0]!;
    const models = values.model;
    mkdirSync(target, { recursive: true });
    for (const entry of readdirSync(DIST))
      if (!SKIP.has(entry)) cpSync(join(DIST, entry), join(target, entry), { recursive: true });
    for (const card of models) {
      const parsed = JSON.parse(readFileSync(card, 'utf8')) as { file?: unknown; prepared?: { file?: unknown } };
      const file = parsed.file;
      const onnx = typeof file === 'string' ? join(dirname(card), file) : '';
      if (!onnx || !existsSync(onnx)) {
        console.error(`jadfer copy-assets: ${card} names no .onnx file beside it (${onnx || 'no "file"'})`);
        return 1;
      }
      mkdirSync(join(target, 'models'), { recursive: true });
      cpSync(card, join(target, 'models', basename(card)));
      cpSync(onnx, join(target, 'models', basename(onnx)));
      // A card from dist/ also names the model prepared for WASM, which the engine then loads.
      const prepared = parsed.prepared?.file;
      if (typeof prepared !== 'string') continue;
      if (!existsSync(join(dirname(card), prepared))) {
        console.error(`jadfer copy-assets: ${card} names ${prepared} (prepared), which is not beside it`);
        return 1;
      }
      cpSync(join(dirname(card), prepared), join(target, 'models', basename(prepared)));
    }
    const files = readdirSync(target, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    console.log(`copied ${files.length} files into ${target}; serve it and pass baseUrl: '<its URL>/'`);
    return 0;
  },
};
