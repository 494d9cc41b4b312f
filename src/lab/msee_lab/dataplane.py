"""The lab's data plane (issue #13): traffic from a CE host through the MSEE to an Azure VM.

    <lab>-ce            <lab>-er                                      <lab>-az<C>
    lo: CE hosts ─ CE link ─ er<C>p<L>… ── table 1000+10C+pt (the CE's routes, msee-emu;
                                         │   with Global Reach the CE side looks up +5,
                                         │   which adds the linked site's routes, R74)
                                         └─ table 2000+10C+L(+2 ms) ─ gw<C>p<L> ══ az<C>p<L>  lo: VMs

One namespace per circuit stands for Azure: its VMs (VNet prefix + 4, Azure keeps .0-.3) and
Microsoft's service addresses sit on its lo, reached over a veth per MSEE (the gateway path,
MTU 1,400, Q9). The er namespace has no VRF devices (this kernel has none): a routing table per
circuit and peering, selected by `ip rule iif …`, each incoming interface ending on an
`unreachable` rule so nothing falls through to the main table and circuits stay apart.
msee-emu writes the CE's routes into the peering tables (protocol 201, multipath over both CE
links); everything else here is the lab's: the Azure side, the rules, the sysctls, tbf shaping to
the circuit's bandwidth per link and direction (R62, R81), the Microsoft peering source check
(R78, iptables chain MSEE_R78) and DSCP 0 on private peering (R79, mangle chain MSEE_R79).
"""
import ipaddress
import re

from . import ce as ce_mod
from . import topology
from .util import LabError, ip, run, say

PT_NO = {"AzurePrivatePeering": 1, "MicrosoftPeering": 2, "AzurePublicPeering": 3}
LINK_TABLE_OFFSET = {"AzurePrivatePeering": 0, "MicrosoftPeering": 2, "AzurePublicPeering": 4}
GW_MTU = 1400           # Q9: the gateway path carries at most 1,400-byte packets
DEFAULT_MBPS = 50
RULE_BASE = 1000        # per-interface rules; the main table's rule is 32766
RULE_LOCAL = 40000      # after main: locally generated packets (ICMP errors) by source address
R78_CHAIN, R79_CHAIN = "MSEE_R78", "MSEE_R79"
CE_ROUTE_PROTO = 201


def az_netns(lab, c):
    return f"{lab}-az{c}"


def az_namespaces(lab, have):
    """The az namespaces of lab `lab` among the names `have` (works after a crash)."""
    pat = re.compile(re.escape(lab) + r"-az\d+")
    return sorted(n for n in have if pat.fullmatch(n))


def path_no(path):
    return 1 if path == "primary" else 2


def peering_table(s):
    """msee-emu's table for the session's circuit and peering (plan's "table" when it has one)."""
    return s.get("table") or 1000 + 10 * s["circuitIndex"] + PT_NO[s["peeringType"]]


def site_table(s):
    """What the CE's side looks up: with Global Reach the own and the linked site's routes; the
    Azure side keeps peering_table, so a VNet never reaches the other site (R74)."""
    return s.get("siteTable") or peering_table(s)


def link_table(c, l, pt):
    return 2000 + 10 * c + l + LINK_TABLE_OFFSET[pt]


def gw_addrs(c, l):
    if c > 255:
        raise LabError("the data plane numbers at most 256 circuits")
    o = 4 * (l - 1)
    return {"er4": f"169.254.{c}.{o + 1}", "az4": f"169.254.{c}.{o + 2}",
            "er6": f"fdbb:a2:{c:x}:{l}::1", "az6": f"fdbb:a2:{c:x}:{l}::2"}


def first_host(prefix):
    """The CE host of a prefix it announces: its first address (the address of a /32)."""
    net = ipaddress.ip_network(prefix, strict=False)
    return str(net.network_address + 1) if net.num_addresses > 1 else str(net.network_address)


def vm_address(prefix):
    """The first VM of a VNet prefix: network + 4 (Azure reserves .0-.3 of every subnet)."""
    net = ipaddress.ip_network(prefix, strict=False)
    return str(net.network_address + 4) if net.num_addresses >= 8 else first_host(prefix)


def service_address(prefix):
    """One address of a Microsoft peering prefix: network + 1, or the network of a /31, /32."""
    net = ipaddress.ip_network(prefix, strict=False)
    return str(net.network_address + 1) if net.num_addresses > 2 else str(net.network_address)


def family_of(addr):
    return "ipv6" if ":" in addr else "ipv4"


