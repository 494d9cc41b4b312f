"""bench/benchlib/runner.py - bgpbench's measurements: one run of one target in one scenario.

Owns: Bench, the orchestrator in the main process: forks the sink and sender children, starts
the target, waits for the sessions, drives each phase (announce; withdraw; re-announce) until
the sink has every expected prefix, samples RSS and CPU (the target's, the harness's and other
processes' on each CPU), stops everything by its PID and records the run or why it failed; the
sink-only baseline RSS of a target; and the errors that fail a run or the whole environment.
"""
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import time

from .proc import cpu_busy, proc_cpu, proc_status, tcp_ext
from .report import mb, summary_line
from .speakers import sender_main, sink_main
from .targets import TARGETS, wait_port_free


class RunFailed(Exception):
    pass


class EnvironmentUnusable(Exception):
    pass


class Bench:
    def __init__(self, args):
        self.args = args
        self.pin = False
        self.out = sys.stdout
        self.failures = []
        self.unavailable = {}
        self.baseline_rss = {}
        self.ctx = multiprocessing.get_context("fork")

    def say(self, msg):
        print(msg, file=self.out, flush=True)

    # ---- child processes
    def spawn(self, fn, *a):
        parent, child = self.ctx.Pipe()
        p = self.ctx.Process(target=fn, args=(child, *a), daemon=True)
        p.start()
        child.close()
        return p, parent

    def wait_ev(self, conn, want, timeout, tag, progress=None, alive=None):
        """Next message of kind `want` from a child; failures raise RunFailed."""
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                raise RunFailed(f"timeout after {timeout:.0f} s waiting for {want}")
            if conn.poll(min(left, 0.5)):
                try:
                    m = conn.recv()
                except EOFError:
                    raise RunFailed(f"helper process died while waiting for {want}")
                if m["ev"] == "error":
                    raise RunFailed(m["msg"])
                if m["ev"] == want:
                    return m
                if progress:
                    progress(m)
            if alive and not alive():
                raise RunFailed(f"target process exited while waiting for {want}")

    @staticmethod
    def stop_child(p, conn):
        try:
            conn.send({"cmd": "stop"})
        except (OSError, BrokenPipeError):
            pass
        p.join(3)
        if p.is_alive():
            os.kill(p.pid, signal.SIGKILL)
            p.join(3)
        conn.close()

    def drain_stats(self, conn, tag):
        try:
            conn.send({"cmd": "stats"})
            return self.wait_ev(conn, "stats", 10, tag)
        except (RunFailed, OSError):
            return {}

    # ---- one run of one target in one scenario
    def run_once(self, tname, sc, run_i, streams):
        args = self.args
        tag = f"[{tname} {sc.id} run {run_i + 1}/{args.runs}]"
        res = {"target": tname, "run": run_i + 1, "ok": False}
        err = wait_port_free()
        if err:
            raise EnvironmentUnusable(f"{tag} {err}; stop that process first")
        target = None if tname == "floor" else TARGETS[tname](args)
        t_run = time.monotonic()
        res["pre_run_busy_pct"] = self.wait_quiet(tag)
        workdir = tempfile.mkdtemp(prefix=f"bgpbench.{tname}.")
        sink = sender = sconn = pconn = None
        pid = None
        try:
            t_start = time.monotonic()
            if target:
                target.next_hop_self = sc.next_hop_self
                pid = target.start(workdir, sc.peers, self.pin)
                alive = target.alive
            else:
                alive = None
            sink, sconn = self.spawn(sink_main, target is None, sc.peers)
            sconn.send({"cmd": "start", "timeout": 30})
            if target:
                m = self.wait_ev(sconn, "established", 40, tag, alive=alive)
                res["sink_up_s"] = m["t"] - t_start
                time.sleep(args.settle)
                res["rss_base"] = proc_status(pid, "VmRSS")
            else:
                self.wait_ev(sconn, "listening", 10, tag)
            sender, pconn = self.spawn(sender_main, sc.peers, streams)
            ov0 = tcp_ext("ListenOverflows", "ListenDrops")
            pconn.send({"cmd": "connect", "timeout": 30})
            last = [0.0]

            def est_progress(m):
                if m["ev"] == "progress" and "established" in m and \
                        time.monotonic() - last[0] >= 1:
                    last[0] = time.monotonic()
                    self.say(f"{tag} senders Established {m['established']}/{sc.peers}")
            m = self.wait_ev(pconn, "established", 30 + sc.peers * 0.1, tag, est_progress, alive)
            res["establish_s"] = m["t_all"] - m["t_start"]
            res["holds"] = m["holds"]
            res["sender_reconnects"] = m["reconnects"]
            if m["reconnects"]:
                self.say(f"{tag} note: {m['reconnects']} sender connection(s) were reset before "
                         "Established and retried")
            ov1 = tcp_ext("ListenOverflows", "ListenDrops")
            res["listen_overflows"] = {k: ov1[k] - ov0.get(k, 0) for k in ov1}
            if any(res["listen_overflows"].values()):
                self.say(f"{tag} note: host TcpExt {res['listen_overflows']} during connect: "
                         "the listener's accept queue overflowed; dropped SYNs are "
                         "retransmitted after 1 s, then 2, 4, 8... s")
            time.sleep(args.settle)
            if target:
                res["rss_idle"] = proc_status(pid, "VmRSS")
            self.say(f"{tag} {sc.peers} sender(s) Established in {res['establish_s']:.3f} s"
                     + (f"; RSS sink-only {mb(res['rss_base'])} MB, idle {mb(res['rss_idle'])} MB"
                        if target else ""))
            hpids = [sink.pid, sender.pid]
            cpu0, tcpu0, w0 = cpu_busy(), (proc_cpu(pid) if pid else 0.0), time.monotonic()
            hcpu0 = sum(proc_cpu(x) for x in hpids) + time.process_time()
            phases = ["announce"] if sc.kind != "withdraw" else ["announce", "withdraw",
                                                                 "announce"]
            names = ["announce", "withdraw", "reannounce"]
            for i, ph in enumerate(phases):
                if i:
                    time.sleep(args.settle)
                r = self.phase(tag, sc, ph, names[i], sconn, pconn, alive)
                res.update(r)
            cpu1, tcpu1, w1 = cpu_busy(), (proc_cpu(pid) if pid else 0.0), time.monotonic()
            hcpu1 = sum(proc_cpu(x) for x in hpids) + time.process_time()
            wall = w1 - w0
            res["harness_cpu_s"] = hcpu1 - hcpu0
            # time the hypervisor gave the target's vCPU to someone else (VMs only)
            res["steal_cpu1_pct"] = foreign(cpu0, cpu1, "cpu1_steal", 0.0, wall)
            res["foreign_cpu0_pct"] = foreign(cpu0, cpu1, "cpu0", hcpu1 - hcpu0 if self.pin
                                              else 0.0, wall)
            if target:
                res["rss_hwm"] = proc_status(pid, "VmHWM")
                res["rss_end"] = proc_status(pid, "VmRSS")
                res["target_cpu_s"] = tcpu1 - tcpu0
            res["foreign_cpu1_pct"] = foreign(cpu0, cpu1, "cpu1", tcpu1 - tcpu0 if
                                              self.pin else 0.0, wall)
            res["measure_window_s"] = wall
            res["cpu_all_busy_pct"] = (round(100 * (cpu1["cpu"] - cpu0["cpu"]) / wall, 1)
                                       if wall >= 0.5 else None)
            res["sink"] = self.drain_stats(sconn, tag)
            res["sender"] = self.drain_stats(pconn, tag)
            if res["sink"].get("malformed"):
                raise RunFailed(f"sink saw {res['sink']['malformed']} malformed prefix fields")
            res["ok"] = True
            self.say(f"{tag} done: " + summary_line(sc, res))
        except RunFailed as e:
            res["error"] = str(e)
            tail = target.log_tail() if target else ""
            self.say(f"{tag} FAILED: {e}" + (f"\n{tag} {tname} log tail:\n{tail}" if tail else ""))
            self.failures.append(f"{tname} {sc.id} run {run_i + 1}: {e}")
        finally:
            t_stop = time.monotonic()
            # harness sessions first (RST, see close_all), then the target by its PID
            for p, c in ((sender, pconn), (sink, sconn)):
                if p is not None:
                    self.stop_child(p, c)
            if target:
                res["target_stop"] = target.stop(args.term_wait)
                if not res["target_stop"].startswith("exit"):
                    self.say(f"{tag} note: {target.label} stop: {res['target_stop']}")
            res["stop_s"] = time.monotonic() - t_stop if target else 0.0
            if not args.keep:
                shutil.rmtree(workdir, ignore_errors=True)
            else:
                res["workdir"] = workdir
            res["run_wall_s"] = time.monotonic() - t_run
        return res

    def wait_quiet(self, tag):
        """Sample CPU use for 1 s before a run (nothing of ours is running then); with
        --quiet-wait, wait up to that long for every CPU to be below --quiet-threshold %."""
        end = time.monotonic() + self.args.quiet_wait
        said = 0.0
        while True:
            c0, w0 = cpu_busy(), time.monotonic()
            time.sleep(self.args.sample)
            c1, w1 = cpu_busy(), time.monotonic()
            busy = {k: round(100 * (c1[k] - c0[k]) / (w1 - w0), 1) for k in c0
                    if k != "cpu" and not k.endswith("_steal")}
            if max(busy.values()) <= self.args.quiet_threshold or time.monotonic() >= end:
                if max(busy.values()) > self.args.quiet_threshold:
                    self.say(f"{tag} note: other processes keep the CPUs busy {busy} "
                             "(results will be noisy)")
                return busy
            if time.monotonic() - said > 30:
                said = time.monotonic()
                self.say(f"{tag} waiting for quiet CPUs (busy {busy}, up to "
                         f"{end - time.monotonic():.0f} s more)")

    def phase(self, tag, sc, ph, name, sconn, pconn, alive):
        n = sc.total
        kind = "wd" if ph == "withdraw" else "ann"
        sconn.send({"cmd": "expect", "kind": kind, "count": n + self.args.expect_extra})
        self.wait_ev(sconn, "expecting", 10, tag)
        pconn.send({"cmd": "send", "phase": ph})
        m = self.wait_ev(pconn, "sending", 10, tag, alive=alive)
        t0 = m["t0"]
        state = {"sent": None, "last_print": time.monotonic(), "n": 0, "t": t0, "t_seen": t0}
        timeout = self.args.timeout
        stall = self.args.stall
        end = time.monotonic() + timeout
        what = "withdrawals" if kind == "wd" else "prefixes"
        want = n + self.args.expect_extra
        base = n if name == "reannounce" else 0
        reached = None
        while reached is None:
            now = time.monotonic()
            if now > end:
                raise RunFailed(f"{name}: not converged within {timeout:.0f} s "
                                f"(sink has {state['n'] - base}/{want} {what})")
            if now - state["t_seen"] > stall:
                raise RunFailed(f"{name}: no progress for {stall:.0f} s "
                                f"(sink has {state['n'] - base}/{want} {what})")
            for conn in (sconn, pconn):
                while conn.poll(0):
                    try:
                        m = conn.recv()
                    except EOFError:
                        raise RunFailed("helper process died")
                    ev = m["ev"]
                    if ev == "error":
                        raise RunFailed(m["msg"])
                    if ev == "sent":
                        state["sent"] = m["t"]
                    elif ev == "reached":
                        reached = m
                    elif ev == "progress" and "ann" in m:
                        cnt = (m[kind] - 0)
                        if cnt != state["n"]:
                            state["t_seen"] = time.monotonic()
                        state["n"] = cnt
            if alive and not alive():
                raise RunFailed(f"{name}: target process exited")
            if reached is None and time.monotonic() - state["last_print"] >= self.args.progress:
                state["last_print"] = time.monotonic()
                shown = max(0, state["n"] - base)
                self.say(f"{tag} {name}: sink {shown}/{n} {what} "
                         f"{time.monotonic() - t0:.2f} s"
                         + (" (senders done)" if state["sent"] else ""))
            if reached is None:
                time.sleep(0.05)
        # the "sent" event can trail "reached" by a moment
        if state["sent"] is None:
            try:
                state["sent"] = self.wait_ev(pconn, "sent", 30, tag)["t"]
            except RunFailed:
                pass
        r = {f"{name}_s": reached["t_done"] - t0,
             f"{name}_first_s": (reached["t_first"] - t0) if reached["t_first"] else None,
             f"{name}_sent_s": (state["sent"] - t0) if state["sent"] else None,
             f"{name}_counted_s": reached["t_counted"] - t0,
             f"{name}_milestones_s": [round(x - t0, 4) for x in reached["milestones"]]}
        self.say(f"{tag} {name}: sink {n}/{n} {what} at {reached['t_done'] - t0:.3f} s"
                 f" (first {r[f'{name}_first_s'] or 0:.3f} s, senders done "
                 f"{(r[f'{name}_sent_s'] or float('nan')):.3f} s)")
        return r

    def baseline(self, tname):
        """RSS of the target configured with the sink only (no sender neighbours)."""
        if tname in self.baseline_rss or tname == "floor":
            return self.baseline_rss.get(tname)
        target = TARGETS[tname](self.args)
        workdir = tempfile.mkdtemp(prefix=f"bgpbench.{tname}.base.")
        rss = None
        sink = sconn = None
        try:
            if wait_port_free():
                return None
            pid = target.start(workdir, 0, self.pin)
            sink, sconn = self.spawn(sink_main, False, 0)
            sconn.send({"cmd": "start", "timeout": 30})
            self.wait_ev(sconn, "established", 40, f"[{tname} baseline]", alive=target.alive)
            time.sleep(self.args.settle)
            rss = proc_status(pid, "VmRSS")
        except RunFailed as e:
            self.say(f"[{tname} baseline] failed: {e}")
        finally:
            if sink:
                self.stop_child(sink, sconn)
            target.stop(self.args.term_wait)
            shutil.rmtree(workdir, ignore_errors=True)
        self.baseline_rss[tname] = rss
        return rss

    def run_all(self, sc, order, streams):
        """--runs rounds of every target in `order` (floor first) on sc: {target: [run]}."""
        runs = {t: [] for t in order}
        for run_i in range(self.args.runs):
            for t in order:
                r = self.run_once(t, sc, run_i, streams)
                if sc.kind == "idle" and r.get("ok") and t != "floor":
                    r["rss_baseline"] = self.baseline(t)
                runs[t].append(r)
        return runs


def foreign(c0, c1, cpu, ours, wall):
    if cpu not in c0 or wall < 0.5:         # /proc/stat ticks are 10 ms: too coarse below
        return None
    return round(100 * max(0.0, (c1[cpu] - c0[cpu]) - ours) / wall, 1)
