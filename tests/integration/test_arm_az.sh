#!/usr/bin/env bash
# test_arm_az.sh — issue #17: Debian's azure-cli (az 2.45) against msee-emu's ARM endpoint, with
# an FRR CE on loopback (127.72.x), in a throwaway AZURE_CONFIG_DIR: `az cloud register` with
# only the resource-manager endpoint (az reads the rest from its metadata endpoint: the /adfs
# authority, so MSAL needs no instance discovery), `az login --service-principal`, then `az
# network express-route show`, `list-route-tables`, `list-route-tables-summary`,
# `list-arp-tables` and `peering update --set state=Disabled`; every answer compared with
# msee-ctl's. az starts slowly (~2-4 s a command), so the test runs each command once.
set -u
source "$(dirname "$0")/lib.sh"
it_need /usr/lib/frr/bgpd vtysh ss az
it_init arm_az
[ -x "${MSEE_CTL:-}" ] || MSEE_CTL=$(dirname "$MSEE_EMU")/msee-ctl
A=127.72.0
API=$A.100:18172
ARM=$A.100:18444
SUB=7e57a2b0-0000-4000-8000-000000000072
RG=rg-arm-az
C=er-az
P=AzurePrivatePeering
it_require_ports "$A.2 179" "$A.6 179" "$A.1 179" "$A.5 179" "$A.100 18172" "$A.100 18444"

itconf circuit "$T/c.json" $C --private $A --service-key 00000000-0000-4000-8000-000000000072 \
  --vnet "hub westeurope 10.1.0.0/16"
/usr/bin/python3 - "$T/c.json" "$SUB" "$RG" <<'PY'
import json, sys
f, sub, rg = sys.argv[1:]
d = json.load(open(f))
c = d["circuits"][0]
c["id"] = f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/expressRouteCircuits/{c['name']}"
json.dump(d, open(f, "w"), indent=2)
PY
itconf frr "$T/c.json" --dir "$T/ce" --prefixes 10.50.0.0/16,10.51.0.0/24 > "$T/bgpd.conf"
start_msee msee "$T/c.json" --api "$API" --arm "$ARM" --state-dir "$T/state"
start_frr ce "$T/bgpd.conf" 179 $A.1 $A.5
check_wait 30 "FRR sessions to both MSEEs Established" \
  bash -c "vtysh --vty_socket '$T/ce' -c 'show bgp ipv4 unicast summary json' | grep -c '\"state\":\"Established\"' | grep -qx 2"
ctl() { "$MSEE_CTL" --api "http://$API" -o json "$@"; }
it_wait 10 bash -c "'$MSEE_CTL' --api http://$API -o json list-route-tables --circuit $C --peering-name $P --path primary | grep -q 10.51.0.0/24"

export AZURE_CONFIG_DIR=$T/az REQUESTS_CA_BUNDLE=$T/state/ca.pem
# Debian's az 2.45 cannot load its network module with Debian's python3-azure (any cloud, Azure
# too): az_shim/sitecustomize.py aliases the SDK folder it looks for (see that file).
export PYTHONPATH=$IT_LIB_DIR/az_shim${PYTHONPATH:+:$PYTHONPATH}
export AZURE_CORE_COLLECT_TELEMETRY=false AZURE_CORE_NO_COLOR=true AZURE_CORE_ONLY_SHOW_ERRORS=true
t0=$(it_now_ms)
config_sum=$(sha256sum < "$T/msee/config.json")
azr() {  # azr NAME ARGS... : az's stdout in $T/NAME.json, stderr in $T/NAME.err
  local name=$1; shift
  az "$@" > "$T/$name.json" 2> "$T/$name.err"
  local rc=$?
  [ $rc = 0 ] || { echo "    az $* -> exit $rc"; tail -5 "$T/$name.err" | sed 's/^/    /'; }
  return $rc
}
check "az cloud register --endpoint-resource-manager https://$ARM (the rest from its metadata)" \
  azr register cloud register -n msee-emu --endpoint-resource-manager "https://$ARM"
check "az cloud set" azr cloudset cloud set -n msee-emu
check "az login --service-principal to the emulator's /adfs authority" \
  azr login login --service-principal -u msee-emu -p "$(cat "$T/state/client-secret")" --tenant adfs
