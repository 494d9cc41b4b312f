"""Failure drills and the route-limit validation, reported from the CE's point of view.

A drill is a list of phases (inject, hold, restore …). While it runs, the CE is sampled every
`interval` seconds: its session and BFD state per MSEE, and per Azure prefix the best path and
the AS path heard from each MSEE. The timeline is made of the changes between samples, so its
times are exact to one sample (the report gives the resolution). The figures are read off the
timeline by drill_figures.py, one definition each (docs/drills.md §2); the checks here judge
them.
"""
import ipaddress
import time

from . import drill_figures, drill_traffic
from . import ce as ce_mod
from . import lab as lab_mod
from . import probe as probe_mod
from . import topology, traffic, util
from .util import LabError, now_ms, say


def norm(prefix):
    return str(ipaddress.ip_network(prefix, strict=False))


class Drill:
    def __init__(self, state, args):
        self.state, self.args = state, args
        self.api = lab_mod.api(state)
        if getattr(args, "ce", None) == "external" and state["ce"] != "external":
            state = dict(state, ce="external")  # this drill reads the MSEE side only
        self.ce = lab_mod.make_ce(state, args.circuit)  # with one CE per circuit: its own
        plan = state["plan"]
        circuits = [s["circuit"] for s in plan["sessions"]]
        self.circuit = args.circuit or circuits[0]
        if self.circuit not in circuits:
            raise LabError(f"the lab has no circuit '{self.circuit}' "
                           f"(it has {', '.join(sorted(set(circuits)))})")
        self.sessions = [s for s in plan["sessions"] if s["circuit"] == self.circuit]
        self.by_addr = {s["mseeAddress"]: s for s in self.sessions}
        names = {s["name"] for s in self.sessions}
        self.prefixes = sorted({norm(a["prefix"]) for a in plan["advertisements"]
                                if names & set(a["to"])})
        self.link = (getattr(args, "link_type", None) or "Primary").capitalize()
        self.path = self.link.lower()
        self.samples, self.phases = [], []
        self.interval = args.interval
        self.observe_ms = []
        # The traffic probe, for the drill's whole duration, when the lab has a data plane.
        self.probe, self.traffic_merged = None, None
        dp = probe_mod.dataplane_of(state)
        if dp and dp.get("pairs") and not getattr(args, "no_traffic", False):
            pairs = [p for p in dp["pairs"] if p["circuit"] == self.circuit]
            if pairs:
                self.probe = probe_mod.Probe(state["dir"], pairs, dp.get("ifLinks", {}),
                                             getattr(args, "flows", 4) or 4,
                                             getattr(args, "probe_interval_ms", 1.0) or 1.0)

    # ------------------------------------------------------------------ sampling
    def sample(self):
        t = now_ms()
        view = self.ce.observe(routes=True)
        t2 = now_ms()
        self.observe_ms.append(t2 - t)
        view["routes"] = {norm(p): r for p, r in view["routes"].items()}
        self.samples.append(((t + t2) / 2, view))
        return view

    def until(self, what, cond, timeout):
        """Samples until cond(view) holds; returns the time waited (ms) or raises."""
        t0 = now_ms()
        end = time.monotonic() + timeout
        shown = 0
        while True:
            v = self.sample()
            if cond(v):
                return now_ms() - t0
            if time.monotonic() > end:
                raise LabError(f"{what}: not within {timeout:g} s")
            waited = (now_ms() - t0) / 1000
            if waited >= shown + 10:  # long waits (a hold timer) show progress
                shown = int(waited)
                say(f"    waiting for {what}: {shown} s (at most {timeout:g} s)")
            time.sleep(self.interval)

    def hold(self, seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.sample()
            time.sleep(self.interval)

    def phase(self, name, action, undo=None):
        """Runs one step of the drill. `undo` puts back what the step broke; the steps not yet
        put back are undone, newest first, if the drill stops early (error, Ctrl-C)."""
        say(f"  {name}")
        t = now_ms()
        action()
        self.phases.append({"name": name, "t": t})
        if undo is not None:
            self.undo.append(undo)
        elif self.undo:
            self.undo.pop()

    def run(self, kind):
        self.undo = []
        try:
            if self.probe:
                self.probe_start_ms = self.probe.start(None) / 1e6
                say(f"  traffic probe: {len(self.probe.pairs)} pair(s) x {self.probe.flows} "
                    f"flow(s), both ways, every {self.probe.interval_ms:g} ms")
            return self.run_phases(kind)
        except BaseException:
            if self.probe:
                self.probe.kill()
            for u in reversed(self.undo):
                try:
                    u()
                except LabError as e:
                    say(f"  could not undo a drill step: {e}")
            if self.undo:
                say(f"  drill stopped early: {len(self.undo)} step(s) undone")
            raise

    # ------------------------------------------------------------------ views
    def link_sessions(self, path):
        return [s for s in self.sessions if s["path"] == path and s["enabled"]]

    def failed_sessions(self):
        """The sessions the drill takes down: its link's, or for a peering reset the peering's
        on both links (MSEE: R66). The figures are about these (docs/drills.md §2)."""
        if self.kind == "peering-reset":
            return [s for s in self.sessions if s["peeringType"] == self.args.peering
                    and s["enabled"]]
        return self.link_sessions(self.path)

    def runs_bfd(self, v):
        """ceBfd: in the baseline sample v, the CE has BFD up with every failed session that
        offers it (MSEE: R30 — the IPv4 ones)."""
        bfd = [s for s in self.failed_sessions() if s["bfd"]]
        return bool(bfd) and all(v["sessions"].get(s["mseeAddress"], {}).get("bfd") == "up"
                                 for s in bfd)

    def target(self):
        """What the drill breaks, for its header: a link, or a peering on both links."""
        if self.kind == "peering-reset":
            return f"{self.args.peering} on both links"
        return f"{self.link} link"

    def established(self, v, path):
        return all(v["sessions"].get(s["mseeAddress"], {}).get("state") == "Established"
                   for s in self.link_sessions(path))

    def down(self, v, path):
        return all(v["sessions"].get(s["mseeAddress"], {}).get("state") != "Established"
                   for s in self.link_sessions(path))

    def best_addr(self, v, prefix):
        """The MSEE address of the CE's best path for prefix, or None (no path via an MSEE)."""
        r = v["routes"].get(prefix)
        return r["best"] if r and r["best"] in self.by_addr else None

    def best_path(self, v, prefix):
        a = self.best_addr(v, prefix)
        return None if a is None else self.by_addr[a]["path"]

    def all_best(self, v):
        return {p: self.best_path(v, p) for p in self.prefixes}

    def complete(self, v):
        return (self.established(v, "primary") and self.established(v, "secondary")
                and all(self.all_best(v).values()))

    def prepended(self, v, path, n):
        """Every Azure prefix is heard from `path` with 12076 repeated 1 + n times."""
        for p in self.prefixes:
            r = v["routes"].get(p)
            hops = [r["paths"][a] for a in (r or {}).get("paths", {})
                    if self.by_addr.get(a, {}).get("path") == path] if r else []
            if not hops or any(h.count(12076) != 1 + n for h in hops):
                return False
        return True

    # ------------------------------------------------------------------ the drills
    def baseline(self):
        self.until("the CE holding every Azure prefix from both MSEEs", self.complete,
                   self.args.timeout)
        self.before = self.all_best(self.samples[-1][1])
        self.samples = self.samples[-1:]

    def hold_time_s(self):
        names = {s["name"] for s in self.failed_sessions()}
        ss = [s for s in self.api.sessions() if s["name"] in names]
        return max([s.get("holdTime") or 180 for s in ss] or [180])

    def run_phases(self, kind):
        a = self.args
        if not self.prefixes:
            raise LabError(f"circuit '{self.circuit}' advertises no Azure prefix to watch")
        self.kind = kind
        say(f"drill {kind} on circuit {self.circuit}, {self.target()}; CE {self.ce.kind}; "
            f"watching {len(self.prefixes)} Azure prefix(es)")
        self.baseline()
        if self.probe:  # a second of traffic before the first injection: the links before
            while util.now_ms() < self.probe_start_ms + 1000:
                self.sample()
                time.sleep(self.interval)
            if not self.probe.running():
                raise LabError("the traffic probe stopped early (see "
                               f"{self.probe.dir}/*.log)")
        self.ce_bfd = self.runs_bfd(self.samples[-1][1])
        self.hold_s = self.hold_time_s()
        other = "secondary" if self.path == "primary" else "primary"
        topo = self.state["topology"]
        detect_timeout = (3 if self.ce_bfd else self.hold_s) + 15
        back = lambda v: self.complete(v) and self.all_best(v) == self.before  # noqa: E731
        recover = max(90, 2 * self.hold_s)
        self.extra_result = None
        if kind == "silent-failure":
            self.phase(f"inject: the {self.path} link goes silent (frames dropped, carrier up)",
                       lambda: topology.cut(topo, self.circuit, self.path),
                       lambda: topology.restore(topo, self.circuit, self.path))
            # MSEE: R30 — BFD runs on the IPv4 sessions only: the others find out by their
            # hold timer, which the drill waits for only with --wait-all.
            watch = [s for s in self.link_sessions(self.path)
                     if a.wait_all or not self.ce_bfd or s["bfd"]]
            self.until("the CE detecting the failure",
                       lambda v: all(v["sessions"].get(s["mseeAddress"], {}).get("state")
                                     != "Established" for s in watch),
                       (3 if self.ce_bfd and not a.wait_all else self.hold_s) + 15)
            self.hold(a.hold)
            self.phase("restore: the link forwards again",
                       lambda: topology.restore(topo, self.circuit, self.path))
            self.until("everything back as before", back, recover)
        elif kind == "failover-test":
            body = {"linkType": self.link, "category": a.category}
            if a.category == "ASPathPrepend":
                body["prepends"] = a.prepends
            path = f"/v1/circuits/{self.circuit}/failoverTests"
            self.phase(f"inject: Azure link failover test {a.category} on {self.link} (R68)",
                       lambda: self.api.call("POST", path + "/start", body),
                       lambda: self.api.call("POST", path + "/stop", {"linkType": self.link}))
            if a.category == "BgpDisconnect":
                self.until("the CE seeing the sessions down", lambda v: self.down(v, self.path),
                           detect_timeout)
            else:
                self.until("the CE seeing the prepend",
                           lambda v: self.prepended(v, self.path, a.prepends), 30)
            self.hold(a.hold)
            res = {}
            self.phase("restore: stop the failover test",
                       lambda: res.update(self.api.call("POST", path + "/stop",
                                                        {"linkType": self.link})))
            self.extra_result = {k: res.get(k) for k in ("status", "wasSimulationSuccessful",
                                                          "routes", "bgpStatus")}
            self.until("everything back as before", back, recover)
        elif kind == "maintenance":
            link = f"/v1/circuits/{self.circuit}/links/{self.link}"
            self.phase(f"drain: the {self.path} MSEE prepends 12076 x{a.prepends} more (R64, Q7)",
                       lambda: self.api.call("PATCH", link, {"asPathPrepend": a.prepends}),
                       lambda: self.api.call("PATCH", link, {"asPathPrepend": 0}))
            self.until("the CE seeing the prepend",
                       lambda v: self.prepended(v, self.path, a.prepends), 30)
            self.hold(a.drain)
            self.phase(f"maintenance: BGP down on the drained {self.path} link",
                       lambda: self.api.call("PATCH", link, {"bgpState": "Down"}),
                       lambda: self.api.call("PATCH", link, {"bgpState": "Up"}))
            self.until("the CE seeing the sessions down", lambda v: self.down(v, self.path),
                       detect_timeout)
            self.hold(a.hold)
            self.phase("maintenance over: BGP up, still prepended",
                       lambda: self.api.call("PATCH", link, {"bgpState": "Up"}))
            self.until("the sessions back", lambda v: self.established(v, self.path)
                       and self.prepended(v, self.path, a.prepends), recover)
            self.hold(a.drain)
            self.phase("restore: prepend removed",
                       lambda: self.api.call("PATCH", link, {"asPathPrepend": 0}))
            self.until("everything back as before", back, recover)
        elif kind == "peering-reset":
            pt = a.peering
            ps = [s for s in self.sessions if s["peeringType"] == pt]
            if not ps:
                raise LabError(f"circuit '{self.circuit}' has no {pt}")
            url = f"/v1/circuits/{self.circuit}/peerings/{pt}"
            gone = lambda v: all(v["sessions"].get(s["mseeAddress"], {}).get("state")  # noqa
                                 != "Established" for s in ps)
            self.phase(f"inject: {pt} Disabled — both links (R66)",
                       lambda: self.api.call("PATCH", url, {"state": "Disabled"}),
                       lambda: self.api.call("PATCH", url, {"state": "Enabled"}))
            self.until("the CE seeing every session of the peering down", gone, detect_timeout)
            self.hold(a.hold)
            self.phase(f"restore: {pt} Enabled",
                       lambda: self.api.call("PATCH", url, {"state": "Enabled"}))
            self.until("everything back as before", back, recover)
        elif kind == "flap":
            link = f"/v1/circuits/{self.circuit}/links/{self.link}"
            for i in range(a.count):
                self.phase(f"flap {i + 1}/{a.count}: BGP down on {self.path}",
                           lambda: self.api.call("PATCH", link, {"bgpState": "Down"}),
                           lambda: self.api.call("PATCH", link, {"bgpState": "Up"}))
                self.until("the CE seeing the sessions down", lambda v: self.down(v, self.path),
                           detect_timeout)
                self.hold(a.interval_s / 2)
                self.phase(f"flap {i + 1}/{a.count}: BGP up",
                           lambda: self.api.call("PATCH", link, {"bgpState": "Up"}))
                self.until("the sessions back", lambda v: self.established(v, self.path), recover)
                self.hold(a.interval_s / 2)
            self.until("everything back as before", back, recover)
        else:
            raise LabError(f"unknown drill '{kind}'")
        self.hold(0.3)
        if self.probe:
            self.probe.stop()
            self.probe.wait()
            self.traffic_merged = traffic.merge(self.probe.sides(), self.probe.pairs,
                                                self.probe.if_links, self.phases[0]["t"])
        return self.report(other)

    # ------------------------------------------------------------------ the report
    def timeline(self):
        t0 = self.phases[0]["t"]
        ev = [{"atMs": round(p["t"] - t0), "event": p["name"], "what": "drill"}
              for p in self.phases]
        prev = None
        for t, v in self.samples:
            if prev is not None:
                for a, s in self.by_addr.items():
                    o, n = prev["sessions"].get(a, {}), v["sessions"].get(a, {})
                    who = f"{s['path']} {s['peeringType']} {s['family']} ({a})"
                    if (o.get("state") == "Established") != (n.get("state") == "Established"):
                        ev.append({"atMs": round(t - t0), "what": "session",
                                   "addr": a,
                                   "event": f"CE: BGP session with the {who} "
                                            f"{'up' if n.get('state') == 'Established' else 'down'}"
                                            f" ({n.get('state')})", "path": s["path"],
                                   "up": n.get("state") == "Established"})
                    if o.get("bfd") != n.get("bfd") and (o.get("bfd") or n.get("bfd")):
                        ev.append({"atMs": round(t - t0), "what": "bfd", "path": s["path"],
                                   "addr": a,
                                   "event": f"CE: BFD with the {who} {n.get('bfd') or 'gone'}",
                                   "up": n.get("bfd") == "up"})
                for p in self.prefixes:
                    ob, nb = self.best_path(prev, p), self.best_path(v, p)
                    oa, na = self.best_addr(prev, p), self.best_addr(v, p)
                    if oa != na:
                        ev.append({"atMs": round(t - t0), "what": "best", "prefix": p,
                                   "from": ob, "to": nb, "fromAddr": oa, "toAddr": na,
                                   "event": f"CE: best path for {p} "
                                            f"{'via ' + nb if nb else 'LOST (no path)'}"
                                            f"{' (was via ' + ob + ')' if ob else ''}"})
                    for a, s in self.by_addr.items():
                        op = (prev["routes"].get(p) or {}).get("paths", {}).get(a)
                        np_ = (v["routes"].get(p) or {}).get("paths", {}).get(a)
                        if op is not None and np_ is not None and op != np_:
                            ev.append({"atMs": round(t - t0), "what": "aspath", "prefix": p,
                                       "path": s["path"], "asPath": np_,
                                       "event": f"CE: {p} via {s['path']} now AS path "
                                                f"{' '.join(map(str, np_))}"})
            prev = v
        return sorted(ev, key=lambda e: e["atMs"])

    def report(self, other):
        tl = self.timeline()
        t0 = self.phases[0]["t"]
        # The failure step takes the failed sessions down (maintenance drains first); the
        # restore is the last step. Both are points of the timeline, as every figure.
        fail_at = round(self.phases[1 if self.kind == "maintenance" else 0]["t"] - t0)
        restore_at = round(self.phases[-1]["t"] - t0)
        failed_ss = self.failed_sessions()
        failed = {s["mseeAddress"]: s["name"] for s in failed_ss}
        base = self.samples[0][1]  # the baseline: every session up, every prefix held
        before = {p: self.best_addr(base, p) for p in self.prefixes}
        f = drill_figures.figures(tl, before, failed, {a: s["path"] for a, s in
                                                        self.by_addr.items()},
                                  fail_at, restore_at, round(self.samples[-1][0] - t0),
                                  silent=self.kind == "silent-failure", flap=self.kind == "flap")
        res = sorted(self.observe_ms)[len(self.observe_ms) // 2] + self.interval * 1000
        figures = {**f, "ceBfd": self.ce_bfd, "holdTimeS": self.hold_s,
                   "resolutionMs": round(res)}
        down, per_session, reconv = f["detectionMs"], f["detectionBySessionMs"], \
            f["reconvergenceMs"]
        lost, stuck = f["prefixesLost"], f["blackholedAtRestore"]
        on_link, moved = f["prefixesOnFailedLinkBefore"], f["prefixesMoved"]
        # A duration after the failure step: the detection time of the checks (and probe).
        took = {n: None if t is None else t - fail_at for n, t in per_session.items()}
        other_down = [e for e in tl if e["what"] == "session" and not e["up"]
                      and e["addr"] not in failed]
        checks = []

        def check(what, ok, detail=""):
            checks.append({"check": what, "ok": bool(ok), "detail": detail})
        kind, a = self.kind, self.args
        prepend = kind == "maintenance" or (kind == "failover-test"
                                            and a.category == "ASPathPrepend")
        if kind == "silent-failure":
            for s in failed_ss:
                bfd = self.ce_bfd and s["bfd"]
                limit = 1000 if bfd else self.hold_s * 1000 + 1000
                t = took[s["name"]]
                check(f"CE detects the silent failure of {s['peeringType']} {s['family']} "
                      f"within {limit} ms ({'BFD' if bfd else 'hold timer'}; R63)",
                      t is not None and t < limit,
                      f"{t} ms" if t is not None else "not detected before the restore "
                      f"(no BFD on this session, R30; hold time {self.hold_s} s; --wait-all "
                      f"waits for it)")
        elif not prepend or kind == "maintenance":
            check(f"CE saw the sessions of the {'peering' if kind == 'peering-reset' else 'link'}"
                  " go down", down is not None,
                  "" if down is None else f"at {down} ms, {down - fail_at} ms after the "
                  f"failure step at {fail_at} ms")
        if kind == "peering-reset":  # MSEE: R66 — a peering's sessions on both links
            check("both links' sessions went down (R66)",
                  {s["path"] for s in failed_ss} == {"primary", "secondary"}
                  and None not in per_session.values(),
                  ", ".join(f"{n.split('/', 1)[-1]}: {t}" for n, t in per_session.items()))
        else:
            # One definition of lost (prefixesLost), check and figure alike.
            check(f"no Azure prefix lost: the {other} link kept them (R63)", not lost,
                  ", ".join(p + (" (still via the failed link at the restore)"
                                 if p in stuck else "") for p in lost))
            check(f"the {other} link's sessions stayed up", not other_down,
                  "; ".join(e["event"] for e in other_down))
            if on_link:
                check(f"every Azure prefix best via {self.path} moved to {other}",
                      reconv is not None, f"{moved}/{on_link} moved"
                      f"{'' if reconv is None else f', the last at {reconv} ms'}")
        if kind == "flap":
            check(f"CE saw {a.count} flaps", figures["flapsSeen"] == a.count,
                  f"{figures['flapsSeen']}")
        if prepend:
            seen = [e for e in tl if e["what"] == "aspath" and e["atMs"] < restore_at]
            check(f"prepend 12076 x{1 + a.prepends} seen on the {self.path} link only (R64)",
                  seen and all(e["path"] == self.path for e in seen)
                  and all(e["asPath"].count(12076) in (1, 1 + a.prepends) for e in seen),
                  f"{len(seen)} AS-path change(s), links: "
                  f"{', '.join(sorted({e['path'] for e in seen}))}")
        if kind == "maintenance" and on_link:
            check("the drain moved traffic off the link before BGP went down (R64)",
                  reconv is not None and reconv < fail_at, f"moved by {reconv} ms, "
                  f"BGP down at {fail_at} ms")
        if self.extra_result is not None:
            check("Azure's result: wasSimulationSuccessful (R68)",
                  self.extra_result.get("wasSimulationSuccessful"))
        check("everything back as before the drill", f["allBackMs"] is not None)
        tr = None
        if getattr(self, "traffic_merged", None):
            tr = self.traffic_report(figures, check, fail_at, restore_at, took, other)
        return {"drill": kind, "circuit": self.circuit,
                "linkType": None if kind == "peering-reset" else self.link,
                "peering": a.peering if kind == "peering-reset" else None,
                "target": self.target(), "ce": self.ce.kind, "azurePrefixes": self.prefixes,
                "bestPathBefore": self.before, "phases": [
                    {"name": p["name"], "atMs": round(p["t"] - t0)} for p in self.phases],
                "timeline": tl, "figures": figures, "azureResult": self.extra_result,
                "traffic": tr, "notes": self.notes(), "checks": checks,
                "ok": all(c["ok"] for c in checks)}

    def notes(self):
        if self.ce.kind != "external":
            return []
        return ["external CE: sessions, BFD and AS paths are the MSEEs' view (REST API); the "
                "CE's best paths are inferred (shortest AS path, then the primary)"
                + ("; the probe shows where its packets really went"
                   if getattr(self, "traffic_merged", None) else "")]

    def traffic_report(self, figures, check, fail_at, restore_at, took, other):
        return drill_traffic.traffic_report(self, figures, check, fail_at, restore_at, took,
                                            other)


def run_drill(args):
    state = lab_mod.load(args.name)
    return Drill(state, args).run(args.drill)


# ------------------------------------------------------------------ validate-limits
def summary_count(api, s):
    for row in lab_mod.summary_rows(api, s):  # Cisco's column: the count, or the state (R83)
        if row.get("neighbor") == s["ceAddress"] and str(row.get("statePfxRcd")).isdigit():
            return int(row["statePfxRcd"])
    return None


def validate_limits(args):
    """Per peering and family: the CE announces the limit (accepted), the limit + 1 (both
    sessions dropped with Cease/Maximum Number of Prefixes Reached, R36), then the limit again
    (recovered after the restart time, Q1). The rows name each session."""
    state = lab_mod.load(args.name)
    api = lab_mod.api(state)
    ce = lab_mod.make_ce(state, args.circuit)
    circuit = args.circuit or state["plan"]["sessions"][0]["circuit"]
    groups = {}
    for s in state["plan"]["sessions"]:
        if s["circuit"] == circuit and s["enabled"] and s["routeLimit"] > 0:
            if args.peering and s["peeringType"] != args.peering:
                continue
            if args.family and s["family"] != args.family:
                continue
            groups.setdefault((s["peeringType"], s["family"]), []).append(s)
    if not groups:
        raise LabError(f"circuit '{circuit}' has no enabled session with a route limit to test")
    rows = []

    def apply(extra):
        lab_mod.record_ce(state, ce, ce.announce_extra(extra))

    try:
        for key, ss in sorted(groups.items()):
            limit = ss[0]["routeLimit"]
            own = len(ce_mod.own_prefixes(ss[0], ce.opts))
            extra = ce_mod.extra_prefixes(ss[0], limit + 1 - own)
            say(f"validate-limits: {key[0]} {key[1]}: limit {limit} per session "
                f"({own} own prefix(es) + generated)")
            result = {s["name"]: {"peering": key[0], "family": key[1], "session": s["path"],
                                  "limit": limit} for s in ss}
            # 1. exactly the limit: accepted on every session.
            t = time.monotonic()
            apply({key: extra[:-1]})
            try:
                util.wait_for(f"{limit} prefixes accepted", lambda: all(
                    summary_count(api, s) == limit for s in ss), args.timeout)
                for s in ss:
                    result[s["name"]]["atLimit"] = f"accepted {limit}"
                say(f"  {limit}: accepted on {len(ss)} session(s) ({time.monotonic() - t:.1f} s)")
            except LabError as e:
                for s in ss:
                    result[s["name"]]["atLimit"] = f"NOT accepted: {e}"
            # 2. one more: every session of the group drops with Cease/1.
            seq = api.last_seq()
            t = time.monotonic()
            apply({key: extra})
            names = {s["name"] for s in ss}
            seen = {}

            def dropped():
                nonlocal seq
                r = api.events_after(seq)
                seq = r.get("last", seq)
                for e in r["value"]:
                    if e.get("event") == "session-down" and e.get("peer") in names:
                        n = e.get("notification") or {}
                        # A CE that restarts to announce more (builtin) shuts down first:
                        # only Cease/1 is the answer awaited, anything else is kept meanwhile.
                        if seen.get(e["peer"], (0, 0))[:2] != (6, 1):
                            seen[e["peer"]] = (n.get("code"), n.get("subcode"))
                return all(seen.get(x, (0, 0))[:2] == (6, 1) for x in names)
            try:
                util.wait_for("sessions dropped", dropped, args.timeout)
            except LabError:
                pass
            for s in ss:
                code = seen.get(s["name"])
                result[s["name"]]["advertised"] = limit + 1
                result[s["name"]]["overLimit"] = (
                    "dropped with Cease/1 (Maximum Number of Prefixes Reached)"
                    if code and code[:2] == (6, 1) else
                    f"dropped with {code[0]}/{code[1]}" if code else "NOT dropped")
            say(f"  {limit + 1}: {sum(1 for c in seen.values() if c[:2] == (6, 1))}/{len(ss)} "
                f"session(s) dropped with Cease/1 "
                f"({time.monotonic() - t:.1f} s)")
            # 3. back to the limit: the sessions return after the restart time.
            t = time.monotonic()
            apply({key: extra[:-1]})
            restart = max(s["maxPrefixRestartSeconds"] for s in ss)
            try:
                shown = [0]

                def progress():  # a line every 10 s through the restart hold-off (Q1)
                    waited = int(time.monotonic() - t)
                    if waited >= shown[0] + 10:
                        shown[0] = waited
                        say(f"  waiting for the sessions to return: {waited} s "
                            f"(restart time {restart} s)")
                util.wait_for("sessions recovered", lambda: all(
                    summary_count(api, s) == limit for s in ss),
                    restart + args.timeout, progress=progress)
                for s in ss:
                    result[s["name"]]["recovered"] = (f"recovered after "
                                                      f"{time.monotonic() - t:.0f} s "
                                                      f"(restart time {restart} s)")
            except LabError as e:
                for s in ss:
                    result[s["name"]]["recovered"] = f"NOT recovered: {e}"
            say(f"  back to {limit}: {result[ss[0]['name']]['recovered']}")
            rows += list(result.values())
    finally:
        apply({})
    ok = all(r["atLimit"].startswith("accepted") and r["overLimit"].startswith("dropped with "
                                                                                "Cease/1")
             and r["recovered"].startswith("recovered") for r in rows)
    return {"circuit": circuit, "ce": ce.kind, "rows": rows, "ok": ok}
