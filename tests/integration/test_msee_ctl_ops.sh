#!/usr/bin/env bash
# test_msee_ctl_ops.sh — the operating side of msee-ctl against a circuit whose CE is FRR
# (loopback, 127.45.x): `peering update --state Disabled|Enabled` (R66: both MSEEs send
# Cease/Administrative Shutdown, FRR sees it, the sessions stay down, then come back);
# `routes --received/--advertised` compared with what FRR itself sent and received;
# `events` and `events --follow`; `get-stats` / `get-peering-stats` (R85); `list-arp-tables`
# shape (R84); the new /metrics series (limit crossings, advertised, ArpAvailability); MRT:
# the --mrt recording decoded by bgpdump and, through scripts/mrt2pcap.py, by tshark; a
# TABLE_DUMP_V2 written on demand and decoded by bgpdump.
set -u
source "$(dirname "$0")/lib.sh"
it_need /usr/lib/frr/bgpd vtysh ss bgpdump tshark
it_init msee_ctl_ops
[ -x "${MSEE_CTL:-}" ] || MSEE_CTL=$(dirname "$MSEE_EMU")/msee-ctl
[ -x "$MSEE_CTL" ] || die "msee-ctl not found (MSEE_CTL)"
SRC=${MSEE_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
A=127.45.0
API=$A.100:18180
it_require_ports "$A.2 179" "$A.6 179" "$A.1 179" "$A.5 179" "$A.100 18180"

itconf circuit "$T/circuit.json" er-ops --private $A \
  --service-key 00000000-0000-4000-8000-000000000045 --vnet "hub westeurope 10.1.0.0/16 12076:20045" \
  --emulation '{ "maxPrefixWarningPercent": 50, "maxPrefixes": { "ipv4": 4 }, "maxPrefixRestartSeconds": 2 }'
itconf frr "$T/circuit.json" --dir "$T/ce" --prefixes 10.60.0.0/16,10.61.0.0/24 > "$T/bgpd.conf"
start_msee msee "$T/circuit.json" --api "$API" --mrt "$T/updates.mrt" \
  --table-dump "$T/rib.%Y%m%d.%H%M%S.mrt"
start_frr ce "$T/bgpd.conf" 179 $A.1 $A.5
check_wait 30 "FRR session to the primary MSEE Established" frr_established ce $A.2
check_wait 30 "FRR session to the secondary MSEE Established" frr_established ce $A.6

ctl() { "$MSEE_CTL" --api "http://$API" -o json "$@"; }
LINK=(--circuit er-ops --peering-name AzurePrivatePeering --path primary)
it_wait 10 bash -c "'$MSEE_CTL' --api http://$API -o json routes ${LINK[*]} --received | grep -q 10.61.0.0/24"

# routes --received / --advertised against FRR's own view of the same session.
ctl routes "${LINK[@]}" --received > "$T/rx.json"
frr_ ce "show bgp ipv4 unicast neighbors $A.2 advertised-routes json" > "$T/frr_adv.json"
same_prefixes() {  # same_prefixes OURS.json THEIRS.json KEY: our value[].prefix = keys of THEIRS[KEY]
  /usr/bin/python3 - "$@" <<'PY'
import json, sys
ours = sorted(r["prefix"] for r in json.load(open(sys.argv[1]))["value"])
theirs = sorted(json.load(open(sys.argv[2]))[sys.argv[3]])
print(ours, theirs, file=sys.stderr)
sys.exit(not (ours == theirs and ours))
PY
}
check "routes --received = the prefixes FRR advertised to the primary MSEE" \
  same_prefixes "$T/rx.json" "$T/frr_adv.json" advertisedRoutes
check "routes --received: AS path 65001, next hop the CE, IGP origin" \
  jpy "all(r['asPath']=='65001' and r['nextHop']=='$A.1' and r['origin']=='igp' for r in d['value']) and d['total']==2" < "$T/rx.json"
ctl routes "${LINK[@]}" --advertised > "$T/tx.json"
frr_ ce "show bgp ipv4 unicast neighbors $A.2 routes json" > "$T/frr_rx.json"
check "routes --advertised = what FRR received from the primary MSEE" \
  same_prefixes "$T/tx.json" "$T/frr_rx.json" routes
check "routes --advertised: VNet with path 12076, next hop the MSEE, the VNet's community + regional one" \
  jpy "d['value']==[{'nextHop':'$A.2','asPath':'12076','origin':'igp','communities':['12076:20045','12076:50002'],'prefix':'10.1.0.0/16'}]" < "$T/tx.json"
check "routes needs exactly one direction: exit 2" eq 2 bash -c "'$MSEE_CTL' --api http://$API routes ${LINK[*]} > /dev/null 2>&1; echo \$?"

# Events: the last N, then --follow picks up what happens next.
ctl events --last 50 > "$T/events1.jsonl"
check "events: JSON lines with seq, Established for both MSEE sessions" \
  bash -c "[ \$(grep -c '\"event\":\"established\"' '$T/events1.jsonl') -ge 2 ] && python3 -c \"import json,sys; [json.loads(l)['seq'] for l in open('$T/events1.jsonl')]\""
"$MSEE_CTL" --api "http://$API" -o json events --last 0 --follow > "$T/follow.jsonl" 2> "$T/follow.err" &
FOLLOW=$!
sleep 1

# R66: disable the peering — both MSEEs shut their sessions with Cease/Administrative Shutdown.
ctl peering update --circuit-name er-ops --name AzurePrivatePeering --state Disabled > "$T/upd.json"
check "peering update answers the peering with state Disabled" jpy "d['name']=='AzurePrivatePeering' and d['state']=='Disabled'" < "$T/upd.json"
frr_down() { ! frr_established "$@"; }
check_wait 10 "FRR: primary session down after the Disabled" frr_down ce $A.2
check_wait 10 "FRR: secondary session down after the Disabled" frr_down ce $A.6
check "FRR received Cease/Administrative Shutdown from the primary MSEE" \
  eq "Cease/Administrative Shutdown" frr_get ce "show bgp neighbors $A.2 json" "d['$A.2']['lastNotificationReason']"
check "... and from the secondary" \
  eq "Cease/Administrative Shutdown" frr_get ce "show bgp neighbors $A.6 json" "d['$A.6']['lastNotificationReason']"
check "show: the peering's state is Disabled" jpy "d['peerings'][0]['state']=='Disabled'" < <(ctl show --circuit er-ops)
sleep 3
check "sessions stay down while Disabled (FRR retries every second)" frr_down ce $A.2
check "secondary stays down too" frr_down ce $A.6
check "summary shows Idle for the disabled session (R83)" \
  jpy "d['value'][0]['statePfxRcd']=='Idle'" < <(ctl list-route-tables-summary "${LINK[@]}")
check "metrics: msee_bgp_admin_down 1 and BgpAvailability 0 while Disabled" \
  bash -c "m=\$('$MSEE_CTL' --api http://$API metrics); echo \"\$m\" | grep -q '^msee_bgp_admin_down{.*peer=\"primary\".*} 1' && echo \"\$m\" | grep -q '^BgpAvailability{.*peer=\"primary\".*} 0'"
ctl peering update --circuit-name er-ops --name AzurePrivatePeering --state Enabled > /dev/null
check_wait 20 "Enabled: primary session Established again" frr_established ce $A.2
check_wait 20 "Enabled: secondary session Established again" frr_established ce $A.6
check "peering update with a bad state: exit 1, 400 with the reason" \
  bash -c "'$MSEE_CTL' --api http://$API peering update --circuit-name er-ops --name AzurePrivatePeering --state Off > /dev/null 2> '$T/e1'; [ \$? = 1 ] && grep -q 'error 400.*Enabled' '$T/e1'"
check "PATCH of an unknown peering: 404" \
  bash -c "'$MSEE_CTL' --api http://$API peering update --circuit-name er-ops --name MicrosoftPeering --state Disabled > /dev/null 2> '$T/e2'; [ \$? = 1 ] && grep -q 'error 404' '$T/e2'"
check_wait 10 "events --follow printed the peering-state changes and the Established sessions" \
  bash -c "grep -q '\"event\":\"peering-state\".*\"state\":\"Disabled\"' '$T/follow.jsonl' && grep -q '\"state\":\"Enabled\"' '$T/follow.jsonl' && [ \$(grep -c '\"event\":\"established\"' '$T/follow.jsonl') -ge 2 ]"
check "events --follow: the session-down events carry the administrative reason" \
  bash -c "grep '\"event\":\"session-down\"' '$T/follow.jsonl' | grep -qi 'administrative'"
kill "$FOLLOW" 2>/dev/null; wait "$FOLLOW" 2>/dev/null

# Route limit (lowered to 4 here, warning at 50 %): the crossing shows in the metrics. The
# extra prefixes come from the range the lab's CE keeps for route-limit drills (its outbound
# prefix-list lets them out).
EXTRA=("network 100.64.0.0/24" "network 100.64.1.0/24" "network 100.64.2.0/24")
frr_ ce "configure terminal" "router bgp 65001" "address-family ipv4 unicast" "${EXTRA[@]}" > /dev/null
check_wait 15 "over the limit of 4: the MSEE dropped the primary session (Cease/1)" \
  bash -c "'$MSEE_CTL' --api http://$API metrics | grep -q '^msee_bgp_route_limit_exceeded_total{.*peer=\"primary\".*} [1-9]'"
check "the warning was counted before the crossing" \
  bash -c "'$MSEE_CTL' --api http://$API metrics | grep -q '^msee_bgp_route_limit_warnings_total{.*peer=\"primary\".*} [1-9]'"
frr_ ce "configure terminal" "router bgp 65001" "address-family ipv4 unicast" "${EXTRA[@]/#/no }" > /dev/null
check_wait 30 "back under the limit: primary Established again after the restart time" frr_established ce $A.2
check_wait 30 "back under the limit: secondary Established again" frr_established ce $A.6
it_wait 10 bash -c "'$MSEE_CTL' --api http://$API -o json routes --circuit er-ops --peering-name AzurePrivatePeering --path secondary --received | grep -q 10.61.0.0/24"
"$MSEE_CTL" --api "http://$API" metrics > "$T/metrics.txt"
check "/metrics parses; ArpAvailability 100 on loopback, 1 prefix advertised per session" /usr/bin/python3 - "$T/metrics.txt" <<'PY'
import sys
from prometheus_client.parser import text_string_to_metric_families
fams = {f.name: f for f in text_string_to_metric_families(open(sys.argv[1]).read())}
arp = {s.labels["peer"]: s.value for s in fams["ArpAvailability"].samples}
assert arp == {"primary": 100.0, "secondary": 100.0}, arp
adv = {s.labels["peer"]: s.value for s in fams["msee_bgp_prefixes_advertised"].samples}
assert adv.get("secondary") == 1.0, adv
for name in ("msee_bgp_prefixes_rejected", "msee_bgp_route_limit_warnings",
             "msee_bgp_route_limit_exceeded", "msee_bgp_messages_sent"):
    assert name in fams, name
PY

# R85 statistics and R84 ARP table (loopback: BGP octets, lo's all-zero MAC).
ctl get-stats --circuit er-ops > "$T/stats.json"
check "get-stats: az's four fields, bytes > 0 in both directions on both links (R85)" \
  jpy "list(d)[:4]==['primarybytesIn','primarybytesOut','secondarybytesIn','secondarybytesOut'] and min(list(d.values())[:4]) > 0" < "$T/stats.json"
check "get-peering-stats for the private peering answers the same shape" \
  jpy "d['primarybytesOut']>0" < <(ctl get-peering-stats --circuit er-ops --peering-name AzurePrivatePeering)
ctl list-arp-tables "${LINK[@]}" > "$T/arp.json"
check "list-arp-tables: az's fields; On-Prem = the CE, Microsoft = the MSEE (R84)" \
  jpy "[list(r) for r in d['value']]==[['age','interface','ipAddress','macAddress']]*2 and [(r['interface'],r['ipAddress']) for r in d['value']]==[('On-Prem','$A.1'),('Microsoft','$A.2')] and [r['macAddress'] for r in d['value']]==['0000.0000.0000']*2" < "$T/arp.json"

# Reload (SIGHUP / msee-ctl reload): the difference is applied, unaffected sessions stay up.
edit_config() {  # edit_config PYTHON: run PYTHON on the running config (bound to c), save it
  /usr/bin/python3 - "$T/msee/config.json" "$1" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
exec(sys.argv[2])
json.dump(c, open(sys.argv[1], "w"), indent=1)
PY
}
est_count() { frr_get ce "show bgp neighbors $1 json" "d['$1']['connectionsEstablished']"; }
E1=$(est_count $A.2); E2=$(est_count $A.6)
edit_config "c['circuits'][0]['vnets'].append({'name':'spoke','region':'westeurope','addressPrefixes':['10.3.0.0/16']}); c['circuits'][0]['peerings'][0]['emulation']['maxPrefixes']['ipv4'] = 10"
ctl reload > "$T/reload1.json"
check "reload: the new VNet and the new limit are the changes applied" \
  jpy "d['applied'] and any('1 added' in x for x in d['changes']) and any('route limit now 10' in x for x in d['changes'])" < "$T/reload1.json"
check_wait 10 "FRR receives the new VNet 10.3.0.0/16 from the primary MSEE" \
  it_wait_eq 1 1 frr_get ce "show bgp ipv4 unicast 10.3.0.0/16 json" "len([p for p in d['paths'] if p['peer']['peerId']=='$A.2'])"
check "the sessions were not reset by the reload (FRR's established count unchanged)" \
  eq "$E1 $E2" bash -c "echo \$(vtysh --vty_socket $T/ce -c 'show bgp neighbors $A.2 json' | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"$A.2\"][\"connectionsEstablished\"])') \$(vtysh --vty_socket $T/ce -c 'show bgp neighbors $A.6 json' | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"$A.6\"][\"connectionsEstablished\"])')"
check "metrics show the new limit" \
  bash -c "'$MSEE_CTL' --api http://$API metrics | grep -q '^msee_bgp_route_limit{.*peer=\"primary\".*} 10'"
edit_config "c['circuits'][0]['vnets'].pop()"
kill -HUP "$(it_pid_of msee)"
check_wait 10 "SIGHUP: the removed VNet is withdrawn from FRR" \
  bash -c "! vtysh --vty_socket $T/ce -c 'show bgp ipv4 unicast 10.3.0.0/16 json' | grep -q '\"paths\"'"
check "a config-reload event says applied" ev_has "$(msee_events msee)" "e.get('event')=='config-reload' and e.get('result')=='applied'"
cp "$T/msee/config.json" "$T/good.json"
edit_config "c['circuits'][0]['peerings'][0]['peerASN'] = 65515"
check "an invalid config is refused (409) with the JSON path and rule; exit 1" \
  bash -c "'$MSEE_CTL' --api http://$API reload > /dev/null 2> '$T/e3'; [ \$? = 1 ] && grep -q 'error 409.*peerASN.*65515' '$T/e3'"
cp "$T/good.json" "$T/msee/config.json"
edit_config "c['circuits'][0]['peerings'][0]['emulation']['loopback']['primaryPeerAddressPrefix'] = '127.45.1.0/30'"
check "moving a session's addresses needs a restart: refused, saying so" \
  bash -c "'$MSEE_CTL' --api http://$API reload > /dev/null 2> '$T/e4'; [ \$? = 1 ] && grep -q 'restart msee-emu for: session er-ops/AzurePrivatePeering/primary moved' '$T/e4'"
check "after the refused reloads both sessions are still Established, never reset" \
  eq "$E1 $E2" bash -c "echo \$(vtysh --vty_socket $T/ce -c 'show bgp neighbors $A.2 json' | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"$A.2\"][\"connectionsEstablished\"])') \$(vtysh --vty_socket $T/ce -c 'show bgp neighbors $A.6 json' | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"$A.6\"][\"connectionsEstablished\"])')"
cp "$T/good.json" "$T/msee/config.json"

# MRT: a table dump on demand, then the session recording after a clean stop.
ctl table-dump > "$T/dump.json"
DUMP=$(jpy "d['path']" < "$T/dump.json")
check "table-dump wrote a file with the 3 prefixes of the RIB" \
  jpy "d['prefixes']==3 and d['entries']==5" < "$T/dump.json"
check "the table dump file exists" test -s "$DUMP"
bgpdump -m "$DUMP" > "$T/dump.txt" 2> "$T/dump.err"
check "bgpdump decodes the TABLE_DUMP_V2: the CE's 10.61.0.0/24 from both CE addresses and our VNet" \
  bash -c "grep -q '^TABLE_DUMP2|.*|B|$A.1|65001|10.61.0.0/24|65001|IGP|' '$T/dump.txt' && grep -q '|B|$A.5|65001|10.61.0.0/24|' '$T/dump.txt' && grep -q '|10.1.0.0/16|' '$T/dump.txt'"
it_stop msee
check "the MRT recording is non-empty after a clean stop" test -s "$T/updates.mrt"
bgpdump -m "$T/updates.mrt" > "$T/mrt.txt" 2> "$T/mrt.err"
check "bgpdump decodes the recording: FRR's announcement of 10.60.0.0/16 from the CE" \
  bash -c "grep -q '^BGP4MP_ET|[0-9]*\.[0-9]*|A|$A.1|65001|10.60.0.0/16|65001|IGP' '$T/mrt.txt'"
check "bgpdump: state changes to Established (6) for both sessions" \
  bash -c "[ \$(grep -c '^BGP4MP_ET|.*|STATE|.*|[0-9]|6\$' '$T/mrt.txt') -ge 2 ]"
check "bgpdump reports no errors" bash -c "! grep -qi error '$T/mrt.txt' '$T/mrt.err'"
python3 "$SRC/scripts/mrt2pcap.py" "$T/updates.mrt" "$T/updates.pcap" 2> "$T/pcap.err"
tshark -r "$T/updates.pcap" -Y bgp -T fields -e bgp.type -e bgp.nlri_prefix 2>&1 > "$T/tshark.txt" |
  grep -v 'Running as user "root"' > "$T/tshark.err"
check "tshark decodes the recording (via mrt2pcap.py) without errors" \
  bash -c "[ ! -s '$T/tshark.err' ] && ! tshark -r '$T/updates.pcap' -Y '_ws.malformed || _ws.expert.severity >= error' 2>/dev/null | grep -q ."
check "tshark: OPENs both ways, and the UPDATE carrying 10.60.0.0 (sent by the CE)" \
  bash -c "grep -q '^1' '$T/tshark.txt' && grep -q '^2.*10.60.0.0' '$T/tshark.txt' && grep -q '^2.*10.1.0.0' '$T/tshark.txt'"
it_finish
