// Preloaded into a CLI run (node --import): writes the process's peak resident memory (KiB) where the test says.
import { writeFileSync } from 'node:fs';

process.on('exit', () => writeFileSync(process.env.JADFER_MAX_RSS_FILE, String(process.resourceUsage().maxRSS)));
