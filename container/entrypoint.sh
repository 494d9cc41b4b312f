#!/bin/sh
# The container image's entrypoint (Containerfile): what a containerlab node is expected to do
# before msee-emu starts, then msee-emu itself as PID 1 (logs on stderr, SIGTERM sends Cease to
# every peer).
#   1. Wait for the data interfaces containerlab attaches after the container started: CLAB_INTFS
#      of them besides lo and eth0 (containerlab's management interface), as its if-wait.sh does.
#   2. With "addressing": "direct", put every MSEE link address of the plan (msee-emu --plan) on
#      its link: circuit C's primary link is interface er<C>p1 and its secondary er<C>p2 (the
#      names `msee-ctl lab up` gives them; the .clab.yml endpoints use them), each peering on
#      the dot1Q sub-interface er<C>p<L>.<vlanId> where the kernel has 802.1Q, else untagged on
#      er<C>p<L> itself (the peerings of one link then share its L2 segment; their /30s and
#      /126s do not overlap, so BGP and BFD work the same). MSEE_DOT1Q=auto|on|off chooses.
#   3. The data plane, when the topology links this node to VNet nodes (gw<C>p<L> interfaces)
#      or the config links circuits by Global Reach (MSEE_DATAPLANE=off: not): msee-dataplane
#      sets up the gateway links, the tables, the rules and the R78/R79 filters, and msee-emu
#      runs with --dataplane-host (this container's namespace is the MSEE's own, though
#      msee-emu is PID 1 in it) and keeps CAP_NET_ADMIN to write the CE's routes.
#   4. exec msee-emu --config $MSEE_CONFIG --user msee: it binds, then drops to user msee.
# MSEE_ROLE=vnet makes the node a circuit's VNet side instead (msee-vnet, after step 1).
# Environment: MSEE_CONFIG (default /etc/msee-emu/config.json, the bind mount), MSEE_API_LISTEN
# (the API's ADDR:PORT, default 127.0.0.1:8179; a non-loopback one needs MSEE_API_TOKEN),
# MSEE_USER (default msee), MSEE_IF_WAIT_SECONDS (default 300), MSEE_LINKS=off (the addresses
# are someone else's job), MSEE_ARGS (more msee-emu options, split on spaces).
set -eu

log() { echo "msee-entrypoint: $*" >&2; }
die() { log "$*"; exit 2; }

config=${MSEE_CONFIG:-/etc/msee-emu/config.json}
[ -r "$config" ] || die "cannot read the config $config (bind-mount yours on" \
  "/etc/msee-emu/config.json or name it with MSEE_CONFIG)"

# The data interfaces present now: every one but lo and eth0.
data_interfaces() {
  n=0
  for i in /sys/class/net/*; do
    case ${i##*/} in lo | eth0) ;; *) n=$((n + 1)) ;; esac
  done
  echo "$n"
}

want=${CLAB_INTFS:-0}
if [ "$want" -gt 0 ]; then
  limit=${MSEE_IF_WAIT_SECONDS:-300}
  waited=0
  while [ "$(data_interfaces)" -lt "$want" ]; do
    if [ "$waited" -ge "$limit" ]; then
      die "only $(data_interfaces) of the $want data interfaces (CLAB_INTFS) after ${limit} s"
    fi
    [ $((waited % 10)) -eq 0 ] && log "waiting for interfaces: $(data_interfaces) of $want"
    sleep 1
    waited=$((waited + 1))
  done
  log "$want data interface(s) present"
fi

if [ "${MSEE_ROLE:-msee}" = vnet ]; then
  exec msee-vnet
fi
[ "${MSEE_ROLE:-msee}" = msee ] || die "MSEE_ROLE is msee or vnet, not '$MSEE_ROLE'"

plan=$(msee-emu --plan "$config") || die "msee-emu refuses $config (see above)"
addressing=$(printf '%s' "$plan" | jq -r '.addressing')

