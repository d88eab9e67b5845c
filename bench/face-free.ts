/**
 * Face-free sets, to measure detector precision: every image here has no human face, so every face
 * found in it is false. Built at bench/test time, never committed, from:
 *   - `photo`: scikit-image's sample photos of objects and scenes (coffee, coins, a cat, a rocket,
 *     a motorcycle, text pages, …; BSD-3 per Debian's python3-skimage copyright), the two with a person
 *     (astronaut, camera) left out. Read from Debian's package (installed, or unpacked into .cache/ by
 *     `apt-get download python3-skimage`; skipped with a message where neither works);
 *   - `blanked`: the fixture photos (../shared/fixtures/photos) with every face painted over (found by
 *     the detector at a low bar on the whole photo and on tiles, the box grown 1.8× and filled with the
 *     mean colour around it);
 *   - `ferplus-nf`: FERPlus images most of whose annotators voted "not a face" (NF) (only 3 exist);
 *   - `rendered`: scenes drawn here (text, analogue and digital clocks, patterns, textures, shapes),
 *     deterministic (seeded);
 *   - `fake-camera`: frames of Chromium's fake camera (`--use-fake-device-for-media-stream`), when given.
 * Each image goes to one split, by a fixed rule made before any result was seen (alternating in
 * sorted order): `tuning` is what thresholds are chosen on, `report` is what the README reports.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import type { Box, RgbaImage } from '../src/engine/pipeline/types.js';
import { bilinear, random } from './scale-set.js';

export type FaceFreeSource = 'photo' | 'blanked' | 'ferplus-nf' | 'rendered' | 'fake-camera';
export type Split = 'tuning' | 'report';

export interface FaceFreeImage {
  id: string;
  source: FaceFreeSource;
  split: Split;
  image: RgbaImage;
}

const root = new URL('../', import.meta.url);
const shared = new URL('../../shared/', import.meta.url);
const PHOTOS = fileURLToPath(new URL('fixtures/photos/', shared));
const FERPLUS = fileURLToPath(new URL('data/ferplus/', shared));
const SKIMAGE_SYSTEM = '/usr/lib/python3/dist-packages/skimage/data/';
const SKIMAGE_CACHE = fileURLToPath(new URL('.cache/python3-skimage/', root));
/** scikit-image samples that show a person, or are too small or broken to be a photo. */
const SKIMAGE_SKIP = new Set([
  'astronaut.png',
  'camera.png',
  'block.png',
  'foo3x5x4indexed.png',
  'green_palette.png',
  'palette_color.png',
  'palette_gray.png',
  'truncated.jpg',
  'checker_bilevel.png',
  'chessboard_GRAY.png',
  'chessboard_RGB.png',
]);

export const W = 640;
export const H = 480;
const split = (i: number): Split => (i % 2 === 0 ? 'tuning' : 'report');

