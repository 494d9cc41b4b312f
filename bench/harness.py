#!/usr/bin/env python3
"""bench/harness.py - msee-emu as the test harness of a whole peering location (issue #15).

The other side of bench/location.py: there the CEs are raw sessions from Python and msee-emu is
the MSEE; here msee-emu in router mode *is* every CE, as a user drives a big lab: one neighbour
per MSEE session, "export": false, and one "generate" block of --per-circuit /24s per circuit
sent to that circuit's primary and secondary neighbours only ("to"). The MSEE is another
msee-emu (the same binary unless --msee), N Standard circuits on loopback (127.15.0.0/16).

Measured per harness binary (each started fresh, against a fresh MSEE): time from the harness's
start to every MSEE session Established and to every generated prefix accepted (the MSEE's own
/v1/sessions counters, polled every 100 ms), the harness's CPU seconds and RSS at that point,
and the time the harness takes to stop (Cease to every neighbour, SIGTERM to exit).
Several --harness binaries (an older build beside the new one) run in turn, run by run, so the
ratio of this run is printed beside the figures. The MSEE is pinned to CPU 1, the harness to
CPU 0 (--no-pin: not).

  python3 bench/harness.py [--circuits 500] [--per-circuit 100] [--runs 1]
          [--harness PATH ...] [--msee PATH] [--timeout 300] [--json out.json]
Exit status: 0 every run converged, 1 a run failed, 2 the environment is unusable.
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from benchlib.location_topo import IPV4_OCTETS, Topology  # noqa: E402
from benchlib.proc import Proc, proc_cpu, proc_status  # noqa: E402
from benchlib.report import machine_info  # noqa: E402
from benchlib.wire import HARNESS_CPU, TARGET_CPU  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CE_ASN = 65001
PORT = 11016                         # the MSEE's BGP port (location.py uses 11015)
HARNESS_API = "127.15.255.101:18016"
SLOT = 128                           # /24s reserved per circuit: 512 circuits per /8


def say(msg):
    print(f"[harness {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def default_binary():
    for d in ("build", "build-dev"):
        if (ROOT / d / "msee-emu").exists():
            return str(ROOT / d / "msee-emu")
    return str(ROOT / "build" / "msee-emu")


def circuit_base(i):
    idx = (i % 512) * SLOT
    return f"{IPV4_OCTETS[i // 512]}.{idx >> 8}.{idx & 255}.0/24"


def msee_config(topo):
    """bench/location.py's MSEE, every circuit's customer AS being the harness's one AS."""
    cfg = topo.msee_config()
    cfg["description"] = f"bench/harness.py: the MSEE side, {topo.n} circuits"
    for c in cfg["circuits"]:
        for p in c["peerings"]:
            p["peerASN"] = CE_ASN
    return cfg


def harness_config(topo, per_circuit):
    neighbors, generate = [], []
    for s in topo.sessions:
        neighbors.append({"name": f"c{s.circuit}{s.path[0]}", "address": s.msee, "port": PORT,
                          "localAddress": s.ce, "peerAsn": 12076, "export": False,
                          "connectRetry": 1, "idleHoldTime": 1})
    for i in range(topo.n):
        generate.append({"base": circuit_base(i), "count": per_circuit,
                         "to": [f"c{i}p", f"c{i}s"]})
    return {"description": f"bench/harness.py: every CE of {topo.n} circuits",
            "router": {"asn": CE_ASN, "routerId": "192.0.2.2"},
            "neighbors": neighbors, "generate": generate}


def get_sessions(api):
    """(established, accepted) summed over the MSEE's sessions, or None if it did not answer."""
    try:
        with urllib.request.urlopen(f"http://{api}/v1/sessions", timeout=5) as r:
            rows = json.load(r)["value"]
    except (OSError, ValueError, KeyError):
        return None
    return (sum(1 for x in rows if x.get("state") == "Established"),
            sum(int(x.get("prefixesReceived", 0)) for x in rows))


