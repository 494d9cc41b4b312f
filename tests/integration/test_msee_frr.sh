#!/usr/bin/env bash
# test_msee_frr.sh — one Standard ExpressRoute circuit (private + Microsoft peering) emulated on
# loopback, FRR bgpd as the customer edge configured like Microsoft's config samples (R88):
# one neighbour per MSEE, remote-as 12076. Proves from FRR's own JSON and from msee-emu's event
# log: all four sessions Established with AS 12076 and 180/60 timers (R27); VNet prefixes with
# AS path 12076 (R23, R49), next hop = the MSEE link address of each path (R50), custom VNet
# community + regional 12076:50002 (R56); Microsoft peering gets only the route filter's
# catalogue prefixes with their communities (R52, R55); the default route is accepted on
# private and refused on Microsoft peering (R39); undeclared / RFC 1918 prefixes are refused on
# Microsoft peering (R41, Q4); customer communities are stripped (R42); 4,000 prefixes are
# accepted, the 4,001st drops both private sessions with Cease/1 + RFC 4486 data, the MSEE does
# not reconnect before the restart time, and the sessions return once the CE is back at 4,000
# (R36, R37, Q1).
set -u
source "$(dirname "$0")/lib.sh"
it_need /usr/lib/frr/bgpd vtysh ss
it_init msee_frr

A=127.41.0     # private peering links: primary 127.41.0.0/30, secondary 127.41.0.4/30
M=127.41.1     # Microsoft peering links
P1=$A.2; P2=$A.6; M1=$M.2; M2=$M.6
RESTART=6
it_require_ports "$P1 179" "$P2 179" "$M1 179" "$M2 179" "$A.1 179" "$A.5 179" "$M.1 179" "$M.5 179"

itconf circuit "$T/circuit.json" er-test --private $A --microsoft $M \
  --route-filter rf-lab=12076:5060,12076:51002 --emulation "{ \"maxPrefixRestartSeconds\": $RESTART }" \
  --emulator '{ "logRoutes": true, "documentationPrefixesArePublic": true }' \
  --vnet "hub westeurope 10.1.0.0/16 12076:20001" --vnet "spoke northeurope 10.2.0.0/16"

# The CE: the lab's FRR CE, but sending every prefix it originates on every session (never
# what it learned from one MSEE to the other), so the prefixes under test reach both
# peerings: RFC 1918, undeclared public, customer communities, a default route, and the
# route-limit prefixes (Microsoft peering must take them and not count them, Q1). FRR's
# traditional defaults keep hold 180 / keepalive 60.
itconf frr "$T/circuit.json" --dir "$T/ce" --announce-all \
  --prefixes 10.50.0.0/16,198.51.100.0/24,203.0.113.128/25,10.60.0.0/16 --append - > "$T/bgpd.conf" <<CONF
route-map TAG permit 10
 set community 65001:999
 set large-community 65001:1:1
router bgp 65001
 address-family ipv4 unicast
  network 10.50.0.0/16 route-map TAG
  neighbor $P1 default-originate
  neighbor $P2 default-originate
  neighbor $M1 default-originate
CONF

start_msee msee "$T/circuit.json"
start_frr ce "$T/bgpd.conf" 179 "$A.1" "$A.5" "$M.1" "$M.5"

for n in $P1 $P2 $M1 $M2; do
  check_wait 30 "FRR session to MSEE $n Established" frr_established ce $n
done
EV=$(msee_events msee)
frr_ ce "show bgp neighbors $P1 json" > "$T/frr-neighbor-p1.json"
frr_ ce "show bgp ipv4 unicast summary json" > "$T/frr-summary.json"
S_P1=er-test/AzurePrivatePeering/primary
S_P2=er-test/AzurePrivatePeering/secondary
S_M1=er-test/MicrosoftPeering/primary

# R18, R27: AS 12076, hold 180 / keepalive 60 negotiated; each MSEE has its own router ID.
nb() { frr_ ce "show bgp neighbors $1 json" | jpy "d['$1']$2"; }
check "primary MSEE is AS 12076 (R18)" eq 12076 nb $P1 "['remoteAs']"
check "hold time 180 s negotiated (R27)" eq 180000 nb $P1 "['bgpTimerHoldTimeMsecs']"
check "keepalive 60 s (R27)" eq 60000 nb $P1 "['bgpTimerKeepAliveIntervalMsecs']"
check "primary and secondary MSEE have different BGP identifiers (R3)" \
  test "$(nb $P1 "['remoteRouterId']")" != "$(nb $P2 "['remoteRouterId']")"

