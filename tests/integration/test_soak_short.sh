#!/usr/bin/env bash
# test_soak_short.sh — the short version of the soak (issue #14, bench/soak.py): 200 session
# flaps and 200 route-limit cycles against MSEE sessions, measured after the soak's warm-up (the
# event ring filled and turned over), must leave msee-emu's RSS and open descriptors flat: the
# value at the end within 5 % of the value after the first 100 (descriptors: or + 2), checked
# from the script's exit status AND recomputed from its JSON. Then the failure path: the same
# flaps without the warm-up let the event ring's (bounded, but real) growth show between the
# 100th flap and the end, and the soak must say so (exit 1, rss_flat false).
# 300 flap + 100 limit circuits on loopback 127.62.0.0/16 (CE .1/.5, MSEE .2/.6 of each /29),
# BGP port 11180: no root needed, nothing else uses that block. ~55 s.
set -u
source "$(dirname "$0")/lib.sh"
it_init soak_short
# Under ASan the allocator's quarantine holds freed memory by design, so RSS grows with churn:
# no leak measure. scripts/test.sh runs this test again against the Release build.
if ldd "$MSEE_EMU" 2>/dev/null | grep -q libasan; then
  skip "msee-emu is an ASan build: RSS is not a leak measure there (run against build/msee-emu)"
fi
ROOT=${MSEE_SOURCE_DIR:-$(cd "$IT_LIB_DIR/../.." && pwd)}
it_require_ports "127.62.0.2 11180" "127.62.12.134 11180"
export TMPDIR=$T   # soak.py's own workdirs (kept when it fails) go with the test's
SOAK=("$IT_PY" "$ROOT/bench/soak.py" --msee "$MSEE_EMU" --net 62 --port 11180
      --flap-circuits 300 --progress 10)

# 1. flat: 200 flaps and 200 limit cycles (baseline after 100 of each)
timeout 200 "${SOAK[@]}" --flaps 200 --limit-cycles 200 --limit-circuits 100 \
  --json "$T/soak.json" > "$T/soak.out" 2> "$T/soak.err"
rc=$?
cat "$T/soak.out"
it_watch "soak progress" "$T/soak.err"
check "soak.py exits 0 (RSS and fds flat, no protocol error)" test "$rc" = 0
[ -s "$T/soak.json" ] || die "soak.py wrote no JSON"
# phase_ok PHASE EXPR [FILE]: EXPR holds over the JSON with p = the phase, f / e = its samples
# after the first 100 / at the end, v = its verdict
phase_ok() {
  jpy "(lambda d, p: (lambda f, e, v: $2)(p['samples']['first'], p['samples']['end'],
       p.get('verdict')))(d, d['phases']['$1'])" < "${3:-$T/soak.json}"
}
for ph in flap limit; do
  check "$ph: 200 measured, none failed, msee-emu's event log agrees" \
    phase_ok $ph "p['done'] == 200 and p['n_errors'] == 0 and d['cross_check']['ok'] and d['alive']"
  check "$ph: RSS at the end within 5 % of the value after the first 100" \
    phase_ok $ph "print('    RSS kB after 100:', f['rss_kb'], 'end:', e['rss_kb'])
                  or e['rss_kb'] <= f['rss_kb'] * 1.05"
  check "$ph: open fds at the end within 5 % (or 2) of the value after the first 100" \
    phase_ok $ph "print('    fds after 100:', f['fds'], 'end:', e['fds'])
                  or e['fds'] <= max(f['fds'] * 1.05, f['fds'] + 2)"
  # Stricter than the issue's 5 %: at a quiescent point the count is exact (5 % of ~2,400 would
  # let ~120 leaked descriptors through); 2 = msee-emu's own connection attempts of a moment.
  check "$ph: open fds back to the value after the first 100, give or take 2" \
    phase_ok $ph "abs(e['fds'] - f['fds']) <= 2"
done
check "the measured flaps ended with Cease, FIN and RST alike" \
  phase_ok flap "sum(p['teardowns'].values()) == 200
                 and all(p['teardowns'].get(k, 0) >= 40 for k in ('cease', 'fin', 'rst'))"

# 2. the assertion bites: without the warm-up the event ring (kCapacity 10,000 events, ~0.45 kB
#    each) is still filling between the 100th flap and the 1,000th: several MB on ~30.
timeout 120 "${SOAK[@]}" --flaps 1000 --limit-cycles 0 --warmup-events 0 \
  --json "$T/nowarmup.json" > "$T/nowarmup.out" 2> "$T/nowarmup.err"
rc=$?
it_watch "soak without warm-up" "$T/nowarmup.out"
check "growth between the 100th flap and the end makes soak.py exit 1" test "$rc" = 1
check "... and its JSON says RSS grew (rss_flat false), with no protocol error" \
  phase_ok flap "print('    RSS kB after 100:', v['rss_kb_first'], 'end:', v['rss_kb_end'],
                       '(%+.1f %%)' % v['rss_change_pct'])
                 or (not v['rss_flat'] and not d['pass'] and p['n_errors'] == 0)" "$T/nowarmup.json"
it_finish
