#!/usr/bin/env bash
# test_lab_frr.sh — issue #6 with FRR (zebra + bfdd + bgpd) as the CE: `msee-ctl lab up` on the
# Standard circuit of config/standard-private.json (MD5, BFD 300 ms × 3, R26, R89) brings up
# namespaces, links and both sessions; every drill's report is checked for its figures (BFD
# detection of a silent failure < 1 s, no Azure prefix lost on the surviving link, prepend seen
# on the drained link only, Azure's wasSimulationSuccessful, peering reset on both links, flaps
# counted); validate-limits finds 4,000 accepted / 4,001 dropped with Cease/1 / recovered; and
# `lab down` removes everything, also after msee-emu and the CE were killed with SIGKILL. As with
# BIRD (issue #18): `lab shell ce -- CMD` goes to vtysh, `lab status` counts what each session
# received as FRR's table holds it, and every drill's time figures are points of its timeline.
set -u
source "$(dirname "$0")/lib.sh"
it_need /usr/lib/frr/zebra /usr/lib/frr/bfdd /usr/lib/frr/bgpd vtysh ip python3
it_init lab_frr
lab_init "lf$$"
lab_circuit "$MSEE_SOURCE_DIR/config/standard-private.json" "$T/circuit.json" 5

check "lab up --ce frr: every session Established" lab_report "$T/up.json" lab up --ce frr --config "$T/circuit.json"
check "lab status: msee-emu, zebra, bfdd, bgpd alive; both MSEE sessions Established with BFD Up" \
  jpy "all(p['alive'] for p in d['processes']) and len(d['processes']) == 4 and [(s['state'], s['bfd']) for s in d['sessions']] == [('Established', 'Up')] * 2" < "$T/up.json"
check "the CE's sessions with both MSEEs: Established, BFD up (R89)" \
  jpy "[(s['neighbor'], s['state'], s['bfd']) for s in d['ceSessions']] == [('192.168.100.130', 'Established', 'up'), ('192.168.100.134', 'Established', 'up')]" < "$T/up.json"
check "namespaces $MSEE_LAB_NAME-ce/-er/-sw (and the data plane's -az0) exist" bash -c "ip netns list | grep -cE '^$MSEE_LAB_NAME-(ce|er|sw|az0)( |\$)' | grep -qx 4"
check "the CE's interface holds the odd address of the /30 (R88)" \
  bash -c "ip -n $MSEE_LAB_NAME-ce -o addr show | grep -q '192.168.100.129/30'"
lab_ --netns "$LAB_ER" list-route-tables --circuit er-ams-standard --peering-name AzurePrivatePeering --path primary > "$T/rt.json"
check "the primary MSEE holds the CE's 10.50.0.0/16 with path 65001 (msee-ctl --netns)" \
  jpy "any(r['network'] == '10.50.0.0/16' and r['path'] == '65001' for r in d['value'])" < "$T/rt.json"
check "msee-ctl without --api/--netns finds the API of the one lab that is up" \
  bash -c "'$MSEE_CTL' -o json sessions | grep -q Established"

lab_ lab shell ce -- show bgp summary > "$T/summary.txt" 2>&1
lab_ lab status > "$T/status.json"
check "lab shell ce -- show bgp summary goes to vtysh: it names both CE sessions' neighbors" \
  jpy "len(d['ceSessions']) == 2 and all(s['neighbor'] in open('$T/summary.txt').read() for s in d['ceSessions'])" < "$T/status.json"
# frr_from N : the paths FRR's BGP table holds from neighbor N, asked through lab shell
frr_from() {
  lab_ lab shell ce -- show bgp "$(case $1 in *:*) echo ipv6;; *) echo ipv4;; esac)" unicast json |
    "$IT_PY" -c "import json, sys; print(sum(p.get('peerId') == sys.argv[1] for ps in json.load(sys.stdin).get('routes', {}).values() for p in ps))" "$1"
}
check "lab status: every CE session received > 0 prefixes, as many as FRR holds from it" \
  ce_received_ok "$T/status.json" frr_from

check "drill silent-failure (primary)" lab_report "$T/silent.json" drill silent-failure
check "silent failure: the CE detected it by BFD in under 1 s, its best paths moved, nothing lost" \
  jpy "(f := d['figures'])['ceBfd'] and 0 < f['detectionMs'] < 1000 and f['reconvergenceMs'] is not None and f['prefixesLost'] == [] and f['prefixesOnFailedLinkBefore'] == 3" < "$T/silent.json"
