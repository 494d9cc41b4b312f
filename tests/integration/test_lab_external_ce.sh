#!/usr/bin/env bash
# test_lab_external_ce.sh — issue #13, bring your own CE: `msee-ctl lab up --ce external` starts
# no router; OpenBGPD (Debian's /usr/sbin/bgpd), started here by hand in the CE namespace, peers
# with both MSEEs of config/default.json (hold time 3 s, no BFD: OpenBGPD has none on Linux).
# The drills read the MSEE side (REST API) and the traffic probe: a silent failure is detected by
# the hold timer, the flows on the secondary link lose nothing, the flows on the failed link lose
# about the detection time; a failover test (BgpDisconnect) gives Azure's result. OpenBGPD's
# portable build does not program the Linux FIB, so the CE's routes to the VMs are static
# (multipath over both links) and the CE keeps sending into a failed link: the probe shows it.
set -u
source "$(dirname "$0")/lib.sh"
it_need /usr/sbin/bgpd /usr/sbin/bgpctl ip python3
it_init lab_external_ce
getent passwd _openbgpd > /dev/null || skip "no _openbgpd user (install openbgpd)"
lab_init "lx$$"
CE_NS=$MSEE_LAB_NAME-ce

check "lab up --ce external: namespaces, msee-emu, no CE started" \
  lab_report "$T/up.json" lab up --ce external --timeout 1
check "lab status: msee-emu is the only process" \
  jpy "[p['role'] for p in d['processes']] == ['msee-emu']" < "$T/up.json"

# OpenBGPD as the customer's own CE: its control socket in $T, its chroot /run/openbgpd.
mkdir -p /run/openbgpd
cat > "$T/bgpd.conf" <<EOF
socket "$T/bgpd.sock"
AS 65001
router-id 192.168.100.129
network 10.50.0.0/16
neighbor 192.168.100.130 {
  remote-as 12076
  local-address 192.168.100.129
  holdtime 3
  descr "msee-primary"
}
neighbor 192.168.100.134 {
  remote-as 12076
  local-address 192.168.100.133
  holdtime 3
  descr "msee-secondary"
}
allow from any
allow to any prefix 10.50.0.0/16
EOF
check "bgpd.conf is valid (bgpd -n)" /usr/sbin/bgpd -n -f "$T/bgpd.conf"
ip netns exec "$CE_NS" /usr/sbin/bgpd -d -f "$T/bgpd.conf" > "$T/bgpd.log" 2>&1 &
it__record bgpd $!
it_watch "OpenBGPD" "$T/bgpd.log"
sessions_up() { lab_ lab status 2>/dev/null | jpy "[s['state'] for s in d['sessions']] == ['Established'] * 2"; }
check_wait 30 "both MSEE sessions Established with OpenBGPD" sessions_up

DP=$(jpy "bool(d.get('dataplane'))" < "$MSEE_LAB_DIR/$MSEE_LAB_NAME/lab.json")
if [ "$DP" = true ]; then
  ip netns exec "$CE_NS" sysctl -qw net.ipv4.fib_multipath_hash_policy=1
  for p in 10.1.0.0/16 10.2.0.0/16; do
    ip -n "$CE_NS" route replace "$p" nexthop via 192.168.100.130 nexthop via 192.168.100.134
  done
  check "lab traffic: no loss both ways in steady state" lab_report "$T/traffic.json" lab traffic --duration 2
  check "lab traffic: every flow received, both directions" \
    jpy "all(x['lost'] == 0 and x['sent'] > 0 for x in d['directions'].values()) and len(d['directions']) == 2" < "$T/traffic.json"
  it_log "traffic: $(jpy "', '.join('%s %s pps' % (p['netns'], p['achievedPps']) for p in d['pacing'])" < "$T/traffic.json")"
fi

check "drill silent-failure against the external CE" lab_report "$T/silent.json" drill silent-failure --hold 2
check "silent failure: the MSEE side saw the hold timer expire within 4 s, no BFD" \
  jpy "d['ce'] == 'external' and not (f := d['figures'])['ceBfd'] and 0 < f['detectionMs'] < 4000 and f['holdTimeS'] == 3 and f['prefixesLost'] == []" < "$T/silent.json"
check "silent failure: every check passed" drill_ok "$T/silent.json"
if [ "$DP" = true ]; then
  check "silent failure: traffic figures per flow, the secondary link's flows lost nothing" \
    jpy "(t := d['traffic']) and len(t['flows']) == 8 and all(r['lost'] == 0 for r in t['flows'] if r['linksBefore'] == 'secondary') and d['figures']['worstOutageMs'] is not None" < "$T/silent.json"
  it_log "silent failure: detection $(jpy "d['figures']['detectionMs']" < "$T/silent.json") ms, worst outage $(jpy "d['figures']['worstOutageByDirectionMs']" < "$T/silent.json")"
fi

check_wait 30 "both sessions back" sessions_up
check "drill failover-test BgpDisconnect against the external CE" lab_report "$T/fo.json" drill failover-test --hold 2
check "failover test: Azure's result wasSimulationSuccessful, every check passed" \
  jpy "d['azureResult']['wasSimulationSuccessful'] and d['ok']" < "$T/fo.json"

lab_ lab down > "$T/down.json" 2>&1
check "lab down: OpenBGPD (inside the CE namespace) and the namespaces are gone" \
  bash -c "! ip netns list | grep -q '^$MSEE_LAB_NAME-'"
it_finish
