#!/bin/sh
# Instructions per ORU^R01 (30 OBX) conversion, counted by valgrind's cachegrind: unlike a time,
# the count does not move with the machine's load, so a change of a few percent shows. It is
# the difference between 4 500 and 1 500 conversions in one process (warm-up and loading
# cancel out), divided by 3 000; V8 runs single-threaded, which keeps the JIT's choices nearly
# the same each time: runs of one build differ by up to ±0.5 %.
#
#   npm run build && sh bench/instructions.sh [MAPPING]     (default mappings/oru-r01.yaml)
#
# About 2 minutes (the two counts run side by side).
set -e
cd "$(dirname "$0")/.."
export MAPPING="${1:-mappings/oru-r01.yaml}"
out=$(mktemp -d)
count() {
  N=$1 valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
    node --single-threaded bench/convert-loop.mjs 2>&1 | sed -n 's/.*I *refs: *//p' | tr -d , > "$out/$1"
}
count 1500 & count 4500 & wait
a=$(cat "$out/1500"); b=$(cat "$out/4500"); rm -r "$out"
echo "$MAPPING: $(( (b - a) / 3000 )) instructions per message"
