/** The SDK's version: package.json's (test/package checks). It versions the runtime files' URLs. */
export const VERSION = '0.1.0';
