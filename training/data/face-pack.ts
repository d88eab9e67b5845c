/**
 * Face packs: one dataset split in one file, for a machine that has neither the image folder nor
 * sharp (a lent GPU machine gets the FERPlus faces as two files of a few tens of MB instead of
 * 32k PNGs). Written by training/data/pack-faces.ts, read by loadDataset('pack=<dir>').
 * Layout, Brotli-compressed as a whole: u32 LE header length, the header JSON (FacePackHeader),
 * then n faces of 48×48 u8 gray in header order, each stored as PNG's Paeth residuals (a face
 * predicted from its left, upper and upper-left neighbours compresses ~12 % smaller; measured on
 * FERPlus train: 40.9 MB against 46.0 MB for xz -9 of the raw pixels).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';
import type { Dataset } from './dataset.js';

export const FACE_PACK_FORMAT = 'jadfer.facepack/v1';
const SIDE = 48;
const FACE_BYTES = SIDE * SIDE;

function paethPredict(face: Uint8Array, i: number): number {
  const x = i % SIDE;
  const left = x > 0 ? face[i - 1]! : 0;
  const up = i >= SIDE ? face[i - SIDE]! : 0;
  const upLeft = x > 0 && i >= SIDE ? face[i - SIDE - 1]! : 0;
  const p = left + up - upLeft;
  const [dl, du, dul] = [Math.abs(p - left), Math.abs(p - up), Math.abs(p - upLeft)];
  return dl <= du && dl <= dul ? left : du <= dul ? up : upLeft;
}

/** Residuals of `face` (48×48) into `out`. */
function toResiduals(face: Uint8Array, out: Uint8Array): void {
  for (let i = 0; i < FACE_BYTES; i++) out[i] = (face[i]! - paethPredict(face, i)) & 255;
}

/** In place: residuals → pixels, in scan order so every predictor input is already restored. */
function fromResiduals(face: Uint8Array): void {
  for (let i = 0; i < FACE_BYTES; i++) face[i] = (face[i]! + paethPredict(face, i)) & 255;
}

export interface FacePackHeader {
  format: typeof FACE_PACK_FORMAT;
  /** Where the faces came from (a --dataset spec and split), for provenance. */
  source: string;
  files: string[];
  labels: number[];
  votes: number[][];
  /** What the source loader skipped, carried into the feature cache's counts. */
  skipped: Record<string, number>;
}

export function encodeFacePack(header: Omit<FacePackHeader, 'format'>, faces: Uint8Array[]): Buffer {
  if (faces.length !== header.files.length)
    throw new Error(`face pack: ${faces.length} faces for ${header.files.length} files`);
  const json = Buffer.from(JSON.stringify({ format: FACE_PACK_FORMAT, ...header }));
  const raw = Buffer.alloc(4 + json.length + faces.length * FACE_BYTES);
  raw.writeUInt32LE(json.length, 0);
  json.copy(raw, 4);
  faces.forEach((face, i) => {
    if (face.length !== FACE_BYTES)
      throw new Error(`face pack: ${header.files[i]} has ${face.length} bytes, not 48×48`);
    toResiduals(face, raw.subarray(4 + json.length + i * FACE_BYTES, 4 + json.length + (i + 1) * FACE_BYTES));
  });
  return brotliCompressSync(raw, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 11,
      [constants.BROTLI_PARAM_LGWIN]: 24,
      [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
    },
  });
}

export function decodeFacePack(bytes: Uint8Array, name = 'face pack'): Dataset {
  const raw = brotliDecompressSync(bytes);
  const length = raw.readUInt32LE(0);
  const header = JSON.parse(raw.subarray(4, 4 + length).toString('utf8')) as FacePackHeader;
  if (header.format !== FACE_PACK_FORMAT)
    throw new Error(`${name}: format ${String(header.format)}, expected ${FACE_PACK_FORMAT}`);
  const n = header.files.length;
  if (raw.length !== 4 + length + n * FACE_BYTES)
    throw new Error(`${name}: ${raw.length} bytes for ${n} faces (truncated?)`);
  const faces = (i: number) => new Uint8Array(raw.buffer, raw.byteOffset + 4 + length + i * FACE_BYTES, FACE_BYTES);
  for (let i = 0; i < n; i++) fromResiduals(faces(i));
  return {
    items: header.files.map((file, i) => ({
      file,
      label: header.labels[i]!,
      votes: header.votes[i]!,
      read: async () => faces(i),
    })),
    skipped: header.skipped,
  };
}

export const writeFacePack = (path: string, header: Omit<FacePackHeader, 'format'>, faces: Uint8Array[]) =>
  writeFileSync(path, encodeFacePack(header, faces));
export const readFacePack = (path: string): Dataset => decodeFacePack(readFileSync(path), path);
