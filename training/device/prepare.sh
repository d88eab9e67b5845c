#!/bin/bash
# Builds what a lent GPU machine needs; it has no Node, no npm and no network, and a call carries
# at most 64 MiB with the working tree, so this comes in two folders, one per call:
#   .device/   Node and Dawn (xz), the Vulkan loader debs, the bundled entry points, the faceres
#              trunk, the starting params, and the two scripts          (call 1: setup.sh)
#   .devdata/  FERPlus train + valid as face packs, ~46 MB              (call 2: train-ferplus.sh)
# Usage: training/device/prepare.sh <params base to start from, e.g. runs/<run>/best/params>
set -euo pipefail
cd "$(dirname "$0")/../.."
init=${1:?usage: prepare.sh <params base, e.g. runs/<run>/best/params>}
dawn=node_modules/webgpu/dist/linux-x64
mkdir -p .device/gl .device/init .device/$dawn .device/.cache/human-models/models .devdata
[ -f .device/node.xz ] || xz -T0 -6 -c "$(command -v node)" > .device/node.xz
[ -f .device/$dawn/dawn.node.xz ] || xz -6 -c $dawn/dawn.node > .device/$dawn/dawn.node.xz
cp node_modules/webgpu/{index.js,package.json,LICENSE.md} .device/node_modules/webgpu/
# The loaders per the device README; the X11 libraries libGLX_nvidia needs, unpacked apart there.
apt_opts='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
if ! ls .device/gl/libvulkan1_*.deb >/dev/null 2>&1; then
  mkdir -p /tmp/amd64/partial && apt-get $apt_opts update >/dev/null
  (cd .device/gl && apt-get $apt_opts download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2 \
    libx11-6 libxcb1 libxau6 libxdmcp6 libbsd0 libmd0 libxext6)
fi
cp .cache/human-models/models/faceres.{json,bin} .device/.cache/human-models/models/
cp .cache/human-models/PROVENANCE.json .device/.cache/human-models/
cp "$init.json" .device/init/params.json && cp "$init.bin" .device/init/params.bin
for entry in training/backbone/cache-features.ts training/train/train.ts bench/train-step.ts; do
  npx esbuild "$entry" --bundle --minify --platform=node --format=esm --outfile=".device/$(basename "$entry" .ts).mjs" \
    --external:webgpu --external:sharp --external:onnxruntime-node --external:@tensorflow/tfjs-node --external:@tensorflow/tfjs-node-gpu \
    --banner:js="import{createRequire}from'module';const require=createRequire(import.meta.url);" --log-level=error
done
cp training/device/{setup,train-ferplus}.sh .device/
[ -f .devdata/train.facepack ] || node --import tsx training/data/pack-faces.ts --out .devdata
du -sh .device .devdata
