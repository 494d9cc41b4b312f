#!/usr/bin/env bash
# Configures and builds msee-emu and msee-ctl (the product only: no unit tests, which only
# scripts/test.sh needs). Usage: scripts/build.sh [BUILD_DIR] [extra cmake args...]
# Default: build/ in Release with warnings as errors. MSEE_CONFIGURE_ONLY=1 stops after cmake.
set -euo pipefail
cd "$(dirname "$0")/.."
# ccache: hash paths relative to the checkout, so a fresh clone reuses earlier compilations.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
dir=${1:-build}
shift || true
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMSEE_WERROR=ON -DMSEE_TESTS=OFF "$@" \
  >/dev/null
[[ "${MSEE_CONFIGURE_ONLY:-0}" == 1 ]] && exit 0
cmake --build "$dir" -j"$(nproc)"
