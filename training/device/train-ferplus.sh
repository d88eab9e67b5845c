#!/bin/bash
# Call 2 (carry .devdata; run as `bash /tmp/jd/train-ferplus.sh` right after setup.sh, while the
# machine is warm): FERPlus face packs → trunk features at conv_pw_6 with TF.js on WebGPU →
# fine-tune the last 5 trunk blocks + heads from the prepared params, soft labels. Results in $OUT.
# EPOCHS=4 fits one call with the features (measured on an H200 at faceres-112: 95 s features, ~50 s per
# epoch). BACKBONE=faceres-160 (jadfer-accurate's input size) has ~2× the pixels: not yet run on a GPU, so
# its features get a longer timeout and the training a shorter one, to stay inside a 600 s call.
set -o pipefail
[ -x /tmp/node ] || { echo "no /tmp/node: run setup.sh on this machine first"; exit 3; }
export LD_LIBRARY_PATH=${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}/tmp/x11/usr/lib/x86_64-linux-gnu
export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json XDG_RUNTIME_DIR=/tmp
EPOCHS=${EPOCHS:-4}
BACKBONE=${BACKBONE:-faceres-112}
FEATURE_SECONDS=$([ "$BACKBONE" = faceres-112 ] && echo 150 || echo 240)
REPO=$PWD
cd /tmp/jd  # setup.sh copied .device here: a later call carries only the data
SECONDS=0
timeout $FEATURE_SECONDS /tmp/node cache-features.mjs --engine tfjs --backend webgpu --dataset pack=$REPO/.devdata --backbone $BACKBONE \
  --feature-node conv_pw_6_relu/clip_by_value --splits valid,train --views orig,flip --batch 256 --out /tmp/feat 2>&1 | grep -v '^    at' | tee $OUT/cache.log
echo "features: ${SECONDS} s" | tee -a $OUT/cache.log
# What is done comes back even if the lease ends mid-run: the run folder is re-packed every 15 s.
( while sleep 15; do [ -d /tmp/run/best ] && tar -cf $OUT/run.partial -C /tmp/run --exclude checkpoint . && mv $OUT/run.partial $OUT/run.tar; done ) &
timeout $((540 - FEATURE_SECONDS)) /tmp/node train.mjs --features /tmp/feat/$BACKBONE --out /tmp/run --backend webgpu --tail-blocks 5 --tail-lr-scale 0.5 \
  --init-from init/params --soft-labels --epochs $EPOCHS --batch 512 --lr 2e-4 --warmup-epochs 0.2 --seed 3 --log-every 20 2>&1 | grep -v '^    at' | tee $OUT/train.log
echo "total: ${SECONDS} s" | tee -a $OUT/train.log
kill %1
cp /tmp/feat/$BACKBONE/train.json /tmp/feat/$BACKBONE/valid.json /tmp/run/ 2>/dev/null
tar -cf $OUT/run.tar -C /tmp/run --exclude checkpoint . && ls -la $OUT
