# shellcheck shell=bash
# tests/integration/lib.sh — shared harness of the msee-emu interop tests: a private temp dir per
# test, starting msee-emu / FRR bgpd / BIRD 2 / GoBGP / ExaBGP with their sockets and logs in it,
# wall-clock-bounded waits, PASS/FAIL bookkeeping, and an EXIT trap that stops every process the
# test started BY ITS PID (SIGTERM, bounded wait, SIGKILL) and dumps the logs when a check failed.
# Loopback only: tests use 127.<N>.0.0/24 (one block per test file) and ::1 with per-test ports.
#
#   source "$(dirname "$0")/lib.sh"; it_init frr
#   start_msee NAME CONFIG ; start_frr NAME CONF PORT ADDR... ; start_bird NAME CONF ;
#   start_gobgp NAME CONF ; start_exabgp NAME CONF
#   check "what" CMD... ; check_wait SECS "what" CMD... ; it_finish

IT_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ -x /usr/bin/python3 ]; then IT_PY=/usr/bin/python3; else IT_PY=python3; fi
IT_FAILS=0
IT_PASSES=0
IT_PIDS_FILE=
IT_LOGS=()

it_log() { echo "[$(date +%H:%M:%S.%3N)] $*"; }
pass() { IT_PASSES=$((IT_PASSES + 1)); echo "PASS: $*"; }
IT_FAILED=()
fail() { IT_FAILS=$((IT_FAILS + 1)); IT_FAILED+=("$*"); echo "FAIL: $*"; }
# die: a prerequisite failed; the remaining checks make no sense
die() { fail "$*"; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }

# check "description" CMD... : PASS/FAIL on CMD's exit status
check() {
  local what=$1; shift
  if "$@"; then pass "$what"; return 0; fi
  fail "$what"; return 1
}
# check_wait SECS "description" CMD... : poll CMD until it succeeds or SECS elapse
check_wait() {
  local t=$1 what=$2; shift 2
  if it_wait "$t" "$@"; then pass "$what"; return 0; fi
  fail "$what (not within ${t}s)"; return 1
}
# check_never SECS "description" CMD... : PASS iff CMD never succeeds during SECS
check_never() {
  local t=$1 what=$2; shift 2
  if it_wait "$t" "$@"; then fail "$what"; return 1; fi
  pass "$what"; return 0
}

it_now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
# it_wait SECS CMD... : poll CMD every 0.2 s, bounded by wall clock (a slow CLI stretches loops)
it_wait() {
  local t=$1 end; shift
  end=$(( $(date +%s%N) + ${t%.*} * 1000000000 ))
  while :; do
    "$@" >/dev/null 2>&1 && return 0
    [ "$(date +%s%N)" -lt "$end" ] || return 1
    sleep 0.2
  done
}
# it_wait_eq SECS WANT CMD... : poll until CMD's stdout equals WANT (re-runs CMD every time)
it_wait_eq() {
  local t=$1 want=$2 end; shift 2
  end=$(( $(date +%s%N) + ${t%.*} * 1000000000 ))
  while :; do
    [ "$("$@" 2>/dev/null)" = "$want" ] && return 0
    [ "$(date +%s%N)" -lt "$end" ] || return 1
    sleep 0.2
  done
}
# eq WANT CMD... : CMD's stdout equals WANT (prints both on mismatch)
eq() {
  local want=$1 got; shift
  got=$("$@" 2>/dev/null)
  [ "$got" = "$want" ] && return 0
  echo "    want: $want" >&2; echo "    got:  $got" >&2
  return 1
}

# ------------------------------------------------------------------ JSON and the event log
# jpy EXPR: evaluate EXPR over the JSON document on stdin (bound to d); see itq.py
jpy() { "$IT_PY" "$IT_LIB_DIR/itq.py" json "$1"; }
ev_has() { "$IT_PY" "$IT_LIB_DIR/itq.py" has "$1" "$2"; }
ev_count() { "$IT_PY" "$IT_LIB_DIR/itq.py" count "$1" "$2"; }
ev_show() { "$IT_PY" "$IT_LIB_DIR/itq.py" show "$1" "$2"; }
ev_last() { "$IT_PY" "$IT_LIB_DIR/itq.py" last "$1" "$2" "$3"; }
# ev_lines FILE : current number of lines (use as a mark; ev_after FILE MARK shows the rest)
ev_lines() { if [ -f "$1" ]; then wc -l < "$1" | tr -d ' '; else echo 0; fi; }
ev_after() { tail -n +"$(( $2 + 1 ))" "$1" 2>/dev/null; }
# ev_since FILE MARK EXPR : some line after line MARK satisfies EXPR
ev_since() { ev_after "$1" "$2" | "$IT_PY" "$IT_LIB_DIR/itq.py" has /dev/stdin "$3"; }

