#!/usr/bin/env bash
# The README's first command: build rnnlab, import PTB, train a short language model, evaluate it
# and sample from it. A few minutes on 2 cores.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if [ ! -f app/target/rnnlab.jar ]; then
  mvn -B -q -DskipTests package
fi
MIRROR="${RNNLAB_DATASETS_MIRROR:-$ROOT/../shared/datasets}"
export RNNLAB_DATASETS_MIRROR="$MIRROR"
RUN="runs/quickstart-$(date +%Y%m%d-%H%M%S)"
scripts/rnnlab train --config configs/ptb-quick.yaml --run-dir "$RUN"
scripts/rnnlab eval --model "$RUN/checkpoint.zip" --split valid --batch-size 20
scripts/rnnlab sample --model "$RUN/checkpoint.zip" --seed-text "the company said" --length 30 \
  --temperature 0.8 --top-k 40 --seed 7 --count 3
