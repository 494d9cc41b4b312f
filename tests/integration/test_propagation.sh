#!/usr/bin/env bash
# test_propagation.sh — msee-emu (AS 65000) as a route-propagating speaker between three real
# daemons: BIRD 2 (AS 65001, 127.26.0.1 + ::1), FRR-1 (AS 65002, 127.26.0.2) and the receiver
# FRR-2 (AS 65003, 127.26.0.3, IPv4 session carrying ipv4- and ipv6-unicast). Proves from the
# daemons' own CLIs: best-path selection through the Loc-RIB (shorter AS_PATH wins, RFC 4271
# §9.1.2.2 a) and re-selection on withdraw / re-announce / session loss (§8.2.2, NOTIFICATION =
# no graceful-restart stale period), no advertisement back to the neighbour a route came from,
# attribute pass-through with our AS prepended (§5.1.2), IPv6 from a ::1 session to an MP-BGP
# session over IPv4 (RFC 4760, configured nextHop6), a 4001-prefix "generate" block sent to one
# neighbour only and End-of-RIB (RFC 4724 §2).
set -u
source "$(dirname "$0")/lib.sh"
it_need /usr/lib/frr/bgpd vtysh bird birdc ss
it_init propagation

A=127.26.0
BIRD=$A.1
FRR1=$A.2
FRR2=$A.3
ME=$A.10
BIRD_V6_PORT=17260
ME_V6_PORT=17261
GEN_COUNT=4001
GEN_LAST=100.141.160.0/24     # 100.126.0.0 + 4000 * 256
it_require_ports "$ME 179" "$BIRD 179" "$FRR1 179" "$FRR2 179" "::1 $BIRD_V6_PORT" "::1 $ME_V6_PORT"

# ---------------------------------------------------------------- configs
# BIRD: 10.26.1.0/24 with two extra prepends (its path becomes "65001 65001 65001"), 10.26.2.0/24
# with MED, communities, large and extended communities; 2001:db8:26:1::/64 over the ::1
# session. Only its static routes are exported (nothing learned from msee-emu goes back).
cat > "$T/bird.conf" <<CONF
log stderr all;
router id $BIRD;
protocol device { }
protocol static s4 { ipv4; route 10.26.1.0/24 blackhole; route 10.26.2.0/24 blackhole; }
protocol static s6 { ipv6; route 2001:db8:26:1::/64 blackhole; }
filter to_msee4 {
  if source != RTS_STATIC then reject;
  if net = 10.26.1.0/24 then { bgp_path.prepend(65001); bgp_path.prepend(65001); }
  if net = 10.26.2.0/24 then {
    bgp_med = 26;
    bgp_community.add((65001,100)); bgp_community.add((65001,200));
    bgp_large_community.add((65001,26,2));
    bgp_ext_community.add((rt,65001,26));
  }
  accept;
}
filter to_msee6 {
  if source != RTS_STATIC then reject;
  bgp_med = 6;
  bgp_community.add((65001,6));
  bgp_large_community.add((65001,26,6));
  accept;
}
$(bird_to_msee 65001 "$BIRD" "$ME" 65000 "$BIRD_V6_PORT" "$ME_V6_PORT" 2001:db8:26::1 to_msee4 to_msee6)
CONF

# HOSTNAME is also the daemon's directory, where its log goes (an absolute path: bgpd resolves
# a relative one against its working directory).
frr_conf() {  # frr_conf HOSTNAME ASN ADDR [extra lines of address-family ipv4] [ipv6 af lines]
  cat <<CONF
frr defaults datacenter
hostname $1
log file $T/$1/bgpd.log informational
router bgp $2
 bgp router-id $3
 no bgp ebgp-requires-policy
 no bgp network import-check
 bgp allow-martian-nexthop
 no bgp default ipv4-unicast
 neighbor $ME remote-as 65000
 neighbor $ME update-source $3
 neighbor $ME timers connect 1
 address-family ipv4 unicast
  neighbor $ME activate
$4
 exit-address-family
$5
CONF
}
frr_conf frr1 65002 "$FRR1" "  network 10.26.1.0/24" "" > "$T/frr1.conf"
frr_conf frr2 65003 "$FRR2" "" " address-family ipv6 unicast
  neighbor $ME activate
 exit-address-family" > "$T/frr2.conf"