# ------------------------------------------------------------------ lifecycle
it_init() {
  IT_NAME=$1
  [ -n "${MSEE_EMU:-}" ] || { echo "FAIL: MSEE_EMU is not set (path to the msee-emu binary)"; exit 2; }
  [ -x "$MSEE_EMU" ] || { echo "FAIL: MSEE_EMU=$MSEE_EMU is not executable"; exit 2; }
  MSEE_EMU=$(cd "$(dirname "$MSEE_EMU")" && pwd)/$(basename "$MSEE_EMU")
  T=$(mktemp -d "/tmp/msee-it.$IT_NAME.XXXXXX")
  chmod 755 "$T"
  IT_PIDS_FILE=$T/pids
  : > "$IT_PIDS_FILE"
  IT_T0=$(it_now_ms)
  export T
  trap 'it__on_exit $?' EXIT
  trap 'exit 130' INT TERM HUP
  it_log "test $IT_NAME: workdir $T, msee-emu $MSEE_EMU"
}

# it_need CMD... : skip (exit 77) unless every command exists
it_need() {
  local c
  for c in "$@"; do command -v "$c" >/dev/null 2>&1 || [ -x "$c" ] || skip "$c not installed"; done
}

# it_port_free ADDR PORT : nobody listens on ADDR:PORT nor on the wildcard address of that port
it_port_free() {
  local addr=$1 port=$2
  ! ss -Hltn 2>/dev/null | awk -v a="$addr" -v p="$port" '
      { la = $4; i = match(la, /:[0-9]+$/); h = substr(la, 1, i - 1); q = substr(la, i + 1)
        gsub(/^\[|\]$/, "", h); sub(/%.*$/, "", h)
        if (q == p && (h == a || h == "*" || h == "0.0.0.0" || h == "::")) { found = 1 } }
      END { exit !found }'
}
# it_require_ports "ADDR PORT" ... : abort (not a product failure: exit 2) if one is taken
it_require_ports() {
  local ap
  for ap in "$@"; do
    # shellcheck disable=SC2086
    it_port_free $ap || { echo "FAIL: $ap is already in use (another test or daemon?)"; ss -Hltnp | grep -F ":${ap#* }" ; exit 2; }
  done
}

it__record() { echo "$1 $2" >> "$IT_PIDS_FILE"; }
# it__cp SRC DST : a daemon's config into its directory, unless it was written there already
it__cp() { [ "$1" -ef "$2" ] || cp "$1" "$2"; }
it_pid_of() { awk -v n="$1" '$1==n{print $2}' "$IT_PIDS_FILE" | tail -1; }
# it_watch LABEL FILE : dump FILE (last lines) if the test fails
it_watch() { IT_LOGS+=("$1|$2"); }

