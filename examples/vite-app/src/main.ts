// A Vite app: pick a photo, see each face's expression. Vite copies the worker, ONNX Runtime and the
// models from the package into the build by itself (no configuration).
import { create, isJadferError, type FaceResult } from 'jadfer';

const input = document.querySelector<HTMLInputElement>('input[type=file]')!;
const status = document.getElementById('status')!;
const list = document.getElementById('faces')!;

const fer = await create({
  onProgress: ({ overall }) => (status.textContent = `Loading… ${Math.floor(overall * 100)} %`),
});
status.textContent = `Ready (${fer.backend}). Pick a photo.`;

function show(faces: FaceResult[]): void {
  list.replaceChildren(
    ...faces.map((face) => {
      const item = document.createElement('li');
      const score = Math.round((face.expression.scores[face.expression.label] ?? 0) * 100);
      item.textContent = `${face.expression.label} ${score} %`;
      return item;
    }),
  );
  status.textContent = `${faces.length} face(s)`;
}

input.addEventListener('change', async () => {
  const file = input.files?.[0];
  if (!file) return;
  status.textContent = 'Analysing…';
  try {
    show(await fer.analyze(file));
  } catch (error) {
    status.textContent = isJadferError(error, 'E_BAD_INPUT') ? `Not an image: ${error.message}` : String(error);
  }
});