# msee-emu: frr2 carries IPv6 over its IPv4 session, so it needs an IPv6 next hop (nextHop6).
# The generated block goes to frr2 only. frr2 gets the graceful restart capability because FRR
# records (and shows) a received End-of-RIB per family only when GR was negotiated.
nb() {  # nb NAME ADDR PEER_ASN [extra JSON members]
  echo "{ \"name\": \"$1\", \"address\": \"$2\", \"localAddress\": \"$ME\", \"peerAsn\": $3, \"connectRetry\": 1, \"idleHoldTime\": 1${4:+, $4} }"
}
mkdir -p "$T/msee"
cat > "$T/msee/config.json" <<CONF
{
$(router_head 65000 "$ME" "$ME_V6_PORT")
  "neighbors": [
    $(nb bird4 "$BIRD" 65001 '"families": ["ipv4-unicast"]'),
    { "name": "bird6", "address": "::1", "port": $BIRD_V6_PORT, "localAddress": "::1",
      "peerAsn": 65001, "connectRetry": 1, "idleHoldTime": 1, "families": ["ipv6-unicast"],
      "nextHop6": "2001:db8:26::10" },
    $(nb frr1 "$FRR1" 65002 '"families": ["ipv4-unicast"]'),
    $(nb frr2 "$FRR2" 65003 '"families": ["ipv4-unicast", "ipv6-unicast"], "nextHop6": "2001:db8::26", "capabilities": { "gracefulRestart": 120 }')
  ],
  "generate": [
    { "base": "100.126.0.0/24", "count": $GEN_COUNT, "communities": ["65000:4001"], "to": ["frr2"] }
  ]
}
CONF

it_on_fail() {
  for f in frr1 frr2; do
    echo "== $f"
    frr_ "$f" 'show bgp summary' 'show bgp ipv4 unicast 10.26.1.0/24' 'show bgp ipv4 unicast 10.26.2.0/24' 'show bgp ipv6 unicast' 2>&1
    frr_ "$f" "show bgp neighbors $ME" 2>&1 | grep -E 'BGP state|Last reset|Notification|End-of-RIB|EoR'
  done
  echo "== bird"
  birdc_ bird show protocols 2>&1
  birdc_ bird show route all 2>&1 | head -60
  echo "== msee-emu route events for 10.26.1.0/24"
  ev_show "$EV" "e.get('prefix')=='10.26.1.0/24'" 2>&1 | tail -20
}

start_bird bird "$T/bird.conf"
start_frr frr1 "$T/frr1.conf" 179 "$FRR1"
start_frr frr2 "$T/frr2.conf" 179 "$FRR2"
start_msee msee "$T/msee/config.json"
EV=$(msee_events msee)
FRR1_PID=$(it_pid_of frr1)

# ---------------------------------------------------------------- sessions
check_wait 20 "BIRD msee4 ($ME) Established" bird_established bird msee4 || exit 1
check_wait 20 "BIRD msee6 (::1) Established" bird_established bird msee6 || exit 1
check_wait 20 "FRR-1 sees msee-emu ($ME) Established" frr_established frr1 "$ME" ipv4 || exit 1
check_wait 20 "FRR-2 sees msee-emu ($ME) Established (ipv4 unicast)" frr_established frr2 "$ME" ipv4 || exit 1
check_wait 5 "FRR-2 sees msee-emu ($ME) Established (ipv6 unicast, MP-BGP over IPv4)" frr_established frr2 "$ME" ipv6
check_wait 5 "msee-emu events: frr2 established with ipv4-unicast and ipv6-unicast" \
  ev_has "$EV" "e['event']=='established' and e['peer']=='frr2' and sorted(e['families'])==['ipv4-unicast','ipv6-unicast']"