# A multi-threaded daemon's leader thread may be a zombie while other threads still hold the
# listening socket, so "alive" means: some thread is not Z/X.
it_pid_alive() {
  local pid=$1 t st
  [ -d "/proc/$pid" ] || return 1
  for t in /proc/"$pid"/task/*/stat; do
    st=$(sed 's/.*) //' "$t" 2>/dev/null | cut -d' ' -f1)
    [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ] && return 0
  done
  return 1
}
# it_stop_pid PID [SECS] : SIGTERM (+SIGCONT in case it was stopped), bounded wait, SIGKILL
it_stop_pid() {
  local pid=$1 t=${2:-5} end
  it_pid_alive "$pid" || { wait "$pid" 2>/dev/null; return 0; }
  kill -TERM "$pid" 2>/dev/null; kill -CONT "$pid" 2>/dev/null
  end=$(( $(date +%s%N) + t * 1000000000 ))
  while [ "$(date +%s%N)" -lt "$end" ]; do
    it_pid_alive "$pid" || { wait "$pid" 2>/dev/null; return 0; }
    sleep 0.1
  done
  echo "WARN: pid $pid did not exit ${t}s after SIGTERM, sending SIGKILL" >&2
  kill -KILL "$pid" 2>/dev/null
  end=$(( $(date +%s%N) + 3000000000 ))
  while [ "$(date +%s%N)" -lt "$end" ]; do
    it_pid_alive "$pid" || { wait "$pid" 2>/dev/null; return 0; }
    sleep 0.1
  done
  echo "WARN: pid $pid still alive after SIGKILL" >&2
  return 1
}
it_stop() { local pid; pid=$(it_pid_of "$1"); [ -n "$pid" ] && it_stop_pid "$pid" "${2:-5}"; }
it_stop_all() {
  [ -n "$IT_PIDS_FILE" ] && [ -f "$IT_PIDS_FILE" ] || return 0
  local name pid
  while read -r name pid; do
    [ -n "$pid" ] && it_stop_pid "$pid" 5
  done < <(tac "$IT_PIDS_FILE")
  : > "$IT_PIDS_FILE"
}

it_dump() {
  local label=$1 file=$2 n=${3:-80}
  echo "----- $label: $file (last $n lines)"
  if [ -f "$file" ]; then tail -n "$n" "$file"; else echo "(missing)"; fi
}

it__on_exit() {
  local rc=$1 item
  trap - EXIT
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] || [ "$IT_FAILS" -ne 0 ]; then
    echo "===== $IT_NAME FAILED (exit $rc, $IT_FAILS failed checks) — diagnostics follow"
    if declare -F it_on_fail >/dev/null; then it_on_fail 2>&1 | sed 's/^/    /'; fi
    if declare -F it_cleanup >/dev/null; then it_cleanup; fi
    it_stop_all
    for item in "${IT_LOGS[@]}"; do it_dump "${item%%|*}" "${item#*|}" "${IT_DUMP_LINES:-80}"; done
    echo "===== workdir kept: $T"
    # Repeated after the dumps: a CI log cut to its tail still names what failed.
    for item in "${IT_FAILED[@]}"; do echo "===== failed: $item"; done
    [ "$rc" -eq 0 ] && rc=1
    ns_cleanup
  else
    if declare -F it_cleanup >/dev/null; then it_cleanup; fi
    it_stop_all
    ns_cleanup
    if [ -n "${IT_KEEP:-}" ]; then echo "workdir kept: $T"; else rm -rf "$T"; fi
  fi
  exit "$rc"
}

# it_finish : summary line and exit status (the EXIT trap stops everything)
it_finish() {
  local dt=$(( $(it_now_ms) - IT_T0 ))
  if [ "$IT_FAILS" -eq 0 ]; then
    echo "RESULT: $IT_NAME passed ($IT_PASSES checks, $((dt / 1000)).$((dt % 1000 / 100)) s)"
    exit 0
  fi
  echo "RESULT: $IT_NAME FAILED ($IT_FAILS of $((IT_PASSES + IT_FAILS)) checks failed, $((dt / 1000)).$((dt % 1000 / 100)) s)"
  exit 1
}

# ------------------------------------------------------------------ configs
# itconf circuit|frr|bird ... : the MSEE tests' circuit JSON and their CE's FRR / BIRD config,
# written by the code `msee-ctl lab up` configures its CE with (itconf.py -h)
itconf() { "$IT_PY" "$IT_LIB_DIR/itconf.py" "$@" || die "itconf.py $1 failed"; }
# router_head ASN ADDRESS V6_PORT|- [ADDRESS...] : the opening members of msee-emu's router config
# in the interop tests: AS ASN, router ID ADDRESS, listening on each ADDRESS at port 179 and on
# [::1]:V6_PORT (::1 is one address for every test: a port each), every route logged (the
# checks read the event log).
router_head() {
  local asn=$1 id=$2 v6=$3 a listen; shift 3
  listen="{ \"address\": \"$id\", \"port\": 179 }"
  [ "$v6" = - ] || listen+=", { \"address\": \"::1\", \"port\": $v6 }"
  for a in "$@"; do listen+=", { \"address\": \"$a\", \"port\": 179 }"; done
  printf '  "router": { "asn": %s, "routerId": "%s" },\n  "listen": [ %s ],\n  "logRoutes": true,\n' \
    "$asn" "$id" "$listen"
}
# attr_announce TO4 TO6 [ORIGIN6 ASPATH6 EXT6] : msee-emu's "announce" array of the attribute
# tests, every attribute set (MED, communities incl. no-export, large and extended communities,
# a 4-octet AS in the path): 10.10.1.0/24 + 10.10.2.0/24 to neighbor TO4, 2001:db8:10::/48 to
# TO6. ASPATH6 is a JSON list body; EXT6 "" sends the IPv6 route without extended communities.
attr_announce() {
  local ext6=${5-'"rt:65010:6"'}
  [ -n "$ext6" ] && ext6="\"extCommunities\": [$ext6], "
  cat <<JSON
[ { "prefixes": ["10.10.1.0/24", "10.10.2.0/24"], "origin": "igp",
      "asPath": [4200000001, 65020], "med": 50, "communities": ["65010:100", "no-export"],
      "largeCommunities": ["4200000001:1:2"], "extCommunities": ["rt:65010:1"], "to": ["$1"] },
    { "prefixes": ["2001:db8:10::/48"], "origin": "${3:-igp}", "asPath": [${4:-4200000001, 65020}],
      "med": 60, "communities": ["65010:6"], "largeCommunities": ["4200000001:6:6"],
      $ext6"to": ["$2"] } ]
JSON
}
# bird_to_msee ASN LOCAL4 ME ME_ASN V6_PORT ME_V6_PORT NH6 EXPORT4 [EXPORT6] : BIRD's side of an
# interop test: template "fast" (the tests' fast timers; multihop, as BIRD takes no 127.x peer
# for directly connected; strict bind to share port 179) and its sessions msee4 (LOCAL4 <-> ME)
# and msee6 (::1 port V6_PORT <-> ::1 port ME_V6_PORT) exporting through those filters.
bird_to_msee() {
  cat <<CONF
template bgp fast {
  local as $1; strict bind yes; multihop;
  error wait time 1, 10; connect delay time 1; connect retry time 2; hold time 9;
}
protocol bgp msee4 from fast {
  local $2 as $1; neighbor $3 as $4;
  ipv4 { import all; export filter $8; };
}
# BIRD refuses a next hop equal to the neighbor address (both ::1): attribute-only next hop
protocol bgp msee6 from fast {
  local ::1 port $5 as $1; neighbor ::1 port $6 as $4;
  ipv6 { import all; export filter ${9:-$8}; next hop address $7; };
}
CONF
}

# ------------------------------------------------------------------ the lab (msee-ctl lab)
# lab_init NAME : a private lab (namespaces NAME-ce/-er/-sw, state in $T/labs) that the EXIT
# trap takes down; lab_ ARGS runs msee-ctl with it (-o json), lab_report FILE ARGS saves JSON.
lab_init() {
  [ "$(id -u)" = 0 ] || skip "the lab needs root (network namespaces)"
  [ -x "${MSEE_CTL:-}" ] || MSEE_CTL=$(dirname "$MSEE_EMU")/msee-ctl
  [ -x "$(dirname "$MSEE_CTL")/msee-lab" ] || die "msee-lab is not beside $MSEE_CTL"
  export MSEE_LAB_NAME=$1 MSEE_LAB_DIR=$T/labs
  LAB_ER=$1-er
  it_cleanup() { "$MSEE_CTL" lab down > "$T/lab-down.log" 2>&1; }
  it_on_fail() {
    "$MSEE_CTL" -o table lab status 2>&1
    local f; for f in "$MSEE_LAB_DIR/$MSEE_LAB_NAME"/*.log "$MSEE_LAB_DIR/$MSEE_LAB_NAME"/ce*/*.log; do
      [ -f "$f" ] && it_dump "lab" "$f" 30
    done
  }
}
# lab_circuit SRC DST SECONDS : SRC with a route-limit restart time of SECONDS on every peering
# (Q1's 60 s would make the limit scenarios slow)
lab_circuit() {
  "$IT_PY" - "$@" <<'PY'
import json, sys
cfg = json.load(open(sys.argv[1]))
for c in cfg["circuits"]:
    for p in c["peerings"]:
        p.setdefault("emulation", {})["maxPrefixRestartSeconds"] = int(sys.argv[3])
json.dump(cfg, open(sys.argv[2], "w"), indent=1)
PY
}
lab_() { "$MSEE_CTL" -o json "$@"; }
lab_report() { local f=$1; shift; "$MSEE_CTL" -o json "$@" > "$f" 2> "$f.log"; local rc=$?; tail -3 "$f.log"; return $rc; }
# drill_ok FILE : every check of the drill report in FILE passed (prints the failed ones)
drill_ok() { jpy "[print('    failed:', c) for c in d['checks'] if not c['ok']] == [] and d['ok']" < "$1"; }
# figures_agree FILE : the drill report's times are points of its own timeline, ms after the
# first injection (docs/drills.md §2), and detection comes no earlier than the failure step
figures_agree() {  # (itq's eval: a lambda or comprehension body cannot see d or a walrus)
  jpy "not (bad := set(map(d['figures'].get, ('failureAtMs', 'restoreAtMs', 'detectionMs', 'bfdDownMs', 'reconvergenceMs', 'sessionsBackMs', 'allBackMs'))) - {None} - set(map(lambda e: e['atMs'], d['timeline']))) and (d['figures']['detectionMs'] is None or d['figures']['detectionMs'] >= d['figures']['failureAtMs']) or print('    not points of the timeline:', sorted(bad), 'or detected before the failure step')" < "$1"
}
# ce_received_ok STATUS COUNT_FN : every CE session of `lab status` (JSON in STATUS) received
# > 0 prefixes, and as many as `COUNT_FN NEIGHBOR` says the CE's own table holds from it
ce_received_ok() {
  local addr want got rc=0
  while read -r addr want; do
    got=$("$2" "$addr")
    echo "    $addr: lab status received $want, the CE's table holds $got"
    { [ "$want" -gt 0 ] && [ "$want" = "$got" ]; } || rc=1
  done < <(jpy "'\\n'.join('%s %s' % (s['neighbor'], s['received']) for s in d['ceSessions'])" < "$1")
  return $rc
}

