#!/usr/bin/env bash
# test_lab_global_reach.sh [frr|bird|one|hub|all] — issue #13: a two-circuit Global Reach lab, one CE
# namespace per circuit, passes traffic site to site through both circuits' MSEEs (R74).
#   frr:  config/global-reach.json as it is bundled (lab up turns its loopback addressing into
#         namespaces); lab up chooses one FRR CE per circuit by itself (the circuits are linked by
#         Global Reach): site A = er-amsterdam in <lab>-ce announcing 10.50.0.0/16, site B =
#         er-london in <lab>-ce1 announcing 10.60.0.0/16. Both sites' sessions Established with
#         BFD; each CE has the other site's prefix from both its MSEEs (path 12076); ping, TCP
#         (iperf3) and traceroute site to site, counted in the MSEE namespace as entering on
#         circuit 0's links and leaving on circuit 1's (and back); each site reaches its own
#         VNet, not the other circuit's (Global Reach carries on-premises routes only: no route
#         at the CE, and forced there, net unreachable from the MSEE); lab shell ce1 /
#         ce:er-london; lab traffic probes each site's own VNet from its own namespace; a drill
#         on er-london samples site B's CE; lab down removes both CE namespaces.
#   bird: the same config with IPv6 peerings, BIRD CEs, site B's prefixes set on the command line
#         (--ce-prefixes er-london=10.70.0.0/16,fdbb:70::/48): IPv4 and IPv6 site to site; then
#         lab down without lab.json (a crash) still removes <lab>-ce1.
#   one:  --one-ce keeps the old shape for a Global Reach config (one CE namespace and router for
#         both circuits), lab shell ce1 is refused, per-circuit prefixes need --ce-per-circuit.
#   hub:  Amsterdam linked to London and Paris, msee-emu on two threads (lab up --threads 2):
#         London's routes are relayed between threads into Amsterdam's site table; traffic site
#         to site, not transitive, and a link down and up again follows the relayed state.
set -u
source "$(dirname "$0")/lib.sh"
it_need ip python3 iperf3 ping traceroute iptables
WHAT=${1:-all}
it_init lab_global_reach
lab_init "lg$$"
N=$MSEE_LAB_NAME
A=$N-ce; B=$N-ce1
GR=$MSEE_SOURCE_DIR/config/global-reach.json
LJ=$MSEE_LAB_DIR/$N/lab.json
in_a() { ip netns exec "$A" "$@"; }
in_b() { ip netns exec "$B" "$@"; }
in_er() { ip netns exec "$N-er" "$@"; }
ping_from() { local ns=$1; shift; ip netns exec "$ns" ping -c 3 -i 0.2 -W 1 -I "$@" > /dev/null; }
up() { local f=$1; shift; check "lab up $*" lab_report "$T/$f.json" lab up "$@" || { it_finish; }; }
down() { lab_ lab down > "$T/down.json" 2>&1; }
# paths DIR PREFIX : sorted "nexthop:aspath" of the FRR CE's paths learned from MSEEs
paths() {
  vtysh --vty_socket "$MSEE_LAB_DIR/$N/$1" -c "show bgp ipv4 unicast $2 json" |
    jpy "' '.join(sorted('%s:%s' % (p['nexthops'][0]['ip'], p['aspath']['string']) for p in d.get('paths', []) if p['nexthops'][0]['ip'] != '0.0.0.0'))"
}
# fwd IN OUT : packets the MSEE namespace forwarded from interfaces IN+ to OUT+ (the counting
# rules below, -i er0p+ -o er1p+ and back)
fwd() { in_er iptables -w -v -S FORWARD | grep -- "-i $1+ -o $2+" | sed -E 's/.* -c ([0-9]+) .*/\1/'; }
# vnets_apart : each site's CE has its own VNet from both its MSEEs and not the other circuit's
vnets_apart() {
  [ "$(paths ce 10.1.0.0/16)" = "192.168.10.2:12076 192.168.10.6:12076" ] &&
    [ "$(paths ce1 10.2.0.0/16)" = "192.168.20.2:12076 192.168.20.6:12076" ] &&
    [ -z "$(paths ce 10.2.0.0/16)" ] && [ -z "$(paths ce1 10.1.0.0/16)" ]
}

