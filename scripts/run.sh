#!/usr/bin/env bash
# One command for a fresh Debian 12 machine (as root): install, build, and bring up the lab on
# the bundled default config (config/default.json: one Standard circuit, private peering):
# network namespaces for the CE and the two MSEEs, a link per MSEE with the circuit's real /30s
# on a VLAN sub-interface, msee-emu, and FRR as the customer edge configured as Microsoft's
# samples configure one (BFD 300 ms x 3). It waits until both sessions are Established, prints
# the route tables and leaves the lab running; then run a drill:
#   build/msee-ctl drill silent-failure        build/msee-ctl lab down
# Usage: scripts/run.sh [CONFIG]   (MSEE_LAB_CE=bird|builtin picks another CE)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --with-lab
bash scripts/build.sh build
config=${1:-config/default.json}
build/msee-ctl lab down > /dev/null 2>&1 || true   # a lab left by an earlier run
build/msee-ctl -o table lab up --config "$config" --ce "${MSEE_LAB_CE:-frr}"