# ------------------------------------------------------------------ network namespaces
# ns_lab ID : a CE namespace ${ID}ce, an MSEE namespace ${ID}er and a "provider" namespace
# ${ID}sw between them. Each of the two links (1 = primary, 2 = secondary) is CE p<N>c <->
# bridge br<N> in ${ID}sw <-> MSEE p<N>m, so cutting the switch side (ns_link_cut) is a silent
# failure: both ends keep their carrier, frames just stop (no tc/iptables needed). Nothing is
# connected to the host namespace. The namespaces are deleted on exit.
IT_NETNS=()
ns_lab() {
  local id=$1 n l
  [ "$(id -u)" = 0 ] || skip "network namespaces need root"
  command -v ip >/dev/null || skip "ip (iproute2) not installed"
  NS_CE=${id}ce; NS_ER=${id}er; NS_SW=${id}sw
  for n in "$NS_CE" "$NS_ER" "$NS_SW"; do
    ip netns del "$n" 2>/dev/null
    ip netns add "$n" || die "cannot create netns $n (root needed)"
    IT_NETNS+=("$n")
    ip -n "$n" link set lo up
  done
  for l in 1 2; do
    ip link add "p${l}c" netns "$NS_CE" type veth peer name "p${l}a" netns "$NS_SW" || die "veth"
    ip link add "p${l}m" netns "$NS_ER" type veth peer name "p${l}b" netns "$NS_SW" || die "veth"
    ip -n "$NS_SW" link add "br$l" type bridge
    ip -n "$NS_SW" link set "p${l}a" master "br$l"
    ip -n "$NS_SW" link set "p${l}b" master "br$l"
    ip -n "$NS_SW" link set "br$l" up; ip -n "$NS_SW" link set "p${l}a" up
    ip -n "$NS_SW" link set "p${l}b" up
    ip -n "$NS_CE" link set "p${l}c" up; ip -n "$NS_ER" link set "p${l}m" up
  done
}
# ns_peering LINK VLAN "CE ADDR/LEN..." "MSEE ADDR/LEN..." : the peering's interfaces on link
# LINK: dot1Q sub-interfaces p<L>c.<VLAN> / p<L>m.<VLAN> (R12) where the kernel has 802.1Q,
# else one veth pair per side into the same bridge (c<L>v<VLAN> / m<L>v<VLAN>).
ns_peering() {
  local l=$1 vlan=$2 ce_addrs=$3 er_addrs=$4 cdev mdev a
  if [ -z "${NS_DOT1Q:-}" ]; then
    if ip -n "$NS_CE" link add link "p${l}c" name "p${l}c.$vlan" type vlan id "$vlan" 2>/dev/null; then
      NS_DOT1Q=yes; ip -n "$NS_CE" link del "p${l}c.$vlan"
    else
      NS_DOT1Q=no; it_log "no 802.1Q in this kernel: one veth pair per peering instead of VLAN sub-interfaces"
    fi
  fi
  if [ "$NS_DOT1Q" = yes ]; then
    cdev=p${l}c.$vlan; mdev=p${l}m.$vlan
    ip -n "$NS_CE" link add link "p${l}c" name "$cdev" type vlan id "$vlan" || die "vlan $cdev"
    ip -n "$NS_ER" link add link "p${l}m" name "$mdev" type vlan id "$vlan" || die "vlan $mdev"
  else
    cdev=c${l}v$vlan; mdev=m${l}v$vlan
    ip link add "$cdev" netns "$NS_CE" type veth peer name "s${l}v${vlan}a" netns "$NS_SW" || die "veth $cdev"
    ip link add "$mdev" netns "$NS_ER" type veth peer name "s${l}v${vlan}b" netns "$NS_SW" || die "veth $mdev"
    ip -n "$NS_SW" link set "s${l}v${vlan}a" master "br$l" up
    ip -n "$NS_SW" link set "s${l}v${vlan}b" master "br$l" up
  fi
  for a in $ce_addrs; do ip -n "$NS_CE" addr add "$a" dev "$cdev" $(case $a in *:*) echo nodad;; esac); done
  for a in $er_addrs; do ip -n "$NS_ER" addr add "$a" dev "$mdev" $(case $a in *:*) echo nodad;; esac); done
  ip -n "$NS_CE" link set "$cdev" up; ip -n "$NS_ER" link set "$mdev" up
}
# ns_link_cut L / ns_link_restore L : silent failure of link L: the switch stops forwarding
# from the MSEE side, both ends keep their carrier.
ns__msee_ports() { ip -n "$NS_SW" -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E "^(p$1b|s$1v[0-9]+b)$"; }
# The ports of a link go in one ip -batch, and NS_CUT_MS is the time just before it: a test
# measures detection from the cut, not from listing the ports and forking ip once per port.
ns_link_cut() {
  local ports; ports=$(ns__msee_ports "$1")
  NS_CUT_MS=$(it_now_ms)
  printf 'link set %s nomaster\n' $ports | ip -n "$NS_SW" -batch -
}
ns_link_restore() {
  local ports; ports=$(ns__msee_ports "$1")
  printf "link set %s master br$1\n" $ports | ip -n "$NS_SW" -batch -
}
ns_cleanup() {
  local n
  for n in "${IT_NETNS[@]}"; do ip netns del "$n" 2>/dev/null; done
  IT_NETNS=()
}
# IT_IN_NS=NS start_msee/start_bird/start_frr ... : run the daemon inside that namespace
it__wrap() { if [ -n "${IT_IN_NS:-}" ]; then echo "ip netns exec $IT_IN_NS"; fi; }

