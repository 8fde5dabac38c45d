#!/usr/bin/env bash
# A/B training-speed benchmark of two rnnlab jars (for example the last release and a change): runs
# `rnnlab bench` with jar A, then jar B, REPEATS times alternated, so both see the same machine, and
# reports each jar's median words/s and the ratio B/A.
#
# Usage: scripts/bench-ab.sh -a A.jar -b B.jar [-c CONFIG] [-t THREADS] [-n STEPS] [-w WARMUP] [-r REPEATS]
# Figures go to standard output and to runs/bench/ab-TIMESTAMP.txt. Run it on an idle machine.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONFIG="configs/ptb-small.yaml"
THREADS=2
STEPS=200
WARMUP=200
REPEATS=3
A=""
B=""
while getopts "a:b:c:t:n:w:r:" opt; do
  case "$opt" in
    a) A="$OPTARG" ;;
    b) B="$OPTARG" ;;
    c) CONFIG="$OPTARG" ;;
    t) THREADS="$OPTARG" ;;
    n) STEPS="$OPTARG" ;;
    w) WARMUP="$OPTARG" ;;
    r) REPEATS="$OPTARG" ;;
    *) echo "usage: $0 -a A.jar -b B.jar [-c CONFIG] [-t THREADS] [-n STEPS] [-w WARMUP] [-r REPEATS]" >&2; exit 2 ;;
  esac
done
for jar in "$A" "$B"; do
  if [ ! -f "$jar" ]; then
    echo "bench-ab: error: jar '$jar' not found (give both with -a and -b)" >&2
    exit 2
  fi
done
cd "$ROOT"
mkdir -p runs/bench
OUT="runs/bench/ab-$(date +%Y%m%d-%H%M%S).txt"
median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) print "nan"; else print (NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2)}'; }
# Older jars print camelCase JSON keys, newer ones snake_case.
wps() { sed -E 's/.*"(wordsPerSecond|words_per_second)":([0-9.eE+-]+).*/\2/'; }
run() { OMP_NUM_THREADS="$THREADS" RNNLAB_JAR="$1" scripts/rnnlab --quiet bench --config "$CONFIG" --steps "$STEPS" --warmup "$WARMUP" --json | wps; }
{
  echo "# rnnlab A/B benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
  echo "# A=$A"
  echo "# B=$B"
  echo "# config=$CONFIG threads=$THREADS steps=$STEPS warmup=$WARMUP repeats=$REPEATS"
} | tee "$OUT"
as=(); bs=()
for i in $(seq "$REPEATS"); do
  a="$(run "$A")"; b="$(run "$B")"
  as+=("$a"); bs+=("$b")
  echo "pair $i: A $a  B $b words/s" | tee -a "$OUT"
done
ma="$(printf '%s\n' "${as[@]}" | median)"
mb="$(printf '%s\n' "${bs[@]}" | median)"
echo "median: A $ma  B $mb words/s  B/A $(awk -v a="$ma" -v b="$mb" 'BEGIN {printf "%.3f", b / a}')" | tee -a "$OUT"
echo "written to $OUT"