if [ "$WHAT" = all ] || [ "$WHAT" = frr ]; then
  it_need /usr/lib/frr/zebra /usr/lib/frr/bfdd /usr/lib/frr/bgpd vtysh
  up frr --ce frr --config "$GR"
  check "lab up says it made one CE per circuit because of Global Reach" \
    grep -q "one frr CE per circuit, as separate sites (the circuits are linked by Global Reach" "$T/frr.json.log"
  check "lab.json: a site per circuit, each in its own namespace with its own prefixes and directory" \
    jpy "[(s['circuit'], s['netns'], s['dir'], s['ceOptions']['cePrefixes']) for s in d['sites']] == [('er-amsterdam', '$A', 'ce', ['10.50.0.0/16', 'fdbb:50::/48']), ('er-london', '$B', 'ce1', ['10.60.0.0/16', 'fdbb:60::/48'])]" < "$LJ"
  check "circuit 0's CE links are in $A only, circuit 1's in $B only" \
    bash -c "ip -n $A -br link | grep -q '^ce0p1' && ! ip -n $A -br link | grep -q '^ce1p' && ip -n $B -br link | grep -q '^ce1p2' && ! ip -n $B -br link | grep -q '^ce0p'"
  check "two FRR CEs (zebra, bfdd, bgpd each), every process alive" \
    jpy "all(p['alive'] for p in d['processes']) and sorted(p['role'] for p in d['processes'] if p['role'].startswith('ce-bgpd')) == ['ce-bgpd@er-amsterdam', 'ce-bgpd@er-london']" < "$T/frr.json"
  check "both sites' CE sessions Established with BFD up, each with its own circuit's MSEEs" \
    jpy "[(s['circuit'], s['neighbor'], s['state'], s['bfd']) for s in d['ceSessions']] == [('er-amsterdam', '192.168.10.2', 'Established', 'up'), ('er-amsterdam', '192.168.10.6', 'Established', 'up'), ('er-london', '192.168.20.2', 'Established', 'up'), ('er-london', '192.168.20.6', 'Established', 'up')]" < "$T/frr.json"
  check "the MSEE sessions of both circuits Established" \
    jpy "[s['state'] for s in d['sessions']] == ['Established'] * 4" < "$T/frr.json"
  check_wait 15 "site A's CE has site B's 10.60.0.0/16 from both its MSEEs, path 12076 (R74)" \
    it_wait_eq 1 "192.168.10.2:12076 192.168.10.6:12076" paths ce 10.60.0.0/16
  check_wait 15 "site B's CE has site A's 10.50.0.0/16 from both its MSEEs, path 12076 (R74)" \
    it_wait_eq 1 "192.168.20.2:12076 192.168.20.6:12076" paths ce1 10.50.0.0/16
  check "each site's CE has its own VNet and not the other circuit's (no VNet over Global Reach)" \
    vnets_apart
  check "zebra installed 10.60.0.0/16 in site A's kernel over both MSEEs" \
    bash -c "ip -n $A route show 10.60.0.0/16 | grep -c 'nexthop via' | grep -qx 2"
  check "msee-emu's site table 1006 (er-amsterdam's CE side) sends 10.60.0.0/16 over er-london's links, 1016 10.50.0.0/16 over er-amsterdam's" \
    bash -c "ip -n $N-er route show table 1006 proto 201 10.60.0.0/16 | grep -c 'via 192.168.20.[15] dev er1p' | grep -qx 2 && ip -n $N-er route show table 1016 proto 201 10.50.0.0/16 | grep -c 'via 192.168.10.[15] dev er0p' | grep -qx 2"
  check "the Azure side's tables 1001/1011 hold only their own site's prefix (R74: no VNet to the other site)" \
    bash -c "[ -z \"\$(ip -n $N-er route show table 1001 proto 201 10.60.0.0/16)\" ] && [ -z \"\$(ip -n $N-er route show table 1011 proto 201 10.50.0.0/16)\" ] && ip -n $N-er route show table 1011 proto 201 10.60.0.0/16 | grep -q nexthop"
  in_er iptables -w -I FORWARD 1 -i er0p+ -o er1p+ -s 10.50.0.1 -d 10.60.0.1
  in_er iptables -w -I FORWARD 1 -i er1p+ -o er0p+ -s 10.60.0.1 -d 10.50.0.1
  check "msee-ctl lab shell ce -- ping -I 10.50.0.1 10.60.0.1 (site A -> site B)" \
    "$MSEE_CTL" lab shell ce -- ping -c 3 -i 0.2 -W 1 -I 10.50.0.1 10.60.0.1
  got="$(fwd er0p er1p) $(fwd er1p er0p)"
  check "the MSEEs forwarded them from er-amsterdam's links to er-london's, the replies back ($got)" \
    jpy "(lambda a, b: a >= 3 and b >= 3)(*map(int, '$got'.split()))" <<< "{}"
  check "msee-ctl lab shell ce1 -- ping -I 10.60.0.1 10.50.0.1 (site B -> site A)" \
    "$MSEE_CTL" lab shell ce1 -- ping -c 3 -i 0.2 -W 1 -I 10.60.0.1 10.50.0.1
  check "lab shell ce:er-london is site B's namespace (10.60.0.1 on its lo)" \
    bash -c "'$MSEE_CTL' lab shell ce:er-london -- ip -br addr show lo | grep -q '10.60.0.1/32' && ! ip -n $B addr show lo | grep -q 10.50.0.1"
  in_a traceroute -n -q 1 -w 1 -s 10.50.0.1 10.60.0.1 > "$T/trace.txt" 2>&1
  check "traceroute site A -> 10.60.0.1: hop 1 an MSEE of er-amsterdam, hop 2 site B's host" \
    bash -c "grep -Eq '^ 1  192\.168\.10\.[26] ' '$T/trace.txt' && grep -Eq '^ 2  10\.60\.0\.1 ' '$T/trace.txt'"
  PORT=$((5201 + RANDOM % 500))
  in_b iperf3 -s -1 -B 10.60.0.1 -p "$PORT" > "$T/iperf-srv.txt" 2>&1 &
  it__record iperf3-site-b $!
  sleep 0.5
  check "TCP (iperf3 -t 2) site A 10.50.0.1 -> site B 10.60.0.1" \
    bash -c "timeout 30 ip netns exec $A iperf3 -c 10.60.0.1 -B 10.50.0.1 -p $PORT -t 2 -J > '$T/tcp.json' 2>&1"
  MBPS=$(jpy "round(d['end']['sum_received']['bits_per_second'] / 1e6)" < "$T/tcp.json")
  it_log "TCP site to site over two 1 Gbps circuits: $MBPS Mbps received"
  check "TCP site to site: received about the circuit's 1,000 Mbps or less, but something ($MBPS)" \
    jpy "0 < $MBPS <= 1100" <<< "{}"
  check "site A reaches its own VNet VM 10.1.0.4, site B its 10.2.0.4" \
    bash -c "ip netns exec $A ping -c 2 -i 0.2 -W 1 -I 10.50.0.1 10.1.0.4 >/dev/null && ip netns exec $B ping -c 2 -i 0.2 -W 1 -I 10.60.0.1 10.2.0.4 >/dev/null"
  check "site A has no route to circuit B's VNet 10.2.0.4 (R74: on-premises routes only)" \
    bash -c "! ip -n $A route get 10.2.0.4 from 10.50.0.1 >/dev/null 2>&1"
  in_a ip route add 10.2.0.4/32 via 192.168.10.2
  in_a ping -c 2 -i 0.2 -W 1 -I 10.50.0.1 10.2.0.4 > "$T/leak.txt" 2>&1
  in_a ip route del 10.2.0.4/32
  check "10.2.0.4 forced over er-amsterdam: net unreachable from its MSEE" \
    bash -c "grep -q ' 0 received' '$T/leak.txt' && grep -q 'From 192.168.10.2 .*Unreachable' '$T/leak.txt'"
  # One way is enough to leak (site A has no route back): count what arrives at site A.
  in_a iptables -w -I INPUT 1 -s 10.2.0.4
  ip netns exec "$N-az1" ping -c 3 -i 0.2 -W 1 -I 10.2.0.4 10.50.0.1 > "$T/leak-vnet.txt" 2>&1
  arrived=$(in_a iptables -w -v -S INPUT | grep -- "-s 10.2.0.4/32" | sed -E 's/.* -c ([0-9]+) .*/\1/')
  check "circuit B's VM 10.2.0.4 cannot reach site A's 10.50.0.1 over Global Reach (R74: $arrived packet(s) arrived)" \
    bash -c "grep -q ' 0 received' '$T/leak-vnet.txt' && [ '$arrived' = 0 ]"
  check "lab traffic (2 s)" bash -c "'$MSEE_CTL' -o json lab traffic --duration 2 > '$T/traffic.json' 2> '$T/traffic.log'"
  check "lab traffic: each site's CE host to its own circuit's VM, from its own namespace, nothing lost" \
    jpy "[(p['ceHost'], p['ceNetns'], p['vm']) for p in d['pairs']] == [('10.50.0.1', '$A', '10.1.0.4'), ('10.60.0.1', '$B', '10.2.0.4')] and all(x['lost'] == 0 and x['sent'] > 0 for x in d['directions'].values())" < "$T/traffic.json"
  check "drill silent-failure --circuit er-london" \
    lab_report "$T/drill.json" drill silent-failure --circuit er-london --hold 2
  check "the drill sampled site B's CE: BFD detection < 1 s, probe from $B only, every check passed" \
    jpy "d['circuit'] == 'er-london' and 0 < d['figures']['detectionMs'] < 1000 and {p['ceNetns'] for p in d['traffic']['pairs']} == {'$B'} and d['ok']" < "$T/drill.json"
  down
  check "lab down removed both CE namespaces and the rest" bash -c "! ip netns list | grep -q '^$N-'"
