/** Worker entry: exposes the engine over Comlink. Must expose before any await, or the first message is lost. */
import * as Comlink from 'comlink';
import { installErrorTransfer } from '../src/contract/comlink-errors.js';
import { EngineEndpoint } from '../src/engine/endpoint.js';

installErrorTransfer();
Comlink.expose(new EngineEndpoint());
