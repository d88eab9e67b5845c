import * as Comlink from 'comlink';
import { deserializeError, serializeError, type SerializedError } from './errors.js';

type ThrowHandler = Comlink.TransferHandler<{ value: unknown }, { isError: boolean; value: unknown }>;

let installed = false;

/**
 * Comlink's built-in 'throw' handler keeps only name, message and stack, which would
 * erase error codes and causes at the worker boundary. Both sides install this one.
 */
export function installErrorTransfer(): void {
  if (installed) return;
  installed = true;
  const builtin = Comlink.transferHandlers.get('throw') as ThrowHandler | undefined;
  if (!builtin) throw new Error('Comlink has no built-in throw handler to extend');
  const handler: ThrowHandler = {
    canHandle: builtin.canHandle,
    serialize: ({ value }) => [{ isError: true, value: serializeError(value) }, []],
    deserialize: (wire) => {
      throw wire.isError ? deserializeError(wire.value as SerializedError) : wire.value;
    },
  };
  Comlink.transferHandlers.set('throw', handler as Comlink.TransferHandler<unknown, unknown>);
}
