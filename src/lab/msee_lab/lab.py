"""`msee-ctl lab up|status|shell|down`: the lab's life cycle and its state file.

State lives in /run/msee-lab/<name>/ (MSEE_LAB_DIR overrides /run/msee-lab): lab.json names the
namespaces, the processes (PID + kernel start time), the plan and the CE; the configs, logs and
sockets sit beside it. `lab down` works from lab.json when it exists and from the namespace
names alone when it does not (a crash before the file was written): processes still inside
the lab's namespaces are the lab's, and are stopped too.
"""
import json
import os
import shutil
import signal
import subprocess
import time

from . import ce as ce_mod
from .external import ContainerBirdCe, ContainerFrrCe, ExternalCe
from . import dataplane, sites, topology, util
from .util import LabError, say

DEFAULT_CONFIG = "config/default.json"


def root_dir():
    return os.environ.get("MSEE_LAB_DIR", "/run/msee-lab")


def lab_dir(name):
    return os.path.join(root_dir(), name)


def load(name):
    path = os.path.join(lab_dir(name), "lab.json")
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        raise LabError(f"no lab '{name}' is up (msee-ctl lab up)")


def save(state):
    path = os.path.join(state["dir"], "lab.json")
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(state, f, indent=1)
    os.replace(tmp, path)


def default_config():
    """The bundled config/default.json of the source tree msee-lab runs from (the wrapper
    names it in MSEE_SOURCE_DIR), else of the current directory."""
    for base in (os.environ.get("MSEE_SOURCE_DIR", ""), os.getcwd()):
        p = os.path.join(base, DEFAULT_CONFIG)
        if base and os.path.exists(p):
            return p
    raise LabError(f"no --config given and {DEFAULT_CONFIG} not found")


def lab_config(src, dst, log_routes=True):
    """The user's circuit config with the lab's settings: the MSEEs bind the real link
    addresses (addressing direct), and routes are logged. Other shapes (az/ARM) are kept
    as they are when they already say nothing about addressing."""
    with open(src) as f:
        try:
            cfg = json.load(f)
        except json.JSONDecodeError as e:
            raise LabError(f"{src}: not JSON ({e})")
    if isinstance(cfg, dict) and "circuits" in cfg:
        emu = cfg.setdefault("emulator", {})
        emu["addressing"] = "direct"
        emu["logRoutes"] = log_routes
    with open(dst, "w") as f:
        json.dump(cfg, f, indent=1)


def add_dataplane_config(conf, plan):
    """Tells msee-emu to program the CE's routes in the er namespace (emulator.dataplane), when
    this msee-emu knows the key (its --help names --dataplane); False when it does not."""
    if not dataplane.emu_supports_dataplane(emu_bin()):
        return False
    with open(conf) as f:
        cfg = json.load(f)
    if not (isinstance(cfg, dict) and "circuits" in cfg):
        return True  # an az / ARM shape: --dataplane on the command line turns it on
    cfg.setdefault("emulator", {})["dataplane"] = {"enabled": True,
                                                   "gateways": dataplane.gateways(plan)}
    with open(conf, "w") as f:
        json.dump(cfg, f, indent=1)
    chk = subprocess.run([emu_bin(), "--check", conf], capture_output=True, text=True)
    if chk.returncode != 0:
        raise LabError(f"msee-emu refuses the lab's emulator.dataplane:\n{chk.stdout}{chk.stderr}")
    return True


def emu_bin():
    return os.environ.get("MSEE_EMU", "msee-emu")


CE_KINDS = {"frr": ce_mod.FrrCe, "bird": ce_mod.BirdCe, "builtin": ce_mod.BuiltinCe,
            "external": ExternalCe,  # external: bring your own CE, the lab starts none
            "frr-container": ContainerFrrCe,  # lab attach: FRR in a container
            "bird-container": ContainerBirdCe}  # lab attach: BIRD in a container


def new_ce(kind, lab_dir, plan, opts, netns, dirname="ce"):
    """A CE of `kind`, once the tools it needs are installed."""
    if kind not in CE_KINDS:
        raise LabError(f"--ce must be one of {', '.join(CE_KINDS)}, not '{kind}'")
    need = {"frr": ["vtysh", "/usr/lib/frr/bgpd", "/usr/lib/frr/bfdd", "/usr/lib/frr/zebra"],
            "bird": ["bird", "birdc"]}.get(kind, [])
    for b in need:
        if shutil.which(b) is None and not os.path.exists(b):
            raise LabError(f"--ce {kind} needs {b} (apt-get install "
                           f"{'frr' if kind == 'frr' else 'bird2'}), or use --ce builtin")
    return CE_KINDS[kind](lab_dir, plan, opts, netns, dirname)


