import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** FERPlus location: $FERPLUS_DIR, else ../shared/data/ferplus relative to the repo, else /work/shared/data/ferplus. */
export const FERPLUS_DIR: string =
  process.env.FERPLUS_DIR ??
  [resolve(process.cwd(), '../shared/data/ferplus'), '/work/shared/data/ferplus'].find((d) => existsSync(d)) ??
  resolve(process.cwd(), '../shared/data/ferplus');

export const ferplusAvailable = (): boolean => existsSync(`${FERPLUS_DIR}/FER2013Valid/label.csv`);