fi

if [ "$WHAT" = all ] || [ "$WHAT" = bird ]; then
  it_need bird birdc
  "$IT_PY" - "$GR" "$T/gr6.json" <<'PY'
import json, sys
cfg = json.load(open(sys.argv[1]))
for i, c in enumerate(cfg["circuits"]):   # IPv6 private peering and an IPv6 VNet prefix
    c["peerings"][0]["ipv6PeeringConfig"] = {
        "primaryPeerAddressPrefix": f"fdcc:0:0:{i + 1}::/126",
        "secondaryPeerAddressPrefix": f"fdcc:0:0:{i + 1}::4/126"}
    c["vnets"][0]["addressPrefixes"].append(f"fd10:{i + 1}::/48")
json.dump(cfg, open(sys.argv[2], "w"), indent=1)
PY
  up bird --ce bird --config "$T/gr6.json" --ce-prefixes er-london=10.70.0.0/16,fdbb:70::/48
  check "site B announces the prefixes given on the command line, site A the default ones" \
    jpy "[s['cePrefixes'] for s in d['sites']] == [['10.50.0.0/16', 'fdbb:50::/48'], ['10.70.0.0/16', 'fdbb:70::/48']]" < "$T/bird.json"
  check "8 CE sessions (IPv4 + IPv6 per site and link) Established" \
    jpy "[s['state'] for s in d['ceSessions']] == ['Established'] * 8" < "$T/bird.json"
  check "BIRD's kernel protocol: site A has fdbb:70::/48 over both MSEEs" \
    it_wait 15 bash -c "ip -n $A -6 route show fdbb:70::/48 | grep -c 'nexthop via' | grep -qx 2"
  check "ping IPv4 site A 10.50.0.1 -> site B 10.70.0.1" ping_from "$A" 10.50.0.1 10.70.0.1
  check "ping IPv6 site A fdbb:50::1 -> site B fdbb:70::1" ping_from "$A" fdbb:50::1 fdbb:70::1
  check "ping IPv6 site B fdbb:70::1 -> site A fdbb:50::1" ping_from "$B" fdbb:70::1 fdbb:50::1
  check "ping IPv6 site A -> its own VNet fd10:1::4" ping_from "$A" fdbb:50::1 fd10:1::4
  check "site A has no route to circuit B's IPv6 VNet fd10:2::4" \
    bash -c "! ip -n $A -6 route get fd10:2::4 from fdbb:50::1 >/dev/null 2>&1"
  rm -f "$LJ"
  down
  check "lab down without lab.json (a crash) removes $B too" bash -c "! ip netns list | grep -q '^$N-'"
