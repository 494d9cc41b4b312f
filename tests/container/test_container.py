#!/usr/bin/env python3
"""The container test (issue #16), with Debian's podman: builds the msee-emu image (from the
Release binaries of build/, scripts/build.sh) and the CE images from Debian's packages, deploys
the shipped containerlab topologies as containerlab would (clab_podman.py reads each .clab.yml)
and checks, against real FRR, BIRD and OpenBGPD in their own containers:
  - the image: uncompressed size under 100 MB, HEALTHCHECK, msee-emu as PID 1 running as user
    msee with no capability, the entrypoint's link addresses and its dot1Q choice;
  - msee-frr: both sessions Established, the VNet routes at the CE with AS path 12076 via both
    MSEEs, the CE's prefix at the MSEE, `podman healthcheck run` healthy, Azure's link failover
    test (R68, the drill `msee-ctl drill failover-test` runs) moving the CE's best path to the
    secondary MSEE and back, SIGTERM (podman stop) sending Cease/Administrative Shutdown;
  - the data plane in every topology (VNet nodes behind the msee node): the CE host pings the
    VMs through the MSEE, both links shaped, the R79 rule rewriting DSCP counts the packets;
  - lab attach on every topology, with drills and the traffic probe; validate-limits on msee-frr;
  - msee-bird, msee-openbgpd (ce-fib-sync puts bgpd's routes into the CE's kernel): sessions,
    routes, data plane; msee-global-reach: each site learns the other, site A's host reaches
    site B's through both circuits, each site its own VNet and not the other's (R74), attach
    with one CE container per circuit.
Exit 0 pass, 1 fail, 77 skip (not root, or podman cannot run a container here).
Environment: MSEE_SOURCE_DIR (the checkout), MSEE_CONTAINER_TOPOLOGIES (a comma list of
topology names to run, default all). The images stay (podman's layer cache makes the next run
fast); the containers are removed by id.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clab_podman import DeployError, Lab, run  # noqa: E402

SRC = os.path.abspath(os.environ.get("MSEE_SOURCE_DIR") or
                      os.path.join(os.path.dirname(__file__), "..", ".."))
TOPO_DIR = os.path.join(SRC, "lab", "containerlab")
MSEE_IMAGE = "localhost/msee-emu:latest"
# The topologies' registry images and the local builds that stand in for them.
CE_IMAGES = {"frr": "localhost/msee-ce-frr:bookworm", "bird": "localhost/msee-ce-bird:bookworm",
             "openbgpd": "localhost/msee-ce-openbgpd:bookworm"}
IMAGE_MAP = {"quay.io/frrouting/frr:8.4.4": CE_IMAGES["frr"]}
SIZE_LIMIT = 100 * 1000 * 1000

failures = []
started = time.monotonic()


def say(msg):
    print(f"[{time.monotonic() - started:6.1f} s] {msg}", flush=True)


def check(what, ok, detail=""):
    say(f"{'ok  ' if ok else 'FAIL'} {what}" + (f": {detail}" if detail and not ok else ""))
    if not ok:
        failures.append(what)
    return ok


def skip(why):
    print(f"SKIP: {why}")
    sys.exit(77)


def podman_setup(tmp):
    """The podman command line that works on these machines (../shared/docs/lab.md): runc with
    cgroupfs, and a containers.conf without default ulimits (crun cannot set RLIMIT_NOFILE)."""
    if os.geteuid() != 0:
        skip("needs root (podman, veth pairs into the containers' namespaces)")
    for b in ("podman", "runc", "debootstrap", "nsenter"):
        if subprocess.run(["sh", "-c", f"command -v {b}"], capture_output=True).returncode:
            skip(f"{b} is not installed (scripts/install-deps.sh --with-test-peers installs it)")
    conf = os.path.join(tmp, "containers.conf")
    with open(conf, "w") as f:
        f.write("[containers]\ndefault_ulimits = []\n")
    os.environ["CONTAINERS_CONF"] = conf
    podman = ["podman", "--runtime", "runc", "--cgroup-manager=cgroupfs"]
    os.environ["PODMAN"] = " ".join(podman)
    return podman


def build_images(podman):
    t = time.monotonic()
    p = subprocess.run(["bash", os.path.join(SRC, "container", "base-image.sh")])
    if p.returncode != 0:
        skip("could not make the Debian base image (debootstrap + podman import)")
    p = run(podman + ["run", "--rm", "--network", "none", "localhost/debian:bookworm", "true"],
            check=False)
    if p.returncode != 0:
        skip(f"podman cannot run a container here: {p.stderr.strip()}")
    say(f"base image ready ({time.monotonic() - t:.1f} s)")
    # The Release binaries CI has just built (a no-op when build/ is up to date).
    t = time.monotonic()
    run(["bash", os.path.join(SRC, "scripts", "build.sh"), "build"], timeout=3600)
    say(f"Release binaries up to date ({time.monotonic() - t:.1f} s)")
    t = time.monotonic()
    p = subprocess.run(podman + ["build", "--format", "docker", "--network", "host", "-q",
                                 "-t", MSEE_IMAGE, SRC], capture_output=True, text=True)
    if not check("the msee-emu image builds", p.returncode == 0, p.stderr[-2000:]):
        return False
    say(f"msee-emu image built ({time.monotonic() - t:.1f} s)")
    # Always built: podman's layer cache makes it a second or two once the packages are in.
    for ce, img in CE_IMAGES.items():
        t = time.monotonic()
        p = subprocess.run(podman + ["build", "--network", "host", "-q", "--build-arg",
                                     f"CE={ce}", "-t", img, "-f",
                                     os.path.join(SRC, "container", "ce", "Containerfile"),
                                     os.path.join(SRC, "container", "ce")],
                           capture_output=True, text=True)
        if not check(f"the {ce} CE image builds", p.returncode == 0, p.stderr[-2000:]):
            return False
        say(f"{img} built ({time.monotonic() - t:.1f} s)")
    return True


def check_image(podman):
    info = json.loads(run(podman + ["image", "inspect", MSEE_IMAGE]).stdout)[0]
    size = info["Size"]
    say(f"image {MSEE_IMAGE}: {size} bytes ({size / 1e6:.1f} MB) uncompressed")
    check(f"image size {size / 1e6:.1f} MB under {SIZE_LIMIT / 1e6:.0f} MB", size < SIZE_LIMIT)
    hc = info.get("Healthcheck") or (info.get("Config") or {}).get("Healthcheck") or {}
    check("image has a HEALTHCHECK running msee-ctl health", "health" in " ".join(hc.get("Test", [])),
          json.dumps(hc))


def msee_ctl(lab, *args, check_rc=True):
    p = lab.exec("msee", "msee-ctl", "-o", "json", *args, check=False)
    if check_rc and p.returncode != 0:
        raise DeployError(f"msee-ctl {' '.join(args)}: {p.returncode} {p.stderr.strip()}")
    return p


def wait_healthy(lab, sessions, timeout=90):
    """msee-ctl health --established in the msee container, with `sessions` sessions."""
    def ready():
        p = msee_ctl(lab, "health", "--established", check_rc=False)
        h = json.loads(p.stdout) if p.stdout.strip() else {}
        return p.returncode == 0 and h.get("sessions") == sessions and h
    t = time.monotonic()
    try:
        lab.wait(f"{sessions} sessions Established", ready, timeout=timeout)
    except DeployError as e:
        check(f"{lab.topo['name']}: {sessions} sessions Established", False, str(e))
        print(lab.logs("msee")[-3000:])
        return False
    return check(f"{lab.topo['name']}: {sessions} sessions Established "
                 f"({time.monotonic() - t:.1f} s after the links)", True)


def vtysh(lab, node, cmd):
    return json.loads(lab.exec(node, "vtysh", "-c", cmd).stdout)


def frr_paths(lab, node, prefix):
    """[(nexthop, aspath, best)] of FRR's table for prefix."""
    d = vtysh(lab, node, f"show ip bgp {prefix} json")
    return [(p["nexthops"][0]["ip"], p["aspath"]["string"], p.get("bestpath", {}).get("overall", False))
            for p in d.get("paths", [])]


