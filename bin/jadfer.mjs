#!/usr/bin/env node
// The CLI is built into dist/ with the rest of the package.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('jadfer: dist/cli.js is missing; run `npm run build` first.');
  process.exit(1);
}
await import(cli.href);
