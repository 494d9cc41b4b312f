#!/usr/bin/env python3
"""bench/api_latency.py - REST API latency of msee-emu under BGP load (issue #5), stdlib only.

Issue #5: "the API answers within 100 ms under load". One Premium circuit with private peering on
loopback addressing (MSEE 127.47.0.2 / 127.47.0.6, CE 127.47.0.1 / 127.47.0.5, AS 65001 -> 12076,
no MD5); msee-emu serves the API on 127.47.0.100:18190. A real CE (BIRD 2) announces N static /24
routes on both sessions. Every process is started here and stopped by its PID.

  client    one thread, one keep-alive connection, requests back to back: a cycle of ten is
            summary, sessions, metrics (x3) then the full routeTables (~N rows); each latency is
            the time from sending the request to the last byte of the body.
  poller    the main thread, a second connection: routeTablesSummary of both paths every
            --poll-interval s (statePfxRcd tells when the table is loaded). Its own latencies are
            reported as "summary/2nd" - a concurrent client, so it shows requests that queued
            behind a routeTables answer (msee-emu serves the API on its single io_context thread).
  phases    baseline  msee-emu up, CE not started (sessions Connect/Active), --baseline s;
            loading   from the CE's start until both sessions hold N prefixes;
            steady    --steady s afterwards, table full and quiet;
            churn     (--churn K) K times: the CE withdraws all N routes, then announces them again.
            BIRD 2.0.12 sends the last UPDATE of its initial feed to the second session to come up
            about 3 s late (seen on the wire, not an msee-emu delay), so most of "loading" is the
            CE waiting; the table lines show statePfxRcd over time, and --churn loads the table
            again with both sessions up.
Verdict: p99 of each small endpoint (summary, sessions, metrics) < --limit-ms (100) in every phase;
routeTables (N rows, ~100 B a row) is reported with its cost but not held to that limit.

  python3 bench/api_latency.py [--routes 10000] [--steady 10] [--baseline 5] [--churn 0]
          [--msee-emu build/msee-emu] [--build] [--json [FILE]] [--keep-tmp]
Exit status: 0 verdict met, 1 verdict not met or the run failed (timeout, crash), 2 the
environment is unusable (binary or bird missing, address in use, bad config).
"""
import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

# ----------------------------------------------------------------------------------- topology
CIRCUIT = "er-apibench"
PEERING = "AzurePrivatePeering"
CE_ASN = 65001
MSEE_ASN = 12076
LINKS = {"primary": ("127.47.0.1", "127.47.0.2"), "secondary": ("127.47.0.5", "127.47.0.6")}
LOOPBACK_PREFIXES = ("127.47.0.0/30", "127.47.0.4/30")
VNET_PREFIX = "10.1.0.0/16"            # two gateway rows (AS 65515) in every routeTables answer
ROUTE_BASE = 0x64400000                # 100.64.0.0: route i is the /24 at 100.64.0.0 + i*256
PREMIUM_IPV4_LIMIT = 10000             # R36: Premium private peering IPv4
DEFAULT_API = "127.47.0.100:18190"
SMALL = ("summary", "sessions", "metrics")
ENDPOINT_ORDER = ("summary", "sessions", "metrics", "routeTables", "summary/2nd")
PHASE_ORDER = ("baseline", "loading", "steady", "churn")


def path_of(endpoint, path="primary"):
    base = f"/v1/circuits/{CIRCUIT}/peerings/{PEERING}"
    return {"summary": f"{base}/routeTablesSummary?path={path}",
            "routeTables": f"{base}/routeTables?path={path}",
            "sessions": "/v1/sessions",
            "metrics": "/metrics"}[endpoint]


MIX = ["summary", "sessions", "metrics"] * 3 + ["routeTables"]   # every 10th: the full table


