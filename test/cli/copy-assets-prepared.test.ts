// `npx jadfer copy-assets --model <card>` with a card from dist/: the model prepared for WASM that the
// card names (scripts/prepare-models.ts) is copied too, or the command says it is missing.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { jadfer } from './run-cli.js';
import { ensureDist } from '../dist.js';

before(ensureDist);

test('copy-assets --model with a card from dist/ copies its prepared model too, and says when it is missing', () => {
  const target = mkdtempSync(join(tmpdir(), 'jadfer-copy-'));
  try {
    const run = jadfer('copy-assets', join(target, 'out'), '--model', 'dist/models/jadfer-accurate.json');
    assert.equal(run.status, 0, run.stderr);
    for (const file of ['jadfer-accurate.json', 'jadfer-accurate.onnx', 'jadfer-accurate.prepared.bin'])
      assert.ok(existsSync(join(target, 'out', 'models', file)), file);
    const card = JSON.parse(readFileSync('dist/models/jadfer-accurate.json', 'utf8'));
    writeFileSync(
      join(target, 'card.json'),
      JSON.stringify({ ...card, prepared: { ...card.prepared, file: 'gone.bin' } }),
    );
    cpSync(join('dist/models', card.file), join(target, card.file));
    const broken = jadfer('copy-assets', join(target, 'out2'), '--model', join(target, 'card.json'));
    assert.equal(broken.status, 1);
    assert.match(broken.stderr, /gone\.bin is missing/);
  } finally {
    rmSync(target, { recursive: true, force: true });
  }
});
