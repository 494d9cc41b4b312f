"""bench/benchlib/soak_ce.py - the customer edges of bench/soak.py: the circuit config and the
raw BGP sessions that flap the MSEE sessions and drive them into their route limit.

Owns: the soak's topology (circuits on a 127.N.0.0/16 loopback block, one /29 per circuit:
primary CE .1 / MSEE .2, secondary CE .5 / MSEE .6, on a private port), the generated circuit
config (flap circuits with Azure's default limits, limit circuits with a small
emulation.maxPrefixes and a short maxPrefixRestartSeconds), and Driver: one selector loop that
plays the CE side of every MSEE session of one pool (flap or limit) in rotation, each session
waiting out its own MSEE hold-off (IdleHold after a flap, the restart time after a limit
tear-down) before it connects again, with at most `concurrency` attempts in flight.

One flap:  connect -> OPEN (AS 65001) + KEEPALIVE -> the MSEE's OPEN, KEEPALIVE, its VNet route
           and End-of-RIB (End-of-RIB proves Established: the MSEE sends it only then) ->
           our on-premises /24, End-of-RIB, ROUTE-REFRESH -> the MSEE's re-sent VNet route
           (it has processed our UPDATE) -> tear-down, rotating: NOTIFICATION Cease/
           Administrative Reset + close, close (FIN), Cease again, abort (RST).
One limit cycle: as far as End-of-RIB, then limit+1 /24s in one UPDATE -> the MSEE must send
           NOTIFICATION Cease/Maximum Number of Prefixes Reached (RFC 4486 data: AFI 1, SAFI 1,
           the limit) and close; anything else counts as an error.
An attempt the MSEE closes before its OPEN (it is still Idle: RFC 4271 refuses connections in
Idle) is "refused" and retried after --retry seconds; it is not counted.
"""
import errno
import heapq
import selectors
import socket
import struct
import time

from .wire import IP_BIND_ADDRESS_NO_PORT, KEEPALIVE, MARKER, T_KEEPALIVE, T_NOTIFICATION, \
    T_OPEN, T_UPDATE, bgp_msg, open_msg

CE_ASN = 65001
MSEE_ASN = 12076
EOR = bgp_msg(T_UPDATE, b"\x00\x00\x00\x00")
ROUTE_REFRESH = bgp_msg(5, struct.pack("!HBB", 1, 0, 1))
CEASE_RESET = bgp_msg(T_NOTIFICATION, bytes((6, 4)))      # Cease / Administrative Reset
TEARDOWNS = ("cease", "fin", "cease", "rst")               # flap i ends with TEARDOWNS[i % 4]
CIRCUITS_PER_BLOCK = 32                                      # /29 each in one /24


# ------------------------------------------------------------------------------------ topology
def circuit_net(net, i):
    """(third octet, fourth octet of the /29) of circuit i in 127.NET.0.0/16."""
    return i // CIRCUITS_PER_BLOCK, (i % CIRCUITS_PER_BLOCK) * 8


