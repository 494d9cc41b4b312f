"""bench/benchlib/location_ce.py - the harness of bench/location.py: every CE in one process.

Owns: CePeer (benchlib/session.py's Peer with a one-family OPEN), Harness (one selector loop
driving every CE session - connects with retry until Established, keepalives, the pre-encoded
UPDATEs written on demand, the closing Cease - and the target's counters polled in the same
loop, so polling never stalls the sessions) and the two pollers: msee-emu's /metrics (or
/v1/sessions) over HTTP, and BIRD's control socket (`show protocols all`: per channel
counters, O(sessions); `show route table all count` walks every table, 0.7 s for 2,000
empty ones, and every route).
"""
import errno
import re
import selectors
import socket
import struct
import time

from .location_topo import open_msg
from .session import Peer, close_peer
from .wire import IP_BIND_ADDRESS_NO_PORT, T_NOTIFICATION, bgp_msg

CEASE_SHUTDOWN = bgp_msg(T_NOTIFICATION, bytes((6, 2)))   # Cease / Administrative Shutdown
RETRY_S = 0.2
# After an answer the next request waits POLL_GAP x the quickest answer so far (what an answer
# costs the target when it is otherwise idle, as in the "ready" phase): it then spends at most
# about a quarter of its time answering, however large the answer grows. A slow answer under
# load is mostly waiting behind the target's work, so it does not widen the gap.
POLL_GAP = 3.0
GATED_POLL_S = 1.0


def target_backlog(port):
    """Octets written by the CEs that the target has not read yet, from /proc/net/tcp and tcp6
    (what the kernel knows, at no cost to the target): the receive queues of the target's
    established sockets (local port `port`) plus what the CEs' sockets (remote port `port`)
    still hold unacknowledged, e.g. behind a full receive window."""
    total = 0
    want = f":{port:04X}"
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(path) as f:
                next(f)
                for line in f:
                    parts = line.split(None, 5)
                    if parts[3] != "01":
                        continue
                    if parts[1].endswith(want):
                        total += int(parts[4].split(":")[1], 16)
                    elif parts[2].endswith(want):
                        total += int(parts[4].split(":")[0], 16)
        except OSError:
            pass
    return total


class RunFailed(Exception):
    """This run of this target failed (the others go on)."""


class CePeer(Peer):
    def __init__(self, harness, sock, s):
        super().__init__(harness, sock, s.name, s.asn, s.bgp_id)
        self.s = s

    def start(self):
        self.state = "OpenSent"
        self.queue(open_msg(self.asn, self.bgp_id, 1 if self.s.family == 4 else 2))


# ------------------------------------------------------------------------------------ pollers
class Poller:
    """One request at a time, in the harness's selector. result: dict accepted/established/
    sessions of the last complete answer; t_result: when it arrived; t_sent: when it was asked."""

    def __init__(self):
        self.sock = None
        self.busy = False
        self.buf = bytearray()
        self.result, self.t_result, self.t_sent = None, None, None
        self.t_result_sent = None          # when the request behind `result` was sent
        self.t_prev_sent = None            # ... and the one behind the answer before it
        self.n, self.total_latency, self.max_latency = 0, 0.0, 0.0
        self.min_latency = 0.0

    def done(self, result, now):
        self.busy = False
        self.t_prev_sent = self.t_result_sent
        self.result, self.t_result, self.t_result_sent = result, now, self.t_sent
        lat = now - self.t_sent
        self.n += 1
        self.total_latency += lat
        self.max_latency = max(self.max_latency, lat)
        self.min_latency = lat if self.n == 1 else min(self.min_latency, lat)

    def stats(self):
        ms = lambda x: round(1000 * x, 1)                              # noqa: E731
        return {"polls": self.n, "mean_ms": ms(self.total_latency / max(self.n, 1)),
                "min_ms": ms(self.min_latency), "max_ms": ms(self.max_latency)}