check "silent failure: every check of the report passed" drill_ok "$T/silent.json"
check "silent failure: the time figures are points of its timeline" figures_agree "$T/silent.json"
it_log "silent failure: $(jpy "'detection at %s ms, reconvergence at %s ms, restore at %s ms, all back at %s ms' % tuple(map(d['figures'].get, ('detectionMs', 'reconvergenceMs', 'restoreAtMs', 'allBackMs')))" < "$T/silent.json")"

check "drill maintenance (prepend 3, then BGP down)" lab_report "$T/maint.json" drill maintenance --prepends 3 --drain 2 --hold 2
check "maintenance: AS path 12076 x4 seen on the primary only, traffic left before BGP went down" \
  jpy "(a := [e for e in d['timeline'] if e['what']=='aspath']) and all(e['path']=='primary' for e in a) and {e['asPath'].count(12076) for e in a} == {4, 1}" < "$T/maint.json"
check "maintenance: every check passed" drill_ok "$T/maint.json"
check "maintenance: the time figures are points of its timeline" figures_agree "$T/maint.json"
check "maintenance: moved, then BGP down (the failure step), detected, sessions back, restored, all back" \
  jpy "(f := d['figures'])['failureAtMs'] == d['phases'][1]['atMs'] and f['reconvergenceMs'] < f['failureAtMs'] < f['detectionMs'] < f['sessionsBackMs'] < f['restoreAtMs'] <= f['allBackMs']" < "$T/maint.json"

check "drill failover-test BgpDisconnect" lab_report "$T/fo.json" drill failover-test --category BgpDisconnect --hold 2
check "failover test: Azure's result wasSimulationSuccessful, no Azure prefix lost (R68)" \
  jpy "d['azureResult']['wasSimulationSuccessful'] and d['azureResult']['status']=='Completed' and d['figures']['prefixesLost']==[]" < "$T/fo.json"
check "failover test: every check passed" drill_ok "$T/fo.json"
check "failover test: the time figures are points of its timeline" figures_agree "$T/fo.json"

check "drill peering-reset" lab_report "$T/reset.json" drill peering-reset --hold 2
check "peering reset: both links down, the Azure prefixes gone meanwhile and back after (R66)" \
  jpy "sorted({e['path'] for e in d['timeline'] if e['what']=='session' and not e['up']}) == ['primary','secondary'] and len(d['figures']['prefixesLost']) == 3 and d['ok']" < "$T/reset.json"
check "peering reset: its report names private peering on both links, not a link" \
  jpy "d['linkType'] is None and d['target'] == 'AzurePrivatePeering on both links' and d['figures']['prefixesOnFailedLinkBefore'] == 3" < "$T/reset.json"
check "peering reset: the time figures are points of its timeline" figures_agree "$T/reset.json"

check "drill flap x2" lab_report "$T/flap.json" drill flap --count 2 --interval-s 2
check "flap: the CE saw 2 flaps, nothing lost" jpy "d['figures']['flapsSeen'] == 2 and d['ok']" < "$T/flap.json"
check "flap: the time figures are points of its timeline" figures_agree "$T/flap.json"

check "validate-limits" lab_report "$T/limits.json" validate-limits
check "validate-limits: 4,000 accepted, 4,001 dropped with Cease/1, recovered, on both sessions (R36)" \
  jpy "[(r['session'], r['atLimit'], r['overLimit'][:20], r['recovered'][:9]) for r in d['rows']] == [(p, 'accepted 4000', 'dropped with Cease/1', 'recovered') for p in ('primary', 'secondary')]" < "$T/limits.json"

# lab down after a crash: kill the daemons with SIGKILL, then take the lab down.
for pid in $(jpy "' '.join(str(p['pid']) for p in d['processes'])" < "$MSEE_LAB_DIR/$MSEE_LAB_NAME/lab.json"); do
  kill -9 "$pid" 2>/dev/null
done
lab_ lab down > "$T/down.json" 2>&1
check "lab down after SIGKILL: the namespaces are gone" bash -c "! ip netns list | grep -q '^$MSEE_LAB_NAME-'"
check "lab down is idempotent" lab_ lab down
it_finish