# frr_only_path NAME AFI PREFIX COND : exactly one path for PREFIX and COND holds for it
frr_only_path() {
  frr_ "$1" "show bgp $2 unicast $3 json" | jpy "len(d['paths'])==1 and (lambda p: ($4))(d['paths'][0])" >/dev/null
}
check_frr_only_path() {
  local t=$1 what=$2; shift 2
  if it_wait "$t" frr_only_path "$@"; then pass "$what"; return 0; fi
  fail "$what"
  echo "    wanted: one path with $4"
  echo "    FRR $1 has for $3: $(frr_ "$1" "show bgp $2 unicast $3 json" | jpy "[(p.get('aspath',{}).get('string'), p.get('nexthops',[{}])[0].get('ip')) for p in d.get('paths',[])]")"
  return 1
}
pfx_rcd() { frr_get "$1" "show bgp ${2:-ipv4} unicast summary json" "d['peers']['$ME']['pfxRcd']"; }
VIA_FRR1="65000 65002"
VIA_BIRD="65000 65001 65001 65001"

# ---------------------------------------------------------------- 1. best path
check_route_event 10 "msee-emu events: frr1 announced 10.26.1.0/24 with as-path 65002" \
  "$EV" frr1 ipv4-unicast 10.26.1.0/24 "e['asPath']==[65002]"
check_route_event 10 "msee-emu events: bird4 announced 10.26.1.0/24 with as-path 65001 65001 65001" \
  "$EV" bird4 ipv4-unicast 10.26.1.0/24 "e['asPath']==[65001,65001,65001]"
check_frr_only_path 10 "FRR-2 has 10.26.1.0/24 with as-path '$VIA_FRR1' (shorter path via FRR-1 wins), next hop $ME" \
  frr2 ipv4 10.26.1.0/24 "p['aspath']['string']=='$VIA_FRR1' and p['nexthops'][0]['ip']=='$ME'"
check_frr_only_path 5 "FRR-1 has only its own 10.26.1.0/24 (msee-emu does not send a neighbour's best path back to it)" \
  frr1 ipv4 10.26.1.0/24 "p.get('sourced') is True and p['aspath']['segments']==[]"
check_bird_route 5 "BIRD learned 10.26.1.0/24 from msee-emu as '$VIA_FRR1' (its static route stays best)" \
  bird 10.26.1.0/24 "r['proto']=='s4'"
bird_msee_path() {  # the as-path of BIRD's route from msee4 for PREFIX (its alternative route)
  birdc_ bird show route all "$1" protocol msee4 | "$IT_PY" "$IT_LIB_DIR/itq.py" bird "d['$1']['BGP.as_path']"
}
check "BIRD's alternative route for 10.26.1.0/24 from msee4 has as-path '$VIA_FRR1'" \
  eq "$VIA_FRR1" bird_msee_path 10.26.1.0/24
check "FRR-1 received exactly 1 prefix from msee-emu (10.26.2.0/24 from BIRD; none generated)" \
  eq 1 pfx_rcd frr1

M=$(ev_lines "$EV")
frr_ frr1 'configure terminal' 'router bgp 65002' 'address-family ipv4 unicast' 'no network 10.26.1.0/24' >/dev/null
check_wait 5 "msee-emu events: frr1 withdrew 10.26.1.0/24 after 'no network' on FRR-1" \
  ev_since "$EV" "$M" "$(ev_route_sel frr1 ipv4-unicast 10.26.1.0/24 withdraw)"
check_frr_only_path 10 "after FRR-1's withdraw, FRR-2 has 10.26.1.0/24 via BIRD: as-path '$VIA_BIRD'" \
  frr2 ipv4 10.26.1.0/24 "p['aspath']['string']=='$VIA_BIRD' and p['nexthops'][0]['ip']=='$ME'"
