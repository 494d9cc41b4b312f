"""One test per drill figure (issue #18, point 4): each is checked against its definition in
docs/drills.md §2 on a hand-made timeline, built from hand-made CE samples as a drill builds
it, on a circuit with private and Microsoft peering. Times in the samples and phases are ms of
the monotonic clock; the report's are ms after the first injection (the first phase).
Run: PYTHONPATH=src/lab python3 -m unittest discover -s tests/lab"""
import argparse
import contextlib
import io
import unittest

from msee_lab import __main__ as cli
from msee_lab import drills

P1, P2 = "172.16.0.2", "172.16.0.6"      # private peering, primary / secondary MSEE
M1, M2 = "203.0.113.2", "203.0.113.6"    # Microsoft peering


def session(pt, path, addr):
    return {"name": f"c/{pt}/{path}", "circuit": "c", "path": path, "family": "ipv4",
            "peeringType": pt, "mseeAddress": addr, "enabled": True, "bfd": True,
            "routerId": addr}


SESSIONS = [session("AzurePrivatePeering", "primary", P1),
            session("AzurePrivatePeering", "secondary", P2),
            session("MicrosoftPeering", "primary", M1),
            session("MicrosoftPeering", "secondary", M2)]
VNET, MS = "10.1.0.0/16", "20.2.0.0/16"
HEARD = {VNET: (P1, P2), MS: (M1, M2)}   # each prefix from its peering's two MSEEs
PRIV = {P1: "c/AzurePrivatePeering/primary", P2: "c/AzurePrivatePeering/secondary"}


def view(down=(), via=None, bfd_down=(), prepend=(), withdrawn=()):
    """A CE sample. down: MSEEs whose session is not Established; via: {prefix: MSEE} best
    paths (default: the shortest AS path, then the primary); prepend: MSEEs sending 12076 x4;
    withdrawn: (prefix, MSEE) pairs not heard even though the session is up."""
    sessions = {a: {"state": "Idle" if a in down else "Established",
                    "bfd": "down" if a in bfd_down or a in down else "up", "received": 1}
                for a in (P1, P2, M1, M2)}
    routes = {}
    for p, addrs in HEARD.items():
        paths = {a: [12076] * (4 if a in prepend else 1) for a in addrs
                 if a not in down and (p, a) not in withdrawn}
        if paths:
            best = (via or {}).get(p) or min(paths, key=lambda a: (len(paths[a]), a != addrs[0]))
            routes[p] = {"best": best, "paths": paths}
    return {"sessions": sessions, "routes": routes}


def drill(kind, samples, phases, link="Primary", observe_ms=(1.0,), **args):
    """A Drill with its samples and phases set, as run() leaves them."""
    d = drills.Drill.__new__(drills.Drill)
    d.kind, d.circuit, d.link, d.path = kind, "c", link, link.lower()
    d.sessions = SESSIONS
    d.by_addr = {s["mseeAddress"]: s for s in SESSIONS}
    d.prefixes = sorted(HEARD)
    d.samples = samples
    d.phases = [{"name": n, "t": t} for n, t in phases]
    d.before = d.all_best(samples[0][1])
    d.interval, d.observe_ms = 0.02, list(observe_ms)
    d.ce_bfd, d.hold_s, d.extra_result = True, 180, None
    d.ce = argparse.Namespace(kind="bird")
    d.args = argparse.Namespace(**{"prepends": 3, "count": 1, "category": "BgpDisconnect",
                                   "peering": "AzurePrivatePeering", **args})
    return d


def events(r, what, **match):
    return [e for e in r["timeline"] if e["what"] == what
            and all(e.get(k) == v for k, v in match.items())]


# The drills' hand-made runs (monotonic ms; the first phase is the first injection).
def maintenance():
    drained = view(prepend=(P1, M1))
    s = [(0, view()), (10, drained), (3020, view(down=(P1, M1))), (6010, drained),
         (9000, drained), (9060, view())]
    return drill("maintenance", s, [("drain", 0), ("bgp down", 3000), ("bgp up", 6000),
                                    ("restore", 9000)])


def silent(stuck=False):
    """Primary link silent at 100: the private session (BFD) is detected at 900; Microsoft
    peering's (no BFD here) only if not `stuck`, at 1400. Restore at 3100: the private session
    is back at 3145 (45 ms later), Microsoft's at 4016 (916 ms later)."""
    later = view(down=(P1,), bfd_down=(P1,)) if stuck else view(down=(P1, M1))
    s = [(0, view()), (100, view()), (900, view(down=(P1,), bfd_down=(P1,))), (1400, later),
         (3100, later), (3145, view(down=() if stuck else (M1,))), (4016, view())]
    return drill("silent-failure", s, [("inject", 100), ("restore", 3100)])


