"""Unit tests of the lab's data plane layout (src/lab/msee_lab/dataplane.py): names, tables,
addresses, pairs and ifLinks computed from a plan — no namespaces.
Run: PYTHONPATH=src/lab python3 -m unittest discover -s tests/lab"""
import unittest

from msee_lab import dataplane as dp


def session(c, pt, path, fam, vlan, public=()):
    name = f"c{c}/{pt}/{path}" + ("/ipv6" if fam == "ipv6" else "")
    return {"name": name, "circuit": f"c{c}", "circuitIndex": c, "peeringType": pt,
            "path": path, "family": fam, "vlanId": vlan, "enabled": True,
            "advertisedPublicPrefixes": list(public)}


PLAN = {
    "sessions": [session(0, "AzurePrivatePeering", p, f, 100) for p in ("primary", "secondary")
                 for f in ("ipv4", "ipv6")] +
                [session(0, "MicrosoftPeering", p, "ipv4", 300, ["198.51.100.0/24"])
                 for p in ("primary", "secondary")],
    "advertisements": [
        {"prefix": "10.1.0.0/16", "origin": "vnet hub", "to": ["c0/AzurePrivatePeering/primary"]},
        {"prefix": "fd10:10::/48", "origin": "vnet hub",
         "to": ["c0/AzurePrivatePeering/primary/ipv6"]},
        {"prefix": "20.2.0.0/16", "origin": "catalogue", "to": ["c0/MicrosoftPeering/primary"]},
        {"prefix": "1.2.3.4/32", "origin": "catalogue", "to": ["c0/MicrosoftPeering/primary"]},
    ],
}
TOPO = {"netns": {"ce": "l-ce", "er": "l-er", "sw": "l-sw"},
        "interfaces": {s["name"]: {"ce": f"ce0p{1 if s['path'] == 'primary' else 2}v{s['vlanId']}",
                                   "er": f"er0p{1 if s['path'] == 'primary' else 2}v{s['vlanId']}"}
                       for s in PLAN["sessions"]}}
OPTS = {"cePrefixes": ["10.50.0.0/16", "fdbb:50::/48"]}


class Layout(unittest.TestCase):
    def setUp(self):
        self.lay = dp.layout("l", PLAN, TOPO, OPTS, {"circuits": [
            {"name": "c0", "serviceProviderProperties": {"bandwidthInMbps": 200}}]})

    def test_addresses(self):
        self.assertEqual(dp.vm_address("10.1.0.0/16"), "10.1.0.4")
        self.assertEqual(dp.vm_address("fd10:10::/48"), "fd10:10::4")
        self.assertEqual(dp.service_address("20.2.0.0/16"), "20.2.0.1")
        self.assertEqual(dp.service_address("1.2.3.4/32"), "1.2.3.4")
        self.assertEqual(dp.first_host("10.50.0.0/16"), "10.50.0.1")
        self.assertEqual(dp.gw_addrs(3, 2), {"er4": "169.254.3.5", "az4": "169.254.3.6",
                                             "er6": "fdbb:a2:3:2::1", "az6": "fdbb:a2:3:2::2"})

    def test_tables(self):
        s = PLAN["sessions"][0]
        self.assertEqual(dp.peering_table(s), 1001)
        self.assertEqual(dp.peering_table(dict(s, table=4242)), 4242)
        self.assertEqual(dp.link_table(1, 2, "AzurePrivatePeering"), 2012)
        self.assertEqual(dp.link_table(1, 2, "MicrosoftPeering"), 2014)

    def test_circuit(self):
        cc = self.lay["circuits"][0]
        self.assertEqual(cc["azNetns"], "l-az0")
        self.assertEqual(cc["bandwidthInMbps"], 200)
        self.assertEqual(sorted(cc["links"]), [1, 2])
        self.assertEqual(cc["links"][1]["erDevs"], ["er0p1v100", "er0p1v300"])
        self.assertEqual([a["address"] for a in cc["azure"]],
                         ["10.1.0.4", "fd10:10::4", "20.2.0.1", "1.2.3.4"])

    def test_pairs_and_iflinks(self):
        self.assertEqual([(p["peeringType"][:5], p["family"], p["ceHost"], p["vm"])
                          for p in self.lay["pairs"]],
                         [("Azure", "ipv4", "10.50.0.1", "10.1.0.4"),
                          ("Azure", "ipv6", "fdbb:50::1", "fd10:10::4"),
                          ("Micro", "ipv4", "198.51.100.1", "20.2.0.1")])
        self.assertEqual(self.lay["ifLinks"]["l-az0/az0p2"], {"circuit": "c0", "path": "secondary"})
        self.assertEqual(self.lay["ifLinks"]["l-ce/ce0p1v300"], {"circuit": "c0", "path": "primary"})
        self.assertEqual(len(self.lay["ifLinks"]), 6)

    def test_gateways_and_defaults(self):
        self.assertEqual(dp.gateways(PLAN), {"c0/primary": "gw0p1", "c0/secondary": "gw0p2"})
        self.assertEqual(dp.bandwidth_of(PLAN["sessions"][0], {}), 50)
        self.assertEqual(dp.bandwidth_of(dict(PLAN["sessions"][0], bandwidthInMbps=77), {}), 77)
        self.assertEqual(dp.az_namespaces("l", {"l-az0", "l-az12", "l-ce", "lx-az0"}),
                         ["l-az0", "l-az12"])


if __name__ == "__main__":
    unittest.main()
