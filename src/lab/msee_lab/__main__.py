"""Command line of msee-lab (run as `msee-ctl lab|drill|validate-limits …`).

Exit codes: 0 ok, 1 a drill or limit check failed, 2 usage, 3 the lab could not do it.
"""
import argparse
import json
import os
import re
import sys

from . import drills, lab, probe, traffic
from .util import LabError, prefix_key

DRILLS = ("silent-failure", "failover-test", "maintenance", "peering-reset", "flap",
          "route-limit")


def table(rows, columns):
    if not rows:
        return "(none)\n"
    cells = [[("" if r.get(c) is None else str(r.get(c))) for c in columns] for r in rows]
    w = [max(len(c), *(len(x[i]) for x in cells)) for i, c in enumerate(columns)]
    out = ["  ".join(c.ljust(w[i]) for i, c in enumerate(columns)).rstrip()]
    out += ["  ".join(x[i].ljust(w[i]) for i in range(len(columns))).rstrip() for x in cells]
    return "\n".join(out) + "\n"


def print_route_tables(state):
    a = lab.api(state)
    shown = set()
    for s in state["plan"]["sessions"]:
        key = (s["circuit"], s["peeringType"], s["path"], s["family"])
        if key in shown or not s["enabled"]:
            continue
        shown.add(key)
        fam = "" if s["family"] == "ipv4" else "&family=ipv6"
        rows = a.get(f"/v1/circuits/{s['circuit']}/peerings/{s['peeringType']}/routeTables"
                     f"?path={s['path']}{fam}")["value"]
        print(f"\n{s['circuit']} {s['peeringType']} {s['path']} {s['family']} "
              f"(az network express-route list-route-tables):")
        print(table(rows, ["network", "nextHop", "locPrf", "weight", "path"]), end="")
    by = {s["mseeAddress"]: s for s in state["plan"]["sessions"]}
    for site, ce in lab.make_ces(state):
        view = ce.observe()
        rows = [{"prefix": p, "best": f"{by[r['best']]['path']} ({r['best']})"
                 if r["best"] in by else r["best"], "paths": len(r["paths"]),
                 "asPath": " ".join(map(str, r["paths"].get(r["best"], [])))}
                for p, r in sorted(view["routes"].items(), key=lambda i: prefix_key(i[0]))
                if any(x in by for x in r["paths"])]
        print(f"\nThe CE ({state['ce']}" + (f", site {site['circuit']} in {site['netns']}"
                                           if site else "") + ") holds these Azure routes:")
        print(table(rows, ["prefix", "best", "paths", "asPath"]), end="")


TRAFFIC_COLUMNS = ["pair", "dir", "flow", "sent", "lost", "outages", "worstMs", "before",
                   "during", "after", "asym", "reord"]


def print_traffic(t, title="Traffic"):
    """The probe's table: a row per pair, direction and flow; outages as start+length (ms)."""
    win = t.get("window")
    print(f"\n{title} (one packet per flow every {t['intervalMs']:g} ms; outages: "
          f"start+duration ms{'; links before/during/after the failure' if win else ''}):")
    print(table(traffic.rows(t), TRAFFIC_COLUMNS), end="")
    for d, x in t["directions"].items():
        print(f"  {d}: {x['sent']} sent, {x['lost']} lost, worst outage {x['worstOutageMs']:g} ms,"
              f" {x['flowsWithLoss']} flow(s) with loss")
    for p in t["pacing"]:
        errs = sum(sum(e.values()) for e in p.get("sendErrors", {}).values())
        print(f"  sender in {p['netns']}: {p['achievedPps']} pps of {p['targetPps']} "
              f"(late p50 {p['lateP50Ms']} / p99 {p['lateP99Ms']} / max {p['lateMaxMs']} ms, "
              f"largest batch {p['largestBatch']}){f', {errs} send errors' if errs else ''}")
    if t.get("asymmetricFlows"):
        print(f"  {t['asymmetricFlows']} flow(s) asymmetric: forward and return over different "
              f"links at the same time")


