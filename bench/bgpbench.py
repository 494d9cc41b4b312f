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

  python3 bench/bgpbench.py [--targets msee,bird,frr,gobgp] [--scenarios 1x1M,10x100k,300idle,
          withdraw] [--runs 3] [--msee PATH] [--quick] [--json out.json]
Exit status: 0 all runs converged, 1 a run failed (timeout, session error, crash), 2 a requested
target could not be run (binary missing) or the environment is unusable (address in use).
"""
import argparse
import collections
import errno
import json
import multiprocessing
import os
import platform
import re
import selectors
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# ----------------------------------------------------------------------------------- topology
TARGET_ADDR = "127.31.0.1"
SINK_ADDR = "127.31.0.2"
BGP_PORT = 179
TARGET_AS = 65000
SINK_AS = 65100
HOLD_TIME = 90
SINK_NEXT_HOP = "192.0.2.1"
PREFIX_BASE_BLOCK = 16 << 16          # /24 block index of 16.0.0.0; prefix i lives in block base+i
MAX_NLRI_PER_UPDATE = 1000
MAX_MSG = 4096                       # no extended-message capability (RFC 8654) anywhere
CHUNK = 256 * 1024                   # send granularity, always on message boundaries
HARNESS_CPU, TARGET_CPU = 0, 1


def sender_addr(k):
    return f"127.31.{1 + k // 200}.{1 + k % 200}"


def sender_as(k):
    return 65101 + k


# ------------------------------------------------------------------------------- BGP encoding
IP_BIND_ADDRESS_NO_PORT = getattr(socket, "IP_BIND_ADDRESS_NO_PORT", 24)
MARKER = b"\xff" * 16
T_OPEN, T_UPDATE, T_NOTIFICATION, T_KEEPALIVE, T_REFRESH = 1, 2, 3, 4, 5


def bgp_msg(mtype, body=b""):
    return MARKER + struct.pack("!HB", 19 + len(body), mtype) + body


KEEPALIVE = bgp_msg(T_KEEPALIVE)
EOR_IPV4 = bgp_msg(T_UPDATE, b"\x00\x00\x00\x00")      # RFC 4724 §2: empty UPDATE


def open_msg(asn, bgp_id, hold=HOLD_TIME, graceful_restart=False):
    def cap(code, val):
        return bytes((code, len(val))) + val
    caps = (cap(1, struct.pack("!HBB", 1, 0, 1))        # MP IPv4 unicast (RFC 4760)
            + cap(65, struct.pack("!I", asn))           # 4-octet AS (RFC 6793)
            + cap(2, b""))                              # route refresh
    if graceful_restart:
        # RFC 4724: FRR only sends End-of-RIB to peers that advertise GR; no AFI -> helper only
        caps += cap(64, struct.pack("!H", 120))
    opt = bytes((2, len(caps))) + caps
    my_as = asn if asn < 65536 else 23456
    return bgp_msg(T_OPEN, struct.pack("!BHH4sB", 4, my_as, hold, socket.inet_aton(bgp_id),
                                       len(opt)) + opt)


def path_attrs(k):
    origin = b"\x40\x01\x01\x00"                                        # IGP
    aspath = b"\x40\x02\x0a\x02\x02" + struct.pack("!II", sender_as(k), 4200000000 + k)
    nexthop = b"\x40\x03\x04" + socket.inet_aton(f"192.0.2.{10 + k % 240}")
    return origin + aspath + nexthop


def prefix_wire(i):
    """Prefix i: the /24 block PREFIX_BASE_BLOCK+i, length 24..32 cycling -> all unique."""
    length = 24 + i % 9
    b = struct.pack("!BI", length, (PREFIX_BASE_BLOCK + i) << 8)
    return b[:4] if length == 24 else b


def prefix_text(i):
    a = (PREFIX_BASE_BLOCK + i) << 8
    return f"{socket.inet_ntoa(struct.pack('!I', a))}/{24 + i % 9}"


def encode_stream(k, start, count, withdraw):
    """UPDATEs for prefixes [start, start+count) of peer k, packed up to 1000 NLRI and 4096
    octets each; returns (list of ~256 KB chunks on message boundaries, n_updates, n_bytes)."""
    attrs = b"" if withdraw else path_attrs(k)
    room = MAX_MSG - 23 - len(attrs)
    msgs, cur, cur_len, n = [], [], 0, 0

    def flush():
        field = b"".join(cur)
        if withdraw:
            body = struct.pack("!H", len(field)) + field + b"\x00\x00"
        else:
            body = b"\x00\x00" + struct.pack("!H", len(attrs)) + attrs + field
        msgs.append(bgp_msg(T_UPDATE, body))

    for i in range(start, start + count):
        p = prefix_wire(i)
        if n == MAX_NLRI_PER_UPDATE or cur_len + len(p) > room:
            flush()
            cur, cur_len, n = [], 0, 0
        cur.append(p)
        cur_len += len(p)
        n += 1
    if cur:
        flush()
    chunks, acc, acc_len = [], [], 0
    for m in msgs:
        acc.append(m)
        acc_len += len(m)
        if acc_len >= CHUNK:
            chunks.append(b"".join(acc))
            acc, acc_len = [], 0
    if acc:
        chunks.append(b"".join(acc))
    return chunks, len(msgs), sum(len(c) for c in chunks)


# One IPv4 prefix on the wire = length octet + ceil(len/8) octets; walked by the regex engine
# (sequential, non-overlapping matches from offset 0), so counting costs no Python per prefix.
PFX_RE = re.compile(rb"(?s)[\x19-\x20]....|[\x11-\x18]...|[\x09-\x10]..|[\x01-\x08].|\x00")


def count_prefixes(seg):
    """(number of prefixes, ok); ok False when the bytes are not a clean prefix sequence."""
    rest, n = PFX_RE.subn(b"", seg)
    return n, not rest


def has_mp_attr(attrs):
    """True if a path attribute block holds MP_REACH_NLRI or MP_UNREACH_NLRI (RFC 4760)."""
    q, n = 0, len(attrs)
    while q + 3 <= n:
        fl, tc = attrs[q], attrs[q + 1]
        if tc in (14, 15):
            return True
        if fl & 0x10:
            q += 4 + ((attrs[q + 2] << 8) | (attrs[q + 3] if q + 3 < n else 0))
        else:
            q += 3 + attrs[q + 2]
    return False


# ------------------------------------------------------------------- event-loop BGP peers
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
        was = peer.state
        peer.state = "Closed"
        try:
            self.sel.unregister(peer.sock)
        except (KeyError, ValueError):
            pass
        peer.sock.close()
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


class SenderLoop(Loop):
    def __init__(self, ctl, npeers, streams):
        super().__init__(ctl)
        self.npeers, self.streams = npeers, streams
        self.remote = TARGET_ADDR
        self.by_k = {}
        self.n_established = 0
        self.t_connect = None
        self.connect_deadline = 0
        self.phase = None
        self.phase_left = 0
        self.eor_sent = False
        self.last_progress = 0

    def make_peer(self, s, k, addr, asn):
        p = Peer(self, s, f"sender {addr}", asn, addr)
        p.k = k
        self.by_k[k] = p
        return p

    def on_established(self, peer):
        self.n_established += 1
        if self.n_established == self.npeers:
            self.report("established", t_start=self.t_connect, t_all=time.monotonic(),
                        holds=sorted({p.hold for p in self.peers}), reconnects=self.reconnects)

    def on_idle(self, now):
        if self.t_connect and self.n_established < self.npeers and now - self.last_progress > 1:
            self.last_progress = now
            self.report("progress", established=self.n_established)

    def on_command(self, cmd):
        c = cmd["cmd"]
        if c == "connect":
            self.t_connect = self.last_progress = time.monotonic()
            self.connect_deadline = self.t_connect + cmd.get("timeout", 30)
            for k in range(self.npeers):
                self.connect(k, sender_addr(k), sender_as(k))
            self.run_connects(time.monotonic())
        elif c == "send":
            self.phase = cmd["phase"]
            self.phase_left = self.npeers
            t0 = time.monotonic()
            for k in range(self.npeers):
                p = self.by_k[k]
                for chunk in self.streams[self.phase][k]:
                    p.outq.append(chunk)
                if self.phase == "announce" and not self.eor_sent:
                    p.outq.append(EOR_IPV4)
                p.phase_done = self.phase_sent
                self.want_write(p)
            if self.phase == "announce":
                self.eor_sent = True
            self.report("sending", phase=self.phase, t0=t0)
            # write immediately instead of waiting for the next select round
            for k in range(self.npeers):
                self.by_k[k].on_writable()
        elif c == "stats":
            self.report("stats", rx_updates=sum(p.rx_updates for p in self.peers),
                        rx_update_bytes=sum(p.rx_update_bytes for p in self.peers),
                        cpu=time.process_time())
        elif c == "stop":
            self.running = False

    def phase_sent(self, peer):
        self.phase_left -= 1
        if self.phase_left == 0:
            self.report("sent", phase=self.phase, t=time.monotonic())


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


def sender_main(ctl, npeers, streams):
    pin_harness()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    loop = SenderLoop(ctl, npeers, streams)
    try:
        loop.run()
    finally:
        close_all(loop)


class SinkLoop(Loop):
    """Counts announced/withdrawn IPv4 unicast prefixes over all its sessions."""

    def __init__(self, ctl, listen, npeers_floor):
        super().__init__(ctl)
        self.remote = TARGET_ADDR
        self.listen = listen
        self.npeers_floor = npeers_floor
        self.connect_deadline = 0
        self.ann = self.wd = 0
        self.eor = []
        self.updates = 0
        self.malformed = 0
        self.goal = None                     # {"kind","base","count","milestones":[...]}
        self.last_progress = 0
        self.n_established = 0
        self.attr_cache = {}

    def make_peer(self, s, k, addr, asn):
        return Peer(self, s, "sink", SINK_AS, SINK_ADDR, gr=True, count=True)

    def accept(self, lsock):
        while True:
            try:
                s, addr = lsock.accept()
            except BlockingIOError:
                return
            s.setblocking(False)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            p = Peer(self, s, f"floor<-{addr[0]}", TARGET_AS, TARGET_ADDR, count=True)
            p.accepted = True
            self.add_peer_socket(p)
            p.start()

    def on_established(self, peer):
        self.n_established += 1
        if not self.listen:
            self.report("established", t=time.monotonic(), reconnects=self.reconnects)

    def on_update(self, peer, buf, pos, mlen, t):
        self.updates += 1
        end = pos + mlen
        wl = (buf[pos + 19] << 8) | buf[pos + 20]
        w0 = pos + 21
        a0 = w0 + wl + 2
        if a0 > end:
            self.malformed += 1
            return
        al = (buf[a0 - 2] << 8) | buf[a0 - 1]
        a1 = a0 + al
        if a1 > end:
            self.malformed += 1
            return
        nw = na = 0
        if wl:
            nw, ok = count_prefixes(buf[w0:w0 + wl])
            self.malformed += not ok
        if a1 < end:
            seg = end - a1
            if seg <= 5 and buf[a1] <= 32 and 1 + ((buf[a1] + 7) >> 3) == seg:
                na = 1                        # one-prefix UPDATE (GoBGP sends those)
            else:
                na, ok = count_prefixes(buf[a1:end])
                self.malformed += not ok
        if al:
            # walking the attributes costs more than the rest; targets repeat the same block
            key = bytes(buf[a0:a1])
            mp = self.attr_cache.get(key)
            if mp is None:
                mp = has_mp_attr(key)
                if len(self.attr_cache) < 10000:
                    self.attr_cache[key] = mp
            q = a0 if mp else a1
        else:
            q = a1
        while q < a1:                         # MP_REACH/MP_UNREACH for IPv4 unicast (RFC 4760)
            fl, tc = buf[q], buf[q + 1]
            if fl & 0x10:
                ln, h = (buf[q + 2] << 8) | buf[q + 3], 4
            else:
                ln, h = buf[q + 2], 3
            v = q + h
            if tc == 14 and buf[v:v + 3] == b"\x00\x01\x01":
                s = v + 3 + 1 + buf[v + 3] + 1
                c, ok = count_prefixes(buf[s:v + ln])
                na += c
                self.malformed += not ok
            elif tc == 15 and buf[v:v + 3] == b"\x00\x01\x01":
                c, ok = count_prefixes(buf[v + 3:v + ln])
                nw += c
                self.malformed += not ok
            q = v + ln
        if wl == 0 and al == 0:
            self.eor.append(t)
            return
        self.ann += na
        self.wd += nw
        g = self.goal
        if g is not None and g["t_done"] is None:
            have = (self.ann if g["kind"] == "ann" else self.wd) - g["base"]
            if have > 0 and g["t_first"] is None:
                g["t_first"] = t
            ms = g["milestones"]
            while len(ms) < 10 and have >= g["count"] * (len(ms) + 1) // 10:
                ms.append(t)
            if have >= g["count"]:
                g["t_done"] = t
                self.report("reached", kind=g["kind"], t_first=g["t_first"], t_done=t,
                            t_counted=time.monotonic(), milestones=ms, ann=self.ann, wd=self.wd)

    def on_command(self, cmd):
        c = cmd["cmd"]
        if c == "start":
            if self.listen:
                ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                ls.bind((TARGET_ADDR, BGP_PORT))
                ls.listen(1024)
                ls.setblocking(False)
                self.sel.register(ls, selectors.EVENT_READ, "listen")
                self.report("listening", t=time.monotonic())
            else:
                self.connect_deadline = time.monotonic() + cmd.get("timeout", 30)
                self.connect(0, SINK_ADDR, SINK_AS)
        elif c == "expect":
            base = self.ann if cmd["kind"] == "ann" else self.wd
            self.goal = {"kind": cmd["kind"], "base": base, "count": cmd["count"],
                         "t_first": None, "t_done": None, "milestones": []}
            self.report("expecting", base=base)
        elif c == "stats":
            self.report("stats", ann=self.ann, wd=self.wd, updates=self.updates,
                        malformed=self.malformed, eor=self.eor, cpu=time.process_time(),
                        sessions=self.n_established)
        elif c == "stop":
            self.running = False

    def on_idle(self, now):
        if now - self.last_progress >= 0.25:
            self.last_progress = now
            self.report("progress", ann=self.ann, wd=self.wd, t=now)


def sink_main(ctl, listen, npeers_floor):
    pin_harness()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    loop = SinkLoop(ctl, listen, npeers_floor)
    try:
        loop.run()
    finally:
        close_all(loop)


# ---------------------------------------------------------------------------- /proc helpers
def proc_status(pid, key):
    """kB value of a /proc/PID/status field (VmRSS, VmHWM) or None."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def proc_cpu(pid):
    """utime+stime of the whole process (all threads) in seconds."""
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


