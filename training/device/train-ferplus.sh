#!/bin/bash
# Call 2 (carry .devdata; run as `bash /tmp/jd/train-ferplus.sh` right after setup.sh, while the
# machine is warm). Results in $OUT. Two ways to train, both from the prepared params, soft labels:
#   FROM=images (the open path to 85 %): the FERPlus face packs themselves, augmented afresh every step,
#     the whole trunk after its stem trained with the heads (train.ts --images). No feature step.
#     First `bench:train --from-stem` times a step at two batch sizes (a minute), so the log says what
#     the GPU sustains even if the run is cut short. Not yet run on a GPU: EPOCHS is a guess.
#   FROM=features (default): trunk features at conv_pw_6 with TF.js on WebGPU, then the last 5 trunk
#     blocks + heads. EPOCHS=4 fits one call (H200, faceres-112: 95 s features, ~50 s per epoch);
#     BACKBONE=faceres-160 has ~2× the pixels, so its features get 240 s and the training the rest.
set -o pipefail
[ -x /tmp/node ] || { echo "no /tmp/node: run setup.sh on this machine first"; exit 3; }
export LD_LIBRARY_PATH=${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}/tmp/x11/usr/lib/x86_64-linux-gnu
export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json XDG_RUNTIME_DIR=/tmp
EPOCHS=${EPOCHS:-4}
BACKBONE=${BACKBONE:-faceres-112}
FROM=${FROM:-features}
REPO=$PWD
cd /tmp/jd  # setup.sh copied .device here: a later call carries only the data
SECONDS=0
# What is done comes back even if the lease ends mid-run: the run folder is re-packed every 15 s.
( while sleep 15; do [ -d /tmp/run/best ] && tar -cf $OUT/run.partial -C /tmp/run --exclude checkpoint . && mv $OUT/run.partial $OUT/run.tar; done ) &
if [ "$FROM" = images ]; then
  timeout 90 /tmp/node train-step.mjs --backend webgpu --from-stem $BACKBONE --batch 64,256 --seconds 8 2>&1 | grep -v '^    at' | tee $OUT/bench.log
  timeout $((540 - SECONDS)) /tmp/node train.mjs --images pack=$REPO/.devdata --backbone $BACKBONE --out /tmp/run --backend webgpu --tail-lr-scale 0.5 \
    --init-from init/params --soft-labels --epochs $EPOCHS --batch 128 --eval-batch 128 --lr 1e-4 --warmup-epochs 0.05 --seed 3 --log-every 20 2>&1 | grep -v '^    at' | tee $OUT/train.log
else
  FEATURE_SECONDS=$([ "$BACKBONE" = faceres-112 ] && echo 150 || echo 240)
  timeout $FEATURE_SECONDS /tmp/node cache-features.mjs --engine tfjs --backend webgpu --dataset pack=$REPO/.devdata --backbone $BACKBONE \
    --feature-node conv_pw_6_relu/clip_by_value --splits valid,train --views orig,flip --batch 256 --out /tmp/feat 2>&1 | grep -v '^    at' | tee $OUT/cache.log
  echo "features: ${SECONDS} s" | tee -a $OUT/cache.log
  timeout $((540 - FEATURE_SECONDS)) /tmp/node train.mjs --features /tmp/feat/$BACKBONE --out /tmp/run --backend webgpu --tail-blocks 5 --tail-lr-scale 0.5 \
    --init-from init/params --soft-labels --epochs $EPOCHS --batch 512 --lr 2e-4 --warmup-epochs 0.2 --seed 3 --log-every 20 2>&1 | grep -v '^    at' | tee $OUT/train.log
  cp /tmp/feat/$BACKBONE/train.json /tmp/feat/$BACKBONE/valid.json /tmp/run/ 2>/dev/null
fi
echo "total: ${SECONDS} s" | tee -a $OUT/train.log
kill %1
tar -cf $OUT/run.tar -C /tmp/run --exclude checkpoint . && ls -la $OUT
