#!/usr/bin/env bash
# test_msee_frr_bfd_netns.sh — the bundled Standard circuit (config/standard-private.json) on
# its real /30s in network namespaces, FRR (zebra + bfdd + bgpd) as the customer edge with TCP
# MD5 and BFD 300 ms × 3 exactly as Microsoft's samples configure them (R26, R88, R89). Proves
# from FRR's JSON and the CE namespace's own FIB: both sessions Established with MD5 on
# 192.168.100.129<->.130 and .133<->.134 (R9, R25); BFD Up with the passive MSEE (R28, R29);
# a silent failure of the primary link is detected by BFD in under a second (R31, R63) and the
# CE's forwarding for the VNet moves to the secondary MSEE; the MSEE sends Cease/BFD Down;
# after the link returns both paths are back.
set -u
source "$(dirname "$0")/lib.sh"
it_need /usr/lib/frr/zebra /usr/lib/frr/bfdd /usr/lib/frr/bgpd vtysh ip
it_init msee_frr_bfd
ns_lab "mf$$"
ns_peering 1 100 "192.168.100.129/30" "192.168.100.130/30"
ns_peering 2 100 "192.168.100.133/30" "192.168.100.134/30"
CIRCUIT=$MSEE_SOURCE_DIR/config/standard-private.json

# The CE is the lab's FRR CE (MD5, BFD profile 300 ms × 3), written to $T/ce with its zebra.conf
# and bfdd.conf.
itconf frr "$CIRCUIT" --dir "$T/ce" --daemons --connect-retry 2 > "$T/bgpd.conf"
IT_IN_NS=$NS_ER start_msee msee "$CIRCUIT" --api 127.0.0.1:18181
start_frr_zebra ce "$NS_CE" "$T/ce/zebra.conf" "$T/ce/bfdd.conf" "$T/bgpd.conf" 192.168.100.129 192.168.100.133
EV=$(msee_events msee)
P1=192.168.100.130; P2=192.168.100.134

check_wait 40 "primary session Established with MD5 (R26)" frr_established ce $P1
check_wait 40 "secondary session Established with MD5" frr_established ce $P2
bfd_status() { frr_ ce "show bfd peers json" | jpy "[p['status'] for p in d if p['peer']=='$1'][0]"; }
check_wait 10 "BFD up with the primary MSEE" it_wait_eq 1 up bfd_status $P1
check_wait 10 "BFD up with the secondary MSEE" it_wait_eq 1 up bfd_status $P2
check "negotiated BFD: 300 ms both ways, multiplier 3 (R29)" \
  eq "300 300 3" frr_get ce "show bfd peers json" "' '.join(str(x) for p in d if p['peer']=='$P1' for x in (p['remote-receive-interval'], p['remote-transmit-interval'], p['remote-detect-multiplier']))"
