"""Unit tests of msee-lab's drill analysis (src/lab/msee_lab/drills.py): the timeline and the
figures and checks read off it, fed with hand-made CE samples — no namespaces, no daemons.
Run: PYTHONPATH=src/lab python3 -m unittest discover -s tests/lab"""
import argparse
import unittest

from msee_lab import drills
from msee_lab.ce import BuiltinCe, extra_prefixes, own_prefixes

P1, P2 = "192.168.100.130", "192.168.100.134"
SESSIONS = [
    {"name": "c/AzurePrivatePeering/primary", "circuit": "c", "path": "primary", "family": "ipv4",
     "peeringType": "AzurePrivatePeering", "mseeAddress": P1, "enabled": True, "bfd": True,
     "routerId": P1},
    {"name": "c/AzurePrivatePeering/secondary", "circuit": "c", "path": "secondary",
     "family": "ipv4", "peeringType": "AzurePrivatePeering", "mseeAddress": P2, "enabled": True,
     "bfd": True, "routerId": P2},
]
PREFIXES = ["10.1.0.0/16", "10.2.0.0/16"]


def view(p1="Established", p2="Established", best=P1, paths=None, bfd1="up"):
    """A CE sample: session states, and for every prefix its best path and AS paths."""
    paths = paths if paths is not None else {
        a: [12076] for a, st in ((P1, p1), (P2, p2)) if st == "Established"}
    routes = {p: {"best": best if best in paths else None, "paths": dict(paths)}
              for p in PREFIXES if paths}
    return {"sessions": {P1: {"state": p1, "bfd": bfd1}, P2: {"state": p2, "bfd": "up"}},
            "routes": routes}


def drill(kind, samples, phases, **args):
    """A Drill with its samples and phases set, as run() leaves them."""
    d = drills.Drill.__new__(drills.Drill)
    d.kind, d.circuit, d.link, d.path = kind, "c", "Primary", "primary"
    d.sessions = SESSIONS
    d.by_addr = {s["mseeAddress"]: s for s in SESSIONS}
    d.prefixes = PREFIXES
    d.samples = samples
    d.phases = [{"name": n, "t": t} for n, t in phases]
    d.before = {p: "primary" for p in PREFIXES}
    d.interval, d.observe_ms = 0.02, [1.0]
    d.ce_bfd, d.hold_s, d.extra_result = True, 180, None
    d.ce = argparse.Namespace(kind="frr")
    d.args = argparse.Namespace(prepends=3, count=1, category="BgpDisconnect", **args)
    return d


class SilentFailure(unittest.TestCase):
    def test_bfd_detection_failover_and_return(self):
        s = [(0, view()), (100, view()), (900, view(p1="Idle", best=P2, bfd1="down")),
             (950, view(p1="Idle", best=P2, bfd1="down")), (3000, view(p1="Idle", best=P2)),
             (4000, view())]
        r = drill("silent-failure", s, [("inject", 50), ("restore", 3000)]).report("secondary")
        f = r["figures"]
        self.assertEqual(f["detectionMs"], 850)           # 900 - 50: first sample seeing it down
        self.assertEqual(f["detectionBySessionMs"], {"c/AzurePrivatePeering/primary": 850})
        self.assertEqual(f["bfdDownMs"], 850)
        self.assertEqual(f["reconvergenceMs"], 850)
        self.assertEqual(f["prefixesLost"], [])
        self.assertEqual(f["sessionsBackMs"], 3950)  # up at 4000 - 50 (the restore: 2950)
        self.assertTrue(r["ok"], r["checks"])

    def test_slow_detection_fails_the_bfd_check(self):
        s = [(0, view()), (1500, view(p1="Idle", best=P2)), (3000, view(p1="Idle", best=P2)),
             (3100, view())]
        r = drill("silent-failure", s, [("inject", 0), ("restore", 3000)]).report("secondary")
        bad = [c for c in r["checks"] if not c["ok"]]
        self.assertEqual(len(bad), 1)
        self.assertIn("within 1000 ms (BFD", bad[0]["check"])
        self.assertFalse(r["ok"])

    def test_undetected_failure_is_a_blackhole(self):
        # The session never went down: the CE kept its best path via the dead link.
        s = [(0, view()), (1000, view()), (3000, view()), (3100, view())]
        r = drill("silent-failure", s, [("inject", 0), ("restore", 3000)]).report("secondary")
        self.assertEqual(r["figures"]["blackholedAtRestore"], PREFIXES)
        self.assertFalse(r["ok"])

    def test_a_prefix_without_any_path_is_lost_with_its_outage(self):
        s = [(0, view()), (900, view(p1="Idle", p2="Idle", paths={})),
             (1400, view(p1="Idle", best=P2)), (3000, view(p1="Idle", best=P2)), (3100, view())]
        r = drill("silent-failure", s, [("inject", 0), ("restore", 3000)]).report("secondary")
        self.assertEqual(r["figures"]["prefixesLost"], PREFIXES)
        self.assertEqual(r["figures"]["maxOutageMs"], 500)
        names = {c["check"]: c["ok"] for c in r["checks"]}
        self.assertFalse(names["the secondary link's sessions stayed up"])
        self.assertFalse(r["ok"])


