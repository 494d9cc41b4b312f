#!/usr/bin/env python3
"""bench/soak.py - soak msee-emu with session flaps and route-limit cycles (issue #14), stdlib only.

Proves nothing leaks: msee-emu's RSS and open file descriptors must stay flat while its MSEE
sessions come up and go down thousands of times. One msee-emu, one generated circuit config on
loopback addressing (127.61.0.0/16 by default, port 11179, no root needed), this script playing
every customer edge with raw BGP sessions (benchlib/soak_ce.py):

  flaps         F flap circuits (2F sessions, Azure's default limits). One flap: connect,
                OPEN (AS 65001) / KEEPALIVE, Established (the MSEE's End-of-RIB), one /24 in,
                ROUTE-REFRESH answered, then a tear-down rotating Cease / close (FIN) / Cease /
                abort (RST). A session may flap again once the MSEE's IdleHold (5 s after a
                session that was Established, src/emulator/emulator.cpp) has passed, so the
                sessions flap in rotation, each waiting out its own IdleHold.
  limit cycles  L limit circuits (2L sessions, emulation.maxPrefixes.ipv4 = LIMIT,
                maxPrefixRestartSeconds = RESTART). One cycle: Established, LIMIT+1 /24s, the
                MSEE's Cease/Maximum Number of Prefixes Reached (checked), RESTART s, again.

Measurement, per phase: a warm-up first (the phase's own workload until msee-emu has written
WARMUP events, default twice EventLog::kCapacity = 2 x 10,000: its in-memory event ring for
`msee-ctl events` fills up and turns over; without this the ring's own growth, ~0.45 kB an
event up to ~4.5 MB and then flat, looks like a leak), then the measured N. msee-emu's VmRSS
(/proc/PID/status) and open fds (/proc/PID/fd, the minimum of 5 reads 20 ms apart) are sampled
at quiescent points (no attempt in flight, 0.5 s settle): cold, after the warm-up, after the
first 100 measured, at the end. Verdict per phase: end <= after-100 x 1.05 for RSS; for fds
also + 2 (msee-emu's own outbound connection attempts - sessions in Active retry every ~30 s,
sessions leaving IdleHold connect at once - hold a socket for a moment; a leak shows up in
every read, these in few).

  python3 bench/soak.py [--flaps 10000] [--limit-cycles 1000] [--msee PATH] [--json [FILE]]
Exit status: 0 flat and no error; 1 not flat, a protocol error, or msee-emu died; 2 the
environment is unusable (binary missing, address in use, config refused).
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from benchlib.proc import Proc, cmake_build_info, interrupt_on_term, loadavg, proc_cpu, \
    proc_status, tcp_local_addrs  # noqa: E402
from benchlib.soak_ce import Driver, circuit_config  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PHASES = (("flap", "flaps"), ("limit", "limit cycles"))


def say(msg):
    print(f"[soak {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class EnvError(Exception):
    """The environment cannot run the soak (exit 2)."""


def ring_capacity():
    """EventLog::kCapacity from the source tree next to this script (10,000 if unreadable)."""
    try:
        text = (ROOT / "src/speaker/event_log.hpp").read_text()
        return int(re.search(r"kCapacity\s*=\s*(\d+)", text).group(1))
    except (OSError, AttributeError, ValueError):
        return 10000


class Events:
    """Counts the lines msee-emu appended to its --events file, reading only what is new."""

    def __init__(self, path):
        self.path, self.off, self.n = path, 0, 0

    def count(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.off)
                data = f.read()
        except OSError:
            return self.n
        end = data.rfind(b"\n") + 1
        self.n += data.count(b"\n", 0, end)
        self.off += end
        return self.n


class Soak:
    def __init__(self, a):
        self.a = a
        self.workdir = tempfile.mkdtemp(prefix="msee-soak.")
        self.proc = None
        self.result = {"phases": {}}
        self.series = []

    # ---- msee-emu
    def start(self):
        a = self.a
        cfg, sessions = circuit_config(a.net, a.port, a.flap_circuits if a.flaps else 0,
                                       a.limit_circuits if a.limit_cycles else 0,
                                       a.limit, a.restart)
        self.sessions = sessions
        taken = set(tcp_local_addrs(a.port))
        clash = sorted(taken & {s["msee"] for s in sessions} | taken & {"0.0.0.0"})
        if clash:
            raise EnvError(f"port {a.port} already in use on {', '.join(clash[:5])}")
        path = os.path.join(self.workdir, "circuits.json")
        Path(path).write_text(json.dumps(cfg, indent=1))
        binary = os.path.join(self.workdir, "msee-emu")    # a rebuild cannot swap it mid-run
        shutil.copy2(a.msee, binary)
        r = subprocess.run([binary, "--check", path], capture_output=True, text=True)
        if r.returncode != 0:
            raise EnvError(f"msee-emu --check refused the config: {r.stdout}{r.stderr}")
        self.events = Events(os.path.join(self.workdir, "events.jsonl"))
        self.proc = Proc("msee-emu", [binary, "--config", path, "--api", "off", "--events",
                                      self.events.path], self.workdir, log_name="msee-emu.log")
        want = {s["msee"] for s in sessions}
        end = time.monotonic() + 20
        while not want <= set(tcp_local_addrs(a.port)):
            if not self.proc.alive() or time.monotonic() > end:
                raise EnvError(f"msee-emu did not listen on its {len(want)} addresses:\n"
                               + self.proc.tail())
            time.sleep(0.1)
        say(f"msee-emu pid {self.proc.pid}: {len(want)} MSEE sessions listening on port {a.port}, "
            f"workdir {self.workdir}")

    def alive(self):
        return self.proc is not None and self.proc.alive()

    def fds(self):
        try:
            return len(os.listdir(f"/proc/{self.proc.pid}/fd"))
        except OSError:
            return None

    def sample(self, label, settle=None):
        """RSS and fds at a quiescent point (nothing in flight; `settle` s for msee-emu to
        close what we closed)."""
        time.sleep(self.a.settle if settle is None else settle)
        reads = []
        for _ in range(5):
            reads.append(self.fds())
            time.sleep(0.02)
        reads = [r for r in reads if r is not None]
        rss = proc_status(self.proc.pid, "VmRSS")
        return {"label": label, "t": round(time.monotonic() - self.t0, 2),
                "rss_kb": rss // 1024 if rss else None,
                "fds": min(reads) if reads else None, "fds_max": max(reads) if reads else None,
                "events": self.events.count(),
                "cpu_s": round(proc_cpu(self.proc.pid), 2) if rss else None}

    # ---- the phases
    def progress(self, name, total, base=None):
        """Progress line every --progress s (base None: the warm-up; else completions before
        the measured ones)."""
        last = [time.monotonic(), base or 0]

        def cb(drv):
            now = time.monotonic()
            if now - last[0] < self.a.progress:
                return
            rate = (drv.completed - last[1]) / (now - last[0])
            last[0], last[1] = now, drv.completed
            rss = proc_status(self.proc.pid, "VmRSS")
            row = {"phase": name if base is not None else name + " warm-up",
                   "t": round(now - self.t0, 1),
                   "done": drv.completed - (base or 0),
                   "rss_kb": rss // 1024 if rss else None, "fds": self.fds(),
                   "events": self.events.count()}
            self.series.append(row)
            what = f"warm-up {drv.completed}" if base is None else f"{drv.completed - base}/{total}"
            say(f"{name} {what}: {rate:.1f}/s, refused {drv.refused}, errors {len(drv.errors)}, "
                f"RSS {row['rss_kb']} kB, fds {row['fds']}, events {row['events']}")
        return cb

    def stop_check(self):
        def stop():
            return not self.alive() or self.errors_total() > self.a.max_errors
        return stop

    def errors_total(self):
        return sum(len(d.errors) for d in self.drivers)

    def run_phase(self, pool, label, total, hold_off):
        a = self.a
        sessions = [s for s in self.sessions if s["pool"] == pool]
        drv = Driver(pool, sessions, a.port, hold_off=hold_off, margin=a.margin, retry=a.retry,
                     timeout=a.timeout, concurrency=a.concurrency, limit=a.limit,
                     on_error=lambda d, s, w: say(f"error: {s.name}: {w}"))
        self.drivers.append(drv)
        ph = {"sessions": len(sessions), "count": total, "samples": {}}
        self.result["phases"][pool] = ph
        stop = self.stop_check()
        ph["samples"]["start"] = self.sample("start", settle=0)
        say(f"{label}: warm-up until msee-emu has written {a.warmup_events} events "
            f"({len(sessions)} sessions)")
        t = time.monotonic()
        ev0 = self.events.count()
        cb = self.progress(label, total)
        while self.events.count() - ev0 < a.warmup_events and not stop():
            drv.run(drv.completed + len(sessions), cb, stop)
        warm, kinds0, refused0 = drv.completed, dict(drv.kinds), drv.refused
        ph["warmup"] = {"count": warm, "seconds": round(time.monotonic() - t, 1),
                        "events": self.events.count() - ev0}
        ph["samples"]["warm"] = self.sample("warm")
        cb = self.progress(label, total, warm)
        t = time.monotonic()
        first = min(a.baseline_after, total)
        drv.run(warm + first, cb, stop)
        ph["samples"]["first"] = self.sample(f"after {first}")
        t_first = time.monotonic()
        drv.run(warm + total, cb, stop)
        t_end = time.monotonic()
        ph["samples"]["end"] = self.sample("end")
        done = drv.completed - warm
        c0, c1 = ph["samples"]["warm"]["cpu_s"], ph["samples"]["end"]["cpu_s"]
        ph["msee_cpu_ms_per_op"] = (round(1000 * (c1 - c0) / max(done, 1), 3)
                                    if None not in (c0, c1) else None)
        ph.update({"done": done, "seconds": round(t_end - t, 1),
                   "rate": round(done / max(t_end - t, 1e-9), 1),
                   "rate_after_first": round((done - first) / max(t_end - t_first, 1e-9), 1),
                   "refused": drv.refused - refused0, "refused_warmup": refused0,
                   "errors": drv.errors[:20], "n_errors": len(drv.errors),
                   "teardowns": ({k: v - kinds0.get(k, 0) for k, v in drv.kinds.items()}
                                 if pool == "flap" else {"Cease/1": done}),
                   "per_session": [min(s.done for s in drv.slots), max(s.done for s in drv.slots)]})
        say(f"{label}: {done} in {ph['seconds']} s ({ph['rate']}/s) after a warm-up of {warm}; "
            f"refused {drv.refused}, errors {len(drv.errors)}")
        drv.close()

    def run(self):
        a = self.a
        self.t0 = time.monotonic()
        self.drivers = []
        self.start()
        time.sleep(1.0)
        self.result["cold"] = self.sample("cold", settle=0)
        if a.flaps:
            self.run_phase("flap", "flaps", a.flaps, a.idle_hold)
        if a.limit_cycles and self.alive() and self.errors_total() <= a.max_errors:
            self.run_phase("limit", "limit cycles", a.limit_cycles, a.restart)
        self.result["alive"] = self.alive()
        self.result["ended"] = self.proc.stop() if self.proc else "not started"
        self.proc = None
        self.result["cross_check"] = self.cross_check()

    def cross_check(self):
        """msee-emu's own account (its event file) of what the CE did."""
        est = exceeded = down = 0
        with open(self.events.path, "rb") as f:
            for line in f:
                if b'"event":"established"' in line:
                    est += 1
                elif b'"event":"session-down"' in line:
                    down += 1
                elif b'"event":"prefix-limit"' in line and b'"kind":"exceeded"' in line:
                    exceeded += 1
        ours = sum(d.completed for d in self.drivers)
        lim = sum(d.completed for d in self.drivers if d.pool == "limit")
        return {"established_events": est, "session_down_events": down,
                "limit_exceeded_events": exceeded, "ce_completed": ours,
                "ce_limit_cycles": lim, "ok": est >= ours and exceeded == lim}

    def cleanup(self):
        if self.proc is not None:
            self.proc.stop()
            self.proc = None
        for d in getattr(self, "drivers", []):
            d.close()


