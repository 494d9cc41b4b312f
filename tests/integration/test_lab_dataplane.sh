#!/usr/bin/env bash
# test_lab_dataplane.sh [frr|bird|two|builtin|all] — issue #13, the lab's data plane: traffic from
# a CE host address through the emulated MSEE to a VM address in the circuit's Azure namespace.
#   frr:  config/default.json at 50 Mbps, FRR CE (zebra installs BGP's routes): ping and a TCP
#         transfer CE host 10.50.0.1 -> VM 10.1.0.4; traceroute shows the MSEE's link address;
#         1,400 bytes with DF arrive, 1,401 do not (Q9, MTU 1,400 on the gateway path); DSCP EF
#         arrives as 0 at the VM on private peering (R79); UDP at 3x the bandwidth over one link
#         delivers about the bandwidth (R62, tbf per link and direction).
#   bird: config/premium-private-microsoft.json, BIRD CE (protocol kernel, merged paths):
#         IPv4 + IPv6 on private and Microsoft peering; a CE link address (no NAT) as the source
#         on Microsoft peering is dropped and counted in MSEE_R78 (R78, iptables + ip6tables);
#         DSCP zeroed both ways on private peering, kept on Microsoft peering.
#   two:  two circuits whose CE announces the same 10.50.0.0/16: each VM's traffic stays on its
#         own circuit's links, a packet sent to the other circuit's VNet is unreachable.
#   builtin: msee-emu's router mode as CE with the data plane on: it installs its best routes
#         (--dataplane, ECMP over both MSEEs), ping and lab traffic pass; after kill -9 a restart
#         clears its stale routes, SIGTERM removes them; `lab down` without lab.json (a crash)
#         removes the az namespace from its name alone.
set -u
source "$(dirname "$0")/lib.sh"
it_need ip python3 iperf3 ping traceroute iptables ip6tables tc
WHAT=${1:-all}
it_init lab_dataplane
lab_init "ld$$"
DP="$IT_PY $IT_LIB_DIR/dp_tool.py"
N=$MSEE_LAB_NAME
in_ce() { ip netns exec "$N-ce" "$@"; }
in_az() { local c=$1; shift; ip netns exec "$N-az$c" "$@"; }
in_er() { ip netns exec "$N-er" "$@"; }
# ping_ok SRC DST / ping_lost ARGS... : from the CE
ping_ok() { in_ce ping -c 3 -i 0.2 -W 1 -I "$1" "$2" > /dev/null; }
ping_lost() { ! in_ce ping -c 2 -i 0.2 -W 1 "$@" > /dev/null 2>&1; }
# iperf ID VM CEHOST ARGS... : iperf3 server (one test) on the VM, client on the CE -> $T/ID.json
iperf() {
  local id=$1 vm=$2 host=$3 port=$((5201 + RANDOM % 500)); shift 3
  in_az 0 iperf3 -s -1 -B "$vm" -p "$port" > "$T/$id.srv" 2>&1 &
  it__record "iperf3-$id" $!
  sleep 0.5
  timeout 30 ip netns exec "$N-ce" iperf3 -c "$vm" -B "$host" -p "$port" -t 2 -J "$@" > "$T/$id.json" 2>&1
}
mbps() { jpy "round((d['end'].get('sum_received') or d['end']['sum'])['bits_per_second'] / 1e6, 1)" < "$T/$1.json"; }
# tos_at NETNS RECV_ADDR SEND_NETNS SRC TOS : the TOS / traffic classes the receiver saw
tos_at() {
  local port=$((7000 + RANDOM % 500))
  ip netns exec "$1" $DP recv-tos "$2" "$port" 3 > "$T/tos.out" 2> /dev/null &
  local pid=$!
  sleep 0.5
  ip netns exec "$3" $DP send-tos "$4" "$2" "$port" "$5"
  wait "$pid"
  jpy "sorted({x['tos'] for x in d})" < <("$IT_PY" -c 'import json,sys; print(json.dumps([json.loads(l) for l in sys.stdin]))' < "$T/tos.out")
}
r78_drops() { in_er "$1" -n -L MSEE_R78 -v -x | awk '$3 == "DROP" { n += $1 } END { print n + 0 }'; }
up() { local f=$1; shift; check "lab up $*" lab_report "$T/$f.json" lab up "$@" || { it_finish; }; }
down() { lab_ lab down > "$T/down.json" 2>&1; }

