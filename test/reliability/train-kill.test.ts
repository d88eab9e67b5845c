// A real kill: `train` is SIGKILLed in the middle of an epoch, then rerun with --resume. The
// final weights must equal those of an uninterrupted run with the same seed.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ParamStore } from '../../training/model/params.js';
import { writeSyntheticFeatures } from '../../training/train/synthetic.js';
import { record } from './record.js';

const root = mkdtempSync(join(tmpdir(), 'jadfer-kill-'));
const features = join(root, 'features');
const args = (out: string) => [
  '--import',
  'tsx',
  'training/train/train.ts',
  '--features',
  features,
  '--out',
  out,
  '--epochs',
  '3',
  '--seed',
  '5',
  '--backend',
  'cpu',
  '--batch',
  '16',
  '--dim',
  '16',
  '--heads',
  '2',
  '--log-every',
  '1',
];
after(() => rmSync(root, { recursive: true, force: true }));

test(
  'SIGKILL mid-epoch, then --resume: the same final weights as an uninterrupted run',
  { timeout: 300_000 },
  async () => {
    writeSyntheticFeatures(features, { h: 3, w: 3, c: 16, classes: 8, train: 320, valid: 64, seed: 3, noise: 0.5 });
    const full = spawnSync(process.execPath, args(join(root, 'full')), { encoding: 'utf8' });
    assert.equal(full.status, 0, full.stderr);

    // Kill as soon as the second epoch has made progress (its step lines appear on stderr/stdout).
    const killed = join(root, 'killed');
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, args(killed));
      const watch = (chunk: Buffer) => {
        if (/epoch 2\/3 step 3\//.test(chunk.toString())) child.kill('SIGKILL');
      };
      child.stdout.on('data', watch);
      child.stderr.on('data', watch);
      child.on('exit', (code, signal) =>
        signal === 'SIGKILL' ? resolve() : reject(new Error(`not killed mid-epoch (exit ${code})`)),
      );
    });
    record({ faults: 1 });
    const resumed = spawnSync(process.execPath, [...args(killed), '--resume'], { encoding: 'utf8' });
    assert.equal(resumed.status, 0, resumed.stderr);

    const a = ParamStore.load(join(root, 'full', 'checkpoint', 'params'));
    const b = ParamStore.load(join(killed, 'checkpoint', 'params'));
    assert.ok(existsSync(join(killed, 'best', 'params.json')));
    for (const name of a.names) assert.deepEqual(b.get(name)!.data, a.get(name)!.data, `param ${name} differs`);
  },
);
