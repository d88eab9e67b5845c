/** The SDK's version: package.json's (test/package checks). It versions the runtime files' URLs. */
export const VERSION = '0.1.0';

/**
 * Where the README is read, for links in messages: package.json's `homepage` without its `#readme`
 * (test/package checks). A placeholder until the repository is public; the README also ships in the package.
 */
export const HOMEPAGE = 'https://placeholder.invalid/jadfer-repository-not-public-yet';