if [ "$WHAT" = all ] || [ "$WHAT" = frr ]; then
  it_need /usr/lib/frr/zebra /usr/lib/frr/bgpd
  "$IT_PY" - "$MSEE_SOURCE_DIR/config/default.json" "$T/c50.json" <<'PY'
import json, sys
cfg = json.load(open(sys.argv[1]))
cfg["circuits"][0]["serviceProviderProperties"]["bandwidthInMbps"] = 50
json.dump(cfg, open(sys.argv[2], "w"), indent=1)
PY
  up frr --ce frr --config "$T/c50.json"
  if [ -n "${MSEE_USER:-}" ]; then  # the suite run unprivileged (issue #14): the data plane
    EMU_PID=$("$IT_PY" -c 'import json,sys; print(next(p["pid"] for p in json.load(open(sys.argv[1]))["processes"] if p["role"] == "msee-emu"))' "$MSEE_LAB_DIR/$N/lab.json")
    check "msee-emu runs as $MSEE_USER with CAP_NET_ADMIN alone (bit 12), the routes below need it" \
      bash -c "[ \"\$(awk '\$1==\"Uid:\"{print \$2}' /proc/$EMU_PID/status)\" = \$(id -u $MSEE_USER) ] && [ \"\$(awk '\$1==\"CapEff:\"{print \$2}' /proc/$EMU_PID/status)\" = 0000000000001000 ]"
  fi
  check "lab.json: one pair 10.50.0.1 -> 10.1.0.4, ifLinks for the CE's 2 link devices and az0p1/az0p2" \
    jpy "[(p['ceHost'], p['vm'], p['azNetns']) for p in d['dataplane']['pairs']] == [('10.50.0.1', '10.1.0.4', '$N-az0')] and sorted(d['dataplane']['ifLinks']) in (['$N-az0/az0p1', '$N-az0/az0p2', '$N-ce/ce0p1v100', '$N-ce/ce0p2v100'], ['$N-az0/az0p1', '$N-az0/az0p2', '$N-ce/ce0p1.100', '$N-ce/ce0p2.100'])" < "$MSEE_LAB_DIR/$N/lab.json"
  check "lab status shows the VMs and the CE hosts" \
    jpy "[v['address'] for v in d['dataplane']['vms']] == ['10.1.0.4', '10.2.0.4'] and d['dataplane']['ceHosts'][0]['address'] == '10.50.0.1'" < "$T/frr.json"
  check "msee-emu programmed 10.50.0.0/16 in table 1001 (proto 201, over both CE links) or the lab's temporary static routes did" \
    bash -c "ip -n $N-er route show table 1001 proto 201 10.50.0.0/16 | grep -c 'nexthop via' | grep -qx 2"
  it_log "CE routes in the MSEE: $(jpy "d['dataplane']['ceRoutes']" < "$MSEE_LAB_DIR/$N/lab.json")"
  check "zebra installed BGP's routes in the CE's kernel: 10.1.0.0/16 over both MSEEs" \
    bash -c "ip -n $N-ce route show 10.1.0.0/16 | grep -c 'nexthop via' | grep -qx 2"
  check "msee-ctl lab shell ce -- ping -c 3 -I 10.50.0.1 10.1.0.4" \
    "$MSEE_CTL" lab shell ce -- ping -c 3 -i 0.2 -I 10.50.0.1 10.1.0.4
  check "ping 10.50.0.1 -> 10.2.0.4 (the second VNet)" ping_ok 10.50.0.1 10.2.0.4
  check "a VNet address without a VM (10.1.0.9) does not answer" ping_lost -I 10.50.0.1 10.1.0.9
  in_ce traceroute -n -q 1 -w 1 -s 10.50.0.1 10.1.0.4 > "$T/trace.txt" 2>&1
  check "traceroute: hop 1 is an MSEE link address, hop 2 the VM" \
    bash -c "grep -Eq '^ 1  192\.168\.100\.13[04] ' '$T/trace.txt' && grep -Eq '^ 2  10\.1\.0\.4 ' '$T/trace.txt'"
  check "TCP (iperf3 -t 2) 10.50.0.1 -> 10.1.0.4" iperf tcp4 10.1.0.4 10.50.0.1
  it_log "TCP over one 50 Mbps link: $(mbps tcp4) Mbps received"
  check "1,400 bytes with DF arrive (ping -M do -s 1372)" in_ce ping -c 2 -i 0.2 -W 1 -M do -s 1372 -I 10.50.0.1 10.1.0.4
  in_ce ping -c 2 -i 0.2 -W 1 -M do -s 1373 -I 10.50.0.1 10.1.0.4 > "$T/mtu.txt" 2>&1
  check "1,401 bytes with DF do not: the MSEE says fragmentation needed, mtu 1400 (Q9)" \
    bash -c "grep -q ' 0 received' '$T/mtu.txt' && grep -Eq 'mtu = 1400|too long' '$T/mtu.txt'"
  check "DSCP EF (0xb8) from the CE arrives as 0 at the VM (R79)" \
    eq "[0]" tos_at "$N-az0" 10.1.0.4 "$N-ce" 10.50.0.1 0xb8
  check "iperf3 UDP at 150 Mbps (3x the circuit) over one link" \
    iperf udp4 10.1.0.4 10.50.0.1 -u -b 150M -l 1200
  UDP=$(mbps udp4)
  it_log "UDP 150 Mbps offered on a 50 Mbps circuit: $UDP Mbps received"
  check "UDP received about the circuit's 50 Mbps (35-60): $UDP" jpy "35 <= $UDP <= 60" <<< "{}"
  # Azure's traffic metrics (R81) while 150 Mbps is offered: BitsIn about that, DroppedIn ~100M.
  ip netns exec "$N-az0" iperf3 -s -1 -p 5990 > "$T/ips-m.txt" 2>&1 &
  sleep 0.5
  ip netns exec "$N-ce" timeout 15 iperf3 -c 10.1.0.4 -B 10.50.0.1 -p 5990 -u -b 150M -l 1200 -t 4 > "$T/ipc-m.txt" 2>&1 &
  IPC=$!
  sleep 2.5
  lab_ --netns "$N-er" get-stats --circuit er-lab-circuit > "$T/stats.json"
  ip netns exec "$N-er" python3 -c 'import urllib.request; print(urllib.request.urlopen("http://127.0.0.1:8179/metrics").read().decode())' > "$T/metrics.txt"
  wait "$IPC"
  it_log "get-stats during 150 Mbps offered: $(jpy "[d['primaryMetrics'], d['secondaryMetrics']]" < "$T/stats.json")"
  check "get-stats: one link's BitsInPerSecond 120-180 M and DroppedInBitsPerSecond 70-130 M (R81)" \
    jpy "any(120e6 < m['BitsInPerSecond'] < 180e6 and 70e6 < m['DroppedInBitsPerSecond'] < 130e6 for m in (d['primaryMetrics'], d['secondaryMetrics']))" < "$T/stats.json"
  check "/metrics has BitsInPerSecond, BitsOutPerSecond, DroppedInBitsPerSecond, DroppedOutBitsPerSecond per link" \
    bash -c "for m in BitsInPerSecond BitsOutPerSecond DroppedInBitsPerSecond DroppedOutBitsPerSecond; do grep -c \"^\$m{circuit=\\\"er-lab-circuit\\\"\" '$T/metrics.txt' | grep -qx 2 || exit 1; done"
  # kill -9: the routes stay behind; the next start removes them before programming its own,
  # and a clean stop (SIGTERM) leaves none. The host's own tables never hold one.
  EMU_PID=$(jpy "[p['pid'] for p in d['processes'] if p['role'] == 'msee-emu'][0]" < "$MSEE_LAB_DIR/$N/lab.json")
  kill -9 "$EMU_PID"
  sleep 0.3
  check "after kill -9 of msee-emu its routes are still in table 1001 (stale)" \
    bash -c "ip -n $N-er route show table 1001 proto 201 | grep -q 10.50.0.0/16"
  ip netns exec "$N-er" "$MSEE_EMU" --config "$MSEE_LAB_DIR/$N/circuits.json" --dataplane --api off \
    > "$T/emu2.log" 2>&1 &
  EMU2=$!
  check "the restarted msee-emu removed the stale routes at start" \
    it_wait 10 grep -q "removed [0-9]* route(s) left by an earlier run" "$T/emu2.log"
  check "... and programs 10.50.0.0/16 over both links again once the CE is back" \
    it_wait 60 bash -c "ip -n $N-er route show table 1001 proto 201 10.50.0.0/16 | grep -c 'nexthop via' | grep -qx 2"
  kill -TERM "$EMU2"; wait "$EMU2"
  check "SIGTERM: msee-emu removed every route it programmed" \
    bash -c "[ -z \"\$(ip -n $N-er route show table all proto 201; ip -n $N-er -6 route show table all proto 201)\" ]"
  check "the host's own routing tables hold no msee-emu route" \
    bash -c "[ -z \"\$(ip route show table all proto 201; ip -6 route show table all proto 201)\" ]"
  down
  check "lab down removed $N-az0" bash -c "! ip netns list | grep -q '^$N-az0'"
