#!/usr/bin/env bash
# test_msee_count_rejected.sh — the Q1 switch "count prefixes refused by the inbound policy
# against the route limit" on Microsoft peering, with ExaBGP as the CE on loopback. The limit
# is lowered to 3 (emulation.maxPrefixes) so the effect shows with a handful of routes. With
# countRejectedPrefixes, the primary session (1 accepted + 2 refused = 3) stays up with an 80 %
# warning and the secondary (1 accepted + 3 refused = 4) is dropped with Cease/1; a second
# circuit without the switch takes the same 4 routes and stays up (it counts 1).
set -u
source "$(dirname "$0")/lib.sh"
it_need exabgp ss
it_init msee_count_rejected
A=127.43.0; B=127.43.1
it_require_ports "$A.2 179" "$A.6 179" "$B.2 179" "$B.6 179"

circuit() {  # circuit NAME NET LOCATION COUNT_REJECTED
  itconf circuit "$T/circuit.json" "$1" --microsoft "$2" --location "$3" --peer-asn 3320 \
    --emulator '{ "documentationPrefixesArePublic": true }' --emulation "{ \"countRejectedPrefixes\": $4,
      \"maxPrefixes\": { \"ipv4\": 3 }, \"maxPrefixRestartSeconds\": 60 }"
}
circuit counting $A Amsterdam true
circuit default $B London false

# ExaBGP: 198.51.100.0/24 is declared (accepted); RFC 1918 prefixes are refused (R41).
neighbor() {  # neighbor LOCAL REMOTE N_REFUSED [ECHO]
  echo "neighbor $2 { router-id $1; local-address $1; local-as 3320; peer-as 12076; hold-time 180;"
  echo "  family { ipv4 unicast; }"
  echo "  static { route 198.51.100.0/24 next-hop $1;"
  for i in $(seq 1 "$3"); do echo "    route 10.$i.0.0/16 next-hop $1;"; done
  # A CE that sends an Azure route back (path 3320 12076): accepted (allowas-in, Q13), warned.
  [ "${4:-}" = echo ] && echo "    route 198.51.100.128/25 next-hop $1 as-path [ 3320 12076 ];"
  echo "  } }"
}
{ neighbor $A.1 $A.2 2; neighbor $A.5 $A.6 3; neighbor $B.1 $B.2 3 echo; } > "$T/exabgp.conf"

start_msee msee "$T/circuit.json"
start_exabgp ce "$T/exabgp.conf"
EV=$(msee_events msee)
est() { msee_established msee "$1"; }
down1() { ev_has "$EV" "e.get('event')=='session-down' and e['peer']=='$1' and g(e,'notification.subcode')==1"; }
check_wait 30 "counting/primary Established" est counting/MicrosoftPeering/primary
check_wait 30 "default/primary Established" est default/MicrosoftPeering/primary
check_wait 15 "counting/secondary: 1 accepted + 3 refused = 4 > 3: Cease/1 (Q1 switch on)" \
  down1 counting/MicrosoftPeering/secondary
check "the crossing event counts 4" \
  ev_has "$EV" "e.get('event')=='prefix-limit' and e['peer']=='counting/MicrosoftPeering/secondary' and e['kind']=='exceeded' and e['count']==4"
check_wait 10 "counting/primary: 1 + 2 = 3 reaches the 80 % warning, no drop" \
  ev_has "$EV" "e.get('event')=='prefix-limit' and e['peer']=='counting/MicrosoftPeering/primary' and e['kind']=='warning' and e['count']==3"
check "the warning's log line reads as a person writes it: '3 of 3 (100 %)'" \
  grep -q "counting/MicrosoftPeering/primary: ipv4-unicast prefixes: 3 of 3 (100 %), the 80 % warning threshold" "$T/msee/stderr.log"
sleep 2
check "counting/primary still Established" est counting/MicrosoftPeering/primary
check "default/primary takes the same 4 routes and counts only the accepted one (default)" \
  bash -c "! grep -q '\"peer\":\"default/MicrosoftPeering/primary\",\"kind\"' '$EV'"
check "default/primary still Established" est default/MicrosoftPeering/primary
check_wait 10 "a route with our AS 12076 in its path is accepted and flagged: own-as-in-path event" \
  ev_has "$EV" "e.get('event')=='own-as-in-path' and e['peer']=='default/MicrosoftPeering/primary' and '198.51.100.128/25' in e['message'] and '3320 12076' in e['message']"
check "and a warning in the log" grep -q "default/MicrosoftPeering/primary: accepted 198.51.100.128/25 with our AS 12076" "$T/msee/stderr.log"
check "default/primary refused the 3 RFC 1918 prefixes" \
  test "$(ev_count "$EV" "e.get('event')=='route-rejected' and e['peer']=='default/MicrosoftPeering/primary'")" = 3
it_finish
