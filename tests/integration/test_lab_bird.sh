#!/usr/bin/env bash
# test_lab_bird.sh — issue #6 with BIRD 2 as the CE of the Premium circuit of
# config/premium-private-microsoft.json: private + Microsoft peering, IPv4 + IPv6, 8 sessions
# on dot1Q sub-interfaces (or a veth per peering where the kernel has no 802.1Q). The silent
# failure drill with --wait-all: the IPv4 sessions (BFD, R30) are detected in under 1 s, the
# IPv6 ones (no BFD) by the CE's 9 s hold timer, every Azure prefix ends on the secondary and
# none is lost. Azure's ASPathPrepend failover test: the prepend is seen on the primary only
# and BIRD moves its best paths (R64, R68). validate-limits on private IPv6: 100 accepted,
# 101 dropped with Cease/1, recovered (R36). BIRD is a first-class CE (issue #18): `lab shell ce
# -- CMD` goes to birdc, `lab status` counts what each session received as BIRD's tables hold it,
# and every drill's time figures are points of its own timeline.
set -u
source "$(dirname "$0")/lib.sh"
it_need bird birdc ip python3
it_init lab_bird
lab_init "lb$$"
lab_circuit "$MSEE_SOURCE_DIR/config/premium-private-microsoft.json" "$T/circuit.json" 5

check "lab up --ce bird: 8 sessions Established" \
  lab_report "$T/up.json" lab up --ce bird --config "$T/circuit.json" --ce-hold-time 9
check "lab status: 8 MSEE sessions Established, BFD Up on the 4 IPv4 ones only (R30)" \
  jpy "[s['state'] for s in d['sessions']] == ['Established'] * 8 and sorted(str(s['bfd']) for s in d['sessions']) == ['None'] * 4 + ['Up'] * 4" < "$T/up.json"
check "the CE's IPv6 interface holds its /126 (R10)" \
  bash -c "ip -n $MSEE_LAB_NAME-ce -o addr show | grep -q 'fdcc:0:0:1::1/126'"

# lab shell and lab status work with BIRD as with FRR (issue #18).
lab_ lab shell ce -- show protocols > "$T/protocols.txt" 2>&1
check "lab shell ce -- show protocols goes to birdc: 8 BGP protocols, Established" \
  bash -c "[ \"\$(grep -cE '^c0_[a-z]+_(pri|sec)_v[46] +BGP .+ Established' '$T/protocols.txt')\" = 8 ]"
lab_ lab shell ce -- show protocols all > "$T/protocols-all.txt" 2>&1
lab_ lab status > "$T/status.json"
check "lab shell ce -- show protocols all names the neighbor of each of the 8 CE sessions" \
  jpy "len(d['ceSessions']) == 8 and all('Neighbor address: ' + s['neighbor'] in open('$T/protocols-all.txt').read() for s in d['ceSessions'])" < "$T/status.json"
# bird_from N : the routes BIRD's tables hold from neighbor N, asked through lab shell
bird_from() { lab_ lab shell ce -- show route where from = "$1" count | awk '/ routes for .* in table /{n += $1} END {print n + 0}'; }
check "lab status: every CE session received > 0 prefixes, as many as BIRD holds from it" \
  ce_received_ok "$T/status.json" bird_from

check "drill silent-failure --wait-all" lab_report "$T/silent.json" drill silent-failure --wait-all --hold 1
check "silent failure: IPv4 sessions detected by BFD < 1 s, IPv6 by the 9 s hold timer" \
  jpy "all((v < 1000) if not k.endswith('/ipv6') else (v is not None and 1000 < v < 10000) for k, v in d['figures']['detectionBySessionMs'].items()) and len(d['figures']['detectionBySessionMs']) == 4" < "$T/silent.json"
check "silent failure: no Azure prefix lost, all 9 moved to the secondary, every check passed" \
  jpy "d['figures']['prefixesLost'] == [] and d['figures']['prefixesOnFailedLinkBefore'] == 9 and d['ok']" < "$T/silent.json"
[ "$IT_FAILS" -eq 0 ] || jpy "d['checks']" < "$T/silent.json"
check "silent failure: the time figures are points of its timeline" figures_agree "$T/silent.json"
check "silent failure: the sessions are back when the last one returned, not the first" \
  jpy "d['figures']['sessionsBackMs'] == max(e['atMs'] for e in d['timeline'] if e['what'] == 'session' and e['up'])" < "$T/silent.json"

