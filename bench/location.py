#!/usr/bin/env python3
"""bench/location.py - a whole ExpressRoute peering location: msee-emu against BIRD (issue #15).

N Standard circuits with private peering, each a primary and a secondary session (IPv4, and
IPv6 with --ipv6), against one msee-emu and, in the same run, against BIRD 2 configured as the
same MSEE (local AS 12076, a table per circuit and family, a `protocol bgp` per session with
`import limit 4000 action restart` / 100 for IPv6). One harness process (this one) is every
CE: raw non-blocking BGP sessions, every UPDATE encoded before any clock starts. Each CE
session announces 80 % of its route limit (R36: 3,200 IPv4 /24s, 80 IPv6 /48s); a circuit's
primary and secondary announce the same prefixes, as a dual-homed CE does; circuits announce
prefixes of their own (--overlap: all the same ones; the tables are per circuit).

Addressing: IPv4 only runs on the host's lo, 127.15.0.0/16 (msee-emu's loopback addressing),
port 11015. --ipv6 (or --netns) runs everything inside a network namespace this script makes
(unshare(2); it has no name and ends with its last process), on the Azure link /30s
(192.168.0.0/16) and /126s (fd15::/64) added to its lo, with msee-emu's direct addressing.

Measured per run (the target is started fresh for each): time from "go" to every session
Established, from the first UPDATE to every prefix accepted (the target's own counters,
polled), withdrawing everything, tearing every session down; VmRSS with no session, with every
session idle, converged (and VmHWM). Targets are pinned to CPU 1 and the harness to CPU 0 when
both exist (--no-pin: not).

  python3 bench/location.py [--targets msee,bird] [--circuits 1000] [--ipv6] [--runs 1]
          [--threads N] [--msee PATH] [--json out.json]
Exit status: 0 every run completed, 1 a run failed or was interrupted, 2 the environment is
unusable (binary missing, port in use, config refused, no namespace).
"""
import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from benchlib.location_report import LEGEND, failures, summarize, table  # noqa: E402
from benchlib.location_run import BirdTarget, MseeTarget, Run, listeners  # noqa: E402
from benchlib.location_topo import Topology, enter_netns  # noqa: E402
from benchlib.proc import interrupt_on_term, loadavg  # noqa: E402
from benchlib.report import machine_info  # noqa: E402
from benchlib.targets import Msee  # noqa: E402
from benchlib.wire import HARNESS_CPU, TARGET_CPU  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LABELS = {"msee": "msee-emu", "bird": "BIRD"}


