// Deno: the expressions in the images named on the command line.
//   deno run --allow-read --allow-ffi --allow-env main.ts photo.jpg group.jpg
// jadfer needs only --allow-read (its worker, runtime and models are files of the package); sharp, the
// image decoder, needs --allow-ffi and --allow-env. With a package.json and node_modules beside this file
// (the package installed from a tarball), npm: resolves to them.
import { create } from 'npm:jadfer';
import sharp from 'npm:sharp';

if (Deno.args.length === 0) {
  console.error('usage: deno run --allow-read --allow-ffi --allow-env main.ts <images…>');
  Deno.exit(2);
}

await using fer = await create();
for (const path of Deno.args) {
  const { data, info } = await sharp(path).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const faces = await fer.analyze({ data, width: info.width, height: info.height });
  console.log(`${path}: ${faces.map((face) => face.expression.label).join(', ') || 'no face'}`);
}