def print_report(r):
    print(f"drill {r['drill']}: circuit {r['circuit']}, {r['target']}, CE {r['ce']}")
    print("\nTimeline (ms after the first injection):")
    print(table(r["timeline"], ["atMs", "event"]), end="")
    f = r["figures"]
    print("\nFigures (times in ms after the first injection, as the timeline's; each is "
          "defined in docs/drills.md §2):")
    def show(v):
        if isinstance(v, list):
            return ", ".join(v)
        if isinstance(v, dict):
            return ", ".join(f"{k.split('/', 1)[-1]}: {x}" for k, x in v.items())
        return v
    rows = [{"figure": k, "value": show(v)} for k, v in f.items()]
    print(table(rows, ["figure", "value"]), end="")
    if r.get("traffic"):
        print_traffic(r["traffic"])
        for n in r["traffic"].get("notes", []):
            print(f"  note: {n}")
    if r.get("azureResult"):
        print("\nAzure's failover test result: " + json.dumps(r["azureResult"]))
    for n in r.get("notes") or []:
        print(f"\nnote: {n}")
    print("\nChecks:")
    print(table([{**c, "ok": "PASS" if c["ok"] else "FAIL"} for c in r["checks"]],
                ["ok", "check", "detail"]), end="")
    print(f"\n{'drill passed' if r['ok'] else 'drill FAILED'}")


def threads_arg(text):
    n = int(text)
    if n < 1:
        raise argparse.ArgumentTypeError("at least 1")
    return n


