#!/usr/bin/env bash
# test_msee_ctl.sh — msee-ctl and the REST API against a circuit whose CE is FRR (loopback,
# 127.44.x). Checks az's shapes field by field: list-route-tables (R82: network, nextHop,
# locPrf string, weight integer, path string) with the customer's routes and the VNet routes via
# the gateway instances; list-route-tables-summary (R83: statePfxRcd = count when Established,
# the state name after the CE is gone; upDown Cisco-style); list / show without the MD5 key;
# sessions; /metrics parsed by the Prometheus text parser (R86 BgpAvailability); the API's
# errors (404, 400, 405, 401 without the bearer token) and msee-ctl's exit codes.
set -u
source "$(dirname "$0")/lib.sh"
it_need /usr/lib/frr/bgpd vtysh ss
it_init msee_ctl
[ -x "${MSEE_CTL:-}" ] || MSEE_CTL=$(dirname "$MSEE_EMU")/msee-ctl
[ -x "$MSEE_CTL" ] || die "msee-ctl not found (MSEE_CTL)"
A=127.44.0
API=$A.100:18179
TOKEN=lab-token-44
it_require_ports "$A.2 179" "$A.6 179" "$A.1 179" "$A.5 179" "$A.100 18179"

# The CE is the lab's FRR CE (Microsoft's sample shape, R88) with MD5 and two prefixes.
itconf circuit "$T/circuit.json" er-ctl --private $A --key SecretKey44 \
  --service-key 00000000-0000-4000-8000-000000000044 --vnet "hub westeurope 10.1.0.0/16"
itconf frr "$T/circuit.json" --dir "$T/ce" --prefixes 10.50.0.0/16,10.51.0.0/24 > "$T/bgpd.conf"
start_msee msee "$T/circuit.json" --api "$API" --api-token "$TOKEN"
start_frr ce "$T/bgpd.conf" 179 $A.1 $A.5
check_wait 30 "FRR session to the primary MSEE Established" frr_established ce $A.2
check_wait 30 "FRR session to the secondary MSEE Established" frr_established ce $A.6

ctl() { "$MSEE_CTL" --api "http://$API" --token "$TOKEN" -o json "$@"; }
RT=(list-route-tables --circuit er-ctl --peering-name AzurePrivatePeering --path primary)
it_wait 10 bash -c "'$MSEE_CTL' --api http://$API --token $TOKEN -o json ${RT[*]} | grep -q 10.51.0.0/24"
ctl "${RT[@]}" > "$T/rt.json"
check "list-route-tables rows have exactly az's fields and types (R82)" jpy "all(list(r) == ['network','nextHop','locPrf','weight','path'] and isinstance(r['locPrf'], str) and isinstance(r['weight'], int) and isinstance(r['path'], str) for r in d['value'])" < "$T/rt.json"
check "customer route 10.50.0.0/16: nextHop = CE, weight 0, locPrf empty, path 65001 (R46, R82)" \
  jpy "[r for r in d['value'] if r['network']=='10.50.0.0/16'] == [{'network':'10.50.0.0/16','nextHop':'$A.1','locPrf':'','weight':0,'path':'65001'}]" < "$T/rt.json"
check "VNet 10.1.0.0/16 via the two gateway instances with path 65515 (R82)" \
  jpy "sorted((r['nextHop'], r['path']) for r in d['value'] if r['network']=='10.1.0.0/16') == [('10.1.0.4','65515'),('10.1.0.5','65515')]" < "$T/rt.json"
check "3 distinct networks in the primary table" jpy "len({r['network'] for r in d['value']}) == 3" < "$T/rt.json"

SUM=(list-route-tables-summary --circuit er-ctl --peering-name AzurePrivatePeering --path secondary)
ctl "${SUM[@]}" > "$T/sum.json"
check "summary rows have az's fields (R83)" jpy "all(list(r) == ['neighbor','v','as','upDown','statePfxRcd'] for r in d['value'])" < "$T/sum.json"
check "summary: CE neighbour, v 4, AS 65001, statePfxRcd '2' while Established (R83)" \
  jpy "d['value'][0]['neighbor']=='$A.5' and d['value'][0]['v']==4 and d['value'][0]['as']==65001 and d['value'][0]['statePfxRcd']=='2'" < "$T/sum.json"
