"""The customer edge (CE) router of the lab: FRR, BIRD 2 or msee-emu's own router mode.

Each CE is configured as Microsoft's samples configure one (R88, R89): one neighbor per MSEE
session at the even address of the /30 (/126), `remote-as 12076`, the peering's MD5 key (R26),
BFD 300 ms × 3 on the IPv4 sessions (R30, R89), and its own prefixes: the on-premises prefixes
on private peering, the declared advertisedPublicPrefixes on Microsoft peering (R41). Like the
samples, it sets no local preference (R90) unless `prefer_primary` asks for R91's
local-preference per link; ties between the two MSEEs go to the lower router ID, the primary.

A CE also tells what it sees — `observe()` returns, per MSEE address, the session state, the
BFD state and the number of prefixes received, and per prefix the best path and the AS path
heard from each MSEE — and can announce extra prefixes (the route-limit scenarios).
"""
import ipaddress
import json
import os
import re
import shutil
import socket

from . import util
from .util import LabError

# Where the route-limit scenarios take their extra prefixes from (private peering); Microsoft
# peering uses more-specifics of its first advertisedPublicPrefix.
EXTRA_BASE = {"ipv4": "100.64.0.0/10", "ipv6": "fdbb:6400::/32"}
EXTRA_LEN = {"ipv4": 24, "ipv6": 64}
PT_SHORT = {"AzurePrivatePeering": "priv", "MicrosoftPeering": "ms", "AzurePublicPeering": "pub"}


def extra_prefixes(session, count):
    """`count` prefixes the CE may announce on this session's peering and family."""
    fam = session["family"]
    if session["peeringType"] == "MicrosoftPeering":
        pubs = session["advertisedPublicPrefixes"]
        if not pubs:
            raise LabError(f"{session['name']}: no advertisedPublicPrefixes to announce from")
        net = ipaddress.ip_network(pubs[0])
        plen = 32 if fam == "ipv4" else 128
        if net.num_addresses < count:
            raise LabError(f"{session['name']}: {pubs[0]} holds fewer than {count} "
                           f"more-specific prefixes")
    else:
        net = ipaddress.ip_network(EXTRA_BASE[fam])
        plen = EXTRA_LEN[fam]
    step = 1 << ((32 if fam == "ipv4" else 128) - plen)
    base = int(net.network_address)
    return [f"{ipaddress.ip_address(base + i * step)}/{plen}" for i in range(count)]


def extra_range(session):
    if session["peeringType"] == "MicrosoftPeering":
        return session["advertisedPublicPrefixes"][:1]
    return [EXTRA_BASE[session["family"]]]


def own_prefixes(session, opts):
    """The prefixes the CE announces on this session (R41 for Microsoft peering)."""
    if session["peeringType"] == "MicrosoftPeering":
        return list(session["advertisedPublicPrefixes"])
    return [p for p in opts["cePrefixes"] if (":" in p) == (session["family"] == "ipv6")]


def group_key(s):
    return (s["peeringType"], s["family"])


def connect_retry(ce):
    """Seconds between the CE's connection attempts (the tests' fast timers take 1)."""
    return ce.opts.get("ceConnectRetry") or 2


def announce_all(ce):
    """Whether every MSEE gets every prefix the CE originates, not just its peering's own."""
    return bool(ce.opts.get("ceAnnounceAll"))


