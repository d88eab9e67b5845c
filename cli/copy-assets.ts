import { cp, mkdir, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JadferError } from '../src/index.js';
import { readCard, verifyModel, type CardFile } from './cards.js';
import { defineCommand, JSON_FLAG } from './command.js';

/** dist/, beside this built file (dist/cli.js). */
const DIST = dirname(fileURLToPath(import.meta.url));
/** Not needed in a page: the type declarations, the CLI itself and its fleet dashboard. */
const SKIP = new Set(['types', 'cli.js', 'fleet']);

export const copyAssetsCommand = defineCommand({
  summary: 'copy the files a page needs into a folder you serve (then pass baseUrl)',
  synopsis: '<dir>',
  description: `Copies what a page needs from this package into <dir>, for hosts that serve files by hand (no
bundler): the ESM and <script> builds, the engine worker and its chunks, ONNX Runtime, our wasm
kernels and the shipped models. Then serve <dir> and pass its URL as baseUrl, for example
  npx jadfer copy-assets public/jadfer   →   create({ baseUrl: '/jadfer/' })
or load <dir>/jadfer.iife.js with a <script> tag (it finds the rest beside itself).
Every argument and every model's sha256 is checked before anything is copied, and the copies after.`,
  positionals: { min: 1, max: 1 },
  flags: {
    model: {
      type: 'string',
      value: '<card.json>',
      multiple: true,
      help: `also copy this model card and the .onnx it names (repeatable), e.g. the repository's
models/jadfer-accurate.json; pass modelUrl: '/jadfer/models/<name>.json'`,
    },
    json: { ...JSON_FLAG, help: 'print one JSON object: { into, files, models: [{ card, sha256 }] }' },
  },
  async run({ values, positionals }, cli) {
    const target = positionals[0]!;
    const into = resolve(target);
    if (into === DIST || into.startsWith(DIST + sep) || DIST.startsWith(into + sep))
      throw new JadferError('E_BAD_INPUT', `${target}: is the package's own dist/ folder, or holds it or is in it`);
    const existing = await stat(target).catch(() => undefined);
    if (existing && !existing.isDirectory())
      throw new JadferError('E_BAD_INPUT', `${target}: exists and is not a folder`);
    const shipped = (await readdir(join(DIST, 'models'))).filter((f) => f.endsWith('.json'));
    const cards = [
      ...(await Promise.all(shipped.map((f) => readCard(join(DIST, 'models', f))))),
      ...(await Promise.all(values.model.map((card) => readCard(card)))),
    ];
    for (const card of cards) await verifyModel(card);

    await mkdir(join(target, 'models'), { recursive: true });
    for (const entry of await readdir(DIST))
      if (!SKIP.has(entry)) await cp(join(DIST, entry), join(target, entry), { recursive: true });
    const copies: CardFile[] = [];
    for (const card of values.model.map((path) => cards.find((c) => c.path === path)!)) {
      await cp(card.path, join(target, 'models', basename(card.path)));
      await cp(card.model, join(target, 'models', basename(card.model)));
      // A card from dist/ also names the model prepared for WASM, which the engine then loads.
      if (card.prepared) await cp(card.prepared.file, join(target, 'models', basename(card.prepared.file)));
    }
    for (const card of new Set(cards.map((c) => basename(c.path))))
      copies.push(await readCard(join(target, 'models', card)));
    const models = [];
    for (const copy of copies) models.push({ card: relative(target, copy.path), sha256: await verifyModel(copy) });

    const files = (await readdir(target, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).length;
    if (cli.json) cli.printJson({ into: target, files, models });
    else {
      cli.out(`copied ${files} files into ${target}; serve it and pass baseUrl: '<its URL>/'`);
      cli.out(`models (sha256 verified): ${models.map((m) => m.card).join(', ')}`);
    }
    return 0;
  },
});
