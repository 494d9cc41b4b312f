#!/usr/bin/env bash
# test_run_builds_product_only.sh — a newcomer's first command (scripts/run.sh) builds only
# msee-emu and msee-ctl, not the unit tests: scripts/build.sh, which run.sh calls, is
# configured into a scratch directory and its build graph must hold the product and no test.
set -u
source "$(dirname "$0")/lib.sh"
it_need cmake ninja
it_init run_builds_product_only
src=${MSEE_SOURCE_DIR:?}
check "run.sh builds through scripts/build.sh" grep -q '^bash scripts/build.sh build$' "$src/scripts/run.sh"
MSEE_CONFIGURE_ONLY=1 bash "$src/scripts/build.sh" "$T/build" > "$T/configure.log" 2>&1
ninja -C "$T/build" -t targets all > "$T/targets.txt"
check "the graph builds msee-emu and msee-ctl" \
  bash -c "grep -q '^msee-emu:' '$T/targets.txt' && grep -q '^msee-ctl:' '$T/targets.txt'"
check "and no unit test (unit_*, catch_main)" \
  bash -c "! grep -Eq '^(tests/)?(unit_[a-z_]+|.*catch_main.*):' '$T/targets.txt'"
it_finish
