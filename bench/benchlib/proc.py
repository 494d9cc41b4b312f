"""bench/benchlib/proc.py - processes and /proc, shared by both benchmark scripts.

Owns: Proc (a child in its own session, optionally pinned to one CPU, output to a log file in
its work directory, stopped by its PID: SIGTERM, bounded wait, SIGKILL, then every thread gone);
readers of /proc (process CPU time and RSS, per-CPU busy time, thread liveness, TCP sockets on a
port, TcpExt counters, load average); run_cmd; the build type of a CMake build; the SIGTERM/SIGHUP
handlers of the entry scripts.
"""
import os
import re
import signal
import socket
import struct
import subprocess
import time
from pathlib import Path


# ----------------------------------------------------------------------------- /proc readers
def proc_status(pid, key):
    """kB value of a /proc/PID/status field (VmRSS, VmHWM) in bytes, or None."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def proc_rss(pid):
    """Resident set size of pid in bytes, or None."""
    return proc_status(pid, "VmRSS")


def proc_cpu(pid):
    """utime+stime of the whole process (all threads) in seconds (0.0 once gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def cpu_busy():
    """Busy seconds per CPU from /proc/stat: {'cpu': total, 'cpu0': .., 'cpu1': ..}."""
    out = {}
    hz = os.sysconf("SC_CLK_TCK")
    with open("/proc/stat") as f:
        for line in f:
            if not line.startswith("cpu"):
                break
            parts = line.split()
            v = [int(x) for x in parts[1:]]
            idle = v[3] + (v[4] if len(v) > 4 else 0)
            steal = v[7] if len(v) > 7 else 0
            out[parts[0]] = (sum(v[:8]) - idle - steal) / hz
            out[parts[0] + "_steal"] = steal / hz
    return out


def tasks_alive(pid):
    """True while any thread of pid exists and is not a zombie (lab.md gotcha 8)."""
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


def tcp_local_addrs(port, states=("0A",)):
    """Local addresses with a TCP socket on `port` in one of `states` (hex /proc/net/tcp
    st field; 0A = LISTEN, 06 = TIME_WAIT)."""
    found = []
    try:
        with open("/proc/net/tcp") as f:
            next(f)
            for line in f:
                parts = line.split()
                addr, p = parts[1].split(":")
                if parts[3] in states and int(p, 16) == port:
                    found.append(socket.inet_ntoa(struct.pack("<I", int(addr, 16))))
    except OSError:
        pass
    return found


def listening(addr, port):
    """True if some TCP socket listens on addr:port (or 0.0.0.0:port)."""
    want = (socket.inet_ntoa(socket.inet_aton(addr)), "0.0.0.0")
    return any(a in want for a in tcp_local_addrs(port))


def tcp_ext(*names):
    """Counters from /proc/net/netstat TcpExt (e.g. ListenOverflows, ListenDrops)."""
    try:
        lines = Path("/proc/net/netstat").read_text().splitlines()
    except OSError:
        return {}
    for head, vals in zip(lines[::2], lines[1::2]):
        if head.startswith("TcpExt:"):
            d = dict(zip(head.split()[1:], (int(v) for v in vals.split()[1:])))
            return {n: d.get(n, 0) for n in names}
    return {}


def loadavg():
    """The three load averages of /proc/loadavg, as strings."""
    return Path("/proc/loadavg").read_text().split()[:3]


# -------------------------------------------------------------------------------- processes
def tail_file(path, n):
    """The last n lines of a log file (undecodable bytes replaced), or "" if unreadable."""
    try:
        lines = Path(path).read_bytes().decode(errors="replace").splitlines()
        return "\n".join(lines[-n:])
    except OSError:
        return ""


class Proc:
    """A child started in its own session (stdout+stderr to workdir/log_name, optionally pinned
    to one CPU), stopped by its PID: SIGTERM, bounded wait, SIGKILL."""

    def __init__(self, name, argv, workdir, cpu=None, log_name=None):
        self.name = name
        self.log_path = os.path.join(workdir, log_name or f"{name}.out")
        self.log = open(self.log_path, "wb")
        pre = (lambda: os.sched_setaffinity(0, {cpu})) if cpu is not None else None
        self.p = subprocess.Popen(argv, cwd=workdir, stdin=subprocess.DEVNULL, stdout=self.log,
                                  stderr=subprocess.STDOUT, preexec_fn=pre,
                                  start_new_session=True)
        self.pid = self.p.pid

    def alive(self):
        return self.p.poll() is None

    def stop(self, term_wait=5.0):
        """SIGTERM, bounded wait, SIGKILL; returns only when every thread is gone.
        Returns how it ended: "exit N", "signal N", "killed: ..." or "had already exited"."""
        p, pid = self.p, self.pid
        how = None
        if p.poll() is None:
            try:
                p.send_signal(signal.SIGTERM)
                p.send_signal(signal.SIGCONT)
            except ProcessLookupError:
                pass
            cpu0 = proc_cpu(pid)
            try:
                p.wait(timeout=term_wait)
            except subprocess.TimeoutExpired:
                how = (f"killed: no exit within {term_wait:.0f} s of SIGTERM (used "
                       f"{proc_cpu(pid) - cpu0:.1f} s CPU meanwhile)")
                try:
                    p.kill()
                except ProcessLookupError:
                    pass
                p.wait(timeout=10)
        else:
            how = f"had already exited ({p.returncode})"
        if how is None:
            rc = p.returncode
            how = f"exit {rc}" if rc >= 0 else f"signal {-rc}"
        end = time.monotonic() + 10
        while tasks_alive(pid) and time.monotonic() < end:
            time.sleep(0.05)
        self.log.close()
        return how

    def tail(self, n=12):
        return tail_file(self.log_path, n)


def run_cmd(args, timeout=10):
    """stdout+stderr of a short command (stripped), or "(error)" if it could not run."""
    try:
        r = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
        return (r.stdout + r.stderr).strip()
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"({e})"


def cmake_build_info(binary):
    """(CMAKE_BUILD_TYPE, sanitizers on) from the CMake cache next to the binary or one folder
    up, or (None, None) when there is none."""
    for d in (Path(binary).resolve().parent, Path(binary).resolve().parent.parent):
        cache = d / "CMakeCache.txt"
        if cache.exists():
            text = cache.read_text(errors="replace")
            bt = re.search(r"^CMAKE_BUILD_TYPE:\w+=(.*)$", text, re.M)
            san = re.search(r"^MSEE_SANITIZE:\w+=(.*)$", text, re.M)
            return ((bt.group(1) if bt else ""),
                    bool(san and san.group(1).upper() in ("ON", "1", "TRUE", "YES")))
    return None, None


def interrupt_on_term():
    """SIGTERM and SIGHUP (and SIGINT when started in the background with it ignored) raise
    KeyboardInterrupt, so the entry script stops what it started before it exits."""
    def on_term(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGHUP, on_term)
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:   # started with & from a script
        signal.signal(signal.SIGINT, on_term)