class Maintenance(unittest.TestCase):
    def prepended(self, p1="Established", best=P2):
        paths = {P1: [12076] * 4, P2: [12076]} if p1 == "Established" else {P2: [12076]}
        return view(p1=p1, best=best, paths=paths)

    def test_drain_moves_traffic_before_bgp_goes_down(self):
        s = [(0, view()), (10, self.prepended()), (3020, self.prepended(p1="Idle")),
             (6010, self.prepended()), (9000, self.prepended()), (9060, view())]
        phases = [("drain", 0), ("bgp down", 3000), ("bgp up", 6000), ("restore", 9000)]
        r = drill("maintenance", s, phases).report("secondary")
        self.assertEqual(r["figures"]["detectionMs"], 3020)  # BGP down at 3000: 20 ms later
        self.assertEqual(r["figures"]["failureAtMs"], 3000)
        self.assertEqual(r["figures"]["reconvergenceMs"], 10)
        self.assertTrue(r["ok"], r["checks"])

    def test_a_ce_that_ignores_the_prepend_fails_the_drain_check(self):
        # Local preference on the primary: the best path stays there until BGP drops (R64).
        s = [(0, view()), (10, self.prepended(best=P1)), (3020, self.prepended(p1="Idle")),
             (6010, self.prepended(best=P1)), (9000, self.prepended(best=P1)), (9060, view())]
        phases = [("drain", 0), ("bgp down", 3000), ("bgp up", 6000), ("restore", 9000)]
        r = drill("maintenance", s, phases).report("secondary")
        bad = [c["check"] for c in r["checks"] if not c["ok"]]
        self.assertEqual(bad, ["the drain moved traffic off the link before BGP went down (R64)"])

    def test_prepend_on_the_other_link_fails(self):
        wrong = view(paths={P1: [12076], P2: [12076] * 4})
        s = [(0, view()), (10, wrong), (3020, view(p1="Idle", best=P2, paths={P2: [12076] * 4})),
             (6010, wrong), (9000, wrong), (9060, view())]
        phases = [("drain", 0), ("bgp down", 3000), ("bgp up", 6000), ("restore", 9000)]
        r = drill("maintenance", s, phases).report("secondary")
        self.assertIn("prepend 12076 x4 seen on the primary link only (R64)",
                      [c["check"] for c in r["checks"] if not c["ok"]])


def stream(d, flow, n, lost=(), link=lambda s: "primary"):
    return {"pair": 0, "pairLabel": "c private ipv4", "dir": d, "flow": flow,
            "sentMs": [i - 1000.0 for i in range(n)],
            "received": [[i, i - 1000.0, link(i)] for i in range(n) if i not in lost]}


