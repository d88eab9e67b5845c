// Records what <jadfer-camera> dispatches, for the e2e test.
const camera = document.querySelector('jadfer-camera');
window.__events = { ready: 0, results: [], errors: [] };
camera.addEventListener('ready', () => window.__events.ready++);
camera.addEventListener('result', (event) => window.__events.results.push(event.detail.faces.length));
camera.addEventListener('error', (event) => window.__events.errors.push(String(event.detail?.message ?? event.detail)));