fi

if [ "$WHAT" = all ] || [ "$WHAT" = one ]; then
  lab_ lab up --ce builtin --one-ce --no-dataplane --config "$GR" --ce-prefixes er-london=10.70.0.0/16 > "$T/refused.json" 2> "$T/refused.log"
  rc=$?
  check "--ce-prefixes CIRCUIT=... with --one-ce: refused (exit 3, $rc), nothing made" \
    bash -c "[ $rc = 3 ] && grep -q 'per-circuit prefixes need one CE per circuit' '$T/refused.log' && ! ip netns list | grep -q '^$N-'"
  up one --ce builtin --one-ce --no-dataplane --config "$GR"
  check "--one-ce: one CE namespace for both circuits (no $B)" \
    bash -c "ip netns list | grep -Eq '^$A( |\$)' && ! ip netns list | grep -Eq '^$B( |\$)'"
  check "... its one CE has the sessions of both circuits, Established" \
    jpy "'sites' not in d and [s['neighbor'] for s in d['ceSessions'] if s['state'] == 'Established'] == ['192.168.10.2', '192.168.10.6', '192.168.20.2', '192.168.20.6']" < "$T/one.json"
  "$MSEE_CTL" lab shell ce1 -- true > "$T/shell1.txt" 2>&1
  rc=$?
  check "lab shell ce1 in a one-CE lab: refused (exit 3, $rc) with a clear message" \
    bash -c "[ $rc = 3 ] && grep -q 'has one CE, for every circuit' '$T/shell1.txt'"
  down
  check "lab down: nothing left" bash -c "! ip netns list | grep -q '^$N-'"
