/** Worker entry: exposes the engine over Comlink. Must expose before any await, or the first message is lost. */
import * as Comlink from 'comlink';
import { installErrorTransfer } from '../src/contract/comlink-errors.js';
import { Engine } from '../src/engine/engine.js';

installErrorTransfer();
Comlink.expose(new Engine());
