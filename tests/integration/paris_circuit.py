#!/usr/bin/env python3
"""paris_circuit.py SRC DST [--link-from CIRCUIT] - config/global-reach.json plus a third
circuit, er-paris (a copy of er-london: AS 65003, 192.168.30.0/30 and .4/30, loopback
127.2.2.0/30 and .4/30, VNet 10.3.0.0/16), optionally linked by Global Reach to CIRCUIT.
Used by test_msee_global_reach.sh and test_lab_global_reach.sh (hub)."""
import argparse
import copy
import json

ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ap.add_argument("src")
ap.add_argument("dst")
ap.add_argument("--link-from", help="a circuit to link to er-paris by Global Reach")
a = ap.parse_args()
cfg = json.load(open(a.src))
paris = copy.deepcopy(next(c for c in cfg["circuits"] if c["name"] == "er-london"))
paris["name"] = "er-paris"
paris["serviceProviderProperties"]["peeringLocation"] = "Paris"
paris.pop("globalReach", None)
pp = paris["peerings"][0]
pp.update(peerASN=65003, primaryPeerAddressPrefix="192.168.30.0/30",
          secondaryPeerAddressPrefix="192.168.30.4/30")
pp.pop("ipv6PeeringConfig", None)
pp["emulation"]["loopback"] = {"primaryPeerAddressPrefix": "127.2.2.0/30",
                               "secondaryPeerAddressPrefix": "127.2.2.4/30"}
paris["vnets"] = [{"name": "frc-hub", "region": "francecentral", "addressPrefixes": ["10.3.0.0/16"]}]
cfg["circuits"].append(paris)
if a.link_from:
    hub = next(c for c in cfg["circuits"] if c["name"] == a.link_from)
    hub.setdefault("globalReach", []).append({"peerCircuit": "er-paris",
                                              "addressPrefix": "192.168.250.8/29"})
json.dump(cfg, open(a.dst, "w"), indent=1)