# ------------------------------------------------------------------ msee-emu
# start_msee NAME CONFIG [extra CLI args] : events $T/NAME/events.jsonl, stderr $T/NAME/stderr.log
start_msee() {
  local name=$1 conf=$2 d="$T/$1"; shift 2
  mkdir -p "$d"
  it__cp "$conf" "$d/config.json"
  if ! "$MSEE_EMU" --check "$d/config.json" > "$d/check.log" 2>&1; then
    cat "$d/check.log"; die "msee-emu --check rejected the config of $name"
  fi
  : >> "$d/events.jsonl"
  # The REST API (emulator configs) is off unless the test asks for it: tests run in parallel.
  case " $* " in *" --api "*) ;; *) set -- --api off "$@" ;; esac
  # MSEE_USER=nobody runs every msee-emu of the suite unprivileged (issue #14, --user): it
  # must still read its config on reload and write MRT files into its directory.
  if [ -n "${MSEE_USER:-}" ]; then
    case " $* " in *" --user "*) ;; *) set -- --user "$MSEE_USER" "$@" ;; esac
  fi
  # (table dumps and rotated MRT files land in $T: writable, sticky like /tmp).
  case " $* " in *" --user "*) chmod 1777 "$T"; chmod a+rwx "$d" ;; esac
  $(it__wrap) "$MSEE_EMU" --config "$d/config.json" --events "$d/events.jsonl" --log-level debug "$@" \
    > "$d/stdout.log" 2> "$d/stderr.log" &
  it__record "$name" $!
  it_watch "msee-emu $name stderr" "$d/stderr.log"
  it_watch "msee-emu $name events" "$d/events.jsonl"
  sleep 0.2
  it_pid_alive "$(it_pid_of "$name")" || die "msee-emu $name exited at start: $(tail -5 "$d/stderr.log")"
}
msee_events() { echo "$T/$1/events.jsonl"; }
# msee_established NAME PEER : the last session event of PEER went to Established
msee_established() {
  [ "$(ev_last "$T/$1/events.jsonl" "e.get('event')=='session' and e.get('peer')=='$2'" "e['to']")" = Established ]
}

