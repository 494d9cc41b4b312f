#!/usr/bin/env bash
# test_msee_failover.sh — Azure's link failover test (R68, Q7) through msee-ctl against an FRR
# CE (loopback, 127.48.x): BgpDisconnect on the primary link drops only that link's session
# (FRR's best path moves to the secondary MSEE and back), a second test on the other link is
# refused while one runs, the result reports BGP status and redundant/non-redundant routes
# before and during; ASPathPrepend on the secondary makes FRR see 12076 four times on that link
# only, and ends by itself after --duration.
set -u
source "$(dirname "$0")/lib.sh"
it_need /usr/lib/frr/bgpd vtysh ss
it_init msee_failover
[ -x "${MSEE_CTL:-}" ] || MSEE_CTL=$(dirname "$MSEE_EMU")/msee-ctl
A=127.48.0
API=$A.100:18182
it_require_ports "$A.2 179" "$A.6 179" "$A.1 179" "$A.5 179" "$A.100 18182"

itconf circuit "$T/circuit.json" er-fo --private $A --vnet "hub westeurope 10.1.0.0/16"
itconf frr "$T/circuit.json" --dir "$T/ce" --prefixes 10.70.0.0/16,10.71.0.0/24 > "$T/bgpd.conf"
start_msee msee "$T/circuit.json" --api "$API"
start_frr ce "$T/bgpd.conf" 179 $A.1 $A.5
check_wait 30 "FRR session to the primary MSEE Established" frr_established ce $A.2
check_wait 30 "FRR session to the secondary MSEE Established" frr_established ce $A.6
ctl() { "$MSEE_CTL" --api "http://$API" -o json "$@"; }
paths_from() {  # paths_from PEER: the AS paths FRR holds for 10.1.0.0/16 from that MSEE
  frr_get ce "show bgp ipv4 unicast 10.1.0.0/16 json" "' '.join(p['aspath']['string'] for p in d['paths'] if p['peer']['peerId']=='$1') or '-'"
}
frr_down() { ! frr_established "$@"; }
check_wait 10 "FRR holds 10.1.0.0/16 from both MSEEs" it_wait_eq 1 12076 paths_from $A.6
it_wait 10 bash -c "'$MSEE_CTL' --api http://$API -o json routes --circuit er-fo --peering-name AzurePrivatePeering --path secondary --received | grep -q 10.71.0.0"

# BgpDisconnect on the primary link.
ctl failover-test start --circuit er-fo --link-type Primary --category BgpDisconnect > "$T/start.json"
check "start: Running, BgpDisconnect on Primary (R68)" \
  jpy "d['status']=='Running' and d['linkType']=='Primary' and d['testCategory']=='BgpDisconnect'" < "$T/start.json"
check_wait 10 "FRR: the primary session goes down" frr_down ce $A.2
check "FRR: the secondary session stays up" frr_established ce $A.6
check_wait 10 "FRR: 10.1.0.0/16 now only via the secondary MSEE" it_wait_eq 1 - paths_from $A.2
check "FRR was told Cease/Administrative Shutdown" \
  eq "Cease/Administrative Shutdown" frr_get ce "show bgp neighbors $A.2 json" "d['$A.2']['lastNotificationReason']"
check "a test on the other link while one runs: refused, exit 1 (never both links)" \
  bash -c "'$MSEE_CTL' --api http://$API failover-test start --circuit er-fo --link-type Secondary > /dev/null 2> '$T/e1'; [ \$? = 1 ] && grep -q 'error 409.*never both links' '$T/e1'"
check "status while Running: live BGP status and wasSimulationSuccessful" \
  jpy "d['value'][0]['status']=='Running' and d['value'][0]['wasSimulationSuccessful'] and [(s['linkType'], s['before'], s['during']) for s in d['value'][0]['bgpStatus']]==[('Primary','Established','Down'),('Secondary','Established','Established')]" < <(ctl failover-test status --circuit er-fo)
ctl failover-test stop --circuit er-fo --link-type Primary > "$T/stop.json"
check "stop: Completed, successful, 2 redundant routes before, 0 redundant / 2 non-redundant during (R68)" \
  jpy "d['status']=='Completed' and d['wasSimulationSuccessful'] and d['routes']=={'redundantRoutesBefore':2,'nonRedundantRoutesBefore':0,'redundantRoutesDuring':0,'nonRedundantRoutesDuring':2} and d['nonRedundantPrefixesDuring']==['10.70.0.0/16','10.71.0.0/24'] and d['endTime']!=''" < "$T/stop.json"
check_wait 20 "after stop: the primary session is back" frr_established ce $A.2
check_wait 10 "after stop: 10.1.0.0/16 from the primary MSEE again" it_wait_eq 1 12076 paths_from $A.2
check "stopping again: 409, nothing running" \
  bash -c "'$MSEE_CTL' --api http://$API failover-test stop --circuit er-fo --link-type Primary > /dev/null 2> '$T/e2'; [ \$? = 1 ] && grep -q 'error 409.*no test is Running' '$T/e2'"

# ASPathPrepend on the secondary link, 4 s (the default depth, 3).
check "prepends outside 1..10: a 400" \
  bash -c "'$MSEE_CTL' --api http://$API failover-test start --circuit er-fo --link-type Secondary --category ASPathPrepend --prepends 11 > /dev/null 2> '$T/e5'; [ \$? = 1 ] && grep -q 'error 400.*1..10' '$T/e5'"
ctl failover-test start --circuit er-fo --link-type Secondary --category ASPathPrepend --duration 4 > "$T/p.json"
check "ASPathPrepend start: Running on Secondary" jpy "d['status']=='Running' and d['linkType']=='Secondary'" < "$T/p.json"
check_wait 10 "FRR sees 12076 four times on the secondary link (R64, Q7)" \
  it_wait_eq 1 "12076 12076 12076 12076" paths_from $A.6
check "... and once on the primary link" eq 12076 paths_from $A.2
check "FRR's best path for 10.1.0.0/16 is via the primary MSEE" \
  eq "$A.2" frr_get ce "show bgp ipv4 unicast 10.1.0.0/16 json" "[p['peer']['peerId'] for p in d['paths'] if p.get('bestpath',{}).get('overall')][0]"
check "both sessions stay up during a prepend" frr_established ce $A.6
check_wait 15 "after --duration the prepend is gone by itself" it_wait_eq 1 12076 paths_from $A.6
check "status: the prepend test Completed by itself and was successful" \
  jpy "d['value'][1]['status']=='Completed' and d['value'][1]['wasSimulationSuccessful'] and d['value'][1]['durationSeconds']==4" < <(ctl failover-test status --circuit er-fo)
check "the tests are in the event log (start and end of each)" \
  bash -c "[ \$(grep -c '\"event\":\"failover-test\"' '$(msee_events msee)') = 4 ]"
ctl failover-test start --circuit er-fo --link-type Primary --category ASPathPrepend --prepends 1 > /dev/null
check_wait 10 "--prepends 1: FRR sees 12076 twice on the primary link" it_wait_eq 1 "12076 12076" paths_from $A.2
ctl failover-test stop --circuit er-fo --link-type Primary > /dev/null
check_wait 10 "and once again after stop" it_wait_eq 1 12076 paths_from $A.2
check "bad input: an unknown category is a 400" \
  bash -c "'$MSEE_CTL' --api http://$API failover-test start --circuit er-fo --link-type Primary --category Flap > /dev/null 2> '$T/e3'; [ \$? = 1 ] && grep -q 'error 400' '$T/e3'"
it_finish
