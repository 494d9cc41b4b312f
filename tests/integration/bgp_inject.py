#!/usr/bin/env python3
"""Tiny BGP-4 peer that sends deliberately broken messages (integration tests, stdlib only).

Connects to a BGP speaker (loopback / own netns only), exchanges OPEN and KEEPALIVE (RFC 4271
§8.2.2), then runs one scenario and reports every message it receives as a JSON line on stdout:
  {"event":"established",...} {"event":"notification","code":1,"subcode":2,"data":"1388",...}
  {"event":"eof"} {"event":"result","scenario":...,"notification":{...}|null,...}
The OPEN advertises multiprotocol (the --afi family), route refresh and 4-octet AS but NOT the
extended message capability (RFC 8654), so 4096 octets stays the maximum message size.

Scenarios (RFC sections name the rule the peer must apply):
  bad-origin        valid UPDATE for --prefix, then the same prefix with ORIGIN=5 (RFC 7606 §7.1:
                    treat-as-withdraw, no NOTIFICATION), then a valid UPDATE for --prefix2; stays
                    up --observe seconds and closes with Cease/Administrative Shutdown
  bad-marker        KEEPALIVE whose marker is not all ones (RFC 4271 §6.1: 1/1)
  bad-length        header with Length 5000 (RFC 4271 §6.1: 1/2, data = the length field)
  open-hold2        OPEN with Hold Time 2 (RFC 4271 §6.2: 2/6); no session is established
  withdrawn-overrun UPDATE whose Withdrawn Routes Length runs past the message (RFC 4271 §6.3,
                    3/1 Malformed Attribute List)
  shutdown          NOTIFICATION Cease/Administrative Shutdown with an RFC 9003 message (--text)
  as0, nexthop-self like bad-origin, the broken UPDATE with AS 0 in AS_PATH (RFC 7607) or with
                    NEXT_HOP = the speaker's own address (RFC 4271 §6.3): treat-as-withdraw
  no-nlri-as0       attributes with AS 0 and no NLRI at all (RFC 7606 §5.2: session reset, 3/11)
  stop-reading      KEEPALIVE every second, never read (--rcvbuf small): the speaker's send hold
                    timer (RFC 9687) must close the session; reports closed_after seconds
  stay              a well-behaved peer: reads and keeps alive for --observe seconds
  truncated-update  half an UPDATE, then the connection closes (a CE killed mid-write)
  keepalive-flood   --count KEEPALIVEs as fast as it can, then reads for --observe seconds
  connection-flood  --count TCP connections at once from --bind (no OPEN): what each gets back
Exit status: 0 scenario ran (whatever the peer answered), 2 could not connect, 3 no session.
"""
import argparse
import ipaddress
import json
import os
import select
import socket
import struct
import sys
import time

MARKER = b"\xff" * 16
OPEN, UPDATE, NOTIFICATION, KEEPALIVE, ROUTE_REFRESH = 1, 2, 3, 4, 5
AS_TRANS = 23456


def emit(event, **kw):
    sys.stdout.write(json.dumps({"event": event, "t": round(time.time(), 3), **kw}) + "\n")
    sys.stdout.flush()


def loopback_only(addr):
    if ipaddress.ip_address(addr).is_loopback:
        return
    try:
        initial = os.stat("/proc/self/ns/net").st_ino == os.stat("/proc/1/ns/net").st_ino
    except OSError:
        initial = True
    if initial:
        sys.exit(f"refusing non-loopback address {addr} outside a private network namespace")


def message(mtype, body=b"", marker=MARKER, length=None):
    if length is None:
        length = 19 + len(body)
    return marker + struct.pack("!HB", length, mtype) + body


def attribute(flags, code, value):
    if len(value) > 255:
        return struct.pack("!BBH", flags | 0x10, code, len(value)) + value
    return struct.pack("!BBB", flags, code, len(value)) + value


