"""bench/benchlib/location_topo.py - the peering location of bench/location.py: addresses,
the generated configs of both targets, the network namespace and the pre-encoded UPDATEs.

Owns: Topology (N Standard circuits with private peering, a primary and a secondary session
each, IPv4 and optionally IPv6: which address every CE and MSEE end uses, on the host's
127.15.0.0/16 with msee-emu's loopback addressing, or on the real link /30s and /126s inside a
network namespace of our own), msee-emu's circuit config and BIRD's config as the same MSEE,
entering the namespace (unshare(2), so it dies with its last process and nothing can leak),
and the CE's UPDATE streams: announce, End-of-RIB and withdraw, per session, built before any
clock starts.
"""
import ctypes
import os
import socket
import struct
import subprocess

MSEE_ASN = 12076
CE_ASN_BASE = 4200000000            # circuit i's customer is AS 4200000000+i (4-octet, private)
IPV4_LIMIT, IPV6_LIMIT = 4000, 100  # R36: Standard private peering, per session and family
LOOP_NET = 15                       # host mode: 127.15.0.0/16 (issue #15)
CIRCUITS_PER_BLOCK = 32             # one /29 (two /30s) per circuit, 32 per /24
MAX_CIRCUITS = 256 * CIRCUITS_PER_BLOCK
MAX_NLRI = 1000                     # NLRI per UPDATE; 1000 /24s fit the 4096-octet limit
# /8s the announced IPv4 /24s are drawn from: unicast space BIRD does not call bogus (0/8,
# 127/8 and 169.254/16 are host or link scope there) and clear of 10/8 (VNets), 100.64/10,
# 172.16/12, 192.168/16 (our link /30s) and the documentation /24s.
IPV4_OCTETS = [o for o in range(11, 224) if o not in (100, 127, 169, 172, 192, 198, 203)]
IPV6_BASE = 0x3fff                   # RFC 9637 documentation space: 3fff:XXXX:YYYY::/48 each

T_UPDATE = 2
MARKER = b"\xff" * 16


def bgp_msg(mtype, body):
    return MARKER + struct.pack("!HB", 19 + len(body), mtype) + body


def open_msg(asn, bgp_id, afi, hold=90):
    """OPEN with one address family (msee-emu runs one family per session), 4-octet AS
    (RFC 6793) and route refresh."""
    caps = (bytes((1, 4)) + struct.pack("!HBB", afi, 0, 1) + bytes((65, 4))
            + struct.pack("!I", asn) + bytes((2, 0)))
    opt = bytes((2, len(caps))) + caps
    return bgp_msg(1, struct.pack("!BHH4sB", 4, asn if asn < 65536 else 23456, hold,
                                  socket.inet_aton(bgp_id), len(opt)) + opt)


class Session:
    """One MSEE session and the CE at its other end."""
    __slots__ = ("k", "circuit", "path", "family", "ce", "msee", "asn", "bgp_id", "name",
                 "bird_name")

    def __init__(self, k, circuit, path, family, ce, msee, bgp_id):
        self.k, self.circuit, self.path, self.family = k, circuit, path, family
        self.ce, self.msee, self.bgp_id = ce, msee, bgp_id
        self.asn = CE_ASN_BASE + circuit
        suffix = "/ipv6" if family == 6 else ""
        self.name = f"{circuit_name(circuit)}/AzurePrivatePeering/{path}{suffix}"
        self.bird_name = f"c{circuit}_{path[0]}{'6' if family == 6 else ''}"


def circuit_name(i):
    return f"loc-{i:04d}"