# ------------------------------------------------------------------ FRR bgpd (no zebra)
# start_frr NAME CONF PORT ADDR... : -S (no user switch), -Z (no zebra), -l per listen address
# (implies -n: nothing goes to the kernel FIB), -p PORT for all listeners, vty socket in $T/NAME.
start_frr() {
  local name=$1 conf=$2 port=$3 d="$T/$1" a largs=(); shift 3
  for a in "$@"; do largs+=(-l "$a"); done
  mkdir -p "$d"; it__cp "$conf" "$d/bgpd.conf"
  /usr/lib/frr/bgpd -S -Z "${largs[@]}" -p "$port" -f "$d/bgpd.conf" --vty_socket "$d" \
    -i "$d/bgpd.pid" -P 0 --log "file:$d/bgpd.log" > "$d/stdout.log" 2>&1 &
  it__record "$name" $!
  it_watch "FRR $name bgpd.log" "$d/bgpd.log"
  it_watch "FRR $name stdout" "$d/stdout.log"
  it_wait 10 test -S "$d/bgpd.vty" || die "FRR $name did not start: $(cat "$d/stdout.log")"
}
# frr_ NAME 'cmd' ['cmd'...] : vtysh against that bgpd only
frr_() { local n=$1 c a=(); shift; for c in "$@"; do a+=(-c "$c"); done; vtysh --vty_socket "$T/$n" "${a[@]}"; }
# frr_state NAME PEER [ipv4|ipv6]
# frr_get NAME 'show ... json' EXPR : EXPR over the command's JSON (d)
frr_get() { frr_ "$1" "$2" | jpy "$3"; }
frr_state() { frr_ "$1" "show bgp ${3:-ipv4} unicast summary json" | jpy "d['peers']['$2']['state']"; }
frr_established() { [ "$(frr_state "$@")" = Established ]; }