async function rgbaOf(
  input: string | Buffer,
  options?: Parameters<typeof sharp>[1],
  resize?: { width: number; height: number },
): Promise<RgbaImage> {
  const { data, info } = await sharp(input, options)
    .resize(resize && { ...resize, fit: 'fill' })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

/** scikit-image's data folder: Debian's, or the package unpacked into .cache/ (downloaded once with apt-get). */
export function skimageData(log: (line: string) => void = console.error): string | undefined {
  if (existsSync(SKIMAGE_SYSTEM + 'coffee.png')) return SKIMAGE_SYSTEM;
  const cached = SKIMAGE_CACHE + 'usr/lib/python3/dist-packages/skimage/data/';
  if (existsSync(cached + 'coffee.png')) return cached;
  try {
    mkdirSync(SKIMAGE_CACHE, { recursive: true });
    execFileSync('apt-get', ['download', 'python3-skimage'], { cwd: SKIMAGE_CACHE, stdio: 'ignore' });
    const deb = readdirSync(SKIMAGE_CACHE).find((f) => f.endsWith('.deb'))!;
    execFileSync('dpkg-deb', ['-x', deb, '.'], { cwd: SKIMAGE_CACHE });
    return existsSync(cached + 'coffee.png') ? cached : undefined;
  } catch (error) {
    log(
      `*** face-free set WITHOUT scikit-image's photos: ${(error as Error).message.split('\n')[0]} ` +
        `(apt-get download python3-skimage && dpkg-deb -x python3-skimage_*.deb ${SKIMAGE_CACHE}) ***`,
    );
    return undefined;
  }
}

async function photos(log: (line: string) => void): Promise<FaceFreeImage[]> {
  const dir = skimageData(log);
  if (!dir) return [];
  const files = readdirSync(dir)
    .filter((f) => /\.(png|jpg)$/.test(f) && !SKIMAGE_SKIP.has(f))
    .sort();
  return Promise.all(
    files.map(async (file, i) => ({
      id: `photo/${file}`,
      source: 'photo' as const,
      split: split(i),
      image: await rgbaOf(dir + file),
    })),
  );
}

/** The fixture photos with their faces painted over; `findFaces` should find every face, at a low bar. */
async function blanked(findFaces: (image: RgbaImage) => Promise<Box[]>): Promise<FaceFreeImage[]> {
  if (!existsSync(PHOTOS)) return [];
  const files = readdirSync(PHOTOS)
    .filter((f) => f.endsWith('.jpg'))
    .sort();
  const out: FaceFreeImage[] = [];
  for (const [i, file] of files.entries()) {
    const image = await rgbaOf(PHOTOS + file);
    for (const box of await findFaces(image)) paintOver(image, box, 1.8);
    out.push({ id: `blanked/${file}`, source: 'blanked', split: split(i), image });
  }
  return out;
}

/** Fills an ellipse `grow` × the box with the mean colour of the ring just outside it. */
export function paintOver(image: RgbaImage, box: Box, grow: number): void {
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height * 0.45; // a face box's centre sits a little above the head's
  const rx = (box.width * grow) / 2;
  const ry = (box.height * grow * 1.15) / 2;
  const sum = [0, 0, 0];
  let n = 0;
  const inside = (x: number, y: number, k: number) => ((x - cx) / (rx * k)) ** 2 + ((y - cy) / (ry * k)) ** 2 <= 1;
  const x0 = Math.max(0, Math.floor(cx - rx * 1.2)),
    x1 = Math.min(image.width, Math.ceil(cx + rx * 1.2));
  const y0 = Math.max(0, Math.floor(cy - ry * 1.2)),
    y1 = Math.min(image.height, Math.ceil(cy + ry * 1.2));
  for (let y = y0; y < y1; y++)
    for (let x = x0; x < x1; x++)
      if (inside(x, y, 1.2) && !inside(x, y, 1)) {
        const o = (y * image.width + x) * 4;
        for (let c = 0; c < 3; c++) sum[c]! += image.data[o + c]!;
        n++;
      }
  for (let y = y0; y < y1; y++)
    for (let x = x0; x < x1; x++)
      if (inside(x, y, 1)) {
        const o = (y * image.width + x) * 4;
        for (let c = 0; c < 3; c++) image.data[o + c] = Math.round(sum[c]! / Math.max(1, n));
      }
}

/** FERPlus images whose "not a face" votes are the most given answer. */
async function ferplusNotFaces(): Promise<FaceFreeImage[]> {
  const found: string[] = [];
  for (const folder of ['FER2013Train', 'FER2013Valid']) {
    const csv = FERPLUS + folder + '/label.csv';
    if (!existsSync(csv)) continue;
    for (const line of readFileSync(csv, 'utf8').split('\n')) {
      const cells = line.replace(/"[^"]*"/, 'box').split(',');
      if (cells.length < 12) continue;
      const votes = cells.slice(2, 12).map(Number);
      const nf = votes[9]!;
      if (nf > 0 && votes.slice(0, 9).every((v) => v < nf)) found.push(`${folder}/${cells[0]}`);
    }
  }
  return Promise.all(
    found.sort().map(async (file, i) => ({
      id: `ferplus-nf/${file}`,
      source: 'ferplus-nf' as const,
      split: split(i),
      image: await rgbaOf(FERPLUS + file),
    })),
  );
}

const FONT = 'font-family="DejaVu Sans, DejaVu Serif, sans-serif"';
const WORDS =
  'open daily sale coffee tea menu price today offer welcome exit please wait your turn here ticket number floor level information opening hours monday friday platform departure arrival gate'.split(
    ' ',
  );

type Scene = (rand: () => number) => string;
const colour = (rand: () => number) =>
  `rgb(${Math.floor(rand() * 256)},${Math.floor(rand() * 256)},${Math.floor(rand() * 256)})`;

const SCENES: Record<string, Scene> = {
  text: (rand) => {
    const parts = [`<rect width="${W}" height="${H}" fill="${colour(rand)}"/>`];
    let y = 30 + rand() * 30;
    while (y < H) {
      const size = 12 + Math.floor(rand() * 48);
      const words = Array.from({ length: 2 + Math.floor(rand() * 8) }, () => WORDS[Math.floor(rand() * WORDS.length)]);
      const weight = rand() < 0.4 ? 'bold' : 'normal';
      parts.push(
        `<text x="${10 + rand() * 60}" y="${y}" ${FONT} font-size="${size}" font-weight="${weight}" fill="${colour(rand)}">${words.join(' ')}</text>`,
      );
      y += size * (1.2 + rand());
    }
    return parts.join('');
  },
  'analogue-clock': (rand) => {
    const r = 60 + rand() * 160;
    const cx = r + rand() * (W - 2 * r);
    const cy = Math.min(H - r, r + rand() * (H - 2 * r));
    const parts = [
      `<rect width="${W}" height="${H}" fill="${colour(rand)}"/>`,
      `<circle cx="${cx}" cy="${cy}" r="${r}" fill="${rand() < 0.5 ? '#fff' : '#eee'}" stroke="#222" stroke-width="${2 + rand() * 8}"/>`,
    ];
    for (let h = 1; h <= 12; h++) {
      const a = (h / 12) * 2 * Math.PI;
      parts.push(
        `<text x="${cx + Math.sin(a) * r * 0.78}" y="${cy - Math.cos(a) * r * 0.78 + r * 0.07}" ${FONT} font-size="${r * 0.2}" text-anchor="middle" fill="#111">${h}</text>`,
      );
    }
    for (const [len, width] of [
      [0.5, 6],
      [0.75, 3],
      [0.85, 1.5],
    ] as const) {
      const a = rand() * 2 * Math.PI;
      parts.push(
        `<line x1="${cx}" y1="${cy}" x2="${cx + Math.sin(a) * r * len}" y2="${cy - Math.cos(a) * r * len}" stroke="#111" stroke-width="${(width * r) / 100}" stroke-linecap="round"/>`,
      );
    }
    parts.push(`<circle cx="${cx}" cy="${cy}" r="${r * 0.04}" fill="#111"/>`);
    return parts.join('');
  },
  'digital-clock': (rand) => {
    const size = 30 + rand() * 110;
    const time = [24, 60, 60].map((m) => String(Math.floor(rand() * m)).padStart(2, '0')).join(':');
    return (
      `<rect width="${W}" height="${H}" fill="${rand() < 0.5 ? '#000' : colour(rand)}"/>` +
      `<text x="${20 + rand() * 100}" y="${size + rand() * (H - size * 1.5)}" font-family="DejaVu Sans Mono" font-size="${size}" fill="${colour(rand)}">${time}</text>` +
      `<text x="${20 + rand() * 200}" y="${H - 20 - rand() * 60}" font-family="DejaVu Sans Mono" font-size="${size / 3}" fill="${colour(rand)}">${Math.floor(rand() * 1000)} ms</text>`
    );
  },
  pattern: (rand) => {
    const kind = Math.floor(rand() * 4);
    const step = 8 + rand() * 60;
    const [a, b] = [colour(rand), colour(rand)];
    const parts = [`<rect width="${W}" height="${H}" fill="${a}"/>`];
    if (kind === 0)
      for (let y = 0; y < H; y += step)
        for (let x = ((y / step) % 2) * step; x < W; x += 2 * step)
          parts.push(`<rect x="${x}" y="${y}" width="${step}" height="${step}" fill="${b}"/>`);
    else if (kind === 1)
      for (let x = -H; x < W + H; x += 2 * step)
        parts.push(
          `<rect x="${x}" y="-${H}" width="${step}" height="${3 * H}" fill="${b}" transform="rotate(${rand() * 180} ${W / 2} ${H / 2})"/>`,
        );
    else if (kind === 2)
      for (let y = step / 2; y < H; y += step)
        for (let x = step / 2; x < W; x += step)
          parts.push(`<circle cx="${x}" cy="${y}" r="${step * (0.15 + rand() * 0.3)}" fill="${b}"/>`);
    else
      for (let r = Math.hypot(W, H); r > 0; r -= step)
        parts.push(`<circle cx="${rand() * W}" cy="${rand() * H}" r="${r}" fill="${(r / step) % 2 < 1 ? a : b}"/>`);
    return parts.join('');
  },
  shapes: (rand) => {
    const parts = [`<rect width="${W}" height="${H}" fill="${colour(rand)}"/>`];
    for (let i = 0; i < 6 + rand() * 30; i++) {
      const [x, y, s] = [rand() * W, rand() * H, 10 + rand() * 150];
      const kind = Math.floor(rand() * 3);
      if (kind === 0)
        parts.push(`<ellipse cx="${x}" cy="${y}" rx="${s}" ry="${s * (0.4 + rand())}" fill="${colour(rand)}"/>`);
      else if (kind === 1)
        parts.push(
          `<rect x="${x}" y="${y}" width="${s}" height="${s * (0.3 + rand() * 2)}" fill="${colour(rand)}" transform="rotate(${rand() * 90} ${x} ${y})"/>`,
        );
      else
        parts.push(
          `<polygon points="${[0, 1, 2].map(() => `${x + (rand() - 0.5) * 2 * s},${y + (rand() - 0.5) * 2 * s}`).join(' ')}" fill="${colour(rand)}"/>`,
        );
    }
    return parts.join('');
  },
};

/** Smooth noise (value noise, a few octaves) in colour: skin-like blotches, foliage, plaster. */
function texture(seed: number): RgbaImage {
  const rand = random(seed);
  const data = new Uint8Array(W * H * 4);
  const base = [rand() * 255, rand() * 255, rand() * 255];
  const octaves = [4 + rand() * 60, 2 + rand() * 12, 1 + rand() * 3].map((cell) => {
    const gw = Math.ceil(W / cell) + 2;
    const gh = Math.ceil(H / cell) + 2;
    return { cell, gw, grid: Float32Array.from({ length: gw * gh }, () => rand() - 0.5) };
  });
  const amp = 40 + rand() * 100;
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      let v = 0;
      octaves.forEach(({ cell, gw, grid }, k) => (v += bilinear((i, j) => grid[j * gw + i]!, x, y, cell) / (k + 1)));
      const o = (y * W + x) * 4;
      for (let c = 0; c < 3; c++) data[o + c] = Math.max(0, Math.min(255, Math.round(base[c]! + v * amp * 2)));
      data[o + 3] = 255;
    }
  return { data, width: W, height: H };
}