# R84 / R85 on real interfaces: the ARP table comes from the MSEE namespace's neighbour table,
# the statistics from the link interface's counters. msee-ctl runs where the API is.
[ -x "${MSEE_CTL:-}" ] || MSEE_CTL=$(dirname "$MSEE_EMU")/msee-ctl
ctl_er() { ip netns exec "$NS_ER" "$MSEE_CTL" --api http://127.0.0.1:18181 -o json "$@"; }
mac_of() {  # mac_of NS ADDR -> the Cisco-style MAC of the interface holding ADDR
  local dev; dev=$(ip -n "$1" -o addr show | awk -v a="$2" '$4 ~ "^"a"/" {print $2}' | sed 's/@.*//')
  ip -n "$1" -o link show "$dev" | grep -o 'link/ether [0-9a-f:]*' | awk '{print $2}' |
    tr -d ':' | sed -E 's/(....)(....)(....)/\1.\2.\3/'
}
CE_MAC=$(mac_of "$NS_CE" 192.168.100.129); ER_MAC=$(mac_of "$NS_ER" $P1)
ctl_er list-arp-tables --circuit er-ams-standard --peering-name AzurePrivatePeering --path primary > "$T/arp.json"
check "list-arp-tables: On-Prem = the CE's address with its interface's real MAC $CE_MAC (R84)" \
  jpy "[(r['interface'], r['ipAddress'], r['macAddress']) for r in d['value']] == [('On-Prem','192.168.100.129','$CE_MAC'), ('Microsoft','$P1','$ER_MAC')] and isinstance(d['value'][0]['age'], int)" < "$T/arp.json"
ctl_er get-stats --circuit er-ams-standard > "$T/stats.json"
check "get-stats: the link interfaces' counters, bytes > 0 both ways on both links (R85)" \
  jpy "d['source']=='interface' and min(d['primarybytesIn'], d['primarybytesOut'], d['secondarybytesIn'], d['secondarybytesOut']) > 0" < "$T/stats.json"
check "ArpAvailability 100 for both MSEEs (R86)" \
  eq 2 bash -c "ip netns exec $NS_ER '$MSEE_CTL' --api http://127.0.0.1:18181 metrics | grep -c '^ArpAvailability{.*} 100'"
fib_via() { ip -n "$NS_CE" route get 10.1.0.1 | grep -o 'via [0-9.]*' | head -1; }
check_wait 15 "CE's FIB has the hub VNet 10.1.0.0/16 from an MSEE" bash -c "ip -n $NS_CE route show 10.1.0.0/16 | grep -q via"
check_wait 10 "FRR holds two paths for 10.1.0.0/16 (one per MSEE, R50)" \
  it_wait_eq 1 2 frr_get ce "show bgp ipv4 unicast 10.1.0.0/16 json" "len(d['paths'])"

# Make the primary the CE's active path (as a CE prefers its primary with local preference:
# the lab CE's route-map PREFER-PRIMARY, R91), then cut it silently.
frr_ ce "configure terminal" "router bgp 65001" "address-family ipv4 unicast" \
  "neighbor $P1 route-map PREFER-PRIMARY in" >/dev/null
frr_ ce "clear bgp ipv4 unicast $P1 soft in" >/dev/null
check_wait 10 "the CE forwards 10.1.0.0/16 via the primary MSEE" it_wait_eq 1 "via $P1" fib_via
MARK=$(ev_lines "$EV")
# Watch bgpd through its own control socket (a fraction of a millisecond per poll, where a
# vtysh + python poll costs 60-150 ms under CI load and showed up in the measured time). It
# prints the wall-clock ms at which the session left Established (at most 6 s from now).
PYTHONPATH=$MSEE_SOURCE_DIR/src/lab "$IT_PY" - "$T/ce/bgpd.vty" "$P1" > "$T/detect.ms" <<'PY' &
import json, sys, time
from msee_lab.ce import ControlSocket
bgpd, peer = ControlSocket(sys.argv[1], "frr"), sys.argv[2]
end = time.time() + 6
while json.loads(bgpd("show bgp ipv4 unicast summary json"))["peers"][peer]["state"] \
        == "Established" and time.time() < end:
    time.sleep(0.002)
print(int(time.time() * 1000))
PY
WATCH=$!
sleep 0.5  # the watcher is polling
ns_link_cut 1
T0=$NS_CUT_MS
wait $WATCH
T1=$(cat "$T/detect.ms")
it_wait_eq 5 "via $P2" fib_via
T2=$(it_now_ms)
it_log "silent primary failure: FRR session down after $((T1 - T0)) ms, FIB via secondary after $((T2 - T0)) ms"
check "CE detects the silent failure in under 1 s via BFD ($((T1 - T0)) ms)" test $((T1 - T0)) -lt 1000
check "the CE now forwards 10.1.0.0/16 via the secondary MSEE" eq "via $P2" fib_via
check "FRR names BFD as the reason" \
  bash -c "vtysh --vty_socket $T/ce -c 'show bgp neighbors $P1 json' | grep -qi 'BFD'"
check_wait 3 "MSEE tore its session down with Cease/BFD Down (R31)" \
  ev_since "$EV" "$MARK" "e.get('event')=='session-down' and e['peer']=='er-ams-standard/AzurePrivatePeering/primary' and g(e,'notification.subcode')==10"
check "secondary session unaffected" frr_established ce $P2
ns_link_restore 1
check_wait 40 "primary session back after the link returns" frr_established ce $P1
check_wait 10 "BFD up again" it_wait_eq 1 up bfd_status $P1
check_wait 10 "the CE forwards via the primary MSEE again" it_wait_eq 1 "via $P1" fib_via
it_finish
