#!/usr/bin/env bash
# test_msee_bird_netns.sh — a Premium circuit (private + Microsoft peering, IPv4 + IPv6) on its
# real link addresses in network namespaces, BIRD 2 as the customer edge on dot1Q
# sub-interfaces (R12), with BFD 300 ms × 3 as Microsoft's samples configure it (R89). Proves
# from BIRD's CLI and msee-emu's event log: all 8 sessions Established on the /30 and /126
# addresses (R9, R10, R32); VNet prefixes IPv4 + IPv6 with path 12076 via each MSEE (R49, R50);
# BFD Up on the IPv4 sessions only (R28, R30); a silent failure of the primary link is detected
# by BFD in under a second, the CE's best path moves to the secondary MSEE and the MSEE sends
# Cease/BFD Down (R31, R63), and everything returns when the link does; Premium private IPv4
# accepts 10,000 and drops at 10,001 (R36); private IPv6 100/101 and Microsoft peering
# 200/201 likewise; each session returns after the restart time once back under its limit.
set -u
source "$(dirname "$0")/lib.sh"
it_need bird birdc ip
it_init msee_bird_netns
ns_lab "mb$$"

# Private peering VLAN 200, Microsoft peering VLAN 300, on both links (R12, R13).
ns_peering 1 200 "172.16.0.1/30 fdcc:0:0:1::1/126" "172.16.0.2/30 fdcc:0:0:1::2/126"
ns_peering 2 200 "172.16.0.5/30 fdcc:0:0:1::5/126" "172.16.0.6/30 fdcc:0:0:1::6/126"
ns_peering 1 300 "203.0.113.1/30 2001:db8:300::1/126" "203.0.113.2/30 2001:db8:300::2/126"
ns_peering 2 300 "203.0.113.5/30 2001:db8:300::5/126" "203.0.113.6/30 2001:db8:300::6/126"

RESTART=5
python3 - "$MSEE_SOURCE_DIR/config/premium-private-microsoft.json" "$T/circuit.json" $RESTART <<'PY'
import json, sys
cfg = json.load(open(sys.argv[1]))
cfg["emulator"]["logRoutes"] = True
for p in cfg["circuits"][0]["peerings"]:
    p["emulation"] = {"maxPrefixRestartSeconds": int(sys.argv[3])}
json.dump(cfg, open(sys.argv[2], "w"), indent=1)
PY

# BIRD as the CE: the lab's BIRD CE — one BGP protocol per MSEE session, BFD on the IPv4 ones
# (R30), its own prefixes only — which also sends Microsoft peering what the MSEE must refuse:
# an RFC 1918 prefix and the default route (R39, R41).
# write_bird N4 N6 NMS [--no-bfd]: plus N4 / N6 / NMS extra prefixes on private IPv4, private
# IPv6 and Microsoft peering IPv4, the route-limit generators ($T/ce/extra.conf).
write_bird() {
  mkdir -p "$T/ce"
  itconf bird "$T/circuit.json" --dir "$T/ce" --connect-retry 2 \
    --prefixes 10.50.0.0/16,0.0.0.0/0,fd50::/48 --ms-extra 10.60.0.0/16,0.0.0.0/0 \
    --extra "AzurePrivatePeering/ipv4=$1" --extra "AzurePrivatePeering/ipv6=$2" \
    --extra "MicrosoftPeering/ipv4=$3" "${@:4}" > "$T/ce/bird.conf"
}
reconfigure_bird() {  # reconfigure_bird N4 N6 NMS [--no-bfd]
  write_bird "$@"
  birdc_ ce configure > "$T/ce/configure.out" 2>&1 || { cat "$T/ce/configure.out"; return 1; }
}
# The lab CE's BGP protocols: c<circuit>_<peering>_<path>_<family>.
PRI4=c0_priv_pri_v4; SEC4=c0_priv_sec_v4; PRI6=c0_priv_pri_v6; SEC6=c0_priv_sec_v6
MSPRI4=c0_ms_pri_v4; MSSEC4=c0_ms_sec_v4; MSPRI6=c0_ms_pri_v6; MSSEC6=c0_ms_sec_v6

IT_IN_NS=$NS_ER start_msee msee "$T/circuit.json"
write_bird 0 0 0
IT_IN_NS=$NS_CE start_bird ce "$T/ce/bird.conf"
EV=$(msee_events msee)

for p in $PRI4 $SEC4 $PRI6 $SEC6 $MSPRI4 $MSSEC4 $MSPRI6 $MSSEC6; do
  check_wait 40 "BIRD session $p Established" bird_established ce $p
done

