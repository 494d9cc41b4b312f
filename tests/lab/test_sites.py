"""Unit tests of one CE per circuit (src/lab/msee_lab/sites.py, and what topology.py and
dataplane.py make of it): the choice, the prefixes per site, the plan each site's CE gets, the
namespaces, and the data plane's CE hosts, pairs and ifLinks per site — no namespaces.
Run: PYTHONPATH=src/lab python3 -m unittest discover -s tests/lab"""
import unittest

from msee_lab import dataplane as dp
from msee_lab import sites, topology
from msee_lab.util import LabError

NAMES = ("er-ams", "er-lon")


def session(c, path):
    return {"name": f"{NAMES[c]}/AzurePrivatePeering/{path}", "circuit": NAMES[c],
            "circuitIndex": c, "peeringType": "AzurePrivatePeering", "path": path,
            "family": "ipv4", "vlanId": 100, "enabled": True, "advertisedPublicPrefixes": []}


PLAN = {"sessions": [session(c, p) for c in (0, 1) for p in ("primary", "secondary")],
        "advertisements": [
            {"prefix": "10.1.0.0/16", "to": [f"er-ams/AzurePrivatePeering/{p}"
                                             for p in ("primary", "secondary")]},
            {"prefix": "10.2.0.0/16", "to": [f"er-lon/AzurePrivatePeering/{p}"
                                             for p in ("primary", "secondary")]}]}
GR = {"circuits": [{"name": "er-ams", "globalReach": [{"peerCircuit": "er-lon"}]},
                   {"name": "er-lon"}]}
OPTS = {"cePrefixes": sites.DEFAULT_PREFIXES.split(","), "dataplane": True}


def topo(per_circuit):
    t = {"netns": topology.ns_names("l"),
         "interfaces": {s["name"]: {"ce": f"ce{s['circuitIndex']}p{1 if s['path'] == 'primary' else 2}v100",
                                    "er": f"er{s['circuitIndex']}p{1 if s['path'] == 'primary' else 2}v100"}
                        for s in PLAN["sessions"]}}
    if per_circuit:
        t["ceNetns"] = {"0": "l-ce", "1": "l-ce1"}
    return t


class Choice(unittest.TestCase):
    def test_global_reach_decides_unless_told(self):
        self.assertTrue(sites.linked_by_global_reach(GR))
        self.assertFalse(sites.linked_by_global_reach({"circuits": [{"globalReach": []}]}))
        self.assertEqual(sites.decide(None, GR, PLAN, {})[0], True)
        self.assertEqual(sites.decide(False, GR, PLAN, {}), (False, "--one-ce"))
        self.assertEqual(sites.decide(None, {"circuits": []}, PLAN, {})[0], False)
        self.assertEqual(sites.decide(True, {}, PLAN, {}), (True, "--ce-per-circuit"))
        one = dict(PLAN, sessions=PLAN["sessions"][:2])
        self.assertEqual(sites.decide(True, GR, one, {})[0], False)   # one circuit: one CE

    def test_per_circuit_prefixes_need_sites(self):
        with self.assertRaises(LabError):
            sites.decide(False, GR, PLAN, {"er-lon": ["10.60.0.0/16"]})
        with self.assertRaises(LabError):
            sites.decide(True, GR, dict(PLAN, sessions=PLAN["sessions"][:2]),
                         {"er-ams": ["10.60.0.0/16"]})


class Prefixes(unittest.TestCase):
    def test_parse(self):
        self.assertEqual(sites.parse_prefixes(None), (None, {}))
        self.assertEqual(sites.parse_prefixes(["10.50.0.0/16,fdbb:50::/48"]),
                         (["10.50.0.0/16", "fdbb:50::/48"], {}))
        self.assertEqual(sites.parse_prefixes(["er-lon=10.70.0.0/16,fdbb:70::/48", "1=10.8.0.0/16"]),
                         (None, {"er-lon": ["10.70.0.0/16", "fdbb:70::/48"],
                                 "1": ["10.8.0.0/16"]}))
        with self.assertRaises(LabError):
            sites.parse_prefixes(["er-lon=10.70.0.0/33"])

    def test_defaults_differ_per_site(self):
        self.assertEqual(sites.default_prefixes(0), ["10.50.0.0/16", "fdbb:50::/48"])
        self.assertEqual(sites.default_prefixes(1), ["10.60.0.0/16", "fdbb:60::/48"])
        self.assertEqual(sites.default_prefixes(20), ["10.250.0.0/16", "fdbb:250::/48"])
        with self.assertRaises(LabError):
            sites.default_prefixes(21)

    def test_make(self):
        ss = sites.make(PLAN, OPTS, None, {}, lambda c: topology.ce_netns("l", c))
        self.assertEqual([(s["circuit"], s["netns"], s["dir"], s["ceOptions"]["cePrefixes"])
                          for s in ss],
                         [("er-ams", "l-ce", "ce", ["10.50.0.0/16", "fdbb:50::/48"]),
                          ("er-lon", "l-ce1", "ce1", ["10.60.0.0/16", "fdbb:60::/48"])])
        ss = sites.make(PLAN, OPTS, ["10.5.0.0/16"], {"er-lon": ["10.70.0.0/16"]},
                        lambda c: f"n{c}")
        self.assertEqual([s["ceOptions"]["cePrefixes"] for s in ss],
                         [["10.5.0.0/16"], ["10.70.0.0/16"]])
        self.assertTrue(ss[0]["ceOptions"]["dataplane"])
        with self.assertRaises(LabError):
            sites.make(PLAN, OPTS, None, {"er-par": ["10.70.0.0/16"]}, str)