check "summary upDown is Cisco-style hh:mm:ss" jpy "re.fullmatch(r'\d\d:\d\d:\d\d', d['value'][0]['upDown']) is not None" < "$T/sum.json"
check "summary lists the gateway instances in AS 65515 (R83)" \
  jpy "sorted((r['neighbor'], r['as']) for r in d['value'][1:]) == [('10.1.0.4',65515),('10.1.0.5',65515)]" < "$T/sum.json"

ctl show --circuit er-ctl > "$T/show.json"
check "show: az's circuit shape with the peering" \
  jpy "d['name']=='er-ctl' and d['sku']['tier']=='Standard' and d['peerings'][0]['peerAsn']==65001 and d['peerings'][0]['azureAsn']==12076 and d['peerings'][0]['vlanId']==100" < "$T/show.json"
check "show: every field az prints for a circuit, spelled as az spells it (R7)" \
  jpy "sorted(d) == sorted(['allowClassicOperations','authorizations','bandwidthInGbps','circuitProvisioningState','etag','expressRoutePort','gatewayManagerEtag','globalReachEnabled','id','location','name','peerings','provisioningState','resourceGroup','serviceKey','serviceProviderNotes','serviceProviderProperties','serviceProviderProvisioningState','sku','stag','tags','type']) and d['id'].endswith('/providers/Microsoft.Network/expressRouteCircuits/er-ctl') and d['etag'].startswith('W/') and d['provisioningState']=='Succeeded' and isinstance(d['stag'], int) and d['globalReachEnabled'] is False" < "$T/show.json"
check "show: every field az prints for a peering (primaryAzurePort, provisioningState, routeFilter, ...)" \
  jpy "{'azureAsn','peerAsn','primaryAzurePort','secondaryAzurePort','provisioningState','routeFilter','id','etag','lastModifiedBy','connections','gatewayManagerEtag','sharedKey','stats','type'} <= set(d['peerings'][0]) and 'peerASN' not in d['peerings'][0] and d['peerings'][0]['id']==d['id']+'/peerings/AzurePrivatePeering'" < "$T/show.json"
"$MSEE_CTL" --api "http://$API" --token "$TOKEN" -o table show --circuit er-ctl > "$T/show.txt"
check "-o table show prints az's automatic table (plain fields, no id/etag/type), not JSON" \
  bash -c "head -1 '$T/show.txt' | grep -Eq '^AllowClassicOperations +CircuitProvisioningState +GatewayManagerEtag +GlobalReachEnabled +Location +Name +ProvisioningState +ResourceGroup +ServiceKey +ServiceProviderProvisioningState +Stag$' && sed -n 3p '$T/show.txt' | grep -Eq '^False +Enabled +False +westeurope +er-ctl +Succeeded' && ! grep -q '{' '$T/show.txt'"
check "the MD5 key never appears in any output" bash -c "! grep -rq SecretKey44 '$T/show.json' '$T/rt.json' '$T/sum.json' && ! '$MSEE_CTL' --api http://$API --token $TOKEN -o json list | grep -q SecretKey44 && ! '$MSEE_CTL' --api http://$API --token $TOKEN -o json sessions | grep -q SecretKey44"
ctl sessions > "$T/sessions.json"
check "sessions: both MSEE sessions Established with hold 180" \
  jpy "sorted((s['path'], s['state'], s['holdTime']) for s in d['value']) == [('primary','Established',180),('secondary','Established',180)]" < "$T/sessions.json"
check "sessions: the prefix count each session accepted" \
  jpy "sorted((s['path'], s['prefixesReceived']) for s in d['value']) == [('primary',2),('secondary',2)]" < "$T/sessions.json"
"$MSEE_CTL" --api "http://$API" --token "$TOKEN" -o table list-route-tables --circuit er-ctl --peering-name AzurePrivatePeering --path primary > "$T/rt.txt"
check "table output has az's headers" bash -c "head -1 '$T/rt.txt' | grep -Eq '^Network +NextHop +LocPrf +Weight +Path$'"