check "drill failover-test ASPathPrepend --prepends 2" \
  lab_report "$T/prepend.json" drill failover-test --category ASPathPrepend --prepends 2 --hold 1
check "ASPathPrepend: 12076 x3 on the primary only, BIRD's best paths moved, Azure's result successful" \
  jpy "(a := [e for e in d['timeline'] if e['what'] == 'aspath']) and {e['path'] for e in a} == {'primary'} and {e['asPath'].count(12076) for e in a} == {3, 1} and d['azureResult']['wasSimulationSuccessful'] and d['ok']" < "$T/prepend.json"

check "drill maintenance" lab_report "$T/maint.json" drill maintenance --prepends 3 --drain 1 --hold 1
check "maintenance: 12076 x4 on the primary only, every prefix moved before BGP went down" \
  jpy "(a := [e for e in d['timeline'] if e['what'] == 'aspath']) and {e['path'] for e in a} == {'primary'} and d['figures']['prefixesLost'] == [] and d['ok']" < "$T/maint.json"
check "maintenance: the time figures are points of its timeline" figures_agree "$T/maint.json"
check "maintenance: moved, then BGP down (the failure step), detected, sessions back, restored, all back" \
  jpy "(f := d['figures'])['failureAtMs'] == d['phases'][1]['atMs'] and f['reconvergenceMs'] < f['failureAtMs'] < f['detectionMs'] < f['sessionsBackMs'] < f['restoreAtMs'] <= f['allBackMs']" < "$T/maint.json"
check "drill peering-reset (private peering)" lab_report "$T/reset.json" drill peering-reset --hold 1
check "peering reset: the private prefixes gone meanwhile on both links, Microsoft peering's kept (R66)" \
  jpy "d['figures']['prefixesLost'] == ['10.10.0.0/16', '10.20.0.0/16', 'fd10:10::/48'] and d['ok']" < "$T/reset.json"
check "peering reset: the time figures are points of its timeline" figures_agree "$T/reset.json"
check "peering reset: about private peering on both links — its 4 sessions, its 3 prefixes, no link" \
  jpy "d['linkType'] is None and d['target'] == 'AzurePrivatePeering on both links' and sorted(d['figures']['detectionBySessionMs']) == ['er-ams-premium/AzurePrivatePeering/primary', 'er-ams-premium/AzurePrivatePeering/primary/ipv6', 'er-ams-premium/AzurePrivatePeering/secondary', 'er-ams-premium/AzurePrivatePeering/secondary/ipv6'] and None not in d['figures']['detectionBySessionMs'].values() and d['figures']['prefixesOnFailedLinkBefore'] == 3" < "$T/reset.json"
check "drill flap x2" lab_report "$T/flap.json" drill flap --count 2 --interval-s 2
check "flap: BIRD saw both flaps on every one of the 4 primary sessions, nothing lost" \
  jpy "d['figures']['flapsSeen'] == 2 and d['figures']['prefixesLost'] == [] and d['ok']" < "$T/flap.json"
check "ASPathPrepend failover test: the time figures are points of its timeline" figures_agree "$T/prepend.json"
check "flap: the time figures are points of its timeline" figures_agree "$T/flap.json"

check "validate-limits --peering AzurePrivatePeering --family ipv6" \
  lab_report "$T/limits.json" validate-limits --peering AzurePrivatePeering --family ipv6
check "private IPv6: 100 accepted, 101 dropped with Cease/1, recovered (R36)" \
  jpy "[(r['limit'], r['atLimit'], r['overLimit'][:20], r['recovered'][:9]) for r in d['rows']] == [(100, 'accepted 100', 'dropped with Cease/1', 'recovered')] * 2" < "$T/limits.json"
lab_ lab down > "$T/down.json" 2>&1
check "lab down: namespaces gone, BIRD and msee-emu stopped" \
  jpy "not any(n.startswith('$MSEE_LAB_NAME-') for n in __import__('os').listdir('/run/netns')) and len(d['stopped']) == 2" < "$T/down.json"
it_finish