class ControlSocket:
    """A persistent connection to a daemon's own control socket, so sampling a CE costs a
    fraction of a millisecond instead of a CLI process start (~60 ms for vtysh).

    FRR (the protocol vtysh speaks to each daemon's <daemon>.vty): a command ends with NUL,
    the reply with three NULs and a status byte. BIRD (birdc's, bird.ctl): a command ends with
    a newline, reply lines carry a 4-digit code, "NNNN-" or " " continue, "0NNN "/"8NNN "/
    "9NNN " end the reply."""

    def __init__(self, path, kind, hello=()):
        self.path, self.kind, self.hello, self.sock = path, kind, hello, None

    def _connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect(self.path)
        self.sock, self.buf = s, b""
        if self.kind == "bird":
            self._read_bird()  # the greeting
        for c in self.hello:
            self._frr(c)

    def _recv(self):
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            raise OSError("connection closed")
        self.buf += chunk

    def _frr(self, cmd):
        self.sock.sendall(cmd.encode() + b"\0")
        while True:
            i = self.buf.find(b"\0\0\0")
            if i >= 0 and len(self.buf) > i + 3:
                out, status = self.buf[:i], self.buf[i + 3]
                self.buf = self.buf[i + 4:]
                if status != 0:
                    raise LabError(f"{cmd}: {out.decode(errors='replace').strip()}")
                return out.decode(errors="replace")
            self._recv()

    def _read_bird(self):
        lines = []
        while True:
            while b"\n" not in self.buf:
                self._recv()
            raw, self.buf = self.buf.split(b"\n", 1)
            line = raw.decode(errors="replace")
            if re.match(r"^\d{4}[ -]", line):
                if line[4] == " " and line[0] in "089":
                    if line[0] in "89":
                        raise LabError(f"birdc: {line[5:]}")
                    return "\n".join(lines)
                lines.append(line[5:])
            elif line.startswith(" "):
                lines.append(line[1:])

    def __call__(self, cmd):
        for attempt in (0, 1):
            try:
                if self.sock is None:
                    self._connect()
                if self.kind == "bird":
                    self.sock.sendall(cmd.encode() + b"\n")
                    return self._read_bird()
                return self._frr(cmd)
            except OSError as e:
                if self.sock is not None:
                    self.sock.close()
                self.sock = None
                if attempt:
                    raise LabError(f"{self.path}: {e}")


class Ce:
    kind = "?"

    def __init__(self, lab_dir, plan, opts, netns, dirname="ce"):
        self.dir = os.path.join(lab_dir, dirname)  # ce1, ce2 … for the sites (sites.py)
        self.plan, self.opts, self.netns = plan, opts, netns
        self.sessions = plan["sessions"]
        self.extra = {}  # group key -> [prefixes]
        self.procs = []  # the CE's processes (records of util.spawn)
        os.makedirs(self.dir, exist_ok=True)

    def session_by_msee(self, addr):
        for s in self.sessions:
            if s["mseeAddress"] == addr:
                return s
        return None

    def router_id(self):
        for s in self.sessions:
            if s["family"] == "ipv4":
                return s["ceAddress"]
        return "192.0.2.1"

    def hold_time(self):
        return self.opts.get("ceHoldTime")

    def prefer(self, s):
        return self.opts.get("preferPrimary") and s["path"] == "primary"