fi

if [ "$WHAT" = all ] || [ "$WHAT" = bird ]; then
  it_need bird birdc
  up bird --ce bird --config "$MSEE_SOURCE_DIR/config/premium-private-microsoft.json" --ce-hold-time 9
  check "lab.json: 4 pairs (private and Microsoft, IPv4 and IPv6)" \
    jpy "sorted((p['peeringType'][:5], p['ceHost'], p['vm']) for p in d['dataplane']['pairs']) == [('Azure', '10.50.0.1', '10.10.0.4'), ('Azure', 'fdbb:50::1', 'fd10:10::4'), ('Micro', '198.51.100.1', '20.2.0.1'), ('Micro', '2001:db8:3000::1', '2603:1002::1')]" < "$MSEE_LAB_DIR/$N/lab.json"
  check "BIRD's kernel protocol: fd10:10::/48 over both MSEEs in the CE's kernel" \
    bash -c "ip -n $N-ce -6 route show fd10:10::/48 | grep -c 'nexthop via' | grep -qx 2"
  check "ping private IPv4 10.50.0.1 -> 10.10.0.4" ping_ok 10.50.0.1 10.10.0.4
  check "ping private IPv6 fdbb:50::1 -> fd10:10::4" ping_ok fdbb:50::1 fd10:10::4
  check "ping Microsoft IPv4 198.51.100.1 -> 20.2.0.1" ping_ok 198.51.100.1 20.2.0.1
  check "ping Microsoft IPv6 2001:db8:3000::1 -> 2603:1002::1" ping_ok 2001:db8:3000::1 2603:1002::1
  check "TCP (iperf3 -t 2) IPv4 private" iperf tcp4 10.10.0.4 10.50.0.1
  check "TCP (iperf3 -t 2) IPv6 private" iperf tcp6 fd10:10::4 fdbb:50::1
  it_log "TCP on the 10 Gbps circuit: IPv4 $(mbps tcp4) Mbps, IPv6 $(mbps tcp6) Mbps"
  check "IPv6: 1,400 bytes with DF arrive, 1,401 do not (ping -M do -s 1352 / 1353)" \
    bash -c "ip netns exec $N-ce ping -c 2 -i 0.2 -W 1 -M do -s 1352 -I fdbb:50::1 fd10:10::4 >/dev/null && ! ip netns exec $N-ce ping -c 2 -i 0.2 -W 1 -M do -s 1353 -I fdbb:50::1 fd10:10::4 >/dev/null 2>&1"
  b4=$(r78_drops iptables); b6=$(r78_drops ip6tables)
  check "no NAT: the CE's link address 203.0.113.1 -> 20.2.0.1 is dropped" ping_lost -I 203.0.113.1 20.2.0.1
  check "no NAT: 2001:db8:300::1 -> 2603:1002::1 is dropped" ping_lost -I 2001:db8:300::1 2603:1002::1
  check "no NAT: a private address 10.50.0.1 -> 20.2.0.1 is dropped" ping_lost -I 10.50.0.1 20.2.0.1
  a4=$(r78_drops iptables); a6=$(r78_drops ip6tables)
  it_log "MSEE_R78 drops: IPv4 $b4 -> $a4, IPv6 $b6 -> $a6"
  check "MSEE_R78 counted them (iptables + 4, ip6tables + 2) (R78)" test $((a4 - b4)) -ge 4 -a $((a6 - b6)) -ge 2
  tos4=$(tos_at "$N-az0" 10.10.0.4 "$N-ce" 10.50.0.1 0xb8)
  tos6=$(tos_at "$N-az0" fd10:10::4 "$N-ce" fdbb:50::1 0xb8)
  check "DSCP EF CE -> VM on private peering arrives as 0, IPv4 ($tos4) and IPv6 ($tos6) (R79)" \
    test "$tos4 $tos6" = "[0] [0]"
  check "DSCP EF VM -> CE on private peering arrives as 0 (R79)" \
    eq "[0]" tos_at "$N-ce" 10.50.0.1 "$N-az0" 10.10.0.4 0xb8
  check "DSCP EF on Microsoft peering is kept (184)" \
    eq "[184]" tos_at "$N-az0" 20.2.0.1 "$N-ce" 198.51.100.1 0xb8
  down
