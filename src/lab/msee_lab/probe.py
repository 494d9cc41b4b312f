"""The traffic probe: bidirectional, sequence-numbered UDP streams between the CE's hosts and
Azure's VMs, so a drill measures what engineers measure — how many ms of packets were lost, in
which direction, and over which link every flow went.

Per pair (a CE host address and a VM address of one peering), `flows` UDP flows (distinct
ports, so per-flow ECMP spreads them over both links) run both ways, one packet per flow every
`interval` ms. Each namespace runs one side process (`ip netns exec NS python3 -m
msee_lab.probe side SPEC`) for all the endpoints it holds: it sends its streams by absolute
deadlines (a late loop sends every packet that is due in one batch: no drift, no skipped
sequence number), receives the other side's, and records for every received packet the flow,
the sequence number, the sender's timestamp carried in the packet and the interface it came in
on (IP_PKTINFO / IPV6_PKTINFO). Timestamps are CLOCK_MONOTONIC, which every namespace of one
machine shares, so one side's send time and the other's receive time are comparable.

The side writes JSON when its duration is over or on SIGTERM (a drill stops it at its end);
the controller (Probe) merges the sides into per-direction, per-flow records for the pure
analysis in traffic.py.
"""
import json
import os
import random
import select
import signal
import socket
import struct
import subprocess
import sys
import time

from .util import LabError, say

# magic, run id, pair, direction (0 ce->az, 1 az->ce), flow, seq, sender's CLOCK_MONOTONIC ns
HDR = struct.Struct("!4sIHBBIQ")
MAGIC = b"MSPB"
SIZE = 64  # bytes of UDP payload
DIRS = ("ce->az", "az->ce")
IP_PKTINFO = getattr(socket, "IP_PKTINFO", 8)
IPV6_RECVPKTINFO = getattr(socket, "IPV6_RECVPKTINFO", 49)
IPV6_PKTINFO = getattr(socket, "IPV6_PKTINFO", 50)
IP_FREEBIND = getattr(socket, "IP_FREEBIND", 15)
IPV6_FREEBIND = 78
SO_RCVBUFFORCE = getattr(socket, "SO_RCVBUFFORCE", 33)
BASE_PORT = 47000


# ------------------------------------------------------------------------------ a side

# Each flow's socket holds what arrives while this process is not scheduled. At 1 ms per flow a
# small UDP packet costs about 2 kB of buffer (its skb), so rmem_max's 208 kB filled in about
# 180 ms of a CPU-starved probe: CI saw four flows of one direction lose 183 packets each at once,
# losses of the probe, not of the network. As root (the lab) the buffer is forced to 8 MB.
def rcvbuf(s):
    try:
        s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20)
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)


