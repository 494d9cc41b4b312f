#!/usr/bin/env python3
"""bench/bgpbench.py - reproducible BGP convergence/memory benchmark (issue #3), stdlib only.

Shape of bgperf/bgperf2: senders (pre-encoded UPDATE streams) -> target -> sink, all on loopback
(127.31.0.0/16), every process started here and stopped by its PID.

  senders   one TCP session per emulated peer from 127.31.<1+k/200>.<1+k%200>, AS 65101+k; every
            UPDATE is encoded before the clock starts; at "go" the bytes are written at full speed
            (non-blocking, all peers interleaved), then End-of-RIB.
  target    msee-emu | BIRD 2 | FRR bgpd -Z | GoBGP, listening on 127.31.0.1:179, AS 65000,
            pinned to CPU 1; "floor" = no target at all (senders -> sink directly).
  sink      one BGP session from 127.31.0.2 (AS 65100); counts announced and withdrawn IPv4
            prefixes (regex walk over the prefix-length octets, in C) and timestamps every
            message by the time its bytes were received (CLOCK_MONOTONIC).
Convergence = sink time of the last expected prefix - time the senders started writing (all
sessions Established before). Target RSS from /proc/PID/status (VmRSS idle, VmHWM at the end).

  python3 bench/bgpbench.py [--targets msee,bird,frr,gobgp] [--scenarios 1x1M,1x1M-nhs,10x100k,
          300idle,withdraw] [--runs 3] [--msee PATH] [--quick] [--json out.json]
Exit status: 0 all runs converged, 1 a run failed (timeout, session error, crash), 2 a requested
target could not be run (binary missing) or the environment is unusable (address in use).

This file owns the command line only; the code is in bench/benchlib/ (see its __init__.py).
"""
import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from benchlib.proc import interrupt_on_term, loadavg  # noqa: E402
from benchlib.report import (LABELS, final_report, machine_info,  # noqa: E402
                             report_from_json, summarize, table)
