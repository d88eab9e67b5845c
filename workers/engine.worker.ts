/** Worker entry: exposes the engine over Comlink. Must expose before any await, or the first message is lost. */
import * as Comlink from 'comlink';
import { installErrorTransfer } from '../src/comlink-errors.js';
import { Engine } from './engine.js';

installErrorTransfer();
Comlink.expose(new Engine());