def prefix_bytes(net):
    return bytes([net.prefixlen]) + net.network_address.packed[:(net.prefixlen + 7) // 8]


def build_open(args, hold):
    afi = 2 if args.afi == "ipv6" else 1
    caps = struct.pack("!BBHBB", 1, 4, afi, 0, 1)      # RFC 4760 multiprotocol, SAFI unicast
    caps += struct.pack("!BB", 2, 0)                     # RFC 2918 route refresh
    caps += struct.pack("!BBI", 65, 4, args.local_as)    # RFC 6793 4-octet AS
    opt = struct.pack("!BB", 2, len(caps)) + caps
    my_as = args.local_as if args.local_as <= 0xFFFF else AS_TRANS
    rid = ipaddress.IPv4Address(args.router_id).packed
    return message(OPEN, struct.pack("!BHH4sB", 4, my_as, hold, rid, len(opt)) + opt)


def build_update(args, net, origin=0, path=None, nexthop=None, nlri=True):
    """UPDATE announcing one prefix: ORIGIN, AS_PATH (4-octet), NEXT_HOP or MP_REACH_NLRI.
    nlri=False leaves the NLRI out (attributes alone, RFC 7606 §5.2)."""
    attrs = attribute(0x40, 1, bytes([origin]))
    path = [args.local_as] if path is None else path
    attrs += attribute(0x40, 2, struct.pack("!BB", 2, len(path)) +
                       b"".join(struct.pack("!I", a) for a in path))
    nh = ipaddress.ip_address(nexthop or args.nexthop)
    if not nlri:
        attrs += attribute(0x40, 3, nh.packed)
        return message(UPDATE, struct.pack("!HH", 0, len(attrs)) + attrs)
    if net.version == 4:
        attrs += attribute(0x40, 3, nh.packed)
        return message(UPDATE, struct.pack("!HH", 0, len(attrs)) + attrs + prefix_bytes(net))
    mp = struct.pack("!HBB", 2, 1, 16) + nh.packed + b"\x00" + prefix_bytes(net)
    attrs += attribute(0x80, 14, mp)
    return message(UPDATE, struct.pack("!HH", 0, len(attrs)) + attrs)


class Peer:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.notification = None
        self.eof = False

    def send(self, data):
        try:
            self.sock.sendall(data)
            return True
        except OSError as e:
            emit("send_error", error=str(e))
            return False

    def recv(self, timeout):
        """Next message as (type, body); (None, None) on timeout or EOF."""
        end = time.time() + timeout
        while True:
            if len(self.buf) >= 19:
                length, mtype = struct.unpack("!HB", self.buf[16:19])
                if length < 19:
                    emit("bad_message_from_peer", length=length)
                    self.eof = True
                    return None, None
                if len(self.buf) >= length:
                    body, self.buf = self.buf[19:length], self.buf[length:]
                    if mtype == NOTIFICATION:
                        self.notification = {"code": body[0] if body else None,
                                             "subcode": body[1] if len(body) > 1 else None,
                                             "data": body[2:].hex()}
                        emit("notification", **self.notification)
                    elif mtype == UPDATE:
                        emit("update_rx", length=length)
                    elif mtype == ROUTE_REFRESH:
                        emit("route_refresh_rx", body=body.hex())
                    return mtype, body
            if self.eof:
                return None, None
            left = end - time.time()
            if left <= 0:
                return None, None
            ready, _, _ = select.select([self.sock], [], [], left)
            if not ready:
                return None, None
            try:
                data = self.sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                self.eof = True
                emit("eof")
                continue
            self.buf += data

    def drain(self, seconds, keepalive_every=None):
        """Read for `seconds`; stop early on NOTIFICATION or EOF. Sends KEEPALIVEs if asked."""
        end = time.time() + seconds
        next_ka = time.time() + (keepalive_every or 1e9)
        while time.time() < end and not self.eof and self.notification is None:
            self.recv(min(0.2, max(0.0, end - time.time())))
            if time.time() >= next_ka:
                self.send(message(KEEPALIVE))
                next_ka = time.time() + keepalive_every


def connect(args):
    fam = socket.AF_INET6 if ":" in args.peer else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if args.rcvbuf:  # before connect, so the window it offers stays small
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, args.rcvbuf)
    s.bind((args.bind, 0))
    s.settimeout(3)
    s.connect((args.peer, args.port))
    s.settimeout(None)
    return Peer(s)


def open_session(args, hold, want_established=True):
    """Connect and exchange OPENs, retrying (bounded by --connect-timeout) while the speaker
    refuses or drops us (e.g. still in its idle hold time). Returns the Peer or None."""
    deadline = time.time() + args.connect_timeout
    attempt = 0
    while time.time() < deadline:
        attempt += 1
        try:
            peer = connect(args)
        except OSError as e:
            emit("connect_failed", attempt=attempt, error=str(e))
            time.sleep(0.5)
            continue
        emit("connected", attempt=attempt)
        peer.send(build_open(args, hold))
        mtype, body = peer.recv(args.open_timeout)
        if mtype == OPEN:
            emit("open_rx", hold=struct.unpack("!H", body[3:5])[0],
                 bgp_id=str(ipaddress.IPv4Address(body[5:9])))
            if not want_established:
                # let the speaker judge our OPEN: its answer is what the test wants to see
                peer.drain(args.open_timeout)
                return peer
            peer.send(message(KEEPALIVE))
            while True:
                mtype, body = peer.recv(args.open_timeout)
                if mtype == KEEPALIVE:
                    emit("established", attempt=attempt)
                    return peer
                if mtype is None or mtype == NOTIFICATION:
                    break
        if not want_established and peer.notification is not None:
            return peer
        # Cease (e.g. connection rejected / collision) or silent close: try again
        peer.sock.close()
        time.sleep(0.5)
    return None