def peering_reset():
    """Private peering disabled at 0 (both links, R66); Microsoft's BFD blips meanwhile."""
    s = [(0, view()), (5, view(bfd_down=(M1,))), (20, view(down=(P1, P2))),
         (2000, view(down=(P1, P2))), (2050, view())]
    return drill("peering-reset", s, [("inject", 0), ("restore", 2000)])


class OnTheTimelineAxis(unittest.TestCase):
    """failureAtMs, restoreAtMs, detectionMs: points of the timeline, whatever the drill."""

    def test_maintenance_detection_is_the_session_down_event_not_ms_after_bgp_down(self):
        r = maintenance().report("secondary")
        f = r["figures"]
        self.assertEqual(f["failureAtMs"], 3000)               # the BGP-down step
        self.assertEqual(f["restoreAtMs"], 9000)
        self.assertEqual([p["atMs"] for p in r["phases"]], [0, 3000, 6000, 9000])
        first_down = events(r, "session", up=False)[0]["atMs"]
        self.assertEqual(f["detectionMs"], first_down)
        self.assertEqual(f["detectionMs"], 3020)
        self.assertEqual(f["detectionBySessionMs"], {"c/AzurePrivatePeering/primary": 3020,
                                                     "c/MicrosoftPeering/primary": 3020})
        c = {x["check"]: x for x in r["checks"]}
        self.assertEqual(c["CE saw the sessions of the link go down"]["detail"],
                         "at 3020 ms, 20 ms after the failure step at 3000 ms")
        self.assertTrue(r["ok"], [x for x in r["checks"] if not x["ok"]])

    def test_silent_failure_detection_per_session(self):
        f = silent().report("secondary")["figures"]
        self.assertEqual(f["failureAtMs"], 0)
        self.assertEqual(f["detectionMs"], 800)
        self.assertEqual(f["detectionBySessionMs"], {"c/AzurePrivatePeering/primary": 800,
                                                     "c/MicrosoftPeering/primary": 1300})

    def test_every_time_figure_is_an_event_of_its_timeline_in_every_drill(self):
        for d in (maintenance(), silent(), peering_reset()):
            r = d.report("secondary")
            at = {e["atMs"] for e in r["timeline"]}
            for k in ("failureAtMs", "restoreAtMs", "detectionMs", "bfdDownMs",
                      "reconvergenceMs", "sessionsBackMs", "allBackMs"):
                v = r["figures"][k]
                self.assertTrue(v is None or v in at, f"{r['drill']}: {k} = {v} not in {at}")


class FailedSessions(unittest.TestCase):
    """A peering reset fails the peering's sessions on both links, and nothing else."""

    def test_peering_reset_detection_and_bfd_are_about_the_reset_peering(self):
        r = peering_reset().report("secondary")
        f = r["figures"]
        self.assertEqual(f["detectionBySessionMs"], {PRIV[P1]: 20, PRIV[P2]: 20})
        self.assertEqual(f["detectionMs"], 20)
        self.assertEqual(f["bfdDownMs"], 20)                   # not Microsoft's blip at 5
        self.assertEqual(f["prefixesOnFailedLinkBefore"], 1)   # 10.1.0.0/16, not 20.2.0.0/16
        self.assertEqual(f["prefixesLost"], [VNET])
        self.assertEqual(f["maxOutageMs"], 2030)               # LOST at 20, back at 2050
        self.assertTrue(r["ok"], [x for x in r["checks"] if not x["ok"]])

    def test_peering_reset_header_names_the_peering_not_a_link(self):
        r = peering_reset().report("secondary")
        self.assertIsNone(r["linkType"])
        self.assertEqual(r["peering"], "AzurePrivatePeering")
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            cli.print_report(r)
        self.assertIn("drill peering-reset: circuit c, AzurePrivatePeering on both links, "
                      "CE bird", out.getvalue())
        self.assertNotIn("Primary link", out.getvalue())

    def test_ce_bfd_and_hold_time_are_the_failed_sessions(self):
        d = peering_reset()
        self.assertTrue(d.runs_bfd(view(bfd_down=(M1,))))      # Microsoft's BFD: not ours
        self.assertFalse(d.runs_bfd(view(bfd_down=(P2,))))
        d.api = argparse.Namespace(sessions=lambda: [dict(s, holdTime=9 if s["peeringType"] ==
                                                          "AzurePrivatePeering" else 90)
                                                     for s in SESSIONS])
        self.assertEqual(d.hold_time_s(), 9)


