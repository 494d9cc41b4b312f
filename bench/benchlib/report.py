"""bench/benchlib/report.py - what bgpbench prints and writes about its runs.

Owns: the one-line result of a run, the per-scenario summary (medians, min-max, RSS per route
and per peer, target CPU, other processes' CPU, ratio to BIRD of the same invocation), the
plain and Markdown tables, the closing block of a campaign (tables again, JSON file, failed
runs, targets not run), --report of an earlier JSON file, and the machine description.
"""
import json
import os
import platform
import statistics
from pathlib import Path

from .proc import loadavg
from .scenarios import Scenario, scenarios
from .targets import TARGETS

LABELS = {"floor": "floor (no target)", **{k: v.label for k, v in TARGETS.items()}}


def mb(v):
    return "-" if v is None else f"{v / 1e6:.1f}"


def summary_line(sc, r):
    if sc.kind == "idle":
        s = f"Established {r['establish_s']:.3f} s, converged {r['announce_s']:.3f} s"
        if r.get("rss_idle") is not None:
            per = (r["rss_idle"] - r["rss_base"]) / sc.peers
            s += f", {per / 1024:.1f} KB/peer"
        return s
    s = f"converged {r['announce_s']:.3f} s"
    if sc.kind == "withdraw":
        s += f", withdraw {r['withdraw_s']:.3f} s, re-announce {r['reannounce_s']:.3f} s"
    if r.get("rss_hwm") is not None:
        s += (f", peak RSS {mb(r['rss_hwm'])} MB, "
              f"{(r['rss_hwm'] - r['rss_idle']) / sc.total:.0f} B/route above idle")
    if r.get("target_cpu_s") is not None:
        s += f", target CPU {r['target_cpu_s']:.2f} s"
    fc = [f"cpu{i} {r[f'foreign_cpu{i}_pct']:.0f}%" for i in (0, 1)
          if r.get(f"foreign_cpu{i}_pct") is not None]
    if r.get("steal_cpu1_pct"):
        fc.append(f"steal on cpu1 {r['steal_cpu1_pct']:.0f}%")
    if fc:
        s += ", other processes' CPU: " + " ".join(fc)
    return s


# ---------------------------------------------------------------------------------- summary
def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt_s(x):
    return "-" if x is None else (f"{x:.3f}" if x < 10 else f"{x:.2f}" if x < 100 else f"{x:.1f}")


def summarize(sc, runs, targets):
    """Per target summary dict + printable table for one scenario."""
    summ = {}
    for t in targets:
        ok = [r for r in runs.get(t, []) if r.get("ok")]
        s = {"runs": len(runs.get(t, [])), "ok": len(ok)}
        metrics = {"load": ["announce_s"], "idle": ["establish_s", "announce_s"],
                   "withdraw": ["announce_s", "withdraw_s", "reannounce_s"]}[sc.kind]
        for key in metrics + ["announce_first_s"]:
            vals = [r[key] for r in ok if r.get(key) is not None]
            if vals:
                s[key] = {"median": med(vals), "min": min(vals), "max": max(vals), "all": vals}
        hwm = [r["rss_hwm"] for r in ok if r.get("rss_hwm")]
        idle = [r["rss_idle"] for r in ok if r.get("rss_idle")]
        if hwm:
            s["rss_hwm_median"] = med(hwm)
            s["rss_idle_median"] = med(idle)
            s["bytes_per_route_above_idle"] = med(
                [(r["rss_hwm"] - r["rss_idle"]) / sc.total for r in ok if r.get("rss_hwm")])
        if sc.kind == "idle" and idle:
            s["kb_per_peer"] = med([(r["rss_idle"] - r["rss_base"]) / sc.peers / 1024
                                    for r in ok if r.get("rss_idle")])
            base = ok[0].get("rss_baseline")
            if base:
                s["kb_per_peer_incl_config"] = med([(r["rss_idle"] - base) / sc.peers / 1024
                                                    for r in ok])
        cpu = [r["target_cpu_s"] for r in ok if r.get("target_cpu_s") is not None]
        if cpu:
            s["target_cpu_s_median"] = med(cpu)
        for i in (0, 1):
            fc = [r[f"foreign_cpu{i}_pct"] for r in ok if r.get(f"foreign_cpu{i}_pct") is not None]
            if fc:
                s[f"foreign_cpu{i}_pct_max"] = max(fc)
        summ[t] = s
    # ratio to BIRD from the same invocation (medians), per metric
    b = summ.get("bird", {})
    for t, s in summ.items():
        for key in ("announce_s", "establish_s", "withdraw_s", "reannounce_s"):
            if key in s and key in b and b[key]["median"]:
                s.setdefault("ratio_to_bird", {})[key] = s[key]["median"] / b[key]["median"]
    return summ