# /metrics through the Prometheus text parser.
"$MSEE_CTL" --api "http://$API" --token "$TOKEN" metrics > "$T/metrics.txt"
check "/metrics parses with prometheus_client; BgpAvailability 100 for both MSEEs (R86)" /usr/bin/python3 - "$T/metrics.txt" <<'PY'
import sys
from prometheus_client.parser import text_string_to_metric_families
fams = {f.name: f for f in text_string_to_metric_families(open(sys.argv[1]).read())}
avail = {s.labels["peer"]: s.value for s in fams["BgpAvailability"].samples}
assert avail == {"primary": 100.0, "secondary": 100.0}, avail
acc = {s.labels["peer"]: s.value for s in fams["msee_bgp_prefixes_accepted"].samples}
assert acc == {"primary": 2.0, "secondary": 2.0}, acc
assert all("prefix" not in s.labels for f in fams.values() for s in f.samples)  # no per-prefix series
import time
info = fams["msee_build_info"].samples
assert len(info) == 1 and info[0].value == 1 and info[0].labels["version"].count(".") == 2, info
start = fams["process_start_time_seconds"].samples[0].value
up = fams["msee_uptime_seconds"].samples[0].value
assert 0 < up < 600 and abs(time.time() - up - start) < 5, (start, up)
last = {s.labels["peer"]: s.value for s in fams["msee_bgp_session_last_change_timestamp_seconds"].samples}
assert set(last) == {"primary", "secondary"} and all(start - 1 <= t <= time.time() + 1 for t in last.values()), last
PY

# Errors: the API's status codes and msee-ctl's exit codes.
rc_of() { "$@" > "$T/out.txt" 2> "$T/err.txt"; echo $?; }
check "unknown circuit: exit 1 and the API's message" \
  bash -c "[ \$('$MSEE_CTL' --api http://$API --token $TOKEN show --circuit nope > /dev/null 2> '$T/e1'; echo \$?) = 1 ] && grep -q \"no circuit named 'nope'\" '$T/e1'"
check "bad --path: exit 1 with a 400 message" \
  bash -c "[ \$('$MSEE_CTL' --api http://$API --token $TOKEN list-route-tables --circuit er-ctl --peering-name AzurePrivatePeering --path middle > /dev/null 2> '$T/e2'; echo \$?) = 1 ] && grep -q 'error 400' '$T/e2'"
check "missing option: usage error, exit 2" eq 2 rc_of "$MSEE_CTL" --api "http://$API" list-route-tables --circuit er-ctl
check "no API listening: exit 3" eq 3 rc_of "$MSEE_CTL" --api "http://$A.100:1" list
check "without the bearer token: 401" \
  bash -c "[ \$('$MSEE_CTL' --api http://$API list > /dev/null 2> '$T/e3'; echo \$?) = 1 ] && grep -q 'error 401' '$T/e3'"
http_status() {  # http_status METHOD PATH [TOKEN] -> status code, via the standard library
  /usr/bin/python3 - "$1" "$2" "${3:-}" <<PY
import sys, http.client
c = http.client.HTTPConnection("$A.100", 18179, timeout=5)
h = {"Authorization": "Bearer " + sys.argv[3]} if sys.argv[3] else {}
c.request(sys.argv[1], sys.argv[2], headers=h)
print(c.getresponse().status)
PY
}
check "POST: 405" eq 405 http_status POST /v1/circuits "$TOKEN"
check "unknown path: 404" eq 404 http_status GET /v2/nothing "$TOKEN"
check "bad percent-encoding: 400" eq 400 http_status GET "/v1/circuits/%zz" "$TOKEN"
raw_status() {  # raw_status BYTES_PYTHON_EXPR -> the status line's code for raw request bytes
  /usr/bin/python3 - <<PY
import socket
s = socket.create_connection(("$A.100", 18179), timeout=5)
s.sendall($1)
print(s.recv(4096).split(b" ")[1].decode())
PY
}
check "malformed HTTP: 400" eq 400 raw_status 'b"GARBAGE\r\n\r\n"'
check "a 100 KB request body: 413" eq 413 raw_status 'b"GET /v1/circuits HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + b"a" * 100000'
check "msee-emu survived the bad requests" it_pid_alive "$(it_pid_of msee)"

# health (the container image's HEALTHCHECK): the API answers and lists every session.
check "health: exit 0" eq 0 rc_of "$MSEE_CTL" --api "http://$API" --token "$TOKEN" -o json health
check "health: healthy, 2 sessions, both Established" \
  jpy "d == {'healthy': True, 'sessions': 2, 'established': 2, 'notEstablished': 0}" < "$T/out.txt"
