#!/usr/bin/env bash
# test_frr.sh — msee-emu <-> FRR bgpd 8.x (no zebra): IPv4 session 127.21.0.10 <-> 127.21.0.2 and
# IPv6 session on ::1 (FRR listens on port 17210 for both, msee-emu on 127.21.0.10:179 and
# [::1]:17211; both sides connect). Proves, from FRR's CLI and from the msee-emu event log:
# routes and attributes both ways (MED, communities, large and extended communities, 4-octet AS
# path), ROUTE-REFRESH both ways (RFC 2918 / 7313), hold timer expiry (RFC 4271 §6.5) and the
# administrative shutdown NOTIFICATION with its RFC 9003 message.
set -u
source "$(dirname "$0")/lib.sh"
it_need /usr/lib/frr/bgpd vtysh ss
it_init frr

A=127.21.0
FRR=$A.2
ME=$A.10
FRR_PORT=17210
ME_V6_PORT=17211
SHUT_MSG="msee-emu h4 integration shutdown"
it_require_ports "$ME 179" "$FRR $FRR_PORT" "::1 $FRR_PORT" "::1 $ME_V6_PORT"

# The log file's path is absolute: bgpd resolves a relative one against its working directory.
cat > "$T/bgpd.conf" <<CONF
frr defaults datacenter
hostname frr21
log file $T/frr/bgpd.log informational
route-map FRR_V4_ATTRS permit 10
 set as-path prepend 4200000002
 set metric 77
 set community 65001:100 65001:200
 set large-community 4200000002:7:8
 set extcommunity rt 65001:5
route-map FRR_V6_ATTRS permit 10
 set as-path prepend 4200000002
 set metric 66
 set community 65001:600
 set large-community 4200000002:6:6
 set extcommunity rt 65001:6
router bgp 65001
 bgp router-id $FRR
 no bgp ebgp-requires-policy
 no bgp network import-check
 bgp allow-martian-nexthop
 no bgp default ipv4-unicast
 neighbor $ME remote-as 65010
 neighbor $ME update-source $FRR
 neighbor $ME timers connect 1
 neighbor ::1 remote-as 65010
 neighbor ::1 port $ME_V6_PORT
 neighbor ::1 update-source ::1
 neighbor ::1 timers connect 1
 address-family ipv4 unicast
  neighbor $ME activate
  network 10.21.1.0/24 route-map FRR_V4_ATTRS
  network 10.21.2.0/24 route-map FRR_V4_ATTRS
 exit-address-family
 address-family ipv6 unicast
  neighbor ::1 activate
  network 2001:db8:21:1::/64 route-map FRR_V6_ATTRS
 exit-address-family
CONF

# msee-emu advertises the graceful restart capability (RFC 4724) to FRR: FRR 8.x sends End-of-RIB
# only to peers that advertise it, and with Enhanced Route Refresh negotiated it postpones its
# answer to a ROUTE-REFRESH until after that End-of-RIB -- i.e. forever without GR
# (FRRouting/frr issue #16126).
mkdir -p "$T/msee"
cat > "$T/msee/config.json" <<CONF
{
$(router_head 65010 "$ME" "$ME_V6_PORT")
  "neighbors": [
    { "name": "frr4", "address": "$FRR", "port": $FRR_PORT, "localAddress": "$ME",
      "peerAsn": 65001, "holdTime": 3, "minHoldTime": 3, "connectRetry": 1, "idleHoldTime": 1,
      "families": ["ipv4-unicast"], "capabilities": { "gracefulRestart": 120 } },
    { "name": "frr6", "address": "::1", "port": $FRR_PORT, "localAddress": "::1",
      "peerAsn": 65001, "holdTime": 3, "minHoldTime": 3, "connectRetry": 1, "idleHoldTime": 1,
      "families": ["ipv6-unicast"], "nextHop6": "2001:db8:21::10",
      "capabilities": { "gracefulRestart": 120 } }
  ],
  "announce": $(attr_announce frr4 frr6 igp "4200000001, 65020" "")
}
CONF

it_on_fail() {
  frr_ frr 'show bgp summary' 'show bgp ipv4 unicast' 'show bgp ipv6 unicast' 2>&1
  frr_ frr "show bgp neighbors $ME" 'show bgp neighbors ::1' 2>&1 | grep -E 'BGP state|Last reset|Notification|Hold time'
}

