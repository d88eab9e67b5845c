// A kiosk page: the camera, the faces drawn over it, and what the screen sees in words.
// JADFER is the global of /jadfer/jadfer.iife.js (copied there by `npx jadfer copy-assets public/jadfer`).
const video = document.querySelector('video');
const canvas = document.querySelector('canvas');
const status = document.getElementById('status');

try {
  video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
} catch (error) {
  status.textContent = `No camera: ${error.name} (the page needs https or localhost, and permission).`;
  throw error;
}

const fer = await JADFER.create({
  onProgress: ({ overall }) => (status.textContent = `Loading… ${Math.floor(overall * 100)} %`),
});
status.textContent = `Running on ${fer.backend}, ${fer.threads} thread(s).`;

const context = canvas.getContext('2d');
for await (const frame of fer.stream(video, { fps: 15 })) {
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  JADFER.drawFaces(context, frame.faces);
  const seen = frame.faces.map((face) => `#${face.trackId} ${face.expression.label}`);
  status.textContent = seen.length ? `Faces: ${seen.join(', ')}` : 'No face in view.';
}
