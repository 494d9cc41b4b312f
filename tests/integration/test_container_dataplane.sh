#!/usr/bin/env bash
# test_container_dataplane.sh — the image's msee-dataplane (container/dataplane.sh, issue #16)
# run as the msee container's entrypoint runs it, in a network namespace this test makes with
# the interfaces containerlab would attach (veth pairs: no traffic, what is checked is what
# the script writes). The podman test (tests/container) runs it inside the image with traffic; this
# one also covers the plans the shipped topologies do not: Microsoft peering and no 802.1Q.
#   microsoft: config/premium-private-microsoft.json, no 802.1Q, gateway links gw0p1/gw0p2:
#     the peering and link tables' rules; R78 (MSEE_R78: the public prefixes RETURN, the rest
#     to the Microsoft peering's prefixes DROPped — the link also carries private peering, so
#     not everything it brings); R79 (MSEE_R79: DSCP 0 both ways); tbf on every link.
#   global-reach: lab/containerlab/configs/msee-global-reach.json, no gateway link at all: the
#     CE side's rules look up the site tables (1006, 1016: the own and the linked site's
#     routes, R74), each interface ends on unreachable; a missing sysctl is named.
set -u
source "$(dirname "$0")/lib.sh"
it_need ip jq tc iptables ip6tables
[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
it_init container_dataplane
DPS=$MSEE_SOURCE_DIR/container/dataplane.sh
NS="msee-cdp$$"
cleanup_ns() { ip netns del "$NS" 2> /dev/null || true; }
trap 'cleanup_ns; it__on_exit $?' EXIT
in_ns() { ip netns exec "$NS" "$@"; }
mkns() {  # mkns DEV... : a fresh namespace with these interfaces up
  cleanup_ns
  ip netns add "$NS" || die "ip netns add $NS"
  in_ns ip link set lo up
  for d in "$@"; do
    in_ns ip link add "$d" type veth peer name "x$d" && in_ns ip link set "$d" up &&
      in_ns ip link set "x$d" up || die "veth $d"
  done
}
has_rule() { in_ns ip "-$1" rule show | grep -qE "$2"; }
ipt_has() { in_ns "$1" -w -S "${@:3}" | grep -qF -- "$2"; }

"$MSEE_EMU" --plan "$MSEE_SOURCE_DIR/config/premium-private-microsoft.json" > "$T/ms.plan" ||
  die "msee-emu --plan premium-private-microsoft.json"
mkns er0p1 er0p2 gw0p1 gw0p2
check "msee-dataplane: Microsoft peering, no 802.1Q, two gateway links" \
  bash -c "ip netns exec $NS sh $DPS $T/ms.plan off gw0p1 gw0p2 > $T/ms.out 2>&1"
cat "$T/ms.out"
check "from er0p1: private peering's table 1001, then its link table 2001, then unreachable" \
  bash -c "ip netns exec $NS ip -4 rule show | grep -q 'iif er0p1 lookup 1001' &&
           ip netns exec $NS ip -4 rule show | grep -q 'iif er0p1 lookup 2001' &&
           ip netns exec $NS ip -4 rule show | grep -q 'iif er0p1 unreachable'"
check "from er0p2: Microsoft peering's table 1002 and link table 2004, IPv6 too" \
  bash -c "ip netns exec $NS ip -4 rule show | grep -q 'iif er0p2 lookup 1002' &&
           ip netns exec $NS ip -6 rule show | grep -q 'iif er0p2 lookup 2004'"
check "gateway link gw0p1: 169.254.0.1/30, MTU 1400 (Q9), the VNet and Microsoft routes" \
  bash -c "ip netns exec $NS ip -4 addr show gw0p1 | grep -q 169.254.0.1/30 &&
           ip netns exec $NS ip link show gw0p1 | grep -q 'mtu 1400' &&
           ip netns exec $NS ip route show table 2001 | grep -q '^10.10.0.0/16 via 169.254.0.2' &&
           ip netns exec $NS ip route show table 2003 | grep -q '^20.2.0.0/16 via 169.254.0.2'"
check "R78: the customer's public prefix 198.51.100.0/24 passes on er0p1" \
  ipt_has iptables "-A MSEE_R78 -s 198.51.100.0/24 -i er0p1 -j RETURN" MSEE_R78
check "R78: any other source to Microsoft's 20.2.0.0/16 is dropped on er0p1" \
  ipt_has iptables "-A MSEE_R78 -d 20.2.0.0/16 -i er0p1 -j DROP" MSEE_R78
check "R78: the link also carries private peering, so no blanket drop of what er0p1 brings" \
  bash -c "! ip netns exec $NS iptables -w -S MSEE_R78 | grep -qE -- '^-A MSEE_R78 -i er0p1 -j DROP$'"
check "R78 over IPv6: 2001:db8:3000::/48 passes, 2603:1002::/32 guarded" \
  bash -c "ip netns exec $NS ip6tables -w -S MSEE_R78 | grep -qF -- '-s 2001:db8:3000::/48 -i er0p1 -j RETURN' &&
           ip netns exec $NS ip6tables -w -S MSEE_R78 | grep -qF -- '-d 2603:1002::/32 -i er0p1 -j DROP'"
check "R78 and R79 hooked into FORWARD" \
  bash -c "ip netns exec $NS iptables -w -S FORWARD | grep -qF -- '-j MSEE_R78' &&
           ip netns exec $NS iptables -w -t mangle -S FORWARD | grep -qF -- '-j MSEE_R79'"
check "R79: DSCP 0 both ways on er0p1 and er0p2, IPv4 and IPv6" \
  bash -c "for t in iptables ip6tables; do for w in '-i er0p1' '-o er0p1' '-i er0p2' '-o er0p2'; do
             ip netns exec $NS \$t -w -t mangle -S MSEE_R79 | grep -qF -- \"\$w -j DSCP --set-dscp 0x00\" || exit 1
           done; done"
check "tbf at the circuit's 10,000 Mbit/s on er0p1 and gw0p2 (R62)" \
  bash -c "ip netns exec $NS tc qdisc show dev er0p1 | grep -q 'tbf.*rate 10Gbit' &&
           ip netns exec $NS tc qdisc show dev gw0p2 | grep -q 'tbf.*rate 10Gbit'"

"$MSEE_EMU" --plan "$MSEE_SOURCE_DIR/lab/containerlab/configs/msee-global-reach.json" \
  > "$T/gr.plan" || die "msee-emu --plan msee-global-reach.json"
mkns er0p1 er0p2 er1p1 er1p2
check "msee-dataplane: Global Reach, no gateway link" \
  bash -c "ip netns exec $NS sh $DPS $T/gr.plan off > $T/gr.out 2>&1"
cat "$T/gr.out"
check "site A's links look up site table 1006, site B's 1016 (R74), then unreachable" \
  bash -c "for x in 'er0p1 lookup 1006' 'er0p2 lookup 1006' 'er1p1 lookup 1016' 'er1p2 lookup 1016' \
                    'er0p1 unreachable' 'er1p2 unreachable'; do
             ip netns exec $NS ip -4 rule show | grep -q \"iif \$x\" || exit 1; done"
check "what leaves from an MSEE address looks up its peering table (ICMP errors)" \
  has_rule 4 "from 192.168.20.6 lookup 1011"
in_ns sh -c 'echo 1 > /proc/sys/net/ipv4/conf/all/rp_filter'
mkns er0p1 er0p2 er1p1 er1p2
in_ns sh -c 'echo 0 > /proc/sys/net/ipv4/ip_forward'
# A read-only /proc/sys, as in a container whose topology lacks the sysctls: a bind mount.
check "a sysctl it cannot set is named, and nothing is set up" \
  bash -c "! ip netns exec $NS unshare -m sh -c 'mount -o bind,ro /proc/sys /proc/sys && sh $DPS $T/gr.plan off' > $T/ro.out 2>&1 &&
           grep -q 'net.ipv4.ip_forward=1' $T/ro.out && ! ip netns exec $NS ip -4 rule show | grep -q 'lookup 1006'"
cat "$T/ro.out"
it_finish
