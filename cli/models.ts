/** Starting the SDK from the command line: the --model file checked first, the load shown on the progress line. */
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';
import { create, JadferError, type Jadfer } from '../src/index.js';
import type { CreateOptions } from '../src/contract/options.js';
import type { Cli } from './command.js';
import { megabytes } from './progress.js';

/** create()'s `modelUrl` for a --model path, once the path is known to be a file (else E_BAD_INPUT, before any load). */
export async function modelUrl(path: string | undefined): Promise<Pick<CreateOptions, 'modelUrl'>> {
  if (path === undefined) return {};
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile())
    throw new JadferError('E_BAD_INPUT', `--model ${path}: ${info ? 'not a file' : 'no such file'}`, {
      details: { path },
    });
  return { modelUrl: pathToFileURL(path).href };
}

/** create(), saying on the progress line which file loads. */
export async function loadModels(options: CreateOptions, cli: Cli): Promise<Jadfer> {
  cli.progress.update('loading the models…', true);
  try {
    return await create({
      ...options,
      onProgress: ({ url, loaded, total }) =>
        cli.progress.update(
          `loading the models: ${basename(new URL(url).pathname)} ${megabytes(loaded)}${total ? ` of ${megabytes(total)}` : ''}`,
        ),
    });
  } finally {
    cli.progress.clear();
  }
}
