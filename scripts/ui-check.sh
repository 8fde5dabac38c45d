#!/usr/bin/env bash
# Checks DL4J's training UI in a real browser. Trains a tiny PTB run with --ui (or takes the run folder given as the
# first argument), serves it with `rnnlab ui` on a free loopback port, shows with ss that the port listens on
# 127.0.0.1 only, fetches the overview JSON, and loads the overview page in headless Chromium (Debian's `chromium`
# package), saving a screenshot under runs/. Look at the screenshot: the overview's score chart must show a curve.
#
# Usage: scripts/ui-check.sh [RUN_DIR]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
command -v chromium >/dev/null || { echo "ui-check: needs Debian's chromium (apt-get install -y chromium)" >&2; exit 2; }
STAMP="$(date +%Y%m%d-%H%M%S)"
RUN="${1:-}"
if [ -z "$RUN" ]; then
  RUN="runs/ui-check-$STAMP"
  export RNNLAB_DATASETS_MIRROR="${RNNLAB_DATASETS_MIRROR:-$ROOT/../shared/datasets}"
  # About 100 steps of a small model: enough for a score curve, a minute or two on 2 cores.
  nice -n 10 scripts/rnnlab --quiet train --config configs/ptb-quick.yaml --run-dir "$RUN" \
    --set data.train_words=20000 --set model.hidden_size=50 --set train.batch_size=10 \
    --ui --ui-port 0 --ui-every 2
fi
LOG="$(mktemp)"
PROFILE="$(mktemp -d)"
scripts/rnnlab ui "$RUN" --port 0 >"$LOG" 2>&1 &
UI_PID=$!
cleanup() { kill "$UI_PID" 2>/dev/null || true; wait "$UI_PID" 2>/dev/null || true; rm -rf "$PROFILE" "$LOG"; }
trap cleanup EXIT
URL=""
for _ in $(seq 1 120); do
  URL="$(grep -o 'http://127.0.0.1:[0-9]*/train/overview' "$LOG" || true)"
  [ -n "$URL" ] && break
  kill -0 "$UI_PID" 2>/dev/null || { cat "$LOG" >&2; exit 1; }
  sleep 1
done
[ -n "$URL" ] || { echo "ui-check: the UI did not start within 120 s" >&2; cat "$LOG" >&2; exit 1; }
PORT="${URL#http://127.0.0.1:}"; PORT="${PORT%%/*}"
echo "UI: $URL"
echo "--- ss -ltnp (port $PORT)"
ss -ltnp | awk -v p=":$PORT" 'NR == 1 || $4 ~ p"$"'
# Java listens through an IPv6 socket where it can: 127.0.0.1 then shows as [::ffff:127.0.0.1].
if ss -ltn | awk '{print $4}' | grep -E ":$PORT\$" | grep -vqE "^(127\.0\.0\.1|\[::ffff:127\.0\.0\.1\]):$PORT\$"; then
  echo "ui-check: port $PORT listens beyond 127.0.0.1" >&2; exit 1
fi
SCORES="$(curl -s "${URL}/data" | tr -d ' \n' | grep -o '"scores":\[[^]]*\]' | head -c 200 || true)"
echo "overview JSON: ${SCORES:-no scores}"
[ -n "$SCORES" ] && [ "$SCORES" != '"scores":[]' ] || { echo "ui-check: the overview JSON has no scores" >&2; exit 1; }
SHOT="$ROOT/runs/ui-check-$STAMP.png"
mkdir -p "$ROOT/runs"
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$PROFILE" --hide-scrollbars \
  --window-size=1400,1000 --virtual-time-budget=15000 --screenshot="$SHOT" "$URL" 2>/dev/null
echo "screenshot: $SHOT"