# start_frr_zebra NAME NETNS ZEBRA_CONF BFDD_CONF BGPD_CONF ADDR... : zebra + bfdd + bgpd inside
# NETNS (zebra programs that namespace's FIB only); zebra and bfdd run as user frr. The vty
# sockets are in $T/NAME, so frr_ NAME reaches all three.
start_frr_zebra() {
  local name=$1 ns=$2 d="$T/$1" a largs=(); shift 2
  local zconf=$1 bconf=$2 gconf=$3; shift 3
  for a in "$@"; do largs+=(-l "$a"); done
  mkdir -p "$d"; it__cp "$zconf" "$d/zebra.conf"; it__cp "$bconf" "$d/bfdd.conf"
  it__cp "$gconf" "$d/bgpd.conf"
  chown -R frr:frr "$d"
  ip netns exec "$ns" /usr/lib/frr/zebra --vty_socket "$d" -i "$d/zebra.pid" -P 0 \
    --log "file:$d/zebra.log" -z "$d/zserv.api" -f "$d/zebra.conf" > "$d/zebra.out" 2>&1 &
  it__record "$name-zebra" $!
  it_wait 10 test -S "$d/zserv.api" || die "zebra $name did not start: $(cat "$d/zebra.out")"
  ip netns exec "$ns" /usr/lib/frr/bfdd --vty_socket "$d" -i "$d/bfdd.pid" -P 0 \
    --log "file:$d/bfdd.log" -z "$d/zserv.api" -f "$d/bfdd.conf" --bfdctl "$d/bfdd.sock" \
    > "$d/bfdd.out" 2>&1 &
  it__record "$name-bfdd" $!
  it_wait 10 test -S "$d/bfdd.vty" || die "bfdd $name did not start: $(cat "$d/bfdd.out")"
  ip netns exec "$ns" /usr/lib/frr/bgpd -S -z "$d/zserv.api" "${largs[@]}" -p 179 \
    -f "$d/bgpd.conf" --vty_socket "$d" -i "$d/bgpd.pid" -P 0 --log "file:$d/bgpd.log" \
    > "$d/bgpd.out" 2>&1 &
  it__record "$name" $!
  it_watch "FRR $name bgpd.log" "$d/bgpd.log"
  it_watch "FRR $name bfdd.log" "$d/bfdd.log"
  it_wait 10 test -S "$d/bgpd.vty" || die "bgpd $name did not start: $(cat "$d/bgpd.out")"
}

# ------------------------------------------------------------------ BIRD 2
start_bird() {
  local name=$1 conf=$2 d="$T/$1"
  mkdir -p "$d"; it__cp "$conf" "$d/bird.conf"
  bird -p -c "$d/bird.conf" > "$d/parse.log" 2>&1 || { cat "$d/parse.log"; die "BIRD $name config rejected"; }
  $(it__wrap) bird -f -c "$d/bird.conf" -s "$d/bird.ctl" -P "$d/bird.pid" > "$d/bird.log" 2>&1 &
  it__record "$name" $!
  it_watch "BIRD $name log" "$d/bird.log"
  it_wait 10 test -S "$d/bird.ctl" || die "BIRD $name did not start: $(cat "$d/bird.log")"
}
birdc_() { local n=$1; shift; birdc -s "$T/$n/bird.ctl" "$@"; }
# bird_state NAME PROTO -> Established / Active / Connect / ... (the BGP state column)
bird_state() { birdc_ "$1" show protocols "$2" | awk -v p="$2" '$1==p{print $6}'; }
bird_established() { [ "$(bird_state "$@")" = Established ]; }

# ------------------------------------------------------------------ GoBGP
# gRPC API on a unix socket and pprof off: the defaults listen on :50051 (all addresses) / :6060
start_gobgp() {
  local name=$1 conf=$2 d="$T/$1"
  mkdir -p "$d"; cp "$conf" "$d/gobgpd.toml"
  gobgpd -d -f "$d/gobgpd.toml" > "$d/check.log" 2>&1 || { cat "$d/check.log"; die "GoBGP $name config rejected"; }
  gobgpd -f "$d/gobgpd.toml" -p -l debug --api-hosts "unix://$d/api.sock" --pprof-disable \
    > "$d/gobgpd.log" 2>&1 &
  it__record "$name" $!
  it_watch "GoBGP $name log" "$d/gobgpd.log"
  it_wait 10 test -S "$d/api.sock" || die "GoBGP $name did not start: $(tail -20 "$d/gobgpd.log")"
}
gobgp_() { local n=$1; shift; gobgp --target "unix://$T/$n/api.sock" "$@"; }
gobgp_state() { gobgp_ "$1" neighbor "$2" -j | jpy "d['state']['session_state']"; }   # 6 = established
gobgp_established() { [ "$(gobgp_state "$@")" = 6 ]; }

