// Every classifier shipped in models/: its card parses, names the exact file, stays under the size
// limit, and the model really classifies FERPlus faces through the CLI (a broken export scores ~chance).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseClassifierCard } from '../../src/engine/model-card.js';
import { jadferWithin } from '../cli/run-cli.js';

const MODELS = 'models';
const VALID = '../shared/data/ferplus/FER2013Valid';
const MAX_BYTES = 20e6;
const cards = readdirSync(MODELS).filter((f) => /^jadfer-.+\.json$/.test(f));

test('models/ ships the default jadfer-base and the higher-resolution jadfer-accurate', () => {
  assert.deepEqual(cards.sort(), ['jadfer-accurate.json', 'jadfer-base.json']);
});

test('the default model is at most 3 MB, so a kiosk boots on little bandwidth', () => {
  const card = JSON.parse(readFileSync(join(MODELS, 'jadfer-base.json'), 'utf8'));
  const bytes = readFileSync(join(MODELS, card.file)).length;
  assert.ok(bytes <= 3e6, `${card.file}: ${bytes} bytes`);
});

for (const file of cards) {
  const card = JSON.parse(readFileSync(join(MODELS, file), 'utf8'));

  test(`${file}: the card parses, its sha256 names the shipped ONNX, and the model is under 20 MB`, () => {
    const parsed = parseClassifierCard(card, `file:///${file}`);
    const bytes = readFileSync(join(MODELS, card.file));
    assert.equal(createHash('sha256').update(bytes).digest('hex'), card.sha256);
    assert.equal(card.bytes, bytes.length, 'bytes: the progress total when a server sends no length');
    assert.ok(bytes.length < MAX_BYTES, `${card.file}: ${bytes.length} bytes`);
    assert.equal(parsed.labels.length, 8);
    // The SDK's evaluation, all three figures (a broken or unadjusted export would miss one of them).
    assert.ok(card.metrics.validationAccuracy > 0.78, `valid accuracy ${card.metrics.validationAccuracy}`);
    assert.ok(card.metrics.meanClassAccuracy > 0.62, `mean per-class ${card.metrics.meanClassAccuracy}`);
    assert.ok(card.metrics.macroF1 > 0.63, `macro F1 ${card.metrics.macroF1}`);
  });

  test(
    `${file}: npx jadfer eval scores it well above chance on 300 FERPlus valid faces`,
    { skip: !existsSync(VALID) && `${VALID} is absent` },
    () => {
      const run = jadferWithin(
        600_000,
        'eval',
        '--json',
        '--limit',
        '300',
        '--data',
        VALID,
        '--model',
        join(MODELS, file),
      );
      assert.equal(run.status, 0, run.stderr);
      const report = JSON.parse(run.stdout);
      assert.equal(report.n, 300);
      assert.ok(report.accuracy > 0.7, `accuracy ${report.accuracy}`);
    },
  );
}