# Whether this kernel makes 802.1Q devices: try one on DEV and delete it again.
dot1q_works() {
  ip link add link "$1" name "$1.4094" type vlan id 4094 2>/dev/null || return 1
  ip link del "$1.4094"
}

if [ "$addressing" = direct ] && [ "${MSEE_LINKS:-on}" != off ] && [ "$(id -u)" = 0 ]; then
  dot1q=${MSEE_DOT1Q:-auto}
  sessions=$(printf '%s' "$plan" | jq -r '.sessions[] | [.name, .circuitIndex,
    (if .path == "primary" then 1 else 2 end), .vlanId, .family, .mseeAddress,
    .linkPrefixLength] | @tsv')
  # Every link the plan needs must be there before anything is changed.
  for dev in $(printf '%s\n' "$sessions" | awk -F'\t' '{print "er" $2 "p" $3}' | sort -u); do
    [ -e "/sys/class/net/$dev" ] || die "no interface $dev: circuit ${dev#er} needs it" \
      "(name the link's endpoint '$dev' in the topology, e.g. msee:$dev)"
    ip link set "$dev" up
    if [ "$dot1q" = auto ]; then
      if dot1q_works "$dev"; then dot1q=on; else dot1q=off; fi
      log "802.1Q: $( [ "$dot1q" = on ] && echo "each peering on <link>.<vlanId>" ||
        echo "not in this kernel: each peering untagged on its link")"
    elif [ "$dot1q" = on ] && [ -z "${checked:-}" ]; then
      dot1q_works "$dev" || die "MSEE_DOT1Q=on, but this kernel makes no 802.1Q (vlan) devices"
      checked=1
      log "802.1Q: each peering on <link>.<vlanId> (MSEE_DOT1Q=on)"
    fi
  done
  printf '%s\n' "$sessions" | while IFS="$(printf '\t')" read -r name c l vlan family addr plen; do
    dev=er${c}p${l}
    if [ "$dot1q" = on ]; then
      [ -e "/sys/class/net/$dev.$vlan" ] ||
        ip link add link "$dev" name "$dev.$vlan" type vlan id "$vlan"
      dev=$dev.$vlan
      ip link set "$dev" up
    fi
    if ip -o addr show dev "$dev" | grep -q " $addr/"; then
      continue
    fi
    if [ "$family" = ipv6 ]; then
      ip addr add "$addr/$plen" dev "$dev" nodad
    else
      ip addr add "$addr/$plen" dev "$dev"
    fi
    log "$name: MSEE $addr/$plen on $dev"
  done
fi

dataplane=
gws=
for i in /sys/class/net/gw*p[12]; do
  case ${i##*/} in gw*[!0-9p]*p[12] | gwp[12]) ;; gw*p[12]) gws="$gws ${i##*/}" ;; esac
done
# A Global Reach pair routes site to site through the MSEE's site tables even without VNet nodes.
linked=$(printf '%s' "$plan" | jq -r 'any(.sessions[]; (.siteTable // .table) != .table)')
if { [ -n "$gws" ] || [ "$linked" = true ]; } && [ "$addressing" = direct ] &&
   [ "${MSEE_DATAPLANE:-auto}" != off ] && [ "$(id -u)" = 0 ]; then
  printf '%s' "$plan" > /run/msee-plan.json
  # shellcheck disable=SC2086 # one argument per gateway link
  msee-dataplane /run/msee-plan.json "${dot1q:-off}" $gws
  dataplane=1
fi

set -- --config "$config" --api "${MSEE_API_LISTEN:-127.0.0.1:8179}"
if [ -n "$dataplane" ]; then
  set -- "$@" --dataplane-host
fi
if [ "$(id -u)" = 0 ]; then
  set -- "$@" --user "${MSEE_USER:-msee}"
fi
if [ -n "${MSEE_API_TOKEN:-}" ]; then
  set -- "$@" --api-token "$MSEE_API_TOKEN"
fi
# shellcheck disable=SC2086 # MSEE_ARGS is a list of options
exec msee-emu "$@" ${MSEE_ARGS:-}
