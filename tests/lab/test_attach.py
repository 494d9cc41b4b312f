"""Unit tests of `lab attach` telling the CE containers apart (src/lab/msee_lab/attach.py):
which container is which circuit's CE, from the CE addresses each holds — one container for
every circuit, one per circuit (Global Reach's sites), a container tied by C=, and the errors
a user sees when the containers do not fit the config. No container is run: the probe gives
each candidate's pid and addresses as `nsenter -t PID -n ip -j addr` would.
Run: PYTHONPATH=src/lab python3 -m unittest discover -s tests/lab"""
import unittest

from msee_lab import attach
from msee_lab.util import LabError


def session(c, name, path, ce):
    return {"name": f"{name}/AzurePrivatePeering/{path}", "circuit": name, "circuitIndex": c,
            "path": path, "peeringType": "AzurePrivatePeering", "ceAddress": ce}


# config/global-reach.json's two circuits on their real /30s
PLAN = {"sessions": [session(0, "er-ams", "primary", "192.168.10.1"),
                     session(0, "er-ams", "secondary", "192.168.10.5"),
                     session(1, "er-lon", "primary", "192.168.20.1"),
                     session(1, "er-lon", "secondary", "192.168.20.5")]}
SITE_A = {"192.168.10.1": "ce0p1", "192.168.10.5": "ce0p2", "10.50.0.1": "lo"}
SITE_B = {"192.168.20.1": "ce1p1", "192.168.20.5": "ce1p2"}


def probe_of(containers):
    return lambda cont: containers[cont]


class AssignCes(unittest.TestCase):
    def test_one_container_per_circuit_by_addresses(self):
        probe = probe_of({"clab-gr-site-a": (11, SITE_A), "clab-gr-site-b": (22, SITE_B)})
        got = attach.assign_ces(PLAN, [(None, "clab-gr-site-a"), (None, "clab-gr-site-b")],
                                probe)
        self.assertEqual(got, {0: ("clab-gr-site-a", 11), 1: ("clab-gr-site-b", 22)})

    def test_one_container_for_every_circuit(self):
        probe = probe_of({"ce": (7, SITE_A | SITE_B)})
        self.assertEqual(attach.assign_ces(PLAN, [(None, "ce")], probe),
                         {0: ("ce", 7), 1: ("ce", 7)})

    def test_a_node_without_ce_addresses_is_not_a_ce(self):
        # containerlab's other nodes (a host, a traffic generator) hold none: not a CE
        probe = probe_of({"a": (1, SITE_A), "b": (2, SITE_B), "tools": (3, {"10.9.9.9": "e"})})
        got = attach.assign_ces(PLAN, [(None, "a"), (None, "tools"), (None, "b")], probe)
        self.assertEqual(sorted(v[0] for v in got.values()), ["a", "b"])

    def test_tied_by_circuit_name_or_index(self):
        probe = probe_of({"x": (5, SITE_A | SITE_B), "y": (6, SITE_B)})
        got = attach.assign_ces(PLAN, [("er-ams", "x"), ("1", "y")], probe)
        self.assertEqual(got, {0: ("x", 5), 1: ("y", 6)})

    def test_a_circuit_nobody_holds_is_named(self):
        probe = probe_of({"a": (1, SITE_A)})
        with self.assertRaisesRegex(LabError, r"circuit er-lon: no container holds .*"
                                              r"--ce-container 1=CONTAINER"):
            attach.assign_ces(PLAN, [(None, "a")], probe)

    def test_half_the_addresses_is_not_enough(self):
        # the primary link's CE end in one container, the secondary's in another
        probe = probe_of({"a": (1, {"192.168.10.1": "x"} | SITE_B), "b": (2, {"192.168.10.5": "y"})})
        with self.assertRaisesRegex(LabError, "circuit er-ams: no container"):
            attach.assign_ces(PLAN, [(None, "a"), (None, "b")], probe)

    def test_two_holders_are_ambiguous(self):
        probe = probe_of({"a": (1, SITE_A | SITE_B), "b": (2, SITE_B)})
        with self.assertRaisesRegex(LabError, "circuit er-lon: more than one container .*a, b"):
            attach.assign_ces(PLAN, [(None, "a"), (None, "b")], probe)

    def test_unknown_circuit_key(self):
        with self.assertRaisesRegex(LabError, "no circuit 'er-par'"):
            attach.assign_ces(PLAN, [("er-par", "a")], probe_of({"a": (1, SITE_A)}))


# BIRD 2.0.12's `show protocols all` for the msee-bird topology's CE (abridged), as the
# control socket returns it: protocols named by the user's config, not by the lab.
SHOW_PROTOCOLS = """Name       Proto      Table      State  Since         Info
device1    Device     ---        up     10:00:00.000
own        Static     master4    up     10:00:00.000
msee_primary BGP        ---        up     10:00:01.000  Established
  BGP state:          Established
    Neighbor address: 192.168.100.130
    Neighbor AS:      12076
    Local AS:         65001
msee_secondary BGP        ---        start  10:00:02.000  Active        Socket: Connection refused
  BGP state:          Active
    Neighbor address: 192.168.100.134
    Neighbor AS:      12076
v6_primary BGP        ---        up     10:00:01.000  Established
  BGP state:          Established
    Neighbor address: fe80::1%ce0p1
"""


class BirdProtocols(unittest.TestCase):
    def test_protocols_by_neighbour_address(self):
        from msee_lab.external import ContainerBirdCe
        self.assertEqual(ContainerBirdCe.protocol_names(SHOW_PROTOCOLS),
                         {"192.168.100.130": "msee_primary", "192.168.100.134": "msee_secondary",
                          "fe80::1": "v6_primary"})


if __name__ == "__main__":
    unittest.main()
