// A kiosk page's service worker (the README's recipe): keeps the page and its scripts, so the page
// itself opens with the network down. jadfer keeps its own models and wasm (its persistent cache,
// integrity-checked), so requests for them are left alone. Serve it from the site root (or with
// `Service-Worker-Allowed: /`): the engine worker's scripts are only covered by a scope over them.
const SHELL = 'kiosk-shell-v1';
const KEEP = new Set(['document', 'script', 'worker', 'style', 'image', 'manifest']);

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET' || !KEEP.has(request.destination)) return;
  if (new URL(request.url).origin !== self.location.origin) return;
  // Network first, so an update shows at once; the kept copy answers when the network does not.
  event.respondWith(
    fetch(request).then(
      (response) => {
        if (response.ok) {
          const copy = response.clone();
          event.waitUntil(caches.open(SHELL).then((shell) => shell.put(request, copy)));
        }
        return response;
      },
      async () => (await (await caches.open(SHELL)).match(request)) ?? Response.error(),
    ),
  );
});
