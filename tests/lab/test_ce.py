"""Unit tests of the CEs' own views and shells (src/lab/msee_lab/ce.py), issue #18 point 3: the
BIRD CE must work as the FRR one in every lab command. Fed with BIRD 2.0.12's real output
(taken from a lab); no daemons.
Run: PYTHONPATH=src/lab python3 -m unittest discover -s tests/lab"""
import unittest

from msee_lab.ce import BirdCe, BuiltinCe, FrrCe

# `show protocols all` of BIRD 2.0.12 in a Premium lab, as its control socket returns it
# (codes stripped; cut to three BGP protocols: one up with 2 routes, one up with 1, one down).
PROTOCOLS_ALL = """\
Name       Proto      Table      State  Since         Info
device1    Device     ---        up     11:18:41.056

own_v4     Static     master4    up     11:18:41.056
  Channel ipv4
    State:          UP
    Table:          master4
    Routes:         2 imported, 0 exported, 2 preferred

c0_priv_pri_v4 BGP        ---        up     11:18:46.604  Established
  BGP state:          Established
    Neighbor address: 172.16.0.2
    Neighbor AS:      12076
    Local AS:         65010
    Hold timer:       5.323/9
  Channel ipv4
    State:          UP
    Table:          master4
    Preference:     100
    Input filter:   ACCEPT
    Output filter:  (unnamed)
    Routes:         2 imported, 1 exported, 2 preferred
    Route change stats:     received   rejected   filtered    ignored   accepted
      Import updates:              2          0          0          0          2
      Import withdraws:            0          0        ---          0          0
    BGP Next hop:   172.16.0.1

c0_priv_pri_v6 BGP        ---        up     11:19:20.355  Established
  Message:        er-ams-premium/AzurePrivatePeering disabled by the operator
  BGP state:          Established
    Neighbor address: fdcc:0:0:1::2
  Channel ipv6
    State:          UP
    Table:          master6
    Routes:         1 imported, 1 exported, 1 preferred

c0_ms_sec_v6 BGP        ---        down   11:24:31.040
  BGP state:          Down
    Neighbor address: 2001:db8:300::6
  Channel ipv6
    State:          DOWN
    Table:          master6
"""
# `show protocols` (no details): what the CE read before, with no route counts in it.
PROTOCOLS = "\n".join(x for x in PROTOCOLS_ALL.splitlines() if x and not x[0].isspace())
BFD = """\
bfd1:
IP address                Interface  State      Since         Interval  Timeout
172.16.0.2                ce0p1v200  Up         11:19:26.277    0.300    0.900
"""


def session(pt, path, fam, addr):
    return {"name": f"c/{pt}/{path}" + ("/ipv6" if fam == "ipv6" else ""), "circuit": "c",
            "circuitIndex": 0, "peeringType": pt, "path": path, "family": fam,
            "mseeAddress": addr}


SESSIONS = [session("AzurePrivatePeering", "primary", "ipv4", "172.16.0.2"),
            session("AzurePrivatePeering", "primary", "ipv6", "fdcc:0:0:1::2"),
            session("MicrosoftPeering", "secondary", "ipv6", "2001:db8:300::6")]


def bird():
    ce = BirdCe.__new__(BirdCe)
    ce.dir, ce.sessions, ce.opts = "/run/msee-lab/x/ce", SESSIONS, {}
    answers = {"show protocols all": PROTOCOLS_ALL, "show protocols": PROTOCOLS,
               "show bfd sessions": BFD}
    ce.ctl = lambda cmd: answers[cmd]  # the control socket
    return ce


class BirdSessions(unittest.TestCase):
    def test_lab_status_shows_the_prefixes_each_session_received(self):
        # lab status reads no routes (routes=False): the counts come from the protocols.
        view = bird().observe(routes=False)["sessions"]
        self.assertEqual(view, {
            "172.16.0.2": {"state": "Established", "bfd": "up", "received": 2},
            "fdcc:0:0:1::2": {"state": "Established", "bfd": None, "received": 1},
            "2001:db8:300::6": {"state": "down", "bfd": None, "received": 0}})


class Shells(unittest.TestCase):
    """`lab shell ce -- CMD` runs CMD in each CE's own CLI."""

    def test_birdc_takes_the_command_as_arguments(self):
        self.assertEqual(bird().shell_argv(["show", "protocols"]),
                         ["birdc", "-s", "/run/msee-lab/x/ce/bird.ctl", "show", "protocols"])
        self.assertEqual(bird().shell_argv([]), ["birdc", "-s", "/run/msee-lab/x/ce/bird.ctl"])

    def test_vtysh_takes_it_with_dash_c(self):
        ce = FrrCe.__new__(FrrCe)
        ce.dir = "/run/msee-lab/x/ce"
        self.assertEqual(ce.shell_argv(["show", "bgp", "summary"]),
                         ["vtysh", "--vty_socket", "/run/msee-lab/x/ce", "-c",
                          "show bgp summary"])

    def test_the_builtin_ce_has_a_shell(self):
        ce = BuiltinCe.__new__(BuiltinCe)
        self.assertEqual(ce.shell_argv(["ip", "route"]), ["sh", "-c", "ip route"])
        self.assertEqual(ce.shell_argv([]), ["bash", "-i"])


if __name__ == "__main__":
    unittest.main()
