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
container runs FRR (as `lab up`'s FRR CE is), else from the MSEE side (`--ce external`'s view).
One CE container for every circuit (the Global Reach topology's two sites: not yet).
"""
import json
import os
import shlex
import shutil
import subprocess
import time

from . import dataplane, lab as lab_mod, topology, util
from .util import LabError, say

FRR_VTY_DIRS = ("var/run/frr", "run/frr")


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


def addresses(ns):
    """{address: interface} of namespace ns."""
    out = {}
    for link in json.loads(util.run(["ip", "-n", ns, "-j", "addr", "show"]) or "[]"):
        for a in link.get("addr_info", []):
            out[a["local"]] = link["ifname"]
    return out


def ce_kind(pid):
    """frr-container (FRR's vty sockets reachable) or external (the MSEE side's view)."""
    for d in FRR_VTY_DIRS:
        vty = f"/proc/{pid}/root/{d}"
        if os.path.exists(f"{vty}/bgpd.vty") and os.path.exists(f"{vty}/bfdd.vty"):
            return "frr-container", vty
    return "external", None


def received_prefixes(api, plan):
    """What the CE announces: every prefix the MSEEs hold from it (private peering)."""
    out = set()
    for s in plan["sessions"]:
        if s["peeringType"] != "AzurePrivatePeering":
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
    ce = args.ce_container or (f"clab-{clab}-ce" if clab else None)
    if not msee or not ce:
        raise LabError("name the containers: --containerlab LAB (clab-LAB-msee, clab-LAB-ce, "
                       "clab-LAB-az<C>) or --msee CONTAINER --ce-container CONTAINER")
    pids = {"msee": container_pid(rt, msee), "ce": container_pid(rt, ce)}
    plan = json.loads(util.run(rt + ["exec", msee, "sh", "-c",
                                     'msee-emu --plan "${MSEE_CONFIG:-/etc/msee-emu/config.json}"'],
                               timeout=60))
    circuits = sorted({s["circuitIndex"] for s in plan["sessions"]})
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
    names = {ns["er"]: pids["msee"], ns["ce"]: pids["ce"]}
    names |= {dataplane.az_netns(name, c): p for c, (_, p) in vnet_pids.items()}
    clash = set(names) & topology.existing_netns()
    if clash:
        raise LabError(f"namespace(s) {', '.join(sorted(clash))} exist already "
                       f"(msee-ctl --lab-name {name} lab down)")
    for n, pid in names.items():
        util.ip("netns", "attach", n, str(pid))
    try:
        return record(args, name, d, rt, plan, ns, pids, vnet_pids,
                      {"msee": msee, "ce": ce} | {f"az{c}": v for c, (v, _) in vnet_pids.items()})
    except BaseException:
        for n in names:
            util.ip("netns", "del", n, check=False)
        raise


def record(args, name, d, rt, plan, ns, pids, vnet_pids, containers):
    er_addr, ce_addr = addresses(ns["er"]), addresses(ns["ce"])
    interfaces, links = {}, {}
    for s in plan["sessions"]:
        er, cedev = er_addr.get(s["mseeAddress"]), ce_addr.get(s["ceAddress"])
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
    os.makedirs(d, exist_ok=True)
    api_url = args.api or "http://127.0.0.1:8179"
    api = util.Api(ns["er"], api_url)
    util.wait_for("msee-emu's API in the msee container", lambda: api.sessions(), 15)
    kind, vty = ce_kind(pids["ce"])
    opts = {"cePrefixes": received_prefixes(api, plan) or ["10.50.0.0/16"],
            "dataplane": bool(vnet_pids), "vtyDir": vty}
    state = {"name": name, "dir": d, "attached": {"runtime": rt, "containers": containers,
                                                  "pids": pids},
             "sourceConfig": f"{containers['msee']}:$MSEE_CONFIG", "ce": kind,
             "ceOptions": opts, "api": api_url, "plan": plan, "netns": ns, "erNetns": ns["er"],
             "processes": [], "ceExtra": {}, "topology": topo,
             "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    notes = []
    if vnet_pids:
        lay = dataplane.layout(name, plan, topo, opts)
        have_ce = set(ce_addr)
        pairs = []
        for p in lay["pairs"]:
            if p["circuitIndex"] not in vnet_pids:
                continue
            if p["ceHost"] not in have_ce:
                notes.append(f"the CE host {p['ceHost']} is on no interface of the CE "
                             f"container: no traffic pair to {p['vm']} (ip addr add "
                             f"{p['ceHost']}/32 dev lo in the CE)")
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
    say(f"lab '{name}' attached: {containers['msee']} as {ns['er']}, {containers['ce']} as "
        f"{ns['ce']} (CE sampled {'over FRR vty sockets' if vty else 'from the MSEE side'})"
        + "".join(f", {v} as {dataplane.az_netns(name, c)}" for c, (v, _) in
                  sorted(vnet_pids.items())))
    say(f"  {len(plan['sessions'])} MSEE sessions; "
        + (f"{len(state['dataplane']['pairs'])} CE host -> VM traffic pair(s)" if vnet_pids
           else "no VNet node: no traffic probe"))
    for n in notes:
        say(f"  note: {n}")
    return state