class Reconvergence(unittest.TestCase):
    def test_the_last_prefix_to_reach_a_surviving_session_not_the_first_to_leave(self):
        # 20.2.0.0/16 is LOST at 900 (the secondary had not sent it yet) and reaches the
        # secondary at 1500: that, not the LOST event, is when it reconverged.
        s = [(0, view()), (100, view()),
             (900, view(down=(P1, M1), withdrawn=((MS, M2),))),
             (1500, view(down=(P1, M1))), (3100, view(down=(P1, M1))), (3200, view())]
        r = drill("silent-failure", s, [("inject", 100), ("restore", 3100)]).report("secondary")
        f = r["figures"]
        self.assertEqual(f["reconvergenceMs"], 1400)
        self.assertEqual((f["prefixesMoved"], f["prefixesOnFailedLinkBefore"]), (2, 2))
        self.assertEqual(f["prefixesLost"], [MS])
        self.assertEqual(f["maxOutageMs"], 600)

    def test_a_drain_reconverges_before_the_failure_step(self):
        f = maintenance().report("secondary")["figures"]
        self.assertEqual(f["reconvergenceMs"], 10)
        self.assertLess(f["reconvergenceMs"], f["failureAtMs"])


class Lost(unittest.TestCase):
    def test_blackholed_prefixes_are_lost_and_the_check_says_the_same(self):
        r = silent(stuck=True).report("secondary")
        f = r["figures"]
        self.assertEqual(f["blackholedAtRestore"], [MS])       # still via the silent link
        self.assertEqual(f["prefixesLost"], [MS])
        self.assertEqual(f["maxOutageMs"], 3000)               # failure 0 to restore 3000
        self.assertIsNone(f["reconvergenceMs"])
        c = {x["check"]: x for x in r["checks"]}
        lost = c["no Azure prefix lost: the secondary link kept them (R63)"]
        self.assertFalse(lost["ok"])
        self.assertEqual(lost["detail"], f"{MS} (still via the failed link at the restore)")

    def test_a_prefix_lost_until_the_end_counts_to_the_end(self):
        s = [(0, view()), (500, view(down=(P1, P2))), (1000, view(down=(P1, P2))),
             (1800, view(down=(P1, P2)))]
        f = drill("peering-reset", s, [("inject", 0), ("restore", 1000)]).report(
            "secondary")["figures"]
        self.assertEqual(f["prefixesLost"], [VNET])
        self.assertEqual(f["maxOutageMs"], 1300)               # 500 to the last sample
        self.assertIsNone(f["sessionsBackMs"])
        self.assertIsNone(f["allBackMs"])

    def test_blackholed_is_for_silent_failures_only(self):
        f = maintenance().report("secondary")["figures"]
        self.assertEqual((f["blackholedAtRestore"], f["prefixesLost"]), ([], []))
        self.assertIsNone(f["maxOutageMs"])


class Back(unittest.TestCase):
    def test_sessions_back_is_the_last_failed_session_to_return(self):
        r = silent().report("secondary")
        f = r["figures"]
        ups = [e["atMs"] for e in events(r, "session", up=True)]
        self.assertEqual(ups, [3045, 3916])
        self.assertEqual(f["sessionsBackMs"], 3916)            # not 45 (the first, after 3000)
        self.assertEqual(f["allBackMs"], 3916)

    def test_maintenance_sessions_come_back_before_the_restore(self):
        f = maintenance().report("secondary")["figures"]
        self.assertEqual(f["sessionsBackMs"], 6010)
        self.assertEqual(f["allBackMs"], 9060)                 # best paths back on the primary

    def test_nothing_to_come_back(self):
        # An undetected silent failure changes nothing at the CE: back at the restore.
        s = [(0, view()), (1000, view()), (3000, view()), (3100, view())]
        f = drill("silent-failure", s, [("inject", 0), ("restore", 3000)]).report(
            "secondary")["figures"]
        self.assertIsNone(f["sessionsBackMs"])
        self.assertEqual(f["allBackMs"], 3000)
        self.assertEqual(f["blackholedAtRestore"], [VNET, MS])
        self.assertEqual(f["maxOutageMs"], 3000)


class Flaps(unittest.TestCase):
    def test_flaps_seen_is_the_fewest_any_failed_session_saw(self):
        up, p_down, both_down = view(), view(down=(P1,)), view(down=(P1, M1))
        s = [(0, up), (20, both_down), (2000, up), (4000, up), (4020, p_down), (6000, up)]
        phases = [("flap 1 down", 0), ("flap 1 up", 1990), ("flap 2 down", 4000),
                  ("flap 2 up", 5990)]
        r = drill("flap", s, phases, count=2).report("secondary")
        self.assertEqual(r["figures"]["flapsSeen"], 1)         # Microsoft's missed flap 2
        self.assertFalse({x["check"]: x["ok"] for x in r["checks"]}["CE saw 2 flaps"])


class Resolution(unittest.TestCase):
    def test_median_sample_time_plus_the_pause(self):
        d = maintenance()
        d.observe_ms = [1.0, 3.0, 40.0]
        self.assertEqual(d.report("secondary")["figures"]["resolutionMs"], 23)


if __name__ == "__main__":
    unittest.main()