def listeners_179(states=("0A",)):
    """Local addresses with a TCP socket on port 179 in one of `states` (hex /proc/net/tcp
    st field; 0A = LISTEN, 06 = TIME_WAIT)."""
    found = []
    try:
        with open("/proc/net/tcp") as f:
            next(f)
            for line in f:
                parts = line.split()
                addr, port = parts[1].split(":")
                if parts[3] in states and int(port, 16) == BGP_PORT:
                    found.append(socket.inet_ntoa(struct.pack("<I", int(addr, 16))))
    except OSError:
        pass
    return found


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


def wait_port_free(timeout=10.0):
    end = time.monotonic() + timeout
    lingering = ("01", "02", "03", "04", "05", "07", "08", "09", "0B")
    while True:
        busy = [a for a in listeners_179() if a in (TARGET_ADDR, "0.0.0.0")]
        # connections of the previous run still closing (anything but TIME_WAIT) can make a
        # daemon's bind() without SO_REUSEADDR fail: give them the same bounded wait
        busy += [a for a in listeners_179(lingering) if a == TARGET_ADDR
                 and time.monotonic() < end]
        if not busy:
            return None
        if time.monotonic() > end:
            return f"{busy[0]}:179 is in use (another process listens there)"
        time.sleep(0.1)


def run_cmd(args, timeout=10):
    try:
        r = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
        return (r.stdout + r.stderr).strip()
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"({e})"


