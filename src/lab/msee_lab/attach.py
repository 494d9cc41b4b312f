"""`msee-ctl lab attach`: the drills, the traffic probe and validate-limits against msee-emu
running in containers — a containerlab lab of lab/containerlab/ (issue #16) — instead of a lab
`msee-ctl lab up` built.

It gives the containers' network namespaces the names a lab's have (`ip netns attach`:
<lab>-er for the msee node, <lab>-ce for the CE, <lab>-az<C> for circuit C's VNet node), reads
the plan from the msee node (msee-emu --plan of its config), finds each session's interfaces by
the plan's addresses, and writes lab.json as `lab up` does, marked "attached": `lab down` then
only removes those names, never a container or a process in one. Everything else runs on the
host with the host's tools inside those namespaces, as for a lab of our own: the API calls,
the traffic probe (the CE hosts and VMs the topology put on the CE's and the VNet nodes' lo),
the silent failure (iptables in the msee node's namespace drops the link's frames, carrier up:
topology.cut). The CE is sampled over FRR's own vty sockets through /proc/PID/root when the CE
container runs FRR (as `lab up`'s FRR CE is), over BIRD's control socket when it runs BIRD, else
from the MSEE side (`--ce external`'s view).
One CE container for every circuit, or one per circuit (the Global Reach topology's two sites):
the containers are told apart by the CE addresses they hold, and each circuit's then gets the
name a `lab up --ce-per-circuit` site has (<lab>-ce for circuit 0, <lab>-ce<C> for the others).
"""
import json
import os
import re
import shlex
import shutil
import subprocess
import time

from . import dataplane, lab as lab_mod, sites, topology, util
from .util import LabError, say

FRR_VTY_DIRS = ("var/run/frr", "run/frr")
BIRD_CTLS = ("run/bird/bird.ctl", "var/run/bird/bird.ctl", "run/bird.ctl", "var/run/bird.ctl")


def runtime(choice):
    """The container CLI as an argv prefix: docker, podman, or a command line with options."""
    if choice:
        return shlex.split(choice)
    for rt in ("docker", "podman"):
        if shutil.which(rt):
            return [rt]
    raise LabError("neither docker nor podman found: name the runtime with --runtime")


def container_pid(rt, name):
    p = subprocess.run(rt + ["inspect", "-f", "{{.State.Pid}}", name], capture_output=True,
                       text=True, timeout=30)
    pid = p.stdout.strip()
    if p.returncode != 0 or not pid.isdigit() or int(pid) <= 0:
        raise LabError(f"container {name} is not running ({' '.join(rt)} inspect: "
                       f"{(p.stderr or p.stdout).strip()[:200]})")
    return int(pid)


def addresses(ns=None, pid=None):
    """{address: interface} of namespace ns (a name), or of process pid's namespace."""
    argv = ["ip", "-n", ns] if ns else ["nsenter", "-t", str(pid), "-n", "ip"]
    out = {}
    for link in json.loads(util.run(argv + ["-j", "addr", "show"]) or "[]"):
        for a in link.get("addr_info", []):
            out[a["local"]] = link["ifname"]
    return out


def ce_candidates(rt, clab, named, msee):
    """[(circuit or None, container)]: the --ce-container values (C=CONTAINER ties one to
    circuit C, a name or an index), else every node of containerlab lab `clab` but the msee
    node and the VNet nodes (az<C>), each one kept only if it holds a CE address."""
    if named:
        return [(k if sep else None, c) for k, sep, c in (v.rpartition("=") for v in named)]
    pre = f"clab-{clab}-"
    names = util.run(rt + ["ps", "--format", "{{.Names}}"], timeout=30).split()
    return [(None, n) for n in sorted(names) if n.startswith(pre) and n != msee
            and not re.fullmatch(re.escape(pre) + r"az\d+", n)]


def probe_container(rt, cont):
    """(pid, {address: interface}) of a running container."""
    pid = container_pid(rt, cont)
    return pid, addresses(pid=pid)


def assign_ces(plan, cands, probe):
    """{circuit index: (container, pid)}: the container that holds every CE address of the
    circuit's sessions; probe(container) gives its (pid, addresses). A circuit that none (or
    two) of the candidates hold is an error."""
    circuits = sites.circuits_of(plan)
    index = {name: c for c, name in circuits} | {str(c): c for c, _ in circuits}
    holders = {c: [] for c, _ in circuits}
    for key, cont in cands:
        if key is not None and key not in index:
            raise LabError(f"--ce-container {key}={cont}: the config has no circuit '{key}' "
                           f"(it has {', '.join(n for _, n in circuits)})")
        pid, have = probe(cont)
        for c, _ in circuits:
            ce = [s["ceAddress"] for s in plan["sessions"] if s["circuitIndex"] == c]
            if (key is None or index[key] == c) and all(a in have for a in ce):
                holders[c].append((cont, pid))
    out = {}
    for c, name in circuits:
        if len(holders[c]) != 1:
            which = ", ".join(x for x, _ in holders[c]) or "none of " + \
                ", ".join(x for _, x in cands)
            raise LabError(f"circuit {name}: {'no container' if not holders[c] else 'more than one container'} "
                           f"holds its CE addresses ({which}): name it with "
                           f"--ce-container {c}=CONTAINER")
        out[c] = holders[c][0]
    return out


