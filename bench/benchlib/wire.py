"""bench/benchlib/wire.py - the benchmark's topology and BGP on the wire (RFC 4271), for bgpbench.

Owns: the addresses and AS numbers of the 127.31.0.0/16 topology (target, sink, senders), the
CPUs of target and harness, message encoding (OPEN, KEEPALIVE, End-of-RIB, UPDATE streams
pre-encoded into ~256 KB chunks), prefix numbering, and the decoding helpers the sink uses to
count prefixes (a regex walk over the prefix-length octets) and to spot MP_REACH/MP_UNREACH.
"""
import re
import socket
import struct

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