# R49, R50: VNet routes, one per MSEE, path 12076, next hop the MSEE's link address.
routes_via() {  # routes_via PREFIX -> sorted "proto:gateway:aspath" of every route BIRD has
  birdc_ ce show route all "$1" | python3 -c '
import re, sys
out, proto, gw = [], None, None
for line in sys.stdin:
    m = re.match(r"^\S*\s+(unicast|unreachable)\s+\[(\S+)\s.*", line)
    if m: proto = m.group(2)
    m = re.search(r"via (\S+) on", line)
    if m: gw = m.group(1)
    m = re.search(r"BGP.as_path: ?(.*)$", line)
    if m: out.append("%s:%s:%s" % (proto, gw, m.group(1).strip()))
print(" ".join(sorted(out)))'
}
check_wait 15 "IPv4 VNet 10.10.0.0/16 via both MSEEs with path 12076" \
  it_wait_eq 1 "$PRI4:172.16.0.2:12076 $SEC4:172.16.0.6:12076" routes_via 10.10.0.0/16
check_wait 15 "IPv6 VNet fd10:10::/48 via both MSEEs with path 12076 (R32)" \
  it_wait_eq 1 "$PRI6:fdcc:0:0:1::2:12076 $SEC6:fdcc:0:0:1::6:12076" routes_via fd10:10::/48
check_wait 15 "Exchange Online 40.92.0.0/15 on Microsoft peering only" \
  it_wait_eq 1 "$MSPRI4:203.0.113.2:12076 $MSSEC4:203.0.113.6:12076" routes_via 40.92.0.0/15
check_wait 15 "Exchange Online IPv6 2a01:111:f400::/48 on IPv6 Microsoft peering" \
  it_wait_eq 1 "$MSPRI6:2001:db8:300::2:12076 $MSSEC6:2001:db8:300::6:12076" routes_via 2a01:111:f400::/48
check "community 12076:5010 on Exchange prefixes (R55, R58)" \
  bash -c "birdc -s $T/ce/bird.ctl show route all 40.92.0.0/15 | grep -q '(12076,5010)'"
check "hub VNet carries 12076:20010 and 12076:50002 (R56)" \
  bash -c "birdc -s $T/ce/bird.ctl show route all 10.10.0.0/16 | grep -q '(12076,20010) (12076,50002)'"

# BFD (R28–R30): the CE started it, the MSEE answered; IPv4 sessions only.
bfd_up() { birdc_ ce show bfd sessions | awk -v a="$1" '$1==a{print $3}' | grep -qx Up; }
check_wait 10 "BFD Up with the primary MSEE 172.16.0.2" bfd_up 172.16.0.2
check_wait 10 "BFD Up with the secondary MSEE 172.16.0.6" bfd_up 172.16.0.6
check_wait 10 "BFD Up on Microsoft peering 203.0.113.2" bfd_up 203.0.113.2
check "no BFD on the IPv6 sessions (R30)" \
  bash -c "! birdc -s $T/ce/bird.ctl show bfd sessions | grep -q 'fdcc'"
check "msee-emu logged BFD Up for the primary private session" \
  ev_has "$EV" "e.get('event')=='bfd' and e['peer']=='er-ams-premium/AzurePrivatePeering/primary' and e['to']=='Up'"

# Inbound policy on Microsoft peering (R39, R41) and private peering (R39).
check_wait 10 "default route accepted on private peering (R39)" \
  ev_has "$EV" "$(ev_route_sel er-ams-premium/AzurePrivatePeering/primary ipv4-unicast 0.0.0.0/0)"
check_wait 10 "default route refused on Microsoft peering (R39)" \
  ev_has "$EV" "e.get('event')=='route-rejected' and e['peer']=='er-ams-premium/MicrosoftPeering/primary' and e['prefix']=='0.0.0.0/0'"
check_wait 10 "RFC 1918 refused on Microsoft peering (R41)" \
  ev_has "$EV" "e.get('event')=='route-rejected' and e['peer']=='er-ams-premium/MicrosoftPeering/primary' and e['prefix']=='10.60.0.0/16'"

# Silent failure of the primary link (R31, R63): frames stop, carriers stay up.
MARK=$(ev_lines "$EV")
# Watch BIRD through its control socket (what birdc speaks; a fraction of a millisecond per
# poll, where forking birdc + grep costs tens of ms under CI load). It prints the wall-clock
# ms at which the primary IPv4 session left Established (at most 6 s from now).
PYTHONPATH=$MSEE_SOURCE_DIR/src/lab "$IT_PY" - "$T/ce/bird.ctl" "$PRI4" > "$T/detect.ms" <<'PY' &
import sys, time
from msee_lab.ce import ControlSocket
bird, end = ControlSocket(sys.argv[1], "bird"), time.time() + 6
while "Established" in bird("show protocols " + sys.argv[2]) and time.time() < end:
    time.sleep(0.002)
print(int(time.time() * 1000))
PY
WATCH=$!
sleep 0.5  # the watcher is polling
ns_link_cut 1
wait $WATCH
DETECT=$(( $(cat "$T/detect.ms") - NS_CUT_MS ))
it_log "BIRD lost the primary session $DETECT ms after the silent failure"
check "CE detects the silent primary failure in under 1 s via BFD ($DETECT ms)" test "$DETECT" -lt 1000
check_wait 3 "CE's best path for 10.10.0.0/16 moved to the secondary MSEE" \
  bash -c "birdc -s $T/ce/bird.ctl show route 10.10.0.0/16 | grep -q 'via 172.16.0.6'"