def ce_kind(pid):
    """(kind, path): frr-container (FRR's vty sockets' directory), bird-container (BIRD's
    control socket), or external (the MSEE side's view, no path)."""
    for d in FRR_VTY_DIRS:
        vty = f"/proc/{pid}/root/{d}"
        if os.path.exists(f"{vty}/bgpd.vty") and os.path.exists(f"{vty}/bfdd.vty"):
            return "frr-container", vty
    for c in BIRD_CTLS:
        ctl = f"/proc/{pid}/root/{c}"
        if os.path.exists(ctl):
            return "bird-container", ctl
    return "external", None


def received_prefixes(api, plan, circuits):
    """What the CE of these circuits announces: every prefix their MSEEs hold from it (private
    peering)."""
    out = set()
    for s in plan["sessions"]:
        if s["peeringType"] != "AzurePrivatePeering" or s["circuitIndex"] not in circuits:
            continue
        fam = "" if s["family"] == "ipv4" else "&family=ipv6"
        try:
            rows = api.get(f"/v1/circuits/{s['circuit']}/peerings/{s['peeringType']}/routes"
                           f"?path={s['path']}{fam}&direction=received")["value"]
        except LabError:
            continue
        out |= {r["prefix"] for r in rows}
    return sorted(out)


def attach(args):
    if os.geteuid() != 0:
        raise LabError("lab attach names network namespaces (ip netns attach): run it as root")
    name, rt = args.name, runtime(args.runtime)
    d = lab_mod.lab_dir(name)
    if os.path.exists(os.path.join(d, "lab.json")):
        raise LabError(f"lab '{name}' exists (msee-ctl --lab-name {name} lab down first)")
    clab = args.containerlab
    msee = args.msee or (f"clab-{clab}-msee" if clab else None)
    if not msee or not (args.ce_container or clab):
        raise LabError("name the containers: --containerlab LAB (clab-LAB-msee, the CE nodes, "
                       "clab-LAB-az<C>) or --msee CONTAINER --ce-container [C=]CONTAINER")
    pids = {"msee": container_pid(rt, msee)}
    plan = json.loads(util.run(rt + ["exec", msee, "sh", "-c",
                                     'msee-emu --plan "${MSEE_CONFIG:-/etc/msee-emu/config.json}"'],
                               timeout=60))
    circuits = sorted({s["circuitIndex"] for s in plan["sessions"]})
    ces = assign_ces(plan, ce_candidates(rt, clab, args.ce_container, msee),
                     lambda cont: probe_container(rt, cont))
    per_circuit = len({pid for _, pid in ces.values()}) > 1
    ce_ns = {c: topology.ce_netns(name, c) if per_circuit else topology.ns_names(name)["ce"]
             for c in circuits}
    vnets = dict(v.split("=", 1) for v in args.vnet or [])
    if clab:
        for c in circuits:
            vnets.setdefault(str(c), f"clab-{clab}-az{c}")
    vnet_pids = {}
    for c, cont in vnets.items():
        try:
            vnet_pids[int(c)] = (cont, container_pid(rt, cont))
        except LabError:
            if not clab:  # named by hand: it must be there; by convention: may not exist
                raise
    ns = topology.ns_names(name)
    names = {ns["er"]: pids["msee"]} | {ce_ns[c]: pid for c, (_, pid) in ces.items()}
    names |= {dataplane.az_netns(name, c): p for c, (_, p) in vnet_pids.items()}
    clash = set(names) & topology.existing_netns()
    if clash:
        raise LabError(f"namespace(s) {', '.join(sorted(clash))} exist already "
                       f"(msee-ctl --lab-name {name} lab down)")
    for n, pid in names.items():
        util.ip("netns", "attach", n, str(pid))
    try:
        containers = {"msee": msee} | {("ce" if c == 0 or not per_circuit else f"ce{c}"): v
                                       for c, (v, _) in ces.items()}
        pids |= {("ce" if c == 0 or not per_circuit else f"ce{c}"): p
                 for c, (_, p) in ces.items()}
        return record(args, name, d, rt, plan, ns, pids, vnet_pids, containers,
                      ce_ns if per_circuit else None,
                      {c: p for c, (_, p) in ces.items()})
    except BaseException:
        for n in names:
            util.ip("netns", "del", n, check=False)
        raise


