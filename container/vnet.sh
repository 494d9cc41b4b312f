#!/bin/sh
# msee-vnet: the image's second role (MSEE_ROLE=vnet): circuit C's Azure side in a containerlab
# lab (issue #16), what the lab's <lab>-az<C> namespace is for `msee-ctl lab up`. One VM per
# VNet prefix the circuit advertises, on lo (network + 4: Azure keeps .0-.3 of a subnet; the
# first address of a /30 or longer); the rest of each prefix unreachable, so only the VM
# answers; links az<C>p1 / az<C>p2 to the msee node's gw<C>p1 / gw<C>p2, addressed as
# container/dataplane.sh expects; a default route over both links, so the MSEE's link choice
# (the CE's routes, multipath over both) is what traffic follows.
#   env: MSEE_VNET_CIRCUIT (default 0), MSEE_CONFIG (the msee node's config, bind-mounted here
#   too), MSEE_VNET_ADDRESSES (space-separated VM addresses instead of the derived ones).
# Then it waits for SIGTERM. Ping and traceroute answer from the kernel; the image has no
# iperf3 (msee-ctl lab up's VMs do).
set -eu

log() { echo "msee-vnet: $*" >&2; }
die() { log "$*"; exit 2; }

c=${MSEE_VNET_CIRCUIT:-0}
config=${MSEE_CONFIG:-/etc/msee-emu/config.json}
plan=$(msee-emu --plan "$config") || die "msee-emu refuses $config (see above)"
hexc=$(printf '%x' "$c")

# "prefix vm" per advertised prefix of circuit C.
vms=$(printf '%s' "$plan" | jq -r --argjson c "$c" '
  (.sessions | INDEX(.name)) as $by
  | [.advertisements[] | select($by[.to[0]].circuitIndex == $c) | .prefix
     | select(endswith("/0") | not)] | unique[]
  | . as $p | split("/") | .[0] as $a | (.[1] | tonumber) as $len
  | if ($a | test(":")) then
      (if $len <= 125 and ($a | endswith("::")) then "\($p) \($a)4" else "\($p) \($a)" end)
    else ($a | split(".") | map(tonumber)) as $o
      | (if $len <= 29 then 4 elif $len <= 31 then 1 else 0 end) as $plus
      | "\($p) \($o[0]).\($o[1]).\($o[2]).\($o[3] + $plus)"
    end')
[ -n "$vms" ] || die "circuit $c advertises no prefix in $config"
if [ -n "${MSEE_VNET_ADDRESSES:-}" ]; then
  vms=$(printf '%s\n' "$vms" | awk -v list="$MSEE_VNET_ADDRESSES" \
    'BEGIN { n = split(list, a, " ") } { print $1, (NR <= n ? a[NR] : $2) }')
fi

{
  echo "link set lo up"
  printf '%s\n' "$vms" | while read -r prefix vm; do
    case $vm in *:*) echo "addr add $vm/128 dev lo" ;; *) echo "addr add $vm/32 dev lo" ;; esac
    echo "route add unreachable $prefix"
  done
} | ip -batch - || die "VM addresses failed"

nh4="" nh6=""
for l in 1 2; do
  dev=az${c}p${l}
  [ -e "/sys/class/net/$dev" ] || continue
  ip addr add "169.254.$c.$((4 * (l - 1) + 2))/30" dev "$dev"
  ip addr add "fdbb:a2:$hexc:$l::2/64" dev "$dev" nodad
  ip link set "$dev" mtu 1400 up   # the gateway path's MTU (Q9), as on the msee node's end
  nh4="$nh4 nexthop via 169.254.$c.$((4 * (l - 1) + 1)) dev $dev"
  nh6="$nh6 nexthop via fdbb:a2:$hexc:$l::1 dev $dev"
done
[ -n "$nh4" ] || die "no link az${c}p1 or az${c}p2: name the endpoints so in the topology"
# Replies leave from a VM's address, not from the link's 169.254 one the CE cannot route to.
src4=$(printf '%s\n' "$vms" | awk '$2 !~ /:/ {print $2; exit}')
src6=$(printf '%s\n' "$vms" | awk '$2 ~ /:/ {print $2; exit}')
# shellcheck disable=SC2086 # the next hops are words
ip route add default ${src4:+src $src4} $nh4
# shellcheck disable=SC2086
ip -6 route add default ${src6:+src $src6} $nh6
log "circuit $c: VM(s) $(printf '%s\n' "$vms" | awk '{printf "%s%s", sep, $2; sep=" "}')" \
  "behind $(echo "$nh4" | grep -o 'dev az[0-9p]*' | cut -d' ' -f2 | tr '\n' ' ')"

trap 'exit 0' TERM INT
while :; do
  sleep 3600 &
  wait $! || true
done
