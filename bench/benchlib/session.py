"""bench/benchlib/session.py - the harness side of a BGP session, for bgpbench's child processes.

Owns: Peer (one non-blocking BGP session: OPEN/KEEPALIVE handshake, hold timer, queued output
on message boundaries, input stamped with its receive time, UPDATEs handed to the loop) and
Loop (the selector loop of one child process: active connects with retry, the control pipe to
the orchestrator, hooks for the sender and sink loops in speakers.py), plus running a loop on
the harness CPU and aborting its sessions with a RST at the end.
"""
import collections
import errno
import os
import selectors
import signal
import socket
import struct
import time

from .wire import (BGP_PORT, HARNESS_CPU, HOLD_TIME, IP_BIND_ADDRESS_NO_PORT, KEEPALIVE, MARKER,
                   T_KEEPALIVE, T_NOTIFICATION, T_OPEN, T_UPDATE, open_msg)



def close_peer(sel, peer):
    """Marks `peer` Closed, takes its socket out of `sel` and closes it; returns the state it
    was in (shared by every selector loop of the benchmarks)."""
    was = peer.state
    peer.state = "Closed"
    try:
        sel.unregister(peer.sock)
    except (KeyError, ValueError):
        pass
    peer.sock.close()
    return was

class Peer:
    """One BGP session (sender, sink or floor listener side), non-blocking, driven by Loop."""

    def __init__(self, loop, sock, name, asn, bgp_id, gr=False, count=False):
        self.loop, self.sock, self.name = loop, sock, name
        self.asn, self.bgp_id, self.gr, self.count = asn, bgp_id, gr, count
        self.state = "Connect"
        self.rbuf = bytearray()
        self.rbase = 0                       # stream offset of rbuf[0]
        self.rtotal = 0                      # stream bytes received so far
        self.marks = collections.deque()     # (stream end offset, receive time)
        self.outq = collections.deque()      # bytes objects (whole messages / chunks)
        self.out_off = 0
        self.hold = HOLD_TIME
        self.next_ka = None
        self.t_established = None
        self.rx_updates = 0
        self.rx_update_bytes = 0
        self.phase_done = None               # callback when outq drains

    # ---- output
    def queue(self, data, front=False):
        if front:
            if self.out_off:                 # never split a partly sent message/chunk
                head = self.outq.popleft()
                self.outq.appendleft(data)
                self.outq.appendleft(head)
            else:
                self.outq.appendleft(data)
        else:
            self.outq.append(data)
        self.loop.want_write(self)

    def on_writable(self):
        budget = 1 << 20
        while self.outq and budget > 0:
            head = self.outq[0]
            try:
                n = self.sock.send(memoryview(head)[self.out_off:self.out_off + budget])
            except BlockingIOError:
                return
            except OSError as e:
                self.loop.peer_failed(self, f"send: {e}")
                return
            budget -= n
            self.out_off += n
            if self.out_off == len(head):
                self.outq.popleft()
                self.out_off = 0
        if not self.outq:
            self.loop.no_write(self)
            if self.phase_done:
                cb, self.phase_done = self.phase_done, None
                cb(self)

    # ---- input
    def on_readable(self, now):
        got = 0
        while got < (8 << 20):
            try:
                data = self.sock.recv(1 << 20)
            except BlockingIOError:
                break
            except OSError as e:
                self.loop.peer_failed(self, f"recv: {e}")
                return
            if not data:
                self.loop.peer_failed(self, "connection closed by peer")
                return
            self.rbuf += data
            self.rtotal += len(data)
            # stamp every read: one wake-up can drain megabytes that arrived over many ms
            self.marks.append((self.rtotal, time.monotonic()))
            got += len(data)

    def time_at(self, end):
        marks = self.marks
        while len(marks) > 1 and marks[0][0] < end:
            marks.popleft()
        return marks[0][1]

    def parse(self, budget=64 * 1024):
        """Handle whole messages in rbuf (at most ~budget octets); True if more remain."""
        buf = self.rbuf
        n = len(buf)
        pos = 0
        while pos + 19 <= n and pos < budget:
            if buf[pos:pos + 16] != MARKER:
                self.loop.peer_failed(self, "bad marker")
                return False
            mlen = (buf[pos + 16] << 8) | buf[pos + 17]
            mtype = buf[pos + 18]
            if mlen < 19:
                self.loop.peer_failed(self, f"bad length {mlen}")
                return False
            if pos + mlen > n:
                break
            if mtype == T_UPDATE:
                self.rx_updates += 1
                self.rx_update_bytes += mlen
                if self.count:
                    self.loop.on_update(self, buf, pos, mlen,
                                        self.time_at(self.rbase + pos + mlen))
            elif mtype == T_KEEPALIVE:
                if self.state == "OpenConfirm":
                    self.established()
            elif mtype == T_OPEN:
                peer_hold = (buf[pos + 22] << 8) | buf[pos + 23]
                self.hold = min(HOLD_TIME, peer_hold) if peer_hold else 0
                self.queue(KEEPALIVE)
                self.state = "OpenConfirm"
            elif mtype == T_NOTIFICATION:
                code, sub = buf[pos + 19], buf[pos + 20]
                data = bytes(buf[pos + 21:pos + mlen])
                self.loop.peer_failed(self, f"NOTIFICATION {code}/{sub} received"
                                      f" {data[:64]!r}")
                return False
            pos += mlen
        if pos:
            del buf[:pos]
            self.rbase += pos
        return len(buf) >= 19 and pos >= budget

    def established(self):
        self.state = "Established"
        self.t_established = time.monotonic()
        if self.hold:
            self.next_ka = self.t_established + self.hold / 3
        self.loop.on_established(self)

    def tick(self, now):
        if self.next_ka is not None and now >= self.next_ka:
            self.queue(KEEPALIVE, front=True)
            self.next_ka = now + self.hold / 3

    def start(self):
        self.state = "OpenSent"
        self.queue(open_msg(self.asn, self.bgp_id, graceful_restart=self.gr))


