import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** FERPlus location: $FERPLUS_DIR, else ../shared/data/ferplus relative to the repo, else /work/shared/data/ferplus. */
export const FERPLUS_DIR: string =
  process.env.FERPLUS_DIR ??
  [resolve(process.cwd(), '../shared/data/ferplus'), '/work/shared/data/ferplus'].find((d) => existsSync(d)) ??
  resolve(process.cwd(), '../shared/data/ferplus');

export const ferplusAvailable = (): boolean => existsSync(`${FERPLUS_DIR}/FER2013Valid/label.csv`);

/** The wild photo set (whole photos, a folder per class): $WILD_DIR, else ../shared/data/wild beside the repo. */
export const WILD_DIR: string =
  process.env.WILD_DIR ??
  [resolve(process.cwd(), '../shared/data/wild'), '/work/shared/data/wild'].find((d) => existsSync(d)) ??
  resolve(process.cwd(), '../shared/data/wild');

export const wildAvailable = (): boolean => existsSync(`${WILD_DIR}/list.csv`);
