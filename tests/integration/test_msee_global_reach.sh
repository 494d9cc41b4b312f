#!/usr/bin/env bash
# test_msee_global_reach.sh — the bundled config/global-reach.json (two Standard circuits,
# Amsterdam and London, linked by Global Reach) on loopback, one FRR bgpd per site as CE, plus a
# third circuit (Paris, not linked) whose CE announces London's prefix with a shorter AS path:
# each circuit's peering has its own table (issue #13), so Amsterdam still gets London's route
# (with one shared table Paris's path would be the best one and nothing would go to Amsterdam).
# Proves from each CE's JSON: each site gets the other site's on-premises prefixes through
# both of its MSEEs (R74), with AS path 12076 when the remote path is all private and the
# remote path kept when it holds a public ASN (R23, Q5); a site gets only its own circuit's
# VNets; customer routes are never reflected back to the circuit they came from (R43). Then a
# reload links Amsterdam and Paris, which run on different protocol threads (--threads 2):
# the routes cross threads by message both ways, changes follow, and unlinking takes them out.
set -u
source "$(dirname "$0")/lib.sh"
it_need /usr/lib/frr/bgpd vtysh ss
it_init msee_global_reach
A=127.2.0; B=127.2.1
C=127.2.2
it_require_ports "$A.2 179" "$A.6 179" "$B.2 179" "$B.6 179" "$A.1 179" "$A.5 179" "$B.1 179" "$B.5 179" \
  "$C.1 179" "$C.5 179" "$C.2 179" "$C.6 179"

GR=$T/three-circuits.json
"$IT_PY" "$IT_LIB_DIR/paris_circuit.py" "$MSEE_SOURCE_DIR/config/global-reach.json" "$GR"
# Each site's CE is the lab's FRR CE for its circuit; the second prefix leaves through a transit
# AS (a public ASN in the path, which Global Reach must keep).
site_conf() {  # site_conf CIRCUIT DIR ASN PREFIX TRANSIT_PREFIX
  itconf frr "$GR" --circuit "$1" --dir "$2" --prefixes "$4,$5" --append - <<CONF
route-map VIA_TRANSIT permit 10
 set as-path prepend 3320
router bgp $3
 address-family ipv4 unicast
  network $5 route-map VIA_TRANSIT
CONF
}
site_conf er-amsterdam "$T/site-a" 65001 10.50.0.0/16 10.51.0.0/16 > "$T/a.conf"
# London's 10.60.0.0/16 leaves with a longer AS path than Paris's copy of it.
site_conf er-london "$T/site-b" 65002 10.60.0.0/16 10.61.0.0/16 > "$T/b.conf"
cat >> "$T/b.conf" <<CONF
route-map LONGER permit 10
 set as-path prepend 65002 65002
router bgp 65002
 address-family ipv4 unicast
  network 10.60.0.0/16 route-map LONGER
CONF
itconf frr "$GR" --circuit er-paris --dir "$T/site-c" --prefixes 10.60.0.0/16 > "$T/c.conf"

# Two protocol threads: Amsterdam and London (linked) share one, Paris has the other.
start_msee msee "$GR" --threads 2
start_frr site-a "$T/a.conf" 179 $A.1 $A.5
start_frr site-b "$T/b.conf" 179 $B.1 $B.5
start_frr site-c "$T/c.conf" 179 $C.1 $C.5
for n in $A.2 $A.6; do check_wait 30 "site A session to MSEE $n Established" frr_established site-a $n; done
for n in $B.2 $B.6; do check_wait 30 "site B session to MSEE $n Established" frr_established site-b $n; done
for n in $C.2 $C.6; do check_wait 30 "site C session to MSEE $n Established" frr_established site-c $n; done

paths() {  # paths SITE PREFIX -> sorted "nexthop:aspath" of the paths learned from MSEEs
  frr_ "$1" "show bgp ipv4 unicast $2 json" | jpy "' '.join(sorted('%s:%s' % (p['nexthops'][0]['ip'], p['aspath']['string']) for p in d.get('paths', []) if p['nexthops'][0]['ip'] != '0.0.0.0'))"
}
check_wait 15 "site C (not linked) has its own VNet 10.3.0.0/16 only" it_wait_eq 1 "$C.2:12076 $C.6:12076" paths site-c 10.3.0.0/16
check_wait 15 "site A gets site B's 10.60.0.0/16 via both its MSEEs, path 12076, although site C's copy of it is shorter (one table per circuit; R74, R23)" \
  it_wait_eq 1 "$A.2:12076 $A.6:12076" paths site-a 10.60.0.0/16
