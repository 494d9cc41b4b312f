"""bench/benchlib/scenarios.py - what bgpbench sends in each scenario.

Owns: Scenario (peers, prefixes per peer, kind: load, idle or withdraw), the four scenarios at
full and --quick sizes, and the UPDATE streams of a scenario, encoded before any clock starts.
"""
from .wire import encode_stream


class Scenario:
    def __init__(self, sid, peers, per_peer, kind, title, next_hop_self=False):
        self.id, self.peers, self.per_peer = sid, peers, per_peer
        self.kind, self.title = kind, title
        # False: every target rewrites the next hop toward the sink to one configured address
        # (BIRD's `next hop address`, msee-emu's nextHop); True: each speaker's default for an
        # eBGP sink, its own address (next-hop-self), as FRR and GoBGP do in every scenario.
        self.next_hop_self = next_hop_self

    @property
    def total(self):
        return self.peers * self.per_peer


def scenarios(quick):
    if quick:
        return {"1x1M": Scenario("1x1M", 1, 20000, "load", "1 peer x 20,000 prefixes (quick)"),
                "1x1M-nhs": Scenario("1x1M-nhs", 1, 20000, "load",
                                     "1 peer x 20,000, default next hop (quick)", True),
                "10x100k": Scenario("10x100k", 3, 5000, "load", "3 peers x 5,000 (quick)"),
                "300idle": Scenario("300idle", 30, 10, "idle", "30 peers x 10 prefixes (quick)"),
                "withdraw": Scenario("withdraw", 1, 20000, "withdraw",
                                     "withdraw-all + re-announce 20,000 (quick)")}
    return {"1x1M": Scenario("1x1M", 1, 1000000, "load", "1 peer x 1,000,000 IPv4 prefixes"),
            "1x1M-nhs": Scenario("1x1M-nhs", 1, 1000000, "load",
                                 "1 peer x 1,000,000, each speaker's default next hop "
                                 "(next-hop-self toward the sink)", True),
            "10x100k": Scenario("10x100k", 10, 100000, "load", "10 peers x 100,000"),
            "300idle": Scenario("300idle", 300, 10, "idle", "300 peers x 10 prefixes"),
            "withdraw": Scenario("withdraw", 1, 1000000, "withdraw",
                                 "1 peer x 1,000,000: withdraw all, then re-announce")}


def encode_scenario(sc):
    """Every sender's UPDATE chunks for sc: {"announce": [per peer], "withdraw": [per peer]}
    (withdraw only for the withdraw scenario), the number of announce UPDATEs and their bytes."""
    streams = {"announce": [], "withdraw": []}
    nupd = nbytes = 0
    for k in range(sc.peers):
        ch, u, b = encode_stream(k, k * sc.per_peer, sc.per_peer, False)
        streams["announce"].append(ch)
        nupd += u
        nbytes += b
        if sc.kind == "withdraw":
            streams["withdraw"].append(encode_stream(k, k * sc.per_peer, sc.per_peer,
                                                     True)[0])
    return streams, nupd, nbytes
