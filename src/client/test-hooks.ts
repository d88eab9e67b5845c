/**
 * The key under which a Jadfer instance hands its engine to src/testing.ts. A registered symbol:
 * the bundles are built separately, and each must find the same key.
 */
export const ENGINE_FOR_TESTS = Symbol.for('jadfer.engineForTests');
