"""One CE per circuit: the lab's "sites" (issue #13, a two-circuit Global Reach lab).

By default the lab has one CE namespace, `<lab>-ce`, holding the CE side of every circuit's
links and one CE router for all of them. `lab up --ce-per-circuit` (the default when the
config's circuits are linked by Global Reach, R74) gives each circuit its own site instead:
circuit 0 keeps `<lab>-ce`, circuit C >= 1 gets `<lab>-ce<C>`; each site runs its own CE router
(same kind for all: FRR, BIRD, builtin or external) configured with its circuit's sessions only,
in its own directory (`<lab dir>/ce`, `ce1`, …: configs, sockets, pid files, logs), and
announces its own on-premises prefixes: circuit 0 10.50.0.0/16 + fdbb:50::/48, circuit C
10.(50+10C).0.0/16 + fdbb:(50+10C)::/48 unless `--ce-prefixes CIRCUIT=P,P` says otherwise.
Each site's CE host (the first address of each prefix, on its lo) then talks to its own
circuit's VNets, and, through both circuits' MSEEs, to the other site.

lab.json keeps a single-CE lab exactly as before (no "sites" member); a per-circuit lab has
"sites": [{circuit, circuitIndex, netns, dir, ceOptions, ceExtra}], and its CE process records
carry "site" (the circuit index) and a role ending in "@<circuit>".
"""
import ipaddress
import re

from .util import LabError

DEFAULT_PREFIXES = "10.50.0.0/16,fdbb:50::/48"


def default_prefixes(c):
    """Site C's on-premises prefixes when the command line names none."""
    if c == 0:
        return DEFAULT_PREFIXES.split(",")
    n = 50 + 10 * c
    if n > 250:
        raise LabError(f"circuit {c}: no default on-premises prefix beyond 20 circuits; "
                       f"give it one with --ce-prefixes CIRCUIT=PREFIX,...")
    return [f"10.{n}.0.0/16", f"fdbb:{n}::/48"]


def ce_dirname(c):
    return "ce" if c == 0 else f"ce{c}"


def linked_by_global_reach(cfg):
    """Whether the circuit config links circuits by Global Reach (a non-empty globalReach)."""
    if isinstance(cfg, dict):
        if isinstance(cfg.get("globalReach"), list) and cfg["globalReach"]:
            return True
        return any(linked_by_global_reach(v) for v in cfg.values())
    if isinstance(cfg, list):
        return any(linked_by_global_reach(v) for v in cfg)
    return False


def circuits_of(plan):
    """[(circuit index, circuit name)] of the plan's sessions, in index order."""
    return sorted({(s["circuitIndex"], s["circuit"]) for s in plan["sessions"]})


def parse_prefixes(values):
    """--ce-prefixes, repeatable: "P,P" (the CE's, or circuit 0's site's) or "CIRCUIT=P,P"
    (that circuit's site; CIRCUIT a name or an index). Returns (plain list or None,
    {circuit: [prefixes]})."""
    plain, per = None, {}
    for v in values or []:
        key, sep, rest = v.rpartition("=")
        pfx = [p.strip() for p in (rest if sep else v).split(",") if p.strip()]
        for p in pfx:
            try:
                ipaddress.ip_network(p, strict=False)
            except ValueError:
                raise LabError(f"--ce-prefixes: '{p}' is not a prefix")
        if sep:
            per[key] = per.get(key, []) + pfx
        else:
            plain = (plain or []) + pfx
    return plain, per