fi

if [ "$WHAT" = all ] || [ "$WHAT" = hub ]; then
  it_need /usr/lib/frr/zebra /usr/lib/frr/bgpd vtysh
  # Amsterdam linked to London and to Paris: a hub of three, spread over two protocol threads
  # (Amsterdam and Paris on one, London on the other), so Amsterdam <-> London crosses threads
  # by message (issue #15) and the site tables' sources are relayed routes.
  HUB=$T/hub-circuits.json
  "$IT_PY" "$IT_LIB_DIR/paris_circuit.py" "$GR" "$HUB" --link-from er-amsterdam
  up hub --ce frr --no-ce-bfd --threads 2 --config "$HUB"
  C=$N-ce2
  check "msee-emu relays Amsterdam's and London's sessions between its two threads" \
    eq 4 grep -c "Global Reach: er-\(amsterdam\|london\)/AzurePrivatePeering/.* relayed from protocol thread" "$MSEE_LAB_DIR/$N/msee-emu.log"
  check_wait 15 "site A's CE has site B's 10.60.0.0/16 from both its MSEEs (relayed, R74)" \
    it_wait_eq 1 "192.168.10.2:12076 192.168.10.6:12076" paths ce 10.60.0.0/16
  check_wait 15 "site table 1006 (Amsterdam's CE side) sends 10.60.0.0/16 over both of London's links" \
    it_wait_eq 1 2 bash -c "ip -n $N-er route show table 1006 proto 201 10.60.0.0/16 | grep -c 'via 192.168.20.[15] dev er1p'"
  check "site A -> site B and back across the threads (ping)" \
    bash -c "ip netns exec $A ping -c 3 -i 0.2 -W 1 -I 10.50.0.1 10.60.0.1 > /dev/null && ip netns exec $B ping -c 3 -i 0.2 -W 1 -I 10.60.0.1 10.50.0.1 > /dev/null"
  check "site C (Paris) -> site A, on the same thread (ping)" \
    ping_from "$C" 10.70.0.1 10.50.0.1
  check "site B -> site C: unreachable (Global Reach is not transitive, R74)" \
    bash -c "! ip netns exec $B ping -c 2 -i 0.2 -W 1 -I 10.60.0.1 10.70.0.1 > /dev/null 2>&1"
  vtysh --vty_socket "$MSEE_LAB_DIR/$N/ce1" -c "configure terminal" -c "router bgp 65002" \
    -c "neighbor 192.168.20.2 shutdown" > /dev/null
  check_wait 10 "London's primary session down: table 1006 keeps only London's secondary link" \
    it_wait_eq 1 "10.60.0.0/16 via 192.168.20.5 dev er1p2v100" bash -c "ip -n $N-er route show table 1006 proto 201 10.60.0.0/16 | xargs"
  vtysh --vty_socket "$MSEE_LAB_DIR/$N/ce1" -c "configure terminal" -c "router bgp 65002" \
    -c "no neighbor 192.168.20.2 shutdown" > /dev/null
  check_wait 30 "... and up again: both of London's links" \
    it_wait_eq 1 2 bash -c "ip -n $N-er route show table 1006 proto 201 10.60.0.0/16 | grep -c 'via 192.168.20.[15] dev er1p'"
  down
fi
it_finish
