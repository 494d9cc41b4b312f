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
            behind a routeTables answer (msee-emu answers on its control thread, and writes a big
            table on a render thread of its own, issue #15).
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

This file owns the command line only; the code is in bench/benchlib/ (see its __init__.py).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from benchlib.api_report import build_result, build_type, loadavg_text, render_table  # noqa: E402
from benchlib.api_run import Bench  # noqa: E402
from benchlib.api_setup import DEFAULT_API, EnvError, RunError, say  # noqa: E402
from benchlib.proc import interrupt_on_term  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Measure msee-emu's REST API latency while a BIRD CE loads N routes on both "
                    "sessions of a Premium private peering, and in steady state (issue #5).",
        epilog="Progress goes to stderr, the result table (or JSON with --json) to stdout. Exit "
               "0: p99 of summary/sessions/metrics under --limit-ms in every phase; 1: not, or "
               "the run failed; 2: environment unusable.")
    ap.add_argument("--msee-emu", default=str(Path(__file__).resolve().parent.parent / "build" /
                                              "msee-emu"),
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
    a.msee_emu = os.path.abspath(a.msee_emu)  # the processes run in a work directory
    if a.routes < 1 or a.routes > 1 << 22:
        ap.error("--routes must be 1..4194304")
    a.loadavg_start = loadavg_text()
    interrupt_on_term()

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
    r = build_result(bench)
    text = render_table(r, a.limit_ms)
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