# ---------------------------------------------------------------------------------- FRR
class FrrCe(Ce):
    """FRR 8: zebra + bfdd + bgpd in the CE namespace (zebra programs that namespace's FIB)."""
    kind = "frr"

    def asn(self):
        return self.sessions[0]["peerASN"]

    # MSEE: R89 — 300 ms × 3, as the samples configure the CE.
    ZEBRA_CONF = "hostname ce-zebra\n"
    BFDD_CONF = ("bfd\n profile msee\n  receive-interval 300\n  transmit-interval 300\n"
                 "  detect-multiplier 3\n")

    def config(self):
        asn, lines = self.asn(), []
        # An absolute path: bgpd resolves a relative one against its working directory.
        lines += ["frr defaults traditional", "hostname ce-frr",
                  f"log file {self.dir}/bgpd.log informational", "!"]
        groups = {}
        for s in self.sessions:
            groups.setdefault(group_key(s), []).append(s)
        if announce_all(self):
            # Every session gets every prefix the CE originates (an empty AS path), never what
            # it learned: a CE that also sends what the MSEE must refuse (the tests' Q1, R41).
            lines += ["bgp as-path access-list ORIGINATED permit ^$",
                      "route-map ORIGINATED permit 10", " match as-path ORIGINATED", "!"]
        for (pt, fam), ss in ({} if announce_all(self) else groups).items():
            name = f"OUT-{PT_SHORT[pt]}-{fam}"
            kw = "ip" if fam == "ipv4" else "ipv6"
            n = 5
            for p in sorted(set(sum((own_prefixes(s, self.opts) for s in ss), []))):
                lines.append(f"{kw} prefix-list {name} seq {n} permit {p}")
                n += 5
            for r in extra_range(ss[0]):
                lines.append(f"{kw} prefix-list {name} seq {n} permit {r} le "
                             f"{32 if fam == 'ipv4' else 128}")
                n += 5
        lines += ["route-map PREFER-PRIMARY permit 10", " set local-preference 200", "!"]
        lines += [f"router bgp {asn}", f" bgp router-id {self.router_id()}",
                  " no bgp ebgp-requires-policy", " no bgp network import-check",
                  # Equal paths from both MSEEs: the lower router ID (the primary MSEE) wins,
                  # not whichever session came up first.
                  " bgp bestpath compare-routerid", " no bgp default ipv4-unicast"]
        if any(ipaddress.ip_address(s["mseeAddress"]).is_loopback for s in self.sessions):
            # A loopback-addressed circuit (the integration tests): FRR takes the MSEEs' 127.x
            # next hops for martians and resets the session with 3/8 unless told otherwise.
            lines.append(" bgp allow-martian-nexthop")
        for s in self.sessions:
            a = s["mseeAddress"]
            lines.append(f" neighbor {a} remote-as {s['mseeASN']}")
            lines.append(f" neighbor {a} update-source {s['ceAddress']}")
            if s["peerASN"] != asn:
                lines.append(f" neighbor {a} local-as {s['peerASN']} no-prepend replace-as")
            if s["sharedKey"]:
                lines.append(f" neighbor {a} password {s['sharedKey']}")
            if s["bfd"] and not self.opts.get("noCeBfd"):
                lines.append(f" neighbor {a} bfd profile msee")
            lines.append(f" neighbor {a} timers connect {connect_retry(self)}")
            if self.hold_time():
                h = self.hold_time()
                lines.append(f" neighbor {a} timers {max(1, h // 3)} {h}")
        for fam in ("ipv4", "ipv6"):
            ss = [s for s in self.sessions if s["family"] == fam]
            if not ss:
                continue
            lines.append(f" address-family {fam} unicast")
            for s in ss:
                a = s["mseeAddress"]
                lines.append(f"  neighbor {a} activate")
                lines.append(f"  neighbor {a} route-map ORIGINATED out" if announce_all(self) else
                             f"  neighbor {a} prefix-list OUT-{PT_SHORT[s['peeringType']]}-{fam} out")
                if self.prefer(s):
                    lines.append(f"  neighbor {a} route-map PREFER-PRIMARY in")
            for p in sorted(set(sum((own_prefixes(s, self.opts) for s in ss), []))):
                lines.append(f"  network {p}")
            lines.append(" exit-address-family")
        return "\n".join(lines) + "\n"

    def start(self):
        d = self.dir
        with open(f"{d}/zebra.conf", "w") as f:
            f.write(self.ZEBRA_CONF)
        with open(f"{d}/bfdd.conf", "w") as f:
            f.write(self.BFDD_CONF)
        with open(f"{d}/bgpd.conf", "w") as f:
            f.write(self.config())
        shutil.chown(d, "frr", "frr")
        for n in ("zebra.conf", "bfdd.conf", "bgpd.conf"):
            shutil.chown(f"{d}/{n}", "frr", "frr")
        procs = []
        common = ["--vty_socket", d, "-P", "0"]
        procs.append(util.spawn("ce-zebra", ["/usr/lib/frr/zebra", *common, "-i", f"{d}/zebra.pid",
                                             "--log", f"file:{d}/zebra.log", "-z", f"{d}/zserv.api",
                                             "-f", f"{d}/zebra.conf"], f"{d}/zebra.out", self.netns))
        util.wait_for("FRR zebra", lambda: os.path.exists(f"{d}/zserv.api"), 10)
        procs.append(util.spawn("ce-bfdd", ["/usr/lib/frr/bfdd", *common, "-i", f"{d}/bfdd.pid",
                                            "--log", f"file:{d}/bfdd.log", "-z", f"{d}/zserv.api",
                                            "-f", f"{d}/bfdd.conf", "--bfdctl", f"{d}/bfdd.sock"],
                                f"{d}/bfdd.out", self.netns))
        util.wait_for("FRR bfdd", lambda: os.path.exists(f"{d}/bfdd.vty"), 10)
        listen = sum((["-l", s["ceAddress"]] for s in self.sessions), [])
        procs.append(util.spawn("ce-bgpd", ["/usr/lib/frr/bgpd", "-S", "-z", f"{d}/zserv.api",
                                            *listen, "-p", "179", "-f", f"{d}/bgpd.conf", *common,
                                            "-i", f"{d}/bgpd.pid", "--log", f"file:{d}/bgpd.log"],
                                f"{d}/bgpd.out", self.netns))
        util.wait_for("FRR bgpd", lambda: os.path.exists(f"{d}/bgpd.vty"), 10)
        return procs

    def observe(self, routes=True):
        if not hasattr(self, "bgpd"):
            self.bgpd = ControlSocket(f"{self.dir}/bgpd.vty", "frr")
            self.bfdd = ControlSocket(f"{self.dir}/bfdd.vty", "frr", hello=("enable",))
        fams = sorted({s["family"] for s in self.sessions}) if routes else []
        docs = [json.loads(self.bgpd("show bgp summary json")),
                json.loads(self.bfdd("show bfd peers json"))]
        docs += [json.loads(self.bgpd(f"show bgp {f} unicast json")) for f in fams]
        view = {"sessions": {}, "routes": {}}
        for afkey in ("ipv4Unicast", "ipv6Unicast"):
            for addr, p in docs[0].get(afkey, {}).get("peers", {}).items():
                view["sessions"][addr] = {"state": p.get("state"), "received": p.get("pfxRcd", 0),
                                          "bfd": None}
        for b in docs[1] if isinstance(docs[1], list) else []:
            if b.get("peer") in view["sessions"]:
                view["sessions"][b["peer"]]["bfd"] = b.get("status")
        for doc in docs[2:]:
            for prefix, paths in doc.get("routes", {}).items():
                r = {"best": None, "paths": {}}
                for p in paths:
                    peer = p.get("peerId")
                    if peer in (None, "(unspec)"):
                        continue
                    r["paths"][peer] = [int(x) for x in p.get("path", "").split() if x.isdigit()]
                    if p.get("bestpath"):
                        r["best"] = peer
                if r["paths"]:
                    view["routes"][prefix] = r
        return view

    def announce_extra(self, extra):
        """Announces exactly `extra` ({(peeringType, family): [prefixes]}) on top of its own."""
        cmds = [f"router bgp {self.asn()}"]  # vtysh -f starts in configuration mode
        for key in set(self.extra) | set(extra):
            old, new = set(self.extra.get(key, [])), set(extra.get(key, []))
            cmds.append(f"address-family {key[1]} unicast")
            cmds += [f"no network {p}" for p in sorted(old - new)]
            cmds += [f"network {p}" for p in sorted(new - old)]
            cmds.append("exit-address-family")
        path = os.path.join(self.dir, "extra.vtysh")
        with open(path, "w") as f:
            f.write("\n".join(cmds) + "\n")
        util.run(["vtysh", "--vty_socket", self.dir, "-f", path], timeout=120)
        self.extra = {k: list(v) for k, v in extra.items() if v}

    def shell_argv(self, cmd=()):
        return ["vtysh", "--vty_socket", self.dir] + (["-c", " ".join(cmd)] if cmd else [])