# ------------------------------------------------------------------ ExaBGP 4.2
# As root without privilege drop, no named-pipe CLI, never listens (connect only -> the msee-emu
# neighbor must be passive), API acks off so a process that never reads stdin cannot block.
start_exabgp() {
  local name=$1 conf=$2 d="$T/$1"
  mkdir -p "$d"; cp "$conf" "$d/exabgp.conf"
  # shellcheck disable=SC2086  # EXABGP_ENV: extra "exabgp.x.y=z" words, split on purpose
  env exabgp.daemon.user=root exabgp.daemon.drop=false exabgp.daemon.daemonize=false \
      exabgp.api.cli=false exabgp.api.ack=false exabgp.tcp.bind='' \
      exabgp.log.destination="$d/exabgp.log" ${EXABGP_ENV:-} \
      exabgp "$d/exabgp.conf" > "$d/stdout.log" 2>&1 &
  it__record "$name" $!
  it_watch "ExaBGP $name log" "$d/exabgp.log"
  it_watch "ExaBGP $name stdout" "$d/stdout.log"
  sleep 0.3
  it_pid_alive "$(it_pid_of "$name")" || die "ExaBGP $name exited at start: $(tail -20 "$d/stdout.log" "$d/exabgp.log")"
}

# ------------------------------------------------------------------ route checks
# ev_route_sel PEER FAMILY PREFIX [ACTION] : selector expression for itq.py over the event log
ev_route_sel() {
  echo "e.get('event')=='route' and e.get('peer')=='$1' and e.get('family')=='$2' and e.get('prefix')=='$3' and e.get('action')=='${4:-announce}'"
}
# check_route_event SECS "what" EVENTS PEER FAMILY PREFIX COND : waits for a route announce event
# of PREFIX from PEER satisfying COND (a Python expression over e); prints the events seen for
# that prefix when it fails.
check_route_event() {
  local t=$1 what=$2 f=$3 peer=$4 fam=$5 pfx=$6 cond=$7 sel
  sel=$(ev_route_sel "$peer" "$fam" "$pfx")
  if it_wait "$t" ev_has "$f" "$sel and ($cond)"; then pass "$what"; return 0; fi
  fail "$what"
  echo "    wanted: $cond"
  echo "    route events of $peer for $pfx:"
  ev_show "$f" "e.get('event')=='route' and e.get('prefix')=='$pfx'" | tail -n 4 | sed 's/^/      /'
  return 1
}

# frr_path NAME AFI PREFIX COND : COND (Python, p = first path of 'show bgp AFI unicast PREFIX
# json') holds
frr_path() {
  frr_ "$1" "show bgp $2 unicast $3 json" | jpy "(lambda p: ($4))(d['paths'][0])" >/dev/null
}
# check_frr_path SECS "what" NAME AFI PREFIX COND : waits for frr_path; dumps the path on failure
check_frr_path() {
  local t=$1 what=$2; shift 2
  if it_wait "$t" frr_path "$@"; then pass "$what"; return 0; fi
  fail "$what"
  echo "    wanted: $4"
  echo "    FRR $1 has for $3: $(frr_ "$1" "show bgp $2 unicast $3 json" | jpy "d.get('paths')")"
  return 1
}

# bird_route NAME PREFIX COND : COND (Python, r = attributes of the first route of PREFIX as
# parsed by itq.py bird, e.g. r['BGP.as_path']) holds
bird_route() {
  birdc_ "$1" show route all "$2" | "$IT_PY" "$IT_LIB_DIR/itq.py" bird "(lambda r: ($3))(d['$2'])" >/dev/null
}
check_bird_route() {
  local t=$1 what=$2; shift 2
  if it_wait "$t" bird_route "$@"; then pass "$what"; return 0; fi
  fail "$what"
  echo "    wanted: $3"
  echo "    BIRD $1 has for $2:"; birdc_ "$1" show route all "$2" | sed 's/^/      /'
  return 1
}

# gobgp_adjin NAME NEIGHBOR AFI PREFIX COND : COND (Python, p = gob(path), see itq.py) holds for
# PREFIX in GoBGP's Adj-RIB-In of NEIGHBOR (what it accepted from that peer)
gobgp_adjin() {
  gobgp_ "$1" neighbor "$2" adj-in -a "$3" -j | jpy "(lambda p: ($5))(gob(d['$4'][0]))" >/dev/null
}
check_gobgp_adjin() {
  local t=$1 what=$2; shift 2
  if it_wait "$t" gobgp_adjin "$@"; then pass "$what"; return 0; fi
  fail "$what"
  echo "    wanted: $5"
  echo "    GoBGP $1 adj-in from $2 ($3):"; gobgp_ "$1" neighbor "$2" adj-in -a "$3" 2>&1 | sed 's/^/      /'
  return 1
}