check_wait 15 "site B gets site A's 10.50.0.0/16 via both its MSEEs, path 12076" \
  it_wait_eq 1 "$B.2:12076 $B.6:12076" paths site-b 10.50.0.0/16
check_wait 15 "a path with a public ASN keeps its private members: 12076 65002 3320 (R23, Q5)" \
  it_wait_eq 1 "$A.2:12076 65002 3320 $A.6:12076 65002 3320" paths site-a 10.61.0.0/16
check_wait 5 "site A has its own VNet 10.1.0.0/16" it_wait_eq 1 "$A.2:12076 $A.6:12076" paths site-a 10.1.0.0/16
check "site A does not get circuit B's VNet 10.2.0.0/16 (Global Reach carries on-premises routes)" \
  eq "" paths site-a 10.2.0.0/16
check "site A's own prefix is not reflected back to it (R43)" eq "" paths site-a 10.50.0.0/16
pfx() { frr_ "$1" "show bgp ipv4 unicast summary json" | jpy "d['peers']['$2']['pfxRcd']"; }
check "site A receives exactly: 1 VNet + 2 site-B prefixes per MSEE" eq 3 pfx site-a $A.2
check "site C receives exactly its VNet: nothing from A or B, its 10.60.0.0/16 not reflected (R43, R74)" \
  eq "1 1" echo "$(pfx site-c $C.2) $(pfx site-c $C.6)"

# Withdrawal crosses Global Reach too.
frr_ site-b "configure terminal" "router bgp 65002" "address-family ipv4 unicast" "no network 10.60.0.0/16" >/dev/null
check_wait 10 "site B withdraws 10.60.0.0/16: gone at site A" it_wait_eq 1 "" paths site-a 10.60.0.0/16

# A Global Reach link added by a reload between circuits on different protocol threads
# (Amsterdam's and Paris's): the routes cross threads by message (issue #15), both ways.
"$IT_PY" - "$T/msee/config.json" <<'PY'
import json, sys
cfg = json.load(open(sys.argv[1]))
ams = next(c for c in cfg["circuits"] if c["name"] == "er-amsterdam")
ams["globalReach"].append({"peerCircuit": "er-paris", "addressPrefix": "192.168.250.8/29"})
json.dump(cfg, open(sys.argv[1], "w"), indent=1)
PY
kill -HUP "$(it_pid_of msee)"
check_wait 15 "reload links Amsterdam and Paris: site C gets site A's 10.50.0.0/16 via both MSEEs (R74)" \
  it_wait_eq 1 "$C.2:12076 $C.6:12076" paths site-c 10.50.0.0/16
check_wait 10 "site A's public-ASN path reaches site C too: 12076 65001 3320 (R23)" \
  it_wait_eq 1 "$C.2:12076 65001 3320 $C.6:12076 65001 3320" paths site-c 10.51.0.0/16
check_wait 10 "site A gets site C's 10.60.0.0/16 via both MSEEs (site B withdrew its copy)" \
  it_wait_eq 1 "$A.2:12076 $A.6:12076" paths site-a 10.60.0.0/16
check "the links crossed threads: msee-emu relays Amsterdam's and Paris's sessions" \
  eq 4 grep -c "Global Reach: er-\(amsterdam\|paris\)/AzurePrivatePeering/.* relayed from protocol thread" "$T/msee/stderr.log"
frr_ site-a "configure terminal" "router bgp 65001" "address-family ipv4 unicast" "no network 10.50.0.0/16" >/dev/null
check_wait 10 "site A withdraws 10.50.0.0/16: gone at site C (a change relayed)" \
  it_wait_eq 1 "" paths site-c 10.50.0.0/16
# The link removed again: Paris's CE is back to its own VNet only.
"$IT_PY" - "$T/msee/config.json" <<'PY'
import json, sys
cfg = json.load(open(sys.argv[1]))
ams = next(c for c in cfg["circuits"] if c["name"] == "er-amsterdam")
ams["globalReach"] = [g for g in ams["globalReach"] if g["peerCircuit"] != "er-paris"]
json.dump(cfg, open(sys.argv[1], "w"), indent=1)
PY
kill -HUP "$(it_pid_of msee)"
check_wait 15 "reload unlinks them: site C gets nothing of site A's any more" \
  it_wait_eq 1 "" paths site-c 10.51.0.0/16
pfx_c() { echo "$(pfx site-c $C.2) $(pfx site-c $C.6)"; }
check_wait 10 "site C receives exactly its VNet again" it_wait_eq 1 "1 1" pfx_c
it_finish
