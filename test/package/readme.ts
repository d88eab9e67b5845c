/**
 * The README's code blocks, as a user copies them: the route tests run them unchanged. A block is
 * found by its first line (`// public/kiosk.js`, `<!-- public/index.html -->`, a shell command).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './packed.js';

export interface ReadmeBlock {
  /** The fence's language: js, ts, html, sh, … */
  lang: string;
  code: string;
  /** Line of README.md where the code starts (1-based). */
  line: number;
}

export function readmeBlocks(): ReadmeBlock[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  return [...readme.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((match) => ({
    lang: match[1]!,
    code: match[2]!,
    line: readme.slice(0, match.index).split('\n').length + 1,
  }));
}

/** The one block whose first line starts with `firstLine`. */
export function readmeBlock(firstLine: string): ReadmeBlock {
  const found = readmeBlocks().filter((block) => block.code.startsWith(firstLine));
  assert.equal(found.length, 1, `README.md has one code block starting with ${JSON.stringify(firstLine)}`);
  return found[0]!;
}

/** The command a block's first line gives after a colon: `// main.mjs: node main.mjs` → `node main.mjs`. */
export function commandOf(block: ReadmeBlock): string {
  const command = /^\S+\s+\S+:\s*(.+)$/.exec(block.code.split('\n')[0]!)?.[1];
  assert.ok(command, `README.md:${block.line} names the command that runs it on its first line`);
  return command.replace(/\s*-->$/, '');
}