def say(msg):
    print(f"[location {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def default_msee():
    env = os.environ.get("MSEE_EMU")
    if env:
        return env
    for d in ("build", "build-dev"):
        if (ROOT / d / "msee-emu").exists():
            return str(ROOT / d / "msee-emu")
    return str(ROOT / "build" / "msee-emu")


def raise_nofile(want):
    """Thousands of sockets in the harness, and in the targets (they inherit the limit): a
    listener and a connection per session, plus msee-emu's outbound attempts."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= want:
        return soft
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, max(hard, want)))  # root may raise hard
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def threads_supported(binary):
    try:
        out = subprocess.run([binary, "--help"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "--threads" in out.stdout + out.stderr


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("--targets", default="msee,bird", help="comma list of msee,bird (default both)")
    ap.add_argument("--circuits", type=int, default=1000, help="circuits (default %(default)s)")
    ap.add_argument("--ipv6", action="store_true",
                    help="IPv6 sessions too (4 per circuit); runs in a network namespace")
    ap.add_argument("--netns", action="store_true",
                    help="run in a network namespace even for IPv4 only")
    ap.add_argument("--overlap", action="store_true",
                    help="every circuit announces the same prefixes (default: its own)")
    ap.add_argument("--threads", type=int, default=1,
                    help="msee-emu --threads N (default 1: one protocol thread, pinned like "
                         "BIRD; msee-emu's own default is the number of cores)")
    ap.add_argument("--runs", type=int, default=1, help="runs per target (default 1)")
    ap.add_argument("--msee", default=default_msee(),
                    help="msee-emu binary (default $MSEE_EMU, build/msee-emu or "
                         "build-dev/msee-emu)")
    ap.add_argument("--json", metavar="FILE", help="write every run and the summary as JSON")
    ap.add_argument("--msee-counters", choices=("auto", "metrics", "sessions"), default="auto",
                    help="where msee-emu's accepted prefixes are read: /metrics, /v1/sessions "
                         "(the same count), auto (default): /metrics on the host, /v1/sessions "
                         "in the namespace, where /metrics is O(sessions x addresses)")
    ap.add_argument("--port", type=int, default=11015, help="BGP port (default %(default)s)")
    ap.add_argument("--teardown", choices=("empty", "full"), default="empty",
                    help="tear down after the withdrawal (empty, default) or after announcing "
                         "again (full: sessions that hold their routes)")
    ap.add_argument("--timeout", type=float, default=900.0,
                    help="s a phase may take (default %(default)s)")
    ap.add_argument("--stall", type=float, default=120.0,
                    help="fail a phase when its count (accepted prefixes, sessions up) stays "
                         "put this long with the target idle (s, default %(default)s)")
    ap.add_argument("--poll", type=float, default=0.05,
                    help="least s between reads of the target's counters (default "
                         "%(default)s), and 3 x the quickest answer so far after an answer")
    ap.add_argument("--settle", type=float, default=1.0,
                    help="s before each RSS reading (default %(default)s)")
    ap.add_argument("--progress", type=float, default=2.0,
                    help="s between progress lines (default %(default)s)")
    ap.add_argument("--term-wait", type=float, default=10.0,
                    help="s after SIGTERM until SIGKILL (default %(default)s)")
    ap.add_argument("--no-pin", action="store_true", help="do not pin CPUs")
    ap.add_argument("--keep", action="store_true", help="keep the work directories")
    ap.add_argument("--api-probe", action="store_true",
                    help="time msee-emu's API (summary, sessions, metrics) from a process of "
                         "its own while the location converges (loopback runs)")
    a = ap.parse_args(argv)
    targets = [t.strip() for t in a.targets.split(",") if t.strip()]
    for t in targets:
        if t not in LABELS:
            ap.error(f"unknown target {t!r} (msee, bird)")
    if a.circuits < 1 or a.runs < 1:
        ap.error("--circuits and --runs must be at least 1")
    netns = a.ipv6 or a.netns
    try:
        topo = Topology(a.circuits, a.ipv6, netns, a.port, a.overlap)
    except ValueError as e:
        ap.error(str(e))
    n = len(topo.sessions)
    interrupt_on_term()

    if "msee" in targets and not os.access(a.msee, os.X_OK):
        say(f"error: msee-emu not found at {a.msee} (--msee or $MSEE_EMU)")
        return 2
    if "bird" in targets and not shutil.which("bird"):
        say("error: bird not installed (apt-get install bird2)")
        return 2
    threads = None
    if a.threads is not None and "msee" in targets:
        if threads_supported(a.msee):
            threads = a.threads
        else:
            say(f"--threads {a.threads}: not available (msee-emu --help does not list "
                "--threads); msee-emu runs single-threaded")
    nofile = raise_nofile(4 * n + 1024)
    if nofile < 2 * n + 256:
        say(f"error: RLIMIT_NOFILE is {nofile}; {2 * n + 256} descriptors needed")
        return 2

    info = machine_info()
    say(f"machine: {info['nproc']} CPUs ({info['cpu_model']}), {info['mem_total']}, Linux "
        f"{info['kernel']}, load average {' '.join(info['loadavg_start'])}")
    say(f"location: {a.circuits} circuits, {n} sessions, {topo.routes():,} routes "
        f"({topo.per_session[4]} IPv4{f', {topo.per_session[6]} IPv6' if a.ipv6 else ''} per "
        f"session), {'network namespace' if netns else 'host lo 127.15.0.0/16'}, port "
        f"{a.port}; RLIMIT_NOFILE {nofile}")
    if netns:
        try:
            t = time.monotonic()
            enter_netns(topo.local_addresses(), say)
            say(f"network namespace ready in {time.monotonic() - t:.1f} s")
        except OSError as e:
            say(f"error: network namespace: {e}")
            return 2
    if listeners(a.port):
        say(f"error: something already listens on port {a.port}")
        return 2
    pin = False
    if not a.no_pin and not (threads and threads > 1):
        try:
            if {HARNESS_CPU, TARGET_CPU} <= os.sched_getaffinity(0):
                os.sched_setaffinity(0, {HARNESS_CPU})
                pin = True
        except OSError:
            pass
    say("CPU pinning: " + (f"targets on CPU {TARGET_CPU}, this harness on CPU {HARNESS_CPU}"
                           if pin else "off"))

    top = tempfile.mkdtemp(prefix="msee-location.")
    versions, adapters = {}, {}
    cpu = TARGET_CPU if pin else None
    if "msee" in targets:
        frozen, build, note = Msee(argparse.Namespace(msee=a.msee)).freeze(top)
        versions["msee"] = Msee(argparse.Namespace(msee=frozen)).version()
        versions["msee_build"] = build
        counters = a.msee_counters
        if counters == "auto":
            counters = "sessions" if netns else "metrics"
        adapters["msee"] = MseeTarget(topo, cpu, frozen, threads, counters)
        say(f"msee-emu: {versions['msee']} ({build['type']}){note}; accepted prefixes read from "
            + ("/metrics" if counters == "metrics" else "/v1/sessions (prefixesReceived; "
               "/metrics costs O(sessions x addresses) with direct addressing)"))
    if "bird" in targets:
        adapters["bird"] = BirdTarget(topo, cpu)
        versions["bird"] = BirdTarget.version()
        say(f"BIRD: {versions['bird']}")
    for t, tgt in adapters.items():
        err = tgt.check(top)
        if err:
            say(f"error: the generated {LABELS[t]} config is refused:\n{err}")
            shutil.rmtree(top, ignore_errors=True)
            return 2

    t = time.monotonic()
    streams = topo.streams(lambda k: say(f"encoding UPDATEs: {k}/{n} sessions")
                           if k % 2000 == 0 else None)
    mb = sum(len(x) for x in streams[0]) / 1e6, sum(len(x) for x in streams[1]) / 1e6
    say(f"encoded announce {mb[0]:.1f} MB + withdraw {mb[1]:.1f} MB in "
        f"{time.monotonic() - t:.1f} s (before any clock)")

    runs, interrupted = [], False
    try:
        for i in range(a.runs):
            for tname in targets:
                tag = f"{tname} run {i + 1}/{a.runs}"
                if listeners(a.port):
                    raise RuntimeError(f"port {a.port} still in use before {tag}")
                wd = tempfile.mkdtemp(prefix=f"{tname}.", dir=top)
                say(f"== {tag}: starting {LABELS[tname]} ({wd})")
                r = Run(adapters[tname], topo, streams, a, say, tag).run(wd)
                r["run"] = i + 1
                runs.append(r)
                if r["ok"]:
                    say(f"{tag}: Established {r['established_s']} s, converged "
                        f"{r['converge_s']} s, withdrawn {r['withdraw_s']} s, torn down "
                        f"{r['teardown_s']} s, stopped {r['stop_s']} s ({r['stop_how']})")
    except KeyboardInterrupt:
        interrupted = True
        say("interrupted")
    except RuntimeError as e:
        interrupted = True
        say(f"error: {e}")

    summaries = {t: summarize([r for r in runs if r["target"] == t]) for t in targets
                 if any(r["target"] == t for r in runs)}
    note = ("" if threads else " msee-emu single-threaded" +
            (" (--threads not available)" if a.threads else ""))
    print(f"\nlocation: {a.circuits} circuits, {n} sessions ({'IPv4 + IPv6' if a.ipv6 else 'IPv4'}"
          f"), {topo.routes():,} routes, {a.runs} run(s), median;{note}; load average at start "
          f"{' '.join(info['loadavg_start'])}")
    if summaries:
        print(table(topo, summaries, LABELS))
    print(LEGEND)
    fails = failures(runs)
    if fails:
        print("failed runs:\n" + "\n".join(fails))
    if a.json:
        out = {"command": "python3 bench/location.py " + " ".join(
                   argv if argv is not None else sys.argv[1:]),
               "machine": info, "loadavg_end": loadavg(), "versions": versions,
               "config": {k: v for k, v in vars(a).items() if k != "json"},
               "threads_used": threads, "pinning": pin, "netns": netns,
               "msee_counters": adapters["msee"].counters if "msee" in adapters else None,
               "sessions": n, "routes": topo.routes(), "runs": runs, "summary": summaries}
        Path(a.json).write_text(json.dumps(out, indent=1) + "\n")
        say(f"JSON written to {a.json}")
    ok = not interrupted and runs and all(r["ok"] for r in runs)
    if a.keep or not ok:
        say(f"kept {top}")
    else:
        shutil.rmtree(top, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