def record(args, name, d, rt, plan, ns, pids, vnet_pids, containers, site_ns, ce_pids):
    """lab.json for the attached containers. site_ns {circuit: namespace name} when each
    circuit's CE is its own container (sites, as `lab up --ce-per-circuit` records them), else
    None; ce_pids {circuit: the pid of its CE container}."""
    er_addr = addresses(ns["er"])
    ce_addrs = {c: addresses(site_ns[c] if site_ns else ns["ce"]) for c in ce_pids}
    interfaces, links = {}, {}
    for s in plan["sessions"]:
        er, cedev = er_addr.get(s["mseeAddress"]), ce_addrs[s["circuitIndex"]].get(s["ceAddress"])
        if not er or not cedev:
            raise LabError(f"{s['name']}: no interface holds "
                           f"{s['mseeAddress'] if not er else s['ceAddress']} in the "
                           f"{'msee' if not er else 'CE'} container")
        interfaces[s["name"]] = {"er": er, "ce": cedev}
        link = links.setdefault((s["circuitIndex"], s["path"]), {
            "circuit": s["circuit"], "circuitIndex": s["circuitIndex"], "path": s["path"],
            "erDevs": []})
        if er not in link["erDevs"]:
            link["erDevs"].append(er)
    topo = {"attached": True, "netns": {"er": ns["er"], "ce": ns["ce"], "sw": None},
            "interfaces": interfaces, "links": list(links.values()),
            "dot1q": any("." in i["er"] for i in interfaces.values())}
    if site_ns:
        topo["ceNetns"] = {str(c): n for c, n in site_ns.items()}
    os.makedirs(d, exist_ok=True)
    api_url = args.api or "http://127.0.0.1:8179"
    api = util.Api(ns["er"], api_url)
    util.wait_for("msee-emu's API in the msee container", lambda: api.sessions(), 15)
    kinds = {c: ce_kind(pid) for c, pid in ce_pids.items()}
    # One kind for the lab (as lab up has): the CE's own sockets only if every CE has them.
    kind = {k for k, _ in kinds.values()}.pop() if len({k for k, _ in kinds.values()}) == 1 \
        else "external"

    def opts_of(cs):
        path = kinds[cs[0]][1]
        return {"cePrefixes": received_prefixes(api, plan, cs) or ["10.50.0.0/16"],
                "dataplane": bool(vnet_pids),
                "vtyDir": path if kind == "frr-container" else None,
                "birdCtl": path if kind == "bird-container" else None}
    opts = opts_of(sorted(ce_pids))
    state = {"name": name, "dir": d, "attached": {"runtime": rt, "containers": containers,
                                                  "pids": pids},
             "sourceConfig": f"{containers['msee']}:$MSEE_CONFIG", "ce": kind,
             "ceOptions": opts, "api": api_url, "plan": plan, "netns": ns, "erNetns": ns["er"],
             "processes": [], "ceExtra": {}, "topology": topo,
             "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    site_opts = None
    if site_ns:
        state["sites"] = [dict(x, ceOptions=opts_of([x["circuitIndex"]])) for x in
                          sites.make(plan, opts, None, {}, lambda c: site_ns[c])]
        state["ceOptions"] = state["sites"][0]["ceOptions"]
        site_opts = {x["circuitIndex"]: x["ceOptions"] for x in state["sites"]}
    notes = []
    if vnet_pids:
        lay = dataplane.layout(name, plan, topo, opts, None, site_opts)
        pairs = []
        for p in lay["pairs"]:
            if p["circuitIndex"] not in vnet_pids:
                continue
            if p["ceHost"] not in ce_addrs[p["circuitIndex"]]:
                notes.append(f"the CE host {p['ceHost']} is on no interface of circuit "
                             f"{p['circuit']}'s CE container: no traffic pair to {p['vm']} "
                             f"(ip addr add {p['ceHost']}/32 dev lo in the CE)")
                continue
            pairs.append(p)
        state["dataplane"] = {"enabled": True, "attached": True,
                              "azNetns": [dataplane.az_netns(name, c) for c in vnet_pids],
                              "ceHosts": lay["ceHosts"], "pairs": pairs,
                              "ifLinks": lay["ifLinks"],
                              "circuits": [{k: v for k, v in cc.items() if k != "links"}
                                           | {"links": list(cc["links"].values())}
                                           for cc in lay["circuits"].values()
                                           if cc["circuitIndex"] in vnet_pids]}
    lab_mod.save(state)
    ce_names = ", ".join(f"{containers['ce' if c == 0 else f'ce{c}']} as {n}"
                         for c, n in sorted(site_ns.items())) if site_ns else \
        f"{containers['ce']} as {ns['ce']}"
    how = {"frr-container": "over FRR's vty sockets",
           "bird-container": "over BIRD's control socket"}.get(kind, "from the MSEE side")
    say(f"lab '{name}' attached: {containers['msee']} as {ns['er']}, {ce_names} (CE sampled "
        f"{how})"
        + "".join(f", {v} as {dataplane.az_netns(name, c)}" for c, (v, _) in
                  sorted(vnet_pids.items())))
    say(f"  {len(plan['sessions'])} MSEE sessions"
        + (f", {len(site_ns)} sites (one CE container per circuit)" if site_ns else "") + "; "
        + (f"{len(state['dataplane']['pairs'])} CE host -> VM traffic pair(s)" if vnet_pids
           else "no VNet node: no traffic probe"))
    for n in notes:
        say(f"  note: {n}")
    return state