class Topology:
    """Addresses of every session. netns=False: loopback addressing on 127.15.0.0/16 (IPv4
    only, msee-emu skips IPv6 sessions there); netns=True: direct addressing on the Azure link
    /30s (in 192.168.0.0/16) and /126s (fd15::/64), added to the namespace's lo."""

    def __init__(self, circuits, ipv6, netns, port, overlap=False):
        if circuits > MAX_CIRCUITS:
            raise ValueError(f"at most {MAX_CIRCUITS} circuits")
        self.n, self.ipv6, self.netns, self.port = circuits, ipv6, netns, port
        self.overlap = overlap
        self.per_session = {4: IPV4_LIMIT * 8 // 10, 6: IPV6_LIMIT * 8 // 10}   # 80 % of R36
        if not overlap and circuits * self.per_session[4] > len(IPV4_OCTETS) << 16:
            raise ValueError("not enough IPv4 space for distinct prefixes; use --overlap")
        self.api = "127.0.0.1:18015" if netns else f"127.{LOOP_NET}.255.100:18015"
        self.router_id = "192.0.2.1"
        self.sessions = []
        for i in range(circuits):
            for path in ("primary", "secondary"):
                ce, msee = self.v4_pair(i, path)
                self.sessions.append(Session(len(self.sessions), i, path, 4, ce, msee, ce))
                if ipv6:
                    ce6, msee6 = self.v6_pair(i, path)
                    self.sessions.append(Session(len(self.sessions), i, path, 6, ce6, msee6, ce))

    def routes(self):
        return sum(self.per_session[s.family] for s in self.sessions)

    # ---- addresses: in each /30 (/126) the CE is the first host, the MSEE the second (R9, R10)
    @staticmethod
    def link30(i, path):
        """Third and fourth octet of circuit i's /30 on `path`."""
        return i // CIRCUITS_PER_BLOCK, (i % CIRCUITS_PER_BLOCK) * 8 + (4 if path == "secondary"
                                                                        else 0)

    def v4_pair(self, i, path):
        b, c = self.link30(i, path)
        net = f"192.168.{b}" if self.netns else f"127.{LOOP_NET}.{b}"
        return f"{net}.{c + 1}", f"{net}.{c + 2}"

    @staticmethod
    def v6_base(i, path):
        return 8 * i + (4 if path == "secondary" else 0)

    def v6_pair(self, i, path):
        base = self.v6_base(i, path)
        return f"fd15::{base + 1:x}", f"fd15::{base + 2:x}"

    def local_addresses(self):
        """Every CE and MSEE address the namespace's lo must carry."""
        out = []
        for s in self.sessions:
            out += [s.ce, s.msee]
        return out

    # ---- msee-emu
    def msee_config(self):
        circuits = []
        for i in range(self.n):
            b, c = self.link30(i, "primary")
            peering = {"peeringType": "AzurePrivatePeering", "state": "Enabled",
                       "peerASN": CE_ASN_BASE + i, "vlanId": 100,
                       "primaryPeerAddressPrefix": f"192.168.{b}.{c}/30",
                       "secondaryPeerAddressPrefix": f"192.168.{b}.{c + 4}/30",
                       # BIRD runs no BFD here, so neither does msee-emu: the same work on
                       # both sides (its BFD would stay passive anyway, the CE sends none: R28)
                       "emulation": {"bfd": False}}
            if self.netns:
                if self.ipv6:
                    p, s = self.v6_base(i, "primary"), self.v6_base(i, "secondary")
                    peering["ipv6PeeringConfig"] = {"primaryPeerAddressPrefix": f"fd15::{p:x}/126",
                                                    "secondaryPeerAddressPrefix":
                                                        f"fd15::{s:x}/126"}
            else:
                peering["emulation"]["loopback"] = {
                    "primaryPeerAddressPrefix": f"127.{LOOP_NET}.{b}.{c}/30",
                    "secondaryPeerAddressPrefix": f"127.{LOOP_NET}.{b}.{c + 4}/30"}
            circuits.append({
                "name": circuit_name(i),
                "sku": {"tier": "Standard", "family": "MeteredData"},
                "serviceProviderProperties": {"serviceProviderName": "Equinix",
                                              "peeringLocation": "Amsterdam",
                                              "bandwidthInMbps": 1000},
                "peerings": [peering]})
        return {"description": f"bench/location.py: {self.n} circuits at one peering location",
                "emulator": {"addressing": "direct" if self.netns else "loopback",
                             "bgpPort": self.port},
                "circuits": circuits}

    # ---- BIRD as the same MSEE: a table per circuit and family, a protocol per session
    def bird_config(self, log_path):
        c = [f'log "{log_path}" {{ warning, error, fatal }};',
             f"router id {self.router_id};",
             # one word per column, so the CLI's state column is found by position
             "timeformat protocol iso long;",
             "protocol device { scan time 600; }"]
        for i in range(self.n):
            c.append(f"ipv4 table t4_{i};")
            if self.ipv6:
                c.append(f"ipv6 table t6_{i};")
        c += ["template bgp msee {",
              f"  local as {MSEE_ASN};",
              # multihop: the CE's next hop sits on lo, which BIRD never treats as a link
              "  strict bind yes; multihop; passive on;",
              "  hold time 180; error wait time 1, 10; connect delay time 1;",
              "}"]
        for s in self.sessions:
            fam = "ipv4" if s.family == 4 else "ipv6"
            table = f"t{s.family}_{s.circuit}"
            limit = IPV4_LIMIT if s.family == 4 else IPV6_LIMIT
            c.append(f"protocol bgp {s.bird_name} from msee {{ local {s.msee} port {self.port} "
                     f"as {MSEE_ASN}; neighbor {s.ce} port {self.port} as {s.asn}; {fam} {{ "
                     f"table {table}; import limit {limit} action restart; import all; "
                     f"export none; }}; }}")
        return "\n".join(c) + "\n"

    # ---- the CE's routes
    def v4_nlri(self, circuit):
        """The /24s of one circuit (both its sessions announce them, as a dual-homed CE)."""
        n = self.per_session[4]
        g0 = 0 if self.overlap else circuit * n
        out = []
        for g in range(g0, g0 + n):
            out.append(bytes((24, IPV4_OCTETS[g >> 16], (g >> 8) & 255, g & 255)))
        return out

    def v6_nlri(self, circuit):
        n = self.per_session[6]
        g0 = 0 if self.overlap else circuit * n
        return [b"\x30" + struct.pack("!HHH", IPV6_BASE, (g >> 16) & 0xfff, g & 0xffff)
                for g in range(g0, g0 + n)]

    def streams(self, progress=None):
        """Per session k: (announce + End-of-RIB, withdraw), each one bytes object of whole
        UPDATEs. The NLRI are built once per circuit; only NEXT_HOP differs per session."""
        ann, wd = [None] * len(self.sessions), [None] * len(self.sessions)
        cache = {}
        for s in self.sessions:
            key = (s.circuit, s.family)
            if key not in cache:
                cache = {key: (self.v4_nlri if s.family == 4 else self.v6_nlri)(s.circuit)}
            nlri = cache[key]
            if s.family == 4:
                ann[s.k] = announce_v4(s, nlri) + bgp_msg(T_UPDATE, b"\x00\x00\x00\x00")
                wd[s.k] = withdraw_v4(nlri)
            else:
                ann[s.k] = announce_v6(s, nlri) + bgp_msg(T_UPDATE, mp_unreach(b""))
                wd[s.k] = bgp_msg(T_UPDATE, mp_unreach(b"".join(nlri)))
            if progress and s.k % 500 == 499:
                progress(s.k + 1)
        return ann, wd


