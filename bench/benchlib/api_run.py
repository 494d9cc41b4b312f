"""bench/benchlib/api_run.py - one run of api_latency.py, phase by phase.

Owns: Bench: checks the environment and the generated configs (msee-emu --check, bird -p),
starts msee-emu and the BIRD CE by PID (pinned as asked), polls routeTablesSummary of both paths
on a second connection while the client thread measures, and runs the phases (baseline, loading,
steady, churn by birdc disable/enable), recording msee-emu's CPU per phase; stops everything.
"""
import http.client
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from .api_client import Api, Recorder, client_thread
from .api_setup import LINKS, EnvError, RunError, bird_config, circuit_config, path_of, say
from .proc import Proc, listening, proc_cpu, proc_rss
from .targets import bird_command


class Bench:
    def __init__(self, args):
        self.args = args
        self.api_host, port = args.api.rsplit(":", 1)
        self.api_port = int(port)
        self.rec = Recorder()
        self.stop_client = threading.Event()
        self.msee = None
        self.bird = None
        self.client = None
        self.workdir = None
        self.poller = None
        self.result = {}
        self.cpu_msee, self.cpu_ce = None, None
        self.pfx = {"primary": None, "secondary": None}
        self.state = {"primary": None, "secondary": None}
        self.changes = []        # (monotonic t, path, statePfxRcd) whenever it changed

    # ---- helpers
    def poll_once(self, phase):
        """Both paths' CE neighbour row; records its latency as summary/2nd."""
        for path in ("primary", "secondary"):
            t0 = time.monotonic()
            try:
                status, body, dt = self.poller.get(path_of("summary", path))
            except (OSError, http.client.HTTPException) as e:
                self.rec.error(phase, "summary/2nd", f"{type(e).__name__}: {e}")
                self.poller.close()
                continue
            if status != 200:
                self.rec.error(phase, "summary/2nd", f"HTTP {status}")
                continue
            self.rec.add(phase, "summary/2nd", dt, len(body), None, t0)
            try:
                row = json.loads(body)["value"][0]
                v = row["statePfxRcd"]
                if v != self.state[path]:
                    self.changes.append((t0 + dt, path, v))
                self.state[path] = v
                self.pfx[path] = int(v) if v.isdigit() else None
            except (ValueError, KeyError, IndexError, AttributeError):
                pass

    def check_alive(self):
        if self.msee and not self.msee.alive():
            raise RunError(f"msee-emu exited ({self.msee.p.returncode}):\n{self.msee.tail()}")
        if self.bird and not self.bird.alive():
            raise RunError(f"bird exited ({self.bird.p.returncode}):\n{self.bird.tail()}")

    def run_phase(self, phase, seconds=None, until=None, timeout=None, progress=None):
        """Sets the phase, polls every --poll-interval until `until()` (or for `seconds`);
        returns the monotonic time it ended."""
        self.rec.set_phase(phase)
        t0 = time.monotonic()
        last_report = t0
        while True:
            self.check_alive()
            self.poll_once(phase)
            now = time.monotonic()
            if until is not None and until():
                return now
            if seconds is not None and now - t0 >= seconds:
                return now
            if timeout is not None and now - t0 > timeout:
                raise RunError(f"{phase}: not done after {timeout:.0f} s "
                               f"(statePfxRcd primary={self.state['primary']} "
                               f"secondary={self.state['secondary']})")
            if progress and now - last_report >= 2.0:
                progress(now - t0)
                last_report = now
            time.sleep(self.args.poll_interval)

    def both(self, n):
        return self.pfx["primary"] == n and self.pfx["secondary"] == n

    def birdc(self, *cmd):
        r = subprocess.run(["birdc", "-s", f"{self.workdir}/bird.ctl", *cmd],
                           capture_output=True, text=True, timeout=30)
        if r.returncode != 0:
            raise RunError(f"birdc {' '.join(cmd)} failed: {r.stdout}{r.stderr}")
        return r.stdout

    # ---- the run
    def setup(self):
        a = self.args
        if not os.access(a.msee_emu, os.X_OK):
            raise EnvError(f"msee-emu not found at {a.msee_emu} (build it: cmake --build "
                           f"{Path(a.msee_emu).parent} -j2 --target msee-emu msee-ctl)")
        for tool in ("bird", "birdc"):
            if not shutil.which(tool):
                raise EnvError(f"{tool} not installed (apt-get install bird2)")
        for path, (ce, msee) in LINKS.items():
            for addr in (ce, msee):
                if listening(addr, 179):
                    raise EnvError(f"{addr}:179 is in use (another lab on 127.47.0.0/29?)")
        if listening(self.api_host, self.api_port):
            raise EnvError(f"{a.api} is in use")
        self.workdir = tempfile.mkdtemp(prefix="msee-apilat.", dir="/tmp")
        cfg = os.path.join(self.workdir, "circuit.json")
        Path(cfg).write_text(json.dumps(circuit_config(a.routes), indent=1) + "\n")
        r = subprocess.run([a.msee_emu, "--check", cfg], capture_output=True, text=True,
                           timeout=30)
        if r.returncode != 0:
            raise EnvError(f"msee-emu --check refused the generated config:\n{r.stdout}{r.stderr}")
        Path(self.workdir, "bird.conf").write_text(bird_config(a.routes, self.workdir))
        r = subprocess.run(["bird", "-p", "-c", f"{self.workdir}/bird.conf"],
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise EnvError(f"bird -p refused the generated config:\n{r.stdout}{r.stderr}")

    def start_msee(self):
        a = self.args
        argv = [a.msee_emu, "--config", f"{self.workdir}/circuit.json", "--api", a.api,
                "--log-level", "warn", "--events", f"{self.workdir}/events.jsonl"]
        self.msee = Proc("msee-emu", argv, self.workdir, cpu=a.msee_cpu)
        say(f"msee-emu pid {self.msee.pid}" +
            (f" (pinned to CPU {a.msee_cpu})" if a.msee_cpu is not None else ""))
        self.poller = Api(self.api_host, self.api_port)
        end = time.monotonic() + 15
        while True:
            self.check_alive()
            try:
                status, _, _ = self.poller.get("/v1/sessions")
                if status == 200:
                    return
            except OSError:
                self.poller.close()
            if time.monotonic() > end:
                raise RunError(f"the API on {a.api} did not answer within 15 s:\n"
                               f"{self.msee.tail()}")
            time.sleep(0.1)

    def start_bird(self):
        a = self.args
        self.bird = Proc("bird", bird_command(self.workdir), self.workdir, cpu=a.harness_cpu)
        say(f"bird (CE) pid {self.bird.pid}, {a.routes} static routes on both sessions")

    def run(self):
        a = self.args
        self.setup()
        say(f"workdir {self.workdir}")
        self.start_msee()
        self.client = threading.Thread(target=client_thread, daemon=True,
                                       args=(self.api_host, self.api_port, a.fresh_connections,
                                             self.rec, self.stop_client))
        cpu0 = proc_cpu(self.msee.pid)
        self.cpu_msee = {}
        self.rec.set_phase("baseline")
        self.client.start()
        say(f"baseline: {a.baseline:.0f} s with no CE (sessions not Established)")
        self.run_phase("baseline", seconds=a.baseline)
        cpu1 = proc_cpu(self.msee.pid)
        self.cpu_msee["baseline"] = cpu1 - cpu0
        state_before = dict(self.state)

        # loading: from the CE's start until both sessions hold N prefixes
        self.rec.set_phase("loading")
        t_ce = time.monotonic()
        self.start_bird()
        marks = {}

        def until_loaded():
            now = time.monotonic()
            for path in ("primary", "secondary"):
                if self.pfx[path] is not None:
                    marks.setdefault(f"established_{path}", now - t_ce)
                    if self.pfx[path] > 0:
                        marks.setdefault(f"first_prefix_{path}", now - t_ce)
            return self.both(a.routes)

        def loading_progress(el):
            say(f"loading: {el:.0f} s, statePfxRcd primary={self.state['primary']} "
                f"secondary={self.state['secondary']}")
        load_s = self.run_phase("loading", until=until_loaded, timeout=a.load_timeout,
                                progress=loading_progress) - t_ce
        cpu2 = proc_cpu(self.msee.pid)
        self.cpu_msee["loading"] = cpu2 - cpu1
        first = min((v for k, v in marks.items() if k.startswith("first_prefix")), default=None)
        est = max((v for k, v in marks.items() if k.startswith("established")), default=None)
        say(f"loaded: both sessions hold {a.routes} prefixes {load_s:.3f} s after the CE started"
            + (f" (first prefix seen at {first:.3f} s)" if first is not None else ""))
        self.result["load"] = {
            "routes_per_session": a.routes, "seconds_from_ce_start": round(load_s, 4),
            "seconds_first_established": None if est is None else round(
                min(v for k, v in marks.items() if k.startswith("established")), 4),
            "seconds_both_established": None if est is None else round(est, 4),
            "seconds_first_prefix_seen": None if first is None else round(first, 4),
            "seconds_first_prefix_to_full": None if first is None else round(load_s - first, 4),
            "poll_interval_s": a.poll_interval,
            "state_before_ce": state_before,
            "progress": {p: [[round(t - t_ce, 4), v] for (t, q, v) in self.changes
                             if q == p and t >= t_ce and t <= t_ce + load_s + 0.001]
                         for p in ("primary", "secondary")},
            "t_ce_start": t_ce, "t_first_prefix": None if first is None else t_ce + first,
            "t_full": t_ce + load_s}

        say(f"steady: {a.steady:.0f} s with the full table")
        self.run_phase("steady", seconds=a.steady,
                       until=lambda: not self.both(a.routes) and self.flap("steady"))
        cpu3 = proc_cpu(self.msee.pid)
        self.cpu_msee["steady"] = cpu3 - cpu2

        if a.churn:
            self.result["churn"] = []
            for k in range(a.churn):
                t0 = time.monotonic()
                self.rec.set_phase("churn")
                t_w = time.monotonic()
                self.birdc("disable", "big4")
                w = self.run_phase("churn", until=lambda: self.both(0),
                                   timeout=a.load_timeout) - t_w
                t_a = time.monotonic()
                self.birdc("enable", "big4")
                l = self.run_phase("churn", until=lambda: self.both(a.routes),
                                   timeout=a.load_timeout) - t_a
                self.result["churn"].append({"withdraw_s": round(w, 4), "announce_s": round(l, 4)})
                say(f"churn {k + 1}/{a.churn}: withdraw {w:.3f} s, re-announce {l:.3f} s "
                    f"(cycle {time.monotonic() - t0:.3f} s)")
            self.cpu_msee["churn"] = proc_cpu(self.msee.pid) - cpu3

        self.stop_client.set()
        self.client.join(timeout=60)
        self.result["msee_rss_bytes"] = proc_rss(self.msee.pid)

    def flap(self, phase):
        raise RunError(f"{phase}: the table changed (statePfxRcd primary={self.state['primary']} "
                       f"secondary={self.state['secondary']}); see {self.workdir}/events.jsonl")

    def cleanup(self):
        self.stop_client.set()
        if self.client is not None and self.client.is_alive():
            self.client.join(timeout=35)
        if self.poller is not None:
            self.poller.close()
        stops = {}
        for p in (self.bird, self.msee):
            if p is not None:
                stops[p.name] = p.stop()
                say(f"stopped {p.name} (pid {p.pid}): {stops[p.name]}")
        return stops
