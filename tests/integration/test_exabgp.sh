#!/usr/bin/env bash
# test_exabgp.sh — ExaBGP 4.2 -> msee-emu: ExaBGP only connects (never listens), so both msee-emu
# neighbors are "passive". IPv4 127.24.0.2 -> 127.24.0.10:179, IPv6 ::1 -> [::1]:17241.
# ExaBGP announces IPv4/IPv6 routes with MED, communities, large and extended communities and an
# AS path holding a 4-octet AS; the msee-emu event log must show them unchanged. msee-emu
# announces its routes to ExaBGP, whose API process (receive { parsed; update; }, encoder json)
# records them in a file that the test reads. Also checks msee-emu's default next hops (the
# session's local address, v4 and v6).
set -u
source "$(dirname "$0")/lib.sh"
it_need exabgp ss
it_init exabgp

A=127.24.0
EXA=$A.2
ME=$A.10
ME_V6_PORT=17241
it_require_ports "$ME 179" "::1 $ME_V6_PORT"

cat > "$T/feed.sh" <<CONF
#!/bin/sh
# ExaBGP API process: one command per line on stdout; it must not exit (ExaBGP would respawn it)
echo "neighbor $ME announce route 10.24.1.0/24 next-hop 192.0.2.24 origin igp as-path [ 65004 4200000005 ] med 44 community [ 65004:100 65004:200 ] large-community [ 4200000005:7:8 ] extended-community [ target:65004:5 ]"
echo "neighbor $ME announce attributes next-hop 192.0.2.24 origin egp as-path [ 65004 4200000005 65099 ] med 45 community [ 65004:300 ] large-community [ 4200000005:9:9 4200000005:9:10 ] nlri 10.24.2.0/24 10.24.3.0/24"
echo "neighbor ::1 announce route 2001:db8:24:1::/64 next-hop 2001:db8:24::2 origin igp as-path [ 65004 4200000005 ] med 46 community [ 65004:600 ] large-community [ 4200000005:6:6 ] extended-community [ target:65004:6 ]"
# stay alive as long as ExaBGP does (bounded: a SIGKILLed ExaBGP must not leave us behind)
i=0; while [ \$i -lt 600 ] && kill -0 \$PPID 2>/dev/null; do sleep 0.5; i=\$((i + 1)); done
CONF
cat > "$T/record.py" <<CONF
#!/usr/bin/python3
# ExaBGP API process: every JSON message ExaBGP hands us goes to received.jsonl, one per line.
# ExaBGP gives us a non-blocking stdin: make it blocking so readline() waits for data.
import os, sys
os.set_blocking(0, True)
with open("$T/received.jsonl", "a") as out:
    for line in sys.stdin:
        out.write(line)
        out.flush()
CONF
chmod +x "$T/feed.sh" "$T/record.py"
: > "$T/received.jsonl"
cat > "$T/exabgp.conf" <<CONF
process feed { run $T/feed.sh; encoder text; }
process record { run $T/record.py; encoder json; }
template {
  neighbor common {
    router-id $EXA; local-as 65004; peer-as 65010; hold-time 9;
    api { processes [ feed record ]; neighbor-changes; receive { parsed; update; } }
  }
}
neighbor $ME { inherit common; local-address $EXA; family { ipv4 unicast; } }
neighbor ::1 { inherit common; local-address ::1; connect $ME_V6_PORT; family { ipv6 unicast; } }
CONF

mkdir -p "$T/msee"
cat > "$T/msee/config.json" <<CONF
{
$(router_head 65010 "$ME" "$ME_V6_PORT")
  "neighbors": [
    { "name": "exa4", "address": "$EXA", "peerAsn": 65004, "passive": true,
      "idleHoldTime": 1, "families": ["ipv4-unicast"] },
    { "name": "exa6", "address": "::1", "peerAsn": 65004, "passive": true,
      "idleHoldTime": 1, "families": ["ipv6-unicast"] }
  ],
  "announce": $(attr_announce exa4 exa6 incomplete 4200000001)
}
CONF

RX=$T/received.jsonl
it_watch "ExaBGP received.jsonl" "$RX"
# exa_route PEER FAMILY PREFIX COND : ExaBGP recorded an UPDATE from PEER announcing PREFIX whose
# attributes r (ExaBGP JSON names, plus r['next-hop']) satisfy COND
exa_route() {
  ev_has "$RX" "e.get('type')=='update' and g(e,'neighbor.address.peer')=='$1' and (lambda r: r is not None and ($4))(exa(e,'$2','$3'))"
}
check_exa_route() {
  local t=$1 what=$2; shift 2
  if it_wait "$t" exa_route "$@"; then pass "$what"; return 0; fi
  fail "$what"
  echo "    wanted: $4"
  echo "    ExaBGP updates from $1:"
  ev_show "$RX" "e.get('type')=='update' and g(e,'neighbor.address.peer')=='$1'" | tail -n 4 | sed 's/^/      /'
  return 1
}
exa_state_up() {
  ev_has "$RX" "e.get('type')=='state' and g(e,'neighbor.address.peer')=='$1' and g(e,'neighbor.state')=='up'"
}

