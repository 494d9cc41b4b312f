#!/usr/bin/env bash
# One command for a fresh Debian 12 machine: install, build, run the emulator on the bundled
# default config (config/default.json: one ExpressRoute circuit on loopback, MSEEs 127.1.0.2 and
# 127.1.0.6). Ctrl-C stops it with Cease/Administrative Shutdown.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh build
config=${1:-config/default.json}
echo "msee-emu: running on $config (events in build/events.jsonl; Ctrl-C to stop)"
exec build/msee-emu --config "$config" --events build/events.jsonl