def merged(streams):
    return {"streams": streams, "intervalMs": 1.0, "pacing": [],
            "pairs": [{"circuit": "c", "peeringType": "AzurePrivatePeering", "family": "ipv4",
                       "label": "c private ipv4"}]}


class Traffic(unittest.TestCase):
    """The probe's checks in a drill report (times: ms after the first injection)."""

    def silent(self, lost_ms):
        s = [(0, view()), (100, view()), (900, view(p1="Idle", best=P2, bfd1="down")),
             (3000, view(p1="Idle", best=P2)), (4000, view())]
        d = drill("silent-failure", s, [("inject", 50), ("restore", 3000)])
        moved = lambda i: "secondary" if 1000 + 900 <= i < 1000 + 4000 else "primary"  # noqa
        lost = range(1050, 1050 + lost_ms)
        d.traffic_merged = merged([
            stream("ce->az", 0, 6000, lost, moved), stream("az->ce", 0, 6000, lost, moved),
            stream("ce->az", 1, 6000, (), lambda i: "secondary"),
            stream("az->ce", 1, 6000, (), lambda i: "secondary")])
        return d.report("secondary")

    def test_silent_failure_loses_at_most_detection_plus_300(self):
        r = self.silent(1000)   # detection 850 ms: 1,150 ms allowed
        c = {x["check"]: x for x in r["checks"]}
        name = "traffic c private ipv4: lost at most the detection time + 300 ms (BFD; R63)"
        self.assertTrue(c[name]["ok"], c[name])
        self.assertEqual(r["figures"]["worstOutageMs"], 1000)
        self.assertEqual(r["figures"]["worstOutageByDirectionMs"], {"ce->az": 1000,
                                                                    "az->ce": 1000})
        self.assertTrue(c["flows on the secondary link lost nothing"]["ok"])
        self.assertTrue(r["ok"], r["checks"])
        flow0 = next(f for f in r["traffic"]["flows"] if f["dir"] == "ce->az" and not f["flow"])
        self.assertEqual((flow0["linksBefore"], flow0["linksAfter"]), ("primary", "primary"))

    def test_silent_failure_losing_longer_fails(self):
        r = self.silent(1300)
        bad = [x["check"] for x in r["checks"] if not x["ok"]]
        self.assertEqual(bad, ["traffic c private ipv4: lost at most the detection time + "
                               "300 ms (BFD; R63)"])

    def test_loss_on_the_surviving_link_fails(self):
        s = [(0, view()), (100, view()), (900, view(p1="Idle", best=P2, bfd1="down")),
             (3000, view(p1="Idle", best=P2)), (4000, view())]
        d = drill("silent-failure", s, [("inject", 50), ("restore", 3000)])
        d.traffic_merged = merged([
            stream("ce->az", 0, 6000, range(2000, 2100), lambda i: "secondary"),
            stream("az->ce", 0, 6000, (), lambda i: "secondary")])
        c = {x["check"]: x for x in d.report("secondary")["checks"]}
        self.assertFalse(c["flows on the secondary link lost nothing"]["ok"])
        self.assertIn("ce->az flow 0 lost 100", c["flows on the secondary link lost nothing"]
                      ["detail"])

    def test_a_data_plane_that_forwards_nothing_fails_the_drill(self):
        # The CE has no kernel route (an OpenBGPD CE without ce-fib-sync): CE->Azure never
        # arrives, Azure->CE does; the figures alone would read as an outage, not a failure.
        s = [(0, view()), (100, view()), (900, view(p1="Idle", best=P2, bfd1="down")),
             (3000, view(p1="Idle", best=P2)), (4000, view())]
        d = drill("silent-failure", s, [("inject", 50), ("restore", 3000)])
        d.traffic_merged = merged([stream("ce->az", 0, 6000, range(6000)),
                                   stream("az->ce", 0, 6000, ())])
        r = d.report("secondary")
        c = {x["check"]: x for x in r["checks"]}
        name = ("probe: packets got through both ways before the first injection (the data "
                "plane forwards)")
        self.assertFalse(c[name]["ok"])
        self.assertIn("c private ipv4 ce->az", c[name]["detail"])
        self.assertNotIn("az->ce", c[name]["detail"])
        self.assertFalse(r["ok"])

    def maintenance(self, ce_move_at, lost=()):
        s = [(0, view()), (10, Maintenance.prepended(None)),
             (3020, Maintenance.prepended(None, p1="Idle")), (6010, Maintenance.prepended(None)),
             (9000, Maintenance.prepended(None)), (9060, view())]
        d = drill("maintenance", s, [("drain", 0), ("bgp down", 3000), ("bgp up", 6000),
                                     ("restore", 9000)])
        link = lambda i: "secondary" if ce_move_at + 1000 <= i < 10000 else "primary"  # noqa
        d.traffic_merged = merged([stream("ce->az", 0, 11000, lost, link),
                                   stream("az->ce", 0, 11000, (), link)])
        return d

    def test_maintenance_without_loss_passes(self):
        r = self.maintenance(20).report("secondary")
        self.assertTrue(r["ok"], [c for c in r["checks"] if not c["ok"]])
        self.assertEqual(r["figures"]["flowsOnDrainedLinkAtBgpDown"], 0)

    def test_a_pinned_ce_keeps_packets_on_the_drained_link_and_the_report_says_why(self):
        d = self.maintenance(3010, lost=range(4000, 4012))
        d.state = {"ceOptions": {"preferPrimary": True}}
        r = d.report("secondary")
        c = {x["check"]: x for x in r["checks"]}
        drained = c["probe: the drain moved the CE's packets off the link before BGP went "
                    "down (R64)"]
        self.assertFalse(drained["ok"])
        self.assertIn("--prefer-primary", drained["detail"])
        lost = c["maintenance drain: no probe packet lost in either direction (R64)"]
        self.assertFalse(lost["ok"])
        self.assertIn("ce->az 12 lost (worst 12 ms)", lost["detail"])
        self.assertIn("pins its traffic to the primary link", lost["detail"])


