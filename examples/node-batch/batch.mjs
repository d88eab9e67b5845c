// Node: the expressions of every image in a folder, one JSON line per face (node batch.mjs <folder>).
// jadfer runs in-process here; sharp decodes the images (npm install jadfer sharp).
import { readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import sharp from 'sharp';
import { create } from 'jadfer';

const folder = process.argv[2];
if (!folder) {
  console.error('usage: node batch.mjs <folder of images>');
  process.exit(2);
}
const images = (await readdir(folder)).filter((name) => /^\.(jpe?g|png|webp)$/i.test(extname(name))).sort();

const fer = await create();
try {
  for (const name of images) {
    const { data, info } = await sharp(join(folder, name)).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const faces = await fer.analyze({ data, width: info.width, height: info.height });
    for (const face of faces) {
      const { label, scores } = face.expression;
      console.log(JSON.stringify({ image: name, box: face.box, label, score: scores[label] }));
    }
    if (faces.length === 0) console.log(JSON.stringify({ image: name, faces: 0 }));
  }
} finally {
  await fer.dispose();
}
