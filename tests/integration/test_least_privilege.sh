#!/usr/bin/env bash
# test_least_privilege.sh — issue #14: `msee-emu --user nobody` opens what needs root (port
# 179, the API), then runs as nobody without any capability (the data plane keeps
# CAP_NET_ADMIN: test_lab_dataplane runs that way through msee-ctl lab up --user).
# One circuit on loopback (127.49.0.x) with an FRR CE: the sessions come up, the API answers,
# /proc shows uid 65534 and empty capability sets, and a reload as nobody still reads the
# config and restarts the sessions with the new hold time.
set -u
source "$(dirname "$0")/lib.sh"
it_need /usr/lib/frr/bgpd vtysh ss
it_init least_privilege
id nobody > /dev/null 2>&1 || skip "no user 'nobody'"
A=127.49.0
API=$A.100:18184
it_require_ports "$A.2 179" "$A.6 179" "$A.1 179" "$A.5 179" "$A.100 18184"
itconf circuit "$T/circuit.json" er-lp --private $A --vnet "hub westeurope 10.1.0.0/16"
itconf frr "$T/circuit.json" --dir "$T/ce" --prefixes 10.50.0.0/16 > "$T/bgpd.conf"
start_msee msee "$T/circuit.json" --api "$API" --user nobody
PID=$(it_pid_of msee)
start_frr ce "$T/bgpd.conf" 179 $A.1 $A.5
check_wait 30 "FRR session to the primary MSEE Established" frr_established ce $A.2
check_wait 30 "FRR session to the secondary MSEE Established" frr_established ce $A.6
check "msee-emu logged the drop" grep -q "running as nobody without capabilities" "$T/msee/stderr.log"
st() { awk -v k="$1:" '$1==k{print $2, $3, $4, $5}' "/proc/$PID/status"; }
it_log "Uid: $(st Uid)  Gid: $(st Gid)  CapEff: $(st CapEff)  CapPrm: $(st CapPrm)"
check "real, effective, saved and fs uid are all nobody (65534)" eq "65534 65534 65534 65534" st Uid
check "no supplementary groups" bash -c "[ -z \"\$(awk '\$1==\"Groups:\"{print \$2}' /proc/$PID/status)\" ]"
check "effective, permitted and ambient capabilities all empty" \
  bash -c "for k in CapEff CapPrm CapAmb; do [ \"\$(awk -v k=\$k: '\$1==k{print \$2}' /proc/$PID/status)\" = 0000000000000000 ] || exit 1; done"
check "the API answers" bash -c "'$MSEE_CTL' --api http://$API -o json list | grep -q er-lp"
# A reload as nobody: the config must still be readable; a new hold time restarts the sessions.
"$IT_PY" - "$T/msee/config.json" <<'PY'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["circuits"][0]["peerings"][0]["emulation"]["holdTime"] = 90
json.dump(c, open(p, "w"), indent=1)
PY
kill -HUP "$PID"
check_wait 10 "the reload as nobody applied the new hold time (config-reload ok)" \
  ev_has "$T/msee/events.jsonl" "e['event']=='config-reload' and e['result']!='failed'"
check_wait 30 "both sessions back Established with hold time 90" \
  bash -c "vtysh --vty_socket '$T/ce' -c 'show bgp neighbors json' | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(not all(n[\"bgpState\"]==\"Established\" and n[\"bgpTimerHoldTimeMsecs\"]==90000 for n in d.values()))'"
check "msee-emu is still running" it_pid_alive "$PID"
it_finish
