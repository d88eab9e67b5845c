// Soak: a synthetic source far faster than inference streams N frames through one instance.
// Memory (page + engine worker + wasm) is measured after warm-up and at the end.
const params = new URLSearchParams(location.search);
const FRAMES = Number(params.get('frames') ?? 10000);
const WARMUP = Math.min(1000, Math.floor(FRAMES / 10));
// The warm footprint is the largest of three samples after warm-up, a little apart: one sample now and then
// reads low (the create/dispose soak once read 1.45 MB against 1.66 MB in three other runs).
const SAMPLE_GAP = Math.max(1, Math.floor(FRAMES / 50));
const BASELINE_AT = [WARMUP, WARMUP + SAMPLE_GAP, WARMUP + 2 * SAMPLE_GAP];
// Chromium only (and only cross-origin isolated): Firefox and WebKit have no API that sees workers' memory.
const canMeasure = typeof performance.measureUserAgentSpecificMemory === 'function';
const measure = async () => (canMeasure ? (await performance.measureUserAgentSpecificMemory()).bytes : undefined);

async function soak() {
  // The full pipeline (shipped model, BlazeFace) on a 640×480 portrait: slower than the source.
  const fer = await JADFER.create({ device: 'wasm' });
  const photo = await fetch('/shared/fixtures/photos/portrait-a-1.jpg');
  const canvas = new OffscreenCanvas(640, 480);
  const context = canvas.getContext('2d');
  if (photo.ok) context.drawImage(await createImageBitmap(await photo.blob()), 140, 0, 360, 480);
  const image = await createImageBitmap(canvas);
  let produced = 0;
  let live = [];
  let maxLive = 0;
  let baseline;
  let pauseForMeasure;
  async function* source() {
    while (produced < FRAMES) {
      if (BASELINE_AT.includes(produced)) await pauseForMeasure();
      const frame = new VideoFrame(image, { timestamp: produced * 1000 });
      live = live.filter((f) => f.format !== null);
      live.push(frame);
      maxLive = Math.max(maxLive, live.length);
      produced++;
      yield frame;
    }
  }
  pauseForMeasure = async () => {
    const bytes = await measure();
    baseline = bytes === undefined ? undefined : Math.max(baseline ?? 0, bytes);
  };
  let results = 0;
  let last;
  for await (const result of fer.stream(source())) {
    results++;
    last = result;
  }
  const end = await measure();
  await fer.dispose();
  return {
    produced,
    results,
    dropped: last.droppedTotal,
    faces: last.faces.length,
    maxLive,
    baseline,
    end,
    growth: canMeasure ? (end - baseline) / baseline : undefined,
  };
}

soak().then(
  (result) => (window.__soak = result),
  (error) => (window.__soak = { error: `${error.code ?? error.name}: ${error.message}` }),
);