def best_via(lab, node, prefix):
    return next((nh for nh, _, best in frr_paths(lab, node, prefix) if best), None)


def check_msee_node(lab):
    name = lab.topo["name"]
    status = lab.exec("msee", "cat", "/proc/1/status").stdout
    fields = dict(l.split(":", 1) for l in status.splitlines() if ":" in l)
    check(f"{name}: PID 1 is msee-emu", fields["Name"].strip() == "msee-emu", fields["Name"])
    check(f"{name}: msee-emu runs as msee (uid 179)", fields["Uid"].split()[0] == "179",
          fields["Uid"])
    # With a data plane (gateway links to VNet nodes) it keeps CAP_NET_ADMIN (bit 12) alone,
    # to write the CE's routes into the tables; without, nothing.
    dataplane = any(e.startswith("msee:gw") for l in lab.topo["links"] for e in l)
    want = 1 << 12 if dataplane else 0
    check(f"{name}: msee-emu holds " + ("CAP_NET_ADMIN alone" if dataplane else "no capability"),
          int(fields["CapEff"], 16) == want and int(fields["CapPrm"], 16) == want,
          fields["CapEff"])
    logs = lab.logs("msee")
    check(f"{name}: the entrypoint waited for the links and chose a VLAN mode",
          "data interface(s) present" in logs and "802.1Q" in logs, logs[-1500:])
    for line in logs.splitlines():
        if "802.1Q" in line:
            say(f"    {line.strip()}")
    return logs


