// Deno: the built ESM entry, the engine in a real Deno module Worker, onnxruntime-web on WASM.
import { create } from '../../dist/jadfer.js';

const models = new URL('../../test-output/models/', import.meta.url);
const LABELS = ['neutral', 'happiness', 'surprise', 'sadness', 'anger', 'disgust', 'fear', 'contempt'];

function assertEquals(actual: unknown, expected: unknown, message = '') {
  if (JSON.stringify(actual) !== JSON.stringify(expected))
    throw new Error(`${message} expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

Deno.test('analyze in Deno, in a Worker', async () => {
  const fer = await create({ device: 'wasm', detector: 'none', modelUrl: new URL('contract-test.json', models).href });
  try {
    assertEquals(fer.backend, 'wasm', 'backend');
    for (const byte of [0, 128, 255]) {
      const data = new Uint8Array(48 * 48 * 4).fill(byte);
      const [face] = await fer.analyze({ data, width: 48, height: 48 });
      assertEquals(face.expression.label, LABELS[Math.round((byte / 255) * 7)], `byte ${byte}`);
    }
    const error = await fer.analyze({ data: new Uint8Array(3), width: 1, height: 2 }).catch((e: { code: string }) => e);
    assertEquals((error as { code: string }).code, 'E_BAD_INPUT', 'bad input code');
    // Deno makes ImageBitmaps but has no canvas to read them: a clear E_BAD_INPUT, not a DataCloneError.
    const bitmap = await createImageBitmap(new ImageData(new Uint8ClampedArray(4 * 4 * 4), 4, 4));
    const unreadable = await fer.analyze(bitmap).catch((e: { code: string; message: string }) => e);
    assertEquals((unreadable as { code: string }).code, 'E_BAD_INPUT', 'ImageBitmap in Deno');
    if (!/no 2d OffscreenCanvas/.test((unreadable as { message: string }).message)) throw new Error('says why');
  } finally {
    await fer.dispose();
  }
});

Deno.test("'auto' falls back to WASM and says why", async () => {
  const fer = await create({ detector: 'none', modelUrl: new URL('contract-test.json', models).href });
  try {
    assertEquals(fer.backend, 'wasm', 'backend');
    if (!fer.fallbackReason) throw new Error('expected a fallback reason');
  } finally {
    await fer.dispose();
  }
});
