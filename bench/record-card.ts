/**
 * `npm run bench -- --record`: writes the measured speed into the model card's `performance`
 * section, so a card's numbers come from a command and never from a hand edit. ship.ts drops the
 * section when it replaces a model (the numbers belong to the old bytes); this puts it back.
 */
import { readFileSync, writeFileSync } from 'node:fs';

export interface MeasuredSdk {
  classifier: { model: string; backend: string; threads: number; p50: number; p95: number };
  crossOriginIsolated: boolean;
}

/** The bench's 1-face scenario (the default detector), as run.ts picks it for its targets. */
export interface MeasuredScenario {
  p50: number;
  p95: number;
  detector: string;
}

export interface BenchMachine {
  cpus: number;
  cpu?: string;
  chromium: string;
  loadAverage1m: { before: number; after: number };
}

const round = (ms: number) => Math.round(ms * 10) / 10;

export function performanceSection(
  sdk: MeasuredSdk,
  oneFace: MeasuredScenario | undefined,
  machine: BenchMachine,
  date: string,
  command: string,
) {
  const { classifier } = sdk;
  return {
    classifierP50Ms: round(classifier.p50),
    classifierP95Ms: round(classifier.p95),
    ...(oneFace ? { oneFaceP50Ms: round(oneFace.p50), oneFaceP95Ms: round(oneFace.p95) } : {}),
    note:
      `classifier: per face, batch 1; one face: 640×480 frame end to end with ${oneFace?.detector ?? 'the default detector'}. ` +
      `Chromium ${machine.chromium} headless, onnxruntime-web ${classifier.backend}, ${classifier.threads} thread(s)` +
      `${sdk.crossOriginIsolated ? ' (cross-origin isolated)' : ''}, ${machine.cpus}-core ${machine.cpu ?? 'CPU'}, ` +
      `${date.slice(0, 16).replace('T', ' ')} UTC; 1-min load average ${machine.loadAverage1m.before.toFixed(2)} before, ${machine.loadAverage1m.after.toFixed(2)} after`,
    command,
  };
}

/** Refuses a card whose model is not the one measured: the section would describe other bytes. */
export function recordPerformance(
  cardPath: string,
  section: ReturnType<typeof performanceSection>,
  measuredModel: string,
): void {
  const card = JSON.parse(readFileSync(cardPath, 'utf8')) as { name: string; performance?: unknown };
  if (card.name !== measuredModel)
    throw new Error(`${cardPath} is ${card.name}, but the bench measured ${measuredModel}`);
  card.performance = section;
  writeFileSync(cardPath, `${JSON.stringify(card, null, 2)}\n`);
}