check "health --established: exit 0 while both sessions are up" \
  eq 0 rc_of "$MSEE_CTL" --api "http://$API" --token "$TOKEN" health --established
check "health without the bearer token: unhealthy, exit 1" \
  eq 1 rc_of "$MSEE_CTL" --api "http://$API" health
check "health with no API listening: exit 3" eq 3 rc_of "$MSEE_CTL" --api "http://$A.100:1" health

# The CE goes away: statePfxRcd becomes the state name (R83).
it_stop ce
check_wait 10 "summary statePfxRcd shows the state name once the CE is gone (R83)" \
  bash -c "'$MSEE_CTL' --api http://$API --token $TOKEN -o json ${SUM[*]} | /usr/bin/python3 -c \"import json,sys; v=json.load(sys.stdin)['value'][0]['statePfxRcd']; sys.exit(v not in ('Idle','Connect','Active'))\""
check "health with the CE gone: still healthy (sessions known), exit 0" \
  eq 0 rc_of "$MSEE_CTL" --api "http://$API" --token "$TOKEN" health
check "health --established with the CE gone: exit 1" \
  eq 1 rc_of "$MSEE_CTL" --api "http://$API" --token "$TOKEN" health --established

# The event log: the newest events, filtered by type and session, paged back with --before.
downs() {
  ctl events --type session-down --last 50 > "$T/evdown.json" &&
    [ "$(ev_count "$T/evdown.json" "e['event']=='session-down'")" = 2 ] &&
    [ "$(wc -l < "$T/evdown.json")" = 2 ] &&
    ev_has "$T/evdown.json" "e['peer']=='er-ctl/AzurePrivatePeering/secondary'"
}
check_wait 10 "events --type session-down: both sessions' drops and nothing else" downs
ctl events --last 3 > "$T/ev3.json"
ctl events --last 100000 > "$T/evall.json"
check "events --last 3: the newest three, oldest first" \
  /usr/bin/python3 -c "import json,sys; a=[json.loads(l) for l in open('$T/evall.json')]; b=[json.loads(l) for l in open('$T/ev3.json')]; sys.exit(not (len(b)==3 and [e['seq'] for e in b]==[e['seq'] for e in a[-3:]] and b[0]['seq']<b[2]['seq']))"
first=$(/usr/bin/python3 -c "import json; print(json.loads(open('$T/ev3.json').readline())['seq'])")
ctl events --last 2 --before "$first" > "$T/evprev.json"
check "events --before SEQ pages back to the two events before it" \
  /usr/bin/python3 -c "import json,sys; b=[json.loads(l)['seq'] for l in open('$T/evprev.json')]; a=[json.loads(l)['seq'] for l in open('$T/evall.json')]; i=a.index($first); sys.exit(b != a[i-2:i])"
ctl events --peer er-ctl/AzurePrivatePeering/secondary --last 1000 > "$T/evpeer.json"
check "events --peer: only that session's" \
  bash -c "[ -s '$T/evpeer.json' ] && [ \"\$(grep -vc '\"peer\":\"er-ctl/AzurePrivatePeering/secondary\"' '$T/evpeer.json')\" = 0 ]"

# The CE comes back with the wrong MD5 password: the kernel drops its segments silently, so
# the diagnosis (from the kernel's TCPMD5Failure counter, at the next ConnectRetry expiry,
# at most 30 s) must show in the session's lastError, the first place an operator looks.
sed 's/SecretKey44/WrongKey99/' "$T/bgpd.conf" > "$T/bgpd-wrong.conf"
check "the CE's config now has the wrong key" grep -q WrongKey99 "$T/bgpd-wrong.conf"
start_frr ce_wrong "$T/bgpd-wrong.conf" 179 $A.1 $A.5
check_wait 45 "sessions: lastError names the MD5 mismatch" \
  bash -c "'$MSEE_CTL' --api http://$API --token $TOKEN -o json sessions | /usr/bin/python3 -c \"import json,sys; v=json.load(sys.stdin)['value']; sys.exit(not any('MD5' in s.get('lastError','') for s in v))\""
it_finish