def wait_api(api, proc, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if not proc.alive():
            return False
        if get_sessions(api) is not None:
            return True
        time.sleep(0.1)
    return False


def one_run(binary, msee_bin, topo, a, work, tag):
    """Fresh MSEE, then the harness; returns the run's dict (ok False and why on failure)."""
    r = {"harness": binary, "ok": False}
    d = tempfile.mkdtemp(prefix="run.", dir=work)
    Path(d, "msee.json").write_text(json.dumps(msee_config(topo)))
    Path(d, "harness.json").write_text(json.dumps(harness_config(topo, a.per_circuit)))
    pin = not a.no_pin and os.cpu_count() and os.cpu_count() > 1
    msee = Proc("msee", [msee_bin, "--config", os.path.join(d, "msee.json"), "--api", topo.api,
                         "--log-level", "warn"], d, TARGET_CPU if pin else None)
    harness = None
    try:
        if not wait_api(topo.api, msee, 60):
            r["error"] = "the MSEE's API did not answer: " + msee.tail(5)
            return r
        sessions, want = len(topo.sessions), len(topo.sessions) * a.per_circuit
        t0 = time.monotonic()
        harness = Proc("harness", [binary, "--config", os.path.join(d, "harness.json"),
                                   "--api", HARNESS_API, "--log-level", "warn"], d,
                       HARNESS_CPU if pin else None)
        last_say, last = t0, None
        while True:
            now = time.monotonic()
            if now - t0 > a.timeout:
                r["error"] = f"not converged in {a.timeout} s: {last}"
                return r
            if not harness.alive():
                r["error"] = "the harness exited: " + harness.tail(5)
                return r
            got = get_sessions(topo.api)
            now = time.monotonic()
            if got is not None:
                last = got
                if got[0] == sessions and "established_s" not in r:
                    r["established_s"] = round(now - t0, 3)
                if got[0] == sessions and got[1] == want:
                    r["converged_s"] = round(now - t0, 3)
                    break
            if now - last_say >= 5:
                last_say = now
                say(f"{tag}: {now - t0:.0f} s, MSEE: {last[0] if last else '?'}/{sessions} "
                    f"Established, accepted {last[1] if last else 0:,} of {want:,}, harness CPU "
                    f"{proc_cpu(harness.pid):.1f} s")
            time.sleep(0.1)
        r["harness_cpu_s"] = round(proc_cpu(harness.pid), 2)
        r["harness_rss_mb"] = round((proc_status(harness.pid, "VmRSS") or 0) / 2**20, 1)
        t1 = time.monotonic()
        r["stop"] = harness.stop(term_wait=30)
        r["stop_s"] = round(time.monotonic() - t1, 3)
        harness = None
        r["ok"] = r["stop"] == "exit 0"
        if not r["ok"]:
            r["error"] = f"the harness stopped with {r['stop']}"
        return r
    finally:
        if harness:
            harness.stop(term_wait=10)
        msee.stop(term_wait=10)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--circuits", type=int, default=500)
    ap.add_argument("--per-circuit", type=int, default=100, help="generated /24s per circuit")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--harness", action="append", help="msee-emu binary as the harness "
                    "(repeat to compare builds; default build/msee-emu)")
    ap.add_argument("--msee", help="msee-emu binary as the MSEE (default: the first --harness)")
    ap.add_argument("--timeout", type=float, default=300.0)
    ap.add_argument("--no-pin", action="store_true")
    ap.add_argument("--json", help="write every run's figures here")
    a = ap.parse_args()
    if a.per_circuit < 1 or a.per_circuit > SLOT:
        ap.error(f"--per-circuit must be 1..{SLOT}")
    harnesses = [os.path.abspath(b) for b in (a.harness or [default_binary()])]
    msee_bin = os.path.abspath(a.msee) if a.msee else harnesses[0]
    for b in harnesses + [msee_bin]:
        if not os.access(b, os.X_OK):
            say(f"error: {b} is not an executable")
            return 2
    topo = Topology(a.circuits, ipv6=False, netns=False, port=PORT)
    info = machine_info()
    say(f"machine: {info['nproc']} CPUs ({info['cpu_model']}), {info['mem_total']}, Linux "
        f"{info['kernel']}, load average {' '.join(info['loadavg_start'])}")
    say(f"{a.circuits} circuits, {len(topo.sessions)} harness neighbours, "
        f"{a.circuits * a.per_circuit:,} generated prefixes ({a.per_circuit} per circuit to "
        f"its primary and secondary), export false; MSEE {msee_bin}")
    runs = []
    with tempfile.TemporaryDirectory(prefix="msee-harness.") as work:
        for n in range(a.runs):
            for b in harnesses:
                tag = f"{b} run {n + 1}/{a.runs}"
                r = one_run(b, msee_bin, topo, a, work, tag)
                runs.append(r)
                say(f"{tag}: " + (", ".join(f"{k} {r[k]}" for k in
                                            ("established_s", "converged_s", "harness_cpu_s",
                                             "harness_rss_mb", "stop_s") if k in r)
                                  if r["ok"] else f"FAILED: {r.get('error')}"))
    print(f"\nharness: {a.circuits} circuits, {len(topo.sessions)} neighbours, "
          f"{a.circuits * a.per_circuit:,} prefixes ({len(topo.sessions) * a.per_circuit:,} accepted "
          f"at the MSEE), {a.runs} run(s), median")
    cols = ("established_s", "converged_s", "harness_cpu_s", "harness_rss_mb", "stop_s")
    print(f"{'harness binary':40} " + " ".join(f"{c:>15}" for c in cols))
    med = {}
    for b in harnesses:
        ok = [r for r in runs if r["harness"] == b and r["ok"]]
        med[b] = {c: statistics.median(r[c] for r in ok) for c in cols} if ok else None
        vals = " ".join(f"{med[b][c]:>15}" for c in cols) if ok else "   failed"
        print(f"{b[-40:]:40} {vals}")
    if len(harnesses) == 2 and all(med.values()):
        x, y = med[harnesses[1]], med[harnesses[0]]
        print(f"{'first/second':40} " + " ".join(
            f"{(y[c] / x[c] if x[c] else float('nan')):>15.2f}" for c in cols))
    if a.json:
        Path(a.json).write_text(json.dumps({"circuits": a.circuits, "per_circuit": a.per_circuit,
                                            "machine": info, "runs": runs}, indent=1))
    return 0 if all(r["ok"] for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