fi

if [ "$WHAT" = all ] || [ "$WHAT" = two ]; then
  it_need /usr/lib/frr/zebra /usr/lib/frr/bgpd
  "$IT_PY" - "$MSEE_SOURCE_DIR/config/global-reach.json" "$T/two-circuits.json" <<'PY'
import json, sys
cfg = json.load(open(sys.argv[1]))
for c in cfg["circuits"]:
    c.pop("globalReach", None)   # two independent circuits, both CEs announce 10.50.0.0/16
cfg["description"] = "two circuits, the same on-premises prefix"
json.dump(cfg, open(sys.argv[2], "w"), indent=1)
PY
  up two --ce frr --config "$T/two-circuits.json"
  check "both circuits' tables hold 10.50.0.0/16 (1001 and 1011), each over its own links" \
    bash -c "ip -n $N-er route show table 1001 10.50.0.0/16 | grep -q er0p1 && ip -n $N-er route show table 1011 10.50.0.0/16 | grep -q er1p1 && ! ip -n $N-er route show table 1011 | grep -q er0p"
  for pfx in 10.1 10.2; do for l in 0 1; do in_ce iptables -A INPUT -i "ce${l}p+" -s "$pfx.0.0/16"; done; done
  # count L PFX : packets from PFX.0.0/16 the CE received on circuit L's links
  count() { in_ce iptables -v -S INPUT | awk -v i="ce$1p+" -v s="$2.0.0/16" '
      { c = ""; ok = 0; for (k = 1; k < NF; k++) { if ($k == "-i" && $(k+1) == i) ok++; if ($k == "-s" && $(k+1) == s) ok++; if ($k == "-c") c = $(k+1) } }
      ok == 2 { print c }'; }
  check "ping 10.50.0.1 -> circuit 0's VM 10.1.0.4" ping_ok 10.50.0.1 10.1.0.4
  check "ping 10.50.0.1 -> circuit 1's VM 10.2.0.4" ping_ok 10.50.0.1 10.2.0.4
  check "circuit 1's VM pings 10.50.0.1 (az1 -> its own circuit's table)" in_az 1 ping -c 3 -i 0.2 -W 1 -I 10.2.0.4 10.50.0.1
  got="$(count 0 10.1) $(count 1 10.1) $(count 0 10.2) $(count 1 10.2)"
  it_log "packets at the CE from 10.1/16 on circuit 0, circuit 1; from 10.2/16 on circuit 0, circuit 1: $got"
  check "replies from 10.1.0.4 came over circuit 0's links only, 10.2.0.4's over circuit 1's only ($got)" \
    jpy "(lambda a, b, c, e: a >= 3 and b == 0 and c == 0 and e >= 6)(*map(int, '$got'.split()))" <<< "{}"
  in_ce ip route add 10.2.0.4/32 via 192.168.10.2
  in_ce ping -c 2 -i 0.2 -W 1 -I 10.50.0.1 10.2.0.4 > "$T/leak.txt" 2>&1
  check "10.2.0.4 sent over circuit 0: net unreachable from circuit 0's MSEE (circuits apart)" \
    bash -c "grep -q ' 0 received' '$T/leak.txt' && grep -q 'From 192.168.10.2 .*Unreachable' '$T/leak.txt'"
  in_ce ip route del 10.2.0.4/32
  check "circuit 0's Azure side cannot send as circuit 1's VNet (from 10.2.0.0/16 on gw0p*: unreachable)" \
    bash -c "ip -n $N-az0 addr add 10.2.0.99/32 dev lo && ! ip netns exec $N-az0 ping -c 2 -i 0.2 -W 1 -I 10.2.0.99 10.50.0.1 >/dev/null 2>&1"
  down
fi

if [ "$WHAT" = all ] || [ "$WHAT" = builtin ]; then
  up builtin --ce builtin
  check "builtin CE with the data plane: sessions Established, $N-az0 built" \
    bash -c "ip netns list | grep -q '^$N-az0' && ip -n $N-az0 addr show lo | grep -q 10.1.0.4"
  check "the builtin CE (--dataplane) installed 10.1.0.0/16 in its namespace over both MSEEs" \
    bash -c "ip -n $N-ce route show 10.1.0.0/16 proto 201 | grep -c 'nexthop via' | grep -qx 2"
  check "msee-ctl lab shell ce -- ping -I 10.50.0.1 10.1.0.4 (builtin CE host -> VM)" \
    "$MSEE_CTL" lab shell ce -- ping -c 3 -i 0.2 -W 1 -I 10.50.0.1 10.1.0.4
  check "lab traffic with the builtin CE: both directions, nothing lost" \
    bash -c "'$MSEE_CTL' -o json lab traffic --duration 2 > '$T/traffic-builtin.json' 2> '$T/traffic-builtin.log' && $IT_PY -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(not all(x[\"lost\"] == 0 and x[\"sent\"] > 0 for x in d[\"directions\"].values()))' '$T/traffic-builtin.json'"
  conf=$(ls "$MSEE_LAB_DIR/$N"/ce/router-*.json | head -1)
  pkill -9 -f -- "--config $conf" || true
  sleep 0.5
  check "after kill -9 of the builtin CE its routes are still in the kernel (stale)" \
    bash -c "ip -n $N-ce route show 10.1.0.0/16 proto 201 | grep -q nexthop"
  ip netns exec "$N-ce" "$MSEE_EMU" --config "$conf" --dataplane > "$T/builtin-again.log" 2>&1 &
  it__record builtin-again $!
  again=$!
  check_wait 10 "a restarted builtin CE clears them first (removed ... left by an earlier run)" \
    grep -q "left by an earlier run" "$T/builtin-again.log"
  check_wait 20 "... and installs them again once its sessions are back" \
    bash -c "ip -n $N-ce route show 10.1.0.0/16 proto 201 | grep -c 'nexthop via' | grep -qx 2"
  kill -TERM "$again"; wait "$again" 2>/dev/null
  check "SIGTERM: the builtin CE removes its routes as it stops" \
    bash -c "[ -z \"\$(ip -n $N-ce route show proto 201)\" ]"
  down
  up builtin2 --ce builtin
  rm -f "$MSEE_LAB_DIR/$N/lab.json"
  down
  check "lab down without lab.json (a crash) removes every namespace, $N-az0 too" \
    bash -c "! ip netns list | grep -q '^$N-'"
  up nodp --ce builtin --no-dataplane
  check "--no-dataplane: no az namespace, no dataplane record, no CE host address" \
    bash -c "! ip netns list | grep -q '^$N-az' && ! ip -n $N-ce addr show lo | grep -q 10.50.0.1 && $IT_PY -c 'import json,sys; sys.exit(\"dataplane\" in json.load(open(sys.argv[1])))' '$MSEE_LAB_DIR/$N/lab.json'"
  down
fi
it_finish
