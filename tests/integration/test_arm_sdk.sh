#!/usr/bin/env bash
# test_arm_sdk.sh — issue #17: Azure's own Python SDK (Debian's python3-azure) against msee-emu's
# ARM endpoint, with an FRR CE on loopback (127.71.x): ClientSecretCredential logs in to the
# emulator's ADFS-style authority, NetworkManagementClient shows the circuit, lists both route
# tables, the summary and ARP (202 + Location polled, and 200 at once), disables and re-enables
# the peering (PUT); arm_sdk.py compares every value with msee-ctl's. Then the endpoint's own
# answers with raw HTTPS requests: the token checks (missing, bad signature, expired, wrong
# audience → 401 with ARM's codes), unknown resources (404 with ARM's codes), a client secret
# that is wrong (invalid_client), a PUT that Azure's rules refuse; and the circuit link
# failover test of api-version 2025-07-01 (arm_failover.py), which Debian's clients predate.
set -u
source "$(dirname "$0")/lib.sh"
it_need /usr/lib/frr/bgpd vtysh ss
/usr/bin/python3 -c "import azure.mgmt.network, azure.identity" 2>/dev/null ||
  skip "python3-azure is not installed (scripts/install-deps.sh --with-test-peers)"
it_init arm_sdk
[ -x "${MSEE_CTL:-}" ] || MSEE_CTL=$(dirname "$MSEE_EMU")/msee-ctl
A=127.71.0
API=$A.100:18171
ARM=$A.100:18443
SUB=7e57a2b0-0000-4000-8000-000000000071
RG=rg-arm-sdk
it_require_ports "$A.2 179" "$A.6 179" "$A.1 179" "$A.5 179" "$A.100 18171" "$A.100 18443"

itconf circuit "$T/c.json" er-arm --private $A --service-key 00000000-0000-4000-8000-000000000071 \
  --vnet "hub westeurope 10.1.0.0/16"
# The circuit's ARM identity, as a pasted circuit carries it.
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
check_wait 30 "FRR session to the primary MSEE Established" frr_established ce $A.2
check_wait 30 "FRR session to the secondary MSEE Established" frr_established ce $A.6
check "the state directory holds the CA, the signing key and a 0600 client secret" \
  bash -c "[ -s '$T/state/ca.pem' ] && [ -s '$T/state/token-signing-key.pem' ] && [ \$(stat -c %a '$T/state/client-secret') = 600 ]"
it_wait 10 bash -c "'$MSEE_CTL' --api http://$API -o json list-route-tables --circuit er-arm --peering-name AzurePrivatePeering --path secondary | grep -q 10.51.0.0/24"

export REQUESTS_CA_BUNDLE=$T/state/ca.pem MSEE_CTL MSEE_API=http://$API
t0=$(it_now_ms)
check "azure.mgmt.network against the ARM endpoint: show, route tables, summary, ARP, PUT peering (arm_sdk.py)" \
  /usr/bin/python3 "$IT_LIB_DIR/arm_sdk.py" "https://$ARM" "$T/state" "$SUB" "$RG" er-arm
it_log "the SDK checks took $(( $(it_now_ms) - t0 )) ms"

# Raw HTTPS: the token checks and ARM's error codes.
check "tokens and errors: 401 for missing/bad/expired/wrong-audience tokens, 404 codes, invalid_client" \
  /usr/bin/python3 "$IT_LIB_DIR/arm_raw.py" "https://$ARM" "$T/state" "$SUB" "$RG" er-arm

# The circuit link failover test (api-version 2025-07-01): raw requests from the spec's examples.
check "startCircuitLinkFailoverTest / stop / details over the emulator's failover test (arm_failover.py)" \
  /usr/bin/python3 "$IT_LIB_DIR/arm_failover.py" "https://$ARM" "$T/state" "$SUB" "$RG" er-arm

it_finish
