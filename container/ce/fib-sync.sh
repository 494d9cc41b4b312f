#!/bin/sh
# ce-fib-sync: the Linux FIB for an OpenBGPD CE. OpenBGPD portable does not program Linux's
# routing table (its kroute is OpenBSD's routing socket), so a CE running it would learn the
# VNets over BGP and still send their traffic nowhere. This loop does what zebra does for FRR
# and BIRD's kernel protocol for BIRD, by polling: every CE_FIB_SYNC_INTERVAL seconds (default
# 1) the routes bgpd selected from its neighbours (bgpctl -j show rib selected) become kernel
# routes of protocol bgp, and a route bgpd no longer selects is removed. A failover therefore
# reaches the FIB up to one interval after bgpd saw it. Started by ce-start for MSEE_CE=openbgpd.
set -u
interval=${CE_FIB_SYNC_INTERVAL:-1}
log() { echo "ce-fib-sync: $*" >&2; }

installed() {  # "prefix nexthop" of the bgp routes in the kernel, IPv4 and IPv6
  { ip -4 route show proto bgp; ip -6 route show proto bgp; } 2>/dev/null |
    awk '$2 == "via" { print $1, $3 }' | sort
}

last=
while :; do
  if rib=$(bgpctl -j show rib selected 2>/dev/null); then
    # exit_nexthop is the NEXT_HOP the MSEE sent; true_nexthop would be bgpd's resolution of
    # it, which on Linux (no kroute) names the CE's own link address.
    want=$(printf '%s' "$rib" | jq -r '.rib[]? | select(.best and .source != "internal")
      | "\(.prefix) \(.exit_nexthop)"' | sort)
    have=$(installed)
    if [ "$want" != "$have" ]; then
      # What bgpd selects and the kernel lacks (or has via another next hop): replace.
      printf '%s\n' "$want" | grep -vxF -e "$have" | while read -r p nh; do
        [ -n "$p" ] && ip route replace "$p" via "$nh" proto bgp
      done
      # What the kernel has that bgpd no longer selects at all: delete.
      printf '%s\n' "$have" | while read -r p nh; do
        [ -n "$p" ] || continue
        printf '%s\n' "$want" | awk -v p="$p" '$1 == p { f = 1 } END { exit !f }' ||
          ip route del "$p" proto bgp
      done
      now=$(printf '%s\n' "$want" | grep -c .)
      [ "$now" = "$last" ] || log "$now route(s) from bgpd in the kernel"
      last=$now
    fi
  fi
  sleep "$interval"
done