# ----------------------------------------------------------------------------------- targets
class Target:
    name = "?"
    label = "?"

    def __init__(self, args):
        self.args = args
        self.proc = None
        self.workdir = None
        self.log = None

    def available(self):
        return None                           # or a reason string

    def version(self):
        return ""

    def write_config(self, d, npeers):
        raise NotImplementedError

    def command(self, d):
        raise NotImplementedError

    def start(self, workdir, npeers, pin):
        self.workdir = workdir
        self.write_config(workdir, npeers)
        self.log = open(os.path.join(workdir, f"{self.name}.log"), "wb")
        pre = (lambda: os.sched_setaffinity(0, {TARGET_CPU})) if pin else None
        self.proc = subprocess.Popen(self.command(workdir), cwd=workdir, stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=subprocess.STDOUT,
                                     preexec_fn=pre, start_new_session=True)
        return self.proc.pid

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, term_wait=5.0):
        """SIGTERM, bounded wait, SIGKILL; returns only when every thread is gone.
        Returns how it ended: "exit N", "signal N" or "killed after SIGTERM timeout"."""
        p = self.proc
        if p is None:
            return None
        pid = p.pid
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
        self.proc = None
        if self.log:
            self.log.close()
            self.log = None
        return how

    def log_tail(self, n=15):
        try:
            with open(os.path.join(self.workdir, f"{self.name}.log"), "rb") as f:
                lines = f.read().decode(errors="replace").splitlines()
            return "\n".join(lines[-n:])
        except (OSError, TypeError):
            return ""


