// Offline boot (test/reliability/offline-boot.test.ts): registers the kiosk service worker, then
// runs create() and analyze() with the options in the query, and reports what the cache holds.
import { create } from '/dist/jadfer.js';

const params = new URLSearchParams(location.search);
try {
  await navigator.serviceWorker.register('/test/pages/kiosk-sw.js', { scope: '/' });
  await navigator.serviceWorker.ready;
  const modelUrl = params.get('model');
  const fer = await create({
    device: 'wasm',
    ...(modelUrl ? { modelUrl, detector: 'none' } : {}),
  });
  // An <img>, so the photo is a request the service worker keeps, like the page.
  const img = document.getElementById('photo');
  img.src = params.get('photo') ?? '/shared/fixtures/photos/portrait-a-1.jpg';
  await img.decode();
  const faces = await fer.analyze(await createImageBitmap(img));
  const cache = await caches.open('jadfer-assets-v1');
  const entries = await Promise.all(
    (await cache.keys()).map(async (request) => {
      const response = await cache.match(request);
      return {
        key: request.url,
        source: response.headers.get('x-jadfer-source'),
        sha256: response.headers.get('x-jadfer-sha256'),
      };
    }),
  );
  window.__result = {
    faces: faces.length,
    label: faces[0]?.expression.label,
    cache: fer.cache,
    model: fer.model.name,
    controlled: !!navigator.serviceWorker.controller,
    entries,
  };
  await fer.dispose();
} catch (error) {
  window.__result = { error: `${error.code ?? ''} ${error.message}` };
}