def circuit_config(net, port, n_flap, n_limit, limit, restart):
    """The emulator config: n_flap flap circuits (soak-fNNN) then n_limit limit circuits
    (soak-lNNN), private peering, CE AS 65001, one VNet each; returns (config, sessions) where
    sessions is a list of dicts name/ce/msee/pool/index."""
    circuits, sessions = [], []
    for i in range(n_flap + n_limit):
        pool = "flap" if i < n_flap else "limit"
        b, c = circuit_net(net, i)
        name = f"soak-{pool[0]}{i if pool == 'flap' else i - n_flap:04d}"
        emulation = {"loopback": {"primaryPeerAddressPrefix": f"127.{net}.{b}.{c}/30",
                                  "secondaryPeerAddressPrefix": f"127.{net}.{b}.{c + 4}/30"}}
        if pool == "limit":
            emulation["maxPrefixes"] = {"ipv4": limit}
            emulation["maxPrefixRestartSeconds"] = restart
        circuits.append({
            "name": name,
            "sku": {"tier": "Standard", "family": "MeteredData"},
            "serviceProviderProperties": {"serviceProviderName": "Equinix",
                                          "peeringLocation": "Amsterdam",
                                          "bandwidthInMbps": 1000},
            "peerings": [{
                "peeringType": "AzurePrivatePeering", "state": "Enabled", "peerASN": CE_ASN,
                "vlanId": 100,
                "primaryPeerAddressPrefix": f"192.168.{b}.{c}/30",
                "secondaryPeerAddressPrefix": f"192.168.{b}.{c + 4}/30",
                "emulation": emulation}],
            "vnets": [{"name": "soak-vnet", "region": "westeurope",
                       "addressPrefixes": ["10.1.0.0/16"]}]})
        for path, off in (("primary", 0), ("secondary", 4)):
            sessions.append({"name": f"{name}/AzurePrivatePeering/{path}", "pool": pool,
                             "ce": f"127.{net}.{b}.{c + off + 1}",
                             "msee": f"127.{net}.{b}.{c + off + 2}"})
    cfg = {"description": "bench/soak.py: flap and route-limit circuits on loopback",
           "emulator": {"addressing": "loopback", "bgpPort": port},
           "circuits": circuits}
    return cfg, sessions


def ce_prefixes(k, count):
    """NLRI of session k's `count` /24s: blocks k*count .. k*count+count-1 of 10.128.0.0/9
    (k * count + count <= 32768)."""
    first = 0x0a800000 + ((k * count) << 8)
    return b"".join(b"\x18" + struct.pack("!I", first + (j << 8))[:3] for j in range(count))


def update_msg(ce, nlri):
    """UPDATE of nlri: ORIGIN IGP, AS_PATH 65001 (4-octet AS session), NEXT_HOP the CE."""
    attrs = (b"\x40\x01\x01\x00"                                     # ORIGIN IGP
             + b"\x40\x02\x06\x02\x01" + struct.pack("!I", CE_ASN)   # AS_PATH (4-octet)
             + b"\x40\x03\x04" + socket.inet_aton(ce))               # NEXT_HOP = the CE
    return bgp_msg(T_UPDATE, b"\x00\x00" + struct.pack("!H", len(attrs)) + attrs + nlri)


# ------------------------------------------------------------------------------------ sessions
class Slot:
    """The CE side of one MSEE session."""
    __slots__ = ("k", "name", "ce", "msee", "sock", "rbuf", "state", "deadline", "out",
                 "ready_at", "done", "refused", "update", "flags")

    def __init__(self, k, s, update):
        self.k, self.name, self.ce, self.msee = k, s["name"], s["ce"], s["msee"]
        self.sock, self.rbuf, self.state, self.deadline = None, bytearray(), "idle", 0.0
        self.out = b""
        self.ready_at, self.done, self.refused, self.update = 0.0, 0, 0, update
        self.flags = set()


