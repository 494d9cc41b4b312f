"""Processes, namespaces and the REST API: the lab's plumbing.

Every process the lab starts is recorded with its PID and its kernel start time, so `lab down`
only ever signals the processes it started, even after a crash and PID reuse.
"""
import ctypes
import ipaddress
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request


class LabError(Exception):
    """A failure the user can act on; printed without a traceback."""


def prefix_key(p):
    """Sort key for prefixes as a router lists them: by family, address, then length
    (20.2.0.0/16 before 20.130.0.0/16, which text order reverses)."""
    n = ipaddress.ip_network(p, strict=False)
    return (n.version, int(n.network_address), n.prefixlen)


def now_ms():
    return time.monotonic_ns() / 1e6


def run(argv, check=True, capture=True, timeout=30, input=None):
    """Runs argv; returns stdout. LabError with the command and its stderr on failure."""
    try:
        p = subprocess.run(argv, capture_output=capture, text=True, timeout=timeout, input=input)
    except FileNotFoundError:
        raise LabError(f"{argv[0]} is not installed")
    except subprocess.TimeoutExpired:
        raise LabError(f"{' '.join(argv)} did not finish within {timeout} s")
    if check and p.returncode != 0:
        raise LabError(f"{' '.join(argv)} failed ({p.returncode}): {(p.stderr or '').strip()}")
    return p.stdout if capture else ""


def ip(*args, check=True):
    return run(["ip", *args], check=check)


def proc_start_time(pid):
    """The process's start time in clock ticks since boot (field 22 of /proc/PID/stat)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return None
    return int(stat[stat.rindex(")") + 2:].split()[19])


def alive(rec):
    """Whether the recorded process {pid, start} still runs (and is the same process)."""
    st = proc_start_time(rec["pid"])
    if st is None or st != rec.get("start"):
        return False
    with open(f"/proc/{rec['pid']}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0] != "Z"


def spawn(role, argv, log, netns=None, env=None):
    """Starts a daemon in its own session (it outlives msee-lab) and returns its record."""
    if netns:
        argv = ["ip", "netns", "exec", netns, *argv]  # ip execs argv: same PID
    out = open(log, "ab")
    p = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                         start_new_session=True, env=env)
    out.close()
    time.sleep(0.05)
    return {"role": role, "pid": p.pid, "start": proc_start_time(p.pid), "argv": argv,
            "log": log}


def stop(rec, wait_s=5.0):
    """SIGTERM, a bounded wait, then SIGKILL — only if the record is still the same process."""
    if not alive(rec):
        return
    try:
        os.kill(rec["pid"], signal.SIGTERM)
    except ProcessLookupError:
        return
    end = time.monotonic() + wait_s
    while time.monotonic() < end:
        if not alive(rec):
            return
        time.sleep(0.05)
    try:
        os.kill(rec["pid"], signal.SIGKILL)
    except ProcessLookupError:
        pass


def wait_for(what, pred, timeout, interval=0.2, progress=None):
    """Polls pred() until it is truthy; LabError naming `what` after `timeout` seconds."""
    end = time.monotonic() + timeout
    last = None
    while True:
        try:
            v = pred()
        except LabError as e:
            v, last = None, e
        if v:
            return v
        if time.monotonic() > end:
            raise LabError(f"{what}: not within {timeout:g} s" + (f" ({last})" if last else ""))
        if progress:
            progress()
        time.sleep(interval)


_libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNET = 0x40000000
_netns_entered = None


def enter_netns(name):
    """Moves this process into network namespace `name` (for the API on its loopback)."""
    global _netns_entered
    if _netns_entered == name:
        return
    fd = os.open(f"/run/netns/{name}", os.O_RDONLY)
    try:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            raise LabError(f"cannot enter network namespace {name}: "
                           f"{os.strerror(ctypes.get_errno())}")
    finally:
        os.close(fd)
    _netns_entered = name


class Api:
    """msee-emu's REST API inside the MSEE namespace."""

    def __init__(self, netns, url="http://127.0.0.1:8179"):
        self.netns, self.url = netns, url

    def call(self, method, path, body=None, timeout=10):
        enter_netns(self.netns)
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            try:
                msg = json.loads(e.read())["error"]["message"]
            except Exception:  # noqa: BLE001 - any unreadable body: report the status
                msg = e.reason
            raise LabError(f"msee-emu API {method} {path}: {e.code} {msg}")
        except (urllib.error.URLError, OSError) as e:
            raise LabError(f"msee-emu API not reachable at {self.url} in {self.netns}: {e}")

    def get(self, path):
        return self.call("GET", path)

    def sessions(self):
        return self.get("/v1/sessions")["value"]

    def events_after(self, seq):
        return self.get(f"/v1/events?after={seq}&limit=10000")

    def last_seq(self):
        return self.get("/v1/events?last=1").get("last", 0)


def say(msg, quiet=False):
    if not quiet:
        print(msg, file=sys.stderr, flush=True)
