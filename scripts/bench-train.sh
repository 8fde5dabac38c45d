#!/usr/bin/env bash
# Training-speed benchmark: rnnlab's words/s on PTB language-model configs, at each thread count,
# side by side with the PyTorch reference (../shared/reference/torch_ptb.py) when Debian's
# python3-torch is installed. Runs alternate (rnnlab, torch, rnnlab, torch, ...) so both see the same
# machine; the median of the repeats is reported with the ratio rnnlab/torch.
#
# Usage: scripts/bench-train.sh [-c "configs/ptb-small.yaml ..."] [-t "1 2"] [-n STEPS] [-w WARMUP] [-r REPEATS] [-s SET]...
# Figures go to standard output and to runs/bench/train-TIMESTAMP.txt. Run it on an idle machine.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONFIGS="configs/ptb-small.yaml"
THREADS="1 2"
STEPS=300
WARMUP=300
REPEATS=3
SETS=()
while getopts "c:t:n:w:r:s:" opt; do
  case "$opt" in
    c) CONFIGS="$OPTARG" ;;
    t) THREADS="$OPTARG" ;;
    n) STEPS="$OPTARG" ;;
    w) WARMUP="$OPTARG" ;;
    r) REPEATS="$OPTARG" ;;
    s) SETS+=(--set "$OPTARG") ;;
    *) echo "usage: $0 [-c CONFIGS] [-t THREADS] [-n STEPS] [-w WARMUP] [-r REPEATS] [-s KEY=VALUE]..." >&2; exit 2 ;;
  esac
done
cd "$ROOT"
mkdir -p runs/bench
OUT="runs/bench/train-$(date +%Y%m%d-%H%M%S).txt"
REF="$ROOT/../shared/reference/torch_ptb.py"
# rnnlab imports PTB into datasets/ptb on first use (from RNNLAB_DATASETS_MIRROR); the reference reads it there.
PTB_DIR="$ROOT/datasets/ptb"
# Debian's OpenBLAS misdetects some virtual AVX-512 processors (generic kernels); name the core there.
# Elsewhere (for example AMD Zen) its own detection is right, and forcing SkylakeX would crash.
if [ -z "${OPENBLAS_CORETYPE:-}" ] && grep -qw avx512f /proc/cpuinfo; then
  export OPENBLAS_CORETYPE=SkylakeX
fi
HAVE_TORCH=0
if [ -f "$REF" ] && /usr/bin/python3 -c "import torch" 2>/dev/null; then
  HAVE_TORCH=1
fi
median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) print "nan"; else print (NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2)}'; }

{
  echo "# rnnlab training benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, $(scripts/rnnlab --version | head -1)"
  echo "# cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-auto}"
  echo "# steps=$STEPS warmup=$WARMUP repeats=$REPEATS sets=${SETS[*]:-none} torch=$HAVE_TORCH"
  printf "%-28s %-8s %7s %12s %12s %8s\n" config cell threads rnnlab_wps torch_wps ratio
} | tee "$OUT"

for cfg in $CONFIGS; do
  size="$(basename "$cfg" .yaml | sed -E 's/^ptb-//; s/-.*$//')"
  for t in $THREADS; do
    ours=(); theirs=(); cell=""
    for _ in $(seq "$REPEATS"); do
      json="$(OMP_NUM_THREADS="$t" scripts/rnnlab --quiet bench --config "$cfg" --steps "$STEPS" --warmup "$WARMUP" "${SETS[@]}" --json)"
      ours+=("$(sed -E 's/.*"words_per_second":([0-9.eE+-]+).*/\1/' <<<"$json")")
      cell="$(sed -E 's/.*"cell":"([a-z]+)".*/\1/' <<<"$json")"
      if [ "$HAVE_TORCH" = 1 ] && [ "$cell" = lstm ] && [ -f "$PTB_DIR/ptb.train.txt" ]; then
        line="$(OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS="$t" /usr/bin/python3 "$REF" \
          --data "$PTB_DIR" --config "$size" --threads "$t" --bench-steps "$STEPS" | grep '^BENCH')"
        theirs+=("$(sed -E 's/.*words\/sec=([0-9.]+).*/\1/' <<<"$line")")
      fi
    done
    o="$(printf '%s\n' "${ours[@]}" | median)"
    if [ "${#theirs[@]}" -gt 0 ]; then
      p="$(printf '%s\n' "${theirs[@]}" | median)"
      r="$(awk -v a="$o" -v b="$p" 'BEGIN {printf "%.2f", a / b}')"
    else
      p="-"; r="-"
    fi
    printf "%-28s %-8s %7s %12.0f %12s %8s   (rnnlab runs: %s; torch runs: %s)\n" "$cfg" "$cell" "$t" "$o" "$p" "$r" \
      "${ours[*]}" "${theirs[*]:-}" | tee -a "$OUT"
  done
done
echo "# written to $OUT"