def connection_flood(args):
    """Opens --count TCP connections from --bind to the speaker at once and reports what each
    got back within --observe seconds: a NOTIFICATION (code/subcode), a close, or nothing."""
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    fam = socket.AF_INET6 if ":" in args.peer else socket.AF_INET
    socks, failed = [], 0
    for _ in range(args.count):
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.bind((args.bind, 0))
        s.setblocking(False)
        try:
            s.connect((args.peer, args.port))
        except BlockingIOError:
            pass
        except OSError:
            failed += 1
            s.close()
            continue
        socks.append(s)
    import selectors
    answers, pending = {}, {s: b"" for s in socks}
    sel = selectors.DefaultSelector()  # epoll: select() stops at descriptor 1023
    for s in socks:
        sel.register(s, selectors.EVENT_READ)
    end = time.time() + args.observe
    while pending and time.time() < end:
        for k, _ in sel.select(0.2):
            s = k.fileobj
            try:
                data = s.recv(4096)
            except OSError:
                data = None
            if data:
                pending[s] += data
                if len(pending[s]) < 21:
                    continue
                body = pending[s]
                key = f"notification {body[19]}/{body[20]}" if body[18] == NOTIFICATION \
                    else f"message type {body[18]}"
            else:
                key = "closed"
            answers[key] = answers.get(key, 0) + 1
            sel.unregister(s)
            del pending[s]
            s.close()
    for s in pending:
        s.close()
    emit("result", scenario="connection-flood", opened=len(socks), connect_failed=failed,
         answers=answers, unanswered=len(pending))
    return 0


