#!/usr/bin/env node
// Dependency audit policy for CI: production dependencies only (what ships to users).
//   - high or critical advisories fail the run;
//   - low and moderate ones are printed, to be fixed in the normal course of work;
//   - when the registry's audit endpoint cannot be reached (offline CI), say so loudly and pass.
import { spawnSync } from 'node:child_process';

const run = spawnSync('npm', ['audit', '--omit=dev', '--json'], { encoding: 'utf8' });
let report;
try {
  report = JSON.parse(run.stdout);
} catch {
  report = undefined;
}
if (!report || report.error || !report.metadata) {
  const why =
    report?.message ??
    report?.error?.summary ??
    run.stderr.split('\n').find((line) => line.includes('audit')) ??
    'no answer';
  console.warn(`npm audit: UNAVAILABLE (${why.trim()}); dependency advisories were NOT checked in this run.`);
  process.exit(0);
}
const counts = report.metadata?.vulnerabilities ?? {};
console.log(`npm audit (production dependencies): ${JSON.stringify(counts)}`);
for (const [name, finding] of Object.entries(report.vulnerabilities ?? {}))
  console.log(`  ${finding.severity.padEnd(9)} ${name}`);
if ((counts.high ?? 0) + (counts.critical ?? 0) > 0) {
  console.error('npm audit: high or critical advisories in production dependencies: failing.');
  process.exit(1);
}
