#!/bin/sh
# msee-dataplane: the MSEE side of the data plane in a containerlab lab (issue #16), what
# src/lab/msee_lab/dataplane.py builds for `msee-ctl lab up`, made in this container's own
# network namespace, which stands for the MSEE's. Run by msee-entrypoint before msee-emu starts:
#   msee-dataplane PLAN_FILE DOT1Q(on|off) [GW_DEVICE...]
# GW_DEVICE: the gateway links present, gw<C>p<L>, each a veth to circuit C's VNet node (its
# az<C>p<L>, image role MSEE_ROLE=vnet). None: the CE side alone (a Global Reach pair without
# VNet nodes still routes site to site, R74). Same numbering as dataplane.py, so what a user
# knows from the lab holds here:
#   table 1000+10C+pt   the peering's table: the CE's routes, written by msee-emu --dataplane
#                       (pt 1 private, 2 Microsoft, 3 public; with Global Reach the CE's side
#                       looks up the plan's siteTable, R74)
#   table 2000+10C+L+o  the link's way to Azure: the VNet prefixes via the VNet node on link L
#   169.254.C.1/30 (.5/30 on link 2) here, .2 (.6) on the VNet node; fdbb:a2:C:L::1/64 and ::2
#   MTU 1,400 on the gateway links: Azure's gateway path carries at most 1,400 octets (Q9)
# ip rules by incoming interface keep circuits and peerings apart (each ends on `unreachable`,
# nothing falls through to the main table), and each link is shaped to the circuit's bandwidth
# (below), and the R78/R79 filters are the lab's chains (below).
# The sysctls (forwarding, rp_filter off, multipath hashing) come from the topology's `sysctls:`
# (/proc/sys is read-only in an unprivileged container); this script checks them.
set -eu

log() { echo "msee-dataplane: $*" >&2; }
die() { log "$*"; exit 2; }