start_frr frr "$T/bgpd.conf" "$FRR_PORT" "$FRR" ::1
start_msee msee "$T/msee/config.json" --shutdown-message "$SHUT_MSG"
EV=$(msee_events msee)
MSEE_PID=$(it_pid_of msee)
FRR_PID=$(it_pid_of frr)

# ---------------------------------------------------------------- sessions
check_wait 20 "FRR sees the IPv4 session with msee-emu ($ME) Established" frr_established frr "$ME" ipv4 || exit 1
check_wait 20 "FRR sees the IPv6 session with msee-emu (::1) Established" frr_established frr ::1 ipv6 || exit 1
check_wait 5 "msee-emu events: frr4 established, 4-octet AS, hold time 3" \
  ev_has "$EV" "e['event']=='established' and e['peer']=='frr4' and e['fourOctetAs'] is True and e['holdTime']==3 and e['peerAsn']==65001 and e['families']==['ipv4-unicast']"
check_wait 5 "msee-emu events: frr6 established (ipv6-unicast)" \
  ev_has "$EV" "e['event']=='established' and e['peer']=='frr6' and e['families']==['ipv6-unicast']"
check "FRR received msee-emu's graceful restart capability" \
  eq advertisedAndReceived frr_get frr "show bgp neighbors $ME json" "d['$ME']['neighborCapabilities']['gracefulRestart']"
check "FRR negotiated hold time 3 s with msee-emu" \
  eq 3000 frr_get frr "show bgp neighbors $ME json" "d['$ME']['bgpTimerHoldTimeMsecs']"

# ---------------------------------------------------------------- msee-emu -> FRR
for p in 10.10.1.0/24 10.10.2.0/24; do
  check_frr_path 10 "frr sees $p with as-path 65010 4200000001 65020, med 50, community 65010:100 no-export, large 4200000001:1:2, RT:65010:1, origin IGP, next hop $ME" \
    frr ipv4 "$p" "p['aspath']['string']=='65010 4200000001 65020' and p['aspath']['segments'][0]['type']=='as-sequence' and p['metric']==50 and p['community']['string']=='65010:100 no-export' and p['largeCommunity']['string']=='4200000001:1:2' and p['extendedCommunity']['string']=='RT:65010:1' and p['origin']=='IGP' and p['nexthops'][0]['ip']=='$ME' and 'localpref' not in p"
done
check_frr_path 10 "frr sees 2001:db8:10::/48 with as-path 65010 4200000001 65020, med 60, community 65010:6, large 4200000001:6:6, next hop 2001:db8:21::10" \
  frr ipv6 2001:db8:10::/48 "p['aspath']['string']=='65010 4200000001 65020' and p['metric']==60 and p['community']['string']=='65010:6' and p['largeCommunity']['string']=='4200000001:6:6' and p['origin']=='IGP' and p['nexthops'][0]['ip']=='2001:db8:21::10' and 'extendedCommunity' not in p"
check "frr accepted exactly 2 IPv4 prefixes from msee-emu" \
  eq 2 frr_get frr "show bgp ipv4 unicast summary json" "d['peers']['$ME']['pfxRcd']"
check "frr accepted exactly 1 IPv6 prefix from msee-emu" \
  eq 1 frr_get frr "show bgp ipv6 unicast summary json" "d['peers']['::1']['pfxRcd']"

# ---------------------------------------------------------------- FRR -> msee-emu
for p in 10.21.1.0/24 10.21.2.0/24; do
  check_route_event 10 "msee-emu events: frr4 announced $p with as-path 65001 4200000002, med 77, communities 65001:100 65001:200, large 4200000002:7:8, rt:65001:5, next hop $FRR" \
    "$EV" frr4 ipv4-unicast "$p" "e['asPath']==[65001,4200000002] and e['asPathText']=='65001 4200000002' and e['med']==77 and cset(e['communities'])=={'65001:100','65001:200'} and cset(e['largeCommunities'])=={'4200000002:7:8'} and cset(e['extCommunities'])=={'rt:65001:5'} and e['origin']=='igp' and e['nextHop']=='$FRR' and e.get('localPref') is None"
done
check_route_event 10 "msee-emu events: frr6 announced 2001:db8:21:1::/64 with as-path 65001 4200000002, med 66, community 65001:600, large 4200000002:6:6, rt:65001:6, next hop ::1" \
  "$EV" frr6 ipv6-unicast 2001:db8:21:1::/64 "e['asPath']==[65001,4200000002] and e['med']==66 and cset(e['communities'])=={'65001:600'} and cset(e['largeCommunities'])=={'4200000002:6:6'} and cset(e['extCommunities'])=={'rt:65001:6'} and e['origin']=='igp' and e['nextHop']=='::1'"
