"""bench/benchlib/location_report.py - the table of bench/location.py.

Owns: the per-target summary of the runs (the median of each figure over the runs that
completed, with min and max kept for the JSON), the printed table with a msee/BIRD ratio row,
and the lines that explain each column.
"""
import statistics

# (key in the run dict, column head, width, format of a value)
COLUMNS = (("established_s", "estab s", 8, "{:.2f}"),
           ("converge_s", "converge s", 11, "{:.2f}"),
           ("withdraw_s", "withdraw s", 11, "{:.2f}"),
           ("teardown_s", "teardown s", 11, "{:.2f}"),
           ("rss_idle", "RSS idle MB", 12, "mb"),
           ("rss_peak", "RSS peak MB", 12, "mb"),
           ("b_per_route", "B/route", 8, "{:.0f}"),
           ("kb_per_session", "KB/session", 11, "{:.1f}"))
BOUNDS = ("converge_s", "withdraw_s", "teardown_s")
EXTRA = ("target_established_s", "written_s", "stop_s", "rss_cold", "rss_converged",
         "rss_withdrawn") + tuple(k + "_lo" for k in BOUNDS)


def summarize(runs):
    """{key: {"median", "min", "max"}} over the completed runs, plus counts."""
    ok = [r for r in runs if r.get("ok")]
    out = {"runs": len(runs), "ok": len(ok)}
    for key in [c[0] for c in COLUMNS] + list(EXTRA):
        vals = [r[key] for r in ok if r.get(key) is not None]
        if vals:
            out[key] = {"median": statistics.median(vals), "min": min(vals), "max": max(vals)}
    cpu = {}
    for r in ok:
        for ph, v in r.get("cpu_s", {}).items():
            cpu.setdefault(ph, []).append(v)
    out["cpu_s"] = {ph: statistics.median(v) for ph, v in cpu.items()}
    # --api-probe: per endpoint, the worst p99 and max over the runs, and every sample count.
    api = {}
    for r in ok:
        for ep, x in (r.get("api_during_converge") or {}).items():
            a = api.setdefault(ep, {"n": 0, "p50_ms": [], "p99_ms": 0.0, "max_ms": 0.0,
                                    "errors": 0})
            a["n"] += x["n"]
            a["p50_ms"].append(x["p50_ms"])
            a["p99_ms"] = max(a["p99_ms"], x["p99_ms"])
            a["max_ms"] = max(a["max_ms"], x["max_ms"])
            a["errors"] += x["errors"]
    if api:
        out["api"] = {ep: dict(a, p50_ms=statistics.median(a["p50_ms"])) for ep, a in api.items()}
    return out


def cell(fmt, v):
    if v is None:
        return "-"
    if fmt == "mb":
        return f"{v / (1 << 20):.0f}"
    return fmt.format(v)


def table(topo, summaries, labels):
    """summaries: {target: summary}; labels: {target: printed name}."""
    head = (f"{'target':<10}{'circuits':>9}{'sessions':>9}{'routes':>11}"
            + "".join(f"{h:>{w}}" for _, h, w, _ in COLUMNS))
    lines = [head, "-" * len(head)]
    for t, s in summaries.items():
        row = f"{labels[t]:<10}{topo.n:>9}{len(topo.sessions):>9}{topo.routes():>11,}"
        for key, _, w, fmt in COLUMNS:
            v = s.get(key, {}).get("median") if s["ok"] else None
            row += f"{cell(fmt, v) if s['ok'] else 'FAILED':>{w}}"
        lines.append(row)
    if "msee" in summaries and "bird" in summaries:
        m, b = summaries["msee"], summaries["bird"]
        row = f"{'msee/BIRD':<10}{'':>9}{'':>9}{'':>11}"
        for key, _, w, _ in COLUMNS:
            mv, bv = m.get(key, {}).get("median"), b.get(key, {}).get("median")
            row += f"{(f'{mv / bv:.2f}' if mv is not None and bv else '-'):>{w}}"
        lines.append(row)
    for t, s in summaries.items():
        if s["ok"]:
            lines.append(f"{labels[t]}: lower bounds: " + ", ".join(
                f"{k[:-2]} >= {s[k + '_lo']['median']:.2f}" for k in BOUNDS if k + "_lo" in s)
                + "; target CPU s: " + ", ".join(f"{ph} {v:.2f}" for ph, v in s["cpu_s"].items()))
        if s.get("api"):
            lines.append(f"{labels[t]}: API while converging (--api-probe, worst p99 over the "
                         "runs): " + ", ".join(
                             f"{ep} n={a['n']} p50 {a['p50_ms']:.2f} ms p99 {a['p99_ms']:.2f} ms "
                             f"max {a['max_ms']:.1f} ms" + (f" errors {a['errors']}"
                                                           if a["errors"] else "")
                             for ep, a in sorted(s["api"].items())))
    return "\n".join(lines)


LEGEND = """\
estab s     "go" (every CE connects at once) to the last session Established (the CE's view;
            the target's own count is then read, see target_established_s in the JSON)
converge s  first UPDATE written to the first answer of the target's counters (msee-emu:
            sum of msee_bgp_prefixes_accepted in /metrics, or of prefixesReceived in
            /v1/sessions in the namespace; BIRD: sum of the channels' "Routes: N imported"
            in `show protocols all`) showing every prefix: an upper
            bound; the request of the answer before it is the lower bound (printed below).
            Polled every --poll s, and 3 x the quickest answer's time after each answer
withdraw s  every CE withdraws everything, until the accepted count reads 0
teardown s  the CEs send Cease and close, until the target shows no session Established
RSS idle    VmRSS with every session up and no route; RSS peak: VmHWM after convergence
B/route     (VmRSS converged - VmRSS idle) / routes; KB/session: (VmRSS idle - VmRSS with
            no session, listening) / sessions"""


def failures(runs):
    return [f"  {r['target']} run {r.get('run', '?')}: {r['error']}" for r in runs
            if not r.get("ok") and r.get("error")]