CE_HOST = "10.50.0.1"                 # the CE host, on the CE's lo (msee-frr.clab.yml)
VMS = ("10.1.0.4", "10.2.0.4")        # the hub and spoke VMs on az0's lo (msee-vnet)


def ping_counts(out):
    """(sent, received) from ping's summary line."""
    m = re.search(r"(\d+) packets transmitted, (\d+) (?:packets )?received", out)
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


def check_dataplane(lab):
    """The containerlab data plane: the msee node's tables hold the CE's route over both
    links (msee-emu --dataplane-host), the CE host reaches both VMs through it, and a source
    the CE does not announce gets nothing back (Azure routes only what BGP carried)."""
    name = lab.topo["name"]
    logs = lab.logs("msee")
    check(f"{name} data plane: the entrypoint set up the gateway links",
          "msee-dataplane: gateway link(s) gw0p1 gw0p2" in logs, logs[-1500:])
    try:
        def both_links():
            o = lab.exec("msee", "ip", "route", "show", "table", "1001", "10.50.0.0/16").stdout
            return "192.168.100.129" in o and "192.168.100.133" in o and o
        tbl = lab.wait("10.50.0.0/16 over both CE links in table 1001", both_links, timeout=20)
        check(f"{name} data plane: msee-emu wrote the CE's 10.50.0.0/16 into table 1001 "
              f"over both links", True)
    except DeployError as e:
        check(f"{name} data plane: the CE's route in table 1001", False, str(e))
        tbl = ""
    q = lab.exec("msee", "tc", "qdisc", "show", check=False).stdout
    shaped = [l.split()[4] for l in q.splitlines() if " tbf " in l and "rate 1Gbit" in l]
    check(f"{name} data plane: both CE links and both gateway links shaped to the circuit's "
          f"1,000 Mbit/s (R62, R81)", sorted(d.split(".")[0] for d in shaped) ==
          ["er0p1", "er0p2", "gw0p1", "gw0p2"], q[-800:])
    for vm in VMS:
        try:
            lab.wait(f"the CE's kernel route to {vm}", lambda vm=vm: "via" in lab.exec(
                "ce", "ip", "route", "get", vm, "from", CE_HOST).stdout, timeout=20)
        except DeployError:
            pass
        p = lab.exec("ce", "ping", "-n", "-c", "3", "-i", "0.2", "-W", "2", "-I", CE_HOST, vm,
                     check=False)
        sent, got = ping_counts(p.stdout)
        check(f"{name} data plane: the CE host {CE_HOST} pings the VM {vm} through the MSEE "
              f"({got}/{sent})", p.returncode == 0 and got == sent == 3,
              p.stdout[-500:] + p.stderr[-300:] + tbl)
    # The link address is no announced prefix: its packets reach the VM, the reply has no route.
    p = lab.exec("ce", "ping", "-n", "-c", "2", "-i", "0.2", "-W", "1", "-I", "192.168.100.129",
                 VMS[0], check=False)
    check(f"{name} data plane: the CE's link address, which it does not announce, gets no reply",
          ping_counts(p.stdout)[1] == 0, p.stdout[-400:])
    check_r79(lab)