class Bird(Target):
    name, label = "bird", "BIRD"

    def available(self):
        return None if shutil.which("bird") else "bird not installed (apt-get install bird2)"

    def version(self):
        return run_cmd(["bird", "--version"]).splitlines()[-1] if shutil.which("bird") else ""

    def write_config(self, d, npeers):
        c = [f"log stderr {{ info, warning, error, fatal }};",
             f"router id {TARGET_ADDR};",
             "protocol device { }",
             "template bgp senders {",
             f"  local {TARGET_ADDR} as {TARGET_AS};",
             "  strict bind yes; multihop; passive on;",
             f"  hold time {HOLD_TIME};",
             "  error wait time 1, 10; connect delay time 1;",
             "  ipv4 { import all; export none; };",
             "}"]
        for k in range(npeers):
            c.append(f"protocol bgp s{k + 1} from senders {{ neighbor {sender_addr(k)} "
                     f"as {sender_as(k)}; }}")
        c += ["protocol bgp sink {",
              f"  local {TARGET_ADDR} as {TARGET_AS}; neighbor {SINK_ADDR} as {SINK_AS};",
              "  strict bind yes; multihop; passive on;",
              f"  hold time {HOLD_TIME};",
              "  error wait time 1, 10; connect delay time 1;",
              f"  ipv4 {{ import none; export all; next hop address {SINK_NEXT_HOP}; }};",
              "}"]
        Path(d, "bird.conf").write_text("\n".join(c) + "\n")

    def command(self, d):
        return ["bird", "-f", "-c", f"{d}/bird.conf", "-s", f"{d}/bird.ctl", "-P", f"{d}/bird.pid"]


