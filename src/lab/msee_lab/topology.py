"""The lab's network: three namespaces and the links of each circuit between them.

    <lab>-ce                 <lab>-sw                      <lab>-er
    ce<C>p<L>[.<vlan>] ──── s<C>p<L>c ─ bridge b<C>p<L> ─ s<C>p<L>m ──── er<C>p<L>[.<vlan>]

One veth pair per side per link (circuit C, path L = 1 primary / 2 secondary) and a bridge in
the switch namespace; each peering is a dot1Q sub-interface with the peering's vlanId on both
ends (R12, R88) carrying the exact /30 and /126 of the plan (R9, R10). A silent link failure
takes the MSEE port out of its bridge: both ends keep their carrier, frames just stop, so only
BFD or the hold timer can tell (R63). Nothing is connected to the host's namespace.
With one CE per circuit (sites.py), circuit C's CE ends sit in `<lab>-ce<C>` (C >= 1) instead.
"""
import re

from .util import LabError, ip, run


def ns_names(lab):
    return {"ce": f"{lab}-ce", "er": f"{lab}-er", "sw": f"{lab}-sw"}


def ce_netns(lab, c):
    """Circuit c's CE namespace in a lab with one CE per circuit: circuit 0 keeps <lab>-ce."""
    return f"{lab}-ce" if c == 0 else f"{lab}-ce{c}"


def ce_namespaces(lab, have):
    """The per-circuit CE namespaces <lab>-ce<N> of lab `lab` among `have` (works after a
    crash, from the names alone)."""
    pat = re.compile(re.escape(lab) + r"-ce\d+")
    return sorted(n for n in have if pat.fullmatch(n))


def ce_ns_of(topo, c):
    """The namespace holding circuit c's CE link ends."""
    return (topo.get("ceNetns") or {}).get(str(c), topo["netns"]["ce"])


def path_no(path):
    return 1 if path == "primary" else 2


def link_devs(circuit_index, path):
    n = f"{circuit_index}p{path_no(path)}"
    return {"ce": f"ce{n}", "er": f"er{n}", "swc": f"s{n}c", "swm": f"s{n}m", "br": f"b{n}"}


def existing_netns():
    out = ip("netns", "list", check=False)
    return {line.split()[0] for line in out.splitlines() if line.strip()}


def dot1q_supported(ns, dev):
    probe = f"{dev}.4094"
    try:
        ip("-n", ns, "link", "add", "link", dev, "name", probe, "type", "vlan", "id", "4094")
    except LabError:
        return False
    ip("-n", ns, "link", "del", probe, check=False)
    return True


def build(lab, plan, per_circuit=False):
    """Creates the namespaces, links and addresses for every session of the plan. Returns the
    topology record kept in lab.json (what was made, for drills and for `lab down`).
    per_circuit: circuit C's CE ends go to ce_netns(lab, C), recorded in "ceNetns"."""
    ns = ns_names(lab)
    cens = {c: ce_netns(lab, c) if per_circuit else ns["ce"]
            for c in sorted({s["circuitIndex"] for s in plan["sessions"]})}
    every = list(ns.values()) + sorted(set(cens.values()) - {ns["ce"]})
    have = existing_netns()
    for n in every:
        if n in have:
            raise LabError(f"network namespace {n} already exists (run: msee-ctl lab down)")
    for n in every:
        ip("netns", "add", n)
        ip("-n", n, "link", "set", "lo", "up")
    links = {}
    for s in plan["sessions"]:
        key = (s["circuitIndex"], s["path"])
        if key in links:
            continue
        d, cns = link_devs(*key), cens[key[0]]
        ip("link", "add", d["ce"], "netns", cns, "type", "veth", "peer", "name", d["swc"],
           "netns", ns["sw"])
        ip("link", "add", d["er"], "netns", ns["er"], "type", "veth", "peer", "name", d["swm"],
           "netns", ns["sw"])
        ip("-n", ns["sw"], "link", "add", d["br"], "type", "bridge")
        for port in (d["swc"], d["swm"]):
            ip("-n", ns["sw"], "link", "set", port, "master", d["br"], "up")
        ip("-n", ns["sw"], "link", "set", d["br"], "up")
        ip("-n", cns, "link", "set", d["ce"], "up")
        ip("-n", ns["er"], "link", "set", d["er"], "up")
        links[key] = {"circuitIndex": key[0], "circuit": s["circuit"], "path": key[1],
                      "bridge": d["br"], "mseePorts": [d["swm"]], "vlans": {}}
    first = next(iter(links), None)
    dot1q = dot1q_supported(cens[first[0]], link_devs(*first)["ce"]) if links else True
    interfaces = {}
    for s in plan["sessions"]:
        key = (s["circuitIndex"], s["path"])
        link, d, vlan = links[key], link_devs(*key), s["vlanId"]
        cns = cens[key[0]]
        if vlan not in link["vlans"]:
            if dot1q:
                cdev, mdev = f"{d['ce']}.{vlan}", f"{d['er']}.{vlan}"
                ip("-n", cns, "link", "add", "link", d["ce"], "name", cdev, "type", "vlan",
                   "id", str(vlan))
                ip("-n", ns["er"], "link", "add", "link", d["er"], "name", mdev, "type", "vlan",
                   "id", str(vlan))
            else:
                # No 802.1Q in this kernel: one veth pair per peering into the same bridge.
                cdev, mdev = f"{d['ce']}v{vlan}", f"{d['er']}v{vlan}"
                sc, sm = f"{d['swc']}{vlan}", f"{d['swm']}{vlan}"
                ip("link", "add", cdev, "netns", cns, "type", "veth", "peer", "name", sc,
                   "netns", ns["sw"])
                ip("link", "add", mdev, "netns", ns["er"], "type", "veth", "peer", "name", sm,
                   "netns", ns["sw"])
                for port in (sc, sm):
                    ip("-n", ns["sw"], "link", "set", port, "master", d["br"], "up")
                link["mseePorts"].append(sm)
            ip("-n", cns, "link", "set", cdev, "up")
            ip("-n", ns["er"], "link", "set", mdev, "up")
            link["vlans"][vlan] = {"ce": cdev, "er": mdev}
        devs = link["vlans"][vlan]
        plen = str(s["linkPrefixLength"])
        extra = ["nodad"] if s["family"] == "ipv6" else []
        ip("-n", cns, "addr", "add", f"{s['ceAddress']}/{plen}", "dev", devs["ce"], *extra)
        ip("-n", ns["er"], "addr", "add", f"{s['mseeAddress']}/{plen}", "dev", devs["er"], *extra)
        interfaces[s["name"]] = {"ce": devs["ce"], "er": devs["er"]}
    topo = {"netns": ns, "dot1q": dot1q, "interfaces": interfaces,
            "links": [dict(v, vlans={str(k): x for k, x in v["vlans"].items()})
                      for v in links.values()]}
    if per_circuit:
        topo["ceNetns"] = {str(c): n for c, n in cens.items()}
    return topo


