#!/usr/bin/env bash
# test_bird.sh — msee-emu <-> BIRD 2: IPv4 session 127.22.0.10 <-> 127.22.0.2 (port 179 both) and
# IPv6 on ::1 (BIRD [::1]:17220, msee-emu [::1]:17221), routes and attributes both ways (MED,
# communities, large and extended communities, 4-octet AS path) checked in `birdc show route all`
# and in the msee-emu event log; then TCP-MD5 (RFC 2385) against four more BIRD sessions:
# same key (Established), wrong key, key only on msee-emu, key only on BIRD (never Established;
# msee-emu reports the kernel's MD5 drops as "md5" events where it has a key configured).
set -u
source "$(dirname "$0")/lib.sh"
it_need bird birdc ss
it_init bird

A=127.22.0
BIRD=$A.2
ME=$A.10
BIRD_V6_PORT=17220
ME_V6_PORT=17221
KEY=s3cret-22
# BIRD serialises BGP protocols that share a neighbor address (object lock on the remote IP), so
# each MD5 session uses its own pair: BIRD 127.22.0.N <-> msee-emu 127.22.0.1N (N = 3..6).
it_require_ports "$ME 179" "$BIRD 179" "::1 $BIRD_V6_PORT" "::1 $ME_V6_PORT"
for n in 3 4 5 6; do it_require_ports "$A.$n 179" "$A.1$n 179"; done

cat > "$T/bird.conf" <<CONF
log stderr all;
router id $BIRD;
protocol device { }
protocol static s4 { ipv4; route 10.22.1.0/24 blackhole; route 10.22.2.0/24 blackhole; }
protocol static s6 { ipv6; route 2001:db8:22:1::/64 blackhole; }
filter to_msee {
  bgp_path.prepend(4200000003);
  bgp_med = 88;
  bgp_community.add((65002,100)); bgp_community.add((65002,200));
  bgp_large_community.add((4200000003,7,8));
  bgp_ext_community.add((rt,65002,5));
  accept;
}
$(bird_to_msee 65002 "$BIRD" "$ME" 65010 "$BIRD_V6_PORT" "$ME_V6_PORT" 2001:db8:22::2 to_msee)
protocol bgp md5ok from fast {
  local $A.3 as 65002; neighbor $A.13 as 65010; password "$KEY";
  ipv4 { import all; export none; };
}
protocol bgp md5wrong from fast {
  local $A.4 as 65002; neighbor $A.14 as 65010; password "WRONG-$KEY";
  ipv4 { import all; export none; };
}
protocol bgp md5none from fast {
  local $A.5 as 65002; neighbor $A.15 as 65010;
  ipv4 { import all; export none; };
}
protocol bgp md5birdonly from fast {
  local $A.6 as 65002; neighbor $A.16 as 65010; password "$KEY";
  ipv4 { import all; export none; };
}
CONF

nb() {  # nb NAME ADDR LOCAL [extra JSON members]
  echo "{ \"name\": \"$1\", \"address\": \"$2\", \"localAddress\": \"$3\", \"peerAsn\": 65002, \"connectRetry\": 1, \"idleHoldTime\": 1, \"families\": [\"ipv4-unicast\"]${4:+, $4} }"
}
mkdir -p "$T/msee"
cat > "$T/msee/config.json" <<CONF
{
$(router_head 65010 "$ME" "$ME_V6_PORT" $A.13 $A.14 $A.15 $A.16)
  "neighbors": [
    $(nb bird4 "$BIRD" "$ME"),
    { "name": "bird6", "address": "::1", "port": $BIRD_V6_PORT, "localAddress": "::1",
      "peerAsn": 65002, "connectRetry": 1, "idleHoldTime": 1, "families": ["ipv6-unicast"],
      "nextHop6": "2001:db8:22::10" },
    $(nb md5ok "$A.3" "$A.13" "\"md5Password\": \"$KEY\""),
    $(nb md5wrong "$A.4" "$A.14" "\"md5Password\": \"$KEY\""),
    $(nb md5none "$A.5" "$A.15" "\"md5Password\": \"$KEY\""),
    $(nb md5birdonly "$A.6" "$A.16")
  ],
  "announce": $(attr_announce bird4 bird6)
}
CONF

