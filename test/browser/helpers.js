// Shared by the browser suites: where the build and the test models are served.
export const BASE_URL = new URL('/dist/', location.origin).href;
export const MODELS = new URL('/test-output/models/', location.origin).href;
export const CONTRACT_MODEL = `${MODELS}contract-test.json`;
export const LABELS = ['neutral', 'happiness', 'surprise', 'sadness', 'anger', 'disgust', 'fear', 'contempt'];

/** The contract model predicts round(7 · brightness). */
export const expectedLabel = (byte) => LABELS[Math.round((byte / 255) * 7)];

export function grayImageData(byte, width = 64, height = 48) {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < data.length; i += 4) data.set([byte, byte, byte, 255], i);
  return new ImageData(data, width, height);
}

export async function rejection(promise) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}