# ---------------------------------------------------------------------------------- BIRD
class BirdCe(Ce):
    """BIRD 2 in the CE namespace, one BGP protocol per MSEE session."""
    kind = "bird"
    log_to = None  # BIRD's log: bird.log in the CE directory unless set (the tests: stderr)

    def proto(self, s):
        return (f"c{s['circuitIndex']}_{PT_SHORT[s['peeringType']]}_"
                f"{'pri' if s['path'] == 'primary' else 'sec'}_{s['family'][-2:]}")

    def write_extra(self):
        lines = []
        for key in sorted({group_key(s) for s in self.sessions}):
            name = f"extra_{PT_SHORT[key[0]]}_{key[1][-2:]}"
            lines.append(f"protocol static {name} {{ {key[1]};")
            lines += [f"  route {p} blackhole;" for p in self.extra.get(key, [])]
            lines.append("}")
        with open(os.path.join(self.dir, "extra.conf"), "w") as f:
            f.write("\n".join(lines) + "\n")

    def config(self):
        log = self.log_to or f'"{self.dir}/bird.log"'
        L = [f"log {log} all;", f"router id {self.router_id()};",
             "protocol device { scan time 1; }",
             # MSEE: R89 — 300 ms × 3, as the samples configure the CE.
             'protocol bfd { interface "*" { min rx interval 300 ms; min tx interval 300 ms; '
             'multiplier 3; }; }']
        # One static protocol per family, each session exporting its own prefixes by prefix:
        # a prefix announced on two peerings (a default route) is one route in BIRD's table,
        # and BIRD exports only a table's best route, whichever protocol holds it.
        for fam in sorted({s["family"] for s in self.sessions}):
            pfx = sorted(set(sum((own_prefixes(x, self.opts) for x in self.sessions
                                  if x["family"] == fam), [])))
            L.append(f"protocol static own_{fam[-2:]} {{ {fam}; " +
                     " ".join(f"route {p} blackhole;" for p in pfx) + " }")
        L.append(f'include "{self.dir}/extra.conf";')
        if self.opts.get("dataplane"):
            for fam in sorted({s["family"] for s in self.sessions}):  # data plane: ECMP, R60
                L.append(f"protocol kernel kern_{fam[-2:]} {{ {fam} {{ export where "
                         f"source = RTS_BGP; }}; merge paths on; }}")
        for s in self.sessions:
            k = f"{PT_SHORT[s['peeringType']]}_{s['family'][-2:]}"
            imp = "filter { bgp_local_pref = 200; accept; }" if self.prefer(s) else "all"
            opts = [f"local {s['ceAddress']} as {s['peerASN']};",
                    f"neighbor {s['mseeAddress']} as {s['mseeASN']};",
                    "error wait time 1, 5;", f"connect retry time {connect_retry(self)};"]
            if s["sharedKey"]:
                opts.append(f'password "{s["sharedKey"]}";')
            if s["bfd"] and not self.opts.get("noCeBfd"):
                opts.append("bfd on;")
            if self.hold_time():
                opts.append(f"hold time {self.hold_time()};")
            own = ", ".join(own_prefixes(s, self.opts))
            exp = f'proto = "extra_{k}"'
            if own:
                exp = f"(source = RTS_STATIC && net ~ [ {own} ]) || {exp}"
            if announce_all(self):
                exp = "source = RTS_STATIC"
            L.append(f"protocol bgp {self.proto(s)} {{ " + " ".join(opts) +
                     f" {s['family']} {{ import {imp}; export where {exp}; }}; }}")
        return "\n".join(L) + "\n"

    def start(self):
        self.write_extra()
        conf = os.path.join(self.dir, "bird.conf")
        with open(conf, "w") as f:
            f.write(self.config())
        util.run(["bird", "-p", "-c", conf])
        rec = util.spawn("ce-bird", ["bird", "-f", "-c", conf, "-s", f"{self.dir}/bird.ctl",
                                     "-P", f"{self.dir}/bird.pid"], f"{self.dir}/bird.out",
                         self.netns)
        util.wait_for("BIRD", lambda: os.path.exists(f"{self.dir}/bird.ctl"), 10)
        return [rec]

    def birdc(self, *cmd, timeout=30):
        if not hasattr(self, "ctl"):
            self.ctl = ControlSocket(f"{self.dir}/bird.ctl", "bird")
        return self.ctl(" ".join(cmd))

    ROUTE = re.compile(r"^(\S+)?\s+\S+\s+\[(\S+)\s[^\]]*\](\s+\*)?")

    @staticmethod
    def sessions_view(text, by_proto):
        """Per MSEE address, from `show protocols all`: the state and the prefixes received,
        "Routes: N imported" (FRR's pfxRcd), so `lab status`, which reads no routes, has it."""
        view, cur = {}, None
        for line in text.splitlines():
            f = line.split()
            if not f:
                continue
            if not line[0].isspace():  # a protocol's header line
                cur = by_proto.get(f[0])
                if cur is not None:
                    view[cur] = {"state": "Established" if f[-1] == "Established" else
                                 (f[5] if len(f) > 5 else f[3]), "bfd": None, "received": 0}
            elif cur is not None and f[0] == "Routes:" and f[1].isdigit():
                view[cur]["received"] = int(f[1])
        return view

    def observe(self, routes=True):
        by_proto = {self.proto(s): s["mseeAddress"] for s in self.sessions}
        view = {"sessions": self.sessions_view(self.birdc("show", "protocols", "all"), by_proto),
                "routes": {}}
        for line in self.birdc("show", "bfd", "sessions").splitlines():
            f = line.split()
            if len(f) >= 3 and f[0] in view["sessions"]:
                view["sessions"][f[0]]["bfd"] = f[2].lower()
        if not routes:
            return view
        prefix = cur = None
        for line in self.birdc("show", "route", "all").splitlines():
            m = self.ROUTE.match(line)
            if m and not line.startswith("\t"):
                prefix = m.group(1) or prefix
                cur = None
                peer = by_proto.get(m.group(2))
                if peer is None:
                    continue
                r = view["routes"].setdefault(prefix, {"best": None, "paths": {}})
                r["paths"][peer] = []
                cur = r["paths"][peer]
                if m.group(3):
                    r["best"] = peer
            elif cur is not None and line.strip().startswith("BGP.as_path:"):
                cur += [int(x) for x in line.split(":", 1)[1].split() if x.isdigit()]
        return view

    def announce_extra(self, extra):
        self.extra = {k: list(v) for k, v in extra.items() if v}
        self.write_extra()
        util.run(["birdc", "-s", f"{self.dir}/bird.ctl", "configure"], timeout=120)

    def shell_argv(self, cmd=()):
        # birdc takes the command as its arguments (it has no -c, unlike vtysh).
        return ["birdc", "-s", f"{self.dir}/bird.ctl", *cmd]


