#!/usr/bin/env python3
"""bench/fib_bench.py - the data plane's FIB programming (issue #13), msee-emu beside BIRD 2's
kernel protocol in the same run, on the same CE and the same namespaces.

    sudo python3 bench/fib_bench.py [--sizes 4000,10000] [--runs 3] [--targets msee,bird]

Two namespaces (fib<pid>-ce, fib<pid>-er) joined by two veth links, the /30s of a private
peering. The CE is msee-emu in router mode announcing N /24s to both MSEE addresses. The
target in the er namespace is either msee-emu (emulator, "dataplane": true, table 1001) or
BIRD 2 (two BGP sessions, `protocol kernel` exporting to table 1001 with `merge paths`).
Measured by polling the kernel's table 1001 (ip -o route, every 20 ms):

  full table   from the first route in table 1001 to N routes, each over both links (ECMP)
  link down    from shutting the primary session administratively (msee-ctl link update
               --bgp-state Down / birdc disable) to no route left via the primary link

Figures are medians over the runs; the ratio is msee / bird (below 1: msee-emu faster).
"""
import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
POLL = 0.02


def sh(*args, check=True, **kw):
    return subprocess.run(args, check=check, capture_output=True, text=True, **kw).stdout


def say(msg):
    print(msg, flush=True)


class Lab:
    def __init__(self, tag):
        self.ce, self.er = f"{tag}-ce", f"{tag}-er"
        for n in (self.ce, self.er):
            sh("ip", "netns", "add", n)
            sh("ip", "-n", n, "link", "set", "lo", "up")
        for i, (ce_a, er_a) in enumerate((("192.168.100.129", "192.168.100.130"),
                                          ("192.168.100.133", "192.168.100.134")), 1):
            sh("ip", "link", "add", f"c{i}", "netns", self.ce, "type", "veth", "peer", "name",
               f"e{i}", "netns", self.er)
            sh("ip", "-n", self.ce, "addr", "add", f"{ce_a}/30", "dev", f"c{i}")
            sh("ip", "-n", self.er, "addr", "add", f"{er_a}/30", "dev", f"e{i}")
            sh("ip", "-n", self.ce, "link", "set", f"c{i}", "up")
            sh("ip", "-n", self.er, "link", "set", f"e{i}", "up")

    def destroy(self):
        for n in (self.ce, self.er):
            sh("ip", "netns", "del", n, check=False)

    def table(self):
        """(routes, routes over both links, routes via the primary CE address)."""
        out = sh("ip", "-n", self.er, "-o", "route", "show", "table", "1001", check=False)
        lines = [x for x in out.splitlines() if x.strip()]
        both = sum(1 for x in lines if x.count("nexthop") >= 2)
        via1 = sum(1 for x in lines if "192.168.100.129" in x)
        return len(lines), both, via1


def spawn(netns, argv, log):
    f = open(log, "w")
    return subprocess.Popen(["ip", "netns", "exec", netns, *argv], stdout=f, stderr=subprocess.STDOUT,
                            start_new_session=True)


def stop(p):
    if p and p.poll() is None:
        os.killpg(p.pid, signal.SIGTERM)
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()


def ce_config(n, d):
    cfg = {"router": {"asn": 65001, "routerId": "192.168.100.129"},
           "listen": [{"address": "192.168.100.129", "port": 179},
                      {"address": "192.168.100.133", "port": 179}],
           "neighbors": [{"name": f"msee{i}", "address": a, "localAddress": l, "peerAsn": 12076,
                          "connectRetry": 1, "idleHoldTime": 1, "families": ["ipv4-unicast"],
                          "export": False}
                         for i, (a, l) in enumerate((("192.168.100.130", "192.168.100.129"),
                                                     ("192.168.100.134", "192.168.100.133")), 1)],
           "generate": [{"base": "100.64.0.0/24", "count": n}]}
    path = os.path.join(d, "ce.json")
    json.dump(cfg, open(path, "w"))
    return path


def msee_config(d):
    cfg = json.load(open(os.path.join(SRC, "config", "default.json")))
    cfg["emulator"] = {"addressing": "direct", "dataplane": True}
    c = cfg["circuits"][0]
    c["sku"] = {"tier": "Premium", "family": "MeteredData"}  # 10,000 IPv4 routes (R36)
    path = os.path.join(d, "msee.json")
    json.dump(cfg, open(path, "w"))
    return path, c["name"]