check_frr_path 5 "FRR-1 now learns 10.26.1.0/24 from msee-emu as '$VIA_BIRD'" \
  frr1 ipv4 10.26.1.0/24 "p['aspath']['string']=='$VIA_BIRD'"
if ev_since "$EV" "$M" "$(ev_route_sel frr1 ipv4-unicast 10.26.1.0/24) and 65000 in e['asPath']"; then
  echo "info: FRR-1 sent msee-emu's own path back to it: $(ev_last "$EV" "$(ev_route_sel frr1 ipv4-unicast 10.26.1.0/24)" "e['asPathText']") (contains 65000)"
fi

M=$(ev_lines "$EV")
frr_ frr1 'configure terminal' 'router bgp 65002' 'address-family ipv4 unicast' 'network 10.26.1.0/24' >/dev/null
check_route_event 5 "msee-emu events: frr1 re-announced 10.26.1.0/24 with as-path 65002" \
  "$EV" frr1 ipv4-unicast 10.26.1.0/24 "e['asPath']==[65002]"
check_frr_only_path 10 "after FRR-1's re-announce, FRR-2 is back to '$VIA_FRR1'" \
  frr2 ipv4 10.26.1.0/24 "p['aspath']['string']=='$VIA_FRR1'"
check_frr_only_path 5 "FRR-1 again has only its own 10.26.1.0/24 (msee-emu withdrew the BIRD path from it)" \
  frr1 ipv4 10.26.1.0/24 "p.get('sourced') is True and p['aspath']['segments']==[]"

# ---------------------------------------------------------------- 2. attributes
check_frr_only_path 5 "FRR-2 has 10.26.2.0/24 as BIRD sent it plus 65000: as-path '65000 65001', no MED (RFC 4271 §5.1.4: an external MED is not passed to another AS), communities 65001:100 65001:200, large 65001:26:2, RT:65001:26, origin IGP, no local-pref, next hop $ME" \
  frr2 ipv4 10.26.2.0/24 "p['aspath']['string']=='65000 65001' and 'metric' not in p and p['community']['string']=='65001:100 65001:200' and p['largeCommunity']['string']=='65001:26:2' and p['extendedCommunity']['string']=='RT:65001:26' and p['origin']=='IGP' and p['nexthops'][0]['ip']=='$ME' and 'localpref' not in p"
check_route_event 2 "msee-emu events: bird4 sent 10.26.2.0/24 with those attributes (as-path 65001, MED 26)" \
  "$EV" bird4 ipv4-unicast 10.26.2.0/24 "e['asPath']==[65001] and e['med']==26 and cset(e['communities'])=={'65001:100','65001:200'} and cset(e['largeCommunities'])=={'65001:26:2'} and cset(e['extCommunities'])=={'rt:65001:26'}"

# ---------------------------------------------------------------- 3. IPv6
check_route_event 5 "msee-emu events: bird6 announced 2001:db8:26:1::/64 over ::1 (next hop 2001:db8:26::1)" \
  "$EV" bird6 ipv6-unicast 2001:db8:26:1::/64 "e['asPath']==[65001] and e['nextHop']=='2001:db8:26::1'"
check_frr_only_path 10 "FRR-2 has 2001:db8:26:1::/64 over its IPv4 session: as-path '65000 65001', next hop 2001:db8::26 (nextHop6), no MED, community 65001:6, large 65001:26:6" \
  frr2 ipv6 2001:db8:26:1::/64 "p['aspath']['string']=='65000 65001' and p['nexthops'][0]['ip']=='2001:db8::26' and 'metric' not in p and p['community']['string']=='65001:6' and p['largeCommunity']['string']=='65001:26:6'"
check "FRR-2 received exactly 1 IPv6 prefix from msee-emu" eq 1 pfx_rcd frr2 ipv6