def bandwidth_of(s, cfg):
    """The circuit's bandwidth: the plan's, else the circuit config's, else 50 Mbps."""
    if s.get("bandwidthInMbps"):
        return int(s["bandwidthInMbps"])
    found = []

    def walk(x):
        if isinstance(x, dict):
            if x.get("name") == s["circuit"]:
                spp = x.get("serviceProviderProperties") or x.get("properties", {}).get(
                    "serviceProviderProperties") or {}
                if spp.get("bandwidthInMbps"):
                    found.append(int(spp["bandwidthInMbps"]))
                bw = x.get("bandwidthInGbps") or x.get("properties", {}).get("bandwidthInGbps")
                if bw:
                    found.append(int(float(bw) * 1000))
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
    walk(cfg)
    return found[0] if found else DEFAULT_MBPS


def layout(lab, plan, topo, opts, cfg=None, site_opts=None):
    """What the data plane is made of, from the plan alone (no side effects): circuits with
    their links, tables and Azure addresses, the CE hosts, the probe pairs and ifLinks.
    site_opts {circuit index: CE options}: one CE per circuit (sites.py), each with its own
    prefixes, in its own namespace (topology's ceNetns)."""
    opts_of = lambda c: (site_opts or {}).get(c, opts)  # noqa: E731
    by_name = {s["name"]: s for s in plan["sessions"]}
    circuits = {}
    for s in plan["sessions"]:
        c = s["circuitIndex"]
        cc = circuits.setdefault(c, {"circuit": s["circuit"], "circuitIndex": c,
                                     "azNetns": az_netns(lab, c), "links": {},
                                     "peerings": {}, "azure": [],
                                     "bandwidthInMbps": bandwidth_of(s, cfg or {})})
        l = path_no(s["path"])
        link = cc["links"].setdefault(l, {"path": s["path"], "gw": f"gw{c}p{l}",
                                          "az": f"az{c}p{l}", **gw_addrs(c, l), "erDevs": []})
        dev = topo["interfaces"][s["name"]]["er"]
        if dev not in link["erDevs"]:
            link["erDevs"].append(dev)
        pe = cc["peerings"].setdefault(s["peeringType"], {"table": peering_table(s),
                                                          "siteTable": site_table(s),
                                                          "sessions": []})
        pe["sessions"].append(s["name"])
    for a in plan["advertisements"]:
        tos = [by_name[t] for t in a["to"] if t in by_name]
        if not tos or ipaddress.ip_network(a["prefix"], strict=False).prefixlen == 0:
            continue
        s = tos[0]
        cc = circuits[s["circuitIndex"]]
        pt = s["peeringType"]
        addr = vm_address(a["prefix"]) if pt == "AzurePrivatePeering" else \
            service_address(a["prefix"])
        if any(x["prefix"] == a["prefix"] and x["peeringType"] == pt for x in cc["azure"]):
            continue
        cc["azure"].append({"prefix": a["prefix"], "address": addr, "peeringType": pt,
                            "family": family_of(addr), "origin": a.get("origin", "")})
    ce_hosts = {}
    for s in plan["sessions"]:
        for p in ce_mod.own_prefixes(s, opts_of(s["circuitIndex"])):
            h = ce_hosts.setdefault((s["circuitIndex"], s["peeringType"], family_of(p), p), {
                "address": first_host(p), "prefix": p, "circuit": s["circuit"],
                "circuitIndex": s["circuitIndex"], "peeringType": s["peeringType"],
                "family": family_of(p)})
            if site_opts:
                h["ceNetns"] = topology.ce_ns_of(topo, s["circuitIndex"])
            h.setdefault("sessions", []).append(s["name"])
    pairs = []
    for cc in circuits.values():
        for pt in cc["peerings"]:
            for fam in ("ipv4", "ipv6"):
                hosts = [h for k, h in ce_hosts.items() if k[:3] == (cc["circuitIndex"], pt, fam)]
                vms = [x for x in cc["azure"] if x["peeringType"] == pt and x["family"] == fam]
                if hosts and vms:
                    pairs.append({"circuit": cc["circuit"], "circuitIndex": cc["circuitIndex"],
                                  "peeringType": pt, "family": fam,
                                  "ceHost": hosts[0]["address"],
                                  "ceNetns": topology.ce_ns_of(topo, cc["circuitIndex"]),
                                  "vm": vms[0]["address"], "azNetns": cc["azNetns"]})
    if_links = {}
    for s in plan["sessions"]:
        cns = topology.ce_ns_of(topo, s["circuitIndex"])
        if_links[f"{cns}/{topo['interfaces'][s['name']]['ce']}"] = {
            "circuit": s["circuit"], "path": s["path"]}
    for cc in circuits.values():
        for link in cc["links"].values():
            if_links[f"{cc['azNetns']}/{link['az']}"] = {"circuit": cc["circuit"],
                                                         "path": link["path"]}
    return {"circuits": circuits, "ceHosts": list(ce_hosts.values()), "pairs": pairs,
            "ifLinks": if_links}


