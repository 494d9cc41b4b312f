#!/usr/bin/env bash
# Runs the libFuzzer targets (tests/fuzz/) over copies of their seed corpora:
#   decode_fuzz (BGP codec) for N seconds (default 60), crashers kept as
#     tests/bgp/wire/vectors/bad/<sha1>.bin and replayed by bad_vectors_test.cpp;
#   bfd_fuzz (BFD codec + session) for N/3 seconds, crashers kept as
#     tests/bfd/vectors/bad/<sha1>.bin and replayed by tests/bfd/bad_vectors_test.cpp.
# Exits non-zero if either target found a crash.
#   scripts/fuzz.sh [seconds]
set -euo pipefail

secs="${1:-60}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build-fuzz"

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=clang++ -DMSEE_FUZZ=ON -DMSEE_TESTS=OFF >/dev/null
cmake --build "$build" --target decode_fuzz bfd_fuzz

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failed=0

# run_target NAME SECONDS MAX_LEN CORPUS_DIR BAD_DIR
run_target() {
  local name=$1 t=$2 max_len=$3 corpus=$4 bad=$5 rc f sha found=0
  mkdir -p "$work/$name/corpus" "$work/$name/artifacts"
  cp "$corpus"/* "$work/$name/corpus/"
  set +e
  "$build/tests/fuzz/$name" -max_len="$max_len" -max_total_time="$t" -print_final_stats=1 \
    -artifact_prefix="$work/$name/artifacts/" "$work/$name/corpus"
  rc=$?
  set -e
  for f in "$work/$name"/artifacts/*; do
    [[ -f "$f" ]] || continue
    sha="$(sha1sum "$f" | cut -d' ' -f1)"
    mkdir -p "$bad"
    cp "$f" "$bad/$sha.bin"
    echo "fuzz.sh: $name: $(basename "$f") saved as ${bad#"$root"/}/$sha.bin" >&2
    found=1
  done
  if [[ $found -ne 0 || $rc -ne 0 ]]; then
    echo "fuzz.sh: $name failed (exit $rc)" >&2
    failed=1
  fi
}

run_target decode_fuzz "$secs" 4200 "$root/tests/fuzz/corpus" "$root/tests/bgp/wire/vectors/bad"
run_target bfd_fuzz "$(( secs / 3 > 5 ? secs / 3 : 5 ))" 512 "$root/tests/fuzz/bfd_corpus" \
  "$root/tests/bfd/vectors/bad"
exit $failed
