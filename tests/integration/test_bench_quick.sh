#!/usr/bin/env bash
# tests/integration/test_bench_quick.sh — smoke run of the benchmark harness (bench/bgpbench.py,
# issue #3) at --quick sizes against msee-emu and BIRD: every scenario must converge for every
# target (including the harness floor), checked from the harness's exit status AND its JSON;
# then the failure path: a sink that waits for one prefix too many must make the harness exit 1.
# Loopback 127.31.0.0/16 only; the harness starts and stops (by PID) everything it uses.
set -u
ROOT=${MSEE_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
MSEE=${MSEE_EMU:-$ROOT/build/msee-emu}
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root (port 179)"
[ -x "$MSEE" ] || skip "msee-emu not found at $MSEE (set MSEE_EMU)"
command -v bird >/dev/null 2>&1 || skip "bird not installed"

OUT=$(mktemp -d /tmp/msee-it.bench.XXXXXX)
FAILS=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
start=$(date +%s)

# 1. quick run, both targets: must exit 0 and converge everywhere
timeout 240 "$PY" "$ROOT/bench/bgpbench.py" --quick --runs 1 --targets msee,bird \
  --msee "$MSEE" --json "$OUT/bench.json" > "$OUT/bench.log" 2>&1
rc=$?
cat "$OUT/bench.log"
if [ "$rc" = 0 ]; then pass "bgpbench --quick exited 0"; else fail "bgpbench --quick exited $rc"; fi

if "$PY" - "$OUT/bench.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
want_sc = ["1x1M", "1x1M-nhs", "10x100k", "300idle", "withdraw"]
bad = []
for sid in want_sc:
    sc = d["scenarios"].get(sid)
    if sc is None:
        bad.append(f"scenario {sid} missing")
        continue
    for t in ("floor", "msee", "bird"):
        runs = sc["runs"].get(t, [])
        if len(runs) != 1 or not runs[0].get("ok"):
            bad.append(f"{sid}/{t}: not converged ({runs[0].get('error') if runs else 'no run'})")
            continue
        r = runs[0]
        keys = ["announce_s"] + (["withdraw_s", "reannounce_s"] if sid == "withdraw" else [])
        for k in keys:
            if not isinstance(r.get(k), (int, float)) or r[k] < 0:
                bad.append(f"{sid}/{t}: {k} = {r.get(k)!r}")
        total = sc["peers"] * sc["per_peer"]
        want_ann = total * (2 if sid == "withdraw" else 1)
        if r["sink"].get("ann", 0) < want_ann:
            bad.append(f"{sid}/{t}: sink counted {r['sink'].get('ann')} < {want_ann} prefixes")
        if t != "floor" and not r.get("rss_hwm"):
            bad.append(f"{sid}/{t}: no peak RSS")
if bad:
    print("\n".join(bad))
    sys.exit(1)
print("all scenarios converged for floor, msee, bird")
EOF
then pass "JSON: every scenario converged for floor, msee-emu and BIRD"
else fail "JSON: a run did not converge (see above)"; fi

# 2. failure path: the sink waits for one prefix more than is sent -> exit status 1
timeout 120 "$PY" "$ROOT/bench/bgpbench.py" --quick --runs 1 --targets bird --no-floor \
  --scenarios 1x1M --expect-extra 1 --timeout 5 --stall 3 > "$OUT/fail.log" 2>&1
rc=$?
if [ "$rc" = 1 ] && grep -q "FAILED runs" "$OUT/fail.log"; then
  pass "a run that cannot converge makes bgpbench exit 1"
else
  cat "$OUT/fail.log"; fail "non-converging run: exit status $rc (want 1)"
fi

verdict=passed
[ $FAILS = 0 ] || verdict=FAILED
echo "RESULT: bench_quick $verdict ($(( $(date +%s) - start )) s, log in $OUT)"
[ $FAILS = 0 ] && rm -rf "$OUT"
[ $FAILS = 0 ]