class Frr(Target):
    name, label = "frr", "FRR"
    BGPD = "/usr/lib/frr/bgpd"

    def available(self):
        if os.access(self.BGPD, os.X_OK):
            return None
        return "FRR bgpd not installed (apt-get install frr)"

    def version(self):
        return run_cmd([self.BGPD, "--version"]).splitlines()[0] if not self.available() else ""

    def write_config(self, d, npeers):
        c = ["frr defaults traditional", "hostname bench", f"log file {d}/bgpd.log warnings",
             "route-map DENY-ALL deny 10", "!",
             f"router bgp {TARGET_AS}",
             f" bgp router-id {TARGET_ADDR}",
             " no bgp ebgp-requires-policy",
             " no bgp network import-check",
             " bgp allow-martian-nexthop",
             " no bgp default ipv4-unicast",
             f" timers bgp {HOLD_TIME // 3} {HOLD_TIME}",
             " neighbor SENDERS peer-group",
             " neighbor SENDERS remote-as external",
             " neighbor SENDERS passive",
             f" neighbor {SINK_ADDR} remote-as {SINK_AS}",
             f" neighbor {SINK_ADDR} passive",
             f" neighbor {SINK_ADDR} advertisement-interval 0"]
        for k in range(npeers):
            c.append(f" neighbor {sender_addr(k)} peer-group SENDERS")
        c += [" address-family ipv4 unicast",
              "  neighbor SENDERS activate",
              "  neighbor SENDERS route-map DENY-ALL out",
              f"  neighbor {SINK_ADDR} activate",
              " exit-address-family", "!"]
        Path(d, "bgpd.conf").write_text("\n".join(c) + "\n")

    def command(self, d):
        return [self.BGPD, "-S", "-Z", "-l", TARGET_ADDR, "-p", str(BGP_PORT), "-f",
                f"{d}/bgpd.conf", "--vty_socket", d, "-i", f"{d}/bgpd.pid", "-P", "0"]


class GoBgp(Target):
    name, label = "gobgp", "GoBGP"

    def available(self):
        return None if shutil.which("gobgpd") else "gobgpd not installed (apt-get install gobgpd)"

    def version(self):
        return run_cmd(["gobgpd", "--version"]).splitlines()[0] if shutil.which("gobgpd") else ""

    def write_config(self, d, npeers):
        senders = ", ".join(f'"{sender_addr(k)}"' for k in range(npeers))
        c = ["[global.config]", f"  as = {TARGET_AS}", f'  router-id = "{TARGET_ADDR}"',
             f"  port = {BGP_PORT}", f'  local-address-list = ["{TARGET_ADDR}"]',
             "[global.apply-policy.config]",
             '  export-policy-list = ["no-export-to-senders"]',
             '  default-import-policy = "accept-route"',
             '  default-export-policy = "accept-route"',
             "[[defined-sets.neighbor-sets]]",
             '  neighbor-set-name = "senders"',
             f"  neighbor-info-list = [{senders}]",
             "[[policy-definitions]]",
             '  name = "no-export-to-senders"',
             "  [[policy-definitions.statements]]",
             '    name = "reject-senders"',
             "    [policy-definitions.statements.conditions.match-neighbor-set]",
             '      neighbor-set = "senders"',
             '      match-set-options = "any"',
             "    [policy-definitions.statements.actions]",
             '      route-disposition = "reject-route"']

        def neighbor(addr, asn):
            return ["[[neighbors]]", "  [neighbors.config]", f'    neighbor-address = "{addr}"',
                    f"    peer-as = {asn}",
                    "  [neighbors.transport.config]", "    passive-mode = true",
                    f'    local-address = "{TARGET_ADDR}"',
                    "  [neighbors.ebgp-multihop.config]", "    enabled = true",
                    "    multihop-ttl = 2",
                    "  [neighbors.timers.config]", f"    hold-time = {HOLD_TIME}",
                    f"    keepalive-interval = {HOLD_TIME // 3}",
                    "  [[neighbors.afi-safis]]", "    [neighbors.afi-safis.config]",
                    '      afi-safi-name = "ipv4-unicast"']
        for k in range(npeers):
            c += neighbor(sender_addr(k), sender_as(k))
        c += neighbor(SINK_ADDR, SINK_AS)
        Path(d, "gobgpd.toml").write_text("\n".join(c) + "\n")

    def command(self, d):
        # no API polling during runs (observer effect, lab.md gotcha 9); API only on a socket
        return ["gobgpd", "-f", f"{d}/gobgpd.toml", "-p", "-l", "warn", "--api-hosts",
                f"unix://{d}/api.sock", "--pprof-disable"]


class Msee(Target):
    name, label = "msee", "msee-emu"

    def __init__(self, args):
        super().__init__(args)
        self.binary = args.msee

    def available(self):
        if not self.binary or not os.access(self.binary, os.X_OK):
            return f"msee-emu binary not found at {self.binary} (build a Release build first)"
        return None

    def build_type(self):
        """(type, sanitized) read from the CMake cache next to the binary, or (None, None)."""
        for d in (Path(self.binary).resolve().parent, Path(self.binary).resolve().parent.parent):
            cache = d / "CMakeCache.txt"
            if cache.exists():
                text = cache.read_text(errors="replace")
                bt = re.search(r"^CMAKE_BUILD_TYPE:\w+=(.*)$", text, re.M)
                san = re.search(r"^MSEE_SANITIZE:\w+=(.*)$", text, re.M)
                return ((bt.group(1) if bt else ""),
                        bool(san and san.group(1).upper() in ("ON", "1", "TRUE", "YES")))
        return None, None

    def version(self):
        return run_cmd([self.binary, "--version"]).splitlines()[0] if not self.available() else ""

    def write_config(self, d, npeers):
        neighbors = [{"name": f"sender-{k + 1}", "address": sender_addr(k), "peerAsn": sender_as(k),
                      "passive": True, "export": False, "holdTime": HOLD_TIME,
                      "connectRetry": 1, "idleHoldTime": 1} for k in range(npeers)]
        neighbors.append({"name": "sink", "address": SINK_ADDR, "peerAsn": SINK_AS,
                          "passive": True, "import": True, "export": True,
                          "nextHop": SINK_NEXT_HOP, "holdTime": HOLD_TIME,
                          "connectRetry": 1, "idleHoldTime": 1})
        conf = {"router": {"asn": TARGET_AS, "routerId": TARGET_ADDR},
                "listen": [{"address": TARGET_ADDR, "port": BGP_PORT}],
                "logRoutes": False, "neighbors": neighbors}
        Path(d, "msee.json").write_text(json.dumps(conf, indent=1) + "\n")

    def command(self, d):
        return [self.binary, "--config", f"{d}/msee.json", "--log-level", "warn"]