def decide(wanted, cfg, plan, per_prefixes):
    """Whether the lab gets one CE per circuit, and why (a line for lab up's output).
    wanted: True (--ce-per-circuit), False (--one-ce) or None (the config decides)."""
    n = len(circuits_of(plan))
    if wanted is None:
        wanted = n > 1 and linked_by_global_reach(cfg)
        why = "the circuits are linked by Global Reach; --one-ce for a single CE"
    else:
        why = "--ce-per-circuit" if wanted else "--one-ce"
    if per_prefixes and not (wanted and n > 1):
        raise LabError("--ce-prefixes CIRCUIT=...: per-circuit prefixes need one CE per "
                       "circuit (--ce-per-circuit, with two circuits or more); a single CE "
                       "takes the prefixes alone (--ce-prefixes PREFIX,...)")
    if wanted and n < 2:
        return False, "one circuit: one CE"
    return wanted, why


def make(plan, opts, plain, per, netns_of):
    """The sites of a per-circuit lab: one per circuit, with its namespace, directory and CE
    options (opts with that site's prefixes). netns_of(c) names circuit c's CE namespace."""
    circuits = circuits_of(plan)
    names = {name: c for c, name in circuits} | {str(c): c for c, _ in circuits}
    for key in per:
        if key not in names:
            raise LabError(f"--ce-prefixes {key}=...: the lab has no circuit '{key}' (it has "
                           f"{', '.join(n for _, n in circuits)})")
    out = []
    for c, name in circuits:
        mine = [p for k, v in per.items() if names[k] == c for p in v]
        pfx = mine or (plain if c == 0 and plain else default_prefixes(c))
        out.append({"circuit": name, "circuitIndex": c, "netns": netns_of(c),
                    "dir": ce_dirname(c), "ceOptions": dict(opts, cePrefixes=pfx),
                    "ceExtra": {}})
    return out


def site_plan(plan, c):
    """The plan as circuit c's CE sees it: its sessions and what is advertised to them."""
    ss = [s for s in plan["sessions"] if s["circuitIndex"] == c]
    names = {s["name"] for s in ss}
    return dict(plan, sessions=ss,
                advertisements=[a for a in plan["advertisements"] if names & set(a["to"])])


def site_of(state, circuit=None):
    """The site of `circuit` (a name, an index, or None for circuit 0's) in a per-circuit lab;
    None in a single-CE lab (its one CE serves every circuit)."""
    sites = state.get("sites")
    if not sites:
        return None
    if circuit is None:
        return sites[0]
    for s in sites:
        if circuit in (s["circuit"], str(s["circuitIndex"]), s["circuitIndex"]):
            return s
    raise LabError(f"the lab has no circuit '{circuit}' "
                   f"(it has {', '.join(s['circuit'] for s in sites)})")


def shell_target(state, where):
    """`lab shell ce` (circuit 0's CE), `ce<N>` (circuit N's) or `ce:<circuit>`: the site, or
    None for the one CE of a single-CE lab."""
    m = re.fullmatch(r"ce(\d*)|ce:(.+)", where)
    if not m:
        raise LabError(f"no CE '{where}' (ce, ce<N> or ce:<circuit>)")
    circuit = m.group(2) if m.group(2) is not None else (m.group(1) or None)
    if not state.get("sites"):
        if circuit not in (None, "0") and circuit not in {s["circuit"] for s in
                                                          state["plan"]["sessions"]}:
            raise LabError(f"lab '{state['name']}' has one CE, for every circuit "
                           f"(lab shell ce); ce{circuit} needs lab up --ce-per-circuit")
        return None
    return site_of(state, circuit)


def ce_namespaces(state):
    """Every CE namespace of the lab: {circuit index: namespace} (one entry per site, or
    circuit 0's `<lab>-ce` alone for a single-CE lab)."""
    if state.get("sites"):
        return {s["circuitIndex"]: s["netns"] for s in state["sites"]}
    return {0: state["netns"]["ce"]}


def tag(procs, site):
    """Marks a site's CE processes: "site" = its circuit index, role "<role>@<circuit>"."""
    for p in procs:
        p["site"] = site["circuitIndex"]
        if not p["role"].endswith("@" + site["circuit"]):
            p["role"] = f"{p['role']}@{site['circuit']}"
    return procs