class Driver:
    """Plays the CE of every session of one pool. run(target) returns once `target` attempts
    have completed in total and none is in flight (a quiescent point for sampling)."""

    def __init__(self, pool, sessions, port, *, hold_off, margin, retry, timeout, concurrency,
                 limit=0, on_error=None):
        self.pool, self.port = pool, port
        self.hold_off, self.margin, self.retry, self.timeout = hold_off, margin, retry, timeout
        self.concurrency, self.limit = concurrency, limit
        count = limit + 1 if pool == "limit" else 1
        self.slots = [Slot(k, s, update_msg(s["ce"], ce_prefixes(k, count)))
                      for k, s in enumerate(sessions)]
        self.sel = selectors.DefaultSelector()
        self.ready = [(0.0, k) for k in range(len(self.slots))]   # heap (ready_at, k)
        self.inflight = 0
        self.completed = 0
        self.refused = 0
        self.errors = []
        self.kinds = {}
        self.on_error = on_error
        self.t_busy = 0.0

    # ---- the loop
    def run(self, target, progress=None, stop=None):
        """Complete attempts until self.completed == target, then drain. progress(self) is called
        about once a second; stop() returning true aborts (drains what is in flight)."""
        last_p = last_scan = time.monotonic()
        t0 = last_p
        while True:
            now = time.monotonic()
            aborted = bool(stop and stop())
            while (not aborted and self.inflight < self.concurrency and self.ready
                   and self.ready[0][0] <= now and self.completed + self.inflight < target):
                _, k = heapq.heappop(self.ready)
                self.start(self.slots[k], now)
            if self.inflight == 0 and (self.completed >= target or aborted):
                break
            wait = 0.05
            if self.ready and self.inflight < self.concurrency:
                wait = max(0.0, min(wait, self.ready[0][0] - now))
            for key, ev in self.sel.select(wait):
                slot = key.data
                if ev & selectors.EVENT_WRITE:
                    self.on_writable(slot)
                if slot.sock is not None and ev & selectors.EVENT_READ:
                    self.on_readable(slot)
            now = time.monotonic()
            if now - last_scan >= 0.5:                   # attempts that hang
                last_scan = now
                for slot in self.slots:
                    if slot.sock is not None and now > slot.deadline:
                        self.fail(slot, f"no progress within {self.timeout:.0f} s in {slot.state}")
            if progress and now - last_p >= 1.0:
                last_p = now
                progress(self)
        self.t_busy += time.monotonic() - t0

    def start(self, slot, now):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.setsockopt(socket.SOL_IP, IP_BIND_ADDRESS_NO_PORT, 1)
            s.bind((slot.ce, 0))
            s.setblocking(False)
            rc = s.connect_ex((slot.msee, self.port))
        except OSError as e:
            s.close()
            self.error(slot, f"connect: {e}")
            heapq.heappush(self.ready, (now + self.retry, slot.k))
            return
        if rc not in (0, errno.EINPROGRESS):
            s.close()
            self.error(slot, f"connect: {errno.errorcode.get(rc, rc)}")
            heapq.heappush(self.ready, (now + self.retry, slot.k))
            return
        slot.sock, slot.state, slot.rbuf, slot.out = s, "connecting", bytearray(), b""
        slot.flags = set()
        slot.deadline = now + self.timeout
        self.inflight += 1
        self.sel.register(s, selectors.EVENT_WRITE, slot)

    def send(self, slot, data):
        slot.out += data
        self.flush(slot)

    def flush(self, slot):
        try:
            n = slot.sock.send(slot.out) if slot.out else 0
        except BlockingIOError:
            n = 0
        except OSError as e:
            self.fail(slot, f"send: {e}")
            return
        slot.out = slot.out[n:]
        want = selectors.EVENT_READ | (selectors.EVENT_WRITE if slot.out else 0)
        self.sel.modify(slot.sock, want, slot)

    def on_writable(self, slot):
        if slot.state == "connecting":
            err = slot.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                self.fail(slot, f"connect: {errno.errorcode.get(err, err)}")
                return
            slot.state = "opensent"
            self.send(slot, open_msg(CE_ASN, slot.ce, hold=180) + KEEPALIVE)
        else:
            self.flush(slot)

    def on_readable(self, slot):
        try:
            data = slot.sock.recv(65536)
        except BlockingIOError:
            return
        except OSError as e:
            data = None
            reason = f"recv: {e}"
        else:
            reason = "connection closed by the MSEE"
        if not data:
            self.closed(slot, reason)
            return
        slot.rbuf += data
        buf = slot.rbuf
        while len(buf) >= 19 and slot.sock is not None:
            if buf[:16] != MARKER:
                self.fail(slot, "bad marker")
                return
            mlen = (buf[16] << 8) | buf[17]
            if len(buf) < mlen:
                break
            mtype, body = buf[18], bytes(buf[19:mlen])
            del buf[:mlen]
            self.message(slot, mtype, body)

    # ---- the CE's side of the protocol
    def message(self, slot, mtype, body):
        st = slot.state
        if mtype == T_OPEN:
            asn = struct.unpack("!H", body[1:3])[0]
            if st != "opensent" or asn != MSEE_ASN:
                self.fail(slot, f"OPEN from AS {asn} in {st}")
                return
            slot.flags.add("open")
        elif mtype == T_KEEPALIVE:
            slot.flags.add("keepalive")
        elif mtype == T_NOTIFICATION:
            code, sub = body[0], body[1]
            if st == "limit-wait" and (code, sub) == (6, 1):
                afi, safi, lim = struct.unpack("!HBI", body[2:9]) if len(body) >= 9 else (0, 0, 0)
                if (afi, safi, lim) != (1, 1, self.limit):
                    self.error(slot, f"Cease/1 data AFI {afi} SAFI {safi} limit {lim}")
                slot.state = "limit-notified"
                return
            self.fail(slot, f"NOTIFICATION {code}/{sub} in {st}")
        elif mtype == T_UPDATE:
            if body == b"\x00\x00\x00\x00":                       # End-of-RIB
                if st == "opensent" and {"open", "keepalive"} <= slot.flags:
                    self.established(slot)
                return
            if st == "refresh-wait":                               # the re-sent VNet route
                self.teardown(slot)
        elif mtype != 5:
            self.fail(slot, f"message type {mtype} in {st}")

    def established(self, slot):
        if self.pool == "limit":
            slot.state = "limit-wait"
            self.send(slot, slot.update)
        else:
            slot.state = "refresh-wait"
            self.send(slot, slot.update + EOR + ROUTE_REFRESH)

    def teardown(self, slot):
        kind = TEARDOWNS[self.completed % len(TEARDOWNS)]
        self.kinds[kind] = self.kinds.get(kind, 0) + 1
        s = slot.sock
        if kind == "cease":
            try:
                s.send(CEASE_RESET)                    # 21 octets into an empty send buffer
            except OSError:
                pass
        self.drain_input(s)
        if kind == "rst":
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.finish(slot, ok=True)

    @staticmethod
    def drain_input(s):
        """Read what is left, so close() sends a FIN and not a RST (unread data -> RST)."""
        try:
            while s.recv(65536):
                pass
        except OSError:
            pass

    def closed(self, slot, reason):
        if slot.state == "limit-notified":
            self.finish(slot, ok=True)
        elif slot.state in ("connecting", "opensent") and "open" not in slot.flags:
            # The MSEE was still Idle (IdleHold or the limit's restart time): retry shortly.
            slot.refused += 1
            self.refused += 1
            self.finish(slot, ok=False, again=self.retry)
        else:
            self.fail(slot, f"{reason} in {slot.state}")

    def error(self, slot, what):
        self.errors.append(f"{slot.name}: {what}")
        if self.on_error:
            self.on_error(self, slot, what)

    def fail(self, slot, what):
        self.error(slot, what)
        if slot.sock is not None:
            slot.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            # after a failure the MSEE may be in any state: wait a whole hold-off
            self.finish(slot, ok=False, again=self.hold_off + self.margin)

    def finish(self, slot, ok, again=None):
        self.sel.unregister(slot.sock)
        slot.sock.close()
        slot.sock, slot.state = None, "idle"
        self.inflight -= 1
        now = time.monotonic()
        if ok:
            self.completed += 1
            slot.done += 1
            again = self.hold_off + self.margin
        heapq.heappush(self.ready, (now + again, slot.k))

    def close(self):
        for slot in self.slots:
            if slot.sock is not None:
                slot.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.sel.unregister(slot.sock)
                slot.sock.close()
                slot.sock = None
        self.sel.close()