# ---------------------------------------------------------------------------------- the report
def verdict(ph, a):
    s0, s1 = ph["samples"]["first"], ph["samples"]["end"]
    if None in (s0["rss_kb"], s1["rss_kb"], s0["fds"], s1["fds"]):     # msee-emu died
        return {"rss_kb_first": s0["rss_kb"], "rss_kb_end": s1["rss_kb"], "rss_kb_limit": None,
                "rss_change_pct": None, "fds_first": s0["fds"], "fds_end": s1["fds"],
                "fds_limit": None, "rss_flat": False, "fds_flat": False, "pass": False}
    rss_lim = s0["rss_kb"] * (1 + a.tolerance / 100)
    fd_lim = max(s0["fds"] * (1 + a.tolerance / 100), s0["fds"] + a.fd_slack)
    v = {"rss_kb_first": s0["rss_kb"], "rss_kb_end": s1["rss_kb"], "rss_kb_limit": int(rss_lim),
         "rss_change_pct": round(100 * (s1["rss_kb"] - s0["rss_kb"]) / s0["rss_kb"], 2),
         "fds_first": s0["fds"], "fds_end": s1["fds"], "fds_limit": int(fd_lim),
         "rss_flat": s1["rss_kb"] <= rss_lim, "fds_flat": s1["fds"] <= fd_lim}
    v["pass"] = (v["rss_flat"] and v["fds_flat"] and ph["n_errors"] == 0
                 and ph["done"] == ph["count"])
    return v