md5_counters() {
  awk '/^TcpExt:/ { if (!h) { split($0, k); h = 1 } else { split($0, v); for (i in k) if (k[i] ~ /MD5/) printf "%s=%s ", k[i], v[i] } }' /proc/net/netstat
}
it_on_fail() {
  birdc_ bird show protocols all 2>&1 | grep -E '^[a-z0-9]+ +BGP|BGP state|Last error|Routes:'
  birdc_ bird show route all 2>&1
  echo "kernel MD5 counters: $(md5_counters)"
}

echo "kernel MD5 counters before: $(md5_counters)"
start_bird bird "$T/bird.conf"
start_msee msee "$T/msee/config.json"
T_START=$(it_now_ms)
EV=$(msee_events msee)

# ---------------------------------------------------------------- sessions
check_wait 20 "BIRD sees the IPv4 session msee4 ($ME) Established" bird_established bird msee4 || exit 1
check_wait 20 "BIRD sees the IPv6 session msee6 (::1) Established" bird_established bird msee6 || exit 1
check_wait 5 "msee-emu events: bird4 established with 4-octet AS, ipv4-unicast" \
  ev_has "$EV" "e['event']=='established' and e['peer']=='bird4' and e['fourOctetAs'] is True and e['peerAsn']==65002 and e['families']==['ipv4-unicast']"
check_wait 5 "msee-emu events: bird6 established, ipv6-unicast" \
  ev_has "$EV" "e['event']=='established' and e['peer']=='bird6' and e['families']==['ipv6-unicast']"

# ---------------------------------------------------------------- msee-emu -> BIRD
for p in 10.10.1.0/24 10.10.2.0/24; do
  check_bird_route 10 "bird sees $p from msee4: as_path 65010 4200000001 65020, med 50, communities (65010,100) (65535,65281)=no-export, large (4200000001, 1, 2), ext (rt, 65010, 1), next hop $ME" \
    bird "$p" "r['proto']=='msee4' and r['BGP.as_path']=='65010 4200000001 65020' and r['BGP.origin']=='IGP' and r['BGP.med']=='50' and r['BGP.community']=='(65010,100) (65535,65281)' and r['BGP.large_community']=='(4200000001, 1, 2)' and r['BGP.ext_community']=='(rt, 65010, 1)' and r['BGP.next_hop']=='$ME'"
done
check_bird_route 10 "bird sees 2001:db8:10::/48 from msee6: as_path 65010 4200000001 65020, med 60, community (65010,6), large (4200000001, 6, 6), ext (rt, 65010, 6), next hop 2001:db8:22::10" \
  bird 2001:db8:10::/48 "r['proto']=='msee6' and r['BGP.as_path']=='65010 4200000001 65020' and r['BGP.med']=='60' and r['BGP.community']=='(65010,6)' and r['BGP.large_community']=='(4200000001, 6, 6)' and r['BGP.ext_community']=='(rt, 65010, 6)' and r['BGP.next_hop']=='2001:db8:22::10'"
bird_imported() { birdc_ bird show protocols all "$1" | awk '/Routes:/{print $2; exit}'; }
check "BIRD imported exactly 2 routes from msee4" eq 2 bird_imported msee4
check "BIRD imported exactly 1 route from msee6" eq 1 bird_imported msee6

# ---------------------------------------------------------------- BIRD -> msee-emu
for p in 10.22.1.0/24 10.22.2.0/24; do
  check_route_event 10 "msee-emu events: bird4 announced $p with as-path 65002 4200000003, med 88, communities 65002:100 65002:200, large 4200000003:7:8, rt:65002:5, next hop $BIRD" \
    "$EV" bird4 ipv4-unicast "$p" "e['asPath']==[65002,4200000003] and e['asPathText']=='65002 4200000003' and e['med']==88 and cset(e['communities'])=={'65002:100','65002:200'} and cset(e['largeCommunities'])=={'4200000003:7:8'} and cset(e['extCommunities'])=={'rt:65002:5'} and e['origin']=='igp' and e['nextHop']=='$BIRD'"
