"""Unit tests of the traffic probe's analysis (src/lab/msee_lab/traffic.py): per-flow loss,
outage windows, links and asymmetry from hand-made probe records — no namespaces, no sockets.
Run: PYTHONPATH=src/lab python3 -m unittest discover -s tests/lab"""
import unittest

from msee_lab import traffic


def sent(n, step=1.0):
    return [i * step for i in range(n)]


def recv(seqs, link="primary", step=1.0, shift=0.0):
    return [[s, s * step + shift, link(s) if callable(link) else link] for s in seqs]


class Flow(unittest.TestCase):
    def test_no_loss(self):
        r = traffic.analyze_flow(sent(100), recv(range(100)))
        self.assertEqual((r["sent"], r["received"], r["lost"], r["outages"]), (100, 100, 0, []))
        self.assertEqual(r["worstOutageMs"], 0)
        self.assertEqual((r["linksBefore"], r["linksDuring"], r["linksAfter"]),
                         ("primary", ["primary"], "primary"))

    def test_lost_in_the_middle(self):
        got = [s for s in range(100) if not 40 <= s < 55]
        r = traffic.analyze_flow(sent(100), recv(got))
        self.assertEqual(r["lost"], 15)
        self.assertEqual(r["outages"], [{"fromMs": 40, "toMs": 55, "ms": 15, "lost": 15}])
        self.assertEqual(r["worstOutageMs"], 15)

    def test_one_lost_packet_is_one_interval(self):
        r = traffic.analyze_flow(sent(10, 2.0), recv([s for s in range(10) if s != 3], step=2.0),
                                 interval_ms=2.0)
        self.assertEqual(r["outages"], [{"fromMs": 6, "toMs": 8, "ms": 2, "lost": 1}])

    def test_two_outages_the_worst_counts(self):
        got = [s for s in range(100) if s not in (10, 11) and not 60 <= s < 90]
        r = traffic.analyze_flow(sent(100), recv(got))
        self.assertEqual([o["ms"] for o in r["outages"]], [2, 30])
        self.assertEqual(r["worstOutageMs"], 30)

    def test_reordering_is_not_loss(self):
        order = list(range(20))
        order[5], order[9] = order[9], order[5]
        r = traffic.analyze_flow(sent(20), recv(order))
        self.assertEqual(r["lost"], 0)
        self.assertEqual(r["outages"], [])
        self.assertGreater(r["reordered"], 0)

    def test_duplicates_are_counted_once(self):
        r = traffic.analyze_flow(sent(10), recv(list(range(10)) + [4, 4]))
        self.assertEqual((r["received"], r["lost"], r["duplicates"]), (10, 0, 2))

    def test_outage_at_the_end_is_open(self):
        r = traffic.analyze_flow(sent(100), recv(range(70)))
        self.assertEqual(r["outages"], [{"fromMs": 70, "toMs": None, "ms": 30, "lost": 30,
                                         "open": True}])
        self.assertEqual(r["worstOutageMs"], 30)

    def test_nothing_received(self):
        r = traffic.analyze_flow(sent(50), [])
        self.assertEqual((r["lost"], r["worstOutageMs"], r["linksBefore"]), (50, 50, None))

    def test_link_changes_before_during_after(self):
        # primary, lost 100..109 (the cut), secondary until 300, primary again.
        link = lambda s: "primary" if s < 100 or s >= 300 else "secondary"  # noqa: E731
        got = [s for s in range(400) if not 100 <= s < 110]
        r = traffic.analyze_flow(sent(400), recv(got, link), window=(100, 300))
        self.assertEqual((r["linksBefore"], r["linksDuring"], r["linksAfter"]),
                         ("primary", ["secondary", "primary"], "primary"))
        self.assertEqual([(c["atMs"], c["from"], c["to"]) for c in r["linkChanges"]],
                         [(110, "primary", "secondary"), (300, "secondary", "primary")])
        self.assertEqual(r["worstOutageMs"], 10)