def render(r):
    c = r["config"]
    out = [f"msee-emu soak: {c['msee']} ({c['build_type'] or 'unknown build'}), port {c['port']}, "
           f"127.{c['net']}.0.0/16, loadavg {' '.join(r['loadavg_start'])} at start",
           "  " + ", ".join(
               ([f"flap circuits {c['flap_circuits']} ({2 * c['flap_circuits']} sessions, "
                 f"IdleHold {c['idle_hold']} s)"] if "flap" in r["phases"] else [])
               + ([f"limit circuits {c['limit_circuits']} ({2 * c['limit_circuits']} sessions, "
                   f"limit {c['limit']}, restart {c['restart']} s)"] if "limit" in r["phases"]
                  else [])
               + [f"concurrency {c['concurrency']}, warm-up {c['warmup_events']} events, "
                  f"baseline after {c['baseline_after']}"]), ""]
    head = (f"{'phase':<13}{'count':>7}{'warm-up':>9}{'time s':>9}{'rate/s':>8}{'refused':>9}"
            f"{'errors':>8}{'CPU ms':>8}  tear-downs (measured)")
    out += [head, "-" * len(head)]
    for pool, label in PHASES:
        ph = r["phases"].get(pool)
        if ph:
            td = ", ".join(f"{k} {v}" for k, v in sorted(ph["teardowns"].items()))
            out.append(f"{label:<13}{ph['done']:>7}{ph['warmup']['count']:>9}{ph['seconds']:>9}"
                       f"{ph['rate']:>8}{ph['refused']:>9}{ph['n_errors']:>8}"
                       f"{'-' if ph['msee_cpu_ms_per_op'] is None else ph['msee_cpu_ms_per_op']:>8}"
                       f"  {td}")
    out.append("")
    head = (f"{'phase':<13}{'':>5}{'cold':>8}{'start':>8}{'warm':>8}{'first':>8}{'end':>8}"
            f"{'limit':>8}{'change':>9}  verdict")
    out += [head, "-" * len(head)]
    for pool, label in PHASES:
        ph = r["phases"].get(pool)
        if not ph:
            continue
        v, s = ph["verdict"], ph["samples"]
        for unit, key, lim, flat in (("RSS kB", "rss_kb", v["rss_kb_limit"], v["rss_flat"]),
                                     ("fds", "fds", v["fds_limit"], v["fds_flat"])):
            first, end = s["first"][key], s["end"][key]
            if first is None or end is None:
                ch, word = "-", "NO SAMPLE"
            else:
                ch = (f"{100 * (end - first) / first:+.2f}%" if key == "rss_kb"
                      else f"{end - first:+d}")
                word = "flat" if flat else "GREW"
            vals = [r["cold"][key], s["start"][key], s["warm"][key], first, end, lim]
            out.append(f"{label if key == 'rss_kb' else '':<13}{unit:>7}"
                       + "".join(f"{'-' if x is None else x:>{6 if i == 0 else 8}}"
                                 for i, x in enumerate(vals))
                       + f"{ch:>9}  {word}")
    cc = r["cross_check"]
    out += ["", f"msee-emu's event log: {cc['established_events']} Established, "
                f"{cc['session_down_events']} session-down, {cc['limit_exceeded_events']} limit "
                f"exceeded (CE: {cc['ce_completed']} completed, {cc['ce_limit_cycles']} limit "
                f"cycles) {'consistent' if cc['ok'] else 'INCONSISTENT'}; msee-emu "
                f"{'alive to the end' if r['alive'] else 'DIED'}, stopped: {r['ended']}",
            f"VERDICT: {'PASS' if r['pass'] else 'FAIL'} (RSS end <= first x "
            f"{1 + r['config']['tolerance'] / 100:.2f}; fds end <= max(first x "
            f"{1 + r['config']['tolerance'] / 100:.2f}, first + {r['config']['fd_slack']}))"]
    for pool, _ in PHASES:
        for e in r["phases"].get(pool, {}).get("errors", [])[:5]:
            out.append(f"  error ({pool}): {e}")
    return "\n".join(out)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="Progress on stderr; table (or JSON with --json) on "
                                        "stdout. Exit 0 flat, 1 not flat or run failed, 2 "
                                        "environment unusable.")
    default_msee = os.environ.get("MSEE_EMU") or str(ROOT / "build-dev" / "msee-emu")
    ap.add_argument("--msee", default=default_msee,
                    help="msee-emu binary (default $MSEE_EMU or build-dev/msee-emu)")
    ap.add_argument("--flaps", type=int, default=10000,
                    help="measured session flaps (default %(default)s)")
    ap.add_argument("--limit-cycles", type=int, default=1000,
                    help="measured route-limit cycles (default %(default)s)")
    ap.add_argument("--flap-circuits", type=int, default=100,
                    help="circuits flapped in rotation, 2 sessions each (default %(default)s)")
    ap.add_argument("--limit-circuits", type=int, default=50,
                    help="circuits driven into their route limit (default %(default)s)")
    ap.add_argument("--limit", type=int, default=2, help="emulation.maxPrefixes.ipv4 of the "
                    "limit circuits, 1..63 (default %(default)s)")
    ap.add_argument("--restart", type=int, default=1,
                    help="their maxPrefixRestartSeconds (default %(default)s, the minimum)")
    ap.add_argument("--idle-hold", type=float, default=5.0,
                    help="the MSEE's IdleHold after a flap, s (msee-emu: 5)")
    ap.add_argument("--margin", type=float, default=0.05,
                    help="s added to every hold-off before reconnecting (default %(default)s)")
    ap.add_argument("--retry", type=float, default=0.05,
                    help="s before retrying an attempt the still-Idle MSEE refused")
    ap.add_argument("--concurrency", type=int, default=64,
                    help="attempts in flight at most (default %(default)s)")
    ap.add_argument("--warmup-events", type=int, default=None,
                    help="per phase, run the workload until msee-emu wrote this many events "
                         "before measuring (default: twice its event ring's capacity, read from "
                         "src/speaker/event_log.hpp; 0 = no warm-up)")
    ap.add_argument("--baseline-after", type=int, default=100,
                    help="the baseline sample is taken after this many measured (default 100)")
    ap.add_argument("--tolerance", type=float, default=5.0,
                    help="allowed growth from the baseline, %% (default %(default)s)")
    ap.add_argument("--fd-slack", type=int, default=2,
                    help="absolute fds allowed above the baseline (default %(default)s)")
    ap.add_argument("--net", type=int, default=61,
                    help="loopback block 127.NET.0.0/16 (default 61)")
    ap.add_argument("--port", type=int, default=11179, help="BGP port (default %(default)s)")
    ap.add_argument("--settle", type=float, default=0.5, help="s before each sample")
    ap.add_argument("--timeout", type=float, default=10.0, help="s an attempt may take")
    ap.add_argument("--max-errors", type=int, default=20, help="abort after this many errors")
    ap.add_argument("--progress", type=float, default=5.0, help="s between progress lines")
    ap.add_argument("--json", nargs="?", const="-", metavar="FILE",
                    help="write JSON to FILE; without FILE print JSON instead of the table")
    ap.add_argument("--keep-tmp", action="store_true", help="keep the workdir (config, logs)")
    a = ap.parse_args(argv)
    if a.warmup_events is None:
        a.warmup_events = 2 * ring_capacity()
    if not 1 <= a.limit <= 63 or a.restart < 1 or a.flaps < 0 or a.limit_cycles < 0:
        ap.error("--limit must be 1..63, --restart >= 1, counts >= 0")
    if a.flap_circuits + a.limit_circuits > 32 * 256:
        ap.error("at most 8192 circuits in one /16")
    if 2 * a.limit_circuits * (a.limit + 1) > 32768:
        ap.error("the limit sessions' prefixes must fit 10.128.0.0/9 (limit circuits x "
                 "(limit + 1) <= 16384)")
    if not (os.path.isfile(a.msee) and os.access(a.msee, os.X_OK)):
        say(f"error: msee-emu not found at {a.msee} (--msee or $MSEE_EMU)")
        return 2
    interrupt_on_term()
    build_type, _ = cmake_build_info(a.msee)
    s = Soak(a)
    s.result["config"] = {k: v for k, v in vars(a).items() if k not in ("json", "keep_tmp")}
    s.result["config"]["build_type"] = build_type
    s.result["loadavg_start"] = loadavg()
    rc = None
    try:
        s.run()
    except EnvError as e:
        say(f"error: {e}")
        rc = 2
    except KeyboardInterrupt:
        say("interrupted")
        rc = 1
    finally:
        s.cleanup()
    if rc is not None:
        if rc == 2 and not a.keep_tmp:            # the error message says what was wrong
            shutil.rmtree(s.workdir, ignore_errors=True)
        else:
            say(f"kept {s.workdir}")
        return rc
    r = s.result
    r["series"] = s.series
    r["loadavg_end"] = loadavg()
    for pool, _ in PHASES:
        if pool in r["phases"]:
            r["phases"][pool]["verdict"] = verdict(r["phases"][pool], a)
    r["pass"] = (bool(r["phases"]) and r["alive"] and r["cross_check"]["ok"]
                 and all(ph["verdict"]["pass"] for ph in r["phases"].values()))
    if a.json == "-":
        print(json.dumps(r, indent=1))
    else:
        print(render(r))
        if a.json:
            Path(a.json).write_text(json.dumps(r, indent=1) + "\n")
            say(f"JSON written to {a.json}")
    if a.keep_tmp or not r["pass"]:
        say(f"kept {s.workdir}")
    else:
        shutil.rmtree(s.workdir, ignore_errors=True)
    return 0 if r["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