def bird_config(d):
    path = os.path.join(d, "bird.conf")
    with open(path, "w") as f:
        f.write("router id 192.168.100.130;\nprotocol device { }\n"
                "ipv4 table t1001;\n"
                "protocol kernel { ipv4 { table t1001; export all; }; kernel table 1001; "
                "merge paths on; learn off; scan time 600; }\n")
        for i, (a, l) in enumerate((("192.168.100.129", "192.168.100.130"),
                                    ("192.168.100.133", "192.168.100.134")), 1):
            f.write(f"protocol bgp p{i} {{ local {l} as 12076; neighbor {a} as 65001; "
                    f"direct; connect retry time 1; ipv4 {{ table t1001; import all; "
                    f"export none; }}; }}\n")
    return path


def wait(lab, cond, timeout):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        st = lab.table()
        if cond(st):
            return time.monotonic(), st
        time.sleep(POLL)
    return None, lab.table()


def run_one(target, n, emu, ctl, tag, d):
    lab = Lab(tag)
    procs = []
    try:
        procs.append(spawn(lab.ce, [emu, "--config", ce_config(n, d)], os.path.join(d, "ce.log")))
        if target == "msee":
            conf, circuit = msee_config(d)
            procs.append(spawn(lab.er, [emu, "--config", conf, "--api", "127.0.0.1:8179"],
                               os.path.join(d, "msee.log")))
        else:
            ctlsock = os.path.join(d, "bird.ctl")
            procs.append(spawn(lab.er, ["bird", "-f", "-c", bird_config(d), "-s", ctlsock,
                                        "-P", os.path.join(d, "bird.pid")],
                               os.path.join(d, "bird.log")))
        t_first, _ = wait(lab, lambda s: s[0] > 0, 60)
        if t_first is None:
            raise RuntimeError(f"{target}: no route in table 1001 within 60 s (logs in {d})")
        t_full, st = wait(lab, lambda s: s[0] == n and s[1] == n, 120)
        if t_full is None:
            raise RuntimeError(f"{target}: table 1001 {st} after 120 s, want {n} over both links")
        full_ms = (t_full - t_first) * 1000
        t0 = time.monotonic()
        if target == "msee":
            sh("ip", "netns", "exec", lab.er, ctl, "--api", "http://127.0.0.1:8179", "link",
               "update", "--circuit", circuit,
               "--link-type", "Primary", "--bgp-state", "Down")
        else:
            sh("birdc", "-s", ctlsock, "disable", "p1")
        t_down, st = wait(lab, lambda s: s[2] == 0 and s[0] == n, 60)
        if t_down is None:
            raise RuntimeError(f"{target}: routes via the primary left after 60 s: {st}")
        return full_ms, (t_down - t0) * 1000
    finally:
        for p in reversed(procs):
            stop(p)
        lab.destroy()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="4000,10000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--targets", default="msee,bird")
    ap.add_argument("--build", default=os.path.join(SRC, "build"),
                    help="the CMake build with msee-emu and msee-ctl (default build/)")
    a = ap.parse_args()
    emu, ctl = os.path.join(a.build, "msee-emu"), os.path.join(a.build, "msee-ctl")
    targets = a.targets.split(",")
    if "bird" in targets and not shutil.which("bird"):
        sys.exit("fib_bench: bird not found (scripts/install-deps.sh --with-test-peers)")
    results = {}
    for n in (int(x) for x in a.sizes.split(",")):
        for run in range(1, a.runs + 1):
            for t in targets:
                d = tempfile.mkdtemp(prefix=f"fib-{t}-")
                full, down = run_one(t, n, emu, ctl, f"fib{os.getpid()}", d)
                results.setdefault((n, t), []).append((full, down))
                say(f"  {n} prefixes, run {run}, {t}: full table {full:.0f} ms, "
                    f"primary link down {down:.0f} ms")
                shutil.rmtree(d, ignore_errors=True)
    say("\nprefixes  target  full table ms (median)  link down ms (median)")
    for (n, t), v in sorted(results.items()):
        say(f"{n:>8}  {t:<6}  {statistics.median(x[0] for x in v):>22.0f}  "
            f"{statistics.median(x[1] for x in v):>21.0f}")
    if "msee" in targets and "bird" in targets:
        say("\nratio msee/bird (below 1: msee-emu faster)")
        for n in sorted({k[0] for k in results}):
            m, b = results[(n, "msee")], results[(n, "bird")]
            say(f"{n:>8}  full table {statistics.median(x[0] for x in m) / statistics.median(x[0] for x in b):.2f}"
                f"  link down {statistics.median(x[1] for x in m) / statistics.median(x[1] for x in b):.2f}")


if __name__ == "__main__":
    main()