# R23, R49, R50, R56: VNet routes as the CE sees them, one path per MSEE.
vnet_ok() {
  frr_ ce "show bgp ipv4 unicast $1 json" | jpy "sorted((p['nexthops'][0]['ip'], p['aspath']['string'], p.get('community',{}).get('string','')) for p in d['paths']) == $2" >/dev/null
}
check_wait 15 "hub VNet 10.1.0.0/16: path 12076, next hop each MSEE, communities 12076:20001 12076:50002" \
  vnet_ok 10.1.0.0/16 "[('$P1','12076','12076:20001 12076:50002'),('$P2','12076','12076:20001 12076:50002')]"
check_wait 5 "spoke VNet 10.2.0.0/16 without custom community carries no community (R56)" \
  vnet_ok 10.2.0.0/16 "[('$P1','12076',''),('$P2','12076','')]"

# R52, R55: Microsoft peering carries the filter's prefixes only, with their communities.
check_wait 15 "Microsoft Entra ID 20.190.128.0/18 on Microsoft peering with 12076:5060" \
  vnet_ok 20.190.128.0/18 "[('$M1','12076','12076:5060'),('$M2','12076','12076:5060')]"
check_wait 5 "West Europe regional 20.2.0.0/16 with 12076:51002" \
  vnet_ok 20.2.0.0/16 "[('$M1','12076','12076:51002'),('$M2','12076','12076:51002')]"
check "East US regional prefix not advertised (not in the filter)" \
  bash -c "! vtysh --vty_socket $T/ce -c 'show bgp ipv4 unicast 20.4.0.0/16 json' | grep -q paths"
check "SharePoint 13.107.136.0/22 not advertised (not in the filter)" \
  bash -c "! vtysh --vty_socket $T/ce -c 'show bgp ipv4 unicast 13.107.136.0/22 json' | grep -q paths"
pfx_sent_by() { frr_ ce "show bgp ipv4 unicast summary json" | jpy "d['peers']['$1']['pfxRcd']"; }
check "private peering sends no Microsoft prefixes: 2 VNets per MSEE" eq 2 pfx_sent_by $P1
check "Microsoft peering sends no VNet: 4 filter prefixes per MSEE" eq 4 pfx_sent_by $M1

# Inbound policy, from the MSEE's own event log (what it accepted / refused).
accepted() { ev_has "$EV" "$(ev_route_sel "$1" ipv4-unicast "$2")${3:+ and ($3)}"; }
rejected() { ev_has "$EV" "e.get('event')=='route-rejected' and e.get('peer')=='$1' and e.get('prefix')=='$2'${3:+ and ($3)}"; }
check_wait 10 "default route accepted on private peering (R39)" accepted $S_P1 0.0.0.0/0
check_wait 10 "default route refused on Microsoft peering (R39)" rejected $S_M1 0.0.0.0/0 "'R39' in e['reason']"
check_wait 10 "RFC 1918 prefix refused on Microsoft peering (R41)" rejected $S_M1 10.60.0.0/16 "'R41' in e['reason']"
check_wait 10 "undeclared public prefix refused on Microsoft peering (Q4)" rejected $S_M1 203.0.113.128/25 "'advertisedPublicPrefixes' in e['reason']"
check_wait 10 "declared public prefix accepted on Microsoft peering (R41)" accepted $S_M1 198.51.100.0/24
check_wait 10 "customer communities stripped on ingress (R42)" accepted $S_P1 10.50.0.0/16 \
  "not e.get('communities') and not e.get('largeCommunities')"

# R36, R37, Q1: 4,000 accepted, the 4,001st drops the session.
count_p() { frr_ ce "show bgp ipv4 unicast neighbors $1 advertised-routes json" | jpy "d['totalPrefixCounter']"; }
gen_networks() {  # gen_networks FIRST COUNT VERB
  { echo "router bgp 65001"; echo " address-family ipv4 unicast"
    python3 -c "
import ipaddress,sys
base=int(ipaddress.ip_address('100.64.0.0'))
for i in range($1,$1+$2): print(' $3network %s/24' % ipaddress.ip_address(base+i*256))"
    } > "$T/nets.cmd"
  vtysh --vty_socket "$T/ce" -f "$T/nets.cmd" > "$T/nets.out" 2>&1
}
# 5 prefixes go to the private sessions already (10.50/16, 10.60/16, 198.51.100/24,
# 203.0.113.128/25, default); 3,995 more makes exactly 4,000.
gen_networks 0 3995 ""
# FRR's advertised-routes count leaves out the default-originate route.
it_wait_eq 30 3999 count_p $P1
check "CE advertises 4,000 to the primary MSEE (3,999 + the default route)" eq 3999 count_p $P1
accepted_count() { ev_last "$EV" "e.get('event')=='prefix-limit' and e.get('peer')=='$1'" "e['count']"; }
check_wait 10 "80 % warning event at 3,200 prefixes (R37)" \
  ev_has "$EV" "e.get('event')=='prefix-limit' and e.get('peer')=='$S_P1' and e['kind']=='warning' and e['count']>=3200 and e['limit']==4000"
