#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/, one clang build in build-fuzz) and runs each over
# a copy of its seed corpus for a share of N seconds (default 60), so that all of them together
# fuzz for 10N/3 s at most (200 s for N = 60; CI's budget for fuzzing is 5 minutes):
#   decode_fuzz  BGP codec, N s; crashers kept as tests/bgp/wire/vectors/bad/<sha1>.bin and
#                replayed by tests/bgp/wire/bad_vectors_test.cpp;
#   bfd_fuzz     BFD codec + session, N/3 s; tests/bfd/vectors/bad/, tests/bfd/bad_vectors_test.cpp;
#   open_fuzz    OPEN, capabilities, negotiation and the FSM, N/2 s; tests/bgp/fsm/vectors/bad/,
#                tests/bgp/fsm/open_vectors_test.cpp;
#   config_fuzz  router and circuit config parsers (msee-emu --check), 3N/4 s;
#                tests/msee/config/vectors/bad/, tests/speaker/config_vectors_test.cpp and
#                tests/msee/config/config_vectors_test.cpp;
#   http_fuzz    the REST API behind Beast's request parser, 3N/4 s; tests/api/vectors/bad/,
#                tests/api/http_vectors_test.cpp.
# Each target gets at least 5 s. A target with tests/fuzz/<dict> uses it as its dictionary.
# Exits non-zero if any target found a crash.
#   scripts/fuzz.sh [seconds]
set -euo pipefail

secs="${1:-60}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build-fuzz"
targets=(decode_fuzz bfd_fuzz open_fuzz config_fuzz http_fuzz)

# -O1 with line tables: half the compile time of -O2 -g (CI builds this from cold), stack
# traces still name file:line.
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only -DNDEBUG" \
  -DCMAKE_CXX_COMPILER=clang++ -DMSEE_FUZZ=ON -DMSEE_TESTS=OFF >/dev/null
cmake --build "$build" --target "${targets[@]}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failed=0

share() {  # share NUMERATOR DENOMINATOR: secs * n / d, at least 5
  local s=$(( secs * $1 / $2 ))
  echo $(( s > 5 ? s : 5 ))
}

# run_target NAME SECONDS MAX_LEN CORPUS_DIR BAD_DIR [DICT]
run_target() {
  local name=$1 t=$2 max_len=$3 corpus=$4 bad=$5 dict=${6:-} rc f sha found=0
  local extra=()
  [[ -n "$dict" ]] && extra+=(-dict="$dict")
  mkdir -p "$work/$name/corpus" "$work/$name/artifacts"
  cp "$corpus"/* "$work/$name/corpus/"
  echo "fuzz.sh: $name for $t s" >&2
  set +e
  "$build/tests/fuzz/$name" -max_len="$max_len" -max_total_time="$t" -timeout=25 \
    -print_final_stats=1 -artifact_prefix="$work/$name/artifacts/" "${extra[@]}" \
    "$work/$name/corpus"
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

fz="$root/tests/fuzz"
run_target decode_fuzz "$(share 1 1)" 4200 "$fz/corpus" "$root/tests/bgp/wire/vectors/bad"
run_target bfd_fuzz "$(share 1 3)" 512 "$fz/bfd_corpus" "$root/tests/bfd/vectors/bad"
# An OPEN body: 4096 octets less the 19-octet header.
run_target open_fuzz "$(share 1 2)" 4077 "$fz/open_corpus" "$root/tests/bgp/fsm/vectors/bad"
run_target config_fuzz "$(share 3 4)" 16384 "$fz/config_corpus" \
  "$root/tests/msee/config/vectors/bad" "$fz/config.dict"
run_target http_fuzz "$(share 3 4)" 10240 "$fz/http_corpus" "$root/tests/api/vectors/bad" \
  "$fz/http.dict"
exit $failed