check "az login lists the circuit's subscription" \
  jpy "[s['id'] for s in d] == ['$SUB'] and d[0]['user']['type'] == 'servicePrincipal'" < "$T/login.json"

check "az network express-route show" azr show network express-route show -g $RG -n $C
ctl show --circuit $C > "$T/ctl-show.json"
check "show: the same circuit msee-ctl shows (id, etag, serviceKey, sku, stag, peering's ASNs, VLAN, /30s)" \
  /usr/bin/python3 - "$T/show.json" "$T/ctl-show.json" <<'PY'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
keys = ["id", "name", "etag", "serviceKey", "sku", "stag", "location", "provisioningState"]
pk = ["name", "peerAsn", "azureAsn", "vlanId", "primaryPeerAddressPrefix",
      "secondaryPeerAddressPrefix", "state", "peeringType"]
# Values, not spellings: az 2.45's AAZ commands print the REST spec's peerASN/azureASN, msee-ctl
# prints what the SDK-based az printed (peerAsn/azureAsn).
get = lambda p, k: p[k] if k in p else p[k.replace("Asn", "ASN")]
ok = [a[k] for k in keys] == [b[k] for k in keys] and \
     [get(a["peerings"][0], k) for k in pk] == [get(b["peerings"][0], k) for k in pk]
if not ok:
    print({k: (a.get(k), b.get(k)) for k in keys}, a["peerings"][0], b["peerings"][0])
sys.exit(0 if ok else 1)
PY

same_rows() {  # same_rows AZ_FILE CTL_FILE : the same rows, field by field
  /usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
rows = lambda d: d["value"] if isinstance(d, dict) else d
key = lambda r: json.dumps(r, sort_keys=True)
x, y = sorted(map(key, rows(a))), sorted(map(key, rows(b)))
if x != y or not x:
    print("    az:      ", x, "\n    msee-ctl:", y)
sys.exit(0 if x == y and x else 1)
PY
}
check "az network express-route list-route-tables --path primary" \
  azr rt network express-route list-route-tables -g $RG -n $C --peering-name $P --path primary
ctl list-route-tables --circuit $C --peering-name $P --path primary > "$T/ctl-rt.json"
check "list-route-tables: the rows msee-ctl prints" same_rows "$T/rt.json" "$T/ctl-rt.json"
check "az network express-route list-route-tables-summary --path secondary" \
  azr sum network express-route list-route-tables-summary -g $RG -n $C --peering-name $P --path secondary
ctl list-route-tables-summary --circuit $C --peering-name $P --path secondary > "$T/ctl-sum.json"
check "list-route-tables-summary: neighbour, AS, statePfxRcd as msee-ctl prints them" \
  /usr/bin/python3 - "$T/sum.json" "$T/ctl-sum.json" <<'PY'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
rows = lambda d: d["value"] if isinstance(d, dict) else d
pick = lambda d: [(r["neighbor"], r["as"], r["statePfxRcd"], r["v"]) for r in rows(d)]
print("    az:", pick(a), "msee-ctl:", pick(b)) if pick(a) != pick(b) else None
sys.exit(0 if pick(a) == pick(b) and pick(a) else 1)
PY
check "az network express-route list-arp-tables --path primary" \
  azr arp network express-route list-arp-tables -g $RG -n $C --peering-name $P --path primary
ctl list-arp-tables --circuit $C --peering-name $P --path primary > "$T/ctl-arp.json"
check "list-arp-tables: the rows msee-ctl prints" same_rows "$T/arp.json" "$T/ctl-arp.json"

check "az network express-route peering update --set state=Disabled" \
  azr upd network express-route peering update -g $RG --circuit-name $C -n $P --set state=Disabled
check "peering update: az prints the peering Disabled and Succeeded" \
  jpy "d['state'] == 'Disabled' and d['provisioningState'] == 'Succeeded'" < "$T/upd.json"
check "msee-ctl sees the peering Disabled and both sessions administratively down" \
  bash -c "'$MSEE_CTL' --api http://$API -o json show --circuit $C | grep -q '\"state\": \"Disabled\"' &&
           [ \$('$MSEE_CTL' --api http://$API -o json sessions | grep -c '\"adminState\": \"Down\"') = 2 ]"
it_log "the az commands took $(( $(it_now_ms) - t0 )) ms"
check "the config file was not rewritten (a restart returns to it)" \
  eq "$config_sum" sha256sum < "$T/msee/config.json"

it_finish
