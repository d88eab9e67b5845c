// Runs inside Chromium started with a fake camera (its own pattern, or a Y4M of face-free frames):
// the camera through the SDK's stream() and the analytics, as the demo wires them, for a fixed time.
// Nothing in the picture is a face, so every track and every visitor is false.
import { create, createAnalytics } from '/dist/jadfer.js';

// Stops after `seconds`, or after `frames` results (a test's bound, no clock in it).
window.runFaceFreeStream = async ({
  seconds = Infinity,
  frames: maxFrames = Infinity,
  device,
  modelUrl,
  options = {},
}) => {
  const media = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
  const video = Object.assign(document.createElement('video'), { muted: true, playsInline: true });
  video.srcObject = media;
  await video.play();
  const fer = await create({ device, ...(modelUrl ? { modelUrl } : {}), ...options });
  const visitors = [];
  const analytics = createAnalytics({
    storage: 'memory',
    trackEvents: true,
    onEvent: (e) => e.type === 'track' && visitors.push(e),
  });
  const tracks = new Map(); // trackId → { frames, maxScore, maxSize }
  let frames = 0;
  let framesWithFaces = 0;
  const started = performance.now();
  for await (const result of fer.stream(video)) {
    analytics.observe(result);
    frames++;
    if (result.faces.length) framesWithFaces++;
    for (const face of result.faces) {
      const seen = tracks.get(face.trackId) ?? { frames: 0, maxScore: 0, maxSize: 0 };
      seen.frames++;
      seen.maxScore = Math.max(seen.maxScore, face.score);
      seen.maxSize = Math.max(seen.maxSize, Math.min(face.box.width, face.box.height));
      tracks.set(face.trackId, seen);
    }
    if (frames >= maxFrames || performance.now() - started >= seconds * 1000) break;
  }
  const elapsedS = (performance.now() - started) / 1000;
  await analytics.dispose(); // closes the open tracks: a visitor still in view counts too
  await fer.dispose();
  for (const track of media.getTracks()) track.stop();
  const minutes = elapsedS / 60;
  return {
    seconds: elapsedS,
    frames,
    fps: frames / elapsedS,
    framesWithFaces,
    falseTracks: tracks.size,
    falseVisitors: visitors.length,
    falseTracksPerMinute: tracks.size / minutes,
    falseVisitorsPerMinute: visitors.length / minutes,
    tracks: [...tracks.values()],
  };
};
window.faceFreeReady = true;