def base_attrs(s):
    return (b"\x40\x01\x01\x00"                                           # ORIGIN IGP
            + b"\x40\x02\x06\x02\x01" + struct.pack("!I", s.asn))         # AS_PATH (4-octet)


def chunks(seq, n):
    for i in range(0, len(seq), n):
        yield seq[i:i + n]


def announce_v4(s, nlri):
    attrs = base_attrs(s) + b"\x40\x03\x04" + socket.inet_aton(s.ce)    # NEXT_HOP = the CE
    head = b"\x00\x00" + struct.pack("!H", len(attrs)) + attrs
    return b"".join(bgp_msg(T_UPDATE, head + b"".join(part)) for part in chunks(nlri, MAX_NLRI))


def withdraw_v4(nlri):
    out = []
    for part in chunks(nlri, MAX_NLRI):
        field = b"".join(part)
        out.append(bgp_msg(T_UPDATE, struct.pack("!H", len(field)) + field + b"\x00\x00"))
    return b"".join(out)


def mp_unreach(nlri):
    """UPDATE body withdrawing IPv6 unicast nlri (RFC 4760 §4); empty = End-of-RIB (RFC 4724)."""
    val = struct.pack("!HB", 2, 1) + nlri
    attr = b"\x90\x0f" + struct.pack("!H", len(val)) + val
    return b"\x00\x00" + struct.pack("!H", len(attr)) + attr


def announce_v6(s, nlri):
    # 80 /48s (560 octets) fit one UPDATE
    val = (struct.pack("!HBB", 2, 1, 16) + socket.inet_pton(socket.AF_INET6, s.ce) + b"\x00"
           + b"".join(nlri))
    attrs = b"\x90\x0e" + struct.pack("!H", len(val)) + val + base_attrs(s)
    return bgp_msg(T_UPDATE, b"\x00\x00" + struct.pack("!H", len(attrs)) + attrs)


# ---------------------------------------------------------------------------- the namespace
CLONE_NEWNET = 0x40000000


def enter_netns(addresses, say):
    """Move this process (and so every child it starts later) into a new network namespace,
    bring its lo up and add `addresses` to it. The namespace has no name: the kernel frees it
    when its last process exits, so an interrupted run cannot leave one behind."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNET): "
                      + os.strerror(ctypes.get_errno()) + " (needs root / CAP_SYS_ADMIN)")
    lines = ["link set lo up"]
    for a in addresses:
        # nodad: the address is usable at once (lo has no neighbours to ask)
        lines.append(f"addr add {a}/128 dev lo nodad" if ":" in a else f"addr add {a}/32 dev lo")
    say(f"network namespace: adding {len(addresses)} addresses to its lo (ip -batch)")
    r = subprocess.run(["ip", "-batch", "-"], input="\n".join(lines) + "\n", text=True,
                       capture_output=True)
    if r.returncode != 0:
        raise OSError(0, f"ip -batch: {r.stderr.strip()[:300]}")
