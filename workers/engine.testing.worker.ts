/** The test build's worker entry (`jadfer/testing`): the engine with fault injection. Exposes before any await. */
import * as Comlink from 'comlink';
import { installErrorTransfer } from '../src/contract/comlink-errors.js';
import { Engine } from '../src/engine/testing-engine.js';

installErrorTransfer();
Comlink.expose(new Engine());