def parser():
    p = argparse.ArgumentParser(prog="msee-ctl", description="msee-emu's lab and drills")
    p.add_argument("--lab-name", dest="name", default="msee-lab",
                   help="lab name (namespaces <name>-ce/-er/-sw; default msee-lab, or "
                        "$MSEE_LAB_NAME)")
    sub = p.add_subparsers(dest="cmd", required=True)

    lp = sub.add_parser("lab", help="bring a lab up, show it, enter it, take it down")
    ls = lp.add_subparsers(dest="lab", required=True)
    u = ls.add_parser("up", help="namespaces, links, msee-emu and a CE; waits for every session")
    u.add_argument("--config", help="circuit config (default config/default.json)")
    u.add_argument("--ce", default="frr", choices=["frr", "bird", "builtin", "external"],
                   help="the CE router (default frr; builtin needs nothing installed; external "
                        "starts none: bring your own into the CE namespace)")
    u.add_argument("--ce-prefixes", action="append", metavar="[CIRCUIT=]PREFIX,...",
                   help="on-premises prefixes the CE announces on private peering (default "
                        "10.50.0.0/16,fdbb:50::/48); with one CE per circuit, CIRCUIT=... "
                        "(a name or an index; repeatable) sets that site's (default circuit "
                        "C: 10.<50+10C>.0.0/16,fdbb:<50+10C>::/48)")
    site = u.add_mutually_exclusive_group()
    site.add_argument("--ce-per-circuit", dest="ce_per_circuit", action="store_true",
                      default=None,
                      help="one CE router and namespace per circuit, as separate sites "
                           "(<name>-ce, <name>-ce1, ...); the default when the config's "
                           "circuits are linked by Global Reach")
    site.add_argument("--one-ce", dest="ce_per_circuit", action="store_false",
                      help="one CE router and namespace for every circuit (the default "
                           "without Global Reach)")
    u.add_argument("--ce-hold-time", type=int, default=None,
                   help="the CE's hold time (default: the router's own; builtin 9 s)")
    u.add_argument("--prefer-primary", action="store_true",
                   help="local preference 200 on the primary link (R91); note that it makes "
                        "the CE ignore Microsoft's maintenance prepend (R64)")
    u.add_argument("--no-ce-bfd", action="store_true", help="no BFD on the CE")
    u.add_argument("--timeout", type=float, default=120, help="seconds to wait for sessions")
    u.add_argument("--no-dataplane", action="store_true",
                   help="BGP only: no Azure-side namespaces, routes, shaping or filters")
    u.add_argument("--threads", type=threads_arg, default=None, metavar="N",
                   help="msee-emu's protocol threads (default: the number of cores)")
    at = ls.add_parser("attach", help="drive msee-emu in containers (a containerlab lab of "
                       "lab/containerlab/) with the drills, the probe and lab shell")
    at.add_argument("--containerlab", metavar="LAB",
                    help="containerlab's names for the topology LAB: clab-LAB-msee, "
                         "clab-LAB-az<C>, and as CE whichever other node holds the CE "
                         "addresses (one for every circuit, or one per circuit: sites)")
    at.add_argument("--msee", metavar="CONTAINER", help="the msee node's container")
    at.add_argument("--ce-container", action="append", metavar="[C=]CONTAINER",
                    help="the CE's container; repeatable: one per circuit (C, a circuit's "
                         "name or index, ties it; else the CE addresses it holds tell)")
    at.add_argument("--vnet", action="append", metavar="C=CONTAINER",
                    help="circuit C's VNet node (MSEE_ROLE=vnet); repeatable")
    at.add_argument("--runtime", help="container CLI: docker (default if installed), podman, "
                                      "or a command line with its options")
    at.add_argument("--api", help="msee-emu's API inside the msee container "
                                  "(default http://127.0.0.1:8179)")
    ls.add_parser("status", help="processes, MSEE and CE sessions")
    sh = ls.add_parser("shell", help="a shell (or vtysh/birdc) in the CE or MSEE namespace")
    sh.add_argument("where", metavar="{ce,ce<N>,ce:<circuit>,er,az[N]}",
                    help="the CE's or the MSEE's namespace, or circuit N's Azure side (az = "
                         "az0); with one CE per circuit, ce is circuit 0's, ceN circuit N's")
    sh.add_argument("command", nargs=argparse.REMAINDER, help="-- CMD: run CMD instead")
    ls.add_parser("down", help="stop everything the lab started and delete its namespaces")
    tr = ls.add_parser("traffic", help="UDP probe streams both ways between the CE's hosts and "
                                       "Azure's VMs: loss, outages, links per flow")
    tr.add_argument("--duration", type=float, default=10, help="seconds (default 10)")
    tr.add_argument("--flows", type=int, default=4,
                    help="UDP flows per pair and direction (distinct ports; default 4)")
    tr.add_argument("--interval-ms", type=float, default=1.0,
                    help="ms between two packets of a flow (default 1)")
    tr.add_argument("--pair", action="append",
                    help="only the pairs matching this (index, circuit, peering, family or "
                         "address); repeatable")

    d = sub.add_parser("drill", help="run a failure drill and report what the CE saw")
    d.add_argument("drill", choices=DRILLS)
    d.add_argument("--circuit", help="circuit (default the lab's first)")
    d.add_argument("--link-type", default="Primary", choices=["Primary", "Secondary"])
    d.add_argument("--category", default="BgpDisconnect",
                   choices=["BgpDisconnect", "ASPathPrepend"], help="failover-test (R68)")
    d.add_argument("--prepends", type=int, default=3, help="extra 12076s (Q7, default 3)")
    d.add_argument("--hold", type=float, default=3, help="seconds to hold the failure")
    d.add_argument("--wait-all", action="store_true",
                   help="silent-failure: wait for the sessions without BFD too (hold timer)")
    d.add_argument("--drain", type=float, default=3, help="maintenance: seconds drained first")
    d.add_argument("--count", type=int, default=3, help="flap: how many flaps")
    d.add_argument("--interval-s", type=float, default=4, help="flap: seconds per flap")
    d.add_argument("--peering", default="AzurePrivatePeering",
                   help="peering-reset / route-limit: the peering")
    d.add_argument("--family", default="ipv4", help="route-limit: ipv4 or ipv6")
    d.add_argument("--interval", type=float, default=0.02, help="CE sampling pause, seconds")
    d.add_argument("--timeout", type=float, default=60, help="seconds for each wait")
    d.add_argument("--ce", choices=["external"],
                   help="external: read the drill from the MSEE side and the probe only, as "
                        "for a CE the lab did not start")
    d.add_argument("--no-traffic", action="store_true",
                   help="no traffic probe (by default it runs when the lab has a data plane)")
    d.add_argument("--flows", type=int, default=4, help="probe flows per pair and direction")
    d.add_argument("--probe-interval-ms", type=float, default=1.0,
                   help="ms between two probe packets of a flow (default 1)")

    v = sub.add_parser("validate-limits", help="route-limit breach scenarios (R36, Q1)")
    v.add_argument("--circuit")
    v.add_argument("--peering", help="only this peering")
    v.add_argument("--family", choices=["ipv4", "ipv6"], help="only this family")
    v.add_argument("--timeout", type=float, default=60, help="seconds for each wait")
    return p