class Side:
    """One namespace's endpoints: sends its streams, receives the others, records both."""

    def __init__(self, spec):
        self.spec = spec
        self.stop = False
        self.socks = {}      # fd -> (socket, endpoint index, flow)
        self.targets = []    # (socket, (peer, port), pair, dir, flow)
        self.received = {}   # "pair/dir/flow" -> [[seq, send ns, ifindex, recv ns]]
        self.ifnames = {}
        self.errors = {}
        for i, ep in enumerate(spec["endpoints"]):
            fam = socket.AF_INET6 if ":" in ep["local"] else socket.AF_INET
            for f, port in enumerate(ep["ports"]):
                s = socket.socket(fam, socket.SOCK_DGRAM)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                rcvbuf(s)
                if fam == socket.AF_INET:
                    s.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
                    s.setsockopt(socket.IPPROTO_IP, IP_FREEBIND, 1)
                else:
                    s.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVPKTINFO, 1)
                    s.setsockopt(socket.IPPROTO_IPV6, IPV6_FREEBIND, 1)
                s.bind((ep["local"], port))
                s.setblocking(False)
                self.socks[s.fileno()] = (s, i, f)
                self.targets.append((s, (ep["peer"], port), ep["pair"], DIRS.index(ep["dir"]), f))

    def ifname(self, idx):
        if idx not in self.ifnames:
            try:
                self.ifnames[idx] = socket.if_indextoname(idx)
            except OSError:
                self.ifnames[idx] = f"if{idx}"
        return self.ifnames[idx]

    def drain(self, fd):
        s = self.socks[fd][0]
        while True:
            try:
                data, anc, _flags, _addr = s.recvmsg(256, 64)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # an ICMP error queued on the socket: not a packet
                continue
            now = time.monotonic_ns()
            if len(data) < HDR.size:
                continue
            magic, run, pair, d, flow, seq, sent = HDR.unpack_from(data)
            if magic != MAGIC or run != self.spec["runId"]:
                continue
            idx = 0
            for level, kind, cdata in anc:
                if level == socket.IPPROTO_IP and kind == IP_PKTINFO:
                    idx = struct.unpack_from("i", cdata)[0]
                elif level == socket.IPPROTO_IPV6 and kind == IPV6_PKTINFO:
                    idx = struct.unpack_from("16sI", cdata)[1]
            self.received.setdefault(f"{pair}/{DIRS[d]}/{flow}", []).append(
                [seq, sent, idx, now])

    def run(self):
        sp = self.spec
        start, step = sp["startNs"], sp["intervalNs"]
        end = start + sp["durationNs"] if sp.get("durationNs") else None
        fds = list(self.socks)
        pad = b"\0" * (SIZE - HDR.size)
        ticks, late = [], []
        seq, batches, batch_max = 0, 0, 0
        wall0 = time.monotonic_ns()
        parent = os.getppid()
        while True:
            now = time.monotonic_ns()
            if self.stop or (end is not None and now >= end):
                break
            if seq % 1000 == 0 and os.getppid() != parent:
                break  # the controller is gone (killed): nobody will stop this side
            due = start + seq * step
            if now >= due:
                n = 0
                while due <= now and (end is None or due < end):
                    ts = time.monotonic_ns()
                    for s, dst, pair, d, f in self.targets:
                        try:
                            s.sendto(HDR.pack(MAGIC, sp["runId"], pair, d, f, seq, ts) + pad, dst)
                        except OSError as e:  # no route, no neighbour: the packet is lost
                            k = f"{pair}/{DIRS[d]}/{f}"
                            self.errors.setdefault(k, {}).setdefault(e.strerror, 0)
                            self.errors[k][e.strerror] += 1
                    ticks.append(ts)
                    late.append(ts - due)
                    seq += 1
                    n += 1
                    due = start + seq * step
                batches += 1
                batch_max = max(batch_max, n)
            # select(2) waits to the microsecond (poll(2) rounds up to whole ms).
            for fd in select.select(fds, [], [], max(0, (due - time.monotonic_ns()) / 1e9))[0]:
                self.drain(fd)
        # Linger: the other side's last packets are still on their way.
        linger_end = time.monotonic_ns() + sp.get("lingerNs", 300_000_000)
        while (left := linger_end - time.monotonic_ns()) > 0:
            for fd in select.select(fds, [], [], left / 1e9)[0]:
                self.drain(fd)
        span = (ticks[-1] - ticks[0]) / 1e9 if len(ticks) > 1 else 0
        lat = sorted(late)
        out = {"netns": sp["netns"], "runId": sp["runId"], "startNs": start,
               "intervalNs": step, "firstTickNs": start, "ticks": ticks,
               "endpoints": sp["endpoints"], "sendErrors": self.errors,
               "pacing": {"ticks": len(ticks), "packets": len(ticks) * len(self.targets),
                          "spanS": round(span, 3),
                          "targetPps": round(len(self.targets) * 1e9 / step),
                          "achievedPps": round((len(ticks) - 1) * len(self.targets) / span)
                          if span else 0,
                          "lateP50Ms": round(lat[len(lat) // 2] / 1e6, 3) if lat else None,
                          "lateP99Ms": round(lat[int(len(lat) * 0.99)] / 1e6, 3) if lat else None,
                          "lateMaxMs": round(lat[-1] / 1e6, 3) if lat else None,
                          "batches": batches, "largestBatch": batch_max,
                          # < 0: the side was not ready when the streams should start
                          "readyAheadMs": round((start - wall0) / 1e6, 1)},
               "received": {k: [[r[0], r[1], self.ifname(r[2]), r[3]] for r in v]
                            for k, v in self.received.items()}}
        tmp = sp["out"] + ".tmp"
        with open(tmp, "w") as f:
            json.dump(out, f, separators=(",", ":"))
        os.replace(tmp, sp["out"])


def side_main(spec_path):
    with open(spec_path) as f:
        spec = json.load(f)
    side = Side(spec)

    def on_term(_sig, _frame):
        side.stop = True
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    side.run()
    return 0


# ------------------------------------------------------------------------------ the controller
def pair_label(p):
    short = {"AzurePrivatePeering": "private", "MicrosoftPeering": "microsoft"}
    return f"{p['circuit']} {short.get(p['peeringType'], p['peeringType'])} {p['family']}"


def dataplane_of(state):
    """The lab's data-plane record (pairs, ifLinks), or None for a BGP-only lab."""
    return state.get("dataplane") or (state.get("topology") or {}).get("dataplane")


def select_pairs(state, wanted=None):
    """The lab's data-plane pairs; `wanted` (strings) keeps the pairs whose index, label,
    circuit, peering, family or addresses contain one of them."""
    dp = dataplane_of(state)
    if not dp or not dp.get("pairs"):
        raise LabError(f"lab '{state['name']}' has no data plane (no VM addresses to probe)")
    pairs = dp["pairs"]
    if wanted:
        keep = [p for i, p in enumerate(pairs) if any(
            w == str(i) or w in pair_label(p) or w in (p["ceHost"], p["vm"]) for w in wanted)]
        if not keep:
            raise LabError(f"no data-plane pair matches {', '.join(wanted)} (pairs: "
                           f"{'; '.join(pair_label(p) for p in pairs)})")
        pairs = keep
    return pairs


class Probe:
    """Starts the side processes, stops them, and merges their records."""

    def __init__(self, work_dir, pairs, if_links, flows=4, interval_ms=1.0):
        self.dir = os.path.join(work_dir, "probe")
        os.makedirs(self.dir, exist_ok=True)
        self.pairs, self.if_links = pairs, if_links
        self.flows, self.interval_ms = flows, interval_ms
        self.procs = []

    def start(self, duration=None, delay=0.6):
        """Starts both sides `delay` s from now (the time a Python start takes); `duration`
        None runs until stop()."""
        run_id = random.getrandbits(32)
        self.start_ns = time.monotonic_ns() + int(delay * 1e9)
        by_ns = {}
        for i, p in enumerate(self.pairs):
            ports = [BASE_PORT + i * self.flows + f for f in range(self.flows)]
            by_ns.setdefault(p["ceNetns"], []).append(
                {"pair": i, "dir": "ce->az", "local": p["ceHost"], "peer": p["vm"],
                 "ports": ports})
            by_ns.setdefault(p["azNetns"], []).append(
                {"pair": i, "dir": "az->ce", "local": p["vm"], "peer": p["ceHost"],
                 "ports": ports})
        env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(
            os.path.abspath(__file__))))
        self.outs = []
        for ns, eps in by_ns.items():
            base = os.path.join(self.dir, ns)
            spec = {"netns": ns, "runId": run_id, "startNs": self.start_ns,
                    "intervalNs": int(self.interval_ms * 1e6),
                    "durationNs": int(duration * 1e9) if duration else None,
                    "lingerNs": 300_000_000, "endpoints": eps, "out": base + ".json"}
            if os.path.exists(spec["out"]):
                os.remove(spec["out"])
            with open(base + ".spec.json", "w") as f:
                json.dump(spec, f)
            log = open(base + ".log", "w")
            self.procs.append(subprocess.Popen(
                ["ip", "netns", "exec", ns, sys.executable, "-m", "msee_lab.probe", "side",
                 base + ".spec.json"], stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, env=env))
            log.close()
            self.outs.append((ns, spec["out"], base + ".log"))
        return self.start_ns

    def running(self):
        return any(p.poll() is None for p in self.procs)

    def stop(self):
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)

    def wait(self, timeout=30):
        end = time.monotonic() + timeout
        for p in self.procs:
            try:
                p.wait(max(0.1, end - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def kill(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()

    def sides(self):
        out = []
        for ns, path, log in self.outs:
            try:
                with open(path) as f:
                    out.append(json.load(f))
            except (OSError, ValueError):
                tail = open(log, errors="replace").read()[-800:] if os.path.exists(log) else ""
                raise LabError(f"the probe in {ns} wrote no result ({path})"
                               + (f":\n{tail}" if tail.strip() else ""))
        return out


def run_traffic(state, duration=10.0, flows=4, interval_ms=1.0, wanted=None, progress=True):
    """`msee-ctl lab traffic`: the probe on its own for `duration` seconds, then its report."""
    from . import traffic
    pairs = select_pairs(state, wanted)
    links = dataplane_of(state).get("ifLinks", {})
    pr = Probe(state["dir"], pairs, links, flows, interval_ms)
    say(f"traffic: {len(pairs)} pair(s) x {flows} flow(s) x 2 directions, one packet per flow "
        f"every {interval_ms:g} ms, for {duration:g} s", quiet=not progress)
    for p in pairs:
        say(f"  {pair_label(p)}: {p['ceHost']} ({p['ceNetns']}) <-> {p['vm']} ({p['azNetns']})",
            quiet=not progress)
    t0 = pr.start(duration)
    try:
        shown = 0
        while pr.running():
            time.sleep(0.2)
            el = (time.monotonic_ns() - t0) / 1e9
            if progress and el >= shown + 2 and el < duration:
                shown = int(el)
                say(f"  {shown} s / {duration:g} s")
        pr.wait()
    except BaseException:
        pr.kill()
        raise
    return traffic.report(traffic.merge(pr.sides(), pairs, links, t0 / 1e6))


def main(argv):
    if len(argv) == 2 and argv[0] == "side":
        return side_main(argv[1])
    print("usage: python3 -m msee_lab.probe side SPEC.json   (msee-ctl lab traffic runs it)",
          file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