def check_r79(lab):
    """R79 in the msee node: the mangle chain MSEE_R79 zeroes DSCP both ways on private peering
    and has counted the pings that crossed it (iptables in the image, container/dataplane.sh)."""
    out = lab.exec("msee", "iptables", "-w", "-t", "mangle", "-L", "MSEE_R79", "-v", "-x", "-n",
                   check=False)
    pkts = sum(int(l.split()[0]) for l in out.stdout.splitlines()
               if "DSCP" in l and l.split()[0].isdigit())
    check(f"{lab.topo['name']} data plane: MSEE_R79 (DSCP 0 on private peering) rewrote {pkts} "
          f"packets", out.returncode == 0 and pkts > 0, out.stdout[-600:] + out.stderr[-300:])


def lab_cli(*args, timeout=180):
    """msee-ctl's lab side (python3 -m msee_lab, as the msee-ctl wrapper runs it) on the host,
    JSON out; (return code, parsed JSON or None, stderr)."""
    env = dict(os.environ, PYTHONPATH=os.path.join(SRC, "src", "lab"),
               MSEE_LAB_DIR=os.environ["MSEE_LAB_DIR"])
    p = subprocess.run([sys.executable, "-m", "msee_lab", "--lab-name", "msee-ct", "-o", "json",
                        *args], capture_output=True, text=True, timeout=timeout, env=env)
    try:
        doc = json.loads(p.stdout) if p.stdout.strip() else None
    except ValueError:
        doc = None
    return p.returncode, doc, p.stderr


def check_attach(lab, ce_kind="frr-container", drills=("failover-test", "silent-failure"),
                 sessions=2, sites=0, limits=True):
    """msee-ctl lab attach on the containerlab lab, then drills with the traffic probe between
    the CE host and the VMs, then lab down, which must leave the containers running. An FRR CE
    is sampled over its vty sockets, BIRD over its control socket, another from the MSEE side
    (external); sites: that many CE containers, one per circuit."""
    rt = " ".join(lab.podman)
    rc, st, err = lab_cli("lab", "attach", "--containerlab", lab.topo["name"], "--runtime", rt)
    ok = check(f"lab attach: {lab.topo['name']} as lab msee-ct, the CE sampled as {ce_kind}"
               + (f", {sites} sites" if sites else ""),
               rc == 0 and st and st.get("ce") == ce_kind and
               [x["state"] for x in st.get("sessions", [])] == ["Established"] * sessions and
               len(st.get("ceSessions", [])) == sessions and
               len(st.get("sites", [])) == sites, f"rc {rc}: {err[-1500:]}")
    if ok:
        for drill in drills:
            extra = ["--hold", "2"]
            rc, r, err = lab_cli("drill", drill, *extra, "--probe-interval-ms", "2")
            t = (r or {}).get("traffic") or {}
            dirs = t.get("directions", {})
            lost = {d: (x["lost"], x["sent"], x["worstOutageMs"]) for d, x in dirs.items()}
            check(f"drill {drill} on {lab.topo['name']}: passed, traffic probed both ways "
                  f"(lost/sent/worst ms per direction: {lost})",
                  rc == 0 and r and r.get("ok") and len(dirs) == 2 and
                  all(x["sent"] > 0 for x in dirs.values()),
                  f"rc {rc}: {json.dumps((r or {}).get('checks'))[:1500]} {err[-1500:]}")
    if ok and ce_kind == "frr-container" and limits:
        # The route limit through the CE's own FRR (vtysh over its sockets): 4,000 accepted,
        # 4,001 dropped with Cease/1 on both sessions, back after the 60 s restart time (R36).
        rc, v, err = lab_cli("validate-limits", timeout=300)
        rows = (v or {}).get("rows", [])
        check("validate-limits on the containerlab lab: 4,000 accepted, 4,001 dropped with "
              "Cease/1, recovered (R36)", rc == 0 and v and v.get("ok") and len(rows) == 2,
              f"rc {rc}: {json.dumps(rows)[:1200]} {err[-800:]}")
    rc, down, err = lab_cli("lab", "down")
    running = [n for n in lab.ids if lab.pm("inspect", "-f", "{{.State.Running}}",
                                            lab.ids[n]).stdout.strip() == "true"]
    check("lab down detaches: names gone, every container still running",
          rc == 0 and sorted(running) == sorted(lab.ids) and
          not any(n.startswith("msee-ct-") for n in
                  run(["ip", "netns", "list"]).stdout.split()),
          f"rc {rc} {err[-500:]} running {running}")