def scenario(args):
    hold = args.hold
    if args.scenario == "connection-flood":
        return connection_flood(args)
    if args.scenario == "open-hold2":
        peer = open_session(args, 2, want_established=False)
        if peer is None:
            emit("result", scenario=args.scenario, error="no answer to OPEN")
            return 3
        emit("result", scenario=args.scenario, notification=peer.notification, eof=peer.eof)
        return 0

    peer = open_session(args, hold)
    if peer is None:
        emit("result", scenario=args.scenario, error="session not established")
        return 3
    ka = max(1.0, hold / 3.0)
    if args.scenario == "stop-reading":
        # RFC 9687: KEEPALIVEs every second but nothing read, so the speaker's writes stall
        # once the windows are full; report when it dropped the connection (our KEEPALIVE
        # then meets a reset).
        start = time.time()
        closed, err = None, None
        while time.time() - start < args.observe:
            time.sleep(1.0)
            try:
                peer.sock.send(message(KEEPALIVE))
            except OSError as e:
                closed, err = round(time.time() - start, 2), str(e)
                break
        emit("result", scenario=args.scenario, closed_after=closed, error=err)
        return 0
    peer.drain(0.5, ka)   # let the speaker send its own UPDATEs / End-of-RIB first
    if args.scenario == "stay":
        peer.drain(args.observe, ka)
        up = peer.notification is None and not peer.eof
        if up:
            peer.send(message(NOTIFICATION, bytes([6, 2])))
        emit("result", scenario=args.scenario, notification=peer.notification, eof=peer.eof,
             still_up=up)
        return 0

    net = ipaddress.ip_network(args.prefix)
    # Treat-as-withdraw cases (RFC 7606): a valid UPDATE, the broken one for the same prefix,
    # then a valid UPDATE for another prefix on the same session.
    broken = {
        "bad-origin": ("UPDATE with ORIGIN=5", lambda: build_update(args, net, origin=5)),
        "as0": ("UPDATE with AS 0 in AS_PATH (RFC 7607)",
                lambda: build_update(args, net, path=[args.local_as, 0])),
        "nexthop-self": ("UPDATE whose NEXT_HOP is the speaker's own address (RFC 4271 §6.3)",
                         lambda: build_update(args, net, nexthop=args.peer)),
    }
    if args.scenario in broken:
        what, make = broken[args.scenario]
        peer.send(build_update(args, net))
        emit("sent", what="valid UPDATE", prefix=str(net))
        peer.drain(1.0, ka)
        peer.send(make())
        emit("sent", what=what, prefix=str(net))
        peer.drain(1.0, ka)
        net2 = ipaddress.ip_network(args.prefix2)
        peer.send(build_update(args, net2))
        emit("sent", what="valid UPDATE", prefix=str(net2))
        peer.drain(args.observe, ka)
        up = peer.notification is None and not peer.eof
        if up:
            peer.send(message(NOTIFICATION, bytes([6, 2])))
        emit("result", scenario=args.scenario, notification=peer.notification, eof=peer.eof,
             still_up=up)
        return 0

    if args.scenario == "bad-marker":
        peer.send(message(KEEPALIVE, marker=b"\xff" * 15 + b"\xfe"))
    elif args.scenario == "bad-length":
        # header only: a speaker must judge the Length field before waiting for 5000 octets
        peer.send(message(UPDATE, length=5000))
    elif args.scenario == "truncated-update":
        # the first half of a valid UPDATE, then the connection goes (a CE killed mid-write)
        whole = build_update(args, net)
        peer.send(whole[:len(whole) // 2])
        emit("sent", what="half an UPDATE", octets=len(whole) // 2)
        peer.sock.close()
        emit("result", scenario=args.scenario)
        return 0
    elif args.scenario == "keepalive-flood":
        batch = message(KEEPALIVE) * 1000
        for _ in range(args.count // 1000):
            if not peer.send(batch):
                break
        emit("sent", what="KEEPALIVEs", count=args.count)
        peer.drain(args.observe, ka)
        up = peer.notification is None and not peer.eof
        if up:
            peer.send(message(NOTIFICATION, bytes([6, 2])))
        emit("result", scenario=args.scenario, notification=peer.notification, eof=peer.eof,
             still_up=up)
        return 0
    elif args.scenario == "no-nlri-as0":
        # attributes with AS 0 and no NLRI at all: nothing to withdraw, so a session reset
        # (RFC 7606 §5.2) with Malformed AS_PATH
        peer.send(build_update(args, net, path=[args.local_as, 0], nlri=False))
    elif args.scenario == "withdrawn-overrun":
        # Withdrawn Routes Length 200, but only one 2-octet prefix and a zero attribute length
        peer.send(message(UPDATE, struct.pack("!H", 200) + b"\x08\x0a" + struct.pack("!H", 0)))
    elif args.scenario == "shutdown":
        text = args.text.encode("utf-8")
        peer.send(message(NOTIFICATION, bytes([6, 2, len(text)]) + text))
        peer.drain(0.5)
        emit("result", scenario=args.scenario, notification=peer.notification, eof=peer.eof)
        return 0
    else:
        emit("result", scenario=args.scenario, error="unknown scenario")
        return 1
    emit("sent", what=args.scenario)
    peer.drain(args.observe, ka)
    emit("result", scenario=args.scenario, notification=peer.notification, eof=peer.eof)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scenario")
    ap.add_argument("--peer", required=True)
    ap.add_argument("--port", type=int, default=179)
    ap.add_argument("--bind", required=True)
    ap.add_argument("--local-as", type=int, default=65025)
    ap.add_argument("--router-id", default=None)
    ap.add_argument("--hold", type=int, default=9)
    ap.add_argument("--afi", choices=["ipv4", "ipv6"], default="ipv4")
    ap.add_argument("--prefix", default="10.25.1.0/24")
    ap.add_argument("--prefix2", default="10.25.2.0/24")
    ap.add_argument("--nexthop", default=None)
    ap.add_argument("--text", default="bgp_inject shutdown")
    ap.add_argument("--observe", type=float, default=3.0, help="seconds to wait for an answer")
    ap.add_argument("--rcvbuf", type=int, default=0, help="SO_RCVBUF before connecting")
    ap.add_argument("--count", type=int, default=1000,
                    help="connections (connection-flood) or KEEPALIVEs (keepalive-flood)")
    ap.add_argument("--connect-timeout", type=float, default=15.0)
    ap.add_argument("--open-timeout", type=float, default=5.0)
    args = ap.parse_args()
    loopback_only(args.peer)
    loopback_only(args.bind)
    if args.router_id is None:
        args.router_id = args.bind if ":" not in args.bind else "127.0.0.25"
    if args.nexthop is None:
        args.nexthop = args.bind
    return scenario(args)


if __name__ == "__main__":
    sys.exit(main())