class BuiltinBestPath(unittest.TestCase):
    def test_shortest_as_path_then_lower_router_id(self):
        ce = BuiltinCe.__new__(BuiltinCe)
        ce.sessions, ce.opts, ce.extra = SESSIONS, {}, {}
        ce.state = {P1: "Established", P2: "Established"}
        ce.read_events = lambda: None
        ce.rib = {P1: {"10.1.0.0/16": [12076]}, P2: {"10.1.0.0/16": [12076]}}
        self.assertEqual(ce.observe()["routes"]["10.1.0.0/16"]["best"], P1)
        ce.rib[P1]["10.1.0.0/16"] = [12076] * 4
        self.assertEqual(ce.observe()["routes"]["10.1.0.0/16"]["best"], P2)
        ce.opts = {"preferPrimary": True}  # weight first, as FRR/Cisco `weight`
        self.assertEqual(ce.observe()["routes"]["10.1.0.0/16"]["best"], P1)


class ExtraPrefixes(unittest.TestCase):
    def test_private_blocks_and_microsoft_more_specifics(self):
        s = dict(SESSIONS[0])
        self.assertEqual(extra_prefixes(s, 3), ["100.64.0.0/24", "100.64.1.0/24", "100.64.2.0/24"])
        self.assertEqual(extra_prefixes(dict(s, family="ipv6"), 2),
                         ["fdbb:6400::/64", "fdbb:6400:0:1::/64"])
        ms = dict(s, peeringType="MicrosoftPeering", advertisedPublicPrefixes=["198.51.100.0/24"])
        self.assertEqual(extra_prefixes(ms, 201)[-1], "198.51.100.200/32")
        with self.assertRaises(drills.LabError):
            extra_prefixes(ms, 257)
        self.assertEqual(own_prefixes(ms, {"cePrefixes": []}), ["198.51.100.0/24"])
        self.assertEqual(own_prefixes(s, {"cePrefixes": ["10.50.0.0/16", "fdbb:50::/48"]}),
                         ["10.50.0.0/16"])


if __name__ == "__main__":
    unittest.main()