def table(sc, summ, label_of, markdown=False):
    def cell(s, key):
        if key not in s:
            return "-", "-"
        v = s[key]
        return fmt_s(v["median"]), f"{fmt_s(v['min'])}-{fmt_s(v['max'])}"

    def ratio(s, key):
        r = s.get("ratio_to_bird", {}).get(key)
        return "-" if r is None else f"{r:.2f}"

    def noise(s):
        v = s.get("foreign_cpu1_pct_max")
        return "-" if v is None else f"{v:.0f}"

    rows = []
    if sc.kind == "load":
        head = ["target", "ok", "converge s", "min-max s", "first s", "peak RSS MB",
                "idle RSS MB", "B/route>idle", "CPU s", "ratio/BIRD", "other CPU1 %"]
        for t, s in summ.items():
            m, mm = cell(s, "announce_s")
            f, _ = cell(s, "announce_first_s")
            bpr = s.get("bytes_per_route_above_idle")
            rows.append([label_of(t), f"{s['ok']}/{s['runs']}", m, mm, f,
                         mb(s.get("rss_hwm_median")), mb(s.get("rss_idle_median")),
                         "-" if bpr is None else f"{bpr:.0f}",
                         fmt_s(s.get("target_cpu_s_median")), ratio(s, "announce_s"),
                         noise(s)])
    elif sc.kind == "idle":
        head = ["target", "ok", "all Established s", "min-max s", "converge s", "min-max s",
                "idle RSS MB", "KB/peer", "KB/peer incl. config", "ratio/BIRD (estab.)"]
        for t, s in summ.items():
            e, emm = cell(s, "establish_s")
            c, cmm = cell(s, "announce_s")
            kb = s.get("kb_per_peer")
            kbc = s.get("kb_per_peer_incl_config")
            rows.append([label_of(t), f"{s['ok']}/{s['runs']}", e, emm, c, cmm,
                         mb(s.get("rss_idle_median")), "-" if kb is None else f"{kb:.1f}",
                         "-" if kbc is None else f"{kbc:.1f}", ratio(s, "establish_s")])
    else:
        head = ["target", "ok", "announce s", "withdraw s", "min-max s", "re-announce s",
                "min-max s", "peak RSS MB", "ratio/BIRD wd", "ratio/BIRD re-ann.",
                "other CPU1 %"]
        for t, s in summ.items():
            a, _ = cell(s, "announce_s")
            w, wmm = cell(s, "withdraw_s")
            ra, ramm = cell(s, "reannounce_s")
            rows.append([label_of(t), f"{s['ok']}/{s['runs']}", a, w, wmm, ra, ramm,
                         mb(s.get("rss_hwm_median")), ratio(s, "withdraw_s"),
                         ratio(s, "reannounce_s"), noise(s)])
    if markdown:
        out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        out += ["| " + " | ".join(str(x) for x in r) + " |" for r in rows]
        return "\n".join(out)
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    lines = ["  ".join(str(x).ljust(w) for x, w in zip(head, widths))]
    lines.append("  ".join("-" * w for w in widths))
    for r in rows:
        lines.append("  ".join(str(x).ljust(w) for x, w in zip(r, widths)))
    return "\n".join(lines)


def report_from_json(path, markdown):
    """Re-print the tables of an earlier --json result (no measurement)."""
    d = json.loads(Path(path).read_text())
    kinds = {sid: sc.kind for sid, sc in scenarios(False).items()}
    print(f"command: {d.get('command')}")
    print(f"machine: {d.get('machine')}")
    print(f"versions: {d.get('versions')}")
    for sid, s in d["scenarios"].items():
        sc = Scenario(sid, s["peers"], s["per_peer"], kinds.get(sid, "load"), s["title"])
        print(f"\n{'####' if markdown else '=='} {sid}: {s['title']}\n")
        print(table(sc, s["summary"], LABELS.__getitem__, markdown))
    return 0


def final_report(say, args, results, tables, failures, unavailable):
    """The closing block: every table again, the JSON file, the failed runs, the targets
    not run."""
    if tables:
        say("\n######## results " + ("(quick sizes) " if args.quick else "") + "########")
        for sc, tab in tables:
            say(f"\n== {sc.id}: {sc.title}\n{tab}")
        say("\nconvergence = sink received the last expected prefix - senders started "
            "writing; RSS from /proc (VmRSS idle, VmHWM peak); ratio = median / BIRD median "
            "of this invocation")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str) + "\n")
        say(f"JSON written to {args.json}")
    if failures:
        say(f"\nFAILED runs ({len(failures)}):\n  " + "\n  ".join(failures))
    if unavailable:
        say("targets not run: " + "; ".join(f"{k}: {v}" for k, v in unavailable.items()))


def machine_info():
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    total = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                total = f"{int(line.split()[1]) // 1024} MB"
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu_model": model, "mem_total": total,
            "kernel": platform.release(), "python": platform.python_version(),
            "loadavg_start": loadavg()}