TARGETS = {"msee": Msee, "bird": Bird, "frr": Frr, "gobgp": GoBgp}


# --------------------------------------------------------------------------------- scenarios
class Scenario:
    def __init__(self, sid, peers, per_peer, kind, title):
        self.id, self.peers, self.per_peer = sid, peers, per_peer
        self.kind, self.title = kind, title

    @property
    def total(self):
        return self.peers * self.per_peer


def scenarios(quick):
    if quick:
        return {"1x1M": Scenario("1x1M", 1, 20000, "load", "1 peer x 20,000 prefixes (quick)"),
                "10x100k": Scenario("10x100k", 3, 5000, "load", "3 peers x 5,000 (quick)"),
                "300idle": Scenario("300idle", 30, 10, "idle", "30 peers x 10 prefixes (quick)"),
                "withdraw": Scenario("withdraw", 1, 20000, "withdraw",
                                     "withdraw-all + re-announce 20,000 (quick)")}
    return {"1x1M": Scenario("1x1M", 1, 1000000, "load", "1 peer x 1,000,000 IPv4 prefixes"),
            "10x100k": Scenario("10x100k", 10, 100000, "load", "10 peers x 100,000"),
            "300idle": Scenario("300idle", 300, 10, "idle", "300 peers x 10 prefixes"),
            "withdraw": Scenario("withdraw", 1, 1000000, "withdraw",
                                 "1 peer x 1,000,000: withdraw all, then re-announce")}


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


def foreign(c0, c1, cpu, ours, wall):
    if cpu not in c0 or wall < 0.5:         # /proc/stat ticks are 10 ms: too coarse below
        return None
    return round(100 * max(0.0, (c1[cpu] - c0[cpu]) - ours) / wall, 1)


def sha256_file(path):
    import hashlib
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def mb(v):
    return "-" if v is None else f"{v / 1e6:.1f}"


def summary_line(sc, r):
    if sc.kind == "idle":
        s = f"Established {r['establish_s']:.3f} s, converged {r['announce_s']:.3f} s"
        if r.get("rss_idle") is not None:
            per = (r["rss_idle"] - r["rss_base"]) / sc.peers
            s += f", {per / 1024:.1f} KB/peer"
        return s
    s = f"converged {r['announce_s']:.3f} s"
    if sc.kind == "withdraw":
        s += f", withdraw {r['withdraw_s']:.3f} s, re-announce {r['reannounce_s']:.3f} s"
    if r.get("rss_hwm") is not None:
        s += (f", peak RSS {mb(r['rss_hwm'])} MB, "
              f"{(r['rss_hwm'] - r['rss_idle']) / sc.total:.0f} B/route above idle")
    if r.get("target_cpu_s") is not None:
        s += f", target CPU {r['target_cpu_s']:.2f} s"
    fc = [f"cpu{i} {r[f'foreign_cpu{i}_pct']:.0f}%" for i in (0, 1)
          if r.get(f"foreign_cpu{i}_pct") is not None]
    if r.get("steal_cpu1_pct"):
        fc.append(f"steal on cpu1 {r['steal_cpu1_pct']:.0f}%")
    if fc:
        s += ", other processes' CPU: " + " ".join(fc)
    return s


# ---------------------------------------------------------------------------------- summary
def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt_s(x):
    return "-" if x is None else (f"{x:.3f}" if x < 10 else f"{x:.2f}" if x < 100 else f"{x:.1f}")


