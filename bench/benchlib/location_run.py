"""bench/benchlib/location_run.py - one measured run of one target in bench/location.py.

Owns: the two targets as the same MSEE (msee-emu on the generated circuit config, BIRD 2 with a
table per circuit; each started in a fresh work directory, optionally pinned to one CPU,
stopped by its PID) and the phases of a run:
  ready      the target listens on every MSEE address and its counters answer
  connect    "go": every CE connects at once; done when the harness has every session
             Established (then the target's own count is checked, untimed)
  announce   from the first UPDATE until the target's accepted count is every prefix
  withdraw   every CE withdraws everything; until the accepted count is 0
  teardown   the harness sends Cease and closes every session; until the target has none
             Established
  stop       SIGTERM until the process has exited
RSS from /proc/PID/status: cold (listening, no session), idle (every session up, no route),
converged (VmRSS, and VmHWM as the peak), after the withdrawal.
"""
import json
import os
import subprocess
import time
from pathlib import Path

from .location_ce import BirdCli, Harness, MseeApi, RunFailed
from .proc import Proc, proc_cpu, proc_status, run_cmd, tail_file
from .targets import bird_command


def listeners(port):
    """TCP sockets listening on `port` (IPv4 and IPv6) in this network namespace."""
    n = 0
    want = f":{port:04X} "
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(path) as f:
                next(f)
                for line in f:
                    parts = line.split(None, 4)
                    if parts[3] == "0A" and (parts[1] + " ").endswith(want):
                        n += 1
        except OSError:
            pass
    return n


class LocTarget:
    name = label = "?"

    def __init__(self, topo, cpu):
        self.topo, self.cpu = topo, cpu
        self.proc = None
        self.workdir = None

    def start(self, workdir):
        self.workdir = workdir
        argv = self.prepare(workdir)
        self.proc = Proc(self.name, argv, workdir, cpu=self.cpu, log_name=f"{self.name}.log")
        return self.proc.pid

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc is not None and self.proc.alive()

    def stop(self, term_wait):
        how = self.proc.stop(term_wait) if self.proc else None
        self.proc = None
        return how

    def log_tail(self, n=8):
        return tail_file(os.path.join(self.workdir, f"{self.name}.log"), n) if self.workdir else ""


class MseeTarget(LocTarget):
    name, label = "msee", "msee-emu"

    def __init__(self, topo, cpu, binary, threads, counters):
        super().__init__(topo, cpu)
        self.binary, self.threads, self.counters = binary, threads, counters

    def prepare(self, d):
        cfg = os.path.join(d, "circuits.json")
        Path(cfg).write_text(json.dumps(self.topo.msee_config(), indent=1))
        argv = [self.binary, "--config", cfg, "--api", self.topo.api, "--log-level", "warn"]
        return argv + (["--threads", str(self.threads)] if self.threads else [])

    def poller(self):
        return MseeApi(self.topo.api, self.counters)

    def check(self, d):
        """msee-emu --check of the generated config: None or the errors."""
        cfg = os.path.join(d, "check.json")
        Path(cfg).write_text(json.dumps(self.topo.msee_config()))
        r = subprocess.run([self.binary, "--check", cfg], capture_output=True, text=True)
        return None if r.returncode == 0 else (r.stdout + r.stderr).strip()[:2000]


class BirdTarget(LocTarget):
    name, label = "bird", "BIRD"

    def prepare(self, d):
        Path(d, "bird.conf").write_text(self.topo.bird_config(os.path.join(d, "bird.log")))
        return bird_command(d)

    def poller(self):
        return BirdCli(os.path.join(self.workdir, "bird.ctl"))

    def check(self, d):
        Path(d, "check.conf").write_text(self.topo.bird_config(os.path.join(d, "check.log")))
        out = run_cmd(["bird", "-p", "-c", os.path.join(d, "check.conf")], timeout=120)
        return out or None

    @staticmethod
    def version():
        return run_cmd(["bird", "--version"]).splitlines()[-1]