# ---------------------------------------------------------------- 4. generator + End-of-RIB
WANT=$((GEN_COUNT + 2))
check_wait 10 "FRR-2 pfxRcd from msee-emu reaches $WANT ($GEN_COUNT generated + 10.26.1.0/24 + 10.26.2.0/24)" \
  eq "$WANT" pfx_rcd frr2
check "FRR-2 pfxRcd is exactly $WANT (got $(pfx_rcd frr2))" eq "$WANT" pfx_rcd frr2
check_frr_only_path 2 "FRR-2 has the first generated prefix 100.126.0.0/24: as-path 65000, community 65000:4001" \
  frr2 ipv4 100.126.0.0/24 "p['aspath']['string']=='65000' and p['community']['string']=='65000:4001'"
check_frr_only_path 2 "FRR-2 has the last generated prefix $GEN_LAST" frr2 ipv4 "$GEN_LAST" "p['aspath']['string']=='65000'"
frr_absent() { ! frr_ "$1" "show bgp $2 unicast $3 json" | jpy "d['paths']" >/dev/null; }
check "FRR-2 has no 100.141.161.0/24 (one past the block)" frr_absent frr2 ipv4 100.141.161.0/24
check "FRR-1 got none of the generated prefixes (pfxRcd still 1)" eq 1 pfx_rcd frr1
bird_absent() { ! birdc_ bird show route "$1" | grep -qF "${1%/*}"; }
check "BIRD got none of the generated prefixes (no 100.126.0.0/24)" bird_absent 100.126.0.0/24
EOR_EXPR="d['$ME']['gracefulRestartInfo']"
frr2_eor() { frr_get frr2 "show bgp neighbors $ME json" "$1"; }
check_wait 5 "FRR-2 neighbor JSON: End-of-RIB received from msee-emu for IPv4 unicast" \
  frr2_eor "${EOR_EXPR}['ipv4Unicast']['endOfRibStatus']['endOfRibRecv'] is True"
check_wait 5 "FRR-2 neighbor JSON: End-of-RIB received from msee-emu for IPv6 unicast" \
  frr2_eor "${EOR_EXPR}['ipv6Unicast']['endOfRibStatus']['endOfRibRecv'] is True"

# ---------------------------------------------------------------- 5. session loss
M=$(ev_lines "$EV")
kill -TERM "$FRR1_PID"
T_KILL=$(it_now_ms)
if it_wait 5 frr_only_path frr2 ipv4 10.26.1.0/24 "p['aspath']['string']=='$VIA_BIRD'"; then
  pass "FRR-2 moved 10.26.1.0/24 to '$VIA_BIRD' $(( $(it_now_ms) - T_KILL )) ms after SIGTERM to FRR-1"
else
  fail "FRR-2 did not move 10.26.1.0/24 to '$VIA_BIRD' within 5 s of SIGTERM to FRR-1"
  echo "    FRR-2 has: $(frr_ frr2 'show bgp ipv4 unicast 10.26.1.0/24 json' | jpy "[p['aspath']['string'] for p in d['paths']]")"
fi
check_wait 3 "msee-emu events: frr1 session-down kind NotificationReceived (Cease) after FRR-1's SIGTERM" \
  ev_since "$EV" "$M" "e['event']=='session-down' and e['peer']=='frr1' and e['kind']=='NotificationReceived' and e['notification']['code']==6"
ev_after "$EV" "$M" | grep '"session-down"' | head -n 1 | sed 's/^/info: /'
check "msee-emu kept FRR-2's other routes (pfxRcd $((WANT)))" eq "$WANT" pfx_rcd frr2
check "msee-emu events: no session-down for bird4, bird6 or frr2 during the test" \
  test "$(ev_count "$EV" "e['event']=='session-down' and e['peer'] in ('bird4','bird6','frr2')")" = 0

it_finish
