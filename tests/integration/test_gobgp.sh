#!/usr/bin/env bash
# test_gobgp.sh — msee-emu <-> GoBGP 3.x: IPv4 session 127.23.0.10 <-> 127.23.0.2 and IPv6 on ::1
# (GoBGP listens on port 17230 for both, msee-emu on 127.23.0.10:179 and [::1]:17231; both sides
# connect). Routes with MED, communities, large and extended communities and a 4-octet AS path
# both ways, checked in GoBGP's Adj-RIB-In / global RIB and in the msee-emu event log.
# GoBGP treats any UPDATE with a loopback NEXT_HOP as withdrawn, so msee-emu sends the configured
# per-neighbor "nextHop"/"nextHop6" (192.0.2.10 / 2001:db8:23::10) and GoBGP 192.0.2.23 /
# 2001:db8:23::2.
set -u
source "$(dirname "$0")/lib.sh"
it_need gobgpd gobgp ss
it_init gobgp

A=127.23.0
GB=$A.2
ME=$A.10
GB_PORT=17230
ME_V6_PORT=17231
it_require_ports "$ME 179" "$GB $GB_PORT" "::1 $GB_PORT" "::1 $ME_V6_PORT"

gb_neighbor() {  # gb_neighbor ADDR LOCAL REMOTE_PORT FAMILY
  cat <<CONF
[[neighbors]]
  [neighbors.config]
    neighbor-address = "$1"
    peer-as = 65010
  [neighbors.transport.config]
    local-address = "$2"
    remote-port = $3
  [neighbors.ebgp-multihop.config]
    enabled = true
    multihop-ttl = 2
  [neighbors.timers.config]
    connect-retry = 1
    hold-time = 9
    keepalive-interval = 3
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "$4"
CONF
}
{
  cat <<CONF
[global.config]
  as = 65003
  router-id = "$GB"
  port = $GB_PORT
  local-address-list = ["$GB", "::1"]
CONF
  gb_neighbor "$ME" "$GB" 179 ipv4-unicast
  gb_neighbor ::1 ::1 "$ME_V6_PORT" ipv6-unicast
} > "$T/gobgpd.toml"

mkdir -p "$T/msee"
cat > "$T/msee/config.json" <<CONF
{
$(router_head 65010 "$ME" "$ME_V6_PORT")
  "neighbors": [
    { "name": "gobgp4", "address": "$GB", "port": $GB_PORT, "localAddress": "$ME",
      "peerAsn": 65003, "connectRetry": 1, "idleHoldTime": 1, "families": ["ipv4-unicast"],
      "nextHop": "192.0.2.10" },
    { "name": "gobgp6", "address": "::1", "port": $GB_PORT, "localAddress": "::1",
      "peerAsn": 65003, "connectRetry": 1, "idleHoldTime": 1, "families": ["ipv6-unicast"],
      "nextHop6": "2001:db8:23::10" }
  ],
  "announce": $(attr_announce gobgp4 gobgp6)
}
CONF

it_on_fail() {
  gobgp_ gobgp neighbor 2>&1
  gobgp_ gobgp global rib -a ipv4 2>&1; gobgp_ gobgp global rib -a ipv6 2>&1
}

start_gobgp gobgp "$T/gobgpd.toml"
gobgp_ gobgp global rib add -a ipv4 10.23.1.0/24 origin igp aspath 4200000004 nexthop 192.0.2.23 \
  med 99 community 65003:100,65003:200 large-community 4200000004:7:8 rt 65003:5 || die "gobgp global rib add (v4) failed"
gobgp_ gobgp global rib add -a ipv4 10.23.2.0/24 origin igp aspath 4200000004 nexthop 192.0.2.23 \
  med 99 community 65003:100,65003:200 large-community 4200000004:7:8 rt 65003:5 || die "gobgp global rib add (v4) failed"
gobgp_ gobgp global rib add -a ipv6 2001:db8:23:1::/64 origin igp aspath 4200000004 nexthop 2001:db8:23::2 \
  med 98 community 65003:600 large-community 4200000004:6:6 rt 65003:6 || die "gobgp global rib add (v6) failed"
start_msee msee "$T/msee/config.json"
EV=$(msee_events msee)

# ---------------------------------------------------------------- sessions
check_wait 20 "GoBGP sees the IPv4 session with msee-emu ($ME) established (state 6)" gobgp_established gobgp "$ME" || exit 1
check_wait 20 "GoBGP sees the IPv6 session with msee-emu (::1) established (state 6)" gobgp_established gobgp ::1 || exit 1
check_wait 5 "msee-emu events: gobgp4 established with 4-octet AS, hold time 9" \
  ev_has "$EV" "e['event']=='established' and e['peer']=='gobgp4' and e['fourOctetAs'] is True and e['holdTime']==9 and e['peerAsn']==65003"
check_wait 5 "msee-emu events: gobgp6 established, ipv6-unicast" \
  ev_has "$EV" "e['event']=='established' and e['peer']=='gobgp6' and e['families']==['ipv6-unicast']"

# ---------------------------------------------------------------- msee-emu -> GoBGP
for p in 10.10.1.0/24 10.10.2.0/24; do
  check_gobgp_adjin 10 "gobgp adj-in from msee-emu has $p: as-path 65010 4200000001 65020, med 50, communities 65010:100 no-export(65535:65281), large 4200000001:1:2, rt:65010:1, next hop 192.0.2.10" \
    gobgp "$ME" ipv4 "$p" "p['aspath']==[65010,4200000001,65020] and p['origin']==0 and p['med']==50 and p['communities']=={'65010:100','65535:65281'} and p['large']=={'4200000001:1:2'} and p['ext']=={'rt:65010:1'} and p['nexthop']=='192.0.2.10' and 'localpref' not in p"