def gateways(plan):
    """The `gateways` member of msee-emu's `emulator.dataplane` config."""
    out = {}
    for s in plan["sessions"]:
        out[f"{s['circuit']}/{s['path']}"] = f"gw{s['circuitIndex']}p{path_no(s['path'])}"
    return out


def emu_supports_dataplane(emu):
    try:
        return "--dataplane" in run([emu, "--help"], check=False)
    except LabError:
        return False


# ------------------------------------------------------------------------------ building
def batch(ns, lines, what, fam=None):
    """`ip -batch` in namespace ns (IPv6 with fam="ipv6": -6 applies to every line)."""
    if lines:
        opt = ["-6"] if fam == "ipv6" else ["-4"] if fam == "ipv4" else []
        try:
            run(["ip", *opt, "-n", ns, "-batch", "-"], input="".join(x + "\n" for x in lines))
        except LabError as e:
            raise LabError(f"data plane ({what} in {ns}): {e}")


def sysctl(ns, *settings):
    run(["ip", "netns", "exec", ns, "sysctl", "-q", "-w", *settings])


def nsexec(ns, *argv, check=True):
    return run(["ip", "netns", "exec", ns, *argv], check=check)


def routing_sysctls(ns):
    sysctl(ns, "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1",
           "net.ipv4.fib_multipath_hash_policy=1", "net.ipv6.fib_multipath_hash_policy=1",
           "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0")


def rp_filter_off(ns):
    devs = nsexec(ns, "ls", "/proc/sys/net/ipv4/conf").split()
    sysctl(ns, *[f"net.ipv4.conf.{d}.rp_filter=0" for d in devs])