check "the secondary session stayed Established" bird_established ce $SEC4
check_wait 3 "MSEE's BFD saw the failure too (Control Detection Time Expired)" \
  ev_since "$EV" "$MARK" "e.get('event')=='bfd' and e['peer']=='er-ams-premium/AzurePrivatePeering/primary' and e['to']=='Down' and e['diagnostic']=='ControlDetectionTimeExpired'"
check_wait 3 "MSEE tore the BGP session down with Cease/BFD Down (R31, RFC 9384)" \
  ev_since "$EV" "$MARK" "e.get('event')=='session-down' and e['peer']=='er-ams-premium/AzurePrivatePeering/primary' and g(e,'notification.subcode')==10"
ns_link_restore 1
check_wait 30 "primary session back after the link returns" bird_established ce $PRI4
check_wait 10 "BFD Up again" bfd_up 172.16.0.2
check_wait 10 "both paths for 10.10.0.0/16 again" \
  it_wait_eq 1 "$PRI4:172.16.0.2:12076 $SEC4:172.16.0.6:12076" routes_via 10.10.0.0/16

# Route limits (R36, R37): Premium private IPv4 10,000. BIRD turns BFD off first: loading
# 10,000 routes keeps single-threaded BIRD busy for longer than 900 ms on a loaded 2-core
# machine, and its BFD would then flap the sessions under test (seen in CI under ASan).
# BIRD drops its BFD sessions silently, so the MSEE's BFD times out once and tears BGP down
# (it cannot tell this from a failure); the sessions then come back and stay without BFD (R28).
reconfigure_bird 0 0 0 --no-bfd
sleep 2
check_wait 30 "BFD off at the CE: primary back without BFD" bird_established ce $PRI4
check_wait 30 "BFD off at the CE: Microsoft peering back without BFD" bird_established ce $MSPRI4
sleep 2
check "and they stay up without BFD (R28)" bird_established ce $PRI4
sess_down_count() { ev_count "$EV" "e.get('event')=='session-down' and e['peer']=='$1' and g(e,'notification.subcode')==1"; }
S4=er-ams-premium/AzurePrivatePeering/primary
S6=er-ams-premium/AzurePrivatePeering/primary/ipv6
SM=er-ams-premium/MicrosoftPeering/primary
reconfigure_bird 9998 0 0 --no-bfd  # + 10.50.0.0/16 + default = 10,000
check_wait 20 "MSEE warned at 80 % of 10,000" \
  ev_has "$EV" "e.get('event')=='prefix-limit' and e['peer']=='$S4' and e['kind']=='warning' and e['limit']==10000"
sleep 2
check "10,000 prefixes on Premium private IPv4: still Established" bird_established ce $PRI4
check "no Cease/1 at 10,000" test "$(sess_down_count $S4)" = 0
reconfigure_bird 9999 0 0 --no-bfd
check_wait 15 "10,001st prefix drops the primary session with Cease/1 (R37)" test "$(sess_down_count $S4)" -ge 1
check_wait 5 "BIRD saw the NOTIFICATION" \
  bash -c "birdc -s $T/ce/bird.ctl show protocols all $PRI4 | grep -qi 'maximum number of prefixes'"
reconfigure_bird 9998 0 0 --no-bfd
check_wait 40 "primary IPv4 back at 10,000 after the restart time" bird_established ce $PRI4

# Private IPv6 100 and Microsoft peering 200 together: 1 + 99 = 100, 1 + 199 = 200.
reconfigure_bird 0 99 199 --no-bfd
sleep 3
check "100 IPv6 prefixes on private peering: Established" bird_established ce $PRI6
check "200 prefixes on Microsoft peering: Established" bird_established ce $MSPRI4
check "no Cease/1 on IPv6 at 100" test "$(sess_down_count $S6)" = 0
check "no Cease/1 on Microsoft peering at 200" test "$(sess_down_count $SM)" = 0
reconfigure_bird 0 100 200 --no-bfd
check_wait 15 "101st IPv6 prefix drops the private IPv6 session with Cease/1 (R36)" \
  test "$(sess_down_count $S6)" -ge 1
check "Cease data says AFI 2 / SAFI 1 / 100" \
  ev_has "$EV" "e.get('event')=='session-down' and e['peer']=='$S6' and g(e,'notification.data')=='00020100000064'"
check_wait 15 "201st prefix drops the Microsoft peering session with Cease/1 (R36)" \
  test "$(sess_down_count $SM)" -ge 1
check "Cease data says AFI 1 / SAFI 1 / 200" \
  ev_has "$EV" "e.get('event')=='session-down' and e['peer']=='$SM' and g(e,'notification.data')=='000101000000c8'"
reconfigure_bird 0 99 199 --no-bfd
check_wait 40 "private IPv6 back at 100" bird_established ce $PRI6
check_wait 40 "Microsoft peering back at 200" bird_established ce $MSPRI4
it_finish