class Lookup(unittest.TestCase):
    def setUp(self):
        self.state = {"name": "l", "plan": PLAN, "netns": topology.ns_names("l"),
                      "sites": sites.make(PLAN, OPTS, None, {},
                                          lambda c: topology.ce_netns("l", c))}

    def test_site_plan(self):
        p = sites.site_plan(PLAN, 1)
        self.assertEqual({s["circuit"] for s in p["sessions"]}, {"er-lon"})
        self.assertEqual([a["prefix"] for a in p["advertisements"]], ["10.2.0.0/16"])

    def test_site_of_and_shell(self):
        self.assertEqual(sites.site_of(self.state)["circuit"], "er-ams")
        self.assertEqual(sites.site_of(self.state, "er-lon")["netns"], "l-ce1")
        self.assertEqual(sites.site_of(self.state, "1")["netns"], "l-ce1")
        self.assertIsNone(sites.site_of({"plan": PLAN}, "er-lon"))
        self.assertEqual(sites.shell_target(self.state, "ce")["netns"], "l-ce")
        self.assertEqual(sites.shell_target(self.state, "ce1")["netns"], "l-ce1")
        self.assertEqual(sites.shell_target(self.state, "ce:er-lon")["netns"], "l-ce1")
        with self.assertRaises(LabError):
            sites.shell_target(self.state, "ce7")
        single = dict(self.state, sites=None)
        self.assertIsNone(sites.shell_target(single, "ce"))
        with self.assertRaises(LabError):
            sites.shell_target(single, "ce1")
        self.assertEqual(sites.ce_namespaces(self.state), {0: "l-ce", 1: "l-ce1"})
        self.assertEqual(sites.ce_namespaces(single), {0: "l-ce"})

    def test_tag(self):
        procs = sites.tag([{"role": "ce-bgpd"}], self.state["sites"][1])
        self.assertEqual(procs, [{"role": "ce-bgpd@er-lon", "site": 1}])
        self.assertEqual(sites.tag(procs, self.state["sites"][1])[0]["role"], "ce-bgpd@er-lon")


class Namespaces(unittest.TestCase):
    def test_names(self):
        self.assertEqual(topology.ce_netns("l", 0), "l-ce")
        self.assertEqual(topology.ce_netns("l", 3), "l-ce3")
        self.assertEqual(topology.ce_namespaces("l", {"l-ce", "l-ce1", "l-ce12", "l-er",
                                                      "lx-ce1", "l-ce1x"}), ["l-ce1", "l-ce12"])
        self.assertEqual(topology.ce_ns_of(topo(True), 1), "l-ce1")
        self.assertEqual(topology.ce_ns_of(topo(False), 1), "l-ce")


class DataPlane(unittest.TestCase):
    def test_one_ce_unchanged(self):
        lay = dp.layout("l", PLAN, topo(False), OPTS)
        self.assertEqual([(p["ceHost"], p["ceNetns"], p["vm"]) for p in lay["pairs"]],
                         [("10.50.0.1", "l-ce", "10.1.0.4"), ("10.50.0.1", "l-ce", "10.2.0.4")])
        self.assertTrue(all("ceNetns" not in h for h in lay["ceHosts"]))
        self.assertIn("l-ce/ce1p1v100", lay["ifLinks"])

    def test_a_site_per_circuit(self):
        ss = sites.make(PLAN, OPTS, None, {}, lambda c: topology.ce_netns("l", c))
        lay = dp.layout("l", PLAN, topo(True), OPTS, None,
                        {s["circuitIndex"]: s["ceOptions"] for s in ss})
        self.assertEqual([(p["ceHost"], p["ceNetns"], p["vm"], p["azNetns"])
                          for p in lay["pairs"]],
                         [("10.50.0.1", "l-ce", "10.1.0.4", "l-az0"),
                          ("10.60.0.1", "l-ce1", "10.2.0.4", "l-az1")])
        self.assertEqual(sorted((h["address"], h["ceNetns"]) for h in lay["ceHosts"]),
                         [("10.50.0.1", "l-ce"), ("10.60.0.1", "l-ce1")])
        self.assertEqual(lay["ifLinks"]["l-ce1/ce1p2v100"], {"circuit": "er-lon",
                                                             "path": "secondary"})
        self.assertNotIn("l-ce/ce1p1v100", lay["ifLinks"])


if __name__ == "__main__":
    unittest.main()
