"""bench/benchlib/targets.py - the BGP speakers bgpbench measures, one adapter class each.

Owns: Target (start a configured speaker in a fresh work directory, pinned to the target CPU,
check it is alive, stop it by its PID, read its log) and its adapters: msee-emu (JSON config,
build type from the CMake cache), BIRD 2, FRR bgpd -Z and GoBGP: each says whether it is
installed, its version, the config it gets (AS 65000 on 127.31.0.1, passive towards every sender
and the sink, exporting to the sink only) and its command line. Also the wait for port 179 of
the target address to be free before a run, and BIRD's command line (api_latency's CE uses it).
"""
import hashlib
import json
import os
import shutil
import time
from pathlib import Path

from .proc import Proc, cmake_build_info, run_cmd, tail_file, tcp_local_addrs
from .wire import (BGP_PORT, HOLD_TIME, SINK_ADDR, SINK_AS, SINK_NEXT_HOP, TARGET_ADDR,
                   TARGET_AS, TARGET_CPU, sender_addr, sender_as)


def wait_port_free(timeout=10.0):
    end = time.monotonic() + timeout
    lingering = ("01", "02", "03", "04", "05", "07", "08", "09", "0B")
    while True:
        busy = [a for a in tcp_local_addrs(BGP_PORT) if a in (TARGET_ADDR, "0.0.0.0")]
        # connections of the previous run still closing (anything but TIME_WAIT) can make a
        # daemon's bind() without SO_REUSEADDR fail: give them the same bounded wait
        busy += [a for a in tcp_local_addrs(BGP_PORT, lingering) if a == TARGET_ADDR
                 and time.monotonic() < end]
        if not busy:
            return None
        if time.monotonic() > end:
            return f"{busy[0]}:179 is in use (another process listens there)"
        time.sleep(0.1)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def bird_command(d):
    """BIRD 2 in the foreground with bird.conf, its control socket and PID file in d."""
    return ["bird", "-f", "-c", f"{d}/bird.conf", "-s", f"{d}/bird.ctl", "-P", f"{d}/bird.pid"]


class Target:
    name = "?"
    label = "?"

    def __init__(self, args):
        self.args = args
        self.proc = None
        self.workdir = None
        self.log_path = None

    def available(self):
        return None                           # or a reason string

    def version(self):
        return ""

    def write_config(self, d, npeers):
        raise NotImplementedError

    def command(self, d):
        raise NotImplementedError

    next_hop_self = False  # set per scenario (Scenario.next_hop_self)

    def start(self, workdir, npeers, pin):
        self.workdir = workdir
        self.write_config(workdir, npeers)
        self.proc = Proc(self.name, self.command(workdir), workdir,
                         cpu=TARGET_CPU if pin else None, log_name=f"{self.name}.log")
        self.log_path = self.proc.log_path
        return self.proc.pid

    def alive(self):
        return self.proc is not None and self.proc.alive()

    def stop(self, term_wait=5.0):
        """SIGTERM, bounded wait, SIGKILL; returns only when every thread is gone.
        Returns how it ended: "exit N", "signal N" or "killed after SIGTERM timeout"."""
        if self.proc is None:
            return None
        how = self.proc.stop(term_wait)
        self.proc = None
        return how

    def log_tail(self, n=15):
        return tail_file(self.log_path, n) if self.log_path else ""


class Bird(Target):
    name, label = "bird", "BIRD"

    def available(self):
        return None if shutil.which("bird") else "bird not installed (apt-get install bird2)"

    def version(self):
        return run_cmd(["bird", "--version"]).splitlines()[-1] if shutil.which("bird") else ""

    def write_config(self, d, npeers):
        c = ["log stderr { info, warning, error, fatal };",
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
              "  ipv4 { import none; export all; " +
              ("" if self.next_hop_self else f"next hop address {SINK_NEXT_HOP}; ") + "};",
              "}"]
        Path(d, "bird.conf").write_text("\n".join(c) + "\n")

    def command(self, d):
        return bird_command(d)


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
        return cmake_build_info(self.binary)

    def freeze(self, frozen_dir):
        """Run a private copy from now on: a rebuild during a long campaign must not mix
        versions. Returns (the copy's path, build facts for the JSON, a warning or "")."""
        bt, san = self.build_type()
        frozen = os.path.join(frozen_dir, "msee-emu")
        shutil.copy2(self.binary, frozen)
        build = {"binary": self.binary, "type": bt, "sanitize": san,
                 "sha256": sha256_file(frozen),
                 "mtime": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(
                     os.stat(self.binary).st_mtime))}
        note = ""
        if bt != "Release" or san:
            note = (f"  [WARNING: build type {bt or 'unknown'}{', sanitizers' if san else ''}"
                    " - not a Release build, numbers are not valid performance results]")
        return frozen, build, note

    def version(self):
        return run_cmd([self.binary, "--version"]).splitlines()[0] if not self.available() else ""

    def write_config(self, d, npeers):
        neighbors = [{"name": f"sender-{k + 1}", "address": sender_addr(k), "peerAsn": sender_as(k),
                      "passive": True, "export": False, "holdTime": HOLD_TIME,
                      "connectRetry": 1, "idleHoldTime": 1} for k in range(npeers)]
        sink = {"name": "sink", "address": SINK_ADDR, "peerAsn": SINK_AS,
                "passive": True, "import": True, "export": True,
                "nextHop": SINK_NEXT_HOP, "holdTime": HOLD_TIME,
                "connectRetry": 1, "idleHoldTime": 1}
        if self.next_hop_self:
            del sink["nextHop"]  # our end of the session, the default toward an eBGP peer
        neighbors.append(sink)
        conf = {"router": {"asn": TARGET_AS, "routerId": TARGET_ADDR},
                "listen": [{"address": TARGET_ADDR, "port": BGP_PORT}],
                "logRoutes": False, "neighbors": neighbors}
        Path(d, "msee.json").write_text(json.dumps(conf, indent=1) + "\n")

    def command(self, d):
        return [self.binary, "--config", f"{d}/msee.json", "--log-level", "warn"]


TARGETS = {"msee": Msee, "bird": Bird, "frr": Frr, "gobgp": GoBgp}