class MseeApi(Poller):
    """GET /metrics or /v1/sessions (HTTP/1.1, Connection: close) from msee-emu's REST API.
    Both count a session's prefixes the same way (its Adj-RIB-In after policy:
    msee_bgp_prefixes_accepted, prefixesReceived). /metrics also reports ArpAvailability,
    which looks up the interface of every session's address: with direct addressing (the
    namespace, thousands of addresses on lo) that costs O(sessions x addresses) per answer,
    1.1 s at 1,600 sessions; /v1/sessions then answers in 22 ms."""
    PATTERNS = {
        "metrics": (re.compile(rb"^msee_bgp_prefixes_accepted\{[^}]*\} (\d+)$", re.M),
                    re.compile(rb"^msee_bgp_session_state\{[^}]*\} (\d+)$", re.M), b"6"),
        "sessions": (re.compile(rb'"prefixesReceived":\s*(\d+)'),
                     re.compile(rb'"routeLimit":\s*\d+,\s*"state":\s*"(\w+)"'),
                     b"Established")}

    def __init__(self, api, source):
        super().__init__()
        host, port = api.rsplit(":", 1)
        self.addr = (host, int(port))
        self.path = "/metrics" if source == "metrics" else "/v1/sessions"
        self.accepted_re, self.state_re, self.up = self.PATTERNS[source]

    def start(self, sel, now):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        err = s.connect_ex(self.addr)
        if err not in (0, errno.EINPROGRESS):
            s.close()
            return False
        self.sock, self.busy, self.t_sent, self.buf = s, True, now, bytearray()
        self.sent = False
        sel.register(s, selectors.EVENT_WRITE, self)
        self.sel = sel
        return True

    def on_event(self, mask, now):
        s = self.sock
        if not self.sent:
            if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                self.abort()
                return
            try:
                s.send(f"GET {self.path} HTTP/1.1\r\nHost: msee\r\nConnection: close\r\n\r\n"
                       .encode())
            except OSError:
                self.abort()
                return
            self.sent = True
            self.sel.modify(s, selectors.EVENT_READ, self)
            return
        try:
            data = s.recv(1 << 20)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if data:
            self.buf += data
            return
        self.sel.unregister(s)
        s.close()
        self.sock = None
        head, _, body = bytes(self.buf).partition(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 200"):
            self.busy = False                      # refused or cut short: ask again
            return
        states = self.state_re.findall(body)
        self.done({"accepted": sum(map(int, self.accepted_re.findall(body))),
                   "established": sum(1 for v in states if v == self.up),
                   "sessions": len(states)}, now)

    def abort(self):
        if self.sock is not None:
            self.sel.unregister(self.sock)
            self.sock.close()
            self.sock = None
        self.busy = False

    def close(self):
        self.abort()


class BirdCli(Poller):
    """`show protocols all` over BIRD's control socket, one connection for the whole run. A
    reply ends with a line of four digits and a space (BIRD's CLI protocol)."""
    IMPORTED = re.compile(rb"Routes:\s+(\d+) imported")
    ESTABLISHED = re.compile(rb"BGP state:\s+Established")
    PROTOCOL = re.compile(rb"^1002-\S+\s+BGP ", re.M)
    END = re.compile(rb"(?:^|\n)\d{4} [^\n]*\n$")

    def __init__(self, path):
        super().__init__()
        self.path = path
        self.greeted = False

    def start(self, sel, now):
        if self.sock is None:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(self.path)
            except OSError:
                s.close()
                return False
            s.setblocking(False)
            self.sock, self.sel, self.greeted = s, sel, False
            sel.register(s, selectors.EVENT_READ, self)
        self.busy, self.t_sent, self.buf = True, now, bytearray()
        if self.greeted:
            self.sock.send(b"show protocols all\n")
        return True

    def on_event(self, mask, now):
        try:
            data = self.sock.recv(1 << 20)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self.close()
            return
        self.buf += data
        if not self.END.search(self.buf[-200:]):
            return
        if not self.greeted:                       # "0001 BIRD 2.0.12 ready."
            self.greeted, self.buf = True, bytearray()
            self.sock.send(b"show protocols all\n")
            return
        body = bytes(self.buf)
        self.done({"accepted": sum(map(int, self.IMPORTED.findall(body))),
                   "established": len(self.ESTABLISHED.findall(body)),
                   "sessions": len(self.PROTOCOL.findall(body))}, now)

    def close(self):
        if self.sock is not None:
            self.sel.unregister(self.sock)
            self.sock.close()
            self.sock = None
        self.busy = False


# ------------------------------------------------------------------------------------ harness
class Harness:
    """Every CE session of the run, and the target's poller, in one selector loop."""

    def __init__(self, topo, poller, alive, poll_interval, progress, progress_every):
        self.topo, self.poller, self.alive = topo, poller, alive
        self.poll_interval = poll_interval
        self.progress, self.progress_every = progress, progress_every
        self.sel = selectors.DefaultSelector()
        self.peers = [None] * len(topo.sessions)
        self.pending = []                  # (due, k): connects to start
        self.established = 0
        self.t_last_established = None
        self.retries = 0
        self.errors = []
        self.retry_ok = True               # before "announce", a failed connect is retried
        self.unsent = 0                    # peers with queued UPDATE bytes left
        self.t_all_sent = None
        self.next_poll = 0.0
        self.gate_on, self.t_drained, self.t_backlog_seen = False, None, None

    # ---- what Peer expects of its loop
    def want_write(self, peer):
        try:
            self.sel.modify(peer.sock, selectors.EVENT_READ | selectors.EVENT_WRITE, peer)
        except (KeyError, ValueError):
            pass

    def no_write(self, peer):
        try:
            self.sel.modify(peer.sock, selectors.EVENT_READ, peer)
        except (KeyError, ValueError):
            pass

    def on_established(self, peer):
        self.established += 1
        self.t_last_established = peer.t_established

    def on_update(self, peer, buf, pos, mlen, t):
        pass

    def peer_failed(self, peer, why):
        if peer.state == "Closed":
            return
        was = close_peer(self.sel, peer)
        self.peers[peer.s.k] = None
        if was == "Established":
            self.established -= 1
        if was != "Established" and self.retry_ok:
            # the target may still be Idle (RFC 4271 refuses connections there): again soon
            self.retries += 1
            self.pending.append((time.monotonic() + RETRY_S, peer.s.k))
            return
        self.errors.append(f"{peer.name}: {why} (was {was})")

    # ---- connects
    def connect_all(self):
        now = time.monotonic()
        self.pending = [(now, s.k) for s in self.topo.sessions]
        self.run_connects(now)

    def run_connects(self, now):
        keep = []
        for due, k in self.pending:
            if due > now:
                keep.append((due, k))
                continue
            s = self.topo.sessions[k]
            sock = socket.socket(socket.AF_INET6 if s.family == 6 else socket.AF_INET,
                                 socket.SOCK_STREAM)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            # the source port is picked at connect() time: no clash with a TIME_WAIT pair
            sock.setsockopt(socket.IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1)
            sock.bind((s.ce, 0))
            sock.setblocking(False)
            err = sock.connect_ex((s.msee, self.topo.port))
            if err not in (0, errno.EINPROGRESS):
                sock.close()
                self.retries += 1
                keep.append((now + RETRY_S, k))
                continue
            self.sel.register(sock, selectors.EVENT_WRITE, k)
        self.pending = keep

    def connect_done(self, sock, k):
        self.sel.unregister(sock)
        if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
            sock.close()
            self.retries += 1
            self.pending.append((time.monotonic() + RETRY_S, k))
            return
        p = CePeer(self, sock, self.topo.sessions[k])
        self.peers[k] = p
        self.sel.register(sock, selectors.EVENT_READ, p)
        p.start()

    # ---- the UPDATEs
    def send_all(self, streams):
        """Queue every session's pre-encoded UPDATEs; the loop writes them as sockets allow."""
        self.t_all_sent = None
        self.unsent = 0
        for p in self.peers:
            if p is None:
                continue
            self.unsent += 1
            p.phase_done = self.sent_one
            p.queue(streams[p.s.k])

    def sent_one(self, peer):
        self.unsent -= 1
        if self.unsent == 0:
            self.t_all_sent = time.monotonic()

    def close_all(self):
        """The CE side shuts every session down: Cease/Administrative Shutdown, then FIN."""
        for k, p in enumerate(self.peers):
            if p is None:
                continue
            p.state = "Closed"
            self.sel.unregister(p.sock)
            try:
                p.sock.send(CEASE_SHUTDOWN)
                p.sock.recv(1 << 16)     # unread input would turn the FIN into a RST
            except OSError:
                pass
            p.sock.close()
            self.peers[k] = None
        self.established = 0

    # ---- the loop
    def run_until(self, done, timeout, label, stall=None):
        """Run the loop until done(now) is true; RunFailed after `timeout` s, when a session
        fails, when the target dies, or when stall(now) returns a reason."""
        t0 = time.monotonic()
        last_tick = last_progress = last_alive = t0
        while True:
            now = time.monotonic()
            if done(now):
                return now
            if self.errors:
                raise RunFailed(f"{label}: {len(self.errors)} session(s) failed, first: "
                                f"{self.errors[0]}")
            if now - t0 > timeout:
                raise RunFailed(f"{label}: not done within {timeout:.0f} s")
            if now - last_alive > 0.5:
                last_alive = now
                if not self.alive():
                    raise RunFailed(f"{label}: the target exited")
                why = stall(now) if stall else None
                if why:
                    raise RunFailed(f"{label}: {why}")
            p = self.poller
            gated = self.gated(now)
            if p is not None and not p.busy and now >= self.next_poll and (
                    p.t_result is None or now >= p.t_result + POLL_GAP * p.min_latency) and (
                    not gated or now >= (p.t_result or 0.0) + GATED_POLL_S):
                if p.start(self.sel, now):
                    self.next_poll = now + self.poll_interval
                else:
                    self.next_poll = now + 0.1
            for key, mask in self.sel.select(0.01):
                obj = key.data
                if isinstance(obj, CePeer):
                    if mask & selectors.EVENT_WRITE and obj.state != "Closed":
                        obj.on_writable()
                    if mask & selectors.EVENT_READ and obj.state != "Closed":
                        obj.on_readable(now)
                        while obj.state != "Closed" and obj.parse():
                            pass
                elif isinstance(obj, int):
                    self.connect_done(key.fileobj, obj)
                else:
                    obj.on_event(mask, time.monotonic())
            now = time.monotonic()
            if now - last_tick > 0.5:
                last_tick = now
                for peer in self.peers:
                    if peer is not None and peer.state == "Established":
                        peer.tick(now)
            if self.pending:
                self.run_connects(now)
            if now - last_progress >= self.progress_every:
                last_progress = now
                self.progress(label, now - t0)

    def gate(self):
        """From now until the target has read every byte the CEs wrote, read its counters
        only every GATED_POLL_S (for the progress lines): it cannot have converged before."""
        self.t_drained = None
        self.t_backlog_seen = time.monotonic()     # the last time it had not: a lower bound
        self.gate_checked = 0.0
        self.gate_on = True

    def gated(self, now):
        if not self.gate_on:
            return False
        if self.unsent:
            self.t_backlog_seen = now
        elif now - self.gate_checked >= 0.05:
            self.gate_checked = now
            if target_backlog(self.topo.port) == 0:
                self.gate_on, self.t_drained = False, now
            else:
                self.t_backlog_seen = now
        return self.gate_on

    def idle(self, seconds, label):
        """Keep the sessions alive (keepalives, reading) for a while, polling as usual."""
        end = time.monotonic() + seconds
        self.run_until(lambda now: now >= end, seconds + 60, label)

    def poll_now(self, pred, timeout, label):
        """Wait for a poll asked after this call whose answer satisfies pred; returns its
        arrival time."""
        t_ask = time.monotonic()
        self.next_poll = min(self.next_poll, t_ask)
        self.run_until(lambda now: (self.poller.t_result is not None
                                    and self.poller.t_result_sent >= t_ask
                                    and pred(self.poller.result)), timeout, label)
        return self.poller.t_result

    def close(self):
        for p in self.peers:
            if p is not None:
                try:
                    p.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                      struct.pack("ii", 1, 0))
                    p.sock.close()
                except OSError:
                    pass
        for key in list(self.sel.get_map().values()):
            if isinstance(key.data, int):
                key.fileobj.close()
        if self.poller is not None:
            self.poller.close()
        self.sel.close()
