/** The `<script src=".../jadfer.iife.js">` build: everything on the global `JADFER`, and `<jadfer-camera>` defined. */
import { defineJadferCamera } from './client/camera-element.js';

export * from './index.js';

defineJadferCamera();