done
check_gobgp_adjin 10 "gobgp adj-in from msee-emu has 2001:db8:10::/48: as-path 65010 4200000001 65020, med 60, community 65010:6, large 4200000001:6:6, rt:65010:6, next hop 2001:db8:23::10" \
  gobgp ::1 ipv6 2001:db8:10::/48 "p['aspath']==[65010,4200000001,65020] and p['med']==60 and p['communities']=={'65010:6'} and p['large']=={'4200000001:6:6'} and p['ext']=={'rt:65010:6'} and p['nexthop']=='2001:db8:23::10'"
gb_accepted() { gobgp_ gobgp neighbor "$1" -j | jpy "d['afi_safis'][0]['state'].get('accepted',0)"; }
check "GoBGP accepted exactly 2 IPv4 prefixes from msee-emu" eq 2 gb_accepted "$ME"
check "GoBGP accepted exactly 1 IPv6 prefix from msee-emu" eq 1 gb_accepted ::1
check "GoBGP did not treat any msee-emu UPDATE as withdraw (next hop handling)" \
  sh -c "! grep -qi 'treated as withdraw' '$T/gobgp/gobgpd.log'"

# ---------------------------------------------------------------- GoBGP -> msee-emu
for p in 10.23.1.0/24 10.23.2.0/24; do
  check_route_event 10 "msee-emu events: gobgp4 announced $p with as-path 65003 4200000004, med 99, communities 65003:100 65003:200, large 4200000004:7:8, rt:65003:5, next hop 192.0.2.23" \
    "$EV" gobgp4 ipv4-unicast "$p" "e['asPath']==[65003,4200000004] and e['asPathText']=='65003 4200000004' and e['med']==99 and cset(e['communities'])=={'65003:100','65003:200'} and cset(e['largeCommunities'])=={'4200000004:7:8'} and cset(e['extCommunities'])=={'rt:65003:5'} and e['origin']=='igp' and e['nextHop']=='192.0.2.23'"
done
check_route_event 10 "msee-emu events: gobgp6 announced 2001:db8:23:1::/64 with as-path 65003 4200000004, med 98, community 65003:600, large 4200000004:6:6, rt:65003:6, next hop 2001:db8:23::2" \
  "$EV" gobgp6 ipv6-unicast 2001:db8:23:1::/64 "e['asPath']==[65003,4200000004] and e['med']==98 and cset(e['communities'])=={'65003:600'} and cset(e['largeCommunities'])=={'4200000004:6:6'} and cset(e['extCommunities'])=={'rt:65003:6'} and e['nextHop']=='2001:db8:23::2'"

# ---------------------------------------------------------------- withdraw
gobgp_ gobgp global rib del -a ipv4 10.23.2.0/24 >/dev/null
check_wait 10 "msee-emu events: gobgp4 withdrew 10.23.2.0/24 after 'gobgp global rib del'" \
  ev_has "$EV" "$(ev_route_sel gobgp4 ipv4-unicast 10.23.2.0/24 withdraw)"
# ROUTE-REFRESH towards GoBGP (GoBGP's own "softresetin" only re-applies policy to its stored
# Adj-RIB-In and sends nothing, so only this direction is tested here)
M=$(ev_lines "$EV")
MSEE_PID=$(it_pid_of msee)
kill -USR1 "$MSEE_PID"
check_wait 5 "msee-emu events: ROUTE-REFRESH ipv4-unicast sent to gobgp4 after SIGUSR1" \
  ev_since "$EV" "$M" "e['event']=='route-refresh' and e['peer']=='gobgp4' and e['direction']=='sent' and e['family']=='ipv4-unicast'"
check_wait 5 "msee-emu events: ROUTE-REFRESH ipv6-unicast sent to gobgp6 after SIGUSR1" \
  ev_since "$EV" "$M" "e['event']=='route-refresh' and e['peer']=='gobgp6' and e['direction']=='sent' and e['family']=='ipv6-unicast'"
gb_refresh_rx() { gobgp_ gobgp neighbor "$1" -j | jpy "d['state']['messages']['received'].get('refresh',0) >= 1"; }
check_wait 5 "GoBGP counted a received ROUTE-REFRESH from msee-emu (IPv4 session)" gb_refresh_rx "$ME"
check_wait 5 "GoBGP counted a received ROUTE-REFRESH from msee-emu (IPv6 session)" gb_refresh_rx ::1
check_wait 8 "msee-emu events: GoBGP re-sent 10.23.1.0/24 after the refresh" \
  ev_since "$EV" "$M" "$(ev_route_sel gobgp4 ipv4-unicast 10.23.1.0/24) and e['asPath']==[65003,4200000004] and e['med']==99"
check_wait 8 "msee-emu events: GoBGP re-sent 2001:db8:23:1::/64 after the refresh" \
  ev_since "$EV" "$M" "$(ev_route_sel gobgp6 ipv6-unicast 2001:db8:23:1::/64) and e['asPath']==[65003,4200000004]"
check "msee-emu events: the withdrawn 10.23.2.0/24 was not re-sent by GoBGP" \
  test "$(ev_after "$EV" "$M" | "$IT_PY" "$IT_LIB_DIR/itq.py" count /dev/stdin "$(ev_route_sel gobgp4 ipv4-unicast 10.23.2.0/24)")" = 0
check "msee-emu events: no session-down during the test" \
  test "$(ev_count "$EV" "e['event']=='session-down'")" = 0

it_finish