def summarize(sc, runs, targets):
    """Per target summary dict + printable table for one scenario."""
    summ = {}
    for t in targets:
        ok = [r for r in runs.get(t, []) if r.get("ok")]
        s = {"runs": len(runs.get(t, [])), "ok": len(ok)}
        metrics = {"load": ["announce_s"], "idle": ["establish_s", "announce_s"],
                   "withdraw": ["announce_s", "withdraw_s", "reannounce_s"]}[sc.kind]
        for key in metrics + ["announce_first_s"]:
            vals = [r[key] for r in ok if r.get(key) is not None]
            if vals:
                s[key] = {"median": med(vals), "min": min(vals), "max": max(vals), "all": vals}
        hwm = [r["rss_hwm"] for r in ok if r.get("rss_hwm")]
        idle = [r["rss_idle"] for r in ok if r.get("rss_idle")]
        if hwm:
            s["rss_hwm_median"] = med(hwm)
            s["rss_idle_median"] = med(idle)
            s["bytes_per_route_above_idle"] = med(
                [(r["rss_hwm"] - r["rss_idle"]) / sc.total for r in ok if r.get("rss_hwm")])
        if sc.kind == "idle" and idle:
            s["kb_per_peer"] = med([(r["rss_idle"] - r["rss_base"]) / sc.peers / 1024
                                    for r in ok if r.get("rss_idle")])
            base = ok[0].get("rss_baseline")
            if base:
                s["kb_per_peer_incl_config"] = med([(r["rss_idle"] - base) / sc.peers / 1024
                                                    for r in ok])
        cpu = [r["target_cpu_s"] for r in ok if r.get("target_cpu_s") is not None]
        if cpu:
            s["target_cpu_s_median"] = med(cpu)
        for i in (0, 1):
            fc = [r[f"foreign_cpu{i}_pct"] for r in ok if r.get(f"foreign_cpu{i}_pct") is not None]
            if fc:
                s[f"foreign_cpu{i}_pct_max"] = max(fc)
        summ[t] = s
    # ratio to BIRD from the same invocation (medians), per metric
    b = summ.get("bird", {})
    for t, s in summ.items():
        for key in ("announce_s", "establish_s", "withdraw_s", "reannounce_s"):
            if key in s and key in b and b[key]["median"]:
                s.setdefault("ratio_to_bird", {})[key] = s[key]["median"] / b[key]["median"]
    return summ


def table(sc, summ, label_of, markdown=False):
    def cell(s, key):
        if key not in s:
            return "-", "-"
        v = s[key]
        return fmt_s(v["median"]), f"{fmt_s(v['min'])}-{fmt_s(v['max'])}"

    def ratio(s, key):
        r = s.get("ratio_to_bird", {}).get(key)
        return "-" if r is None else f"{r:.2f}"

    def noise(s):
        v = s.get("foreign_cpu1_pct_max")
        return "-" if v is None else f"{v:.0f}"

    rows = []
    if sc.kind == "load":
        head = ["target", "ok", "converge s", "min-max s", "first s", "peak RSS MB",
                "idle RSS MB", "B/route>idle", "CPU s", "ratio/BIRD", "other CPU1 %"]
        for t, s in summ.items():
            m, mm = cell(s, "announce_s")
            f, _ = cell(s, "announce_first_s")
            bpr = s.get("bytes_per_route_above_idle")
            rows.append([label_of(t), f"{s['ok']}/{s['runs']}", m, mm, f,
                         mb(s.get("rss_hwm_median")), mb(s.get("rss_idle_median")),
                         "-" if bpr is None else f"{bpr:.0f}",
                         fmt_s(s.get("target_cpu_s_median")), ratio(s, "announce_s"),
                         noise(s)])
    elif sc.kind == "idle":
        head = ["target", "ok", "all Established s", "min-max s", "converge s", "min-max s",
                "idle RSS MB", "KB/peer", "KB/peer incl. config", "ratio/BIRD (estab.)"]
        for t, s in summ.items():
            e, emm = cell(s, "establish_s")
            c, cmm = cell(s, "announce_s")
            kb = s.get("kb_per_peer")
            kbc = s.get("kb_per_peer_incl_config")
            rows.append([label_of(t), f"{s['ok']}/{s['runs']}", e, emm, c, cmm,
                         mb(s.get("rss_idle_median")), "-" if kb is None else f"{kb:.1f}",
                         "-" if kbc is None else f"{kbc:.1f}", ratio(s, "establish_s")])
    else:
        head = ["target", "ok", "announce s", "withdraw s", "min-max s", "re-announce s",
                "min-max s", "peak RSS MB", "ratio/BIRD wd", "ratio/BIRD re-ann.",
                "other CPU1 %"]
        for t, s in summ.items():
            a, _ = cell(s, "announce_s")
            w, wmm = cell(s, "withdraw_s")
            ra, ramm = cell(s, "reannounce_s")
            rows.append([label_of(t), f"{s['ok']}/{s['runs']}", a, w, wmm, ra, ramm,
                         mb(s.get("rss_hwm_median")), ratio(s, "withdraw_s"),
                         ratio(s, "reannounce_s"), noise(s)])
    if markdown:
        out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        out += ["| " + " | ".join(str(x) for x in r) + " |" for r in rows]
        return "\n".join(out)
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    lines = ["  ".join(str(x).ljust(w) for x, w in zip(head, widths))]
    lines.append("  ".join("-" * w for w in widths))
    for r in rows:
        lines.append("  ".join(str(x).ljust(w) for x, w in zip(r, widths)))
    return "\n".join(lines)