sleep 2
check "4,000 prefixes: primary session still Established (exactly the limit is accepted)" frr_established ce $P1
check "4,000 prefixes: secondary session still Established" frr_established ce $P2
check "no limit crossing at 4,000" bash -c "! grep -q '\"kind\":\"exceeded\"' '$EV'"

gen_networks 3995 1 ""
check_wait 15 "4,001st prefix: MSEE sends Cease/1 on the primary session (R37)" \
  ev_has "$EV" "e.get('event')=='session-down' and e.get('peer')=='$S_P1' and g(e,'notification.code')==6 and g(e,'notification.subcode')==1"
# The MSEE must not take the session back before the restart time: watched for 3 s right after
# the drop is seen, before the checks below (their polls of FRR took long enough under CI load
# for this window to reach the session's legitimate return).
check_never 3 "MSEE refuses the session before the restart time (${RESTART} s)" frr_established ce $P1
check "Cease data is AFI 1 / SAFI 1 / limit 4000 (RFC 4486 §4)" \
  ev_has "$EV" "e.get('event')=='session-down' and e.get('peer')=='$S_P1' and g(e,'notification.data')=='00010100000fa0'"
check_wait 10 "secondary session dropped too (same prefixes, per-session limit)" \
  ev_has "$EV" "e.get('event')=='session-down' and e.get('peer')=='$S_P2' and g(e,'notification.subcode')==1"
check "limit crossing event with count 4001" \
  ev_has "$EV" "e.get('event')=='prefix-limit' and e.get('peer')=='$S_P1' and e['kind']=='exceeded' and e['count']==4001"
check_wait 5 "FRR saw the NOTIFICATION Cease/Maximum Number of Prefixes Reached" \
  bash -c "vtysh --vty_socket $T/ce -c 'show bgp neighbors $P1 json' | grep -qi 'Maximum Number of Prefixes'"
check "Microsoft peering unaffected (its refused prefixes do not count, Q1)" frr_established ce $M1

# Back to 4,000, then it comes back.
gen_networks 3995 1 "no "
check_wait 30 "primary session back after the restart time with 4,000 prefixes" frr_established ce $P1
# Measured between the MSEE's own event times: the test's polls of either end add their
# latency (seconds under CI load) to one side or the other.
restart_gap_ms() {
  "$IT_PY" - "$EV" "$S_P1" <<'PY'
import json, sys
from datetime import datetime
ev = [json.loads(line) for line in open(sys.argv[1])]
ms = lambda e: datetime.strptime(e["time"], "%Y-%m-%dT%H:%M:%S.%fZ").timestamp() * 1000
mine = [e for e in ev if e.get("peer") == sys.argv[2]]
down = next(e for e in mine if e["event"] == "session-down"
            and (e.get("notification") or {}).get("subcode") == 1)
up = next(e for e in mine if e["event"] == "session" and e["to"] == "Established"
          and e["seq"] > down["seq"])
print(int(ms(up) - ms(down)))
PY
}
GAP=$(restart_gap_ms)
check "it came back no earlier than the restart time (${GAP} ms after Cease/1, from the event log)" \
  test "${GAP:-0}" -ge $((RESTART * 1000))
check_wait 30 "secondary session back" frr_established ce $P2
warnings() { ev_count "$EV" "e.get('event')=='prefix-limit' and e.get('peer')=='$S_P1' and e['kind']=='warning'"; }
# A function, so that every poll counts again ("$(warnings)" as an argument is expanded once).
warned_twice() { [ "$(warnings)" -ge 2 ]; }
check_wait 20 "MSEE counts the primary CE's prefixes past 80 % again after the restart" warned_twice
it_finish
