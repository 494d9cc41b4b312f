"""bench/benchlib/speakers.py - the sender and sink child processes of bgpbench.

Owns: SenderLoop (one session per emulated peer to the target; writes the pre-encoded UPDATE
streams at full speed on command, then End-of-RIB, and reports when every byte is sent) and
SinkLoop (one session from the target, or the listener standing in for it in the "floor" runs;
counts announced and withdrawn IPv4 prefixes, timestamps the last expected one and reports it),
with the functions the orchestrator forks them with.
"""
import selectors
import socket
import time

from .session import Loop, Peer, serve
from .wire import (BGP_PORT, EOR_IPV4, SINK_ADDR, SINK_AS, TARGET_ADDR, TARGET_AS,
                   count_prefixes, has_mp_attr, sender_addr, sender_as)


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


def sender_main(ctl, npeers, streams):
    serve(SenderLoop, ctl, npeers, streams)


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
    serve(SinkLoop, ctl, listen, npeers_floor)
