/**
 * The global of the `<script src=".../jadfer.iife.js">` build, for TypeScript pages:
 * `import type {} from 'jadfer/global'` (or `/// <reference types="jadfer/global" />`) declares `JADFER`.
 * Types only: nothing here runs.
 */
import type * as Jadfer from './iife.js';

declare global {
  /** Everything `import * from 'jadfer'` gives, and `<jadfer-camera>` defined. */
  var JADFER: typeof Jadfer;
}

export {};