start_msee msee "$T/msee/config.json"
start_exabgp exa "$T/exabgp.conf"
EV=$(msee_events msee)

# ---------------------------------------------------------------- sessions
check_wait 20 "ExaBGP reports the IPv4 session with msee-emu ($ME) up" exa_state_up "$ME" || exit 1
check_wait 20 "ExaBGP reports the IPv6 session with msee-emu (::1) up" exa_state_up ::1 || exit 1
check_wait 5 "msee-emu events: exa4 established (passive side), 4-octet AS, hold time 9" \
  ev_has "$EV" "e['event']=='established' and e['peer']=='exa4' and e['fourOctetAs'] is True and e['holdTime']==9 and e['peerAsn']==65004"
check_wait 5 "msee-emu events: exa6 established, ipv6-unicast" \
  ev_has "$EV" "e['event']=='established' and e['peer']=='exa6' and e['families']==['ipv6-unicast']"

# ---------------------------------------------------------------- ExaBGP -> msee-emu
check_route_event 10 "msee-emu events: exa4 announced 10.24.1.0/24 with as-path 65004 4200000005, med 44, communities 65004:100 65004:200, large 4200000005:7:8, rt:65004:5, origin igp, next hop 192.0.2.24" \
  "$EV" exa4 ipv4-unicast 10.24.1.0/24 "e['asPath']==[65004,4200000005] and e['asPathText']=='65004 4200000005' and e['med']==44 and cset(e['communities'])=={'65004:100','65004:200'} and cset(e['largeCommunities'])=={'4200000005:7:8'} and cset(e['extCommunities'])=={'rt:65004:5'} and e['origin']=='igp' and e['nextHop']=='192.0.2.24'"
for p in 10.24.2.0/24 10.24.3.0/24; do
  check_route_event 10 "msee-emu events: exa4 announced $p with as-path 65004 4200000005 65099, origin egp, med 45, community 65004:300, large 4200000005:9:9 4200000005:9:10, no ext communities" \
    "$EV" exa4 ipv4-unicast "$p" "e['asPath']==[65004,4200000005,65099] and e['origin']=='egp' and e['med']==45 and cset(e['communities'])=={'65004:300'} and cset(e['largeCommunities'])=={'4200000005:9:9','4200000005:9:10'} and not e.get('extCommunities') and e['nextHop']=='192.0.2.24'"
done
check_route_event 10 "msee-emu events: exa6 announced 2001:db8:24:1::/64 with as-path 65004 4200000005, med 46, community 65004:600, large 4200000005:6:6, rt:65004:6, next hop 2001:db8:24::2" \
  "$EV" exa6 ipv6-unicast 2001:db8:24:1::/64 "e['asPath']==[65004,4200000005] and e['med']==46 and cset(e['communities'])=={'65004:600'} and cset(e['largeCommunities'])=={'4200000005:6:6'} and cset(e['extCommunities'])=={'rt:65004:6'} and e['origin']=='igp' and e['nextHop']=='2001:db8:24::2'"

# ---------------------------------------------------------------- msee-emu -> ExaBGP
for p in 10.10.1.0/24 10.10.2.0/24; do
  check_exa_route 10 "exabgp received $p: as-path 65010 4200000001 65020, med 50, communities 65010:100 65535:65281(no-export), large 4200000001:1:2, target:65010:1, next hop $ME (default = local address)" \
    "$ME" "ipv4 unicast" "$p" "r['as-path']==[65010,4200000001,65020] and r['origin']=='igp' and r['med']==50 and sorted(r['community'])==sorted([[65010,100],[65535,65281]]) and r['large-community']==[[4200000001,1,2]] and [x['string'] for x in r['extended-community']]==['target:65010:1'] and r['next-hop']=='$ME' and 'local-preference' not in r"
done
check_exa_route 10 "exabgp received 2001:db8:10::/48: as-path 65010 4200000001, origin incomplete, med 60, community 65010:6, large 4200000001:6:6, target:65010:6, next hop ::1 (default = local v6 address)" \
  ::1 "ipv6 unicast" 2001:db8:10::/48 "r['as-path']==[65010,4200000001] and r['origin']=='incomplete' and r['med']==60 and r['community']==[[65010,6]] and r['large-community']==[[4200000001,6,6]] and [x['string'] for x in r['extended-community']]==['target:65010:6'] and r['next-hop']=='::1'"
if ev_has "$RX" "g(e,'neighbor.address.peer')=='$ME' and g(e,'neighbor.message.eor.afi')=='ipv4'"; then
  echo "info: msee-emu sent End-of-RIB for ipv4 unicast (optional without graceful restart)"
fi
check "msee-emu events: no session-down during the test" \
  test "$(ev_count "$EV" "e['event']=='session-down'")" = 0

it_finish