def main(argv):
    output = "table" if sys.stdout.isatty() else "json"
    name = os.environ.get("MSEE_LAB_NAME", "msee-lab")
    rest = []
    i = 0
    while i < len(argv):  # msee-ctl's global options, wherever they stand
        if argv[i] in ("-o", "--output") and i + 1 < len(argv):
            output = argv[i + 1]
            i += 2
            continue
        if argv[i] in ("--api", "--token", "--netns") and i + 1 < len(argv):
            i += 2
            continue
        if argv[i] == "--lab-name" and i + 1 < len(argv):
            name = argv[i + 1]
            i += 2
            continue
        rest.append(argv[i])
        i += 1
    if output not in ("json", "table"):
        print("msee-ctl: -o must be json or table", file=sys.stderr)
        return 2
    args = parser().parse_args(rest)
    args.name = name
    emit = (lambda doc: print(json.dumps(doc, indent=2))) if output == "json" else None
    try:
        if args.cmd == "lab" and args.lab == "up":
            state = lab.up(args)
            if emit:
                emit(lab.status(args.name))
            else:
                print_route_tables(state)
                ctl = os.environ.get("MSEE_CTL", "msee-ctl")
                ctl = os.path.relpath(ctl) if ctl.startswith(os.getcwd() + "/") else ctl
                print(f"\nThe lab is up. A failover drill, with the CE's timeline:\n"
                      f"  {ctl} drill silent-failure\n"
                      f"More: {ctl} lab status | lab shell ce | drill --help | "
                      f"validate-limits | lab down   (docs/drills.md)")
            return 0
        if args.cmd == "lab" and args.lab == "attach":
            from . import attach
            state = attach.attach(args)
            if emit:
                emit(lab.status(args.name))
            else:
                print_route_tables(state)
            return 0
        if args.cmd == "lab" and args.lab == "down":
            r = lab.down_state(args.name, quiet=emit is not None)
            if emit:
                emit(r)
            return 0
        if args.cmd == "lab" and args.lab == "status":
            st = lab.status(args.name)
            if emit:
                emit(st)
            else:
                print(f"lab {st['name']}: CE {st['ce']}, config {st['config']}, "
                      f"up since {st['created']}")
                print(table(st["processes"], ["role", "pid", "alive"]))
                print(table([s | {"bfd": s.get("bfd") or ""} for s in st["sessions"]],
                            ["name", "state", "adminState", "bfd", "ceAddress", "flaps"]))
                for x in st.get("sites", []):
                    print(f"Site {x['circuit']}: CE in {x['netns']}, announcing "
                          f"{', '.join(x['cePrefixes'])}")
                print("The CE's sessions:\n" + table(st.get("ceSessions", []),
                                                       ["neighbor", "state", "bfd",
                                                        "received"] +
                                                       (["circuit"] if st.get("sites") else [])),
                      end="")
                dp = st.get("dataplane")
                if dp:
                    print(f"\nData plane (CE routes in the MSEE: {dp['ceRoutes']}):")
                    print(table([{**v, "bandwidthInMbps": dp["bandwidthInMbps"][v["circuit"]]}
                                 for v in dp["vms"]], ["circuit", "peeringType", "address",
                                                       "prefix", "azNetns", "bandwidthInMbps"]),
                          end="")
                    print("CE hosts (on the CE's lo): " +
                          ", ".join(dict.fromkeys(h["address"] for h in dp["ceHosts"])))
                if st.get("apiError") or st.get("ceError"):
                    print(st.get("apiError") or st.get("ceError"))
            return 0 if all(p["alive"] for p in st["processes"]) else 1
        if args.cmd == "lab" and args.lab == "traffic":
            if args.flows < 1 or args.interval_ms <= 0 or args.duration <= 0:
                print("msee-ctl: --flows, --interval-ms and --duration must be positive",
                      file=sys.stderr)
                return 2
            t = probe.run_traffic(lab.load(args.name), args.duration, args.flows,
                                  args.interval_ms, args.pair)
            if emit:
                emit(t)
            else:
                print_traffic(t)
            return 0
        if args.cmd == "lab" and args.lab == "shell":
            if args.where != "er" and not re.fullmatch(r"az\d*|ce\d*|ce:.+", args.where):
                print("msee-ctl: lab shell: where must be ce, ce<N>, ce:<circuit>, er or az[N]",
                      file=sys.stderr)
                return 2
            cmd = [c for c in args.command if c != "--"] if args.command else []
            lab.shell(args.name, args.where, cmd)
            return 0
        if args.cmd == "drill" and args.drill == "route-limit":
            r = drills.validate_limits(args)
        elif args.cmd == "drill":
            r = drills.run_drill(args)
            if emit:
                emit(r)
            else:
                print_report(r)
            return 0 if r["ok"] else 1
        else:
            r = drills.validate_limits(args)
        if emit:
            emit(r)
        else:
            print(table(r["rows"], ["peering", "session", "family", "limit", "atLimit",
                                    "advertised", "overLimit", "recovered"]), end="")
            print("\nall limits behave as Azure's" if r["ok"] else "\nsome limits did NOT "
                  "behave as Azure's")
        return 0 if r["ok"] else 1
    except LabError as e:
        print(f"msee-ctl: {e}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        print("msee-ctl: interrupted", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