def tbf(ns, dev, mbps):
    """Egress shaping to `mbps` with a short queue: a burst of 4 ms (at least 16 kB), and what
    waits longer than 4 ms is dropped (a policer's effect; this kernel has no tc police)."""
    burst = max(16 * 1024, mbps * 1_000_000 // 8 * 4 // 1000)
    run(["tc", "-n", ns, "qdisc", "replace", "dev", dev, "root", "tbf", "rate", f"{mbps}mbit",
         "burst", str(burst), "latency", "4ms"])
    return {"netns": ns, "dev": dev, "rateMbit": mbps}


def ipt(ns, fam, *args):
    nsexec(ns, "iptables" if fam == "ipv4" else "ip6tables", "-w", *args)


def build(lab, plan, topo, opts, cfg=None, site_opts=None):
    """Builds the data plane next to the lab's topology; returns the record for lab.json."""
    lay = layout(lab, plan, topo, opts, cfg, site_opts)
    ns = topo["netns"]
    er = ns["er"]
    # Every CE namespace: the one CE's, or each site's (one CE per circuit).
    cens = sorted({topology.ce_ns_of(topo, s["circuitIndex"]) for s in plan["sessions"]})
    have = set(ip("netns", "list", check=False).split())
    for cc in lay["circuits"].values():
        if cc["azNetns"] in have:
            raise LabError(f"network namespace {cc['azNetns']} already exists "
                           f"(run: msee-ctl lab down)")
    routing_sysctls(er)
    for n in cens:
        routing_sysctls(n)
    sysctl(er, "net.ipv4.icmp_errors_use_inbound_ifaddr=1")
    shaping, er_lines = [], []
    rules = {"ipv4": [], "ipv6": []}
    prio = RULE_BASE
    sessions = {s["name"]: s for s in plan["sessions"]}
    for c, cc in sorted(lay["circuits"].items()):
        az = cc["azNetns"]
        ip("netns", "add", az)
        sysctl(az, "net.ipv4.fib_multipath_hash_policy=1", "net.ipv6.fib_multipath_hash_policy=1",
               "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0")
        az_lines = ["link set lo up"]
        for a in cc["azure"]:
            plen = 32 if a["family"] == "ipv4" else 128
            az_lines.append(f"addr add {a['address']}/{plen} dev lo")
            # Only the VM answers: the rest of its prefix is unreachable, not bounced back.
            az_lines.append(f"route add unreachable {a['prefix']}")
        nh4, nh6 = [], []
        for l, link in sorted(cc["links"].items()):
            ip("link", "add", link["gw"], "netns", er, "mtu", str(GW_MTU), "type", "veth",
               "peer", "name", link["az"], "netns", az, "mtu", str(GW_MTU))
            er_lines += [f"addr add {link['er4']}/30 dev {link['gw']}",
                         f"addr add {link['er6']}/64 dev {link['gw']} nodad",
                         f"link set {link['gw']} up"]
            az_lines += [f"addr add {link['az4']}/30 dev {link['az']}",
                         f"addr add {link['az6']}/64 dev {link['az']} nodad",
                         f"link set {link['az']} up"]
            nh4.append(f"nexthop via {link['er4']} dev {link['az']}")
            nh6.append(f"nexthop via {link['er6']} dev {link['az']}")
            for a in cc["azure"]:
                t = link_table(c, l, a["peeringType"])
                via = link["az4"] if a["family"] == "ipv4" else link["az6"]
                er_lines.append(f"route add {a['prefix']} via {via} dev {link['gw']} table {t}")
            # From the CE's side of the link: the CE's routes of the peering (Global Reach,
            # other sites), then the link's way to Azure, then nothing.
            for dev in link["erDevs"]:
                pts = {sessions[n]["peeringType"] for n in sessions
                       if topo["interfaces"][n]["er"] == dev}
                for fam in rules:
                    for pt in sorted(pts):
                        rules[fam] += [f"add iif {dev} lookup {cc['peerings'][pt]['siteTable']} "
                                       f"pref {prio}",
                                       f"add iif {dev} lookup {link_table(c, l, pt)} "
                                       f"pref {prio + 1}"]
                    rules[fam].append(f"add iif {dev} unreachable pref {prio + 2}")
                prio += 3
            # From Azure's side: by source, the peering whose prefix it is; then nothing.
            for a in cc["azure"]:
                rules[a["family"]].append(f"add iif {link['gw']} from {a['prefix']} lookup "
                                          f"{cc['peerings'][a['peeringType']]['table']} pref {prio}")
            for fam in rules:
                # The gateway's own address (ICMP errors from the Azure side): any peering.
                for pt in sorted(cc["peerings"]):
                    rules[fam].append(f"add iif {link['gw']} from "
                                      f"{link['az4' if fam == 'ipv4' else 'az6']} lookup "
                                      f"{cc['peerings'][pt]['table']} pref {prio}")
                rules[fam].append(f"add iif {link['gw']} unreachable pref {prio + 1}")
                for pt in sorted(cc["peerings"]):
                    rules[fam].append(f"add from {link['er4' if fam == 'ipv4' else 'er6']} "
                                      f"lookup {link_table(c, l, pt)} pref {RULE_LOCAL}")
            prio += 2
        # Replies a VM sends from an unbound socket (an iperf3 server) leave from its VM
        # address, not from the gateway link's 169.254/fdbb:a2 one the CE cannot route back to.
        src = {f: next((a["address"] for a in cc["azure"] if a["family"] == f), None)
               for f in ("ipv4", "ipv6")}
        az_lines.append("route add default " + (f"src {src['ipv4']} " if src["ipv4"] else "")
                        + " ".join(nh4))
        batch(az, az_lines, "Azure side")
        batch(az, ["route add default " + (f"src {src['ipv6']} " if src["ipv6"] else "")
                   + " ".join(nh6)], "Azure side", "ipv6")
        rp_filter_off(az)
    batch(er, er_lines, "gateway links")
    # ICMP errors the MSEE sends (TTL exceeded for traceroute, fragmentation needed) leave
    # from the address of the interface the packet came in on (inbound_ifaddr, and IPv6's own
    # choice): that address's peering table takes them back to the CE.
    for s in plan["sessions"]:
        rules[s["family"]].append(f"add from {s['mseeAddress']} lookup {peering_table(s)} "
                                  f"pref {RULE_LOCAL}")
    # Ports that carry no session (a dot1Q parent) end on `unreachable` too.
    for link in topo["links"]:
        parent = topology.link_devs(link["circuitIndex"], link["path"])["er"]
        if parent not in {d for cc in lay["circuits"].values()
                                     for li in cc["links"].values() for d in li["erDevs"]}:
            for fam in rules:
                rules[fam].append(f"add iif {parent} unreachable pref {prio}")
            prio += 1
    batch(er, ["rule " + x for x in rules["ipv4"]], "IPv4 rules", "ipv4")
    batch(er, ["rule " + x for x in rules["ipv6"]], "IPv6 rules", "ipv6")
    rp_filter_off(er)
    for n in cens:
        rp_filter_off(n)
    # Bandwidth per link and direction: to the CE on the MSEE's CE link devices, to Azure on
    # the gateway veth (R62, R81: each link carries the circuit's bandwidth).
    for cc in lay["circuits"].values():
        for link in cc["links"].values():
            for dev in link["erDevs"]:
                shaping.append(tbf(er, dev, cc["bandwidthInMbps"]))
            shaping.append(tbf(er, link["gw"], cc["bandwidthInMbps"]))
    firewall(er, plan, topo)
    for n in cens:
        ce_lines = sorted({f"addr add {h['address']}/{32 if h['family'] == 'ipv4' else 128} "
                           f"dev lo" for h in lay["ceHosts"] if h.get("ceNetns", n) == n})
        batch(n, ce_lines, "CE hosts")
    rec = {"enabled": True, "azNetns": [cc["azNetns"] for cc in lay["circuits"].values()],
           "circuits": [{k: v for k, v in cc.items() if k != "links"}
                        | {"links": list(cc["links"].values())}
                        for cc in lay["circuits"].values()],
           "ceHosts": lay["ceHosts"], "pairs": lay["pairs"], "ifLinks": lay["ifLinks"],
           "shaping": shaping, "chains": {"R78": R78_CHAIN, "R79": R79_CHAIN},
           "gwMtu": GW_MTU, "ceRoutes": "msee-emu"}
    return rec


def firewall(er, plan, topo):
    """R78: on Microsoft peering only the customer's advertisedPublicPrefixes may be the source
    (a CE that forgot its NAT is dropped, counted in MSEE_R78). R79: DSCP 0 on private peering,
    both directions (MSEE_R79 in mangle)."""
    devs = {}
    for s in plan["sessions"]:
        dev = topo["interfaces"][s["name"]]["er"]
        d = devs.setdefault(dev, {"pts": set(), "public": {"ipv4": [], "ipv6": []}})
        d["pts"].add(s["peeringType"])
        if s["peeringType"] == "MicrosoftPeering":
            for p in s.get("advertisedPublicPrefixes") or []:
                d["public"][family_of(p)].append(p)
    for fam in ("ipv4", "ipv6"):
        ipt(er, fam, "-N", R78_CHAIN)
        ipt(er, fam, "-t", "mangle", "-N", R79_CHAIN)
        ipt(er, fam, "-A", "FORWARD", "-j", R78_CHAIN)
        ipt(er, fam, "-t", "mangle", "-A", "FORWARD", "-j", R79_CHAIN)
        for dev, d in sorted(devs.items()):
            if "MicrosoftPeering" in d["pts"]:
                for p in sorted(set(d["public"][fam])):
                    ipt(er, fam, "-A", R78_CHAIN, "-i", dev, "-s", p, "-j", "RETURN")
                ipt(er, fam, "-A", R78_CHAIN, "-i", dev, "-j", "DROP")
            if "AzurePrivatePeering" in d["pts"]:
                for way in ("-i", "-o"):
                    ipt(er, fam, "-t", "mangle", "-A", R79_CHAIN, way, dev, "-j", "DSCP",
                        "--set-dscp", "0")


def wait_ce_fib(state, timeout=15):
    """Until the CE's kernel holds a route to every VM of the pairs (zebra / BIRD's kernel
    protocol, the builtin CE's --dataplane install what BGP chose). A note, not an error, if
    it does not."""
    import time
    dp = state.get("dataplane") or {}
    end = time.monotonic() + timeout
    missing = []
    while True:
        missing = []
        for p in dp.get("pairs", []):
            ce = p.get("ceNetns") or state["netns"]["ce"]  # each site's CE: its own pairs
            out = run(["ip", "-n", ce, "route", "get", p["vm"], "from", p["ceHost"]], check=False)
            if not out or "unreachable" in out:
                missing.append(p["vm"])
        if not missing or time.monotonic() > end:
            break
        time.sleep(0.3)
    if missing:
        say(f"  note: the CE's kernel has no route to {', '.join(missing)} "
            f"({state['ce']} CE)")
    return missing


def destroy(lab):
    """Deletes the lab's az namespaces (from their names alone). Idempotent."""
    have = set(ip("netns", "list", check=False).split())
    gone = []
    for n in az_namespaces(lab, have):
        ip("netns", "del", n, check=False)
        gone.append(n)
    return gone
