/** The classifier the SDK loads when `modelUrl` is not given, relative to dist/. */
export const DEFAULT_MODEL_CARD = 'models/jadfer-base.json';