done
check_route_event 10 "msee-emu events: bird6 announced 2001:db8:22:1::/64 with as-path 65002 4200000003, med 88, same communities, next hop 2001:db8:22::2" \
  "$EV" bird6 ipv6-unicast 2001:db8:22:1::/64 "e['asPath']==[65002,4200000003] and e['med']==88 and cset(e['communities'])=={'65002:100','65002:200'} and cset(e['largeCommunities'])=={'4200000003:7:8'} and cset(e['extCommunities'])=={'rt:65002:5'} and e['nextHop']=='2001:db8:22::2'"
check_wait 5 "msee-emu events: End-of-RIB ipv4-unicast from bird4" \
  ev_has "$EV" "e['event']=='end-of-rib' and e['peer']=='bird4' and e['family']=='ipv4-unicast'"

# ---------------------------------------------------------------- withdraw
birdc_ bird disable s4 >/dev/null
check_wait 10 "msee-emu events: bird4 withdrew 10.22.1.0/24 after 'birdc disable s4'" \
  ev_has "$EV" "$(ev_route_sel bird4 ipv4-unicast 10.22.1.0/24 withdraw)"
check_wait 10 "msee-emu events: bird4 withdrew 10.22.2.0/24" \
  ev_has "$EV" "$(ev_route_sel bird4 ipv4-unicast 10.22.2.0/24 withdraw)"

# ---------------------------------------------------------------- TCP-MD5
check_wait 20 "MD5, same key on both sides: BIRD md5ok Established" bird_established bird md5ok
check_wait 5 "MD5, same key on both sides: msee-emu events md5ok established" \
  ev_has "$EV" "e['event']=='established' and e['peer']=='md5ok'"
# give the mismatched sessions at least 10 s of connect attempts (both sides retry every 1-2 s)
left=$(( 10000 - ($(it_now_ms) - T_START) ))
[ "$left" -gt 0 ] && sleep "$((left / 1000)).$(printf %03d $((left % 1000)))"
for p in md5wrong md5none md5birdonly; do
  case $p in
    md5wrong) what="wrong key on BIRD's side" ;;
    md5none) what="key only on msee-emu" ;;
    md5birdonly) what="key only on BIRD" ;;
  esac
  check "MD5, $what: msee-emu events show no established for $p after 10 s" \
    test "$(ev_count "$EV" "e['event']=='established' and e['peer']=='$p'")" = 0
  check "MD5, $what: BIRD $p is not Established (state $(bird_state bird $p))" \
    test "$(bird_state bird $p)" != Established
done
check_wait 5 "MD5, wrong key on BIRD's side: msee-emu events have an md5 event for md5wrong" \
  ev_has "$EV" "e['event']=='md5' and e['peer']=='md5wrong' and e.get('message')"
check_wait 5 "MD5, key missing on BIRD's side: msee-emu events have an md5 event for md5none" \
  ev_has "$EV" "e['event']=='md5' and e['peer']=='md5none' and e.get('message')"
for p in md5wrong md5none; do
  ev_has "$EV" "e['event']=='md5' and e['peer']=='$p'" || \
    echo "    (msee-emu stderr lines mentioning md5 for $p: $(grep -ci md5 "$T/msee/stderr.log"))"
done
if ev_has "$EV" "e['event']=='md5' and e['peer']=='md5birdonly'"; then
  echo "info: msee-emu also reported md5 for md5birdonly (no key configured there)"
fi
ev_show "$EV" "e['event']=='md5'" | head -n 3 | sed 's/^/info: /'
echo "kernel MD5 counters after:  $(md5_counters)"
check "msee-emu events: no session-down for bird4, bird6 or md5ok during the test" \
  test "$(ev_count "$EV" "e['event']=='session-down' and e['peer'] in ('bird4','bird6','md5ok')")" = 0

it_finish