class Loop:
    """Selector loop shared by the sender and the sink processes; talks to the orchestrator
    over a multiprocessing Connection (dict messages)."""

    def __init__(self, ctl):
        self.ctl = ctl
        self.sel = selectors.DefaultSelector()
        self.sel.register(ctl.fileno(), selectors.EVENT_READ, "ctl")
        self.peers = []
        self.pending_connects = []           # (due time, k, addr, asn)
        self.running = True
        self.failed = None
        self.reconnects = 0

    def report(self, ev, **kw):
        kw["ev"] = ev
        self.ctl.send(kw)

    def add_peer_socket(self, peer, events=selectors.EVENT_READ):
        self.peers.append(peer)
        self.sel.register(peer.sock, events, peer)

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

    def peer_failed(self, peer, why):
        if peer.state == "Closed":
            return
        was = close_peer(self.sel, peer)
        if was != "Established" and getattr(peer, "accepted", False):
            self.peers.remove(peer)           # floor listener: the sender retries
            self.reconnects += 1
            return
        retry = getattr(peer, "retry", None)
        if was != "Established" and retry and time.monotonic() < self.connect_deadline:
            # e.g. GoBGP accepts (and resets) connections before it has configured every
            # neighbour: a real speaker retries, so do we (counted in the set-up time)
            self.peers.remove(peer)
            self.reconnects += 1
            self.pending_connects.append((time.monotonic() + 0.05, *retry))
            return
        if self.running and not self.failed:
            self.failed = f"{peer.name}: {why}"
            self.report("error", msg=self.failed)

    # hooks
    def on_established(self, peer):
        pass

    def on_update(self, peer, buf, pos, mlen, t):
        pass

    def on_command(self, cmd):
        pass

    def on_idle(self, now):
        pass

    def run(self):
        last_tick = 0.0
        more = []
        while self.running:
            timeout = 0 if more else 0.05
            events = self.sel.select(timeout)
            now = time.monotonic()
            for key, mask in events:
                obj = key.data
                if obj == "ctl":
                    while self.ctl.poll():
                        self.on_command(self.ctl.recv())
                elif obj == "listen":
                    self.accept(key.fileobj)
                elif isinstance(obj, tuple):        # connecting socket
                    self.connect_done(key.fileobj, obj)
                else:
                    if mask & selectors.EVENT_WRITE and obj.state != "Closed":
                        obj.on_writable()
                    if mask & selectors.EVENT_READ and obj.state != "Closed":
                        obj.on_readable(now)
            more = [p for p in self.peers
                    if p.state != "Closed" and len(p.rbuf) >= 19 and p.parse()]
            if now - last_tick > 0.05:
                last_tick = now
                for p in self.peers:
                    if p.state == "Established":
                        p.tick(now)
                self.run_connects(now)
                self.on_idle(now)

    # ---- active connects with retry (target may not listen yet)
    def connect(self, k, addr, asn, due=0.0):
        self.pending_connects.append((due, k, addr, asn))

    def run_connects(self, now):
        if not self.pending_connects:
            return
        keep = []
        for item in self.pending_connects:
            due, k, addr, asn = item
            if due > now:
                keep.append(item)
                continue
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            # pick the source port at connect() time, knowing the 4-tuple: a port chosen at
            # bind() can collide with a TIME_WAIT pair of the previous run
            s.setsockopt(socket.IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1)
            s.bind((addr, 0))
            s.setblocking(False)
            err = s.connect_ex((self.remote, BGP_PORT))
            if err not in (0, errno.EINPROGRESS):
                s.close()
                keep.append((now + 0.05, k, addr, asn))
                continue
            self.sel.register(s, selectors.EVENT_WRITE, (k, addr, asn))
        self.pending_connects = keep

    def connect_done(self, s, info):
        k, addr, asn = info
        self.sel.unregister(s)
        err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if err:
            s.close()
            if time.monotonic() > self.connect_deadline:
                self.failed = f"connect from {addr}: {os.strerror(err)}"
                self.report("error", msg=self.failed)
                return
            self.pending_connects.append((time.monotonic() + 0.05, k, addr, asn))
            return
        p = self.make_peer(s, k, addr, asn)
        p.retry = (k, addr, asn)
        self.add_peer_socket(p)
        p.start()


def pin_harness():
    try:
        os.sched_setaffinity(0, {HARNESS_CPU})
    except (AttributeError, OSError):
        pass


def close_all(loop):
    """Abort every session with a RST (SO_LINGER 0): no TIME_WAIT is left on the target's
    address:179, so the next target can bind it at once."""
    for p in loop.peers:
        try:
            p.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            p.sock.close()
        except OSError:
            pass
    for key in list(loop.sel.get_map().values()):
        if key.data == "listen":
            key.fileobj.close()


def serve(loop_cls, ctl, *args):
    """Body of a sender or sink child: pinned to the harness CPU, deaf to SIGINT (the
    orchestrator stops it), runs loop_cls(ctl, *args) and resets its sessions at the end."""
    pin_harness()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    loop = loop_cls(ctl, *args)
    try:
        loop.run()
    finally:
        close_all(loop)
