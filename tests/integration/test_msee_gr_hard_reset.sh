#!/usr/bin/env bash
# test_msee_gr_hard_reset.sh — issue #14, RFC 8538 with a graceful-restart-capable CE: the MSEE
# emulation asks for graceful restart (`"gracefulRestart": 120`, Q3: off by default), FRR's CE
# runs `bgp graceful-restart` + `bgp graceful-restart notification`, so both set the N bit.
#   A NOTIFICATION that does not end the session for good (a reload that changes the hold time:
#   Cease/Other Configuration Change) leaves graceful restart in force: FRR keeps the VNet route
#   all along, msee-emu keeps the CE's routes as stale (helper).
#   A peering Disabled (Cease/Administrative Shutdown, R66) goes out inside Cease/Hard Reset:
#   FRR drops the VNet route at once, msee-emu keeps nothing stale.
set -u
source "$(dirname "$0")/lib.sh"
it_need /usr/lib/frr/bgpd vtysh ss
it_init msee_gr_hard_reset
[ -x "${MSEE_CTL:-}" ] || MSEE_CTL=$(dirname "$MSEE_EMU")/msee-ctl
A=127.47.0
API=$A.100:18181
it_require_ports "$A.2 179" "$A.6 179" "$A.1 179" "$A.5 179" "$A.100 18181"

itconf circuit "$T/circuit.json" er-gr --private $A --vnet "hub westeurope 10.1.0.0/16" \
  --emulation '{ "gracefulRestart": 120 }'
itconf frr "$T/circuit.json" --dir "$T/ce" --prefixes 10.50.0.0/16 --append - > "$T/bgpd.conf" <<CONF
router bgp 65001
 bgp graceful-restart
 bgp graceful-restart notification
CONF
start_msee msee "$T/circuit.json" --api "$API"
EV=$(msee_events msee)
LOG=$T/msee/stderr.log
start_frr ce "$T/bgpd.conf" 179 $A.1 $A.5
check_wait 30 "FRR session to the primary MSEE Established" frr_established ce $A.2
check_wait 30 "FRR session to the secondary MSEE Established" frr_established ce $A.6
has_vnet() { frr_ ce "show bgp ipv4 unicast 10.1.0.0/16 json" | grep -q '"valid":true'; }
check_wait 10 "FRR has the VNet 10.1.0.0/16" has_vnet
check "msee-emu events: FRR advertised graceful restart on both sessions" \
  eq 2 ev_count "$EV" "e['event']=='established' and e.get('peerGracefulRestart') is True"
frr_ ce "show bgp neighbors $A.2 json" > "$T/nbr.json"
check "FRR: graceful restart negotiated with the MSEE, N bit both ways (RFC 8538)" \
  jpy "(lambda n: n['gracefulRestartInfo']['nBit'] is True and 'remoteGrMode' in n['gracefulRestartInfo'])(d['$A.2'])" < "$T/nbr.json"
check_wait 10 "msee-emu has the CE's 10.50.0.0/16" \
  bash -c "'$MSEE_CTL' --api http://$API -o json routes --circuit er-gr --peering-name AzurePrivatePeering --path primary --received | grep -q 10.50.0.0/16"

# ---- a NOTIFICATION that keeps graceful restart: reload with another hold time (Cease/6)
"$IT_PY" - "$T/msee/config.json" <<'PY'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["circuits"][0]["peerings"][0].setdefault("emulation", {})["holdTime"] = 90
json.dump(c, open(p, "w"), indent=1)
PY
# Watch FRR's table every 0.1 s across the reload: the VNet route must never go.
"$IT_PY" - "$T/ce" > "$T/watch.txt" 2>&1 <<'PY' &
import subprocess, sys, time
gone = 0
end = time.time() + 6
while time.time() < end:
    out = subprocess.run(["vtysh", "--vty_socket", sys.argv[1], "-c",
                          "show bgp ipv4 unicast 10.1.0.0/16 json"],
                         capture_output=True, text=True).stdout
    gone += '"valid":true' not in out
    time.sleep(0.1)
print("gone", gone)
PY
WATCH=$!
it__record watch $WATCH
sleep 0.5
kill -HUP "$(it_pid_of msee)"
wait $WATCH
check_wait 5 "msee-emu restarted both sessions with Cease/Other Configuration Change" \
  eq 2 ev_count "$EV" "e['event']=='session-down' and e['kind']=='ManualStop' and e['notification']['subcode']==6"
check "msee-emu kept the CE's routes stale (helper, N bit: not a Hard Reset)" \
  grep -q "graceful restart helper: keeping its routes as stale for 120 s" "$LOG"
check "FRR kept 10.1.0.0/16 in every sample across the reload ($(cat "$T/watch.txt"))" \
  grep -qx "gone 0" "$T/watch.txt"
check_wait 30 "both sessions back Established" \
  bash -c "[ \"\$(vtysh --vty_socket '$T/ce' -c 'show bgp summary json' | grep -c '\"state\":\"Established\"')\" -ge 2 ]"

# ---- a NOTIFICATION that ends the session for good: peering Disabled → Hard Reset
helpers_before=$(grep -c "graceful restart helper: keeping" "$LOG")
"$MSEE_CTL" --api "http://$API" -o json peering update --circuit-name er-gr \
  --name AzurePrivatePeering --state Disabled > /dev/null
check_wait 10 "msee-emu sent Administrative Shutdown inside Cease/Hard Reset (RFC 8538 §5)" \
  grep -q "sending NOTIFICATION Cease/Administrative Shutdown.*inside Cease/Hard Reset" "$LOG"
check_wait 10 "FRR dropped 10.1.0.0/16 at once: no graceful restart after a Hard Reset" \
  bash -c "! vtysh --vty_socket '$T/ce' -c 'show bgp ipv4 unicast 10.1.0.0/16 json' | grep -q '\"valid\":true'"
check "msee-emu kept nothing stale for the Disabled sessions" \
  eq "$helpers_before" grep -c "graceful restart helper: keeping" "$LOG"
frr_ ce "show bgp neighbors $A.2 json" > "$T/nbr2.json"
check "FRR read a Hard Reset carrying Cease/Administrative Shutdown (6/2) and its text" \
  jpy "(lambda n: n.get('lastNotificationHardReset') is True and n.get('lastErrorCodeSubcode') == '0602' and 'disabled' in n.get('lastShutdownDescription', ''))(d['$A.2'])" < "$T/nbr2.json" || grep -i '"last' "$T/nbr2.json"
check "msee-emu is still running" it_pid_alive "$(it_pid_of msee)"
it_finish