class Asymmetry(unittest.TestCase):
    def test_same_link_both_ways_is_symmetric(self):
        f = traffic.segments(recv(range(100)))
        self.assertEqual(traffic.asymmetry(f, f), (0, []))

    def test_return_on_the_other_link(self):
        f = traffic.segments(recv(range(100)))
        b = traffic.segments(recv(range(100), lambda s: "secondary" if s >= 40 else "primary"))
        ms, spans = traffic.asymmetry(f, b)
        self.assertEqual((ms, spans), (59, [[40, 99]]))

    def test_a_short_transition_is_not_asymmetry(self):
        f = traffic.segments(recv(range(100), lambda s: "secondary" if s >= 50 else "primary"))
        b = traffic.segments(recv(range(100), lambda s: "secondary" if s >= 53 else "primary"))
        self.assertEqual(traffic.asymmetry(f, b), (0, []))

    def test_lost_return_packets_are_not_asymmetry(self):
        # Forward moved to the secondary, the return was lost meanwhile, then came back.
        f = traffic.segments(recv(range(300), lambda s: "secondary" if 100 <= s < 200
                                  else "primary"))
        b = traffic.segments(recv([s for s in range(300) if not 100 <= s < 200]))
        self.assertEqual(traffic.asymmetry(f, b), (0, []))


class Report(unittest.TestCase):
    def merged(self):
        pairs = [{"circuit": "c", "peeringType": "AzurePrivatePeering", "family": "ipv4"}]
        both = lambda s: "primary" if s < 100 else "secondary"  # noqa: E731
        streams = [
            {"pair": 0, "pairLabel": "c private ipv4", "dir": "ce->az", "flow": 0,
             "sentMs": sent(300), "received": recv([s for s in range(300)
                                                    if not 100 <= s < 150], both)},
            {"pair": 0, "pairLabel": "c private ipv4", "dir": "az->ce", "flow": 0,
             "sentMs": sent(300), "received": recv(range(300))},
            {"pair": 0, "pairLabel": "c private ipv4", "dir": "ce->az", "flow": 1,
             "sentMs": sent(300), "received": recv(range(300), "secondary")},
            {"pair": 0, "pairLabel": "c private ipv4", "dir": "az->ce", "flow": 1,
             "sentMs": sent(300), "received": recv(range(300), "secondary")},
        ]
        return {"streams": streams, "intervalMs": 1.0, "pacing": [],
                "pairs": [dict(pairs[0], label="c private ipv4")]}

    def test_directions_worst_outage_and_asymmetry(self):
        r = traffic.report(self.merged(), window=(100, 200))
        self.assertEqual(r["directions"]["ce->az"],
                         {"sent": 600, "lost": 50, "worstOutageMs": 50, "flowsWithLoss": 1})
        self.assertEqual(r["directions"]["az->ce"]["lost"], 0)
        self.assertEqual(r["worstOutageMs"], 50)
        f0 = next(x for x in r["flows"] if x["dir"] == "ce->az" and x["flow"] == 0)
        self.assertTrue(f0["asymmetric"])       # forward on the secondary, return on the primary
        self.assertEqual(f0["asymmetricWindows"], [[150, 299]])
        f1 = next(x for x in r["flows"] if x["dir"] == "ce->az" and x["flow"] == 1)
        self.assertFalse(f1["asymmetric"])
        self.assertEqual(r["asymmetricFlows"], 1)
        self.assertEqual(len(traffic.rows(r)), 4)

    def test_merge_maps_interfaces_to_links(self):
        side_ce = {"netns": "l-ce", "intervalNs": 1_000_000, "ticks": [1_000_000, 2_000_000],
                   "pacing": {}, "endpoints": [{"pair": 0, "dir": "ce->az", "ports": [1]}],
                   "received": {"0/az->ce/0": [[0, 1_000_000, "ce1p1.100", 1_100_000]]}}
        side_az = {"netns": "l-az", "intervalNs": 1_000_000, "ticks": [1_000_000, 2_000_000],
                   "pacing": {}, "endpoints": [{"pair": 0, "dir": "az->ce", "ports": [1]}],
                   "received": {"0/ce->az/0": [[0, 1_000_000, "x", 1_100_000],
                                               [1, 2_000_000, "vm1", 2_100_000]]}}
        links = {"l-ce/ce1p1.100": {"circuit": "c", "path": "primary"},
                 "l-az/vm1": {"circuit": "c", "path": "secondary"}}
        pairs = [{"circuit": "c", "peeringType": "AzurePrivatePeering", "family": "ipv4"}]
        m = traffic.merge([side_ce, side_az], pairs, links, 1.0)
        by = {(s["dir"], s["flow"]): s for s in m["streams"]}
        self.assertEqual(by[("az->ce", 0)]["received"], [[0, 0.0, "primary"]])
        self.assertEqual(by[("ce->az", 0)]["received"], [[0, 0.0, "l-az/x"], [1, 1.0, "secondary"]])
        self.assertEqual(by[("ce->az", 0)]["sentMs"], [0.0, 1.0])
        r = traffic.report(m)
        self.assertEqual(r["directions"]["az->ce"]["lost"], 1)  # seq 1 never arrived


if __name__ == "__main__":
    unittest.main()