def link_of(topo, circuit, path):
    for link in topo["links"]:
        if link["circuit"] == circuit and link["path"] == path:
            return link
    raise LabError(f"the lab has no {path} link for circuit '{circuit}'")


def cut(topo, circuit, path):
    """Silent failure: the switch stops forwarding from the MSEE's side of the link."""
    link = link_of(topo, circuit, path)
    if topo.get("attached"):
        return drop_frames(topo, link, "-I")
    # One ip -batch for all the link's ports: its peerings fail together, as on one fibre.
    run(["ip", "-n", topo["netns"]["sw"], "-batch", "-"],
        input="".join(f"link set {port} nomaster\n" for port in link["mseePorts"]))


def restore(topo, circuit, path, quiet=False):
    link = link_of(topo, circuit, path)
    if topo.get("attached"):
        return drop_frames(topo, link, "-D", quiet)
    run(["ip", "-n", topo["netns"]["sw"], "-batch", "-"],
        input="".join(f"link set {port} master {link['bridge']}\n" for port in link["mseePorts"]))


SILENT = "msee-lab-silent"


def drop_frames(topo, link, action, quiet=False):
    """An attached lab (attach.py) has no switch of ours: the silent failure drops every frame
    of the link's MSEE port and its sub-interfaces (iptables' trailing + matches both) in the
    msee node's namespace, in and out, carrier up. action -I cuts, -D restores."""
    parents = sorted({d.split(".")[0] for d in link["erDevs"]})
    for tool in ("iptables", "ip6tables"):
        for dev in parents:
            for chain, way in (("INPUT", "-i"), ("OUTPUT", "-o"), ("FORWARD", "-i"),
                               ("FORWARD", "-o")):
                run(["ip", "netns", "exec", topo["netns"]["er"], tool, "-w", action, chain, way,
                     dev + "+", "-m", "comment", "--comment", SILENT, "-j", "DROP"],
                    check=not quiet)


def destroy(lab):
    """Deletes the lab's namespaces (their interfaces go with them). Idempotent."""
    have = existing_netns()
    gone = []
    for n in list(ns_names(lab).values()) + ce_namespaces(lab, have):
        if n in have:
            ip("netns", "del", n, check=False)
            gone.append(n)
    return gone


def detach(state):
    """lab down of a lab that `lab attach` made (attach.py): the namespace names go (and a
    silent failure a killed drill left in place), the containers stay as they are."""
    gone = []
    have = existing_netns()
    topo = state.get("topology") or {}
    for link in topo.get("links", []):
        try:
            restore(topo, link["circuit"], link["path"], quiet=True)
        except LabError:
            pass
    names = [state["netns"]["er"], state["netns"]["ce"]] + \
        [s["netns"] for s in state.get("sites", []) if s["netns"] != state["netns"]["ce"]] + \
        (state.get("dataplane") or {}).get("azNetns", [])
    for n in names:
        if n in have:
            ip("netns", "del", n, check=False)
            gone.append(n)
    return gone
