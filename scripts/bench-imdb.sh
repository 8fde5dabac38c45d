#!/usr/bin/env bash
# IMDB training benchmark: the seed config (configs/imdb-seed.yaml, the Keras tutorial) trained for its 4 epochs,
# then evaluated on the 25,000 test reviews; side by side with the PyTorch reference
# (../shared/reference/torch_imdb.py) when Debian's python3-torch is installed. Runs alternate (rnnlab, torch, ...)
# so both see the same machine; medians of the repeats are reported with the ratio of training times.
#
# Usage: scripts/bench-imdb.sh [-c CONFIG] [-t THREADS] [-e EPOCHS] [-r REPEATS] [-s SEEDS]
# -s 22,1,2 trains once per seed (rnnlab --set seed=N, the reference's --seed N) instead of repeating the config's
# seed, and adds the mean and standard deviation of the test accuracies: one run's accuracy moves by about half a
# point with the seed, so a quality figure needs several.
# Figures go to standard output and to runs/bench/imdb-TIMESTAMP.txt. Run it on an idle machine.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONFIG="configs/imdb-seed.yaml"
THREADS="$(nproc)"
EPOCHS=4
REPEATS=1
SEEDS=""
while getopts "c:t:e:r:s:" opt; do
  case "$opt" in
    c) CONFIG="$OPTARG" ;;
    t) THREADS="$OPTARG" ;;
    e) EPOCHS="$OPTARG" ;;
    r) REPEATS="$OPTARG" ;;
    s) SEEDS="$OPTARG" ;;
    *) echo "usage: $0 [-c CONFIG] [-t THREADS] [-e EPOCHS] [-r REPEATS] [-s SEEDS]" >&2; exit 2 ;;
  esac
done
if [ -n "$SEEDS" ]; then
  if ! [[ "$SEEDS" =~ ^[0-9]+(,[0-9]+)*$ ]]; then
    echo "$0: -s expects comma-separated non-negative integers, got '$SEEDS'" >&2; exit 2
  fi
  IFS=, read -r -a SEED_LIST <<<"$SEEDS"
  REPEATS="${#SEED_LIST[@]}"
fi
cd "$ROOT"
mkdir -p runs/bench
OUT="runs/bench/imdb-$(date +%Y%m%d-%H%M%S).txt"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/rnnlab-bench-imdb.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
REF="$ROOT/../shared/reference/torch_imdb.py"
HAVE_TORCH=0
if [ -f "$REF" ] && /usr/bin/python3 -c "import torch" 2>/dev/null; then
  HAVE_TORCH=1
fi
median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) print "nan"; else print (NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2)}'; }
json_field() { sed -E "s/.*\"$1\":([0-9.eE+-]+).*/\1/"; }

{
  echo "# rnnlab IMDB benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, $(scripts/rnnlab --version | head -1)"
  echo "# cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
  echo "# config=$CONFIG epochs=$EPOCHS threads=$THREADS repeats=$REPEATS seeds=${SEEDS:-config} torch=$HAVE_TORCH"
} | tee "$OUT"

train_s=(); acc=(); torch_s=(); torch_acc=()
for i in $(seq "$REPEATS"); do
  run="$WORK/run$i"
  seed_set=(); seed_ref=(); label="run $i"
  if [ -n "$SEEDS" ]; then
    seed="${SEED_LIST[$((i - 1))]}"
    seed_set=(--set "seed=$seed"); seed_ref=(--seed "$seed"); label="seed $seed"
  fi
  OMP_NUM_THREADS="$THREADS" scripts/rnnlab --quiet train --config "$CONFIG" --set "train.epochs=$EPOCHS" \
    "${seed_set[@]}" --run-dir "$run" >/dev/null
  # Seconds per epoch from the run's metrics (training only, no data loading or evaluation).
  epochs="$(awk -F, 'NR > 1 {printf "%s%s", sep, $6; sep=" "}' "$run/metrics.csv")"
  total="$(awk -F, 'NR > 1 {s += $6} END {printf "%.1f", s}' "$run/metrics.csv")"
  rps="$(awk -F, 'NR > 1 {s += $5; n++} END {printf "%.0f", s / n}' "$run/metrics.csv")"
  eval_json="$(OMP_NUM_THREADS="$THREADS" scripts/rnnlab --quiet eval --model "$run/best.zip" --split test --json)"
  a="$(json_field accuracy <<<"$eval_json")"
  train_s+=("$total"); acc+=("$a")
  printf "rnnlab  %s: %s s training (epochs: %s s), %s reviews/s, test accuracy %.4f\n" "$label" "$total" "$epochs" \
    "$rps" "$a" | tee -a "$OUT"
  if [ "$HAVE_TORCH" = 1 ] && [ -d datasets/imdb/train ]; then
    line="$(OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS="$THREADS" /usr/bin/python3 "$REF" --data datasets/imdb \
      --threads "$THREADS" --epochs "$EPOCHS" "${seed_ref[@]}" | grep '^Final test accuracy')"
    ts="$(sed -E 's/.*training seconds ([0-9.]+).*/\1/' <<<"$line")"
    ta="$(sed -E 's/^Final test accuracy ([0-9.]+).*/\1/' <<<"$line")"
    torch_s+=("$ts"); torch_acc+=("$ta")
    printf "pytorch %s: %s s training, test accuracy %s\n" "$label" "$ts" "$ta" | tee -a "$OUT"
  fi
done
o="$(printf '%s\n' "${train_s[@]}" | median)"
oa="$(printf '%s\n' "${acc[@]}" | median)"
if [ "${#torch_s[@]}" -gt 0 ]; then
  p="$(printf '%s\n' "${torch_s[@]}" | median)"
  pa="$(printf '%s\n' "${torch_acc[@]}" | median)"
  r="$(awk -v a="$p" -v b="$o" 'BEGIN {printf "%.2f", a / b}')"
else
  p="-"; pa="-"; r="-"
fi
printf "median: rnnlab %s s training (%s epochs), test accuracy %s | pytorch %s s, test accuracy %s | speed ratio rnnlab/torch %s\n" \
  "$o" "$EPOCHS" "$oa" "$p" "$pa" "$r" | tee -a "$OUT"
if [ -n "$SEEDS" ]; then
  meansd() { awk '{s += $1; q += $1 * $1; n++} END {m = s / n; v = n > 1 ? (q - n * m * m) / (n - 1) : 0; if (v < 0) v = 0; printf "%.4f +- %.4f (n=%d)", m, sqrt(v), n}'; }
  tm="-"
  if [ "${#torch_acc[@]}" -gt 0 ]; then tm="$(printf '%s\n' "${torch_acc[@]}" | meansd)"; fi
  printf "test accuracy over seeds %s, mean +- standard deviation: rnnlab %s | pytorch %s\n" "$SEEDS" \
    "$(printf '%s\n' "${acc[@]}" | meansd)" "$tm" | tee -a "$OUT"
fi
echo "# written to $OUT"