def report_from_json(path, markdown):
    """Re-print the tables of an earlier --json result (no measurement)."""
    d = json.loads(Path(path).read_text())
    kinds = {"1x1M": "load", "10x100k": "load", "300idle": "idle", "withdraw": "withdraw"}
    label = {"floor": "floor (no target)", **{k: v.label for k, v in TARGETS.items()}}
    print(f"command: {d.get('command')}")
    print(f"machine: {d.get('machine')}")
    print(f"versions: {d.get('versions')}")
    for sid, s in d["scenarios"].items():
        sc = Scenario(sid, s["peers"], s["per_peer"], kinds.get(sid, "load"), s["title"])
        print(f"\n{'####' if markdown else '=='} {sid}: {s['title']}\n")
        print(table(sc, s["summary"], lambda t: label[t], markdown))
    return 0


def machine_info():
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    total = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                total = f"{int(line.split()[1]) // 1024} MB"
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu_model": model, "mem_total": total,
            "kernel": platform.release(), "python": platform.python_version(),
            "loadavg_start": Path("/proc/loadavg").read_text().split()[:3]}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--targets", default="msee,bird,frr,gobgp",
                    help="comma list of msee,bird,frr,gobgp (default: all four)")
    ap.add_argument("--scenarios", default="1x1M,10x100k,300idle,withdraw")
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

    def on_term(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGHUP, on_term)
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:   # started with & from a script
        signal.signal(signal.SIGINT, on_term)
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
        allowed = os.sched_getaffinity(0)
        if not args.no_pin and {HARNESS_CPU, TARGET_CPU} <= allowed:
            os.sched_setaffinity(0, {HARNESS_CPU})
            bench.pin = True
    except (AttributeError, OSError):
        allowed = set()
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
            bt, san = tgt.build_type()
            # run a private copy: a rebuild during a long campaign must not mix versions
            frozen = os.path.join(frozen_dir, "msee-emu")
            shutil.copy2(args.msee, frozen)
            versions["msee_build"] = {"binary": args.msee, "type": bt, "sanitize": san,
                                      "sha256": sha256_file(frozen),
                                      "mtime": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(
                                          os.stat(args.msee).st_mtime))}
            args.msee = frozen
            if bt != "Release" or san:
                note = (f"  [WARNING: build type {bt or 'unknown'}{', sanitizers' if san else ''}"
                        " - not a Release build, numbers are not valid performance results]")
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
    label = {"floor": "floor (no target)", **{k: v.label for k, v in
                                              ((k, TARGETS[k]) for k in TARGETS)}}
    tables = []
    interrupted = False
    try:
        for sid in sc_ids:
            sc = all_sc[sid]
            t_enc = time.monotonic()
            streams = {"announce": [], "withdraw": []}
            nupd = nbytes = 0
            for k in range(sc.peers):
                ch, u, b = encode_stream(k, k * sc.per_peer, sc.per_peer, False)
                streams["announce"].append(ch)
                nupd += u
                nbytes += b
                if sc.kind == "withdraw":
                    streams["withdraw"].append(encode_stream(k, k * sc.per_peer, sc.per_peer,
                                                             True)[0])
            bench.say(f"== {sid}: {sc.title}: encoded {sc.total} prefixes "
                      f"({prefix_text(0)} .. {prefix_text(sc.total - 1)}) in {nupd} UPDATEs, "
                      f"{nbytes / 1e6:.1f} MB, {time.monotonic() - t_enc:.1f} s (before any clock)")
            runs = {t: [] for t in order}
            for run_i in range(args.runs):
                for t in order:
                    r = bench.run_once(t, sc, run_i, streams)
                    if sc.kind == "idle" and r.get("ok") and t != "floor":
                        r["rss_baseline"] = bench.baseline(t)
                    runs[t].append(r)
            summ = summarize(sc, runs, order)
            results["scenarios"][sid] = {"title": sc.title, "peers": sc.peers,
                                         "per_peer": sc.per_peer, "updates": nupd,
                                         "bytes": nbytes, "runs": runs, "summary": summ}
            tab = table(sc, summ, lambda t: label[t])
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
    results["loadavg_end"] = Path("/proc/loadavg").read_text().split()[:3]
    results["failures"] = bench.failures
    if tables:
        bench.say("\n######## results " + ("(quick sizes) " if args.quick else "") + "########")
        for sc, tab in tables:
            bench.say(f"\n== {sc.id}: {sc.title}\n{tab}")
        bench.say("\nconvergence = sink received the last expected prefix - senders started "
                  "writing; RSS from /proc (VmRSS idle, VmHWM peak); ratio = median / BIRD median "
                  "of this invocation")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str) + "\n")
        bench.say(f"JSON written to {args.json}")
    if bench.failures:
        bench.say(f"\nFAILED runs ({len(bench.failures)}):\n  " + "\n  ".join(bench.failures))
    if bench.unavailable:
        bench.say("targets not run: "
                  + "; ".join(f"{k}: {v}" for k, v in bench.unavailable.items()))
    if interrupted or bench.failures:
        return 1
    return 2 if bench.unavailable else 0


if __name__ == "__main__":
    sys.exit(main())
