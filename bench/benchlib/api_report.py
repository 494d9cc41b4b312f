"""bench/benchlib/api_report.py - api_latency.py's statistics, result and table.

Owns: percentiles, the per phase and endpoint summary (count, p50/p95/p99/max/mean, body size,
rows, errors), the loading transfer window, the verdict (p99 of the small endpoints under
--limit-ms in every phase, no request errors), the JSON result dict, the printed table, and the
machine and build facts it names.
"""
import os

from .api_setup import ENDPOINT_ORDER, PHASE_ORDER, SMALL
from .proc import cmake_build_info, loadavg


def pct(sorted_xs, q):
    """Percentile q (0..100) with linear interpolation between closest ranks."""
    if not sorted_xs:
        return None
    k = (len(sorted_xs) - 1) * q / 100.0
    lo = int(k)
    hi = min(lo + 1, len(sorted_xs) - 1)
    return sorted_xs[lo] + (sorted_xs[hi] - sorted_xs[lo]) * (k - lo)


def summarize(xs, nbytes):
    s = sorted(xs)
    ms = lambda v: None if v is None else round(v * 1000.0, 3)  # noqa: E731
    return {"count": len(s), "p50_ms": ms(pct(s, 50)), "p95_ms": ms(pct(s, 95)),
            "p99_ms": ms(pct(s, 99)), "max_ms": ms(s[-1] if s else None),
            "mean_ms": ms(sum(s) / len(s) if s else None),
            "body_bytes": (sorted(nbytes)[len(nbytes) // 2] if nbytes else None)}


def fmt_ms(v):
    if v is None:
        return "-"
    return f"{v:.1f}" if v >= 10 else f"{v:.2f}"


def build_result(bench):
    """The result dict (the JSON output) of a finished Bench run."""
    a = bench.args
    rec = bench.rec
    phases = [p for p in PHASE_ORDER if any(k[0] == p for k in rec.samples)]
    stats = {}
    for ph in phases:
        for ep in ENDPOINT_ORDER:
            xs = rec.samples.get((ph, ep))
            if xs:
                s = summarize(xs, rec.bytes.get((ph, ep), []))
                if (ph, ep) in rec.rows:
                    s["rows"] = rec.rows[(ph, ep)]
                errs = rec.errors.get((ph, ep), [])
                s["errors"] = len(errs)
                if errs:
                    s["first_error"] = errs[0]
                stats.setdefault(ph, {})[ep] = s
    # the part of "loading" where routes were actually arriving (first prefix seen -> full)
    load = bench.result.get("load", {})
    transfer = {}
    if load.get("t_first_prefix") is not None:
        lo, hi = load["t_first_prefix"] - a.poll_interval, load["t_full"]
        for (t, ph, ep, dt) in rec.timeline:
            if ph == "loading" and lo <= t <= hi:
                transfer.setdefault(ep, []).append(dt)
    transfer_stats = {ep: summarize(xs, []) for ep, xs in transfer.items()}

    verdict = {}
    ok = True
    for ph in phases:
        per = {}
        for ep in SMALL:
            s = stats.get(ph, {}).get(ep)
            p99 = s["p99_ms"] if s else None
            per[ep] = p99
            if p99 is None or p99 >= a.limit_ms:
                ok = False
        verdict[ph] = per
    errors = sum(len(v) for v in rec.errors.values())
    if errors:
        ok = False
    result = {
        "issue": "#5: the API answers within 100 ms under load",
        "limit_ms": a.limit_ms,
        "routes_per_session": a.routes,
        "msee_emu": os.path.abspath(a.msee_emu),
        "build_type": build_type(a.msee_emu),
        "api": a.api,
        "keepalive": not a.fresh_connections,
        "machine": machine_info(a.loadavg_start),
        "load": {k: v for k, v in load.items() if not k.startswith("t_")},
        "churn": bench.result.get("churn"),
        "msee_cpu_s": {k: round(v, 3) for k, v in (bench.cpu_msee or {}).items()},
        "msee_rss_mb": round((bench.result.get("msee_rss_bytes") or 0) / 1048576, 1),
        "phases": stats,
        "loading_transfer_window": transfer_stats,
        "errors": {f"{p}/{e}": v for (p, e), v in rec.errors.items()},
        "verdict": {"small_p99_ms": verdict, "pass": ok},
    }
    return result


def render_table(r, limit_ms):
    """The printed result of build_result's dict: load facts, the latency table, verdicts."""
    out = []
    m = r["machine"]
    out.append(f"msee-emu API latency under BGP load (issue #5) - {r['routes_per_session']} "
               f"routes per session, 2 sessions, {'keep-alive' if r['keepalive'] else 'new connection per request'}")
    out.append(f"binary {r['msee_emu']} ({r['build_type'] or 'build type unknown'}); "
               f"{m['cpus']} CPUs, load average {m['loadavg_start']} at start, "
               f"{m['loadavg_end']} at end")
    ld = r["load"]
    if ld:
        out.append(f"table load: both sessions at {ld['routes_per_session']} prefixes "
                   f"{ld['seconds_from_ce_start']:.3f} s after the CE started (both Established "
                   f"by {fmt_s(ld['seconds_both_established'])} s, first prefix seen at "
                   f"{fmt_s(ld['seconds_first_prefix_seen'])} s, first prefix -> full "
                   f"{fmt_s(ld['seconds_first_prefix_to_full'])} s; poll every "
                   f"{ld['poll_interval_s'] * 1000:.0f} ms)")
        for path, steps in ld.get("progress", {}).items():
            cells = [f"{v}@{t:.3f}" for t, v in steps]
            if len(cells) > 12:
                cells = cells[:6] + [f"... ({len(cells) - 12} more)"] + cells[-6:]
            out.append(f"  {path:9s} statePfxRcd at s after the CE started: " +
                       ", ".join(cells))
    if r.get("churn"):
        ws = [c["withdraw_s"] for c in r["churn"]]
        ans = [c["announce_s"] for c in r["churn"]]
        out.append(f"churn: {len(ws)} cycle(s) withdraw all / re-announce all: withdraw "
                   f"{min(ws):.3f}-{max(ws):.3f} s, re-announce {min(ans):.3f}-{max(ans):.3f} s")
    out.append("msee-emu CPU seconds per phase: " + ", ".join(
        f"{k} {v:.2f}" for k, v in r["msee_cpu_s"].items()) + f"; RSS {r['msee_rss_mb']} MB")
    out.append("")
    hdr = ["phase", "endpoint", "count", "p50 ms", "p95 ms", "p99 ms", "max ms", "body KB",
           "rows", "errors"]
    rows = []
    for ph, eps in r["phases"].items():
        for ep, s in eps.items():
            rows.append([ph, ep, str(s["count"]), fmt_ms(s["p50_ms"]), fmt_ms(s["p95_ms"]),
                         fmt_ms(s["p99_ms"]), fmt_ms(s["max_ms"]),
                         f"{(s['body_bytes'] or 0) / 1024:.1f}", str(s.get("rows", "")),
                         str(s["errors"])])
    if r["loading_transfer_window"]:
        for ep in ENDPOINT_ORDER:
            s = r["loading_transfer_window"].get(ep)
            if s:
                rows.append(["(1st pfx->full)", ep, str(s["count"]), fmt_ms(s["p50_ms"]),
                             fmt_ms(s["p95_ms"]), fmt_ms(s["p99_ms"]), fmt_ms(s["max_ms"]),
                             "", "", ""])
    w = [max(len(h), *(len(x[i]) for x in rows)) if rows else len(h)
         for i, h in enumerate(hdr)]
    out.append("  ".join(h.ljust(w[i]) for i, h in enumerate(hdr)).rstrip())
    out.append("  ".join("-" * w[i] for i in range(len(hdr))))
    for x in rows:
        out.append("  ".join(c.ljust(w[i]) for i, c in enumerate(x)).rstrip())
    out.append("")
    out.append("summary/2nd = the load poller on a second connection, concurrent with the "
               "client (can queue behind a routeTables answer); (1st pfx->full) = loading "
               "samples from the first prefix seen to the full table.")
    out.append("latency = request sent -> last body byte read, by one Python client; body KB "
               "= median body size.")
    parts = []
    for ph, per in r["verdict"]["small_p99_ms"].items():
        worst = max((v for v in per.values() if v is not None), default=None)
        parts.append(f"{ph} {fmt_ms(worst)} ms")
    rt = [(ph, eps["routeTables"]) for ph, eps in r["phases"].items() if "routeTables" in eps]
    rt_full = [(ph, s) for ph, s in rt if ph == "steady"] or rt
    rt_text = "; ".join(f"{ph}: p50 {fmt_ms(s['p50_ms'])} ms, p99 {fmt_ms(s['p99_ms'])} ms, "
                        f"max {fmt_ms(s['max_ms'])} ms for {s.get('rows', '?')} rows / "
                        f"{(s['body_bytes'] or 0) / 1048576:.2f} MB" for ph, s in rt_full)
    nerr = sum(len(v) for v in r["errors"].values())
    out.append(f"VERDICT: {'PASS' if r['verdict']['pass'] else 'FAIL'} - worst p99 of the "
               f"small endpoints (summary, sessions, metrics) per phase: {', '.join(parts)} "
               f"(limit {limit_ms:g} ms)" + (f"; {nerr} request error(s)" if nerr else ""))
    out.append(f"VERDICT: full routeTables {rt_text}")
    return "\n".join(out)


def fmt_s(v):
    return "-" if v is None else f"{v:.3f}"


def build_type(binary):
    """CMAKE_BUILD_TYPE of the binary's build ("+sanitizers" if on), or None."""
    bt, san = cmake_build_info(binary)
    if bt is None:
        return None
    return bt + ("+sanitizers" if san else "")


def loadavg_text():
    try:
        return " ".join(loadavg())
    except OSError:
        return "?"


def machine_info(loadavg_start):
    return {"cpus": os.cpu_count(), "loadavg_start": loadavg_start, "loadavg_end": loadavg_text(),
            "kernel": os.uname().release}