# ------------------------------------------------------------------------------- builtin
class BuiltinCe(Ce):
    """msee-emu's router mode as the CE: no external router needed. One process per CE ASN
    (a router has one AS). It has no BFD, so silent failures are found by the hold timer; its
    hold time defaults to 9 s (ceHoldTime) so a drill does not wait three minutes. It reports
    through its event log: sessions and every received route (logRoutes). Its best path is
    taken the way RFC 4271 §9.1.2.2 breaks this tie — the two MSEEs send identical attributes
    but for AS_PATH — shortest AS path, then the lower router ID (the primary MSEE), with
    weight first when prefer_primary asks for it."""
    kind = "builtin"

    def __init__(self, *a):
        super().__init__(*a)
        self.offsets = {}
        self.state = {}   # msee address -> FSM state
        self.rib = {}     # msee address -> {prefix: as path}

    def asns(self):
        return sorted({s["peerASN"] for s in self.sessions})

    def hold_time(self):
        return self.opts.get("ceHoldTime") or 9

    def config(self, asn):
        ss = [s for s in self.sessions if s["peerASN"] == asn]
        rid = next((s["ceAddress"] for s in ss if s["family"] == "ipv4"), self.router_id())
        neighbors, announce, generate = [], [], []
        for s in ss:
            n = {"name": s["name"], "address": s["mseeAddress"], "localAddress": s["ceAddress"],
                 "peerAsn": s["mseeASN"], "holdTime": self.hold_time(), "connectRetry": 2,
                 "idleHoldTime": 1, "families": [f"{s['family']}-unicast"], "export": False}
            if s["sharedKey"]:
                n["md5Password"] = s["sharedKey"]
            if self.prefer(s):
                n["weight"] = 100
            neighbors.append(n)
        for key in sorted({group_key(s) for s in ss}):
            to = [s["name"] for s in ss if group_key(s) == key]
            own = sorted(set(sum((own_prefixes(s, self.opts) for s in ss
                                  if group_key(s) == key), [])))
            if own:
                announce.append({"prefixes": own, "to": to})
            extra = self.extra.get(key, [])
            if extra:
                generate.append({"base": extra[0], "count": len(extra), "to": to})
        return {"description": "msee-lab builtin CE", "router": {"asn": asn, "routerId": rid},
                "logRoutes": True, "neighbors": neighbors, "announce": announce,
                "generate": generate}

    def start(self):
        self.procs = []
        emu = os.environ.get("MSEE_EMU", "msee-emu")
        for asn in self.asns():
            conf = os.path.join(self.dir, f"router-{asn}.json")
            with open(conf, "w") as f:
                json.dump(self.config(asn), f, indent=1)
            util.run([emu, "--check", conf])
            ev = os.path.join(self.dir, f"events-{asn}.jsonl")
            open(ev, "a").close()
            self.offsets.setdefault(ev, 0)
            dp = ["--dataplane"] if self.opts.get("dataplane") else []  # best routes, as zebra
            self.procs.append(util.spawn(f"ce-builtin-{asn}", [emu, "--config", conf, "--events",
                                                               ev, *dp],
                                         f"{self.dir}/builtin-{asn}.log", self.netns))
        return self.procs

    def read_events(self):
        for asn in self.asns():
            ev = os.path.join(self.dir, f"events-{asn}.jsonl")
            with open(ev) as f:
                f.seek(self.offsets.get(ev, 0))
                data = f.read()
            end = data.rfind("\n") + 1
            self.offsets[ev] = self.offsets.get(ev, 0) + len(data[:end].encode())
            for line in data[:end].splitlines():
                e = json.loads(line)
                s = next((x for x in self.sessions if x["name"] == e.get("peer")), None)
                if s is None:
                    continue
                a = s["mseeAddress"]
                if e["event"] == "session":
                    self.state[a] = e["to"]
                    if e["to"] != "Established":
                        self.rib.pop(a, None)
                elif e["event"] == "route":
                    if e["action"] == "announce":
                        self.rib.setdefault(a, {})[e["prefix"]] = [
                            x for x in e.get("asPath", []) if isinstance(x, int)]
                    else:
                        self.rib.get(a, {}).pop(e["prefix"], None)

    def observe(self, routes=True):
        self.read_events()
        view = {"sessions": {}, "routes": {}}
        for s in self.sessions:
            a = s["mseeAddress"]
            view["sessions"][a] = {"state": self.state.get(a, "Idle"), "bfd": None,
                                   "received": len(self.rib.get(a, {}))}
        rid = {s["mseeAddress"]: int(ipaddress.ip_address(s["routerId"])) for s in self.sessions}
        for a, table in self.rib.items():
            for prefix, path in table.items():
                view["routes"].setdefault(prefix, {"best": None, "paths": {}})["paths"][a] = path

        def rank(a, path):
            s = self.session_by_msee(a)
            return (0 if self.prefer(s) else 1, len(path), rid[a])
        for r in view["routes"].values():
            r["best"] = min(r["paths"], key=lambda a: rank(a, r["paths"][a]))
        return view

    def announce_extra(self, extra):
        """msee-emu's router mode does not reload: restart the builtin CE with the new blocks."""
        self.extra = {k: list(v) for k, v in extra.items() if v}
        for p in self.procs:
            util.stop(p)
        self.state.clear()
        self.rib.clear()
        return self.start()

    def shell_argv(self, cmd=()):
        return ["sh", "-c", " ".join(cmd)] if cmd else ["bash", "-i"]