class Run:
    """One run: start the target, the phases, stop it; run() returns the run's dict."""

    def __init__(self, tgt, topo, streams, a, say, tag):
        self.tgt, self.topo, self.a, self.say, self.tag = tgt, topo, a, say, tag
        self.ann, self.wd = streams
        self.n = len(topo.sessions)
        self.routes = topo.routes()
        self.r = {"target": tgt.name, "ok": False, "circuits": topo.n, "sessions": self.n,
                  "routes": self.routes, "cpu_s": {}}
        self.h = None
        self.expect = None                  # what the running phase waits for (progress)

    def rss(self, key):
        return proc_status(self.tgt.pid, key)

    def cpu(self):
        return proc_cpu(self.tgt.pid)

    def progress(self, label, elapsed):
        h, p = self.h, self.h.poller
        res = p.result or {}
        parts = [f"{self.tag} {label}: {elapsed:.0f} s"]
        if label == "connect":
            parts.append(f"Established {h.established}/{self.n} (retries {h.retries})")
        if res:
            parts.append(f"target: {res.get('established')}/{res.get('sessions')} Established, "
                         f"accepted {res.get('accepted'):,}"
                         + (f" of {self.expect:,}" if self.expect is not None else ""))
        if h.unsent:
            parts.append(f"{h.unsent} CE(s) still writing")
        if p.busy and time.monotonic() - p.t_sent > 2:
            parts.append(f"its counters have not answered for {time.monotonic() - p.t_sent:.0f} s")
        parts.append(f"target CPU {self.cpu():.1f} s, RSS {(self.rss('VmRSS') or 0) >> 20} MB")
        self.say(", ".join(parts))

    PROBE_PATHS = ("/v1/circuits/{c}/peerings/AzurePrivatePeering/routeTablesSummary?path=primary",
                   "/v1/sessions", "/metrics")

    def start_probe(self, workdir):
        """bench/api_probe.py against msee-emu's API (loopback runs only: in the namespace the
        API is not reachable from here)."""
        if not getattr(self.a, "api_probe", False) or self.tgt.name != "msee" or self.a.netns:
            return None
        c = self.topo.msee_config()["circuits"][0]["name"]
        out = os.path.join(workdir, "api-probe.json")
        script = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                              "api_probe.py")
        # A session of its own, like the targets: the kernel's autogroups then share the CPUs
        # between target, harness and probe as between a router, its peers and a monitoring
        # client elsewhere (in the harness's session, the probe and the harness shared one
        # group's share).
        p = subprocess.Popen(["python3", script, "--api", self.topo.api, "--out", out,
                              *[x.format(c=c) for x in self.PROBE_PATHS]],
                             start_new_session=True)
        return p, out

    def stop_probe(self, probe):
        if probe is None:
            return
        p, out = probe
        p.terminate()
        p.wait(timeout=30)
        with open(out) as f:
            d = json.load(f)
        res = {}
        for path, xs in d["samples"].items():
            name = "summary" if "Summary" in path else path.strip("/").split("/")[-1]
            xs = sorted(xs)
            if xs:
                res[name] = {"n": len(xs), "p50_ms": xs[len(xs) // 2],
                             "p99_ms": xs[min(len(xs) - 1, int(len(xs) * 0.99))],
                             "max_ms": xs[-1], "errors": d["errors"][path]}
        self.r["api_during_converge"] = res

    def stall_check(self, what="accepted"):
        """A phase fails early when its count (the target's accepted prefixes, or the sessions
        the CEs have Established) stops moving while the target idles; a busy target (CPU
        time advancing) gets the whole --timeout."""
        st = {"val": None, "t": time.monotonic(), "cpu": self.cpu()}

        def value():
            if what == "established":
                return self.h.established
            return self.h.poller.result["accepted"] if self.h.poller.result else None

        def check(now):
            v = value()
            if v != st["val"]:
                st.update(val=v, t=now, cpu=self.cpu())
                return None
            if now - st["t"] > self.a.stall:
                used = self.cpu() - st["cpu"]
                if used < 0.1 * (now - st["t"]):
                    return (f"{what} stuck at {v} for {now - st['t']:.0f} s, target idle "
                            f"({used:.1f} s CPU)")
                st.update(t=now, cpu=self.cpu())
            return None
        return check

    def wait_count(self, key, label, t0, pred):
        """Until a poll sent after t0 satisfies pred. r[key]: that answer's arrival - t0 (an
        upper bound); r[key_lo]: a lower bound, the later of the previous answer's request
        (it did not satisfy pred yet, or came from before t0) and the last time the target
        still had unread UPDATEs (gated phases)."""
        p = self.h.poller
        t = self.h.run_until(
            lambda now: (p.t_result_sent is not None and p.t_result_sent >= t0
                         and pred(p.result)), self.a.timeout, label, self.stall_check())
        if key:
            self.r[key] = round(t - t0, 3)
            lo = max(p.t_prev_sent or t0, t0)
            if self.h.t_backlog_seen is not None and self.h.t_backlog_seen >= t0:
                lo = max(lo, self.h.t_backlog_seen)
            self.r[key + "_lo"] = round(lo - t0, 3)
        return t

    def execute(self, workdir):
        a, r, tgt = self.a, self.r, self.tgt
        t = time.monotonic()
        tgt.start(workdir)
        self.h = h = Harness(self.topo, tgt.poller(), tgt.alive, a.poll, self.progress,
                             a.progress)
        last = [0.0]

        def ready(now):
            if now - last[0] < 0.2:
                return False
            last[0] = now
            res = h.poller.result
            return (listeners(self.topo.port) >= self.n and res is not None
                    and res["sessions"] == self.n)
        h.run_until(ready, a.timeout, "ready")
        r["ready_s"] = round(time.monotonic() - t, 2)
        h.idle(a.settle, "settle (listening)")
        r["rss_cold"] = self.rss("VmRSS")

        # connect: "go" is the moment every CE starts connecting
        c0 = self.cpu()
        t_go = time.monotonic()
        h.connect_all()
        h.run_until(lambda now: h.established == self.n, a.timeout, "connect",
                    self.stall_check("established"))
        r["established_s"] = round(h.t_last_established - t_go, 3)
        r["connect_retries"] = h.retries
        t_seen = h.poll_now(lambda res: res["established"] == self.n, a.timeout, "confirm")
        r["target_established_s"] = round(t_seen - t_go, 3)
        r["cpu_s"]["connect"] = round(self.cpu() - c0, 2)
        h.retry_ok = False
        h.idle(a.settle, "settle (sessions up)")
        r["rss_idle"] = self.rss("VmRSS")

        # announce (with --api-probe, a client of its own times msee-emu's API meanwhile)
        self.expect = self.routes
        probe = self.start_probe(workdir)
        c0 = self.cpu()
        t1 = time.monotonic()
        h.send_all(self.ann)
        h.gate()
        self.wait_count("converge_s", "announce", t1, lambda res: res["accepted"] == self.routes)
        self.stop_probe(probe)
        r["drained_s"] = round(h.t_drained - t1, 3) if h.t_drained else None
        r["written_s"] = round(h.t_all_sent - t1, 3) if h.t_all_sent else None
        r["cpu_s"]["announce"] = round(self.cpu() - c0, 2)
        h.idle(a.settle, "settle (converged)")
        r["rss_converged"], r["rss_peak"] = self.rss("VmRSS"), self.rss("VmHWM")

        # withdraw
        self.expect = 0
        c0 = self.cpu()
        t2 = time.monotonic()
        h.send_all(self.wd)
        h.gate()
        self.wait_count("withdraw_s", "withdraw", t2, lambda res: res["accepted"] == 0)
        r["withdraw_drained_s"] = round(h.t_drained - t2, 3) if h.t_drained else None
        r["cpu_s"]["withdraw"] = round(self.cpu() - c0, 2)
        h.idle(a.settle, "settle (withdrawn)")
        r["rss_withdrawn"] = self.rss("VmRSS")
        if a.teardown == "full":       # tear down sessions that hold their routes
            self.expect = self.routes
            t = time.monotonic()
            h.send_all(self.ann)
            self.wait_count(None, "re-announce", t, lambda res: res["accepted"] == self.routes)
            h.idle(a.settle, "settle (announced again)")

        # teardown: the CE side closes every session
        self.expect = None
        c0 = self.cpu()
        t3 = time.monotonic()
        h.close_all()
        self.wait_count("teardown_s", "teardown", t3, lambda res: res["established"] == 0)
        r["cpu_s"]["teardown"] = round(self.cpu() - c0, 2)
        r["polls"] = h.poller.stats()
        r["ok"] = True

    def run(self, workdir):
        try:
            self.execute(workdir)
        except RunFailed as e:
            self.r["error"] = str(e)
            if self.h and self.h.poller.result:
                self.r["last_count"] = self.h.poller.result
            self.say(f"{self.tag} FAILED: {e}")
            tail = self.tgt.log_tail()
            if tail:
                self.say(f"{self.tag} log tail:\n{tail}")
        finally:
            if self.h is not None:
                self.h.close()
            if self.tgt.proc is not None:
                t = time.monotonic()
                self.r["stop_how"] = self.tgt.stop(self.a.term_wait)
                self.r["stop_s"] = round(time.monotonic() - t, 3)
        r = self.r
        if r["ok"]:
            r["b_per_route"] = round((r["rss_converged"] - r["rss_idle"]) / self.routes, 1)
            r["kb_per_session"] = round((r["rss_idle"] - r["rss_cold"]) / self.n / 1024, 2)
        return r