[ $# -ge 2 ] || die "usage: msee-dataplane PLAN_FILE on|off [GW_DEVICE...]"
plan=$1 dot1q=$2
shift 2
gws=$(printf '"%s",' "$@")
[ $# -gt 0 ] || gws=
gws="[${gws%,}]"

# Each sysctl the forwarding needs: already right (from the topology), or written now, or the
# node's `sysctls:` lacks it.
need() {  # need NAME VALUE
  f=/proc/sys/$(echo "$1" | tr . /)
  [ "$(cat "$f" 2>/dev/null)" = "$2" ] && return 0
  echo "$2" 2>/dev/null > "$f" && return 0
  missing="${missing:-} $1=$2"
}
need net.ipv4.ip_forward 1
need net.ipv6.conf.all.forwarding 1
need net.ipv4.fib_multipath_hash_policy 1
need net.ipv6.fib_multipath_hash_policy 1
need net.ipv4.icmp_errors_use_inbound_ifaddr 1
need net.ipv4.conf.all.rp_filter 0
# Interfaces moved into this namespace took the namespace's default: rp_filter off on each,
# since a packet from the CE is routed by `ip rule iif`, which a reverse-path check ignores.
for d in /proc/sys/net/ipv4/conf/*; do
  need "net.ipv4.conf.${d##*/}.rp_filter" 0
done
if [ -n "${missing:-}" ]; then
  die "this node needs the sysctls$missing: add them to its 'sysctls:' in the topology" \
    "(containerlab) or as --sysctl (podman/docker)"
fi

# The ip commands, each line tagged with its family: "a" (either), "4" or "6" (ip rule).
lines=$(jq -r --arg dot1q "$dot1q" --argjson gws "$gws" '
  def hex: if . < 16 then "0123456789abcdef"[.:.+1]
           else ((. / 16 | floor) | hex) + ("0123456789abcdef"[(. % 16):(. % 16) + 1]) end;
  def ptno: {"AzurePrivatePeering": 1, "MicrosoftPeering": 2, "AzurePublicPeering": 3}[.];
  def off: {"AzurePrivatePeering": 0, "MicrosoftPeering": 2, "AzurePublicPeering": 4}[.];
  def lno: if .path == "primary" then 1 else 2 end;
  def ptable: .table // (1000 + 10 * .circuitIndex + (.peeringType | ptno));
  def stable: .siteTable // ptable;
  def ltable($c; $l; $pt): 2000 + 10 * $c + $l + ($pt | off);
  def gw($c; $l): {er4: "169.254.\($c).\(4 * ($l - 1) + 1)", az4: "169.254.\($c).\(4 * ($l - 1) + 2)",
                   er6: "fdbb:a2:\($c | hex):\($l)::1", az6: "fdbb:a2:\($c | hex):\($l)::2"};
  def fam: if test(":") then "6" else "4" end;
  def dev: "er\(.circuitIndex)p\(lno)" + (if $dot1q == "on" then ".\(.vlanId)" else "" end);
  . as $plan
  | ($plan.sessions | INDEX(.name)) as $by
  | [$plan.sessions[] | {c: .circuitIndex, l: lno} | select(("gw\(.c)p\(.l)") as $g
      | $gws | index([$g]))] | unique as $links
  | ($links | map(.c) | unique) as $circuits
  | [$plan.advertisements[] | select(.to[0] as $t | $by[$t] != null)
      | select(.prefix | endswith("/0") | not)
      | $by[.to[0]] as $s | {c: $s.circuitIndex, pt: $s.peeringType, prefix}]
    | unique | map(select(.c as $c | $circuits | index($c))) as $azure
  # Every circuit: the CE side, with a VNet node or not (the site tables, R74).
  | $plan.sessions as $ss
  # the peering table and the site table of circuit c, peering pt
  | def pt_of($c; $pt): first($ss[] | select(.circuitIndex == $c and .peeringType == $pt));
  ( $links[] | . as $k | gw($k.c; $k.l) as $a | "gw\($k.c)p\($k.l)" as $g
    | "a addr add \($a.er4)/30 dev \($g)", "a addr add \($a.er6)/64 dev \($g) nodad",
      "a link set \($g) mtu 1400 up",
      ($azure[] | select(.c == $k.c)
       | "a route add \(.prefix) via \(if (.prefix | fam) == "4" then $a.az4 else $a.az6 end) dev \($g) table \(ltable($k.c; $k.l; .pt))")
  ),
  # From the CE side of each link: the peering (site) table, then the link to Azure, then none.
  ( [$ss[] | {c: .circuitIndex, l: lno, dev: dev}] | unique | to_entries[]
    | .key as $i | .value as $d | (1000 + 3 * $i) as $p
    | ([$ss[] | select(dev == $d.dev) | .peeringType] | unique) as $pts
    | ("4", "6") as $f
    | (($pts[] | . as $pt | pt_of($d.c; $pt) as $s
        | "\($f) rule add iif \($d.dev) lookup \($s | stable) pref \($p)",
          "\($f) rule add iif \($d.dev) lookup \(ltable($d.c; $d.l; $pt)) pref \($p + 1)"),
       "\($f) rule add iif \($d.dev) unreachable pref \($p + 2)")
  ),
  # From the Azure side: by source, the peering whose prefix it is; the gateway address itself
  # (ICMP errors) into any peering; then none. The gateway address we send from: its link.
  ( $links | to_entries[] | .key as $j | .value as $k | (20000 + 2 * $j) as $p
    | gw($k.c; $k.l) as $a | "gw\($k.c)p\($k.l)" as $g
    | ([$ss[] | select(.circuitIndex == $k.c) | .peeringType] | unique) as $pts
    | ($azure[] | select(.c == $k.c)
       | "\(.prefix | fam) rule add iif \($g) from \(.prefix) lookup \(pt_of($k.c; .pt) | ptable) pref \($p)"),
      (("4", "6") as $f | ($pts[] | . as $pt
         | "\($f) rule add iif \($g) from \(if $f == "4" then $a.az4 else $a.az6 end) lookup \(pt_of($k.c; $pt) | ptable) pref \($p)"),
        "\($f) rule add iif \($g) unreachable pref \($p + 1)",
        ($pts[] | "\($f) rule add from \(if $f == "4" then $a.er4 else $a.er6 end) lookup \(ltable($k.c; $k.l; .)) pref 40000"))
  ),
  # ICMP errors the MSEE sends leave from the address of the link they came in on.
  ( $ss[] | "\(.mseeAddress | fam) rule add from \(.mseeAddress) lookup \(ptable) pref 40000" ),
  # A dot1Q parent carries no session: nothing from it is routed.
  ( if $dot1q == "on" then [$ss[] | "er\(.circuitIndex)p\(lno)"] | unique | to_entries[]
      | ("4", "6") as $f | "\($f) rule add iif \(.value) unreachable pref \(30000 + .key)"
    else empty end )
' "$plan") || die "cannot read the plan $plan"

printf '%s\n' "$lines" | sed -n 's/^a //p' | ip -batch - || die "gateway links and routes failed"
printf '%s\n' "$lines" | sed -n 's/^4 //p' | ip -4 -batch - || die "IPv4 rules failed"
printf '%s\n' "$lines" | sed -n 's/^6 //p' | ip -6 -batch - || die "IPv6 rules failed"
log "gateway link(s) $*: $(printf '%s\n' "$lines" | grep -c ' route add ') Azure route(s)," \
  "$(printf '%s\n' "$lines" | grep -c ' rule add ') rule(s)"

# R78: on Microsoft peering only the customer's advertisedPublicPrefixes may be the source; what
# else comes in is dropped and counted in chain MSEE_R78 (a CE that forgot its NAT). R79: DSCP 0
# on private peering, both ways (mangle chain MSEE_R79). The lab's chains, so its checks and
# `iptables -L MSEE_R78 -v` read the same here. Without 802.1Q a link carries every peering
# untagged: the R78 drop then applies to what goes to the Microsoft peering's prefixes only,
# since the incoming interface no longer tells the peering apart.
fw=$(jq -r --arg dot1q "$dot1q" '
  def lno: if .path == "primary" then 1 else 2 end;
  def fam: if test(":") then "6" else "4" end;
  def dev: "er\(.circuitIndex)p\(lno)" + (if $dot1q == "on" then ".\(.vlanId)" else "" end);
  . as $plan
  | ($plan.sessions | INDEX(.name)) as $by
  | [$plan.sessions[] | {dev: dev, c: .circuitIndex, pt: .peeringType,
                        pub: (.advertisedPublicPrefixes // [])}] as $ds
  | ("4", "6") as $f
  | "\($f) -N MSEE_R78", "\($f) -A FORWARD -j MSEE_R78",
    "\($f) -t mangle -N MSEE_R79", "\($f) -t mangle -A FORWARD -j MSEE_R79",
    ( $ds | group_by(.dev)[]
      | {dev: .[0].dev, c: .[0].c, pts: (map(.pt) | unique), pub: (map(.pub[]) | unique)} as $d
      | (if ($d.pts | index("MicrosoftPeering")) then
           ($d.pub[] | select(fam == $f) | "\($f) -A MSEE_R78 -i \($d.dev) -s \(.) -j RETURN"),
           (if ($d.pts | length) == 1 then "\($f) -A MSEE_R78 -i \($d.dev) -j DROP"
            else ([$plan.advertisements[] | select(.to[0] as $t | $by[$t]
                     | .circuitIndex == $d.c and .peeringType == "MicrosoftPeering")
                   | .prefix | select(fam == $f and (endswith("/0") | not))] | unique[]
                  | "\($f) -A MSEE_R78 -i \($d.dev) -d \(.) -j DROP") end)
         else empty end),
        (if ($d.pts | index("AzurePrivatePeering")) then
           ("-i", "-o") as $w | "\($f) -t mangle -A MSEE_R79 \($w) \($d.dev) -j DSCP --set-dscp 0"
         else empty end) )
' "$plan") || die "cannot read the plan $plan"
if command -v iptables >/dev/null; then
  printf '%s\n' "$fw" | while read -r f args; do
    # shellcheck disable=SC2086 # one iptables argument per word
    if [ "$f" = 4 ]; then iptables -w $args; else ip6tables -w $args; fi ||
      die "R78/R79 filter failed: $([ "$f" = 4 ] && echo iptables || echo ip6tables) $args"
  done
  log "R78/R79 filters: $(printf '%s\n' "$fw" | grep -c -- ' -A MSEE_R7') rule(s)" \
    "in MSEE_R78 (filter) and MSEE_R79 (mangle)"
else
  log "warning: no iptables here: no R78 source check, no R79 DSCP rewrite"
fi

# Each link shaped to the circuit's bandwidth per direction, as the lab does (R62, R81): tbf on
# the CE link devices (towards the CE) and the gateway links (towards Azure), a burst of 4 ms
# (at least 16 kB), and what waits longer than 4 ms is dropped (dataplane.py's tbf()).
shape=$(jq -r --arg dot1q "$dot1q" --argjson gws "$gws" '
  def lno: if .path == "primary" then 1 else 2 end;
  [.sessions[] | select(("gw\(.circuitIndex)p\(lno)") as $g | $gws | index([$g]))
   | (.bandwidthInMbps // 50) as $bw
   | ("er\(.circuitIndex)p\(lno)" + (if $dot1q == "on" then ".\(.vlanId)" else "" end),
      "gw\(.circuitIndex)p\(lno)") + " \($bw)"] | unique[]' "$plan")
shaped=0
for entry in $(printf '%s\n' "$shape" | tr ' ' ':'); do
  dev=${entry%:*} mbps=${entry#*:}
  burst=$((mbps * 500))
  [ "$burst" -ge 16384 ] || burst=16384
  if tc qdisc replace dev "$dev" root tbf rate "${mbps}mbit" burst "$burst" latency 4ms; then
    shaped=$((shaped + 1))
  else
    log "warning: $dev not shaped to $mbps Mbit/s (tc tbf failed): it runs at line rate"
  fi
done
log "$shaped link device(s) shaped to the circuit's bandwidth (R62, R81)"
