// The demo page: what a kiosk integrator would write around the <script> build.
const $ = (id) => document.getElementById(id);
const canvas = $('canvas');
const context = canvas.getContext('2d');
const video = $('video');
const params = new URLSearchParams(location.search);
let fer;
let streaming;
let analytics;
// Running sums of the analytics windows shown in the panel.
const totals = { visitors: 0, dwellMs: 0, attentionMs: 0, attentionObservedMs: 0, expressions: {} };

function setStatus(text) {
  $('status').textContent = text;
}

function showBackend(backend, reason) {
  $('backend').textContent = backend;
  $('backend-reason').hidden = !reason;
  $('backend-reason').textContent = reason ? `Using ${backend}: ${reason}` : '';
}

/** The side panel: one card per face, headed by the caption drawn over the picture (`#3 happiness 82%`). */
function listFaces(faces) {
  $('hint').hidden = true;
  $('empty').hidden = faces.length > 0;
  $('empty').textContent = 'No face in this frame.';
  $('faces').replaceChildren(
    ...faces.map((face, i) => {
      const item = document.createElement('li');
      item.className = 'face';
      const title = document.createElement('h3');
      title.textContent = JADFER.faceCaption(face, i);
      item.append(title);
      const sorted = Object.entries(face.expression.scores).sort((a, b) => b[1] - a[1]);
      for (const [label, score] of sorted) {
        const bar = document.createElement('div');
        bar.className = 'bar';
        bar.innerHTML = `<span></span><div class="track"><div class="fill"></div></div><span></span>`;
        bar.children[0].textContent = label;
        bar.querySelector('.fill').style.width = `${(score * 100).toFixed(1)}%`;
        bar.children[2].textContent = `${(score * 100).toFixed(0)}%`;
        item.append(bar);
      }
      return item;
    }),
  );
}

async function analyzeImage(file) {
  const bitmap = await createImageBitmap(file);
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  context.drawImage(bitmap, 0, 0);
  const started = performance.now();
  // Left to right, so that #1 is the leftmost face in the picture and in the panel.
  const faces = (await fer.analyze(bitmap)).sort((a, b) => a.box.x - b.box.x);
  setStatus(`analysed ${file.name} in ${(performance.now() - started).toFixed(0)} ms`);
  JADFER.drawFaces(context, faces);
  listFaces(faces);
  bitmap.close();
}

async function runStream(source, label) {
  await streaming?.return?.();
  const stream = fer.stream(source);
  streaming = stream;
  setStatus(`analysing ${label}`);
  let frames = 0;
  let windowStart = performance.now();
  for await (const result of stream) {
    analytics.observe(result);
    $('a-active').textContent = String(result.faces.length);
    if (video.videoWidth && (canvas.width !== video.videoWidth || canvas.height !== video.videoHeight)) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
    }
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    JADFER.drawFaces(context, result.faces);
    listFaces(result.faces);
    frames++;
    const elapsed = performance.now() - windowStart;
    if (elapsed > 1000) {
      $('fps').textContent = ((frames * 1000) / elapsed).toFixed(1);
      frames = 0;
      windowStart = performance.now();
    }
  }
}

/** Adds each closed window's counts to the panel (windows of 5 s here; a minute by default). */
function showWindow(event) {
  if (event.type !== 'window') return;
  for (const key of ['visitors', 'dwellMs', 'attentionMs', 'attentionObservedMs']) totals[key] += event[key];
  for (const [label, n] of Object.entries(event.expressions))
    totals.expressions[label] = (totals.expressions[label] ?? 0) + n;
  if (!totals.visitors) return;
  $('a-visitors').textContent = String(totals.visitors);
  $('a-dwell').textContent = `${(totals.dwellMs / totals.visitors / 1000).toFixed(1)} s`;
  if (totals.attentionObservedMs)
    $('a-attention').textContent = `${((100 * totals.attentionMs) / totals.attentionObservedMs).toFixed(0)}%`;
  $('a-share').replaceChildren(
    ...Object.entries(totals.expressions)
      .sort((a, b) => b[1] - a[1])
      .map(([label, n]) =>
        Object.assign(document.createElement('li'), { textContent: `${label}: ${n} visitor${n > 1 ? 's' : ''}` }),
      ),
  );
}

/** The camera while it runs; the button then stops it (and lets the camera's light go off). */
let camera;

async function startCamera() {
  try {
    const media = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
    camera = media;
    video.srcObject = media;
    await video.play();
    $('camera-note').hidden = true;
    $('camera').textContent = 'Stop camera';
    await runStream(video, 'the camera');
  } catch (error) {
    $('camera-note').hidden = false;
    $('camera-note').textContent =
      `No camera available (${error.name}: ${error.message}). Open an image or a video file instead.`;
  }
}

async function stopCamera() {
  if (!camera) return;
  const media = camera;
  camera = undefined;
  // The stream first, so that it never reads from a camera that is gone.
  await streaming?.return?.();
  for (const track of media.getTracks()) track.stop();
  video.srcObject = null;
  $('camera').textContent = 'Start camera';
  setStatus('ready');
}

async function openFile(file) {
  await stopCamera();
  if (file.type.startsWith('video/')) {
    video.srcObject = null;
    video.src = URL.createObjectURL(file);
    video.loop = true;
    await video.play();
    await runStream(video, file.name);
  } else {
    await streaming?.return?.();
    await analyzeImage(file);
  }
}

async function main() {
  if (!window.JADFER) {
    setStatus('jadfer.iife.js did not load');
    return;
  }
  const options = {
    device: params.get('device') ?? 'auto',
    onProgress: ({ stage, loaded, total, overall }) => {
      $('progress').value = overall;
      $('progress-label').textContent =
        `${stage}: ${(loaded / 1e6).toFixed(1)} MB${total ? ` of ${(total / 1e6).toFixed(1)} MB` : ''}`;
      $('hint').textContent = `Loading the models… ${Math.floor(overall * 100)} %`;
    },
  };
  if (params.get('model')) options.modelUrl = params.get('model');
  if (params.get('detector')) options.detector = params.get('detector');
  try {
    fer = await JADFER.create(options);
  } catch (error) {
    setStatus(`failed: ${error.code ?? error.name}: ${error.message}`);
    $('hint').textContent = 'The models could not load: see the status above.';
    return;
  }
  window.jadferDemo = fer;
  analytics = JADFER.createAnalytics({ onEvent: showWindow, trackTimeoutMs: 1500, windowMs: 5000 });
  showBackend(fer.backend, fer.fallbackReason);
  fer.on('backend', (event) => showBackend(event.backend, event.reason));
  fer.on('error', (error) => setStatus(`${error.code ?? 'error'}: ${error.message}`));
  $('model').textContent = fer.model.name;
  setStatus('ready');
  $('hint').textContent =
    'Press “Start camera”, or open an image or a video: each face appears here with its expression, numbered as in the list beside.';
  $('progress-label').textContent =
    `ready (started in ${fer.startup.totalMs.toFixed(0)} ms, ${fer.threads} thread${fer.threads > 1 ? 's' : ''})`;
  $('camera').disabled = false;
  $('file').disabled = false;
  $('camera').addEventListener('click', () => (camera ? stopCamera() : startCamera()));
  $('file').addEventListener('change', (event) => event.target.files[0] && openFile(event.target.files[0]));
  if (params.get('autostart') === 'camera') startCamera();
}

main();