check_wait 5 "msee-emu events: End-of-RIB ipv4-unicast from frr4" \
  ev_has "$EV" "e['event']=='end-of-rib' and e['peer']=='frr4' and e['family']=='ipv4-unicast'"
check_wait 5 "msee-emu events: End-of-RIB ipv6-unicast from frr6" \
  ev_has "$EV" "e['event']=='end-of-rib' and e['peer']=='frr6' and e['family']=='ipv6-unicast'"

# ---------------------------------------------------------------- ROUTE-REFRESH from FRR
frr_counter() { frr_get frr "show bgp neighbors $1 json" "d['$1']['messageStats']['$2']"; }
gt() { local v; v=$("${@:2}" 2>/dev/null); [ -n "$v" ] && [ "$v" -gt "$1" ]; }
evs() { ev_since "$EV" "$M" "$1"; }   # an event after mark $M satisfies $1
M=$(ev_lines "$EV")
U4=$(frr_counter "$ME" updatesRecv); U6=$(frr_counter ::1 updatesRecv)
frr_ frr "clear bgp $ME soft in" "clear bgp ::1 soft in" >/dev/null
check_wait 5 "msee-emu events: ROUTE-REFRESH ipv4-unicast (normal) received from frr4 after vtysh 'clear bgp $ME soft in'" \
  evs "e['event']=='route-refresh' and e['peer']=='frr4' and e['direction']=='received' and e['family']=='ipv4-unicast' and e['subtype']=='normal'"
check_wait 5 "msee-emu events: ROUTE-REFRESH ipv6-unicast (normal) received from frr6 after 'clear bgp ::1 soft in'" \
  evs "e['event']=='route-refresh' and e['peer']=='frr6' and e['direction']=='received' and e['family']=='ipv6-unicast' and e['subtype']=='normal'"
check_wait 5 "msee-emu re-advertised its IPv4 routes after the refresh (FRR updatesRecv > $U4)" gt "$U4" frr_counter "$ME" updatesRecv
check_wait 5 "msee-emu re-advertised its IPv6 routes after the refresh (FRR updatesRecv > $U6)" gt "$U6" frr_counter ::1 updatesRecv
sleep 1
check_frr_path 2 "frr still has 10.10.1.0/24 from msee-emu after the refresh" frr ipv4 10.10.1.0/24 "p['aspath']['string']=='65010 4200000001 65020' and p['metric']==50"
check_frr_path 2 "frr still has 10.10.2.0/24 from msee-emu after the refresh" frr ipv4 10.10.2.0/24 "p['aspath']['string']=='65010 4200000001 65020'"
check_frr_path 2 "frr still has 2001:db8:10::/48 from msee-emu after the refresh" frr ipv6 2001:db8:10::/48 "p['aspath']['string']=='65010 4200000001 65020'"
check "msee-emu events: no session-down during the refresh" \
  test "$(ev_after "$EV" "$M" | grep -c '"session-down"')" = 0

# ---------------------------------------------------------------- ROUTE-REFRESH to FRR (SIGUSR1)
M=$(ev_lines "$EV")
R4=$(frr_counter "$ME" routeRefreshRecv); R6=$(frr_counter ::1 routeRefreshRecv)
kill -USR1 "$MSEE_PID"
check_wait 5 "msee-emu events: ROUTE-REFRESH ipv4-unicast sent to frr4 after SIGUSR1" \
  evs "e['event']=='route-refresh' and e['peer']=='frr4' and e['direction']=='sent' and e['family']=='ipv4-unicast'"
check_wait 5 "msee-emu events: ROUTE-REFRESH ipv6-unicast sent to frr6 after SIGUSR1" \
  evs "e['event']=='route-refresh' and e['peer']=='frr6' and e['direction']=='sent' and e['family']=='ipv6-unicast'"
check_wait 5 "FRR counted the ROUTE-REFRESH from msee-emu (IPv4 routeRefreshRecv > $R4)" gt "$R4" frr_counter "$ME" routeRefreshRecv
check_wait 5 "FRR counted the ROUTE-REFRESH from msee-emu (IPv6 routeRefreshRecv > $R6)" gt "$R6" frr_counter ::1 routeRefreshRecv
check_wait 8 "msee-emu events: FRR re-sent 10.21.1.0/24 after the refresh" \
  evs "$(ev_route_sel frr4 ipv4-unicast 10.21.1.0/24) and e['asPath']==[65001,4200000002] and e['med']==77"