def make_ce(state, circuit=None):
    """The lab's CE; with one CE per circuit, the CE of `circuit` (default circuit 0's)."""
    site = sites.site_of(state, circuit)
    if site is None:
        c = new_ce(state["ce"], state["dir"], state["plan"], state["ceOptions"],
                        state["netns"]["ce"])
        c.extra = {tuple(k.split("/")): v for k, v in state.get("ceExtra", {}).items()}
        c.procs = [p for p in state["processes"] if p["role"].startswith("ce-")]
        c.site = None
        return c
    c = new_ce(state["ce"], state["dir"], sites.site_plan(state["plan"],
                                                               site["circuitIndex"]),
                    site["ceOptions"], site["netns"], site["dir"])
    c.extra = {tuple(k.split("/")): v for k, v in site.get("ceExtra", {}).items()}
    c.procs = [p for p in state["processes"] if p.get("site") == site["circuitIndex"]]
    c.site = site
    return c


def make_ces(state):
    """Every CE of the lab: [(site or None, CE)]."""
    if not state.get("sites"):
        return [(None, make_ce(state))]
    return [(s, make_ce(state, s["circuit"])) for s in state["sites"]]


def record_ce(state, ce, procs):
    """After ce.announce_extra: its extra prefixes, and its new processes if it restarted
    (builtin), go into lab.json (the other sites' records are kept)."""
    extra = {"/".join(k): v for k, v in ce.extra.items()}
    if getattr(ce, "site", None):
        site = sites.site_of(state, ce.site["circuit"])
        site["ceExtra"] = extra
        if procs:
            state["processes"] = [p for p in state["processes"]
                                  if p.get("site") != site["circuitIndex"]] + \
                sites.tag(procs, site)
    else:
        state["ceExtra"] = extra
        if procs:
            state["processes"] = [p for p in state["processes"]
                                  if not p["role"].startswith("ce-")] + procs
    save(state)


def api(state):
    return util.Api(state["netns"]["er"], state["api"])


def wait_established(state, timeout, quiet=False):
    """Waits until every enabled MSEE session is Established; a progress line per change."""
    a = api(state)
    enabled = {s["name"] for s in state["plan"]["sessions"] if s["enabled"]}
    t0 = time.monotonic()
    shown = [None]

    def done():
        up = sum(1 for s in a.sessions() if s["name"] in enabled and s["state"] == "Established")
        if not quiet and up != shown[0]:
            say(f"  {up}/{len(enabled)} MSEE sessions Established "
                f"({time.monotonic() - t0:.1f} s)")
            shown[0] = up
        return up == len(enabled)
    util.wait_for("every MSEE session Established", done, timeout, interval=0.3)
    return time.monotonic() - t0


def wait_routes(state, ce, timeout=20):
    """After the sessions: until the CE holds every Azure prefix and each MSEE the CE's
    prefixes, so the tables printed next are the steady ones. Not an error if it takes longer
    (a CE may filter on purpose): the tables then show what there is."""
    want = {a["prefix"] for a in ce.plan["advertisements"]}  # the CE's own circuits'
    enabled = [s for s in ce.plan["sessions"] if s["enabled"]]
    a = api(state)

    def steady():
        view = ce.observe()
        if not want <= {p for p, r in view["routes"].items() if r["best"]}:
            return False
        got = {s["name"]: s for s in a.sessions()}
        return all(view["sessions"].get(s["mseeAddress"], {}).get("state") == "Established"
                   for s in enabled) and all(got.get(s["name"]) for s in enabled) and \
            all(int(str(r.get("statePfxRcd"))) >= len(ce_mod.own_prefixes(s, ce.opts))
                for s in enabled for r in summary_rows(a, s)
                if r.get("neighbor") == s["ceAddress"] and str(r.get("statePfxRcd")).isdigit())
    try:
        util.wait_for("the routes", steady, timeout, interval=0.3)
    except LabError as e:
        say(f"  note: {e}")


def summary_rows(a, s):
    fam = "" if s["family"] == "ipv4" else "&family=ipv6"
    return a.get(f"/v1/circuits/{s['circuit']}/peerings/{s['peeringType']}/routeTablesSummary"
                 f"?path={s['path']}{fam}")["value"]


