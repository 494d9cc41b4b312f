#!/usr/bin/env bash
# One command for a fresh Debian 12 machine: install, build, run every test.
#   1. build with ASan+UBSan (warnings as errors) and run all unit and integration tests
#      (integration = real FRR, BIRD, GoBGP, ExaBGP peers started by the tests);
#   2. build Release (warnings as errors, product only: the tests ran optimised under ASan);
#   3. the container image from those Release binaries and the containerlab topologies, run
#      with podman (tests/container/, label container);
#   4. check module layering; 5. the libFuzzer targets for a bounded time (scripts/fuzz.sh).
# Environment: MSEE_FUZZ_SECONDS (default 30; all five targets together take about 3.5 x that), MSEE_SKIP_INTEGRATION=1 to skip real peers.
set -euo pipefail
cd "$(dirname "$0")/.."
# ccache: hash paths relative to the checkout, so a fresh clone reuses earlier compilations.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
start=$(date +%s)
step() { echo; echo "=== $* ($(( $(date +%s) - start )) s)"; }

step "install dependencies"
bash scripts/install-deps.sh --with-test-peers

step "layering check"
bash scripts/check-layers.sh

step "build with ASan+UBSan"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMSEE_WERROR=ON \
  -DMSEE_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$(nproc)"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

step "unit + integration tests under ASan+UBSan"
# The container test runs later, on the Release build (below).
labels=(-LE container)
if [[ "${MSEE_SKIP_INTEGRATION:-0}" == 1 ]]; then
  labels=(-L unit)
fi
ctest --test-dir build-asan --output-on-failure -j2 "${labels[@]}"

# The ASan build is optimised at -O1 (CMakeLists.txt); the Release build checks that the
# product compiles warning-free at -O3 (what scripts/run.sh builds), without the tests.
step "Release build (-Werror, no tests)"
bash scripts/build.sh build

# The soak's RSS/descriptor flatness means nothing under ASan's quarantine: the short soak runs
# here against the Release binary (the ASan run above skipped it).
step "short soak against the Release build"
MSEE_EMU="$PWD/build/msee-emu" MSEE_SOURCE_DIR="$PWD" bash tests/integration/test_soak_short.sh

# The image takes the Release binaries just built (no second compilation), then the shipped
# containerlab topologies run with podman against FRR, BIRD and OpenBGPD containers.
step "container image and containerlab topologies (podman)"
if [[ "${MSEE_SKIP_INTEGRATION:-0}" != 1 ]]; then
  ctest --test-dir build-asan --output-on-failure -L container
fi

step "fuzz (decoder, BFD, OPEN, configs, REST API)"
bash scripts/fuzz.sh "${MSEE_FUZZ_SECONDS:-30}"

step "all tests passed"
