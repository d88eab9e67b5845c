/** The images a command was given: files as named, folders walked; and where each one's annotation goes. */
import { lstat, readdir, stat } from 'node:fs/promises';
import { basename, extname, join, relative, resolve } from 'node:path';
import { IMAGE_EXTENSIONS } from '../common/sharp.js';

export interface ImageInput {
  /** The path as given, or as found in a folder. */
  file: string;
  /** Its path inside the folder it was found in (its name when it was named itself): its annotation's name. */
  relative: string;
}

/**
 * The image files the arguments name. A file is taken as it is (a missing one too: probeImage reports it); a folder
 * gives the files in it with an image extension, sorted, and with `recursive` those of its subfolders: not hidden ones,
 * and not links to folders (as `find` does not follow them: a link to / would walk the whole disk, a link to a parent
 * would never end). `notes` says what a walk left out.
 */
export async function collectImages(
  args: readonly string[],
  recursive: boolean,
): Promise<{ inputs: ImageInput[]; notes: string[] }> {
  const inputs: ImageInput[] = [];
  const notes: string[] = [];
  for (const arg of args) {
    const info = await stat(arg).catch(() => undefined);
    if (!info?.isDirectory()) {
      inputs.push({ file: arg, relative: basename(arg) });
      continue;
    }
    const found: string[] = [];
    const skipped = { folders: 0, links: 0 };
    await walk(arg, recursive, found, skipped);
    inputs.push(...found.map((file) => ({ file, relative: relative(arg, file) })));
    if (found.length === 0) notes.push(`${arg}: no images in this folder${recursive ? ' or below' : ''}`);
    if (skipped.links > 0)
      notes.push(`${arg}: ${skipped.links} link${skipped.links === 1 ? '' : 's'} to a folder not followed`);
    if (skipped.folders > 0)
      notes.push(
        `${arg}: ${skipped.folders} subfolder${skipped.folders === 1 ? '' : 's'} not walked (--recursive does)`,
      );
  }
  return { inputs, notes };
}

async function walk(
  dir: string,
  recursive: boolean,
  found: string[],
  skipped: { folders: number; links: number },
): Promise<void> {
  for (const name of (await readdir(dir)).sort()) {
    const path = join(dir, name);
    const entry = await lstat(path);
    if (entry.isDirectory()) {
      if (!recursive) skipped.folders++;
      else if (!name.startsWith('.')) await walk(path, recursive, found, skipped);
      continue;
    }
    // A link to a file counts as the file; a dangling link is nothing.
    const target = entry.isSymbolicLink() ? await stat(path).catch(() => undefined) : entry;
    if (target?.isDirectory()) skipped.links++;
    else if (target?.isFile() && IMAGE_EXTENSIONS.includes(extname(name).toLowerCase())) found.push(path);
  }
}

/**
 * Where each input's annotation goes under `dir`: its `relative` path with `.png`. Two inputs that would share a
 * name (`a/x.jpg`, `b/x.jpg`), or a name that is one of the inputs themselves, get `-2`, `-3`… in input order, so no
 * output overwrites another's or an input. Names compare case-blind, as on macOS and Windows.
 */
export function annotationPaths(inputs: readonly ImageInput[], dir: string): string[] {
  const key = (path: string) => resolve(path).toLowerCase();
  const taken = new Set(inputs.map((input) => key(input.file)));
  return inputs.map((input) => {
    const stem = input.relative.slice(0, input.relative.length - extname(input.relative).length);
    let out = join(dir, `${stem}.png`);
    for (let n = 2; taken.has(key(out)); n++) out = join(dir, `${stem}-${n}.png`);
    taken.add(key(out));
    return out;
  });
}