def say(msg):
    print(f"[api_latency {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class RunError(Exception):
    """The run failed (exit 1)."""


class EnvError(Exception):
    """The environment cannot run the benchmark (exit 2)."""


# ------------------------------------------------------------------------------------ configs
def circuit_config(n_routes):
    peering = {
        "peeringType": PEERING,
        "state": "Enabled",
        "peerASN": CE_ASN,
        "primaryPeerAddressPrefix": "192.168.47.0/30",
        "secondaryPeerAddressPrefix": "192.168.47.4/30",
        "vlanId": 100,
        "emulation": {"loopback": {"primaryPeerAddressPrefix": LOOPBACK_PREFIXES[0],
                                   "secondaryPeerAddressPrefix": LOOPBACK_PREFIXES[1]}},
    }
    if n_routes > PREMIUM_IPV4_LIMIT:
        peering["emulation"]["maxPrefixes"] = {"ipv4": n_routes}
    return {
        "description": "bench/api_latency.py: Premium private peering on loopback, CE = BIRD",
        "emulator": {"addressing": "loopback"},
        "circuits": [{
            "name": CIRCUIT,
            "serviceKey": "00000000-0000-4000-8000-000000000047",
            "sku": {"name": "Premium_MeteredData", "tier": "Premium", "family": "MeteredData"},
            "serviceProviderProperties": {"serviceProviderName": "Equinix",
                                          "peeringLocation": "Amsterdam",
                                          "bandwidthInMbps": 1000},
            "peerings": [peering],
            "vnets": [{"name": "hub-vnet", "region": "westeurope",
                       "addressPrefixes": [VNET_PREFIX]}],
        }],
    }


def route_text(i):
    a = ROUTE_BASE + i * 256
    return f"{a >> 24}.{(a >> 16) & 255}.{(a >> 8) & 255}.0/24"


def bird_config(n_routes, workdir):
    ce_p, msee_p = LINKS["primary"]
    ce_s, msee_s = LINKS["secondary"]
    c = [f'log "{workdir}/bird.log" {{ warning, error, fatal }};',
         f"router id {ce_p};",
         "protocol device { }",
         "protocol static big4 {", "  ipv4;"]
    c += [f"  route {route_text(i)} blackhole;" for i in range(n_routes)]
    c += ["}",
          "template bgp msee {",
          f"  local as {CE_ASN};",
          "  strict bind yes; multihop;",
          "  hold time 180; connect delay time 1; connect retry time 2; error wait time 1, 5;",
          '  ipv4 { import all; export where proto = "big4"; };',
          "}",
          f"protocol bgp msee_primary from msee {{ local {ce_p}; neighbor {msee_p} as {MSEE_ASN}; }}",
          f"protocol bgp msee_secondary from msee {{ local {ce_s}; neighbor {msee_s} as {MSEE_ASN}; }}"]
    return "\n".join(c) + "\n"


# ---------------------------------------------------------------------------------- processes
def proc_cpu(pid):
    """utime+stime of the whole process in seconds (0.0 once gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def proc_rss(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def tasks_alive(pid):
    """True while any thread of pid exists and is not a zombie."""
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return False
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X"):
                    return True
        except OSError:
            continue
    return False


def listening(addr, port):
    """True if some TCP socket listens on addr:port (or 0.0.0.0:port)."""
    want = {socket.inet_aton(addr), socket.inet_aton("0.0.0.0")}
    try:
        with open("/proc/net/tcp") as f:
            next(f)
            for line in f:
                parts = line.split()
                a, p = parts[1].split(":")
                if parts[3] == "0A" and int(p, 16) == port and \
                        int(a, 16).to_bytes(4, "little") in want:
                    return True
    except OSError:
        pass
    return False


class Proc:
    """A child started in its own session, stopped by its PID: SIGTERM, bounded wait, SIGKILL."""

    def __init__(self, name, argv, workdir, cpu=None):
        self.name = name
        self.log_path = os.path.join(workdir, f"{name}.out")
        self.log = open(self.log_path, "wb")
        pre = (lambda: os.sched_setaffinity(0, {cpu})) if cpu is not None else None
        self.p = subprocess.Popen(argv, cwd=workdir, stdin=subprocess.DEVNULL, stdout=self.log,
                                  stderr=subprocess.STDOUT, start_new_session=True,
                                  preexec_fn=pre)
        self.pid = self.p.pid

    def alive(self):
        return self.p.poll() is None

    def stop(self, term_wait=5.0):
        how = None
        if self.p.poll() is None:
            try:
                self.p.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.p.wait(timeout=term_wait)
            except subprocess.TimeoutExpired:
                how = f"killed: no exit within {term_wait:.0f} s of SIGTERM"
                try:
                    self.p.kill()
                except ProcessLookupError:
                    pass
                self.p.wait(timeout=10)
        else:
            how = f"had already exited ({self.p.returncode})"
        if how is None:
            rc = self.p.returncode
            how = f"exit {rc}" if rc >= 0 else f"signal {-rc}"
        end = time.monotonic() + 10
        while tasks_alive(self.pid) and time.monotonic() < end:
            time.sleep(0.05)
        self.log.close()
        return how

    def tail(self, n=12):
        try:
            lines = Path(self.log_path).read_bytes().decode(errors="replace").splitlines()
            return "\n".join(lines[-n:])
        except OSError:
            return ""


# --------------------------------------------------------------------------------- API client
class Api:
    """One HTTP/1.1 connection (keep-alive unless fresh=True); get() returns
    (status, body bytes, seconds from sending the request to the body's last byte)."""

    def __init__(self, host, port, fresh=False, timeout=30.0):
        self.host, self.port, self.fresh, self.timeout = host, port, fresh, timeout
        self.conn = None

    def get(self, target):
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port,
                                                       timeout=self.timeout)
            t0 = time.perf_counter()
            try:
                if self.fresh:
                    self.conn.connect()
                self.conn.request("GET", target, headers={"Accept": "application/json"})
                r = self.conn.getresponse()
                body = r.read()
                dt = time.perf_counter() - t0
                if self.fresh or r.getheader("Connection", "").lower() == "close":
                    self.close()
                return r.status, body, dt
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # a keep-alive connection the server closed while idle: reconnect once
                self.close()
                if attempt:
                    raise
        raise RuntimeError("unreachable")

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class Recorder:
    """Latency samples per (phase, endpoint), appended from several threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.phase = None
        self.samples = {}        # (phase, endpoint) -> [seconds]
        self.bytes = {}          # (phase, endpoint) -> [body bytes]
        self.rows = {}           # (phase, endpoint) -> last row count
        self.errors = {}         # (phase, endpoint) -> [message]
        self.timeline = []       # (t, endpoint, seconds) for the slowest picture

    def set_phase(self, phase):
        with self.lock:
            self.phase = phase

    def current(self):
        with self.lock:
            return self.phase

    def add(self, phase, endpoint, dt, nbytes, rows=None, t=None):
        with self.lock:
            self.samples.setdefault((phase, endpoint), []).append(dt)
            self.bytes.setdefault((phase, endpoint), []).append(nbytes)
            if rows is not None:
                self.rows[(phase, endpoint)] = rows
            self.timeline.append((t if t is not None else time.monotonic(), phase, endpoint, dt))

    def error(self, phase, endpoint, msg):
        with self.lock:
            self.errors.setdefault((phase, endpoint), []).append(msg)


def client_thread(host, port, fresh, rec, stop):
    api = Api(host, port, fresh)
    i = 0
    try:
        while not stop.is_set():
            phase = rec.current()
            ep = MIX[i % len(MIX)]
            i += 1
            t_start = time.monotonic()
            try:
                status, body, dt = api.get(path_of(ep))
            except (OSError, http.client.HTTPException) as e:
                rec.error(phase, ep, f"{type(e).__name__}: {e}")
                api.close()
                time.sleep(0.05)
                continue
            if status != 200:
                rec.error(phase, ep, f"HTTP {status}: {body[:120]!r}")
                continue
            rows = body.count(b'"network"') if ep == "routeTables" else None
            rec.add(phase, ep, dt, len(body), rows, t_start)
    finally:
        api.close()


# ------------------------------------------------------------------------------------ statistics
def pct(sorted_xs, q):
    """Percentile q (0..100) with linear interpolation between closest ranks."""
    if not sorted_xs:
        return None
    k = (len(sorted_xs) - 1) * q / 100.0
    lo = int(k)
    hi = min(lo + 1, len(sorted_xs) - 1)
    return sorted_xs[lo] + (sorted_xs[hi] - sorted_xs[lo]) * (k - lo)


def summarize(xs, nbytes):
    s = sorted(xs)
    ms = lambda v: None if v is None else round(v * 1000.0, 3)  # noqa: E731
    return {"count": len(s), "p50_ms": ms(pct(s, 50)), "p95_ms": ms(pct(s, 95)),
            "p99_ms": ms(pct(s, 99)), "max_ms": ms(s[-1] if s else None),
            "mean_ms": ms(sum(s) / len(s) if s else None),
            "body_bytes": (sorted(nbytes)[len(nbytes) // 2] if nbytes else None)}


def fmt_ms(v):
    if v is None:
        return "-"
    return f"{v:.1f}" if v >= 10 else f"{v:.2f}"


# -------------------------------------------------------------------------------------- bench
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
        argv = ["bird", "-f", "-c", f"{self.workdir}/bird.conf", "-s", f"{self.workdir}/bird.ctl",
                "-P", f"{self.workdir}/bird.pid"]
        self.bird = Proc("bird", argv, self.workdir, cpu=a.harness_cpu)
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

    # ---- reporting
    def report(self):
        a = self.args
        rec = self.rec
        phases = [p for p in PHASE_ORDER if any(k[0] == p for k in rec.samples)]
        stats = {}
        for ph in phases:
            for ep in ENDPOINT_ORDER:
                xs = rec.samples.get((ph, ep))
                if xs:
                    s = summarize(xs, rec.bytes.get((ph, ep), []))
                    if (ph, ep) in rec.rows:
                        s["rows"] = rec.rows[(ph, ep)]
                    errs = rec.errors.get((ph, ep), [])
                    s["errors"] = len(errs)
                    if errs:
                        s["first_error"] = errs[0]
                    stats.setdefault(ph, {})[ep] = s
        # the part of "loading" where routes were actually arriving (first prefix seen -> full)
        load = self.result.get("load", {})
        transfer = {}
        if load.get("t_first_prefix") is not None:
            lo, hi = load["t_first_prefix"] - a.poll_interval, load["t_full"]
            for (t, ph, ep, dt) in rec.timeline:
                if ph == "loading" and lo <= t <= hi:
                    transfer.setdefault(ep, []).append(dt)
        transfer_stats = {ep: summarize(xs, []) for ep, xs in transfer.items()}

        verdict = {}
        ok = True
        for ph in phases:
            per = {}
            for ep in SMALL:
                s = stats.get(ph, {}).get(ep)
                p99 = s["p99_ms"] if s else None
                per[ep] = p99
                if p99 is None or p99 >= a.limit_ms:
                    ok = False
            verdict[ph] = per
        errors = sum(len(v) for v in rec.errors.values())
        if errors:
            ok = False
        result = {
            "issue": "#5: the API answers within 100 ms under load",
            "limit_ms": a.limit_ms,
            "routes_per_session": a.routes,
            "msee_emu": os.path.abspath(a.msee_emu),
            "build_type": build_type(a.msee_emu),
            "api": a.api,
            "keepalive": not a.fresh_connections,
            "machine": machine_info(),
            "load": {k: v for k, v in load.items() if not k.startswith("t_")},
            "churn": self.result.get("churn"),
            "msee_cpu_s": {k: round(v, 3) for k, v in (self.cpu_msee or {}).items()},
            "msee_rss_mb": round((self.result.get("msee_rss_bytes") or 0) / 1048576, 1),
            "phases": stats,
            "loading_transfer_window": transfer_stats,
            "errors": {f"{p}/{e}": v for (p, e), v in rec.errors.items()},
            "verdict": {"small_p99_ms": verdict, "pass": ok},
        }
        return result

    def table(self, r):
        a = self.args
        out = []
        m = r["machine"]
        out.append(f"msee-emu API latency under BGP load (issue #5) - {r['routes_per_session']} "
                   f"routes per session, 2 sessions, {'keep-alive' if r['keepalive'] else 'new connection per request'}")
        out.append(f"binary {r['msee_emu']} ({r['build_type'] or 'build type unknown'}); "
                   f"{m['cpus']} CPUs, load average {m['loadavg_start']} at start, "
                   f"{m['loadavg_end']} at end")
        ld = r["load"]
        if ld:
            out.append(f"table load: both sessions at {ld['routes_per_session']} prefixes "
                       f"{ld['seconds_from_ce_start']:.3f} s after the CE started (both Established "
                       f"by {fmt_s(ld['seconds_both_established'])} s, first prefix seen at "
                       f"{fmt_s(ld['seconds_first_prefix_seen'])} s, first prefix -> full "
                       f"{fmt_s(ld['seconds_first_prefix_to_full'])} s; poll every "
                       f"{ld['poll_interval_s'] * 1000:.0f} ms)")
            for path, steps in ld.get("progress", {}).items():
                cells = [f"{v}@{t:.3f}" for t, v in steps]
                if len(cells) > 12:
                    cells = cells[:6] + [f"... ({len(cells) - 12} more)"] + cells[-6:]
                out.append(f"  {path:9s} statePfxRcd at s after the CE started: " +
                           ", ".join(cells))
        if r.get("churn"):
            ws = [c["withdraw_s"] for c in r["churn"]]
            ans = [c["announce_s"] for c in r["churn"]]
            out.append(f"churn: {len(ws)} cycle(s) withdraw all / re-announce all: withdraw "
                       f"{min(ws):.3f}-{max(ws):.3f} s, re-announce {min(ans):.3f}-{max(ans):.3f} s")
        out.append("msee-emu CPU seconds per phase: " + ", ".join(
            f"{k} {v:.2f}" for k, v in r["msee_cpu_s"].items()) + f"; RSS {r['msee_rss_mb']} MB")
        out.append("")
        hdr = ["phase", "endpoint", "count", "p50 ms", "p95 ms", "p99 ms", "max ms", "body KB",
               "rows", "errors"]
        rows = []
        for ph, eps in r["phases"].items():
            for ep, s in eps.items():
                rows.append([ph, ep, str(s["count"]), fmt_ms(s["p50_ms"]), fmt_ms(s["p95_ms"]),
                             fmt_ms(s["p99_ms"]), fmt_ms(s["max_ms"]),
                             f"{(s['body_bytes'] or 0) / 1024:.1f}", str(s.get("rows", "")),
                             str(s["errors"])])
        if r["loading_transfer_window"]:
            for ep in ENDPOINT_ORDER:
                s = r["loading_transfer_window"].get(ep)
                if s:
                    rows.append(["(1st pfx->full)", ep, str(s["count"]), fmt_ms(s["p50_ms"]),
                                 fmt_ms(s["p95_ms"]), fmt_ms(s["p99_ms"]), fmt_ms(s["max_ms"]),
                                 "", "", ""])
        w = [max(len(h), *(len(x[i]) for x in rows)) if rows else len(h)
             for i, h in enumerate(hdr)]
        out.append("  ".join(h.ljust(w[i]) for i, h in enumerate(hdr)).rstrip())
        out.append("  ".join("-" * w[i] for i in range(len(hdr))))
        for x in rows:
            out.append("  ".join(c.ljust(w[i]) for i, c in enumerate(x)).rstrip())
        out.append("")
        out.append("summary/2nd = the load poller on a second connection, concurrent with the "
                   "client (can queue behind a routeTables answer); (1st pfx->full) = loading "
                   "samples from the first prefix seen to the full table.")
        out.append("latency = request sent -> last body byte read, by one Python client; body KB "
                   "= median body size.")
        parts = []
        for ph, per in r["verdict"]["small_p99_ms"].items():
            worst = max((v for v in per.values() if v is not None), default=None)
            parts.append(f"{ph} {fmt_ms(worst)} ms")
        rt = [(ph, eps["routeTables"]) for ph, eps in r["phases"].items() if "routeTables" in eps]
        rt_full = [(ph, s) for ph, s in rt if ph == "steady"] or rt
        rt_text = "; ".join(f"{ph}: p50 {fmt_ms(s['p50_ms'])} ms, p99 {fmt_ms(s['p99_ms'])} ms, "
                            f"max {fmt_ms(s['max_ms'])} ms for {s.get('rows', '?')} rows / "
                            f"{(s['body_bytes'] or 0) / 1048576:.2f} MB" for ph, s in rt_full)
        nerr = sum(len(v) for v in r["errors"].values())
        out.append(f"VERDICT: {'PASS' if r['verdict']['pass'] else 'FAIL'} - worst p99 of the "
                   f"small endpoints (summary, sessions, metrics) per phase: {', '.join(parts)} "
                   f"(limit {a.limit_ms:g} ms)" + (f"; {nerr} request error(s)" if nerr else ""))
        out.append(f"VERDICT: full routeTables {rt_text}")
        return "\n".join(out)


def fmt_s(v):
    return "-" if v is None else f"{v:.3f}"


def build_type(binary):
    for d in (Path(binary).resolve().parent, Path(binary).resolve().parent.parent):
        cache = d / "CMakeCache.txt"
        if cache.exists():
            text = cache.read_text(errors="replace")
            bt = re.search(r"^CMAKE_BUILD_TYPE:\w+=(.*)$", text, re.M)
            san = re.search(r"^MSEE_SANITIZE:\w+=(.*)$", text, re.M)
            s = bt.group(1) if bt else ""
            if san and san.group(1).upper() in ("ON", "1", "TRUE", "YES"):
                s += "+sanitizers"
            return s
    return None


_LOADAVG_START = None


def loadavg():
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def machine_info():
    return {"cpus": os.cpu_count(), "loadavg_start": _LOADAVG_START, "loadavg_end": loadavg(),
            "kernel": os.uname().release}


def main(argv=None):
    global _LOADAVG_START
    ap = argparse.ArgumentParser(
        description="Measure msee-emu's REST API latency while a BIRD CE loads N routes on both "
                    "sessions of a Premium private peering, and in steady state (issue #5).",
        epilog="Progress goes to stderr, the result table (or JSON with --json) to stdout. Exit "
               "0: p99 of summary/sessions/metrics under --limit-ms in every phase; 1: not, or "
               "the run failed; 2: environment unusable.")
    ap.add_argument("--msee-emu", default="/work/main/build/msee-emu",
                    help="msee-emu binary (default %(default)s; a Release build)")
    ap.add_argument("--build", action="store_true",
                    help="first run: cmake --build DIR -j2 --target msee-emu msee-ctl, DIR = "
                         "the binary's directory")
    ap.add_argument("--routes", "-n", type=int, default=10000,
                    help="routes the CE announces on each session (default %(default)s; above "
                         "10,000 the config raises emulation.maxPrefixes.ipv4)")
    ap.add_argument("--baseline", type=float, default=5.0,
                    help="seconds of baseline before the CE starts (default %(default)s)")
    ap.add_argument("--steady", type=float, default=10.0,
                    help="seconds of steady state after the table loaded (default %(default)s)")
    ap.add_argument("--churn", type=int, default=0, metavar="K",
                    help="afterwards, K cycles of the CE withdrawing and re-announcing all N "
                         "routes (birdc disable/enable), measured as phase 'churn' (default 0)")
    ap.add_argument("--api", default=DEFAULT_API, help="API address (default %(default)s)")
    ap.add_argument("--limit-ms", type=float, default=100.0,
                    help="p99 limit of the small endpoints (default %(default)s)")
    ap.add_argument("--poll-interval", type=float, default=0.02,
                    help="seconds between load polls on the 2nd connection (default %(default)s)")
    ap.add_argument("--load-timeout", type=float, default=120.0,
                    help="seconds the table may take to load (default %(default)s)")
    ap.add_argument("--fresh-connections", action="store_true",
                    help="a new TCP connection per client request, as msee-ctl does (default: "
                         "keep-alive)")
    ap.add_argument("--no-pin", action="store_true",
                    help="do not pin msee-emu to the last CPU and this harness + BIRD to CPU 0")
    ap.add_argument("--json", nargs="?", const="-", metavar="FILE",
                    help="write the result as JSON to FILE; without FILE (or '-') print JSON to "
                         "stdout instead of the table")
    ap.add_argument("--keep-tmp", action="store_true",
                    help="keep the temp dir (configs, logs, events) even after a clean run")
    a = ap.parse_args(argv)
    if a.routes < 1 or a.routes > 1 << 22:
        ap.error("--routes must be 1..4194304")
    _LOADAVG_START = loadavg()

    def on_term(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGHUP, on_term)
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, on_term)

    a.msee_cpu = a.harness_cpu = None
    if not a.no_pin:
        try:
            cpus = sorted(os.sched_getaffinity(0))
            if len(cpus) >= 2:
                a.harness_cpu, a.msee_cpu = cpus[0], cpus[-1]
                os.sched_setaffinity(0, {a.harness_cpu})
        except (AttributeError, OSError):
            a.msee_cpu = a.harness_cpu = None

    if a.build:
        bdir = str(Path(a.msee_emu).resolve().parent)
        say(f"building msee-emu msee-ctl in {bdir}")
        r = subprocess.run(["cmake", "--build", bdir, "-j2", "--target", "msee-emu", "msee-ctl"],
                           stdout=sys.stderr, stderr=sys.stderr)
        if r.returncode != 0:
            say("build failed")
            return 2
    bt = build_type(a.msee_emu)
    if bt and bt != "Release":
        say(f"warning: {a.msee_emu} is a {bt} build; numbers are for Release builds")

    bench = Bench(a)
    rc = 0
    failed = False
    try:
        bench.run()
    except EnvError as e:
        say(f"error: {e}")
        rc, failed = 2, True
    except RunError as e:
        say(f"run failed: {e}")
        rc, failed = 1, True
    except KeyboardInterrupt:
        say("interrupted")
        rc, failed = 1, True
    finally:
        try:
            bench.cleanup()
        except KeyboardInterrupt:
            bench.cleanup()
    if failed:
        if bench.workdir:
            say(f"kept {bench.workdir} (logs, configs, events.jsonl)")
        return rc
    r = bench.report()
    text = bench.table(r)
    if a.json == "-":
        print(json.dumps(r, indent=1))
    else:
        print(text)
        if a.json:
            Path(a.json).write_text(json.dumps(r, indent=1) + "\n")
            say(f"JSON written to {a.json}")
    if a.keep_tmp:
        say(f"kept {bench.workdir}")
    else:
        shutil.rmtree(bench.workdir, ignore_errors=True)
    return 0 if r["verdict"]["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