def up(args):
    if os.geteuid() != 0:
        raise LabError("the lab creates network namespaces: run it as root")
    name = args.name
    d = lab_dir(name)
    if os.path.exists(os.path.join(d, "lab.json")):
        st = load(name)
        if any(util.alive(p) for p in st["processes"]):
            raise LabError(f"lab '{name}' is already up (msee-ctl lab status / lab down)")
        say(f"lab '{name}': cleaning up what a previous run left")
        down_state(name, quiet=True)
    elif set(topology.ns_names(name).values()) & topology.existing_netns() or \
            dataplane.az_namespaces(name, topology.existing_netns()) or \
            topology.ce_namespaces(name, topology.existing_netns()):
        say(f"lab '{name}': removing namespaces a crashed run left")
        down_state(name, quiet=True)
    if os.path.isdir(d):  # an earlier lab's CE files: ce, and ce1, ce2 … of its sites
        for x in os.listdir(d):
            if x == "ce" or (x.startswith("ce") and x[2:].isdigit()):
                shutil.rmtree(os.path.join(d, x), ignore_errors=True)
    os.makedirs(d, exist_ok=True)
    src = os.path.abspath(args.config or default_config())
    conf = os.path.join(d, "circuits.json")
    lab_config(src, conf)
    chk = subprocess.run([emu_bin(), "--check", conf], capture_output=True, text=True)
    if chk.returncode != 0:
        raise LabError(f"{src} is not a valid circuit config:\n{chk.stdout}{chk.stderr}")
    plan = json.loads(util.run([emu_bin(), "--plan", conf]))
    if not plan["sessions"]:
        raise LabError(f"{src} has no MSEE sessions to run")
    with_dp = not getattr(args, "no_dataplane", False)
    if with_dp and not add_dataplane_config(conf, plan):
        raise LabError(f"{emu_bin()} has no --dataplane (an older build?); rebuild it, or run "
                       f"lab up --no-dataplane")
    with open(conf) as f:
        cfg = json.load(f)
    given = args.ce_prefixes
    plain, per = sites.parse_prefixes([given] if isinstance(given, str) else given)
    per_circuit, why = sites.decide(getattr(args, "ce_per_circuit", None), cfg, plan, per)
    opts = {"cePrefixes": (plain if plain and not per_circuit else
                           sites.DEFAULT_PREFIXES.split(",")),
            "ceHoldTime": args.ce_hold_time,
            "preferPrimary": args.prefer_primary, "noCeBfd": args.no_ce_bfd,
            "dataplane": with_dp}
    state = {"name": name, "dir": d, "sourceConfig": src, "config": conf, "ce": args.ce,
             "ceOptions": opts, "api": "http://127.0.0.1:8179", "plan": plan,
             "netns": topology.ns_names(name), "processes": [], "ceExtra": {},
             "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    state["erNetns"] = state["netns"]["er"]
    if per_circuit:
        state["sites"] = sites.make(plan, opts, plain, per, lambda c: topology.ce_netns(name, c))
        state["ceOptions"] = state["sites"][0]["ceOptions"]
    ces = make_ces(state)  # checks the CE is there
    site_opts = {s["circuitIndex"]: s["ceOptions"] for s in state.get("sites", [])} or None
    t0 = time.monotonic()
    try:
        say(f"lab '{name}': {len(plan['sessions'])} MSEE sessions from {src}")
        if getattr(args, "ce_per_circuit", None) and not per_circuit:
            say(f"  note: --ce-per-circuit: {why}")
        if per_circuit:
            say(f"  one {args.ce} CE per circuit, as separate sites ({why}): " + "; ".join(
                f"{s['circuit']} in {s['netns']} ({', '.join(s['ceOptions']['cePrefixes'])})"
                for s in state["sites"]))
        state["topology"] = topology.build(name, plan, per_circuit)
        save(state)
        spaces = list(state["netns"].values()) + [s["netns"] for s in state.get("sites", [])
                                                  if s["netns"] != state["netns"]["ce"]]
        say(f"  namespaces {', '.join(spaces)}; "
            f"{len(state['topology']['links'])} links, "
            f"{'dot1Q sub-interfaces' if state['topology']['dot1q'] else 'a veth per peering'}")
        if with_dp:
            state["dataplane"] = dataplane.build(name, plan, state["topology"], opts, cfg,
                                                 site_opts)
            save(state)
            dp = state["dataplane"]
            say(f"  data plane: {', '.join(dp['azNetns'])}; "
                f"{len(dp['pairs'])} CE host -> VM pairs; "
                f"{', '.join(sorted({str(c['bandwidthInMbps']) for c in dp['circuits']}))} Mbps "
                f"per link and direction")
        ev = os.path.join(d, "events.jsonl")
        # MSEE_USER: msee-emu drops root once its sockets are open (--user, issue #14).
        user = ["--user", os.environ["MSEE_USER"]] if os.environ.get("MSEE_USER") else []
        threads = ["--threads", str(args.threads)] if getattr(args, "threads", None) else []
        rec = util.spawn("msee-emu", [emu_bin(), "--config", conf, *(["--dataplane"] if with_dp else []),
                                      "--api", "127.0.0.1:8179", *user, *threads,
                                      "--events", ev], os.path.join(d, "msee-emu.log"),
                         state["netns"]["er"])
        state["processes"].append(rec)
        save(state)
        util.wait_for("msee-emu's API", lambda: util.alive(rec) and api(state).sessions(), 15)
        say(f"  msee-emu up (pid {rec['pid']}); starting the {args.ce} CE"
            f"{'s' if len(ces) > 1 else ''}")
        for site, ce in ces:
            procs = ce.start()
            state["processes"] += sites.tag(procs, site) if site else procs
            save(state)
        if args.ce == "external":  # bring your own CE: it may come later (external.py)
            return up_external(state, ces, args.timeout, t0)
        wait_established(state, args.timeout)
        for _site, ce in ces:
            wait_routes(state, ce)
        if with_dp:
            dataplane.wait_ce_fib(state)
    except (LabError, KeyboardInterrupt) as e:
        logs = [p["log"] for p in state["processes"]]
        say(f"lab up failed: {e}" if isinstance(e, LabError) else "interrupted")
        for log in logs:
            tail = open(log, errors="replace").read()[-1500:] if os.path.exists(log) else ""
            if tail.strip():
                say(f"--- {log} (last lines)\n{tail}")
        down_state(name, quiet=True)
        raise LabError("lab up failed; everything it made was removed") from None
    state["upSeconds"] = round(time.monotonic() - t0, 2)
    save(state)
    say(f"lab '{name}' is up in {state['upSeconds']} s: every session Established")
    return state


def down_state(name, quiet=False):
    """Stops every process of the lab and deletes its namespaces. Idempotent."""
    d = lab_dir(name)
    stopped = []
    try:
        st = load(name)
        if st.get("attached"):  # lab attach: containers are not ours to stop
            gone = topology.detach(st)
            os.remove(os.path.join(d, "lab.json"))
            if not quiet:
                say(f"lab '{name}' detached: removed the names {', '.join(gone) or 'none'}; "
                    f"the containers run on")
            return {"name": name, "stopped": [], "removedNamespaces": gone, "logs": d}
        for p in reversed(st["processes"]):
            if util.alive(p):
                util.stop(p)
                stopped.append(f"{p['role']} ({p['pid']})")
    except LabError:
        pass
    # Whatever still runs inside the lab's namespaces was started by the lab.
    have = topology.existing_netns()
    for ns in list(topology.ns_names(name).values()) + topology.ce_namespaces(name, have) + \
            dataplane.az_namespaces(name, have):
        if ns not in have:
            continue
        for pid in util.ip("netns", "pids", ns, check=False).split():
            try:
                os.kill(int(pid), signal.SIGTERM)
                stopped.append(f"pid {pid} in {ns}")
            except (ProcessLookupError, ValueError):
                pass
        end = time.monotonic() + 5
        while util.ip("netns", "pids", ns, check=False).split() and time.monotonic() < end:
            time.sleep(0.1)
        for pid in util.ip("netns", "pids", ns, check=False).split():
            try:
                os.kill(int(pid), signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                pass
    gone = topology.destroy(name) + dataplane.destroy(name)
    if os.path.isdir(d):
        for f in ("lab.json", "lab.json.tmp"):
            if os.path.exists(os.path.join(d, f)):
                os.remove(os.path.join(d, f))
    if not quiet:
        say(f"lab '{name}' down: stopped {', '.join(stopped) or 'nothing'}; "
            f"removed namespaces {', '.join(gone) or 'none'} (logs kept in {d})")
    return {"name": name, "stopped": stopped, "removedNamespaces": gone, "logs": d}


def status(name):
    st = load(name)
    out = {"name": name, "ce": st["ce"], "config": st["sourceConfig"], "created": st["created"],
           "netns": st["netns"],
           "processes": [{"role": p["role"], "pid": p["pid"], "alive": util.alive(p)}
                         for p in st["processes"]]}
    if st.get("attached"):
        out["attached"] = {k: st["attached"][k] for k in ("containers", "pids")}
    try:
        out["sessions"] = [{k: s.get(k) for k in ("name", "state", "adminState", "ceAddress",
                                                     "routeLimit", "flaps")}
                           | {"bfd": (s.get("bfd") or {}).get("state")}
                           for s in api(st).sessions()]
    except LabError as e:
        out["sessions"] = []
        out["apiError"] = str(e)
    dp = st.get("dataplane")
    if dp:
        out["dataplane"] = {
            "ceRoutes": dp.get("ceRoutes"), "pairs": dp["pairs"],
            "ceHosts": [{k: h[k] for k in ("address", "prefix", "peeringType", "family")}
                        for h in dp["ceHosts"]],
            "vms": [{"circuit": c["circuit"], "azNetns": c["azNetns"], **a}
                    for c in dp["circuits"] for a in c["azure"]],
            "bandwidthInMbps": {c["circuit"]: c["bandwidthInMbps"] for c in dp["circuits"]}}
    if st.get("sites"):
        out["sites"] = [{"circuit": s["circuit"], "circuitIndex": s["circuitIndex"],
                         "netns": s["netns"], "cePrefixes": s["ceOptions"]["cePrefixes"]}
                        for s in st["sites"]]
    out["ceSessions"] = []
    for site, ce in make_ces(st):
        try:
            view = ce.observe(routes=False)
            out["ceSessions"] += [{"neighbor": a, **v} | ({"circuit": site["circuit"]} if site
                                                          else {})
                                  for a, v in sorted(view["sessions"].items())]
        except LabError as e:
            out["ceError"] = (out.get("ceError", "") + f"\n{e}").strip()
    return out


# The first words of router CLI commands (vtysh, birdc) that are also programs on the PATH.
ROUTER_VERBS = {"show", "clear", "configure", "conf", "debug", "no", "write", "enable", "disable",
                "restart", "reload", "down", "dump", "eval", "echo", "mrtdump", "graceful"}


def shell(name, target, cmd):
    st = load(name)
    if target.startswith("az"):
        c = target[2:] or "0"
        ns = dataplane.az_netns(name, c)
        if not c.isdigit() or ns not in (st.get("dataplane") or {}).get("azNetns", []):
            raise LabError(f"lab '{name}' has no namespace {ns} (lab up without --no-dataplane)")
    is_ce, site = target.startswith("ce"), None
    if is_ce:  # ce: circuit 0's CE (the one CE); ce<N> / ce:<circuit>: that circuit's site
        site = sites.shell_target(st, target)
        ns = site["netns"] if site else st["netns"]["ce"]
    elif not target.startswith("az"):
        ns = st["netns"]["er"]
    if is_ce and cmd and cmd[0] not in ROUTER_VERBS and shutil.which(cmd[0]):
        # A program (ping, traceroute, ip …) runs in the CE's namespace, not in its CLI.
        os.execvp("ip", ["ip", "netns", "exec", ns, *cmd])
    if is_ce:
        # Each CE's own CLI: vtysh -c CMD, birdc CMD, or a shell (builtin, external).
        argv = make_ce(st, site["circuit"] if site else None).shell_argv(cmd)
    else:
        argv = cmd or ["bash", "-i"]
    env = dict(os.environ, PS1=f"[{ns}] \\w# ")
    os.execvpe("ip", ["ip", "netns", "exec", ns, *argv], env)


def up_external(state, ces, timeout, t0):
    """`lab up --ce external`: says what to configure on the CE (each site's) and waits up to
    `timeout` for the sessions; the lab stays up if they do not come (start the CE, then
    `lab status`)."""
    for site, ce in ces:
        ns = site["netns"] if site else state["netns"]["ce"]
        say(f"  --ce external: start your CE{' for ' + site['circuit'] if site else ''} in "
            f"namespace {ns} (ip netns exec {ns} …) with these neighbors:")
        for line in ce.instructions():
            say(line)
    dp = state.get("dataplane") or (state.get("topology") or {}).get("dataplane")
    if dp and dp.get("pairs"):
        hosts = sorted({p["ceHost"] for p in dp["pairs"]})
        say(f"  data plane: the CE hosts {', '.join(hosts)} sit on the CE namespace's lo"
            f"{' (each site its own)' if state.get('sites') else ''}; "
            f"the CE must route the Azure prefixes over the MSEE links")
    try:
        wait_established(state, timeout)
    except LabError as e:
        say(f"  note: {e}; the lab stays up: start the CE, then msee-ctl lab status")
    state["upSeconds"] = round(time.monotonic() - t0, 2)
    save(state)
    say(f"lab '{state['name']}' is up in {state['upSeconds']} s (external CE)")
    return state