/** Rendered scenes: `perKind` of each kind, seeded, alternating between the splits. */
export async function renderedScenes(perKind = 12): Promise<FaceFreeImage[]> {
  const out: FaceFreeImage[] = [];
  for (const [kind, draw] of Object.entries(SCENES))
    for (let i = 0; i < perKind; i++) {
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">${draw(random(i * 977 + kind.length * 131))}</svg>`;
      out.push({
        id: `rendered/${kind}-${i}`,
        source: 'rendered',
        split: split(i),
        image: await rgbaOf(Buffer.from(svg)),
      });
    }
  for (let i = 0; i < perKind; i++)
    out.push({ id: `rendered/texture-${i}`, source: 'rendered', split: split(i), image: texture(i * 7919 + 3) });
  return out;
}

export interface FaceFreeOptions {
  /** Finds every face of a fixture photo (a low bar: better to paint over a non-face than to leave a face). */
  findFaces: (image: RgbaImage) => Promise<Box[]>;
  /** Frames of Chromium's fake camera, if captured. */
  fakeCamera?: RgbaImage[];
  log?: (line: string) => void;
}

/** Every face-free image, both splits. */
export async function faceFreeSet(options: FaceFreeOptions): Promise<FaceFreeImage[]> {
  const log = options.log ?? ((line: string) => console.error(line));
  const fake = (options.fakeCamera ?? []).map((image, i) => ({
    id: `fake-camera/${i}`,
    source: 'fake-camera' as const,
    split: split(i),
    image,
  }));
  return [
    ...(await photos(log)),
    ...(await blanked(options.findFaces)),
    ...(await ferplusNotFaces()),
    ...(await renderedScenes()),
    ...fake,
  ];
}

/**
 * The set as thumbnails, each image resized (area average) so its longer side is `longSide` px:
 * a single image this small is what the zoomed-out look runs on (a face filling a small photo).
 */
export async function thumbnails(set: FaceFreeImage[], longSide: number): Promise<FaceFreeImage[]> {
  return Promise.all(
    set.map(async (item) => {
      const { width, height } = item.image;
      const scale = longSide / Math.max(width, height);
      const pixels = Buffer.from(item.image.data.buffer, item.image.data.byteOffset, item.image.data.byteLength);
      const image = await rgbaOf(
        pixels,
        { raw: { width, height, channels: 4 } },
        {
          width: Math.max(1, Math.round(width * scale)),
          height: Math.max(1, Math.round(height * scale)),
        },
      );
      return { ...item, id: `${item.id}@${longSide}`, image };
    }),
  );
}