from benchlib.runner import Bench, EnvironmentUnusable  # noqa: E402
from benchlib.scenarios import encode_scenario, scenarios  # noqa: E402
from benchlib.targets import TARGETS, wait_port_free  # noqa: E402
from benchlib.wire import HARNESS_CPU, TARGET_CPU, prefix_text  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--targets", default="msee,bird,frr,gobgp",
                    help="comma list of msee,bird,frr,gobgp (default: all four)")
    ap.add_argument("--scenarios", default="1x1M,1x1M-nhs,10x100k,300idle,withdraw")
    ap.add_argument("--runs", type=int, default=3)
    default_msee = os.environ.get("MSEE_EMU") or str(
        Path(__file__).resolve().parent.parent / "build" / "msee-emu")
    ap.add_argument("--msee", default=default_msee,
                    help="msee-emu binary (default $MSEE_EMU or build/msee-emu)")
    ap.add_argument("--quick", action="store_true",
                    help="CI smoke sizes: 1x20k, 3x5k, 30 idle, withdraw 20k")
    ap.add_argument("--json", metavar="FILE", help="write all results as JSON")
    ap.add_argument("--no-floor", action="store_true",
                    help="skip the harness floor (senders -> sink without a target)")
    ap.add_argument("--timeout", type=float, default=None,
                    help="per phase convergence timeout, s (default 300, quick 30)")
    ap.add_argument("--stall", type=float, default=None,
                    help="fail a phase when the sink count does not move for this long "
                         "(default 120 s, quick 15 s)")
    ap.add_argument("--settle", type=float, default=None,
                    help="pause before idle RSS readings and between phases "
                         "(default 1 s, quick 0.3 s)")
    ap.add_argument("--sample", type=float, default=None,
                    help="CPU-use sample before each run (default 1 s, quick 0.2 s)")
    ap.add_argument("--progress", type=float, default=1.0, help="progress line interval (s)")
    ap.add_argument("--quiet-wait", type=float, default=0.0, metavar="SECS",
                    help="before each run wait up to SECS for the CPUs to be idle "
                         "(other processes below --quiet-threshold %%); default 0 = just measure")
    ap.add_argument("--quiet-threshold", type=float, default=20.0, metavar="PCT")
    ap.add_argument("--term-wait", type=float, default=None,
                    help="seconds a target gets to exit after SIGTERM before SIGKILL "
                         "(default 5, quick 3)")
    ap.add_argument("--per-peer", type=int, default=None, metavar="N",
                    help="override the prefixes per sender of every selected scenario")
    ap.add_argument("--no-pin", action="store_true", help="do not pin CPUs")
    ap.add_argument("--expect-extra", type=int, default=0, metavar="N",
                    help="testing the failure path only: the sink waits for N prefixes more "
                         "than are sent, so no run can converge and the exit status must be 1")
    ap.add_argument("--keep", action="store_true", help="keep the target work directories")
    ap.add_argument("--report", metavar="JSON",
                    help="print the tables of an earlier --json file and exit (no runs)")
    ap.add_argument("--markdown", action="store_true", help="with --report: Markdown tables")
    args = ap.parse_args(argv)
    if args.report:
        return report_from_json(args.report, args.markdown)
    if args.timeout is None:
        args.timeout = 30.0 if args.quick else 300.0
    if args.term_wait is None:
        args.term_wait = 3.0 if args.quick else 5.0
    if args.settle is None:
        args.settle = 0.3 if args.quick else 1.0
    if args.sample is None:
        args.sample = 0.2 if args.quick else 1.0
    if args.stall is None:
        args.stall = 15.0 if args.quick else 120.0

    interrupt_on_term()
    bench = Bench(args)
    targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    for t in targets:
        if t not in TARGETS:
            ap.error(f"unknown target {t!r} (choose from {','.join(TARGETS)})")
    all_sc = scenarios(args.quick)
    if args.per_peer:
        for sc in all_sc.values():
            sc.per_peer = args.per_peer
            sc.title += f" [--per-peer {args.per_peer}]"
    sc_ids = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    for s in sc_ids:
        if s not in all_sc:
            ap.error(f"unknown scenario {s!r} (choose from {','.join(all_sc)})")
    if os.geteuid() != 0:
        bench.say("warning: not root; binding port 179 will fail")

    # CPU pinning: target on CPU 1, harness (this process, sender, sink) on CPU 0
    try:
        if not args.no_pin and {HARNESS_CPU, TARGET_CPU} <= os.sched_getaffinity(0):
            os.sched_setaffinity(0, {HARNESS_CPU})
            bench.pin = True
    except (AttributeError, OSError):
        pass
    info = machine_info()
    bench.say(f"machine: {info['nproc']} CPUs ({info['cpu_model']}), {info['mem_total']}, "
              f"Linux {info['kernel']}, load average {' '.join(info['loadavg_start'])}")
    bench.say("CPU pinning: " + (f"target on CPU {TARGET_CPU}; senders, sink and this harness "
                                 f"on CPU {HARNESS_CPU} (sched_setaffinity)" if bench.pin else
                                 "OFF (need CPUs 0 and 1; --no-pin given or unavailable)"))
    versions = {}
    runnable = []
    frozen_dir = tempfile.mkdtemp(prefix="bgpbench.bin.")
    for t in targets:
        tgt = TARGETS[t](args)
        why = tgt.available()
        if why:
            bench.unavailable[t] = why
            bench.say(f"target {t}: NOT RUN: {why}")
            continue
        versions[t] = tgt.version()
        note = ""
        if t == "msee":
            args.msee, versions["msee_build"], note = tgt.freeze(frozen_dir)
        bench.say(f"target {t}: {versions[t]}{note}")
        runnable.append(t)
    err = wait_port_free(timeout=2)
    if err:
        bench.say(f"error: {err}")
        return 2
    order = ([] if args.no_floor else ["floor"]) + runnable
    command = "python3 bench/bgpbench.py " + " ".join(argv if argv is not None else sys.argv[1:])
    results = {"command": command.strip(), "machine": info, "versions": versions,
               "pinning": bench.pin, "unavailable": bench.unavailable, "scenarios": {}}
    tables = []
    interrupted = False
    try:
        for sid in sc_ids:
            sc = all_sc[sid]
            t_enc = time.monotonic()
            streams, nupd, nbytes = encode_scenario(sc)
            bench.say(f"== {sid}: {sc.title}: encoded {sc.total} prefixes "
                      f"({prefix_text(0)} .. {prefix_text(sc.total - 1)}) in {nupd} UPDATEs, "
                      f"{nbytes / 1e6:.1f} MB, {time.monotonic() - t_enc:.1f} s (before any clock)")
            runs = bench.run_all(sc, order, streams)
            summ = summarize(sc, runs, order)
            results["scenarios"][sid] = {"title": sc.title, "peers": sc.peers,
                                         "per_peer": sc.per_peer, "updates": nupd,
                                         "bytes": nbytes, "runs": runs, "summary": summ}
            tab = table(sc, summ, LABELS.__getitem__)
            tables.append((sc, tab))
            bench.say(f"\n== {sid}: {sc.title} ({args.runs} run(s), median and min-max)\n{tab}\n")
            del streams
    except KeyboardInterrupt:
        interrupted = True
        bench.say("interrupted")
    except EnvironmentUnusable as e:
        bench.say(f"error: {e}")
        bench.unavailable["environment"] = str(e)
    shutil.rmtree(frozen_dir, ignore_errors=True)
    results["loadavg_end"] = loadavg()
    results["failures"] = bench.failures
    final_report(bench.say, args, results, tables, bench.failures, bench.unavailable)
    if interrupted or bench.failures:
        return 1
    return 2 if bench.unavailable else 0


if __name__ == "__main__":
    sys.exit(main())
