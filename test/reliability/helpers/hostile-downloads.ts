/**
 * Run as a child process by test/reliability/downloads.test.ts, so that its peak memory (maxRSS) is
 * its own: one good create() first (ONNX Runtime loaded, the peak of a normal start), then create() with
 * each hostile card of argv[2] (a JSON list of card URLs). Prints one JSON line: the peaks before and
 * after the hostile cards, and each card's outcome.
 */
const [cardsJson, goodCard] = process.argv.slice(2);
const { create } = await import(new URL('../../../dist/jadfer.js', import.meta.url).href);
const maxRssBytes = () => process.resourceUsage().maxRSS * 1024;

const good = await create({ detector: 'none', modelUrl: goodCard });
await good.dispose();
const before = maxRssBytes();
const outcomes: { card: string; code?: string; message?: string }[] = [];
for (const card of JSON.parse(cardsJson!) as string[]) {
  try {
    const fer = await create({ detector: 'none', modelUrl: card, timeouts: { createMs: 20_000 } });
    await fer.dispose();
    outcomes.push({ card });
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    outcomes.push({ card, ...(code ? { code } : {}), message });
  }
}
console.log(JSON.stringify({ before, after: maxRssBytes(), outcomes }));
