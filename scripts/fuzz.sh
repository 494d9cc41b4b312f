#!/usr/bin/env bash
# Runs the decode_fuzz libFuzzer target (tests/fuzz/) for N seconds (default 60) over a copy of
# the seed corpus in tests/fuzz/corpus/. A crashing input is kept as
# tests/bgp/wire/vectors/bad/<sha1>.bin, which bad_vectors_test.cpp replays from then on, and
# the script exits non-zero.
#   scripts/fuzz.sh [seconds]
set -euo pipefail

secs="${1:-60}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build-fuzz"
bad="$root/tests/bgp/wire/vectors/bad"

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=clang++ -DMSEE_FUZZ=ON -DMSEE_TESTS=OFF >/dev/null
cmake --build "$build" --target decode_fuzz

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$work/artifacts"
cp "$root"/tests/fuzz/corpus/* "$work/corpus/"

set +e
"$build/tests/fuzz/decode_fuzz" -max_len=4200 -max_total_time="$secs" -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" "$work/corpus"
rc=$?
set -e

found=0
for f in "$work"/artifacts/*; do
  [[ -f "$f" ]] || continue
  sha="$(sha1sum "$f" | cut -d' ' -f1)"
  mkdir -p "$bad"
  cp "$f" "$bad/$sha.bin"
  echo "fuzz.sh: $(basename "$f") saved as tests/bgp/wire/vectors/bad/$sha.bin" >&2
  found=1
done
if [[ $found -ne 0 ]]; then
  exit 1
fi
exit "$rc"