def test_frr(lab):
    if not wait_healthy(lab, 2):
        return
    check_msee_node(lab)
    for pfx in ("10.1.0.0/16", "10.2.0.0/16"):
        paths = lab.wait(f"{pfx} via both MSEEs at the CE",
                         lambda: len(frr_paths(lab, "ce", pfx)) == 2 and frr_paths(lab, "ce", pfx))
        check(f"CE holds {pfx} via both MSEEs with AS path 12076",
              sorted((nh, ap) for nh, ap, _ in paths) ==
              [("192.168.100.130", "12076"), ("192.168.100.134", "12076")], str(paths))
    def received():
        return json.loads(msee_ctl(lab, "routes", "--circuit", "er-lab-circuit", "--peering-name",
                                   "AzurePrivatePeering", "--path", "primary",
                                   "--received").stdout)
    # The CE's own announcement may come a moment after the MSEE's routes reached it (the
    # CI of 6a39492 read the table 1 s after Established and found it still empty): wait.
    try:
        rx = lab.wait("the CE's route at the primary MSEE",
                      lambda: (lambda r: r if r["value"] else None)(received()), timeout=20)
    except DeployError as e:
        rx = {"error": str(e)}
    check("the primary MSEE holds the CE's 10.50.0.0/16",
          [r["prefix"] for r in rx.get("value", [])] == ["10.50.0.0/16"], json.dumps(rx)[:500])
    p = lab.pm("healthcheck", "run", lab.ids["msee"], check=False)
    check("podman healthcheck run: healthy", p.returncode == 0, p.stdout + p.stderr)
    check_dataplane(lab)
    # The drill: Azure's link failover test (R68), the CE sampled through podman exec vtysh,
    # with traffic from the CE host to the hub VM all along (20 pings a second).
    pinger = subprocess.Popen(lab.podman + ["exec", lab.ids["ce"], "ping", "-n", "-i", "0.05",
                                            "-W", "1", "-w", "8", "-I", CE_HOST, VMS[0]],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    t = time.monotonic()
    msee_ctl(lab, "failover-test", "start", "--circuit", "er-lab-circuit", "--link-type",
             "Primary", "--category", "BgpDisconnect")
    try:
        lab.wait("the CE's best path via the secondary",
                 lambda: best_via(lab, "ce", "10.1.0.0/16") == "192.168.100.134", timeout=20)
        check(f"failover test: the CE moved 10.1.0.0/16 to the secondary MSEE in "
              f"{time.monotonic() - t:.2f} s", True)
    except DeployError as e:
        check("failover test: the CE moved to the secondary MSEE", False, str(e))
    st = json.loads(msee_ctl(lab, "failover-test", "stop", "--circuit", "er-lab-circuit",
                             "--link-type", "Primary").stdout)
    check("failover test: wasSimulationSuccessful, routes non-redundant during it",
          st.get("wasSimulationSuccessful") is True and
          "10.50.0.0/16" in st.get("nonRedundantPrefixesDuring", []), json.dumps(st)[:800])
    t = time.monotonic()
    try:
        lab.wait("the CE's best path back via the primary",
                 lambda: best_via(lab, "ce", "10.1.0.0/16") == "192.168.100.130", timeout=40)
        check(f"failover test ended: the CE is back on the primary in "
              f"{time.monotonic() - t:.1f} s", True)
    except DeployError as e:
        check("failover test ended: the CE is back on the primary", False, str(e))
    out, _ = pinger.communicate(timeout=30)
    sent, got = ping_counts(out)
    # Both MSEEs forward the whole time (BgpDisconnect takes BGP down, not the link): a drop
    # of more than a few packets means the data plane did not follow the routes.
    check(f"failover test: the CE host's ping to {VMS[0]} through it: {sent} sent, "
          f"{sent - got} lost", sent >= 100 and sent - got <= max(5, sent // 20), out[-600:])
    check_attach(lab)
    # SIGTERM (podman stop): Cease/Administrative Shutdown to every peer, then exit 0.
    # Only what FRR logs from now on: the failover test above sent the primary one already.
    seen = len(lab.exec("ce", "cat", "/var/log/frr/frr.log").stdout.splitlines())
    lab.pm("stop", "-t", "10", lab.ids["msee"])
    log = "\n".join(lab.exec("ce", "cat", "/var/log/frr/frr.log").stdout.splitlines()[seen:])
    got = [a for a in ("192.168.100.130", "192.168.100.134")
           if any(a in l and "received" in l and "Cease/Administrative Shutdown" in l
                  for l in log.splitlines())]
    check("SIGTERM: the CE got Cease/Administrative Shutdown from both MSEEs", len(got) == 2,
          "\n".join(l for l in log.splitlines() if "NOTIFICATION" in l) or log[-1500:])
    code = lab.pm("inspect", "-f", "{{.State.ExitCode}}", lab.ids["msee"]).stdout.strip()
    check("SIGTERM: msee-emu exited 0", code == "0", code)


def test_bird(lab):
    if not wait_healthy(lab, 2):
        return
    check_msee_node(lab)

    def routes():
        out = lab.exec("ce", "birdc", "-s", "/run/bird/bird.ctl", "show", "route", "for",
                       "10.1.0.0/16", "all").stdout
        return out.count("BGP.as_path: 12076") == 2 and out
    try:
        lab.wait("10.1.0.0/16 via both MSEEs in BIRD", routes, timeout=30)
        check("BIRD CE holds 10.1.0.0/16 via both MSEEs with AS path 12076", True)
    except DeployError as e:
        check("BIRD CE holds 10.1.0.0/16 via both MSEEs", False, str(e))
    check_dataplane(lab)
    check_attach(lab, "bird-container", ("failover-test",))


def test_openbgpd(lab):
    if not wait_healthy(lab, 2):
        return
    check_msee_node(lab)

    def routes():
        out = lab.exec("ce", "bgpctl", "show", "rib", "10.1.0.0/16").stdout
        return out.count(" 12076 i") == 2 and out
    try:
        lab.wait("10.1.0.0/16 via both MSEEs in OpenBGPD", routes, timeout=30)
        check("OpenBGPD CE holds 10.1.0.0/16 via both MSEEs with AS path 12076", True)
    except DeployError as e:
        check("OpenBGPD CE holds 10.1.0.0/16 via both MSEEs", False, str(e))
    # OpenBGPD portable leaves Linux's FIB alone: ce-fib-sync writes bgpd's choice into it.
    try:
        k = lab.wait("bgpd's routes in the CE's kernel", lambda: all(
            p in lab.exec("ce", "ip", "route", "show", "proto", "bgp").stdout
            for p in ("10.1.0.0/16", "10.2.0.0/16")) and lab.exec(
                "ce", "ip", "route", "show", "proto", "bgp").stdout, timeout=20)
        check("ce-fib-sync: the CE's kernel routes 10.1.0.0/16 and 10.2.0.0/16 (proto bgp) "
              "via an MSEE", "via 192.168.100.13" in k, k)
    except DeployError as e:
        check("ce-fib-sync: bgpd's routes in the CE's kernel", False,
              str(e) + lab.logs("ce")[-800:])
    check_dataplane(lab)
    check_attach(lab, "external", ("failover-test",))


def test_global_reach(lab):
    if not wait_healthy(lab, 4):
        return
    check_msee_node(lab)
    for node, pfx in (("site-a", "10.60.0.0/16"), ("site-b", "10.50.0.0/16")):
        try:
            paths = lab.wait(f"{pfx} at {node}", lambda: frr_paths(lab, node, pfx), timeout=30)
            check(f"Global Reach: {node} learns the other site's {pfx} through the MSEEs",
                  all(ap.startswith("12076") for _, ap, _ in paths), str(paths))
        except DeployError as e:
            check(f"Global Reach: {node} learns {pfx}", False, str(e))


    # The data plane (R74): the sites reach each other and their own circuit's VNet only.
    sa, sb = "10.50.0.1", "10.60.0.1"
    for node, src, dst, what, want in (
            ("site-a", sa, sb, "site A's host reaches site B's through both circuits", True),
            ("site-b", sb, sa, "site B's host reaches site A's", True),
            ("site-a", sa, "10.1.0.4", "site A reaches its own circuit's VNet VM", True),
            ("site-b", sb, "10.2.0.4", "site B reaches its own circuit's VNet VM", True),
            ("site-a", sa, "10.2.0.4", "site A does not reach er-london's VNet", False)):
        if want:
            try:
                lab.wait(f"{node}'s route to {dst}", lambda: "via" in lab.exec(
                    node, "ip", "route", "get", dst, "from", src).stdout, timeout=20)
            except DeployError:
                pass
        p = lab.exec(node, "ping", "-n", "-c", "3", "-i", "0.2", "-W", "1", "-I", src, dst,
                     check=False)
        sent, got = ping_counts(p.stdout)
        check(f"Global Reach data plane: {what} ({got}/{sent})",
              got == sent == 3 if want else got == 0, p.stdout[-400:] + p.stderr[-200:])
    check_r79(lab)
    check_attach(lab, drills=("failover-test",), sessions=4, sites=2, limits=False)


def check_template(path):
    """The vendor-CE template cannot run here (no vendor image): its file parses, its links
    end on the MSEE's er0p1/er0p2, and every file it names exists."""
    import yaml
    with open(path) as f:
        doc = yaml.safe_load(f)
    nodes = doc["topology"]["nodes"]
    eps = sorted(e for l in doc["topology"]["links"] for e in l["endpoints"] if e.startswith("msee:"))
    check("vendor template: links on msee:er0p1 and msee:er0p2", eps == ["msee:er0p1", "msee:er0p2"],
          str(eps))
    files = [b.split(":")[0] for n in nodes.values() for b in n.get("binds") or []]
    files += [n["startup-config"] for n in nodes.values() if "startup-config" in n]
    with open(path) as f:  # the commented-out alternatives name their configs too
        files += [l.split(":", 1)[1].strip() for l in f if "startup-config:" in l]
    missing = [x for x in set(files) if not os.path.exists(os.path.join(os.path.dirname(path), x))]
    check(f"vendor template: the {len(set(files))} files it names exist", not missing, str(missing))


TESTS = {"msee-frr": test_frr, "msee-bird": test_bird, "msee-openbgpd": test_openbgpd,
         "msee-global-reach": test_global_reach}


def main():
    with tempfile.TemporaryDirectory(prefix="msee-container.") as tmp:
        os.environ["MSEE_LAB_DIR"] = os.path.join(tmp, "labs")
        podman = podman_setup(tmp)
        if not build_images(podman):
            return 1
        check_image(podman)
        check_template(os.path.join(TOPO_DIR, "msee-vendor-ce.clab.yml"))
        image_map = dict(IMAGE_MAP)
        wanted = os.environ.get("MSEE_CONTAINER_TOPOLOGIES", ",".join(TESTS)).split(",")
        for name in wanted:
            path = os.path.join(TOPO_DIR, f"{name}.clab.yml")
            lab = Lab(path, podman, image_map, tmp)
            t = time.monotonic()
            try:
                lab.deploy()
                say(f"{name}: deployed ({time.monotonic() - t:.1f} s)")
                TESTS[name](lab)
            except (DeployError, subprocess.TimeoutExpired) as e:
                check(f"{name}: deploy and test", False, str(e))
                if "msee" in lab.ids:
                    print(lab.logs("msee")[-3000:])
            finally:
                lab.destroy()
            say(f"{name}: done ({time.monotonic() - t:.1f} s)")
    say(f"{'FAILED: ' + '; '.join(failures) if failures else 'all checks passed'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