check_wait 8 "msee-emu events: FRR re-sent 2001:db8:21:1::/64 after the refresh" \
  evs "$(ev_route_sel frr6 ipv6-unicast 2001:db8:21:1::/64) and e['asPath']==[65001,4200000002]"
if evs "(e['event']=='route-refresh' and e['direction']=='received' and e['subtype']=='eorr') or e['event']=='end-of-rib'"; then
  echo "info: msee-emu logged the end of FRR's re-advertisement (EoRR or End-of-RIB)"
fi

# ---------------------------------------------------------------- hold timer expiry
M=$(ev_lines "$EV")
kill -STOP "$FRR_PID"
T_STOP=$(it_now_ms)
if it_wait 6 evs "e['event']=='session-down' and e['peer']=='frr4' and e['kind']=='HoldTimerExpired'"; then
  T_EXP=$(( $(it_now_ms) - T_STOP ))
  pass "msee-emu events: frr4 session-down kind HoldTimerExpired ~${T_EXP} ms after FRR's bgpd was frozen (hold time 3 s)"
  check "the hold timer did not fire early (${T_EXP} ms >= 1500 ms after the freeze)" test "$T_EXP" -ge 1500
else
  fail "msee-emu events: no session-down kind HoldTimerExpired for frr4 within 6 s of SIGSTOP to FRR"
fi
check_wait 2 "msee-emu events: frr6 session-down kind HoldTimerExpired, wasEstablished true" \
  evs "e['event']=='session-down' and e['peer']=='frr6' and e['kind']=='HoldTimerExpired' and e['wasEstablished'] is True"
check "msee-emu events: that session-down carries NOTIFICATION 4/0 (Hold Timer Expired, sent)" \
  evs "e['event']=='session-down' and e['peer']=='frr4' and e['kind']=='HoldTimerExpired' and e['notification']['code']==4 and e['notification']['subcode']==0"
kill -CONT "$FRR_PID"
M=$(ev_lines "$EV")
check_wait 20 "FRR re-established IPv4 with msee-emu after SIGCONT" frr_established frr "$ME" ipv4
check_wait 20 "FRR re-established IPv6 with msee-emu after SIGCONT" frr_established frr ::1 ipv6
check_wait 5 "msee-emu events: frr4 established again" evs "e['event']=='established' and e['peer']=='frr4'"
check_wait 5 "msee-emu events: frr6 established again" evs "e['event']=='established' and e['peer']=='frr6'"
check_frr_path 10 "frr re-learned 10.10.1.0/24 from msee-emu" frr ipv4 10.10.1.0/24 "p['aspath']['string']=='65010 4200000001 65020'"
check_route_event 10 "msee-emu events: frr4 re-announced 10.21.1.0/24 after re-establishment" \
  "$EV" frr4 ipv4-unicast 10.21.1.0/24 "e['asPath']==[65001,4200000002]"

# ---------------------------------------------------------------- administrative shutdown
kill -TERM "$MSEE_PID"
T_TERM=$(it_now_ms)
if it_wait 5 sh -c "! kill -0 $MSEE_PID 2>/dev/null || grep -q '^State:.*Z' /proc/$MSEE_PID/status"; then
  wait "$MSEE_PID"; RC=$?
  dt=$(( $(it_now_ms) - T_TERM ))
  check "msee-emu exited with status 0 after SIGTERM (status $RC)" test "$RC" = 0
  check "msee-emu exited within 3 s of SIGTERM (${dt} ms)" test "$dt" -le 3000
else
  fail "msee-emu still running 5 s after SIGTERM"
fi
for peer in "$ME" ::1; do
  check_wait 5 "FRR ($peer) lastNotificationReason is Cease/Administrative Shutdown" \
    eq "Cease/Administrative Shutdown" frr_get frr "show bgp neighbors $peer json" "d['$peer']['lastNotificationReason']"
  check "FRR ($peer) lastShutdownDescription is the RFC 9003 text \"$SHUT_MSG\"" \
    eq "$SHUT_MSG" frr_get frr "show bgp neighbors $peer json" "d['$peer']['lastShutdownDescription']"
  check "FRR ($peer) lastResetDueTo is 'BGP Notification received'" \
    eq "BGP Notification received" frr_get frr "show bgp neighbors $peer json" "d['$peer']['lastResetDueTo']"
done

it_finish
