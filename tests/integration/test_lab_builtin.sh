#!/usr/bin/env bash
# test_lab_builtin.sh — issue #6 with no external router: `msee-ctl lab up --ce builtin` on the
# bundled default config (the README's run command) runs msee-emu's own router mode as the
# CE. Without BFD a silent failure is found by the hold timer (builtin 9 s, R63), the best
# paths move to the secondary and nothing is lost; `drill route-limit` announces 4,001
# prefixes (Cease/1 on both sessions, R36) and recovery follows the restart time.
set -u
source "$(dirname "$0")/lib.sh"
it_need ip python3
it_init lab_builtin
lab_init "lc$$"
lab_circuit "$MSEE_SOURCE_DIR/config/default.json" "$T/circuit.json" 5
check "lab up --ce builtin" lab_report "$T/up.json" lab up --ce builtin --config "$T/circuit.json"
check "lab status: the builtin CE and msee-emu alive, both sessions Established" \
  jpy "[p['role'] for p in d['processes']] == ['msee-emu', 'ce-builtin-65001'] and all(p['alive'] for p in d['processes']) and [s['state'] for s in d['ceSessions']] == ['Established'] * 2" < "$T/up.json"
check "lab status as a table for people" \
  bash -c "'$MSEE_CTL' -o table lab status | grep -q 'Established'"

check "drill silent-failure" lab_report "$T/silent.json" drill silent-failure --hold 1
check "silent failure: no BFD, detected by the 9 s hold timer, nothing lost, every check passed" \
  jpy "not d['figures']['ceBfd'] and d['figures']['holdTimeS'] == 9 and 1000 < d['figures']['detectionMs'] < 10000 and d['figures']['prefixesLost'] == [] and d['ok']" < "$T/silent.json"
check "drill route-limit (AzurePrivatePeering ipv4)" lab_report "$T/limit.json" drill route-limit
check "route limit: 4,000 accepted, 4,001 dropped with Cease/1, recovered" \
  jpy "[(r['atLimit'], r['overLimit'][:20], r['recovered'][:9]) for r in d['rows']] == [('accepted 4000', 'dropped with Cease/1', 'recovered')] * 2 and d['ok']" < "$T/limit.json"
check "after the scenario the CE announces only its own prefix again" \
  bash -c "'$MSEE_CTL' --netns $LAB_ER -o json list-route-tables-summary --circuit er-lab-circuit --peering-name AzurePrivatePeering --path primary | grep -q '\"statePfxRcd\": \"1\"'"
lab_ lab down > /dev/null 2>&1
check "lab down: namespaces gone" bash -c "! ip netns list | grep -q '^$MSEE_LAB_NAME-'"
it_finish
